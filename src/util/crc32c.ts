/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), as LevelDB and
 * TensorBundle use it, plus TF's masking (crc32c.h Mask/Unmask: stored CRCs
 * are rotated and offset so that CRCs of data containing CRCs stay strong).
 * Slicing-by-8 over aligned 32-bit words (this assumes a little-endian host, as
 * TensorBundle's data does).
 *
 * In src/util, not beside the SavedModel writer that first needed it: TFRecord files in bundles
 * (src/bundle/tfrecord.ts) checksum the same way, and bundles sit above converters/.
 */

/** TF's crc32c::Mask delta (tensorflow/core/lib/hash/crc32c.h kMaskDelta). */
export const CRC_MASK_DELTA = 0xa282ead8;

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
  // Bytes up to a 4-byte boundary, then two aligned 32-bit words per step (little-endian hosts).
  const head = Math.min(n, (4 - ((data.byteOffset) & 3)) & 3);
  for (; i < head; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  const words = (n - i) >>> 3;
  if (words > 0) {
    const w = new Uint32Array(data.buffer, data.byteOffset + i, words * 2);
    for (let k = 0; k < w.length; k += 2) {
      const lo = c ^ w[k]!, hi = w[k + 1]!;
      c = t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^ t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]!
        ^ t[768 + (hi & 0xff)]! ^ t[512 + ((hi >>> 8) & 0xff)]! ^ t[256 + ((hi >>> 16) & 0xff)]! ^ t[hi >>> 24]!;
    }
    i += words * 8;
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
