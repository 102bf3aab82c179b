/**
 * How a server may batch the exported model, decided from what the artifact
 * itself accepts (its input's first dimension as written in the file), never
 * from what the exporter is meant to write: the Triton configs and the TF
 * Serving batching parameters follow the artifact, so they become batched
 * the moment the exports become batch-dynamic, and stay valid before.
 */

/** Largest batch a server may form when the model accepts any batch size (Triton max_batch_size, TF Serving max_batch_size). */
export const SERVING_MAX_BATCH = 8;
/** How long a server waits to fill a batch: a 5 s window takes ~10 ms on a CPU, so 2 ms adds little latency. */
export const BATCH_TIMEOUT_MICROS = 2000;

/** A dimension as read from an artifact: a number (-1 or 0 = unknown in TF), a symbolic name (ONNX dim_param), or null (no size). */
export type ArtifactDim = number | string | null;

export interface ServingBatch {
  /**
   * Triton's max_batch_size: > 0 when the model takes any batch (the server
   * adds the batch dimension, dims leave it out), 0 when it is fixed (dims
   * are the whole shape and every request carries its own batch dimension).
   */
  maxBatchSize: number;
  /** Requests the server may merge into one run (TF Serving max_batch_size): the fixed batch itself when it is fixed. */
  mergeUpTo: number;
  /** Whether `dims` (Triton) leave out the first dimension. */
  batchDimImplicit: boolean;
}

const isDynamic = (d: ArtifactDim | undefined) => d === undefined || d === null || typeof d === 'string' || d < 1;

/** The one decision: the artifact's input shape -> how a server batches it. */
export function servingBatch(inputShape: readonly ArtifactDim[]): ServingBatch {
  if (isDynamic(inputShape[0])) return { maxBatchSize: SERVING_MAX_BATCH, mergeUpTo: SERVING_MAX_BATCH, batchDimImplicit: true };
  return { maxBatchSize: 0, mergeUpTo: inputShape[0] as number, batchDimImplicit: false };
}

/** A tensor's dims as a Triton config writes them: batch left out when implicit, unknown sizes as -1. */
export function tritonDims(shape: readonly ArtifactDim[], b: ServingBatch): number[] {
  return (b.batchDimImplicit ? shape.slice(1) : shape).map((d) => (isDynamic(d) ? -1 : (d as number)));
}
