/** The ONNX reader: the official Basic Pitch file, our own exports, and corrupted files (seeded fuzz). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readOnnx, readOnnxBytes } from '../../../converters/onnx/read.js';
import { buildOnnx } from '../../../converters/onnx/write.js';
import { concatChunks } from '../../../converters/onnx/serialize.js';
import { A2mError } from '../../../src/errors.js';
import { hasReference, referenceDir } from '../../../src/util/paths.js';
import { mulberry32 } from '../../../src/util/prng.js';
import onnxRuntime from '../../../src/runtimes/onnxruntime.js';
import { chainGraph } from './op-graphs.js';

const NMP = path.join(referenceDir, 'basic-pitch', 'nmp.onnx');
const FUZZ_CASES_PER_SOURCE = 120;
/** A corrupted file must be rejected (or summarized) quickly: no hangs, no pathological allocations. */
const FUZZ_CASE_TIME_LIMIT_MS = 2000;

const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-onnx-read-'));
after(() => rm(dir, { recursive: true, force: true }));
// Plain Uint8Array copies: Buffer#slice would return views, and the mutations below would pile up on the source.
const chainBytes = new Uint8Array(concatChunks(buildOnnx(chainGraph().graph, { precision: 'int8' }).model));

test('reads the official Basic Pitch nmp.onnx (tf2onnx, opset 15)', async (t) => {
  if (!hasReference) return t.skip('skipped: ../shared/reference not present');
  const s = await readOnnx(NMP);
  assert.equal(s.irVersion, 8);
  assert.equal(s.producer.name, 'tf2onnx');
  assert.deepEqual(s.opsets, [{ domain: '', version: 15 }, { domain: 'ai.onnx.ml', version: 2 }]);
  assert.deepEqual(s.inputs, [{ name: 'serving_default_input_2:0', elemType: 'float', shape: ['unk__749', 43844, 1] }]);
  assert.deepEqual(s.outputs.map((o) => [o.name, o.shape.slice(1)]), [
    ['StatefulPartitionedCall:2', [172, 88]], ['StatefulPartitionedCall:1', [172, 88]], ['StatefulPartitionedCall:0', [172, 264]],
  ]);
  assert.equal(s.nodeCount, 248);
  assert.equal(s.opTypes.Conv, 32);
  assert.equal(s.opTypes.Reshape, 67);
  assert.deepEqual(s.initializers, { count: 102, bytes: 145332, external: 0, byType: { int64: 77, float: 24, int32: 1 } });
});

test('reads our export back: I/O, op counts, int8 initializers, metadata', () => {
  const s = readOnnxBytes(chainBytes, 'chain.onnx');
  assert.deepEqual(s.inputs, [{ name: 'samples', elemType: 'float', shape: [1, 2, 64] }]);
  assert.deepEqual(s.outputs.map((o) => o.name), ['logits', 'probs', 'features']);
  assert.equal(s.opTypes.DequantizeLinear, 1);
  assert.equal(s.initializers.byType.int8, 1);
  assert.equal(s.metadata.precision, 'int8');
  assert.equal(s.metadata.preset, 'chain');
});

test('specific corruptions end in one-line errors naming the file', async () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /empty file/],
    ['truncated', chainBytes.subarray(0, Math.floor(chainBytes.length * 0.6)), /not a valid ONNX model|needs \d+ bytes|never produced|reads /],
    ['tflite magic', Uint8Array.from([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33, ...chainBytes.subarray(8)]), /not a valid ONNX model|not an ONNX model/],
    ['text', new TextEncoder().encode('{"format": "graph-model"}'), /not a valid ONNX model|not an ONNX model/],
  ];
  for (const [name, bytes, re] of cases) {
    const file = path.join(dir, `${name}.onnx`);
    await writeFile(file, bytes);
    await assert.rejects(readOnnx(file), (e: Error) => {
      assert.ok(e instanceof A2mError, `${name}: ${e}`);
      assert.match(e.message, re, name);
      assert.ok(e.message.startsWith(file) && !e.message.includes('\n'), `${name}: ${e.message}`);
      return true;
    });
  }
  await assert.rejects(readOnnx(path.join(dir, 'missing.onnx')), /cannot read ONNX model \(ENOENT\)/);
  // ONNX Runtime refuses them cleanly too (an A2mError, not a crash).
  await assert.rejects(onnxRuntime.load(path.join(dir, 'truncated.onnx')), /ONNX Runtime could not load the model/);
});

