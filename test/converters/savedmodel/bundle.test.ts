import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from '../../../src/util/crc32c.js';
import { writeTable, readTable } from '../../../converters/savedmodel/leveldb-table.js';
import { type BundleTensor, decodeBundle, encodeBundle, readBundle } from '../../../converters/savedmodel/bundle.js';
import { DT, bundleDataPath, bundleIndexPath } from '../../../converters/savedmodel/facts.js';
import { fromHalfBits, toHalfBits } from '../../../converters/savedmodel/fp16.js';
import { hasReference, referenceDir } from '../../../src/util/paths.js';

const NO_REFERENCE = 'skipped: ../shared/reference not present';
const REF_PREFIX = path.join(referenceDir, 'basic-pitch', 'nmp', 'variables', 'variables');
const enc = new TextEncoder();
const concat = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));

test('crc32c matches the Castagnoli check values; mask/unmask invert', () => {
  assert.equal(crc32c(enc.encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  const data = enc.encode('hello, tensor bundle! '.repeat(37));
  // Any split and any alignment gives the same CRC (word path vs byte path).
  for (const cut of [0, 1, 3, 7, 8, 9, 100]) {
    assert.equal(crc32cExtend(crc32c(data.subarray(0, cut)), data.subarray(cut)), crc32c(data));
    assert.equal(crc32c(data.slice(cut)), crc32c(new Uint8Array(Buffer.from(data.subarray(cut)))));
  }
  for (const c of [0, 1, 0xe3069283, 0xffffffff]) assert.equal(unmaskCrc(maskCrc(c)), c);
});

test('fp16 rounding: exact values, round-to-nearest-even, overflow, subnormals', () => {
  for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8]) assert.equal(fromHalfBits(toHalfBits(v)), v);
  assert.equal(toHalfBits(1 + 2 ** -11), 0x3c00); // tie -> even
  assert.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02); // tie -> even (up)
  assert.equal(toHalfBits(70000), 0x7c00);
  assert.equal(toHalfBits(-1e-9), 0x8000);
  assert.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))));
});

test('LevelDB table round trip: many blocks, restart points, separators over 0xff keys', () => {
  const keys = new Set<string>();
  const entries: { key: Uint8Array; value: Uint8Array }[] = [];
  for (let i = 0; i < 700; i++) keys.add(`k/${String(i * 7919 % 1000).padStart(4, '0')}/${'z'.repeat(i % 13)}`);
  for (const k of [...keys].sort()) entries.push({ key: enc.encode(k), value: enc.encode(`v${k}`.repeat(1 + (k.length % 3))) });
  entries.push({ key: Uint8Array.of(0xff, 0xff), value: Uint8Array.of(1) }, { key: Uint8Array.of(0xff, 0xff, 0x00), value: new Uint8Array(0) });
  const file = writeTable(entries, 512);
  const back = readTable(file, 'test.index');
  assert.ok(back.dataBlocks > 20, `expected many data blocks, got ${back.dataBlocks}`);
  assert.equal(back.entries.length, entries.length);
  back.entries.forEach((e, i) => { assert.deepEqual(e.key, entries[i]!.key); assert.deepEqual(e.value, entries[i]!.value); });
  assert.throws(() => writeTable([entries[1]!, entries[0]!]), /strictly increasing/);
});

test('bundle round trip: every dtype we write, data in write order, keys sorted', () => {
  const tensors: BundleTensor[] = [
    { key: 'w', dtype: DT.FLOAT, shape: [2, 3], data: new Uint8Array(Float32Array.of(1, 2, 3, 4, 5, 6).buffer) },
    { key: 'a/half', dtype: DT.HALF, shape: [2], data: new Uint8Array(Uint16Array.of(0x3c00, 0xc000).buffer) },
    { key: 'q', dtype: DT.INT8, shape: [3], data: Uint8Array.of(1, 0xff, 0x7f) },
    { key: 'empty', dtype: DT.FLOAT, shape: [0, 4], data: new Uint8Array(0) },
    { key: 's', dtype: DT.STRING, shape: [2], strings: [enc.encode('x'), new Uint8Array(0)] },
  ];
  const { index, dataChunks, dataSize } = encodeBundle(tensors);
  const data = concat(dataChunks);
  assert.equal(data.length, dataSize);
  const b = decodeBundle(index, data, 'mem');
  assert.deepEqual(b.entries.map((e) => e.key), ['a/half', 'empty', 'q', 's', 'w']);
  assert.deepEqual(b.entries.find((e) => e.key === 'w')!.offset, 0);
  assert.deepEqual([...new Float32Array(b.bytes('w').slice().buffer)], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...b.bytes('q')], [1, 0xff, 0x7f]);
  assert.deepEqual(b.strings('s').map((s) => Buffer.from(s).toString()), ['x', '']);
  assert.deepEqual(b.header, { numShards: 1, endianness: 0, version: { producer: 1, minConsumer: 0 } });
  assert.throws(() => encodeBundle([tensors[0]!, tensors[0]!]), /duplicated/);
});

test('reads the TF-written Basic Pitch bundle with every CRC verified, and rewrites it byte-identically', async (t) => {
  if (!hasReference) return t.skip(NO_REFERENCE);
  const b = await readBundle(REF_PREFIX);
  assert.equal(b.entries.length, 74);
  assert.ok(b.entries.some((e) => e.dtype === DT.STRING && e.key === '_CHECKPOINTABLE_OBJECT_GRAPH'));
  const floats = b.entries.filter((e) => e.dtype === DT.FLOAT);
  assert.ok(floats.length > 60 && floats.every((e) => e.size === 4 * e.shape.reduce((x, y) => x * y, 1)));
  // Same tensors, in the data file's order, through our writer: the same bytes TF wrote.
  const ordered = [...b.entries].sort((x, y) => x.offset - y.offset);
  const again = encodeBundle(ordered.map((e): BundleTensor => (e.dtype === DT.STRING
    ? { key: e.key, dtype: DT.STRING, shape: e.shape, strings: b.strings(e.key) }
    : { key: e.key, dtype: e.dtype, shape: e.shape, data: b.bytes(e.key) })));
  assert.deepEqual(Buffer.from(again.index), await readFile(bundleIndexPath(REF_PREFIX)));
  assert.deepEqual(Buffer.from(concat(again.dataChunks)), await readFile(bundleDataPath(REF_PREFIX)));
});
