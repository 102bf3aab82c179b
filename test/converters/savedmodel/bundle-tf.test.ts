import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type BundleTensor, encodeBundle, readBundle } from '../../../converters/savedmodel/bundle.js';
import { DT, bundleDataPath, bundleIndexPath } from '../../../converters/savedmodel/facts.js';
import { NO_PYTHON, hasPython, runOracle, withTempDir } from './helpers.js';

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const TF_DTYPE: Record<number, string> = { [DT.FLOAT]: 'float32', [DT.HALF]: 'float16', [DT.INT8]: 'int8', [DT.INT32]: 'int32', [DT.STRING]: 'string' };

/** Enough long keys that the index needs several 256 KiB data blocks; every dtype the exporter writes. */
function sampleTensors(): BundleTensor[] {
  const ts: BundleTensor[] = [];
  for (let i = 0; i < 3000; i++) {
    const v = Float32Array.from({ length: 6 }, (_, j) => Math.sin(i * 7 + j));
    ts.push({ key: `block${String(i).padStart(4, '0')}/${'w'.repeat(80)}/kernel`, dtype: DT.FLOAT, shape: [2, 3], data: new Uint8Array(v.buffer) });
  }
  ts.push(
    { key: 'half', dtype: DT.HALF, shape: [3], data: new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x7bff).buffer) },
    { key: 'int8', dtype: DT.INT8, shape: [2, 2], data: Uint8Array.of(0x80, 0xff, 0, 0x7f) },
    { key: 'int32', dtype: DT.INT32, shape: [2], data: new Uint8Array(Int32Array.of(-5, 1 << 30).buffer) },
    { key: 'scalar', dtype: DT.FLOAT, shape: [], data: new Uint8Array(Float32Array.of(3.5).buffer) },
    { key: 'strings', dtype: DT.STRING, shape: [3], strings: [new Uint8Array(0), enc.encode('abc'), Uint8Array.from({ length: 256 }, (_, i) => i)] },
    { key: 'empty', dtype: DT.FLOAT, shape: [0, 3], data: new Uint8Array(0) },
  );
  return ts;
}

interface Read { read: Record<string, { dtype: string; shape: number[]; data: string | string[] }> }

test('bundles cross both ways with real TensorFlow: TF reads ours, we read (and rewrite byte-identically) TF\'s', async (t) => {
  if (!hasPython) return t.skip(NO_PYTHON);
  await withTempDir(async (dir) => {
    const ours = path.join(dir, 'ours', 'variables');
    const theirs = path.join(dir, 'theirs', 'ckpt');
    const tensors = sampleTensors();
    const b = encodeBundle(tensors);
    await mkdir(path.dirname(ours), { recursive: true });
    await writeFile(bundleIndexPath(ours), b.index);
    await writeFile(bundleDataPath(ours), b.dataChunks);

    const { read } = await runOracle<Read>('tf_checkpoint.py', [ours, theirs]);
    // 1. TF's CheckpointReader (which verifies every CRC) sees exactly our tensors.
    assert.equal(Object.keys(read).length, tensors.length);
    for (const ts of tensors) {
      const r = read[ts.key];
      assert.ok(r, `TF does not see ${ts.key}`);
      assert.equal(r.dtype, TF_DTYPE[ts.dtype]);
      assert.deepEqual(r.shape, ts.shape);
      assert.deepEqual(r.data, 'strings' in ts ? ts.strings.map(hex) : hex(ts.data), ts.key);
    }
    // 2. TF's own SaveV2 output: our reader verifies it; our writer reproduces it byte for byte.
    const tb = await readBundle(theirs);
    assert.equal(tb.entries.length, 3006);
    assert.ok(tb.dataBlocks >= 2, `TF's index has ${tb.dataBlocks} data block(s)`);
    assert.deepEqual([...new Int32Array(tb.bytes('int32').slice().buffer)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual(tb.strings('strings').map(hex), ['', hex(enc.encode('abc')), hex(Uint8Array.from({ length: 256 }, (_, i) => i))]);
    const ordered = [...tb.entries].sort((x, y) => x.offset - y.offset || x.key.localeCompare(y.key));
    const again = encodeBundle(ordered.map((e): BundleTensor => (e.dtype === DT.STRING
      ? { key: e.key, dtype: DT.STRING, shape: e.shape, strings: tb.strings(e.key) }
      : { key: e.key, dtype: e.dtype, shape: e.shape, data: tb.bytes(e.key) })));
    assert.deepEqual(Buffer.from(again.index), await readFile(bundleIndexPath(theirs)));
    assert.deepEqual(Buffer.concat(again.dataChunks), await readFile(bundleDataPath(theirs)));
  });
});
