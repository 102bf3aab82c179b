/** The ONNX converter (opset 17, IR 8): see README.md beside this file for the format facts it relies on. */
import type { Converter } from '../types.js';
import { writeOnnx } from './write.js';

export { writeOnnx, buildOnnx, toOnnxGraph, type OnnxExportOptions } from './write.js';
export { readOnnx, readOnnxBytes, type OnnxSummary } from './read.js';
export { onnxEmitters } from './emitters.js';

const onnxConverter: Converter = {
  format: 'onnx',
  defaultName: 'model.onnx',
  write: (graph, outPath, opts) => writeOnnx(graph, outPath, opts),
};

export default onnxConverter;
