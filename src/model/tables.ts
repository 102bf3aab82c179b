/**
 * Constant tables computed from the config. They enter the graph as constants
 * (the IR's constant folding sees them as such), so RoPE, attention masks and
 * spectral kernels are plain numbers in every export.
 */
import type { HostTensor } from '../ir/tensor.js';
import type { LogSpecFrontend, ModelConfig, TransformerConfig } from './config.js';

/** RoPE cos/sin tables [T, D], interleaved pairs: dims (2i, 2i+1) share angle pos * theta^(-2i/D). */
export function ropeTables(frames: number, headDim: number, theta: number): { cos: HostTensor; sin: HostTensor } {
  const cos = new Float32Array(frames * headDim), sin = new Float32Array(frames * headDim);
  for (let t = 0; t < frames; t++) {
    for (let i = 0; i < headDim / 2; i++) {
      const a = t * Math.pow(theta, (-2 * i) / headDim);
      cos[t * headDim + 2 * i] = cos[t * headDim + 2 * i + 1] = Math.cos(a);
      sin[t * headDim + 2 * i] = sin[t * headDim + 2 * i + 1] = Math.sin(a);
    }
  }
  return { cos: { shape: [frames, headDim], data: cos }, sin: { shape: [frames, headDim], data: sin } };
}

/**
 * The pair rotation as a matrix R [D, D] so that (x @ R)[2i] = -x[2i+1] and
 * (x @ R)[2i+1] = x[2i]: RoPE becomes x*cos + (x@R)*sin, plain matmul and
 * elementwise ops in every format.
 */
export function ropeRotation(headDim: number): HostTensor {
  const r = new Float32Array(headDim * headDim);
  for (let i = 0; i < headDim / 2; i++) {
    r[(2 * i + 1) * headDim + 2 * i] = -1; // out[2i] = -x[2i+1]
    r[(2 * i) * headDim + 2 * i + 1] = 1; // out[2i+1] = x[2i]
  }
  return { shape: [headDim, headDim], data: r };
}

/** A large negative logit that still fits fp16 (max 65504): masked keys get weight exp(-1e4) = 0. */
export const MASKED_LOGIT = -1e4;

/**
 * Additive mask [T, T] for local attention: queries in block b = floor(i / stride)
 * attend to keys j in [b*stride - (window-stride)/2, b*stride + stride + (window-stride)/2),
 * i.e. the block itself plus (window - stride)/2 frames either side. Computed
 * from absolute positions, so no output shift (the seed's bug) is possible.
 */
export function localAttentionMask(frames: number, t: TransformerConfig): HostTensor {
  const m = new Float32Array(frames * frames);
  const margin = (t.localWindow - t.localStride) / 2;
  for (let i = 0; i < frames; i++) {
    const start = Math.floor(i / t.localStride) * t.localStride - margin;
    const end = start + t.localWindow;
    for (let j = 0; j < frames; j++) m[i * frames + j] = j >= start && j < end ? 0 : MASKED_LOGIT;
  }
  return { shape: [frames, frames], data: m };
}

/** MIDI -> Hz. */
const hz = (midi: number) => 440 * Math.pow(2, (midi - 69) / 12);

/**
 * Constant-Q-style kernels [K, 1, 2F] for a conv1d over mono samples with
 * stride = hop: columns 0..F-1 are Hann-windowed cosines, F..2F-1 sines, one
 * per log-spaced bin from MIDI 21 - 1/3 to 108 + 1/3 semitones. Each kernel
 * spans Q cycles (capped at maxKernel), centred in the K-sample frame and
 * normalised to unit L1 window mass so bins are comparable.
 */
export function logSpecKernels(cfg: ModelConfig, fe: LogSpecFrontend, compute = true): { kernels: HostTensor; bins: number; kernelSize: number } {
  const bps = fe.binsPerSemitone;
  const bins = 88 * bps;
  const K = fe.maxKernel;
  const Q = 1 / (Math.pow(2, 1 / (12 * bps)) - 1);
  const data = new Float32Array(compute ? K * 2 * bins : 0);
  if (!compute) return { kernels: { shape: [K, 1, 2 * bins], data }, bins, kernelSize: K };
  for (let b = 0; b < bins; b++) {
    const midi = 21 + (b - (bps - 1) / 2) / bps;
    const f = hz(midi);
    const len = Math.min(K, Math.round((Q * cfg.sampleRate) / f));
    const start = Math.floor((K - len) / 2);
    let mass = 0;
    for (let n = 0; n < len; n++) mass += 0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 0.5)) / len);
    for (let n = 0; n < len; n++) {
      const w = (0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 0.5)) / len)) / mass;
      const ph = (2 * Math.PI * f * (n - len / 2)) / cfg.sampleRate;
      data[(start + n) * 2 * bins + b] = w * Math.cos(ph);
      data[(start + n) * 2 * bins + bins + b] = w * Math.sin(ph);
    }
  }
  return { kernels: { shape: [K, 1, 2 * bins], data }, bins, kernelSize: K };
}

/** Depthwise [2, 1, channels] kernel of x[t] - x[t-1] (with one frame of zero padding before). */
export function riseKernel(channels: number): HostTensor {
  const data = new Float32Array(2 * channels);
  data.fill(-1, 0, channels);
  data.fill(1, channels);
  return { shape: [2, 1, channels], data };
}
