/** The ONNX converter (opset 17, IR 8): see README.md beside this file for the format facts it relies on. */
import { DEFAULT_NAMES } from '../index.js';
import { IDENTIFIER_NAME, PRECISIONS, type Converter } from '../types.js';
import type { Opset } from './facts.js';
import { writeOnnx } from './write.js';

export { writeOnnx, buildOnnx, toOnnxGraph, type OnnxExportOptions } from './write.js';
export { readOnnx, readOnnxBytes, type OnnxSummary } from './read.js';
export { onnxEmitters } from './emitters.js';

const onnxConverter: Converter = {
  format: 'onnx',
  defaultName: DEFAULT_NAMES.onnx,
  precisions: PRECISIONS,
  // The IR spec: every name in a graph is a C90 identifier (runtimes accept more, checkers and other tools may not).
  publicNames: { valid: IDENTIFIER_NAME, rule: 'a C90 identifier [A-Za-z_][A-Za-z0-9_]* (ONNX IR spec)' },
  // writeOnnx checks the opset against the ones it knows and names them when it is not one.
  write: (graph, outPath, opts) => writeOnnx(graph, outPath, { precision: opts.precision, metadata: opts.metadata, info: opts.info, opset: opts.onnx?.opset as Opset | undefined }),
};

export default onnxConverter;
