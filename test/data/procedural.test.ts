import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatePiece, separateReattacks } from '../../src/data/procedural.js';
import type { Note } from '../../src/types.js';

const PIECES = Array.from({ length: 40 }, (_, i) => generatePiece(1000 + i));

test('the same seed gives the same piece; another seed another', () => {
  assert.deepEqual(generatePiece(7), generatePiece(7));
  assert.notDeepEqual(generatePiece(7), generatePiece(8));
  const fixed = generatePiece(3, { seconds: 25 });
  assert.ok(Math.max(...fixed.map((n) => n.offset)) <= 25 + 1e-9);
});

test('notes are valid: piano keys, velocities 20..127 / 127, positive lengths, sorted', () => {
  for (const p of PIECES) {
    for (let i = 0; i < p.length; i++) {
      const n = p[i]!;
      assert.ok(n.pitch >= 21 && n.pitch <= 108 && Number.isInteger(n.pitch));
      const v = n.velocity * 127;
      assert.ok(Math.abs(v - Math.round(v)) < 1e-9 && v >= 20 - 1e-9 && v <= 127 + 1e-9, `velocity ${v}`);
      assert.ok(n.offset - n.onset >= 0.02 && n.onset >= 0);
      if (i > 0) assert.ok(p[i - 1]!.onset <= n.onset);
    }
  }
});

test('one key never sounds twice at once', () => {
  for (const p of PIECES) {
    const last = new Map<number, Note>();
    for (const n of p) {
      const prev = last.get(n.pitch);
      if (prev) assert.ok(n.onset >= prev.offset, `key ${n.pitch} at ${n.onset} overlaps ${prev.onset}-${prev.offset}`);
      last.set(n.pitch, n);
    }
  }
});

/** Measures of the material the generator promises, over 40 pieces. */
function survey(pieces: Note[][]) {
  let fastestRepeat = Infinity;
  let biggestChord = 0;
  let longestGap = 0;
  let longNotesOverlapping = 0;
  const keys = new Set<number>();
  const velocities = new Set<number>();
  for (const p of pieces) {
    const lastOnset = new Map<number, number>();
    let end = 0;
    for (let i = 0; i < p.length; i++) {
      const n = p[i]!;
      keys.add(n.pitch);
      velocities.add(Math.round(n.velocity * 127));
      const prev = lastOnset.get(n.pitch);
      if (prev !== undefined) fastestRepeat = Math.min(fastestRepeat, n.onset - prev);
      lastOnset.set(n.pitch, n.onset);
      if (n.onset - end > longestGap && i > 0) longestGap = n.onset - end;
      end = Math.max(end, n.offset);
      const chord = p.filter((m) => Math.abs(m.onset - n.onset) < 0.03).length;
      biggestChord = Math.max(biggestChord, chord);
      if (n.offset - n.onset > 1 && p.some((m) => m !== n && m.onset > n.onset && m.onset < n.offset && m.offset - m.onset > 1)) longNotesOverlapping++;
    }
  }
  return { fastestRepeat, biggestChord, longestGap, longNotesOverlapping, keys: keys.size, minVel: Math.min(...velocities), maxVel: Math.max(...velocities) };
}

test('the material covers what training needs: fast repeats, big chords, silence, sustained overlaps, all 88 keys, soft to loud', () => {
  const s = survey(PIECES);
  assert.ok(s.fastestRepeat <= 0.06, `fastest repeat ${s.fastestRepeat}`);
  assert.ok(s.biggestChord >= 8, `biggest chord ${s.biggestChord}`);
  assert.ok(s.longestGap >= 0.5, `longest silence ${s.longestGap}`);
  assert.ok(s.longNotesOverlapping > 20);
  assert.equal(s.keys, 88);
  assert.ok(s.minVel <= 25 && s.maxVel === 127, `velocities ${s.minVel}..${s.maxVel}`);
  const lengths = PIECES.map((p) => Math.max(...p.map((n) => n.offset)));
  assert.ok(Math.min(...lengths) >= 15 && Math.max(...lengths) <= 60.5, `lengths ${Math.min(...lengths)}..${Math.max(...lengths)}`);
});

test('separateReattacks releases a held key just before it is struck again and drops strikes too close to keep', () => {
  const out = separateReattacks([
    { onset: 0, offset: 1, pitch: 60, velocity: 0.5 },
    { onset: 0.5, offset: 0.8, pitch: 60, velocity: 0.5 },
    { onset: 0.51, offset: 0.9, pitch: 60, velocity: 0.5 },
  ]);
  assert.equal(out.length, 2);
  assert.ok(Math.abs(out[0]!.offset - 0.49) < 1e-9);
  assert.equal(out[1]!.onset, 0.5);
});
