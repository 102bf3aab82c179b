import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BlobReader, BlobWriter } from '../../../converters/coreml/blob.js';
import { BLOB } from '../../../converters/coreml/format.js';
import { float32ToHalf, halfToFloat32, roundToHalf, toHalfBits, fromHalfBits } from '../../../converters/coreml/fp16.js';
import { A2mError } from '../../../src/errors.js';
import { hasReference, referenceDir } from '../../../src/util/paths.js';
import { mulberry32 } from '../../../src/util/prng.js';

const REF_WEIGHTS = path.join(referenceDir, 'basic-pitch/nmp.mlpackage/Data/com.apple.CoreML/weights/weight.bin');
const FUZZ_ROUNDS = 300;

function sample(): { writer: BlobWriter; offsets: number[]; f32: Float32Array; f16: Uint16Array; u8: Uint8Array; i8: Int8Array; produced: Float32Array } {
  const writer = new BlobWriter();
  const f32 = Float32Array.from({ length: 37 }, (_, i) => i * 0.25 - 3);
  const f16 = float32ToHalf(Float32Array.from({ length: 5 }, (_, i) => i / 3));
  const u8 = Uint8Array.from([1, 2, 255]);
  const i8 = Int8Array.from([-128, 0, 127, 5]);
  const produced = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
  const offsets = [
    writer.add(BLOB.dtype.Float32, f32),
    writer.add(BLOB.dtype.Float16, f16),
    writer.add(BLOB.dtype.UInt8, u8),
    writer.add(BLOB.dtype.Int8, i8),
    writer.add(BLOB.dtype.Float32, { byteLength: 400, fill: (dst: Uint8Array) => new Float32Array(dst.buffer, dst.byteOffset, 100).set(produced) }),
  ];
  return { writer, offsets, f32, f16, u8, i8, produced };
}

test('blob storage v2 round trip: header, 64-aligned metadata, offsets point at the metadata', () => {
  const s = sample();
  const bytes = s.writer.finish();
  const dv = new DataView(bytes.buffer);
  assert.equal(dv.getUint32(0, true), 5, 'count');
  assert.equal(dv.getUint32(4, true), 2, 'version');
  for (let i = 8; i < 64; i++) assert.equal(bytes[i], 0, 'header reserved bytes are zero');
  const r = new BlobReader(bytes, 'mem');
  const entries = r.entries();
  assert.deepEqual(entries.map((e) => e.offset), s.offsets);
  for (const e of entries) {
    assert.equal(e.offset % 64, 0);
    assert.equal(e.dataOffset, e.offset + 64);
    assert.equal(dv.getUint32(e.offset, true), 0xdeadbeef);
    for (let i = e.offset + 24; i < e.offset + 64; i++) assert.equal(bytes[i], 0, 'metadata reserved bytes are zero');
  }
  assert.deepEqual([...(r.read(s.offsets[0]!).data as Float32Array)], [...s.f32]);
  assert.deepEqual([...(r.read(s.offsets[1]!).data as Uint16Array)], [...s.f16]);
  assert.deepEqual([...(r.read(s.offsets[2]!).data as Uint8Array)], [...s.u8]);
  assert.deepEqual([...(r.read(s.offsets[3]!).data as Int8Array)], [...s.i8]);
  assert.deepEqual([...(r.read(s.offsets[4]!).data as Float32Array)], [...s.produced]);
  assert.deepEqual(entries.map((e) => e.dtype), [2, 1, 3, 4, 2]);
  // streamed chunks are the same bytes
  const parts = [...s.writer.chunks()].map((c) => Buffer.from(c));
  assert.ok(Buffer.concat(parts).equals(Buffer.from(bytes)));
});

