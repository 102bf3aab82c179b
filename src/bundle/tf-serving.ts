/**
 * TF Serving's files beside the SavedModel of `-t server`:
 *
 *   server/models.config              ModelServerConfig (--model_config_file)
 *   server/batching_parameters.txt    BatchingParameters (--enable_batching --batching_parameters_file)
 *   server/<name>/1/assets.extra/tf_serving_warmup_requests
 *                                     TFRecord of PredictionLog: replayed at load, so the
 *                                     first client request does not pay for graph setup
 *
 * Messages are proto/tf_serving.proto, printed in text format or encoded from
 * the schema. The batch size comes from the written SavedModel's signature
 * (batching.ts), the warm-up window from the bundle's golden set.
 */
import path from 'node:path';
import { readSavedModelSummary } from '../../converters/savedmodel/index.js';
import { DEFAULT_SIGNATURE, DT } from '../../converters/savedmodel/facts.js';
import type { HostTensor } from '../ir/tensor.js';
import { A2mError } from '../errors.js';
import { BATCH_TIMEOUT_MICROS, servingBatch } from './batching.js';
import { encodeServing, toTextProto } from './serving-proto.js';
import { encodeTfRecords } from './tfrecord.js';

export const MODELS_CONFIG_FILE = 'models.config';
export const BATCHING_FILE = 'batching_parameters.txt';
/** Inside the version folder (tensorflow_serving/servables/tensorflow/saved_model_warmup_util.h kRequestsFileName). */
export const WARMUP_FILE = 'assets.extra/tf_serving_warmup_requests';
/** ModelConfig.model_platform for SavedModels. */
export const MODEL_PLATFORM = 'tensorflow';
/** Where the model folder is mounted in the tensorflow/serving image (its MODEL_BASE_PATH=/models). */
export const containerBasePath = (name: string) => `/models/${name}`;
/** Threads that run batches: one per request in flight on a small CPU server. */
export const NUM_BATCH_THREADS = 4;
/** Batches that may wait before requests are refused (TF Serving's default is also 100). */
export const MAX_ENQUEUED_BATCHES = 100;

export interface ServingFile { path: string; bytes: Uint8Array }

export interface TfServingRequest {
  /** Bundle-relative SavedModel folder (`server/<name>/1`). */
  savedModel: string;
  name: string;
  /** The warm-up window: the model's input name and one golden input. */
  input: { name: string; tensor: HostTensor };
}

/** The PredictionLog of one warm-up request (tensorflow_serving/apis/prediction_log.proto, predict_log). */
export function warmupLog(modelName: string, inputName: string, t: HostTensor): object {
  return {
    predict_log: {
      request: {
        model_spec: { name: modelName, signature_name: DEFAULT_SIGNATURE },
        // tensor_content: raw little-endian float32, as TF's TensorProto stores dense tensors.
        inputs: { [inputName]: { dtype: DT.FLOAT, tensor_shape: { dim: t.shape.map((size) => ({ size })) }, tensor_content: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) } },
      },
    },
  };
}

export async function tfServingFiles(dir: string, r: TfServingRequest): Promise<ServingFile[]> {
  const sig = (await readSavedModelSummary(path.join(dir, ...r.savedModel.split('/')))).metaGraphs[0]?.signatures[DEFAULT_SIGNATURE];
  const input = sig?.inputs[r.input.name];
  if (!input?.shape) throw new A2mError(`${r.savedModel}: ${DEFAULT_SIGNATURE} has no input "${r.input.name}" of known rank`);
  const batch = servingBatch(input.shape);
  const text = (s: string) => new TextEncoder().encode(s);
  return [
    {
      path: `server/${MODELS_CONFIG_FILE}`,
      bytes: text(toTextProto('tensorflow.serving.ModelServerConfig', {
        model_config_list: { config: [{ name: r.name, base_path: containerBasePath(r.name), model_platform: MODEL_PLATFORM }] },
      })),
    },
    {
      path: `server/${BATCHING_FILE}`,
      bytes: text(toTextProto('tensorflow.serving.BatchingParameters', {
        max_batch_size: { value: batch.mergeUpTo },
        batch_timeout_micros: { value: BATCH_TIMEOUT_MICROS },
        max_enqueued_batches: { value: MAX_ENQUEUED_BATCHES },
        num_batch_threads: { value: NUM_BATCH_THREADS },
      })),
    },
    {
      path: `${r.savedModel}/${WARMUP_FILE}`,
      bytes: encodeTfRecords([encodeServing('tensorflow.serving.PredictionLog', warmupLog(r.name, r.input.name, r.input.tensor))]),
    },
  ];
}
