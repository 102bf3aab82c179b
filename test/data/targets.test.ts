import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowTargets } from '../../src/data/targets.js';
import type { Note } from '../../src/types.js';

const K = 90;
const at = (a: Float32Array, f: number, k: number): number => a[f * K + k]!;
const note = (onset: number, offset: number, pitch: number, velocity = 0.5): Note => ({ onset, offset, pitch, velocity });

test('frame target: 1 at onset, exp(-0.05 n) decay, 0.6 floor, until the release frame', () => {
  // Onset 0.1 s = frame 5; release 1.0 s = frame 50 (exclusive), so frames 5..49 are active.
  const t = windowTargets([note(0.1, 1.0, 60, 0.7)], 0);
  const k = 60 - 21;
  assert.equal(at(t.frames, 4, k), 0);
  assert.equal(at(t.frames, 5, k), 1);
  assert.ok(Math.abs(at(t.frames, 6, k) - Math.exp(-0.05)) < 1e-6);
  assert.ok(Math.abs(at(t.frames, 15, k) - Math.exp(-0.5)) < 1e-6); // 0.6065 > floor
  assert.ok(Math.abs(at(t.frames, 16, k) - 0.6) < 1e-6); // exp(-0.55) = 0.577 < floor
  assert.ok(Math.abs(at(t.frames, 49, k) - 0.6) < 1e-6);
  assert.equal(at(t.frames, 50, k), 0);
  assert.equal(at(t.onsets, 5, k), 1);
  assert.equal(t.onsets.reduce((s, v) => s + v, 0), 1);
  assert.equal(at(t.offsets, 49, k), 1);
  assert.ok(Math.abs(at(t.velocities, 20, k) - 0.7) < 1e-6);
  assert.equal(at(t.velocities, 50, k), 0);
  // Other keys untouched.
  assert.equal(t.frames.reduce((s, v) => s + v, 0) > 0, true);
  assert.equal(at(t.frames, 10, k + 1), 0);
});

test('a re-attack leaves the frame before it at 0 and restarts the decay', () => {
  const k = 40 - 21;
  const t = windowTargets([note(0.0, 1.0, 40), note(0.5, 1.0, 40)], 0);
  assert.ok(at(t.frames, 23, k) > 0);
  assert.equal(at(t.frames, 24, k), 0);
  assert.equal(at(t.frames, 25, k), 1);
  assert.equal(at(t.onsets, 0, k), 1);
  assert.equal(at(t.onsets, 25, k), 1);
  // Fast repeats 3 frames apart: onset, one decayed frame, gap, onset.
  const r = windowTargets([note(0.0, 0.05, 40), note(0.06, 0.1, 40)], 0);
  assert.deepEqual([0, 1, 2, 3].map((f) => Number(at(r.frames, f, k).toFixed(4))), [1, Number(Math.exp(-0.05).toFixed(4)), 0, 1]);
});

test('notes that began before the window keep decaying from their real onset; window offsets shift frames', () => {
  const k = 70 - 21;
  const t = windowTargets([note(1.0, 3.0, 70)], 1.1); // onset 5 frames before the window
  assert.ok(Math.abs(at(t.frames, 0, k) - Math.exp(-0.25)) < 1e-6);
  assert.equal(t.onsets.reduce((s, v) => s + v, 0), 0);
  const late = windowTargets([note(6.02, 6.5, 70)], 1.0); // 5.02 s into the window: frame 251, outside
  assert.equal(late.frames.reduce((s, v) => s + v, 0), 0);
  const inside = windowTargets([note(5.96, 6.5, 70)], 1.0); // frame 248
  assert.equal(at(inside.onsets, 248, k), 1);
  assert.equal(at(inside.frames, 249, k), Math.fround(Math.exp(-0.05)));
});

test('an event belongs to the nearest frame centre (frame f is centred on f/50 s)', () => {
  const k = 60 - 21;
  // 0.109 s is 5.45 frames -> frame 5; 0.111 s is 5.55 frames -> frame 6.
  assert.equal(at(windowTargets([note(0.109, 1, 60)], 0).onsets, 5, k), 1);
  assert.equal(at(windowTargets([note(0.111, 1, 60)], 0).onsets, 6, k), 1);
  // Releases round the same way: 0.5 s -> 25 (exclusive); 0.511 s -> 26.
  const a = windowTargets([note(0, 0.5, 60)], 0);
  assert.ok(at(a.frames, 24, k) > 0 && at(a.frames, 25, k) === 0);
  const b = windowTargets([note(0, 0.511, 60)], 0);
  assert.ok(at(b.frames, 25, k) > 0 && at(b.frames, 26, k) === 0);
});

test('keys outside the grid are ignored and the shape is [250, 90]', () => {
  const t = windowTargets([note(0, 1, 20), note(0, 1, 111), note(0, 1, 108)], 0);
  assert.equal(t.frames.length, 250 * 90);
  assert.equal(t.onsets.reduce((s, v) => s + v, 0), 1);
  assert.equal(at(t.onsets, 0, 87), 1);
});
