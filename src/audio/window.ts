/**
 * Model windows and stitching. A window is 5 s = 80000 samples at 16 kHz; long
 * files are cut into windows overlapping by 0.5 s = 8000 samples (hop 72000,
 * 225 frames), the last one zero-padded. Window outputs [250, C] at 50 fps are
 * stitched back with a linear cross-fade over the 25 overlapping frames.
 */
import { FRAMES_PER_SECOND, SAMPLE_RATE, WINDOW_SAMPLES } from '../types.js';
import type { AudioChunk } from './decode.js';

export { SAMPLE_RATE, WINDOW_SAMPLES };
export const OVERLAP_SAMPLES = 8000;
export const HOP_SAMPLES = WINDOW_SAMPLES - OVERLAP_SAMPLES;
export const SAMPLES_PER_FRAME = SAMPLE_RATE / FRAMES_PER_SECOND; // 320
export const WINDOW_FRAMES = WINDOW_SAMPLES / SAMPLES_PER_FRAME; // 250
export const OVERLAP_FRAMES = OVERLAP_SAMPLES / SAMPLES_PER_FRAME; // 25
export const HOP_FRAMES = HOP_SAMPLES / SAMPLES_PER_FRAME; // 225

/** Number of windows covering `totalSamples` (at least one). */
export function windowCount(totalSamples: number): number {
  return Math.max(1, Math.ceil((totalSamples - OVERLAP_SAMPLES) / HOP_SAMPLES));
}

/** Frames of model output for a file of `totalSamples` (a partial last frame counts). */
export function frameCount(totalSamples: number): number {
  return Math.ceil(totalSamples / SAMPLES_PER_FRAME);
}

/** Window `index` of planar audio: [channels][80000], zero-padded past the end. */
export function sliceWindow(channels: readonly Float32Array[], index: number): Float32Array[] {
  const start = index * HOP_SAMPLES;
  return channels.map((ch) => {
    const w = new Float32Array(WINDOW_SAMPLES);
    w.set(ch.subarray(start, Math.min(ch.length, start + WINDOW_SAMPLES)));
    return w;
  });
}

/** All windows of in-memory audio. */
export function* windows(channels: readonly Float32Array[]): Generator<Float32Array[]> {
  const n = windowCount(channels[0]?.length ?? 0);
  for (let i = 0; i < n; i++) yield sliceWindow(channels, i);
}

/**
 * Windows from a decode stream, holding at most one window plus one chunk:
 * each window is emitted as soon as its samples have arrived. `gain` is applied
 * on the way (whole-file normalisation measured in an earlier pass).
 */
export async function* windowStream(chunks: AsyncIterable<AudioChunk>, gain = 1): AsyncGenerator<Float32Array[]> {
  let buf: Float32Array[] = [new Float32Array(WINDOW_SAMPLES), new Float32Array(WINDOW_SAMPLES)];
  let filled = 0; // samples of the current window received
  let received = 0;
  for await (const c of chunks) {
    let off = 0;
    const n = c.channels[0].length;
    received += n;
    while (off < n) {
      const take = Math.min(WINDOW_SAMPLES - filled, n - off);
      for (let ch = 0; ch < 2; ch++) {
        const dst = buf[ch]!;
        const src = c.channels[ch]!;
        for (let i = 0; i < take; i++) dst[filled + i] = src[off + i]! * gain;
      }
      filled += take;
      off += take;
      if (filled === WINDOW_SAMPLES) {
        yield buf;
        // The next window starts with this one's last OVERLAP_SAMPLES.
        const next = [new Float32Array(WINDOW_SAMPLES), new Float32Array(WINDOW_SAMPLES)];
        for (let ch = 0; ch < 2; ch++) next[ch]!.set(buf[ch]!.subarray(HOP_SAMPLES));
        buf = next;
        filled = OVERLAP_SAMPLES;
      }
    }
  }
  // A final partial window, unless the audio ended exactly at a window's end (or there was none yet).
  const emitted = received <= WINDOW_SAMPLES ? (received === WINDOW_SAMPLES ? 1 : 0) : windowsCompleted(received);
  if (emitted < windowCount(received)) yield buf;
}

/** Windows completely filled by `received` samples. */
function windowsCompleted(received: number): number {
  return received < WINDOW_SAMPLES ? 0 : 1 + Math.floor((received - WINDOW_SAMPLES) / HOP_SAMPLES);
}

/**
 * Stitches per-window outputs (each [250, cols] row-major) into [totalFrames, cols].
 * Over the 25 frames two windows share, the output is
 *   (1 - w_j) * previous[225 + j] + w_j * next[j],   w_j = (j + 0.5) / 25,
 * so the weights sum to 1 (equal inputs pass through exactly) and neither
 * window's edge frame is used alone. `totalFrames` defaults to all frames the
 * windows cover; pass frameCount(samples) to drop the zero-padded tail.
 */
export function stitch(outputs: readonly Float32Array[], cols: number, totalFrames?: number): Float32Array {
  const covered = outputs.length === 0 ? 0 : (outputs.length - 1) * HOP_FRAMES + WINDOW_FRAMES;
  const total = totalFrames ?? covered;
  const out = new Float32Array(total * cols);
  outputs.forEach((w, k) => {
    if (w.length !== WINDOW_FRAMES * cols) throw new Error(`stitch: window ${k} has ${w.length} values, expected ${WINDOW_FRAMES}x${cols}`);
    const base = k * HOP_FRAMES;
    const fadeIn = k > 0;
    const fadeOut = k < outputs.length - 1;
    for (let f = 0; f < WINDOW_FRAMES; f++) {
      const t = base + f;
      if (t >= total) break;
      let weight = 1;
      if (fadeIn && f < OVERLAP_FRAMES) weight = (f + 0.5) / OVERLAP_FRAMES;
      else if (fadeOut && f >= HOP_FRAMES) weight = 1 - (f - HOP_FRAMES + 0.5) / OVERLAP_FRAMES;
      for (let c = 0; c < cols; c++) out[t * cols + c]! += weight * w[f * cols + c]!;
    }
  });
  return out;
}
