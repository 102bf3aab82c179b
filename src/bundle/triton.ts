/**
 * `a2m bundle -t triton`: a Triton Inference Server model repository.
 *
 *   triton/<name>_onnx/config.pbtxt             platform onnxruntime_onnx
 *   triton/<name>_onnx/1/model.onnx
 *   triton/<name>_savedmodel/config.pbtxt       platform tensorflow_savedmodel
 *   triton/<name>_savedmodel/1/model.savedmodel/ saved_model.pb, variables/
 *
 * Each config.pbtxt is a ModelConfig (proto/model_config.proto) printed in
 * text format. Names, types and dims are read back from the written artifact,
 * so the config describes the file Triton loads, not what we meant to write.
 */
import path from 'node:path';
import { readOnnx } from '../../converters/onnx/index.js';
import { readSavedModelSummary } from '../../converters/savedmodel/index.js';
import { DEFAULT_SIGNATURE } from '../../converters/savedmodel/facts.js';
import { A2mError } from '../errors.js';
import { BATCH_TIMEOUT_MICROS, servingBatch, tritonDims, type ArtifactDim } from './batching.js';
import { toTextProto } from './serving-proto.js';

/** Triton's platform names and default model file names (triton-inference-server/core src/constants.h). */
export const TRITON_BACKENDS = {
  onnx: { platform: 'onnxruntime_onnx', modelFile: 'model.onnx' },
  savedmodel: { platform: 'tensorflow_savedmodel', modelFile: 'model.savedmodel' },
} as const;
export type TritonFormat = keyof typeof TRITON_BACKENDS;
export const TRITON_CONFIG_FILE = 'config.pbtxt';
/** The version folder every model is written to (Triton serves the highest by default). */
export const TRITON_VERSION = 1;

/** Model folder name in the repository: one per backend, e.g. `audio2midi_onnx`. */
export const tritonModelName = (name: string, format: TritonFormat) => `${name}_${format}`;
/** Artifact path inside the bundle: `triton/<model>/<version>/<model file>`. */
export const tritonArtifactPath = (name: string, format: TritonFormat) =>
  `triton/${tritonModelName(name, format)}/${TRITON_VERSION}/${TRITON_BACKENDS[format].modelFile}`;

/** Element types: ONNX TensorProto.DataType names (lower case, as readOnnx gives them) and TF DataType names -> Triton DataType. */
const TRITON_TYPES: Record<TritonFormat, Record<string, string>> = {
  onnx: { float: 'TYPE_FP32', float16: 'TYPE_FP16', double: 'TYPE_FP64', int32: 'TYPE_INT32', int64: 'TYPE_INT64', int8: 'TYPE_INT8', uint8: 'TYPE_UINT8', bool: 'TYPE_BOOL' },
  savedmodel: { DT_FLOAT: 'TYPE_FP32', DT_HALF: 'TYPE_FP16', DT_DOUBLE: 'TYPE_FP64', DT_INT32: 'TYPE_INT32', DT_INT64: 'TYPE_INT64', DT_INT8: 'TYPE_INT8', DT_UINT8: 'TYPE_UINT8', DT_BOOL: 'TYPE_BOOL' },
};

export interface ServedTensor { name: string; dataType: string; shape: ArtifactDim[] }
export interface ServedSignature { inputs: ServedTensor[]; outputs: ServedTensor[] }

/**
 * The inputs and outputs as the artifact at `file` declares them (ONNX graph
 * I/O; the SavedModel's serving_default signature, whose keys are the names
 * Triton's TF backend matches). Outputs follow `outputOrder` (a signature is a map).
 */
export async function artifactSignature(format: TritonFormat, file: string, outputOrder: readonly string[]): Promise<ServedSignature> {
  const typed = (name: string, dtype: string, shape: ArtifactDim[]): ServedTensor => {
    const dataType = TRITON_TYPES[format][dtype];
    if (!dataType) throw new A2mError(`${file}: ${name} has element type ${dtype}, which Triton's ${TRITON_BACKENDS[format].platform} config cannot name here (known: ${Object.keys(TRITON_TYPES[format]).join(', ')})`);
    return { name, dataType, shape };
  };
  let inputs: ServedTensor[], outputs: ServedTensor[];
  if (format === 'onnx') {
    const s = await readOnnx(file);
    // readOnnx marks a dimension with neither value nor name '?': any size.
    const dims = (shape: (number | string)[]) => shape.map((d) => (d === '?' ? null : d));
    inputs = s.inputs.map((v) => typed(v.name, v.elemType, dims(v.shape)));
    outputs = s.outputs.map((v) => typed(v.name, v.elemType, dims(v.shape)));
  } else {
    const sig = (await readSavedModelSummary(file)).metaGraphs[0]?.signatures[DEFAULT_SIGNATURE];
    if (!sig) throw new A2mError(`${file}: no ${DEFAULT_SIGNATURE} signature (Triton's TensorFlow backend serves that one)`);
    const tensors = (m: typeof sig.inputs) => Object.entries(m).map(([k, t]) => {
      if (!t.shape) throw new A2mError(`${file}: ${k} has unknown rank; a Triton config needs its dims`);
      return typed(k, t.dtype, t.shape);
    });
    inputs = tensors(sig.inputs);
    outputs = tensors(sig.outputs);
  }
  const rank = (n: string) => (outputOrder.includes(n) ? outputOrder.indexOf(n) : outputOrder.length);
  outputs.sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : 1));
  if (inputs.length !== 1) throw new A2mError(`${file}: ${inputs.length} inputs; the bundle's model has one (samples)`);
  return { inputs, outputs };
}

/** The ModelConfig message (plain object, model_config.proto field names) for one repository model. */
export function tritonModelConfig(modelName: string, format: TritonFormat, sig: ServedSignature): object {
  const batch = servingBatch(sig.inputs[0]!.shape);
  const tensor = (t: ServedTensor) => ({ name: t.name, data_type: t.dataType, dims: tritonDims(t.shape, batch) });
  return {
    name: modelName,
    platform: TRITON_BACKENDS[format].platform,
    max_batch_size: batch.maxBatchSize,
    input: sig.inputs.map(tensor),
    output: sig.outputs.map(tensor),
    // A model that takes no batch dimension from Triton (max_batch_size 0) cannot be batched: the
    // scheduler would only queue. preferred_batch_size stays empty: Triton fills in max_batch_size.
    ...(batch.maxBatchSize > 0 ? { dynamic_batching: { max_queue_delay_microseconds: BATCH_TIMEOUT_MICROS } } : {}),
  };
}

/** config.pbtxt text for the artifact written at `<dir>/<tritonArtifactPath>`. */
export async function tritonConfigText(dir: string, name: string, format: TritonFormat, outputOrder: readonly string[]): Promise<{ path: string; text: string }> {
  const rel = tritonArtifactPath(name, format);
  const sig = await artifactSignature(format, path.join(dir, ...rel.split('/')), outputOrder);
  const model = tritonModelName(name, format);
  return { path: `triton/${model}/${TRITON_CONFIG_FILE}`, text: toTextProto('inference.ModelConfig', tritonModelConfig(model, format, sig)) };
}
