/**
 * TensorBundle (a V2 checkpoint): `<prefix>.index` is a LevelDB table mapping
 * "" -> BundleHeaderProto and each tensor key -> BundleEntryProto; tensors'
 * bytes lie in `<prefix>.data-00000-of-00001`, concatenated in write order
 * without padding. As tensor_bundle.cc: fixed-size dtypes are raw
 * little-endian bytes with entry.crc32c = masked crc32c(bytes); DT_STRING is
 * [varint64 len]* [fixed32 masked crc of the lengths] [bytes]*, its entry CRC
 * covering the lengths as uint32 LE, the length checksum and the bytes.
 */
import { readFile } from 'node:fs/promises';
import { A2mError } from '../../src/errors.js';
import { ByteReader, ByteWriter, compareBytes, fromUtf8, readFixed32, utf8 } from './bytes.js';
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from '../../src/util/crc32c.js';
import { BUNDLE_HEADER_KEY, BUNDLE_VERSION, DT, DTYPE_BYTES, bundleDataPath, bundleIndexPath, dtypeName } from './facts.js';
import { readTable, writeTable } from './leveldb-table.js';
import { type BundleEntryProto, type BundleHeaderProto, decodeMessage, encodeMessage, shapeOf, shapeProto } from './proto.js';

export type BundleTensor =
  | { key: string; dtype: number; shape: number[]; data: Uint8Array }
  | { key: string; dtype: typeof DT.STRING; shape: number[]; strings: Uint8Array[] };

export interface BundleEntry {
  key: string;
  dtype: number;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  /** As stored: the masked crc32c. */
  crc32c: number;
}

export interface BundleHeader { numShards: number; endianness: number; version: { producer: number; minConsumer: number } }

const numElements = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A string tensor's data-file bytes and its (unmasked) entry CRC, as WriteStringTensor computes them. */
function encodeStrings(strings: Uint8Array[]): { bytes: Uint8Array; crc: number } {
  const w = new ByteWriter();
  let crc = 0;
  const len32 = new Uint8Array(4);
  for (const s of strings) {
    w.varint(s.length);
    new DataView(len32.buffer).setUint32(0, s.length, true);
    crc = crc32cExtend(crc, len32);
  }
  const lengthChecksum = maskCrc(crc);
  const cks = new Uint8Array(4);
  new DataView(cks.buffer).setUint32(0, lengthChecksum, true);
  w.bytes(cks);
  crc = crc32cExtend(crc, cks);
  for (const s of strings) { w.bytes(s); crc = crc32cExtend(crc, s); }
  return { bytes: w.finish(), crc };
}

/** BundleEntryProto as TF serializes it: proto3 zero fields left out, shape always present. */
function entryBytes(e: Omit<BundleEntry, 'key'>): Uint8Array {
  const obj: BundleEntryProto = { dtype: e.dtype, shape: shapeProto(e.shape) };
  if (e.shardId) obj.shard_id = e.shardId;
  if (e.offset) obj.offset = e.offset;
  if (e.size) obj.size = e.size;
  if (e.crc32c) obj.crc32c = e.crc32c;
  return encodeMessage('BundleEntryProto', obj);
}

export interface EncodedBundle {
  index: Uint8Array;
  /** The data file as the tensors' own byte arrays, in write order (no 46 MB copy for the base preset). */
  dataChunks: Uint8Array[];
  dataSize: number;
}

/** Encodes a single-shard bundle: data in the given order, index sorted by key (BundleWriter). */
export function encodeBundle(tensors: BundleTensor[]): EncodedBundle {
  const chunks: Uint8Array[] = [];
  const entries: { key: Uint8Array; value: Uint8Array }[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (t.key === BUNDLE_HEADER_KEY || seen.has(t.key)) throw new Error(`bundle key "${t.key}" is empty or duplicated`);
    seen.add(t.key);
    let bytes: Uint8Array, crc: number;
    if ('strings' in t) {
      ({ bytes, crc } = encodeStrings(t.strings));
    } else {
      const per = DTYPE_BYTES[t.dtype];
      if (!per) throw new Error(`bundle tensor ${t.key}: unsupported dtype ${dtypeName(t.dtype)}`);
      if (t.data.length !== per * numElements(t.shape)) throw new Error(`bundle tensor ${t.key}: ${t.data.length} bytes for shape [${t.shape}] of ${dtypeName(t.dtype)}`);
      bytes = t.data;
      crc = crc32c(bytes);
    }
    entries.push({ key: utf8.encode(t.key), value: entryBytes({ dtype: t.dtype, shape: t.shape, shardId: 0, offset, size: bytes.length, crc32c: maskCrc(crc) }) });
    chunks.push(bytes);
    offset += bytes.length;
  }
  entries.sort((a, b) => compareBytes(a.key, b.key));
  const header: BundleHeaderProto = { num_shards: 1, version: { producer: BUNDLE_VERSION } };
  entries.unshift({ key: new Uint8Array(0), value: encodeMessage('BundleHeaderProto', header) });
  return { index: writeTable(entries), dataChunks: chunks, dataSize: offset };
}

// ---- reading -------------------------------------------------------------------

export interface DecodedBundle {
  header: BundleHeader;
  /** Entries in key order, header excluded. */
  entries: BundleEntry[];
  dataBlocks: number;
  /** Raw bytes of a fixed-size tensor (CRC already verified). */
  bytes(key: string): Uint8Array;
  /** Elements of a DT_STRING tensor. */
  strings(key: string): Uint8Array[];
}

