/**
 * Weight encodings for the reduced-precision exports, as TF's converter makes them:
 * - fp16: float16 constants + DEQUANTIZE (post-training float16 quantization);
 * - int8: dynamic-range quantization: symmetric int8 weights (narrow range,
 *   zero point 0) with one scale per output channel, consumed directly by the
 *   hybrid FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D kernels.
 */
import { INT8_QMAX } from './format.js';

/** IEEE float32 bits -> float16 bits, round to nearest even; overflow -> inf, NaN stays NaN. */
export function float16FromBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit 1 into place, rounding.
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

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);
export function float16Bits(x: number): number {
  scratch[0] = x;
  return float16FromBits(scratchBits[0]!);
}

export function toFloat16Bytes(data: Float32Array): Uint8Array {
  // Read the float32 bits in place (one pass, no per-element scratch round trip).
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16FromBits(bits[i]!);
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