type Mutation = (b: Uint8Array, r: () => number) => Uint8Array;
const MUTATIONS: Record<string, Mutation> = {
  truncate: (b, r) => b.slice(0, Math.floor(r() * b.length)),
  bitflip: (b, r) => { const c = b.slice(); for (let k = 1 + Math.floor(r() * 8); k > 0; k--) c[Math.floor(r() * c.length)]! ^= 1 << Math.floor(r() * 8); return c; },
  magic: (b, r) => { const c = b.slice(); for (let i = 0; i < 4; i++) c[i] = Math.floor(r() * 256); return c; },
  zeroRange: (b, r) => { const c = b.slice(); const s = Math.floor(r() * c.length); c.fill(0, s, s + 1 + Math.floor(r() * 64)); return c; },
  garbage: (_b, r) => Uint8Array.from({ length: 1 + Math.floor(r() * 512) }, () => Math.floor(r() * 256)),
};

test('seeded fuzz: corrupted models give an A2mError or a summary, never a crash or a hang', async (t) => {
  const sources: [string, Uint8Array][] = [['chain.onnx', chainBytes]];
  if (hasReference) sources.push(['nmp.onnx', new Uint8Array(await readFile(NMP))]);
  const rnd = mulberry32(20240601);
  const kinds = Object.keys(MUTATIONS);
  let errors = 0, summaries = 0, slowest = 0;
  for (const [label, bytes] of sources) {
    for (let i = 0; i < FUZZ_CASES_PER_SOURCE; i++) {
      const kind = kinds[i % kinds.length]!;
      const mutated = MUTATIONS[kind]!(bytes, rnd);
      const t0 = performance.now();
      try {
        const s = readOnnxBytes(mutated, label);
        assert.ok(s.irVersion >= 1 && s.opsets.length > 0);
        summaries++;
      } catch (e) {
        if (!(e instanceof A2mError)) assert.fail(`${label} case ${i} (${kind}): ${(e as Error)?.stack ?? e}`);
        assert.ok(e.message.startsWith(`${label}: `) && !e.message.includes('\n'), `${label} case ${i} (${kind}): ${e.message}`);
        errors++;
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      assert.ok(ms < FUZZ_CASE_TIME_LIMIT_MS, `${label} case ${i} (${kind}) took ${ms.toFixed(0)} ms`);
    }
  }
  t.diagnostic(`${errors} rejected, ${summaries} still summarized (flips inside weights or names), slowest ${slowest.toFixed(1)} ms`);
  assert.ok(errors > summaries, 'most corruptions must be detected');
});

test('the ONNX Runtime wrapper runs the official nmp.onnx under its own input and output names', async (t) => {
  if (!hasReference) return t.skip('skipped: ../shared/reference not present');
  const session = await onnxRuntime.load(NMP);
  try {
    const n = 43844, data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / 22050);
    const out = await session.run({ 'serving_default_input_2:0': { shape: [1, n, 1], data } });
    assert.deepEqual(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.shape])), {
      'StatefulPartitionedCall:0': [1, 172, 264], 'StatefulPartitionedCall:1': [1, 172, 88], 'StatefulPartitionedCall:2': [1, 172, 88],
    });
    for (const v of Object.values(out)) assert.ok(v.data.every(Number.isFinite));
  } finally {
    await session.dispose();
  }
});
