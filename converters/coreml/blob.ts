/**
 * MIL blob storage v2 (weights/weight.bin), little-endian:
 *   storage_header (64 B) {u32 count, u32 version=2, 7 x u64 reserved}
 *   per blob, at a 64-aligned offset: blob_metadata (64 B)
 *     {u32 sentinel 0xDEADBEEF, u32 dtype, u64 sizeInBytes, u64 dataOffset, 5 x u64 reserved}
 *   then the data at dataOffset (64-aligned; metadata + 64 when written by us).
 * A const's blobFileValue.offset points at the blob's METADATA.
 * Apple's files leave the reserved fields uninitialised, so the reader ignores them;
 * the writer zeroes them.
 */
import { A2mError } from '../../src/errors.js';
import { BLOB } from './format.js';

export type BlobDType = (typeof BLOB.dtype)[keyof typeof BLOB.dtype];

const align = (n: number) => Math.ceil(n / BLOB.alignment) * BLOB.alignment;

/**
 * A blob's bytes: a typed array written as is, or a producer that fills a
 * scratch buffer on demand (layout transforms and fp16 conversion happen while
 * writing, so the base preset's 46 MB never sit in memory twice; on this
 * machine first-touching fresh memory costs more than the copy itself).
 */
export type BlobSource = Float32Array | Uint16Array | Uint8Array | Int8Array | { byteLength: number; fill(dst: Uint8Array): void };

/** Lays blobs out as they are added; `chunks()` streams the file, `finish()` returns it whole. */
export class BlobWriter {
  private blobs: { meta: number; dtype: BlobDType; src: BlobSource }[] = [];
  private end: number = BLOB.headerSize;

  /** Appends one blob; returns the offset of its metadata (the value of blobFileValue.offset). */
  add(dtype: BlobDType, src: BlobSource): number {
    const size = BLOB.elementSize[dtype]!;
    if (src.byteLength % size !== 0) throw new Error(`blob of dtype ${dtype} has ${src.byteLength} bytes, not a multiple of ${size}`);
    const meta = align(this.end);
    this.blobs.push({ meta, dtype, src });
    this.end = meta + BLOB.metadataSize + src.byteLength;
    return meta;
  }

  get count(): number { return this.blobs.length; }
  get byteLength(): number { return this.end; }

  /**
   * The file in order, as chunks valid until the next one is requested
   * (producer blobs share one scratch buffer).
   */
  *chunks(): Generator<Uint8Array> {
    const header = new Uint8Array(BLOB.headerSize); // zero-filled: reserved fields stay 0
    const hv = new DataView(header.buffer);
    hv.setUint32(0, this.blobs.length, true);
    hv.setUint32(4, BLOB.version, true);
    yield header;
    let pos: number = BLOB.headerSize;
    let scratch = new Uint8Array(0);
    for (const b of this.blobs) {
      // padding up to the metadata, then the 64-byte metadata
      const meta = new Uint8Array(b.meta - pos + BLOB.metadataSize);
      const mv = new DataView(meta.buffer);
      const m = b.meta - pos;
      mv.setUint32(m, BLOB.sentinel, true);
      mv.setUint32(m + 4, b.dtype, true);
      mv.setBigUint64(m + 8, BigInt(b.src.byteLength), true);
      mv.setBigUint64(m + 16, BigInt(b.meta + BLOB.metadataSize), true);
      yield meta;
      const src = b.src;
      if (ArrayBuffer.isView(src)) {
        yield new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
      } else {
        if (scratch.byteLength < src.byteLength) scratch = new Uint8Array(src.byteLength);
        const dst = scratch.subarray(0, src.byteLength);
        src.fill(dst);
        yield dst;
      }
      pos = b.meta + BLOB.metadataSize + b.src.byteLength;
    }
  }

  /** The whole file in one buffer (tests, small models). */
  finish(): Uint8Array {
    const out = new Uint8Array(this.end);
    let pos = 0;
    for (const c of this.chunks()) { out.set(c, pos); pos += c.byteLength; }
    return out;
  }
}

