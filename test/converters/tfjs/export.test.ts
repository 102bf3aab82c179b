/**
 * tfjs graph-model export judged by tfjs itself: tf.loadGraphModel on
 * tfjs-node (the Runtime) against the canonical model.predict outputs.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomizedModel, testInput } from '../../helpers/models.js';
import tfjsRuntime from '../../../src/runtimes/tfjs-graph.js';
import { buildGraphModel, QUANTIZE_MIN_ELEMENTS } from '../../../converters/tfjs/writer.js';
import { SHARD_BYTES, type GraphModelJson } from '../../../converters/tfjs/format.js';
import { UnsupportedOpsError } from '../../../converters/types.js';
import { addConstant, addInput, addNode, emptyGraph, type IrGraph } from '../../../src/ir/graph.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import { assertParity, exportTfjs, tempDir } from './helpers.js';

// fp32: the same float32 kernels as the canonical model (measured max error 0 on tfjs-node).
const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;
// fp16 weights (compute stays fp32): rounding each weight by up to 2^-11 relative; measured 4e-4 (tiny), 1.8e-3 (small) on logits.
const FP16_ATOL = 1e-2;
const FP16_RTOL = 1e-2;
// uint8 affine weights: 256 levels per tensor; measured 1.1e-2 (tiny) logits. Loose by nature: proves it loads and runs sanely.
const INT8_ATOL = 0.1;
const INT8_RTOL = 0.1;

const tmp = tempDir('export');
after(tmp.cleanup);
const x = testInput();

/** One randomized model per preset for the whole file (building small costs ~2 s). */
const prepared = new Map<string, Promise<{ ref: Record<string, HostTensor>; g: IrGraph }>>();
function prepare(preset: string) {
  if (!prepared.has(preset)) prepared.set(preset, (async () => {
    const m = await randomizedModel(preset);
    const ref = await m.predict(x);
    const g = await m.graph(1);
    m.dispose();
    return { ref, g };
  })());
  return prepared.get(preset)!;
}

function readJson(dir: string): GraphModelJson {
  return JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as GraphModelJson;
}

for (const preset of ['tiny', 'tiny-logspec', 'small']) {
  test(`fp32 export of ${preset} runs in tf.loadGraphModel (tfjs-node) and equals model.predict`, async (t) => {
    const { ref, g } = await prepare(preset);
    const t0 = performance.now();
    const dir = await exportTfjs(g, tmp.dir);
    const exportMs = performance.now() - t0;

    const json = readJson(dir);
    assert.equal(json.format, 'graph-model');
    assert.deepEqual(Object.keys(json.signature!.inputs!), ['samples']);
    assert.deepEqual(Object.keys(json.signature!.outputs!).sort(), Object.keys(ref).sort());
    assert.equal(json.userDefinedMetadata!.preset, preset);
    const shards = json.weightsManifest[0]!.paths;
    assert.deepEqual(readdirSync(dir).sort(), ['model.json', ...shards].sort());
    shards.forEach((s, i) => assert.equal(s, `group1-shard${i + 1}of${shards.length}.bin`));
    for (const s of shards) assert.ok(statSync(path.join(dir, s)).size <= SHARD_BYTES, `${s} exceeds 4 MiB`);

    const session = await tfjsRuntime.load(dir);
    const got = await session.run({ samples: x });
    await session.dispose();
    const errs = assertParity(`${preset} fp32`, ref, got, FP32_ATOL, FP32_RTOL);
    const bytes = shards.reduce((n, s) => n + statSync(path.join(dir, s)).size, 0);
    t.diagnostic(`${preset}: export ${exportMs.toFixed(0)} ms, ${bytes} weight bytes in ${shards.length} shard(s), max abs error ${JSON.stringify(errs)}`);
  });
}

test('the graph after the shared IR passes (as a2m export runs them) exports with the same parity (tiny)', async () => {
  const { ref, g } = await prepare('tiny');
  const { runPasses } = await import('../../../src/ir/passes.js');
  const dir = await exportTfjs(runPasses(structuredClone(g)), path.join(tmp.dir, 'passes'));
  const session = await tfjsRuntime.load(dir);
  assertParity('tiny after passes', ref, await session.run({ samples: x }), FP32_ATOL, FP32_RTOL);
  await session.dispose();
});

