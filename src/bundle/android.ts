/**
 * The Android artifact: the TFLite model with TFLite Metadata (ModelMetadata
 * "M001" in a TFLITE_METADATA entry, converters/tflite/metadata.ts) describing
 * the model and each tensor from the app contract, written through the TFLite
 * converter's `tflite.extraMetadata` option block (src/bundle/build.ts).
 */
import { associatedFileNames, tfliteMetadataEntry, type ModelMetadataSpec, type TensorMetadataSpec } from '../../converters/tflite/metadata.js';
import type { FormatOptions } from '../../converters/types.js';
import { A2mError } from '../errors.js';
import type { AssociatedFileBytes } from '../../converters/tflite/associated-files.js';
import { noteName } from '../util/note-name.js';
import type { AppContract } from './contract.js';

export interface AndroidMetadataOptions { version: string; author: string; license: string }

/** Probabilities and velocities are 0..1; logits are unbounded (no stats). */
const OUTPUT_STATS: Record<string, { min: number[]; max: number[] } | undefined> = {
  probs: { min: [0], max: [1] },
  onset_probs: { min: [0], max: [1] },
  velocity: { min: [0], max: [1] },
  offset_probs: { min: [0], max: [1] },
};

/** The label file of the key axis: Android's ML Model Binding shows these instead of bare indices. */
export const KEY_LABELS_FILE = 'keys.txt';

/** One line per index of the key axis: "A0", "A#0", ... (MIDI k + midiOffset), as TENSOR_AXIS_LABELS wants. */
export function keyLabels(c: AppContract): string {
  return Array.from({ length: c.keys.count }, (_, k) => noteName(k + c.keys.midiOffset)).join('\n') + '\n';
}

/** The files the metadata names, with their bytes (appended to the .tflite as a zip). */
export function tfliteAssociatedFiles(c: AppContract): AssociatedFileBytes[] {
  return [{ name: KEY_LABELS_FILE, data: new TextEncoder().encode(keyLabels(c)) }];
}

export function tfliteMetadataSpec(c: AppContract, o: AndroidMetadataOptions): ModelMetadataSpec {
  const input: TensorMetadataSpec = {
    name: c.input.name,
    description: `${c.input.meaning}: [${c.input.shape}] ${c.input.layout}, ${c.input.sampleRate} Hz, `
      + `${c.windowing.windowSeconds} s windows overlapping ${c.windowing.overlapSeconds} s. Float samples in -1..1, then normalised (not mean/std per value): ${c.normalization.rule}.`,
    dimensionNames: ['batch', 'channel', 'sample'],
    content: { kind: 'audio', sampleRate: c.input.sampleRate, channels: c.input.channels },
  };
  const outputs = c.outputs.map((out): TensorMetadataSpec => {
    const spec: TensorMetadataSpec = {
      name: out.name,
      description: `${out.meaning}; [${out.shape}] at ${c.frames.rate} frames/s; ${c.keys.rule}`,
      dimensionNames: ['batch', 'frame', 'key'],
      content: { kind: 'feature' },
      associatedFiles: [{ name: KEY_LABELS_FILE, description: `key names of the last axis, one per line: index k is MIDI note k + ${c.keys.midiOffset}`, type: 'TENSOR_AXIS_LABELS' }],
    };
    const stats = OUTPUT_STATS[out.name];
    if (stats) spec.stats = stats;
    return spec;
  });
  return {
    name: c.name,
    description: `Piano transcription (audio-to-midi, preset ${c.model.preset}): raw stereo audio windows -> per-frame key probabilities. `
      + `Decode notes with the ${c.decoding.rule} rule and the thresholds of Audio2Midi.json.`,
    version: o.version,
    author: o.author,
    license: o.license,
    subgraph: {
      name: c.name,
      description: `Windows of ${c.windowing.windowSamples} samples -> ${c.frames.perWindow} frames x ${c.keys.count} keys; stitch windows: ${c.stitching.rule}.`,
      inputs: [input],
      outputs,
    },
  };
}

/**
 * The TFLite option block of the Android artifact: the metadata entry and the files it names, made
 * together so a label file the metadata promises is never left out of the archive.
 */
export function androidTfliteOptions(c: AppContract, o: AndroidMetadataOptions): NonNullable<FormatOptions['tflite']> {
  const spec = tfliteMetadataSpec(c, o);
  const files = tfliteAssociatedFiles(c);
  const missing = associatedFileNames(spec).filter((n) => !files.some((f) => f.name === n));
  if (missing.length) throw new A2mError(`TFLite Metadata names associated files without bytes: ${missing.join(', ')}`);
  return { extraMetadata: [tfliteMetadataEntry(spec)], associatedFiles: files };
}
