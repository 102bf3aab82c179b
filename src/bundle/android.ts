/**
 * The Android artifact: the TFLite model with TFLite Metadata (ModelMetadata
 * "M001" in a TFLITE_METADATA entry, converters/tflite/metadata.ts) describing
 * the model and each tensor from the app contract, written through the TFLite
 * converter's `extraMetadata` hook.
 */
import type { IrGraph } from '../ir/graph.js';
import type { Precision } from '../../converters/types.js';
import { graphToTflite } from '../../converters/tflite/index.js';
import { tfliteMetadataEntry, type ModelMetadataSpec, type TensorMetadataSpec } from '../../converters/tflite/metadata.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { AppContract } from './contract.js';

export interface AndroidMetadataOptions { version: string; author: string; license: string }

/** Probabilities and velocities are 0..1; logits are unbounded (no stats). */
const OUTPUT_STATS: Record<string, { min: number[]; max: number[] } | undefined> = {
  probs: { min: [0], max: [1] },
  onset_probs: { min: [0], max: [1] },
  velocity: { min: [0], max: [1] },
};

export function tfliteMetadataSpec(c: AppContract, o: AndroidMetadataOptions): ModelMetadataSpec {
  const input: TensorMetadataSpec = {
    name: c.input.name,
    description: `${c.input.meaning}: [${c.input.shape}] ${c.input.layout}, ${c.input.sampleRate} Hz, `
      + `${c.windowing.windowSeconds} s windows overlapping ${c.windowing.overlapSeconds} s. Normalise first: ${c.normalization.rule}.`,
    dimensionNames: ['batch', 'channel', 'sample'],
    content: { kind: 'audio', sampleRate: c.input.sampleRate, channels: c.input.channels },
  };
  const outputs = c.outputs.map((out): TensorMetadataSpec => {
    const spec: TensorMetadataSpec = {
      name: out.name,
      description: `${out.meaning}; [${out.shape}] at ${c.frames.rate} frames/s; ${c.keys.rule}`,
      dimensionNames: ['batch', 'frame', 'key'],
      content: { kind: 'feature' },
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

/** Writes the .tflite with its TFLite Metadata, atomically. */
export async function writeAndroidTflite(graph: IrGraph, out: string, precision: Precision, spec: ModelMetadataSpec, metadata: Record<string, string>): Promise<void> {
  const { bytes } = graphToTflite(graph, { precision, metadata, extraMetadata: [tfliteMetadataEntry(spec)] });
  await writeFileAtomic(out, bytes);
}
