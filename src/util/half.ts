/** IEEE float16 <-> float32, round to nearest even: the one definition every converter and runtime uses. */
/** IEEE 754 binary16 <-> binary32 (Node 20 has no Float16Array). Rounds to nearest, ties to even, as numpy's astype(float16). */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0); // inf / NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit 1, round to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and can reach inf).
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && (half & 1)) ? 1 : 0));
}

export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Bulk form of toHalfBits on the float bits directly (the base preset's 11.6 M weights: ~3x faster than per-value calls). */
export function toHalfArray(data: Float32Array): Uint16Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i]!;
    const exp = (x >>> 23) & 0xff;
    if (exp >= 113 && exp <= 142) {
      // Normal half range, the common case: rebias the exponent, round the 13 dropped bits to nearest even.
      const half = ((exp - 112) << 10) | ((x >>> 13) & 0x3ff);
      const rem = x & 0x1fff;
      out[i] = ((x >>> 16) & 0x8000) | (half + (rem > 0x1000 || (rem === 0x1000 && (half & 1)) ? 1 : 0));
    } else {
      out[i] = toHalfBits(data[i]!);
    }
  }
  return out;
}

let halfTable: Float32Array | null = null;

/** Bulk fromHalfBits through a 65,536-entry table built once (decoding cached audio is hot). */
export function fromHalfArray(bits: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = fromHalfBits(h);
  }
  const t = halfTable;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]!]!;
  return out;
}