export interface BlobEntry {
  /** Offset of the metadata (what blobFileValue.offset holds). */
  offset: number;
  dtype: BlobDType;
  dataOffset: number;
  sizeInBytes: number;
}

/** A parsed weight.bin; every access is bounds- and sentinel-checked and names the file. */
export class BlobReader {
  readonly count: number;
  private dv: DataView;

  constructor(readonly bytes: Uint8Array, readonly file: string) {
    if (bytes.byteLength < BLOB.headerSize) throw new A2mError(`${file}: ${bytes.byteLength} bytes, shorter than the 64-byte blob storage header`);
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.count = this.dv.getUint32(0, true);
    const version = this.dv.getUint32(4, true);
    if (version !== BLOB.version) throw new A2mError(`${file}: blob storage version ${version}, expected ${BLOB.version}`);
  }

  /** Reads the metadata at `offset`, checking alignment, sentinel, dtype and bounds. */
  entry(offset: number): BlobEntry {
    const f = this.file;
    if (!Number.isSafeInteger(offset) || offset < BLOB.headerSize || offset % BLOB.alignment !== 0)
      throw new A2mError(`${f}: blob offset ${offset} is not a 64-aligned offset past the header`);
    if (offset + BLOB.metadataSize > this.bytes.byteLength) throw new A2mError(`${f}: blob metadata at ${offset} lies past the end of the file (${this.bytes.byteLength} bytes)`);
    const sentinel = this.dv.getUint32(offset, true);
    if (sentinel !== BLOB.sentinel) throw new A2mError(`${f}: blob at offset ${offset} has sentinel 0x${sentinel.toString(16)}, expected 0xdeadbeef`);
    const dtype = this.dv.getUint32(offset + 4, true);
    if (!BLOB.elementSize[dtype]) throw new A2mError(`${f}: blob at offset ${offset} has unknown dtype ${dtype} (expected 1 fp16, 2 fp32, 3 uint8, 4 int8)`);
    const size = Number(this.dv.getBigUint64(offset + 8, true));
    const dataOffset = Number(this.dv.getBigUint64(offset + 16, true));
    if (dataOffset < offset + BLOB.metadataSize || dataOffset % BLOB.alignment !== 0 || dataOffset + size > this.bytes.byteLength || !Number.isSafeInteger(dataOffset + size))
      throw new A2mError(`${f}: blob at offset ${offset} claims data [${dataOffset}, +${size}) outside the file (${this.bytes.byteLength} bytes) or not 64-aligned after its metadata`);
    if (size % BLOB.elementSize[dtype]! !== 0) throw new A2mError(`${f}: blob at offset ${offset} has ${size} bytes, not a whole number of dtype-${dtype} elements`);
    return { offset, dtype: dtype as BlobDType, dataOffset, sizeInBytes: size };
  }

  /** The blob's elements as a typed array (copied, so it is aligned and independent of the file buffer). */
  read(offset: number): { dtype: BlobDType; data: Float32Array | Uint16Array | Uint8Array | Int8Array } {
    const e = this.entry(offset);
    const raw = this.bytes.slice(e.dataOffset, e.dataOffset + e.sizeInBytes);
    const buf = raw.buffer;
    switch (e.dtype) {
      case BLOB.dtype.Float32: return { dtype: e.dtype, data: new Float32Array(buf) };
      case BLOB.dtype.Float16: return { dtype: e.dtype, data: new Uint16Array(buf) };
      case BLOB.dtype.UInt8: return { dtype: e.dtype, data: new Uint8Array(buf) };
      default: return { dtype: e.dtype, data: new Int8Array(buf) };
    }
  }

  /** Walks every blob in file order (header count), as a whole-file check. */
  entries(): BlobEntry[] {
    const out: BlobEntry[] = [];
    let off: number = BLOB.headerSize;
    for (let i = 0; i < this.count; i++) {
      if (off >= this.bytes.byteLength) throw new A2mError(`${this.file}: header says ${this.count} blobs, file ends after ${i}`);
      const e = this.entry(off);
      out.push(e);
      off = align(e.dataOffset + e.sizeInBytes);
    }
    return out;
  }
}
