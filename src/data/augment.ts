/**
 * Batch augmentations, as the seed applied them, each switchable with its
 * probability. They act in place on a batch: audio [B, 2, N] (channels first)
 * and targets [B, T, K] (frames / onsets / velocities).
 */
import type { Rng } from './random.js';
import { TARGET_ROLLS, type WindowTargets } from './targets.js';

export interface AugmentConfig {
  /** Random stereo pan: scale one channel by 1 - u, u ~ U(0, 0.5). */
  pan: number;
  /** Swap left and right. */
  channelSwap: number;
  /** Replace a random time span (whole frames) with the same span of another example, targets too. */
  cutMix: number;
  /** Roll audio and targets circularly by whole frames. */
  roll: number;
  /** Zero a random span of audio and its targets (nothing sounds there). */
  erase: number;
  /** Mix with another example: audio averaged, targets take the max. */
  mixUp: number;
  /** Random gain, -12..+6 dB. */
  gain: number;
  /** Gaussian noise at -60..-30 dB. */
  noise: number;
  /** Label smoothing to [eps, 1 - eps] on frame targets (0 disables). */
  labelSmoothing: number;
}

export const DEFAULT_AUGMENT: AugmentConfig = {
  pan: 0.3, channelSwap: 0.5, cutMix: 0.2, roll: 0.2, erase: 0.1, mixUp: 0.1, gain: 0.5, noise: 0.3, labelSmoothing: 0.005,
};
export const NO_AUGMENT: AugmentConfig = { pan: 0, channelSwap: 0, cutMix: 0, roll: 0, erase: 0, mixUp: 0, gain: 0, noise: 0, labelSmoothing: 0 };

export interface Batch {
  batch: number;
  samples: number;
  frames: number;
  keys: number;
  audio: Float32Array;
  targets: WindowTargets;
}

const hop = (b: Batch) => b.samples / b.frames;

function audioOf(b: Batch, i: number, c: number): Float32Array {
  return b.audio.subarray((i * 2 + c) * b.samples, (i * 2 + c + 1) * b.samples);
}
function targetSlices(b: Batch, i: number): Float32Array[] {
  const n = b.frames * b.keys;
  return TARGET_ROLLS.map((name) => b.targets[name].subarray(i * n, (i + 1) * n));
}

export function pan(b: Batch, i: number, rng: Rng): void {
  const ch = rng.next() < 0.5 ? 0 : 1, g = 1 - 0.5 * rng.next();
  const a = audioOf(b, i, ch);
  for (let s = 0; s < a.length; s++) a[s]! *= g;
}

export function channelSwap(b: Batch, i: number): void {
  const l = audioOf(b, i, 0), r = audioOf(b, i, 1), tmp = Float32Array.from(l);
  l.set(r); r.set(tmp);
}

export function gain(b: Batch, i: number, rng: Rng): void {
  const g = Math.pow(10, (-12 + 18 * rng.next()) / 20);
  for (const c of [0, 1]) { const a = audioOf(b, i, c); for (let s = 0; s < a.length; s++) a[s]! *= g; }
}

export function noise(b: Batch, i: number, rng: Rng): void {
  const std = Math.pow(10, (-60 + 30 * rng.next()) / 20);
  for (const c of [0, 1]) { const a = audioOf(b, i, c); for (let s = 0; s < a.length; s++) a[s]! += std * rng.normal(); }
}

/** Circular roll by whole frames so audio and targets stay aligned. */
export function roll(b: Batch, i: number, rng: Rng): void {
  const shift = 1 + Math.floor(rng.next() * (b.frames - 1));
  const rot = (x: Float32Array, by: number) => { const c = Float32Array.from(x); for (let s = 0; s < x.length; s++) x[(s + by) % x.length] = c[s]!; };
  for (const c of [0, 1]) rot(audioOf(b, i, c), shift * hop(b));
  for (const t of targetSlices(b, i)) rot(t, shift * b.keys);
}

/** A random span of frames [f0, f1). */
function span(b: Batch, rng: Rng, maxFrac: number): [number, number] {
  const len = 1 + Math.floor(rng.next() * maxFrac * b.frames);
  const f0 = Math.floor(rng.next() * (b.frames - len));
  return [f0, f0 + len];
}

/** Silences a span of audio; its targets are cleared too (nothing sounds there). */
export function erase(b: Batch, i: number, rng: Rng): void {
  const [f0, f1] = span(b, rng, 0.3);
  for (const c of [0, 1]) audioOf(b, i, c).fill(0, f0 * hop(b), f1 * hop(b));
  for (const t of targetSlices(b, i)) t.fill(0, f0 * b.keys, f1 * b.keys);
}

export function cutMix(b: Batch, i: number, j: number, rng: Rng): void {
  const [f0, f1] = span(b, rng, 0.5);
  for (const c of [0, 1]) audioOf(b, i, c).set(audioOf(b, j, c).subarray(f0 * hop(b), f1 * hop(b)), f0 * hop(b));
  const ti = targetSlices(b, i), tj = targetSlices(b, j);
  ti.forEach((t, k) => t.set(tj[k]!.subarray(f0 * b.keys, f1 * b.keys), f0 * b.keys));
}

/** Audio averaged with another example (scaled to keep loudness), targets take the element-wise max. */
export function mixUp(b: Batch, i: number, j: number): void {
  for (const c of [0, 1]) {
    const a = audioOf(b, i, c), o = audioOf(b, j, c);
    for (let s = 0; s < a.length; s++) a[s] = (a[s]! + o[s]!) * Math.SQRT1_2;
  }
  const ti = targetSlices(b, i), tj = targetSlices(b, j);
  ti.forEach((t, k) => { const o = tj[k]!; for (let s = 0; s < t.length; s++) t[s] = Math.max(t[s]!, o[s]!); });
}

export function labelSmoothing(b: Batch, eps: number): void {
  const t = b.targets.frames;
  for (let s = 0; s < t.length; s++) t[s] = eps + (1 - 2 * eps) * t[s]!;
}

/** Applies the configured augmentations to a batch in place (deterministic for the rng). */
export function augmentBatch(b: Batch, cfg: AugmentConfig, rng: Rng): void {
  const other = (i: number) => (b.batch > 1 ? (i + 1 + Math.floor(rng.next() * (b.batch - 1))) % b.batch : i);
  for (let i = 0; i < b.batch; i++) {
    if (rng.next() < cfg.cutMix && b.batch > 1) cutMix(b, i, other(i), rng);
    if (rng.next() < cfg.mixUp && b.batch > 1) mixUp(b, i, other(i));
    if (rng.next() < cfg.roll) roll(b, i, rng);
    if (rng.next() < cfg.erase) erase(b, i, rng);
    if (rng.next() < cfg.pan) pan(b, i, rng);
    if (rng.next() < cfg.channelSwap) channelSwap(b, i);
    if (rng.next() < cfg.gain) gain(b, i, rng);
    if (rng.next() < cfg.noise) noise(b, i, rng);
  }
  if (cfg.labelSmoothing > 0) labelSmoothing(b, cfg.labelSmoothing);
}
