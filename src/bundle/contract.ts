/**
 * `Audio2Midi.json`: everything an app needs to run a bundled model exactly
 * as `a2m transcribe` does — input tensor and audio format, normalisation,
 * windowing, output tensors, frame/key grid, stitching and decoding with the
 * model's thresholds. Every number comes from the module that implements it
 * (src/audio/normalize.ts, src/audio/window.ts, src/infer/events.ts,
 * src/types.ts), so the document cannot drift from the pipeline; the web
 * demo reads its thresholds and tensor names from this same file.
 */
import { MIN_PEAK, TARGET_RMS } from '../audio/normalize.js';
import {
  HOP_FRAMES, HOP_SAMPLES, OVERLAP_FRAMES, OVERLAP_SAMPLES, SAMPLES_PER_FRAME, SAMPLE_RATE, WINDOW_FRAMES, WINDOW_SAMPLES,
} from '../audio/window.js';
import { DEFAULT_THRESHOLDS, type EventThresholds } from '../infer/events.js';
import { FRAMES_PER_SECOND, MIDI_OFFSET, NUM_KEYS, PIANO_HIGH, PIANO_LOW } from '../types.js';

export const CONTRACT_FORMAT = 'audio-to-midi/app-contract';
export const CONTRACT_VERSION = 1;
export const CONTRACT_FILE = 'Audio2Midi.json';

export interface TensorSpec { name: string; shape: number[]; dtype: 'float32'; meaning: string }

export interface AppContract {
  format: typeof CONTRACT_FORMAT;
  version: number;
  name: string;
  model: { preset: string; sha256: string; parameters: number; toolVersion: string };
  input: TensorSpec & { layout: string; sampleRate: number; channels: number; channelOrder: string[]; channelRule: string };
  normalization: { rule: string; targetRms: number; minPeak: number };
  windowing: { windowSamples: number; windowSeconds: number; overlapSamples: number; overlapSeconds: number; hopSamples: number; rule: string };
  outputs: TensorSpec[];
  frames: { rate: number; perWindow: number; samplesPerFrame: number };
  keys: { count: number; midiOffset: number; pianoLow: number; pianoHigh: number; rule: string };
  stitching: { overlapFrames: number; hopFrames: number; rule: string };
  decoding: { rule: 'onset' | 'frame'; thresholds: EventThresholds; description: string };
}

/** What each public output holds (src/model/forward.ts heads). */
const OUTPUT_MEANINGS: Record<string, string> = {
  logits: 'frame head logits: a key is sounding in this frame (before sigmoid)',
  probs: 'frame head probabilities 0..1 (sigmoid of logits): a key is sounding in this frame',
  onset_logits: 'onset head logits: a key is struck in this frame (before sigmoid)',
  onset_probs: 'onset head probabilities 0..1 (sigmoid of onset_logits): a key is struck in this frame',
  velocity: 'velocity head 0..1 (MIDI velocity / 127), meaningful on onset frames',
  offset_logits: 'offset head logits: a sounding note ends in this frame, key and pedal up (before sigmoid)',
  offset_probs: 'offset head probabilities 0..1 (sigmoid of offset_logits): a sounding note ends in this frame, key and pedal up',
};

export interface ContractInputs {
  name: string;
  preset: string;
  sha256: string;
  parameters: number;
  toolVersion: string;
  input: { name: string; shape: number[] };
  outputs: { name: string; shape: number[] }[];
  /** The checkpoint state's tuned thresholds (merged over DEFAULT_THRESHOLDS). */
  thresholds?: Partial<EventThresholds>;
}

