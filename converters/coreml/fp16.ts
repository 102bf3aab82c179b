/** IEEE 754 half precision <-> float32 (Node 20 has no Float16Array). Round to nearest even, as Core ML and numpy do. */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> signed zero
    mant |= 0x800000; // subnormal: make the implicit bit explicit, shift into place
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) { m = 0; e++; if (e >= 0x1f) return sign | 0x7c00; }
  }
  return sign | (e << 10) | m;
}

export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

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
