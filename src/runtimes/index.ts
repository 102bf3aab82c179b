/** Runtime registry: format -> the runtime that judges it (DESIGN principle 3). */
import type { Runtime } from './types.js';
import { A2mError } from '../errors.js';
import { isFormat, type Format } from '../../converters/index.js';

/** Typed by the format list, so a new export format is a compile error here until it has a runtime. */
const MODULES: Record<Format, string> = {
  savedmodel: './tf-savedmodel.js',
  tflite: './litert.js',
  onnx: './onnxruntime.js',
  coreml: './coreml-ref/index.js',
  tfjs: './tfjs-graph.js',
};

export async function loadRuntime(format: string): Promise<Runtime> {
  const m = isFormat(format) ? MODULES[format] : undefined;
  if (!m) throw new A2mError(`no runtime for format "${format}" (expected one of: ${Object.keys(MODULES).join(', ')})`);
  return (await import(m)).default as Runtime;
}
