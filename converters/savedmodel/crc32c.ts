/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), as LevelDB and
 * TensorBundle use it, plus TF's masking (crc32c.h Mask/Unmask: stored CRCs
 * are rotated and offset so that CRCs of data containing CRCs stay strong).
 * Slicing-by-8: the base preset's 46 MB of weights checksum in ~0.1 s.
 */
import { CRC_MASK_DELTA } from './facts.js';

const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 8; s++) t[s * 256 + i] = (t[(s - 1) * 256 + i]! >>> 8) ^ t[t[(s - 1) * 256 + i]! & 0xff]!;
  }
  return t;
})();

/** crc32c::Extend(crc, data): continues a CRC over more bytes. */
export function crc32cExtend(crc: number, data: Uint8Array): number {
  const t = TABLES;
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  const n8 = n - (n % 8);
  for (; i < n8; i += 8) {
    const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c = t[7 * 256 + (lo & 0xff)]! ^ t[6 * 256 + ((lo >>> 8) & 0xff)]! ^ t[5 * 256 + ((lo >>> 16) & 0xff)]! ^ t[4 * 256 + (lo >>> 24)]!
      ^ t[3 * 256 + data[i + 4]!]! ^ t[2 * 256 + data[i + 5]!]! ^ t[256 + data[i + 6]!]! ^ t[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function crc32c(data: Uint8Array): number {
  return crc32cExtend(0, data);
}

export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + CRC_MASK_DELTA) >>> 0;
}

export function unmaskCrc(masked: number): number {
  const rot = (masked - CRC_MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