function decodeStrings(data: Uint8Array, e: BundleEntry, what: string): { strings: Uint8Array[]; crc: number } {
  const r = new ByteReader(data, `${what} string tensor ${e.key}`, e.offset, e.offset + e.size);
  const n = numElements(e.shape);
  const lengths: number[] = [];
  let crc = 0;
  const len32 = new Uint8Array(4);
  for (let i = 0; i < n; i++) {
    const len = r.varint();
    if (len > 0xffffffff) r.fail('string longer than 4 GiB');
    lengths.push(len);
    new DataView(len32.buffer).setUint32(0, len, true);
    crc = crc32cExtend(crc, len32);
  }
  const cks = r.bytes(4);
  if (unmaskCrc(readFixed32(cks, 0)) !== crc) r.fail('string length checksum mismatch');
  crc = crc32cExtend(crc, cks);
  const strings = lengths.map((len) => { const s = r.bytes(len); crc = crc32cExtend(crc, s); return s; });
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes beyond the last string`);
  return { strings, crc };
}

/** Decodes a single-shard bundle from its two files' bytes, verifying every block and entry CRC. */
export function decodeBundle(index: Uint8Array, data: Uint8Array, what: string): DecodedBundle {
  const table = readTable(index, `${what}.index`);
  const fail = (msg: string): never => { throw new A2mError(`${what}.index: ${msg}`); };
  const first = table.entries[0];
  if (!first || first.key.length !== 0) fail('the first entry is not the BundleHeaderProto (key "")');
  const h = decodeMessage<BundleHeaderProto>('BundleHeaderProto', first!.value, `${what}.index header`);
  const header: BundleHeader = {
    numShards: h.num_shards ?? 0, endianness: h.endianness ?? 0,
    version: { producer: h.version?.producer ?? 0, minConsumer: h.version?.min_consumer ?? 0 },
  };
  if (header.numShards !== 1) fail(`bundle has ${header.numShards} shards; only single-shard bundles are supported`);
  if (header.endianness !== 0) fail('bundle is big-endian; only little-endian bundles are supported');
  if (header.version.minConsumer > BUNDLE_VERSION) fail(`bundle needs reader version >= ${header.version.minConsumer} (we are ${BUNDLE_VERSION})`);

  const entries: BundleEntry[] = [];
  const byKey = new Map<string, BundleEntry>();
  const strings = new Map<string, Uint8Array[]>();
  for (const te of table.entries.slice(1)) {
    const key = fromUtf8(te.key);
    const p = decodeMessage<BundleEntryProto>('BundleEntryProto', te.value, `${what}.index entry "${key}"`);
    const e: BundleEntry = {
      key, dtype: p.dtype ?? 0, shape: shapeOf(p.shape), shardId: p.shard_id ?? 0,
      offset: p.offset ?? 0, size: p.size ?? 0, crc32c: p.crc32c ?? 0,
    };
    const where = `${what} tensor "${key}"`;
    if (e.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`tensor "${key}" has invalid shape [${e.shape}]`);
    if (e.shardId !== 0) fail(`tensor "${key}" lies in shard ${e.shardId} of a 1-shard bundle`);
    if (e.offset + e.size > data.length) throw new A2mError(`${where}: bytes [${e.offset}, ${e.offset + e.size}) lie beyond the data file (${data.length} bytes)`);
    let actual: number;
    if (e.dtype === DT.STRING) {
      const s = decodeStrings(data, e, what);
      strings.set(key, s.strings);
      actual = s.crc;
    } else {
      const per = DTYPE_BYTES[e.dtype];
      if (!per) fail(`tensor "${key}" has unsupported dtype ${dtypeName(e.dtype)}`);
      if (e.size !== per! * numElements(e.shape)) fail(`tensor "${key}" has size ${e.size}, expected ${per! * numElements(e.shape)} for ${dtypeName(e.dtype)} [${e.shape}]`);
      actual = crc32c(data.subarray(e.offset, e.offset + e.size));
    }
    if (actual !== unmaskCrc(e.crc32c)) throw new A2mError(`${where}: checksum mismatch (entry crc32c ${unmaskCrc(e.crc32c)}, data ${actual})`);
    entries.push(e);
    byKey.set(key, e);
  }
  const get = (key: string) => byKey.get(key) ?? fail(`no tensor "${key}"`);
  return {
    header, entries, dataBlocks: table.dataBlocks,
    bytes(key) {
      const e = get(key);
      if (e.dtype === DT.STRING) fail(`tensor "${key}" is a string tensor`);
      return data.subarray(e.offset, e.offset + e.size);
    },
    strings(key) {
      get(key);
      return strings.get(key) ?? fail(`tensor "${key}" is not a string tensor`);
    },
  };
}

/** Reads and verifies a bundle from disk, e.g. `<export>/variables/variables`. */
export async function readBundle(prefix: string): Promise<DecodedBundle> {
  const [index, data] = await Promise.all([readFile(bundleIndexPath(prefix)), readFile(bundleDataPath(prefix))]).catch((e: NodeJS.ErrnoException) => {
    throw new A2mError(`${e.path ?? prefix}: cannot read TensorBundle file (${e.code ?? e.message})`);
  });
  return decodeBundle(new Uint8Array(index), new Uint8Array(data), prefix);
}
