/**
 * Weight encodings for the reduced-precision exports, as TF's converter makes them:
 * - fp16: float16 constants + DEQUANTIZE (post-training float16 quantization);
 * - int8: dynamic-range quantization: symmetric int8 weights (narrow range,
 *   zero point 0) with one scale per output channel, consumed directly by the
 *   hybrid FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D kernels.
 */
import { INT8_QMAX } from './format.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE float32 -> float16 bits, round to nearest even; overflow -> inf, NaN kept. */
export function float16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let h = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // a carry into the exponent is still correct
  return sign | h;
}

export function toFloat16Bytes(data: Float32Array): Uint8Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = float16Bits(data[i]!);
  return new Uint8Array(out.buffer);
}

export interface Int8Weights { data: Int8Array; scale: number[]; axis: number }

/**
 * Symmetric per-channel int8 along `axis` (the output-channel axis of the
 * weight's TFLite layout): q = round(w / s), s = max|w| / 127 per channel.
 */
export function quantizeInt8PerChannel(data: Float32Array, shape: number[], axis: number): Int8Weights {
  const channels = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(data[i]!));
  }
  // An all-zero channel gets scale 1 (any scale reproduces it exactly; 0 would divide by zero in kernels).
  const scale = Array.from(maxAbs, (m) => Math.fround(m > 0 ? m / INT8_QMAX : 1));
  const q = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const v = data[i]! / scale[c]!;
    // Round half away from zero, as TF's quantizer does.
    q[i] = Math.max(-INT8_QMAX, Math.min(INT8_QMAX, Math.sign(v) * Math.round(Math.abs(v))));
  }
  return { data: q, scale, axis };
}
