/**
 * Whole-file RMS normalisation, as the seed: one gain for the whole file,
 * computed before windowing so every window of a file sees the same level.
 * Near-silent files (peak <= 0.05) are left alone rather than amplifying noise.
 *
 * Target RMS 0.1 (-20 dBFS over both channels): typical of mastered piano
 * recordings' loudness, so normalised audio rarely exceeds full scale by much
 * (float samples are not clipped anyway) while quiet home recordings come up.
 */

import { A2mError } from '../errors.js';

export const TARGET_RMS = 0.1;
export const MIN_PEAK = 0.05;

/** Index of the first frame where any channel holds NaN or ±Infinity, or -1. */
export function firstNonFinite(channels: readonly Float32Array[]): number {
  let first = -1;
  for (const ch of channels) {
    const end = first < 0 ? ch.length : first;
    // v - v is 0 for every finite v and NaN for NaN and ±Infinity.
    for (let i = 0; i < end; i++) if (ch[i]! - ch[i]! !== 0) { first = i; break; }
  }
  return first;
}

/** Running level of a file: feed chunks in order, read rms/peak at the end (streaming-friendly). */
export class LevelMeter {
  private sumSquares = 0;
  private count = 0;
  peak = 0;

  push(channels: readonly Float32Array[]): void {
    for (const ch of channels) {
      let s = 0;
      let p = this.peak;
      for (let i = 0; i < ch.length; i++) {
        const v = ch[i]!;
        s += v * v;
        const a = Math.abs(v);
        if (a > p) p = a;
      }
      this.sumSquares += s;
      this.count += ch.length;
      this.peak = p;
    }
  }

  get rms(): number {
    return this.count === 0 ? 0 : Math.sqrt(this.sumSquares / this.count);
  }
}

export interface NormalizeOptions {
  targetRms?: number;
  minPeak?: number;
}

/** The gain normalisation applies for these levels: 1 when the peak is <= minPeak (or the file is silent). */
export function normalizationGain(rms: number, peak: number, opts: NormalizeOptions = {}): number {
  const minPeak = opts.minPeak ?? MIN_PEAK;
  if (peak <= minPeak || rms === 0) return 1;
  return (opts.targetRms ?? TARGET_RMS) / rms;
}

/** Multiplies every sample by `gain`, in place. */
export function applyGain(channels: readonly Float32Array[], gain: number): void {
  if (gain === 1) return;
  for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i]! *= gain;
}

/**
 * Normalises in place; returns the gain used. Audio holding NaN or Inf is
 * refused (its RMS would be NaN and every sample would become NaN).
 */
export function rmsNormalize(channels: readonly Float32Array[], opts: NormalizeOptions = {}): number {
  const meter = new LevelMeter();
  meter.push(channels);
  if (!Number.isFinite(meter.rms) || !Number.isFinite(meter.peak)) {
    const at = firstNonFinite(channels);
    throw new A2mError(`audio sample ${at} is not finite (NaN or Inf), expected finite samples: cannot normalise`);
  }
  const gain = normalizationGain(meter.rms, meter.peak, opts);
  applyGain(channels, gain);
  return gain;
}

/** The same as rmsNormalize (both names are in use). */
export const normalizeRms = rmsNormalize;
