import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addToBreakdown, emptyBreakdown, formatBreakdown } from '../../src/eval/breakdown.js';
import { matchNotes, notesToMir } from '../../src/eval/mir-eval.js';
import type { Note } from '../../src/types.js';

const note = (onset: number, pitch: number, velocity127: number, dur = 0.5): Note => ({ onset, offset: onset + dur, pitch, velocity: velocity127 / 127 });

test('breakdown sorts hits, misses and false alarms into their buckets', () => {
  const ref = [
    note(0, 60, 100),                                   // single, found
    note(1, 40, 30, 1.5), note(1.01, 60, 30), note(1.02, 64, 30), // quiet 3-note chord; only 60 found
    note(2, 100, 70, 0.05),                             // high, short, missed
  ];
  const est = [
    note(0.02, 60, 90),  // hit (20 ms)
    note(1.03, 60, 40),  // hit (20 ms)
    note(1.12, 64, 40),  // 100 ms after the 64: a timing error
    note(1.4, 40, 40),   // inside the held 40: a re-attack
    note(1.3, 52, 40),   // 12 above the sounding 40: a harmonic
    note(1.3, 62, 40),   // 2 from the sounding 60 and 64: a neighbour (not a harmonic of 40: 22)
    note(3, 30, 40),     // nothing sounds
  ];
  const b = addToBreakdown(emptyBreakdown(), ref, est);
  const cells = Object.fromEntries(b.recall.map(({ axis, cells }) => [axis, Object.fromEntries(cells.map((c) => [c.bucket, [c.hits, c.notes]]))]));
  assert.deepEqual(cells['register (MIDI)'], { '21-47': [0, 1], '48-71': [2, 3], '72-95': [0, 0], '96-108': [0, 1] });
  assert.deepEqual(cells['velocity (MIDI)'], { '1-37': [1, 3], '38-63': [0, 0], '64-88': [0, 1], '89-127': [1, 1] });
  assert.deepEqual(cells['duration (s)'], { '<0.1': [0, 1], '0.1-0.25': [0, 0], '0.25-1': [2, 3], '>=1': [0, 1] });
  assert.deepEqual(cells['notes struck together'], { '1': [1, 2], '2': [0, 0], '3-4': [1, 3], '5+': [0, 0] });
  assert.deepEqual(b.falseAlarms, {
    'onset 50-150 ms off': 1, 're-attack inside a held note': 1, 'harmonic of a sounding note': 1, 'neighbour of a sounding note': 1, other: 1,
  });
  assert.equal(b.refNotes, 5);
  assert.equal(b.estNotes, 7);
  assert.match(formatBreakdown(b), /21-47\s+0\.000\s+\(0\/1, 20% of notes\)/);
});

test('breakdown accumulates over pieces', () => {
  const ref = [note(0, 60, 100)];
  const b = emptyBreakdown();
  addToBreakdown(b, ref, ref);
  addToBreakdown(b, ref, []);
  assert.deepEqual(b.recall[0]!.cells[1], { bucket: '48-71', hits: 1, notes: 2 });
});

test('breakdown sorts the found notes\' offsets by reference length: within mir_eval\'s tolerance, early or late', () => {
  // Isolated notes (one per pitch), so onset-only and onset+offset matching pair the same notes.
  const ref = [
    note(0, 60, 80, 2),     // >=2 s: tolerance 0.4 s
    note(0, 62, 80, 2),
    note(3, 64, 80, 0.1),   // <0.25 s: tolerance 0.05 s (the floor)
    note(3, 66, 80, 0.1),
    note(5, 68, 80, 1.5),   // 1-2 s: tolerance 0.3 s
  ];
  const est = [
    { ...ref[0]!, offset: 1.5 },   // 0.5 s early: early
    { ...ref[1]!, offset: 1.65 },  // 0.35 s early: within
    { ...ref[2]!, offset: 3.16 },  // 0.06 s late: late
    { ...ref[3]!, offset: 3.15 },  // 0.05 s late, on the tolerance: within (mir_eval's <=)
    { ...ref[4]!, offset: 6.9 },   // 0.4 s late: late
  ];
  const b = addToBreakdown(emptyBreakdown(), ref, est);
  const cells = Object.fromEntries(b.offsets.map((c) => [c.bucket, [c.matched, c.within, c.early, c.late]]));
  assert.deepEqual(cells, { '<0.25': [2, 1, 0, 1], '0.25-1': [0, 0, 0, 0], '1-2': [1, 0, 0, 1], '>=2': [2, 1, 1, 0] });
  // The within counts agree with mir_eval's onset+offset matching (src/eval/mir-eval.ts, checked against mir_eval's own vectors).
  const withOffsets = matchNotes(notesToMir(ref), notesToMir(est));
  assert.equal(b.offsets.reduce((n, c) => n + c.within, 0), withOffsets.length);
  assert.match(formatBreakdown(b), />=2\s+0\.500 \/ 0\.500 \/ 0\.000\s+\(2 notes\)/);
});
