/** The converter registry: format key -> module. Loaded lazily so one format's dependencies never slow another. */
import type { Converter } from './types.js';
import { A2mError } from '../src/errors.js';

/** Every export format: the one list the CLI, the export drivers and the tests read. */
export const FORMATS = ['savedmodel', 'tflite', 'coreml', 'onnx', 'tfjs'] as const;
export type Format = (typeof FORMATS)[number];

/**
 * The formats whose writer turns IrGraph.dynamicBatch into a free dim 0 (each
 * README says how): export.json, the bundle and verify's batch parity read it.
 * Core ML's is an enumerated batch (1..8, converters/coreml/format.ts
 * ENUMERATED_BATCHES), not any batch: its runtime refuses the others.
 */
export const DYNAMIC_BATCH_FORMATS: readonly Format[] = ['onnx', 'savedmodel', 'tflite', 'tfjs', 'coreml'];

/**
 * Each format's artifact name in an export folder: a fact the cache and the
 * drivers need without loading the converter (and its schema libraries).
 */
export const DEFAULT_NAMES = {
  savedmodel: 'savedmodel', tflite: 'model.tflite', coreml: 'model.mlpackage', onnx: 'model.onnx', tfjs: 'tfjs_model',
} as const satisfies Record<Format, string>;

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}

export async function loadConverter(format: string): Promise<Converter> {
  if (!isFormat(format)) throw new A2mError(`unknown format "${format}" (expected one of: ${FORMATS.join(', ')})`);
  return (await import(`./${format}/index.js`)).default as Converter;
}
