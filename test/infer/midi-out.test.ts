// MIDI round trip through @tonejs/midi's reader (times to 1 ms), the SMF
// header bytes themselves, and the CSV / JSON event outputs read back by
// the dataset's own CSV parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ToneMidi from '@tonejs/midi';
import { MIDI_BPM, MIDI_PPQ, notesToCsv, notesToJson, notesToMidi, writeEvents, writeMidi } from '../../src/infer/midi-out.js';
import { parseCsv } from '../../src/data/csv.js';
import type { Note } from '../../src/types.js';
import { mulberry32 } from '../../src/util/prng.js';

const { Midi } = ToneMidi;

/** Notes as the extractor makes them: 50 fps frame times, velocities 0..1; no same-key overlaps. */
function frameNotes(seed: number, n: number): Note[] {
  const r = mulberry32(seed);
  const free = new Map<number, number>();
  const out: Note[] = [];
  for (let i = 0; i < n; i++) {
    const pitch = 21 + Math.floor(r() * 88);
    const f0 = Math.max(free.get(pitch) ?? 0, Math.floor(r() * 30000)); // up to 10 min
    const f1 = f0 + 1 + Math.floor(r() * 200);
    free.set(pitch, f1);
    out.push({ onset: f0 / 50, offset: f1 / 50, pitch, velocity: r() });
  }
  return out;
}

test('MIDI round trip: @tonejs/midi reads back the notes to the millisecond', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'a2m-midi-'));
  try {
    const notes = frameNotes(11, 400);
    notes.push({ onset: 1.2345, offset: 1.9876, pitch: 60, velocity: 89 / 127 }); // off-grid: to the ms
    const file = path.join(dir, 'out.mid');
    await writeMidi(file, notes);
    assert.deepEqual(await readdir(dir), ['out.mid'], 'no temp files left behind');
    const midi = new Midi(await readFile(file));
    assert.equal(midi.header.ppq, MIDI_PPQ);
    assert.deepEqual(midi.header.tempos.map((t) => t.bpm), [MIDI_BPM]);
    const piano = midi.tracks.filter((t) => t.notes.length > 0);
    assert.equal(piano.length, 1);
    assert.equal(piano[0]!.instrument.number, 0, 'acoustic grand piano');
    // 50 fps frame times are whole ticks: 40 ticks per frame.
    const onGrid = piano[0]!.notes.filter((n) => !(n.midi === 60 && n.ticks === 2469));
    assert.ok(onGrid.every((n) => n.ticks % 40 === 0 && n.durationTicks % 40 === 0), 'frame times are exact ticks');
    const got = piano[0]!.notes.map((n) => ({ onset: n.time, offset: n.time + n.duration, pitch: n.midi, v: Math.round(n.velocity * 127) }));
    const want = [...notes].sort((a, b) => a.onset - b.onset || a.pitch - b.pitch);
    got.sort((a, b) => a.onset - b.onset || a.pitch - b.pitch);
    assert.equal(got.length, want.length);
    got.forEach((g, i) => {
      const w = want[i]!;
      assert.equal(g.pitch, w.pitch);
      assert.ok(Math.abs(g.onset - w.onset) < 5e-4, `onset ${g.onset} vs ${w.onset}`);
      assert.ok(Math.abs(g.offset - w.offset) < 5e-4, `offset ${g.offset} vs ${w.offset}`);
      assert.equal(g.v, Math.min(127, Math.max(1, Math.round(w.velocity * 127))), `velocity of note ${i}`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SMF header: type 1, two tracks, PPQ 1000, tempo 500000 µs/quarter', () => {
  const bytes = notesToMidi([{ onset: 0, offset: 0.5, pitch: 60, velocity: 0.5 }]);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(String.fromCharCode(...bytes.subarray(0, 4)), 'MThd');
  assert.equal(dv.getUint16(8), 1, 'format 1');
  assert.equal(dv.getUint16(10), 2, 'conductor + piano track');
  assert.equal(dv.getUint16(12), MIDI_PPQ);
  // The set-tempo meta event FF 51 03 tt tt tt.
  const i = bytes.findIndex((b, k) => b === 0xff && bytes[k + 1] === 0x51 && bytes[k + 2] === 0x03);
  assert.ok(i > 0, 'has a tempo event');
  assert.equal((bytes[i + 3]! << 16) | (bytes[i + 4]! << 8) | bytes[i + 5]!, 500000);
});

test('same-key overlaps are cut at the next strike; velocity 0 still sounds', () => {
  const bytes = notesToMidi([
    { onset: 0, offset: 1, pitch: 60, velocity: 0 },
    { onset: 0.5, offset: 1.5, pitch: 60, velocity: 1 },
    { onset: 0.5, offset: 0.5, pitch: 64, velocity: 0.5 },
  ]);
  // In ticks (2000 per second): exact.
  const notes = new Midi(bytes).tracks.flatMap((t) => t.notes).map((n) => [n.midi, n.ticks, n.durationTicks, Math.round(n.velocity * 127)]);
  assert.deepEqual(notes, [[60, 0, 1000, 1], [60, 1000, 2000, 127], [64, 1000, 1, 64]]);
});

test('bad notes are a clear error', () => {
  assert.throws(() => notesToMidi([{ onset: 0, offset: 1, pitch: 128, velocity: 1 }]), /note 0: pitch must be a MIDI note/);
  assert.throws(() => notesToMidi([{ onset: 1, offset: 0.5, pitch: 60, velocity: 1 }]), /onset <= offset/);
});

test('CSV and JSON events read back as the same notes (dataset format)', async () => {
  const notes = frameNotes(5, 50);
  const back = parseCsv(notesToCsv(notes), 'events.csv');
  const sorted = [...notes].sort((a, b) => a.onset - b.onset || a.pitch - b.pitch);
  assert.equal(back.length, notes.length);
  back.forEach((b, i) => {
    const w = sorted[i]!;
    assert.equal(b.pitch, w.pitch);
    for (const k of ['onset', 'offset', 'velocity'] as const) assert.ok(Math.abs(b[k] - w[k]) < 2e-6, `${k} ${b[k]} vs ${w[k]}`);
  });
  const json = JSON.parse(notesToJson(notes)) as { time: number; duration: number; key: number; velocity: number }[];
  assert.deepEqual(json.map((e) => Object.keys(e)), json.map(() => ['time', 'duration', 'key', 'velocity']));
  assert.deepEqual(json.map((e) => [e.time, e.key]), sorted.map((n) => [n.onset, n.pitch]));

  const dir = await mkdtemp(path.join(tmpdir(), 'a2m-events-'));
  try {
    await writeEvents(path.join(dir, 'e.csv'), notes, 'csv');
    await writeEvents(path.join(dir, 'e.json'), notes, 'json');
    assert.equal(await readFile(path.join(dir, 'e.csv'), 'utf8'), notesToCsv(notes));
    assert.equal(await readFile(path.join(dir, 'e.json'), 'utf8'), notesToJson(notes));
    await assert.rejects(writeEvents(path.join(dir, 'e.x'), notes, 'xml' as 'csv'), /unknown event format "xml"/);
    assert.deepEqual((await readdir(dir)).sort(), ['e.csv', 'e.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
