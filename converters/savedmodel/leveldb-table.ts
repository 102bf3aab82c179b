/**
 * The LevelDB table (SSTable) that holds a TensorBundle's index, written and
 * read exactly as TF's xla/tsl/lib/io table code does, uncompressed:
 *
 *   [data block]* [metaindex block (empty)] [index block] [footer 48 B]
 *   block   = entries, uint32 restarts[], uint32 num_restarts ; then trailer
 *   entry   = varint32 shared, varint32 non_shared, varint32 value_len, key_delta, value
 *   trailer = type byte (0) + fixed32 masked crc32c(block ‖ type)
 *   footer  = metaindex handle, index handle (varint64 offset, size), zero pad to 40, magic
 *   index entry per data block: key >= its last key and < the next block's first
 *   key (FindShortestSeparator / FindShortSuccessor), value = that block's handle.
 */
import { ByteReader, ByteWriter, compareBytes, readFixed32 } from './bytes.js';
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from '../../src/util/crc32c.js';
import {
  BLOCK_HANDLE_MAX_LEN, BLOCK_TRAILER_SIZE, FOOTER_SIZE, INDEX_RESTART_INTERVAL, NO_COMPRESSION,
  SNAPPY_COMPRESSION, TABLE_BLOCK_SIZE, TABLE_MAGIC, TABLE_RESTART_INTERVAL,
} from './facts.js';

export interface TableEntry { key: Uint8Array; value: Uint8Array }
interface BlockHandle { offset: number; size: number }

// ---- writing -------------------------------------------------------------------

class BlockBuilder {
  private buf = new ByteWriter();
  private restarts: number[] = [0];
  private counter = 0;
  private lastKey: Uint8Array = new Uint8Array(0);
  count = 0;

  constructor(private readonly restartInterval: number) {}

  /** block_builder.cc CurrentSizeEstimate. */
  sizeEstimate(): number { return this.buf.length + this.restarts.length * 4 + 4; }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const min = Math.min(this.lastKey.length, key.length);
      while (shared < min && this.lastKey[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.buf.length);
      this.counter = 0;
    }
    this.buf.varint(shared).varint(key.length - shared).varint(value.length);
    this.buf.bytes(key.subarray(shared)).bytes(value);
    this.lastKey = key;
    this.counter++;
    this.count++;
  }

  finish(): Uint8Array {
    for (const r of this.restarts) this.buf.fixed32(r);
    this.buf.fixed32(this.restarts.length);
    return this.buf.finish();
  }
}

function findShortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const min = Math.min(start.length, limit.length);
  let i = 0;
  while (i < min && start[i] === limit[i]) i++;
  if (i >= min) return start; // one is a prefix of the other
  const b = start[i]!;
  if (b < 0xff && b + 1 < limit[i]!) {
    const out = start.slice(0, i + 1);
    out[i] = b + 1;
    return out;
  }
  return start;
}

function findShortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i] = key[i]! + 1;
      return out;
    }
  }
  return key;
}

function encodeHandle(h: BlockHandle): Uint8Array {
  return new ByteWriter(24).varint(h.offset).varint(h.size).finish().slice();
}

/** Writes a table of entries whose keys are strictly increasing bytewise (TableBuilder::Add's contract). */
export function writeTable(entries: TableEntry[], blockSize = TABLE_BLOCK_SIZE): Uint8Array {
  const out = new ByteWriter(4096);
  const index = new BlockBuilder(INDEX_RESTART_INTERVAL);
  let data = new BlockBuilder(TABLE_RESTART_INTERVAL);
  let pending: BlockHandle | null = null;
  let lastKey: Uint8Array | null = null;

  const writeBlock = (contents: Uint8Array): BlockHandle => {
    const handle = { offset: out.length, size: contents.length };
    const crc = crc32cExtend(crc32c(contents), Uint8Array.of(NO_COMPRESSION));
    out.bytes(contents).byte(NO_COMPRESSION).fixed32(maskCrc(crc));
    return handle;
  };
  const flush = () => {
    if (data.count === 0) return;
    pending = writeBlock(data.finish());
    data = new BlockBuilder(TABLE_RESTART_INTERVAL);
  };

  for (const { key, value } of entries) {
    if (lastKey) {
      if (compareBytes(key, lastKey) <= 0) throw new Error('table keys must be strictly increasing');
      if (key.length + value.length >= 2 * blockSize) flush();
    }
    if (pending) {
      index.add(findShortestSeparator(lastKey!, key), encodeHandle(pending));
      pending = null;
    }
    lastKey = key;
    data.add(key, value);
    if (data.sizeEstimate() >= blockSize) flush();
  }
  flush();
  const metaindex = writeBlock(new BlockBuilder(TABLE_RESTART_INTERVAL).finish());
  if (pending) index.add(findShortSuccessor(lastKey!), encodeHandle(pending));
  const indexHandle = writeBlock(index.finish());

  const footerStart = out.length;
  out.varint(metaindex.offset).varint(metaindex.size).varint(indexHandle.offset).varint(indexHandle.size);
  out.zeros(footerStart + 2 * BLOCK_HANDLE_MAX_LEN - out.length).bytes(TABLE_MAGIC);
  return out.finish();
}

// ---- reading -------------------------------------------------------------------

