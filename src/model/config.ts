/**
 * Model presets. A preset fixes the audio grid (sample rate, window, frames,
 * keys) and every size; it is stored with the weights so a checkpoint always
 * rebuilds the network it was trained as.
 */
import { A2mError } from '../errors.js';
import { CHANNELS, FRAMES_PER_SECOND, NUM_KEYS, SAMPLE_RATE, WINDOW_SAMPLES } from '../types.js';

/** The seed's learned 1-D ConvNeXt front end (raw samples -> frames). */
export interface ConvNextFrontend {
  kind: 'convnext';
  stemKernel: number;
  stemStride: number;
  /** dims[0] is the stem width; dims[i] (i >= 1) the width after downsample i (k=2, s=2). */
  dims: number[];
  /** depths[i]: ConvNeXt blocks at width dims[i]. */
  depths: number[];
  blockKernel: number;
}

/**
 * A fixed log-frequency front end: constant-Q-style complex kernels applied as
 * one strided conv1d (hop = samples per frame), log power, then a learned
 * projection and a few ConvNeXt blocks over time. Still raw samples in, and
 * every format expresses it (conv, mul, add, log): the probe in DESIGN.md found
 * a short learned stem resolves bass poorly.
 */
export interface LogSpecFrontend {
  kind: 'logspec';
  /** Bins per semitone, covering MIDI 21..108 (plus a third of a semitone either side). */
  binsPerSemitone: number;
  /** Longest kernel in samples (bass bins are capped here). */
  maxKernel: number;
  /**
   * Power gain of a second log branch, log(1 + quietGain * power), projected
   * beside the first (absent: one branch). With the first branch's gain a note
   * 30 dB below a loud one maps to ~0.02 against ~3: quiet notes were hardly
   * visible (recall 0.49 below velocity 38). The second branch sees them at
   * the level the first sees loud notes. Its projection starts at zero, so a
   * one-branch checkpoint fine-tunes into it from the same function.
   */
  quietGain?: number;
  /** Width after the projection (= transformer width). */
  dim: number;
  /** ConvNeXt blocks over time after the projection. */
  depth: number;
  blockKernel: number;
}

export interface TransformerConfig {
  layers: number;
  dim: number;
  heads: number;
  headDim: number;
  /** Latent K/V width (dim -> latent -> heads*headDim). */
  latent: number;
  /** FFN hidden width before the GELU(a)*b split (a and b are ffn/2 each). */
  ffn: number;
  /** Local layers: queries in blocks of `localStride` frames see `localWindow` keys centred on the block. */
  localWindow: number;
  localStride: number;
  ropeTheta: number;
}

/**
 * The extra heads beside the frame head, in the order their parameters (and
 * their columns of the key head's output) are created: a head added later goes
 * last, so an older checkpoint's weights stay a prefix of the new ones.
 *   onset:    a key is struck in this frame;
 *   velocity: how hard (0..1), read at onsets;
 *   offset:   a sounding note ends in this frame (key and pedal up: the damper
 *             cuts the sound), the frame head's fade being a poor clock for it.
 */
export const HEAD_NAMES = ['onset', 'velocity', 'offset'] as const;
export type HeadName = (typeof HEAD_NAMES)[number];

/**
 * A per-key head beside the linear heads (log-spec front end only). Every key
 * reads the same few log-spec numbers from its own bins and from the bins of
 * the keys at `offsets` semitones (its harmonics above, the notes it could be
 * a harmonic of below), level and frame-to-frame rise, plus a small slice of
 * the transformer's output, through one small MLP shared by all keys. The
 * linear heads must read 88 keys' polyphony out of one 192-wide vector; this
 * head sees each key at full frequency resolution, the same way for every
 * key (chord tones had recall 0.69-0.78 against 0.92 for single notes).
 * Its output layer starts at zero, so a checkpoint without it fine-tunes
 * into it from the same function.
 */
export interface KeyHeadConfig {
  /** Semitone offsets of the keys each key reads (0 = its own bins). */
  offsets: number[];
  /** Per-key width taken from the transformer's output. */
  embed: number;
  /** Hidden width of the shared per-key MLP. */
  hidden: number;
}