export function buildContract(c: ContractInputs): AppContract {
  const names = c.outputs.map((o) => o.name);
  const onsetRule = names.includes('onset_probs');
  const thresholds: EventThresholds = { ...DEFAULT_THRESHOLDS, ...definedOnly(c.thresholds ?? {}) };
  return {
    format: CONTRACT_FORMAT,
    version: CONTRACT_VERSION,
    name: c.name,
    model: { preset: c.preset, sha256: c.sha256, parameters: c.parameters, toolVersion: c.toolVersion },
    input: {
      name: c.input.name, shape: c.input.shape, dtype: 'float32',
      meaning: 'one window of normalised audio samples, float32 in about -1..1',
      layout: 'channels first: [batch, channel, sample]',
      sampleRate: SAMPLE_RATE, channels: c.input.shape[1] ?? 2, channelOrder: ['left', 'right'],
      channelRule: 'resample to 16 kHz; mono: the same samples in both channels at full level; more than two channels: left = FL + FC, right = FR + FC',
    },
    normalization: {
      rule: `one gain for the whole file, before windowing: gain = ${TARGET_RMS} / rms, rms over every sample of both channels; `
        + `gain = 1 when the peak |sample| <= ${MIN_PEAK} or the file is silent; multiply every sample by gain`,
      targetRms: TARGET_RMS, minPeak: MIN_PEAK,
    },
    windowing: {
      windowSamples: WINDOW_SAMPLES, windowSeconds: WINDOW_SAMPLES / SAMPLE_RATE,
      overlapSamples: OVERLAP_SAMPLES, overlapSeconds: OVERLAP_SAMPLES / SAMPLE_RATE, hopSamples: HOP_SAMPLES,
      rule: `window i covers samples [i*${HOP_SAMPLES}, i*${HOP_SAMPLES} + ${WINDOW_SAMPLES}), zero-padded past the end; `
        + `count = max(1, ceil((n - ${OVERLAP_SAMPLES}) / ${HOP_SAMPLES})) for n samples per channel`,
    },
    outputs: c.outputs.map((o) => ({ name: o.name, shape: o.shape, dtype: 'float32' as const, meaning: OUTPUT_MEANINGS[o.name] ?? 'model output' })),
    frames: { rate: FRAMES_PER_SECOND, perWindow: WINDOW_FRAMES, samplesPerFrame: SAMPLES_PER_FRAME },
    keys: {
      count: c.outputs[0]?.shape.at(-1) ?? NUM_KEYS, midiOffset: MIDI_OFFSET, pianoLow: PIANO_LOW, pianoHigh: PIANO_HIGH,
      rule: `output index k is MIDI note k + ${MIDI_OFFSET}; only k = 0..${PIANO_HIGH - MIDI_OFFSET} (MIDI ${PIANO_LOW}..${PIANO_HIGH}) are piano keys`,
    },
    stitching: {
      overlapFrames: OVERLAP_FRAMES, hopFrames: HOP_FRAMES,
      rule: `window i's frame f lands at frame i*${HOP_FRAMES} + f; over the ${OVERLAP_FRAMES} shared frames `
        + `out[j] = (1 - w_j) * previous[${HOP_FRAMES} + j] + w_j * next[j] with w_j = (j + 0.5) / ${OVERLAP_FRAMES}; `
        + `keep ceil(n / ${SAMPLES_PER_FRAME}) frames for n samples`,
    },
    decoding: {
      rule: onsetRule ? 'onset' : 'frame',
      thresholds,
      description: onsetRule
        ? 'per key: a note starts at an onset_probs peak (local maximum > thresholds.onset, a plateau peaks at its first frame; a peak inside a sounding note restarts it only if it also exceeds thresholds.reonset; '
          + 'when thresholds.harmonic > 0 a peak is skipped if, in the same frame, the onset_probs of the key 12, 19, 24 or 28 below exceeds thresholds.onset and the peak is below thresholds.harmonic times it) '
          + 'and ends at the first later frame whose probs < thresholds.release (< thresholds.sustainRelease once the note has lasted thresholds.sustainFrames frames, when that is > 0)'
          + (names.includes('offset_probs') ? ', or after the first later frame (that frame included) where offset_probs peaks above thresholds.offset, when that is > 0; ' : '; ')
          + 'notes shorter than minNoteFrames are dropped; then each end moves by thresholds.offsetShift frames, to no earlier than the onset frame + 1; '
          + 'velocity = the velocity output over the first velocityFrames frames (velocityReduce), clamped to 0..1. Reference: src/infer/events.ts'
        : 'per key: a note starts when probs > thresholds.activate and ends when probs < thresholds.release, split at re-attacks by the rise test '
          + '(riseFrames, riseDelta, reattack); notes shorter than minNoteFrames are dropped; velocity = defaultVelocity. Reference: src/infer/events.ts',
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
