// StitchStream (window outputs in, final frames out as soon as no later window
// can change them) against `stitch` over all windows at once: bit-identical
// float32 values, for files shorter than one window, exact multiples of the
// hop, one sample past them, with and without a totalFrames cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOP_FRAMES, WINDOW_FRAMES, frameCount, stitch, windowCount } from '../../src/audio/window.js';
import { StitchStream } from '../../src/audio/stitch-stream.js';
import { createRng } from '../../src/data/random.js';

const COLS = 7;

/** Random window outputs, with exact zeros and negative zeros sprinkled in (0 + -0 is +0: the rounding path must match). */
function randomWindows(count: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: WINDOW_FRAMES * COLS }, () => {
    const r = rng.next();
    return r < 0.05 ? 0 : r < 0.1 ? -0 : rng.uniform(-3, 3);
  }));
}

/** The same bits (so -0 vs +0 and NaN payloads count): index of the first difference, or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function concat(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

const CASES: { name: string; samples: number }[] = [
  { name: 'shorter than one window', samples: 5000 },
  { name: 'one sample', samples: 1 },
  { name: 'exactly one window', samples: 80000 },
  { name: 'one window + 1 sample', samples: 80001 },
  { name: 'exactly two windows', samples: 80000 + 72000 },
  { name: 'exactly five windows', samples: 80000 + 4 * 72000 },
  { name: 'five windows + 1 sample', samples: 80000 + 4 * 72000 + 1 },
  { name: 'partial frame at the end', samples: 16000 * 23 + 123 },
];

for (const [i, c] of CASES.entries()) {
  test(`StitchStream = stitch, bit for bit: ${c.name} (${c.samples} samples)`, () => {
    const windows = randomWindows(windowCount(c.samples), 100 + i);
    for (const total of [frameCount(c.samples), undefined]) {
      const want = stitch(windows, COLS, total);
      const s = new StitchStream(COLS, total);
      const chunks: Float32Array[] = [];
      let emitted = 0;
      for (const [k, w] of windows.entries()) {
        chunks.push(s.push(w));
        emitted += chunks.at(-1)!.length / COLS;
        // Everything before window k's fade-out is final once window k is in; nothing after it is.
        assert.equal(emitted, Math.min(total ?? Infinity, (k + 1) * HOP_FRAMES), `frames out after window ${k}`);
      }
      chunks.push(s.finish());
      const got = concat(chunks);
      const at = firstBitDifference(got, want);
      assert.equal(at, -1, `total=${total}: first difference at value ${at} (frame ${Math.floor(at / COLS)}): ${got[at]} vs ${want[at]}`);
    }
  });
}

test('StitchStream zero-fills past the windows up to totalFrames, like stitch', () => {
  const windows = randomWindows(2, 7);
  const total = 2 * WINDOW_FRAMES;
  const s = new StitchStream(COLS, total);
  const got = concat([...windows.map((w) => s.push(w)), s.finish()]);
  assert.equal(firstBitDifference(got, stitch(windows, COLS, total)), -1);
});

test('StitchStream keeps its own copy of the overlap: reusing the window buffer does not change the output', () => {
  const windows = randomWindows(3, 8);
  const s = new StitchStream(COLS);
  const reused = new Float32Array(WINDOW_FRAMES * COLS);
  const chunks: Float32Array[] = [];
  for (const w of windows) { reused.set(w); chunks.push(s.push(reused)); }
  reused.fill(42);
  chunks.push(s.finish());
  assert.equal(firstBitDifference(concat(chunks), stitch(windows, COLS)), -1);
});

test('StitchStream rejects a window of the wrong size and use after finish', () => {
  const s = new StitchStream(COLS);
  assert.throws(() => s.push(new Float32Array(10)), /window 0 has 10 values, expected 250x7/);
  s.finish();
  assert.throws(() => s.push(new Float32Array(WINDOW_FRAMES * COLS)), /after finish/);
});
