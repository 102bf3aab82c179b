/**
 * Streaming form of `stitch` (window.ts): window outputs go in one at a time,
 * in order, and stitched frames come out as soon as no later window can change
 * them. Only the last window's 25 overlap frames are held (they are cross-faded
 * with the next window, or stand alone if there is none), so memory is one
 * window whatever the file's length.
 *
 * The numbers are exactly `stitch`'s: every output value is accumulated into a
 * zeroed float32 buffer in the same order (earlier window first) with the same
 * weights, so float32 rounding (and 0 + -0 = +0) matches bit for bit.
 */
import { A2mError } from '../errors.js';
import { HOP_FRAMES, OVERLAP_FRAMES, WINDOW_FRAMES } from './window.js';

export class StitchStream {
  /** Raw (unweighted) overlap frames of the latest window, [25, cols]; null before the first. */
  private tail: Float32Array | null = null;
  private windows = 0;
  /** Frames handed out so far. */
  private emitted = 0;
  private finished = false;

  /**
   * `totalFrames` as in `stitch`: output stops there (frameCount(samples) drops
   * the zero-padded tail) and is zero-filled up to it; by default every frame
   * the windows cover.
   */
  constructor(readonly cols: number, readonly totalFrames?: number) {}

  /** Adds the next window's output [250, cols]; returns the frames it completes, [n, cols] (n may be 0). */
  push(window: Float32Array): Float32Array {
    if (this.finished) throw new A2mError('StitchStream: push after finish');
    const { cols } = this;
    if (window.length !== WINDOW_FRAMES * cols) throw new A2mError(`stitch: window ${this.windows} has ${window.length} values, expected ${WINDOW_FRAMES}x${cols}`);
    // Frames [0, 225) of this window are final now: the first 25 blend with the
    // previous window's fade-out (it has a successor: this one), the rest are this window's alone.
    const out = new Float32Array(HOP_FRAMES * cols);
    if (this.tail) {
      for (let j = 0; j < OVERLAP_FRAMES; j++) {
        const fadeOut = 1 - (j + 0.5) / OVERLAP_FRAMES;
        for (let c = 0; c < cols; c++) out[j * cols + c]! += fadeOut * this.tail[j * cols + c]!;
      }
    }
    for (let f = 0; f < HOP_FRAMES; f++) {
      const weight = this.tail && f < OVERLAP_FRAMES ? (f + 0.5) / OVERLAP_FRAMES : 1;
      for (let c = 0; c < cols; c++) out[f * cols + c]! += weight * window[f * cols + c]!;
    }
    // A copy: the caller may reuse the window's buffer.
    this.tail = window.slice(HOP_FRAMES * cols);
    this.windows++;
    return this.take(out);
  }

  /** No more windows: the last window's overlap frames (unfaded), then zeros up to totalFrames. */
  finish(): Float32Array {
    if (this.finished) throw new A2mError('StitchStream: finish called twice');
    this.finished = true;
    const { cols } = this;
    let out = new Float32Array(0);
    if (this.tail) {
      out = new Float32Array(OVERLAP_FRAMES * cols);
      for (let i = 0; i < out.length; i++) out[i]! += 1 * this.tail[i]!;
      this.tail = null;
    }
    const rest = this.take(out);
    const pad = this.totalFrames === undefined ? 0 : this.totalFrames - this.emitted;
    if (pad <= 0) return rest;
    const padded = new Float32Array((rest.length / cols + pad) * cols);
    padded.set(rest);
    this.emitted += pad;
    return padded;
  }

  /** Clips a chunk at totalFrames and counts it. */
  private take(chunk: Float32Array): Float32Array {
    const rows = chunk.length / this.cols;
    const room = this.totalFrames === undefined ? rows : Math.max(0, Math.min(rows, this.totalFrames - this.emitted));
    this.emitted += room;
    return room === rows ? chunk : chunk.subarray(0, room * this.cols);
  }
}
