/**
 * Weight encodings for the reduced-precision exports, as TF's converter makes them:
 * - fp16: float16 constants + DEQUANTIZE (post-training float16 quantization);
 * - int8: dynamic-range quantization: symmetric int8 weights (narrow range,
 *   zero point 0) with one scale per output channel, consumed directly by the
 *   hybrid FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D kernels.
 * Which constants get them is the IR precision plan's decision (src/ir/precision.ts).
 */
import { toHalfArray } from '../../src/util/half.js';
import { quantizeInt8PerChannel as quantizeIr } from '../../src/ir/precision.js';

// float16 rounding is the project's one definition (src/util/half.ts); these names are this converter's vocabulary for it.
export { toHalfBits as float16Bits } from '../../src/util/half.js';

export function toFloat16Bytes(data: Float32Array): Uint8Array {
  return new Uint8Array(toHalfArray(data).buffer);
}

export interface Int8Weights { data: Int8Array; scale: number[]; axis: number }

/** The plan's symmetric per-channel int8 along `axis` (the output-channel axis of the weight's TFLite layout). */
export function quantizeInt8PerChannel(data: Float32Array, shape: number[], axis: number): Int8Weights {
  const { q, scale } = quantizeIr({ shape, data }, axis);
  return { data: q, scale: Array.from(scale), axis };
}
