/** IEEE 754 half precision <-> float32 (Node 20 has no Float16Array). Round to nearest even, as Core ML and numpy do. */

import { toHalfBits, fromHalfBits } from '../../src/util/half.js';

export { toHalfBits, fromHalfBits };

export function float32ToHalf(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) out[i] = toHalfBits(src[i]!);
  return out;
}

export function halfToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = fromHalfBits(src[i]!);
  return out;
}

const TWO_POW_24 = 16777216;
const MIN_NORMAL_HALF = 6.103515625e-5; // 2^-14

/**
 * Rounds every element to the nearest half (what an fp16 cast does), in place,
 * staying in the float32 domain: for normal halves, round the float32 mantissa
 * to 10 bits with ties to even on the bit pattern; subnormals are multiples of
 * 2^-24 (Math.round on a tie is fixed up to even); beyond 65504 -> +-Infinity
 * (the threshold is the midpoint 65520, as IEEE rounding gives).
 */
export function roundToHalf(a: Float32Array): Float32Array {
  const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    const av = Math.abs(v);
    if (av >= MIN_NORMAL_HALF) {
      if (av >= 65520) { if (av === av) a[i] = v > 0 ? Infinity : -Infinity; continue; } // NaN stays NaN
      const x = bits[i]!;
      bits[i] = ((x + 0x0fff + ((x >>> 13) & 1)) & 0xffffe000) >>> 0;
    } else if (av !== 0) {
      const q = v * TWO_POW_24;
      let r = Math.round(q);
      if (r - q === 0.5 && r % 2 !== 0) r -= 1; // Math.round rounds ties up; IEEE wants even
      a[i] = r / TWO_POW_24;
    }
  }
  return a;
}
