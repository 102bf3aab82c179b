import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HOP_FRAMES, HOP_SAMPLES, OVERLAP_FRAMES, WINDOW_FRAMES, WINDOW_SAMPLES,
  frameCount, sliceWindow, stitch, windowCount, windowStream, windows,
} from '../../src/audio/window.js';
import type { AudioChunk } from '../../src/audio/decode.js';
import { createRng } from '../../src/data/random.js';

test('window geometry: 5 s windows, 0.5 s overlap, 250 frames, 25 shared', () => {
  assert.equal(WINDOW_SAMPLES, 5 * 16000);
  assert.equal(WINDOW_SAMPLES - HOP_SAMPLES, 0.5 * 16000);
  assert.equal(WINDOW_FRAMES, 250);
  assert.equal(OVERLAP_FRAMES, 25);
  assert.equal(windowCount(0), 1);
  assert.equal(windowCount(80000), 1);
  assert.equal(windowCount(80001), 2);
  assert.equal(windowCount(80000 + 72000), 2);
  assert.equal(windowCount(80000 + 72000 + 1), 3);
  // Every sample is inside some window.
  for (const n of [1, 79999, 80001, 152000, 152001, 1_000_003]) assert.ok((windowCount(n) - 1) * HOP_SAMPLES + WINDOW_SAMPLES >= n);
});

test('windows cut the right samples and zero-pad the last', () => {
  const n = 200_000;
  const ch = [Float32Array.from({ length: n }, (_, i) => i + 1), Float32Array.from({ length: n }, (_, i) => -(i + 1))];
  const ws = [...windows(ch)];
  assert.equal(ws.length, windowCount(n));
  ws.forEach((w, k) => {
    for (const i of [0, 1, 7999, 8000, 79999]) {
      const src = k * HOP_SAMPLES + i;
      assert.equal(w[0]![i], src < n ? src + 1 : 0);
      assert.equal(w[1]![i], src < n ? -(src + 1) : 0);
    }
  });
});

test('windowStream gives the same windows as slicing, from odd-sized chunks, with the gain applied', async () => {
  const rng = createRng(3);
  for (const n of [5000, 80000, 152000, 152001, 300_017]) {
    const ch = [Float32Array.from({ length: n }, () => rng.uniform(-1, 1)), Float32Array.from({ length: n }, () => rng.uniform(-1, 1))];
    async function* chunks(): AsyncGenerator<AudioChunk> {
      let s = 0;
      while (s < n) {
        const len = Math.min(n - s, 1 + rng.int(0, 40000));
        yield { channels: [ch[0]!.slice(s, s + len), ch[1]!.slice(s, s + len)], start: s };
        s += len;
      }
    }
    const streamed: Float32Array[][] = [];
    for await (const w of windowStream(chunks(), 2)) streamed.push(w);
    assert.equal(streamed.length, windowCount(n), `n=${n}`);
    streamed.forEach((w, k) => {
      const ref = sliceWindow(ch, k);
      for (let c = 0; c < 2; c++) for (let i = 0; i < WINDOW_SAMPLES; i += 997) assert.equal(w[c]![i], Math.fround(ref[c]![i]! * 2));
    });
  }
});

/** Cuts a [T, C] signal into the per-window outputs a perfect model would give. */
function cutOutputs(signal: Float32Array, cols: number, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, k) => {
    const w = new Float32Array(WINDOW_FRAMES * cols);
    const from = k * HOP_FRAMES * cols;
    w.set(signal.subarray(from, Math.min(signal.length, from + WINDOW_FRAMES * cols)));
    return w;
  });
}

test('stitch is exact at the seams: windows cut from one signal give the signal back', () => {
  const cols = 90;
  const rng = createRng(9);
  const samples = 16000 * 23 + 123;
  const frames = frameCount(samples);
  const signal = Float32Array.from({ length: frames * cols }, () => rng.next());
  const out = stitch(cutOutputs(signal, cols, windowCount(samples)), cols, frames);
  assert.equal(out.length, frames * cols);
  let worst = 0;
  for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - signal[i]!));
  assert.ok(worst < 1e-6, `max error ${worst}`);
});

test('stitch cross-fades linearly over the 25 shared frames', () => {
  // Window 0 says 1 everywhere, window 1 says 0: the seam must ramp 1 -> 0.
  const a = new Float32Array(WINDOW_FRAMES).fill(1);
  const b = new Float32Array(WINDOW_FRAMES).fill(0);
  const out = stitch([a, b], 1);
  assert.equal(out.length, HOP_FRAMES + WINDOW_FRAMES);
  assert.equal(out[HOP_FRAMES - 1], 1);
  for (let j = 0; j < OVERLAP_FRAMES; j++) {
    const expected = 1 - (j + 0.5) / OVERLAP_FRAMES;
    assert.ok(Math.abs(out[HOP_FRAMES + j]! - expected) < 1e-6, `frame ${j}: ${out[HOP_FRAMES + j]} vs ${expected}`);
  }
  assert.equal(out[WINDOW_FRAMES], 0);
  // Monotone ramp, no step at either end of the overlap.
  for (let f = HOP_FRAMES; f < WINDOW_FRAMES; f++) assert.ok(out[f]! <= out[f - 1]!);
});

test('a single window passes through unchanged; wrong shapes are refused', () => {
  const w = Float32Array.from({ length: WINDOW_FRAMES * 2 }, (_, i) => i);
  assert.deepEqual(stitch([w], 2), w);
  assert.throws(() => stitch([new Float32Array(10)], 2));
});
