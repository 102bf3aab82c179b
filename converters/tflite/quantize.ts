/**
 * Weight encodings for the reduced-precision exports, as TF's converter makes them:
 * - fp16: float16 constants + DEQUANTIZE (post-training float16 quantization);
 * - int8: dynamic-range quantization: symmetric int8 weights (narrow range,
 *   zero point 0) with one scale per output channel, consumed directly by the
 *   hybrid FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D kernels.
 */
import { INT8_QMAX } from './format.js';
import { toHalfArray } from '../../src/util/half.js';

// float16 rounding is the project's one definition (src/util/half.ts); these names are this converter's vocabulary for it.
export { toHalfBits as float16Bits } from '../../src/util/half.js';

export function toFloat16Bytes(data: Float32Array): Uint8Array {
  return new Uint8Array(toHalfArray(data).buffer);
}

export interface Int8Weights { data: Int8Array; scale: number[]; axis: number }

/**
 * Symmetric per-channel int8 along `axis` (the output-channel axis of the
 * weight's TFLite layout): q = round(w / s), s = max|w| / 127 per channel.
 */
export function quantizeInt8PerChannel(data: Float32Array, shape: number[], axis: number): Int8Weights {
  const channels = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = data.length / (channels * inner);
  // Walk [outer, channels, inner] blocks: no per-element division.
  const maxAbs = new Float64Array(channels);
  for (let o = 0, i = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      let m = maxAbs[c]!;
      for (const end = i + inner; i < end; i++) { const v = Math.abs(data[i]!); if (v > m) m = v; }
      maxAbs[c] = m;
    }
  }
  // An all-zero channel gets scale 1 (any scale reproduces it exactly; 0 would divide by zero in kernels).
  const scale = Array.from(maxAbs, (m) => Math.fround(m > 0 ? m / INT8_QMAX : 1));
  const q = new Int8Array(data.length);
  for (let o = 0, i = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const inv = 1 / scale[c]!;
      for (const end = i + inner; i < end; i++) {
        const v = data[i]! * inv;
        // Round half away from zero, as TF's quantizer does; |v| <= 127 by construction, clamp for safety.
        const r = v < 0 ? -Math.round(-v) : Math.round(v);
        q[i] = r > INT8_QMAX ? INT8_QMAX : r < -INT8_QMAX ? -INT8_QMAX : r;
      }
    }
  }
  return { data: q, scale, axis };
}