export interface ModelConfig {
  preset: string;
  sampleRate: number;
  channels: number;
  windowSamples: number;
  frames: number;
  keys: number;
  frontend: ConvNextFrontend | LogSpecFrontend;
  transformer: TransformerConfig;
  /** Extra heads beside the frame head (`logits` / `probs`). */
  heads: HeadName[];
  /** Adds a per-key MLP to every head's logits (absent: linear heads only). */
  keyHead?: KeyHeadConfig;
  layerNormEpsilon: number;
  dropout: number;
}

const GRID = { sampleRate: SAMPLE_RATE, channels: CHANNELS, windowSamples: WINDOW_SAMPLES, frames: (WINDOW_SAMPLES / SAMPLE_RATE) * FRAMES_PER_SECOND, keys: NUM_KEYS } as const;

export const PRESETS: Record<string, ModelConfig> = {
  /** The seed configuration (DESIGN.md), ~11.6 M parameters. */
  base: {
    preset: 'base', ...GRID,
    frontend: { kind: 'convnext', stemKernel: 5, stemStride: 5, dims: [4, 8, 16, 32, 64, 128, 256], depths: [3, 3, 3, 3, 3, 21, 3], blockKernel: 7 },
    transformer: { layers: 16, dim: 256, heads: 4, headDim: 64, latent: 64, ffn: 1024, localWindow: 16, localStride: 8, ropeTheta: 1e4 },
    heads: [], layerNormEpsilon: 1e-6, dropout: 0.1,
  },
  /**
   * The default model's preset: trainable on 2 CPU cores in about an hour.
   * Log-frequency front end + 4-layer transformer of width 192 (see the model card
   * for the measured step time that fixed these sizes).
   */
  small: {
    preset: 'small', ...GRID,
    frontend: { kind: 'logspec', binsPerSemitone: 3, maxKernel: 2048, quietGain: 1e7, dim: 192, depth: 2, blockKernel: 7 },
    transformer: { layers: 4, dim: 192, heads: 4, headDim: 48, latent: 64, ffn: 768, localWindow: 16, localStride: 8, ropeTheta: 1e4 },
    // No dropout: this model underfits its data on the compute it gets
    // (validation loss stayed below training loss over 12,800 steps).
    // The offset head came in round 12; older checkpoints keep their own heads.
    heads: ['onset', 'velocity', 'offset'], layerNormEpsilon: 1e-6, dropout: 0,
    keyHead: { offsets: [-28, -24, -19, -12, 0, 12, 19, 24, 28], embed: 8, hidden: 32 },
  },
  /** For tests: the seed's front end at toy widths; a training step takes well under a second. */
  tiny: {
    preset: 'tiny', ...GRID,
    frontend: { kind: 'convnext', stemKernel: 5, stemStride: 5, dims: [2, 4, 4, 8, 8, 16, 16], depths: [1, 0, 0, 1, 0, 0, 1], blockKernel: 7 },
    transformer: { layers: 2, dim: 16, heads: 2, headDim: 8, latent: 8, ffn: 32, localWindow: 16, localStride: 8, ropeTheta: 1e4 },
    heads: ['onset', 'velocity'], layerNormEpsilon: 1e-6, dropout: 0,
  },
  /** For tests of the log-frequency front end at toy widths. */
  'tiny-logspec': {
    preset: 'tiny-logspec', ...GRID,
    frontend: { kind: 'logspec', binsPerSemitone: 1, maxKernel: 512, quietGain: 1e7, dim: 16, depth: 1, blockKernel: 7 },
    transformer: { layers: 2, dim: 16, heads: 2, headDim: 8, latent: 8, ffn: 32, localWindow: 16, localStride: 8, ropeTheta: 1e4 },
    heads: ['onset', 'velocity', 'offset'], layerNormEpsilon: 1e-6, dropout: 0,
    keyHead: { offsets: [-12, 0, 12, 19], embed: 2, hidden: 4 },
  },
};

export function getPreset(name: string): ModelConfig {
  const p = PRESETS[name];
  if (!p) throw new A2mError(`unknown preset "${name}" (expected one of: ${Object.keys(PRESETS).join(', ')})`);
  return structuredClone(p);
}

/** Samples per output frame (320 at 16 kHz / 50 fps). */
export function hopOf(cfg: ModelConfig): number {
  return cfg.windowSamples / cfg.frames;
}