test('fp16 and int8 exports store quantized weights, load and run close to fp32 (tiny)', async (t) => {
  const { ref, g } = await prepare('tiny');
  for (const [precision, atol, rtol] of [['fp16', FP16_ATOL, FP16_RTOL], ['int8', INT8_ATOL, INT8_RTOL]] as const) {
    const dir = await exportTfjs(g, tmp.dir, precision);
    const specs = readJson(dir).weightsManifest[0]!.weights;
    const big = specs.filter((s) => s.dtype === 'float32' && s.shape.reduce((a, b) => a * b, 1) >= QUANTIZE_MIN_ELEMENTS);
    assert.ok(big.length > 0);
    if (precision === 'fp16') for (const s of big) assert.deepEqual(s.quantization, { dtype: 'float16' }, s.name);
    else assert.ok(big.some((s) => s.quantization?.dtype === 'uint8'), 'no uint8 weight');
    for (const s of specs) if (s.dtype === 'int32') assert.equal(s.quantization, undefined, `${s.name}: int32 stays exact`);
    const session = await tfjsRuntime.load(dir);
    const errs = assertParity(`tiny ${precision}`, ref, await session.run({ samples: x }), atol, rtol);
    await session.dispose();
    t.diagnostic(`tiny ${precision}: max abs error ${JSON.stringify(errs)}`);
  }
});

test('fp16 halves the weight bytes of small', async () => {
  const { g } = await prepare('small');
  const size = (p: 'fp32' | 'fp16') => buildGraphModel(g, { precision: p }).shards.reduce((n, s) => n + s.bytes.length, 0);
  const ratio = size('fp16') / size('fp32');
  assert.ok(ratio > 0.5 && ratio < 0.52, `fp16/fp32 bytes ${ratio}`);
});

test('weights span shards: a tiny shard size still loads exactly', async () => {
  const { ref, g } = await prepare('tiny');
  const built = buildGraphModel(g, { precision: 'fp32', shardBytes: 1000 });
  assert.ok(built.shards.length > 10);
  assert.ok(built.shards.every((s) => s.bytes.length <= 1000));
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const dir = path.join(tmp.dir, 'small-shards');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(built.json));
  for (const s of built.shards) writeFileSync(path.join(dir, s.name), s.bytes);
  const session = await tfjsRuntime.load(dir);
  assertParity('tiny 1000-byte shards', ref, await session.run({ samples: x }), FP32_ATOL, FP32_RTOL);
  await session.dispose();
});

test('the same graph gives byte-identical files', async () => {
  const { g } = await prepare('tiny');
  const a = buildGraphModel(g, { precision: 'fp16' }), b = buildGraphModel(g, { precision: 'fp16' });
  assert.equal(JSON.stringify(a.json), JSON.stringify(b.json));
  assert.deepEqual(a.shards, b.shards);
});

test('every unsupported node is reported at once, and nothing is written', async () => {
  const g = emptyGraph();
  addInput(g, 'samples', [1, 16, 8]);
  addConstant(g, 'w', { shape: [3, 4, 8], data: new Float32Array(96) });
  addNode(g, 'grouped_a', 'Conv1D', ['samples', 'w'], { stride: 1, padBegin: 1, padEnd: 1, groups: 2 });
  addNode(g, 'grouped_b', 'Conv1D', ['grouped_a', 'w'], { stride: 1, padBegin: 1, padEnd: 1, groups: 2 });
  g.outputs.push({ name: 'logits', value: 'grouped_b' });
  const out = path.join(tmp.dir, 'unsupported');
  await assert.rejects(exportTfjs(g, out), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOpsError);
    assert.deepEqual(e.problems.map((p) => p.node), ['grouped_a', 'grouped_b']);
    assert.match(e.message, /grouped_a \(Conv1D\) -> tfjs: grouped conv/);
    return true;
  });
  assert.throws(() => statSync(path.join(out, 'model_fp32')));
});
