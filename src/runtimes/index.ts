/** Runtime registry: format -> the runtime that judges it (DESIGN principle 3). */
import type { Runtime } from './types.js';
import { A2mError } from '../errors.js';

const MODULES: Record<string, string> = {
  savedmodel: './tf-savedmodel.js',
  tflite: './litert.js',
  onnx: './onnxruntime.js',
  coreml: './coreml-ref/index.js',
  tfjs: './tfjs-graph.js',
};

export async function loadRuntime(format: string): Promise<Runtime> {
  const m = MODULES[format];
  if (!m) throw new A2mError(`no runtime for format "${format}" (expected one of: ${Object.keys(MODULES).join(', ')})`);
  return (await import(m)).default as Runtime;
}