test('fp16 conversion rounds to nearest even and round-trips every half', () => {
  for (let h = 0; h < 0x10000; h++) {
    const v = fromHalfBits(h);
    if (Number.isNaN(v)) continue;
    assert.equal(toHalfBits(v), h, `half 0x${h.toString(16)}`);
  }
  assert.equal(toHalfBits(1 + 2 ** -11), toHalfBits(1), 'tie to even (down)');
  assert.equal(toHalfBits(1 + 3 * 2 ** -11), toHalfBits(1 + 2 ** -9), 'tie to even (up)');
  assert.equal(fromHalfBits(toHalfBits(65520)), Infinity);
  const a = Float32Array.from([0.1, -3.14159, 1e-7, 70000, 2 ** -24 * 1.5]);
  assert.deepEqual([...roundToHalf(a.slice())], [...halfToFloat32(float32ToHalf(a))]);
});

test('the reader walks Apple\'s weight.bin from the Basic Pitch package', async (t) => {
  if (!hasReference) return t.skip('skipped: ../shared/reference not present');
  const bytes = new Uint8Array(await readFile(REF_WEIGHTS));
  const r = new BlobReader(bytes, REF_WEIGHTS);
  const entries = r.entries();
  assert.equal(entries.length, r.count);
  assert.equal(r.count, 21);
  assert.ok(entries.every((e) => e.dtype === BLOB.dtype.Float32 && e.offset % 64 === 0));
  const last = entries.at(-1)!;
  assert.ok(last.dataOffset + last.sizeInBytes <= bytes.length);
});

test('corrupted blob storage ends in a clear error naming the file', () => {
  const bytes = sample().writer.finish();
  const off = sample().offsets[1]!;
  const expect = (mutate: (b: Uint8Array) => Uint8Array, re: RegExp, at = off) => {
    const b = mutate(bytes.slice());
    assert.throws(() => new BlobReader(b, 'w.bin').read(at), (e: unknown) => e instanceof A2mError && /^w\.bin: /.test(e.message) && re.test(e.message));
  };
  expect((b) => b.subarray(0, 40), /shorter than the 64-byte/);
  expect((b) => { b[4] = 3; return b; }, /version 3, expected 2/);
  expect((b) => { b[off] = 0; return b; }, /sentinel 0xdeadbe00/);
  expect((b) => { b[off + 4] = 9; return b; }, /unknown dtype 9/);
  expect((b) => { new DataView(b.buffer).setBigUint64(off + 8, 1n << 40n, true); return b; }, /outside the file/);
  expect((b) => { new DataView(b.buffer).setBigUint64(off + 16, BigInt(off + 32), true); return b; }, /not 64-aligned|outside/);
  expect((b) => b, /not a 64-aligned offset/, off + 8);
  expect((b) => b, /past the end/, 1 << 20);
  expect((b) => b.subarray(0, off + 70), /outside the file/);
});

test(`fuzz: ${FUZZ_ROUNDS} seeded mutations of weight.bin never crash or hang the reader`, () => {
  const base = sample().writer.finish();
  const rnd = mulberry32(2024);
  let failures = 0;
  for (let round = 0; round < FUZZ_ROUNDS; round++) {
    let b = base.slice();
    const kind = round % 3;
    if (kind === 0) b = b.subarray(0, Math.floor(rnd() * b.length));
    else if (kind === 1) for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) { const i = Math.floor(rnd() * b.length); b[i]! ^= 1 << Math.floor(rnd() * 8); }
    else for (let k = 0; k < 8; k++) b[Math.floor(rnd() * Math.min(b.length, 400))] = Math.floor(rnd() * 256);
    try {
      const r = new BlobReader(b, 'fuzz.bin');
      for (const e of r.entries()) r.read(e.offset);
    } catch (e) {
      assert.ok(e instanceof A2mError, `round ${round}: ${(e as Error).stack}`);
      assert.match(e.message, /^fuzz\.bin: /);
      failures++;
    }
  }
  assert.ok(failures > FUZZ_ROUNDS / 3, `only ${failures} of ${FUZZ_ROUNDS} mutations were detected`);
});