/** Reads a block (verifying its trailer CRC and type) and returns its contents. */
function readBlock(file: Uint8Array, h: BlockHandle, what: string): Uint8Array {
  if (h.offset + h.size + BLOCK_TRAILER_SIZE > file.length - FOOTER_SIZE) {
    throw new ByteReader(file, what).fail(`block at ${h.offset} (+${h.size}) runs past the end of the file (${file.length} bytes)`);
  }
  const contents = file.subarray(h.offset, h.offset + h.size);
  const type = file[h.offset + h.size]!;
  const stored = unmaskCrc(readFixed32(file, h.offset + h.size + 1));
  const actual = crc32c(file.subarray(h.offset, h.offset + h.size + 1));
  const r = new ByteReader(file, what);
  if (stored !== actual) r.fail(`block checksum mismatch at byte ${h.offset} (stored crc32c ${hex(stored)}, actual ${hex(actual)})`);
  if (type === SNAPPY_COMPRESSION) r.fail(`block at byte ${h.offset} is snappy-compressed; only uncompressed tables (as TensorBundle writes) are supported`);
  if (type !== NO_COMPRESSION) r.fail(`bad block type ${type} at byte ${h.offset + h.size}`);
  return contents;
}

/** Decodes every entry of one block, checking the restart array and prefix sharing. */
function blockEntries(block: Uint8Array, what: string): TableEntry[] {
  const r = new ByteReader(block, what);
  if (block.length < 4) r.fail(`block of ${block.length} bytes is too short for its restart count`);
  const numRestarts = readFixed32(block, block.length - 4);
  const restartsAt = block.length - 4 - 4 * numRestarts;
  if (numRestarts < 1 || restartsAt < 0) r.fail(`bad restart count ${numRestarts} for a block of ${block.length} bytes`);
  const restarts = new Set<number>();
  for (let i = 0; i < numRestarts; i++) {
    const off = readFixed32(block, restartsAt + 4 * i);
    if (off >= Math.max(restartsAt, 1)) r.fail(`restart point ${off} lies outside the entries (${restartsAt} bytes)`);
    restarts.add(off);
  }
  const entries: TableEntry[] = [];
  const er = new ByteReader(block, what, 0, restartsAt);
  let last = new Uint8Array(0);
  while (er.remaining > 0) {
    const at = er.pos;
    const shared = er.varint('varint32'), nonShared = er.varint('varint32'), valueLen = er.varint('varint32');
    if (restarts.has(at) && shared !== 0) er.fail(`entry at restart point ${at} shares ${shared} key bytes`);
    if (shared > last.length) er.fail(`entry at byte ${at} shares ${shared} bytes of a ${last.length}-byte key`);
    const key = new Uint8Array(shared + nonShared);
    key.set(last.subarray(0, shared));
    key.set(er.bytes(nonShared), shared);
    const value = er.bytes(valueLen);
    if (entries.length && compareBytes(key, last) <= 0) er.fail(`keys out of order at byte ${at}`);
    entries.push({ key, value });
    last = key;
  }
  return entries;
}

function decodeHandle(b: Uint8Array, what: string): BlockHandle {
  const r = new ByteReader(b, what);
  const h = { offset: r.varint(), size: r.varint() };
  if (r.remaining !== 0) r.fail('trailing bytes after a block handle');
  return h;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

export interface TableContents {
  entries: TableEntry[];
  /** Number of data blocks (each CRC-verified). */
  dataBlocks: number;
}

/** Reads a whole table, verifying the magic, every block's CRC and the index's key ranges. */
export function readTable(file: Uint8Array, what: string): TableContents {
  const r = new ByteReader(file, what);
  if (file.length < FOOTER_SIZE) r.fail(`${file.length} bytes is shorter than a table footer (${FOOTER_SIZE})`);
  const footer = file.subarray(file.length - FOOTER_SIZE);
  if (!TABLE_MAGIC.every((b, i) => footer[2 * BLOCK_HANDLE_MAX_LEN + i] === b)) r.fail('not a LevelDB table (bad magic number in the footer)');
  const fr = new ByteReader(footer, `${what} footer`, 0, 2 * BLOCK_HANDLE_MAX_LEN);
  const metaindex = { offset: fr.varint(), size: fr.varint() };
  const indexHandle = { offset: fr.varint(), size: fr.varint() };
  readBlock(file, metaindex, `${what} metaindex block`);
  const index = blockEntries(readBlock(file, indexHandle, `${what} index block`), `${what} index block`);
  const entries: TableEntry[] = [];
  let prevLimit: Uint8Array | null = null;
  for (const ie of index) {
    const h = decodeHandle(ie.value, `${what} index entry`);
    const blockWhat = `${what} data block at byte ${h.offset}`;
    const es = blockEntries(readBlock(file, h, blockWhat), blockWhat);
    for (const e of es) {
      if (compareBytes(e.key, ie.key) > 0) r.fail(`${blockWhat}: key beyond its index key`);
      if (prevLimit && compareBytes(e.key, prevLimit) <= 0) r.fail(`${blockWhat}: keys overlap the previous block`);
    }
    if (es.length) prevLimit = es[es.length - 1]!.key;
    entries.push(...es);
  }
  return { entries, dataBlocks: index.length };
}
