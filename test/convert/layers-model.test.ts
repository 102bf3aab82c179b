/**
 * `a2m convert` on tfjs **layers** models: small models built and saved with
 * tfjs-layers here (every weight random, so parity can fail), converted to all
 * five formats, each artifact run in its own runtime against `model.predict`
 * in tfjs-node on the same random input. Plus the refusals: unsupported
 * layers all named at once, and weight paths that leave the model folder.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { convertModel } from '../../src/convert/convert.js';
import { loadRuntime } from '../../src/runtimes/index.js';
import { UnsupportedOpsError } from '../../converters/types.js';
import { A2mError } from '../../src/errors.js';
import { mulberry32 } from '../../src/util/prng.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import { assertClose, diffOutputs, fmtDiffs } from '../../fixtures/compare.js';
import { tempDir } from '../../fixtures/temp-dir.js';

// fp32 runtimes vs tfjs-node's fp32 kernels on O(1) values, as elsewhere for imported models.
const ATOL = 1e-4;
const RTOL = 1e-4;
const FORMATS = ['onnx', 'tflite', 'savedmodel', 'coreml', 'tfjs'];
const BATCH = 2;

const tmp = tempDir('layers-model');
after(tmp.cleanup);

/** Every weight drawn from a seeded uniform (variances positive), so a wrong layout or a dropped bias changes the outputs. */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const r = mulberry32(seed);
  model.setWeights(model.weights.map((w) => {
    const positive = /moving_variance/.test(w.originalName);
    // Weight shapes are static (only layer outputs carry a null batch dim).
    const shape = w.shape as number[];
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (positive ? 0.5 + r() : r() * 2 - 1));
    return tf.tensor(data, shape);
  }));
}

function randomInput(shape: number[], seed: number, integersBelow?: number): HostTensor {
  const r = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, () => (integersBelow ? Math.floor(r() * integersBelow) : r() * 2 - 1)) };
}

interface Case {
  name: string;
  build: () => tf.LayersModel;
  /** Per model input: its shape without the batch, and (Embedding) integer values below this bound. */
  inputs: { shape: number[]; integersBelow?: number }[];
  /** IR ops the import must produce (proves the intended decomposition ran). */
  irOps: string[];
}

const CASES: Case[] = [
  {
    name: 'mlp',
    inputs: [{ shape: [10] }],
    irOps: ['Dense', 'Relu', 'Tanh', 'Sigmoid', 'Gelu', 'Softmax'],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.dense({ inputShape: [10], units: 16, activation: 'relu' }));
      m.add(tf.layers.dropout({ rate: 0.5 }));
      m.add(tf.layers.dense({ units: 12, activation: 'tanh' }));
      m.add(tf.layers.dense({ units: 12, activation: 'sigmoid', useBias: false }));
      m.add(tf.layers.dense({ units: 8 }));
      m.add(tf.layers.activation({ activation: 'gelu_new' }));
      m.add(tf.layers.activation({ activation: 'swish' }));
      m.add(tf.layers.dense({ units: 5, activation: 'softmax', name: 'probs' }));
      return m;
    },
  },
  {
    name: 'conv1d',
    inputs: [{ shape: [32, 3] }],
    irOps: ['Conv1D', 'Mul', 'Add', 'ReduceMax', 'Transpose', 'Dense'],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.conv1d({ inputShape: [32, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
      m.add(tf.layers.batchNormalization());
      m.add(tf.layers.conv1d({ filters: 6, kernelSize: 5, strides: 2, padding: 'valid' })); // 32 -> 14
      m.add(tf.layers.averagePooling1d({ poolSize: 2 })); // 14 -> 7
      m.add(tf.layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' })); // 7 -> 4, edge windows smaller
      m.add(tf.layers.maxPooling1d({ poolSize: 2 })); // 4 -> 2
      m.add(tf.layers.globalAveragePooling1d({}));
      m.add(tf.layers.dense({ units: 4, name: 'scores' }));
      return m;
    },
  },
  {
    name: 'conv2d',
    inputs: [{ shape: [16, 12, 3] }],
    irOps: ['Conv2D', 'ReduceMax', 'Reshape', 'Dense'],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [16, 12, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 })); // 8x6
      m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid' })); // 6x4x16
      m.add(tf.layers.separableConv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' })); // 3x2x6
      m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' })); // 3x2x6
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 3, name: 'scores' }));
      return m;
    },
  },
  {
    name: 'functional',
    inputs: [{ shape: [6, 8] }, { shape: [6, 8] }],
    irOps: ['Add', 'LayerNorm', 'Transpose', 'Reshape', 'Concat', 'Mul', 'ReduceMax'],
    build: () => {
      const a = tf.input({ shape: [6, 8], name: 'a' });
      const b = tf.input({ shape: [6, 8], name: 'b' });
      const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
      const d = apply(tf.layers.dense({ units: 8 }), a);
      const sum = apply(tf.layers.add(), [a, d, b]);
      const ln = apply(tf.layers.layerNormalization({ axis: -1 }), sum);
      const permuted = apply(tf.layers.permute({ dims: [2, 1] }), ln); // [8, 6]
      const reshaped = apply(tf.layers.reshape({ targetShape: [6, 8] }), permuted);
      const joined = apply(tf.layers.concatenate({ axis: -1 }), [reshaped, a, sum]); // [6, 24]
      const product = apply(tf.layers.multiply(), [reshaped, b]);
      const head = apply(tf.layers.dense({ units: 4, name: 'head' }), joined);
      const pooled = apply(tf.layers.globalMaxPooling1d({ name: 'pooled' }), product);
      return tf.model({ inputs: [a, b], outputs: [head, pooled] });
    },
  },
  {
    name: 'embedding',
    inputs: [{ shape: [5], integersBelow: 10 }],
    irOps: ['Relu', 'Dense'],
    build: () => {
      const m = tf.sequential();
      m.add(tf.layers.embedding({ inputShape: [5], inputDim: 10, outputDim: 4 }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 3, name: 'scores' }));
      return m;
    },
  },
];

async function saveCase(c: Case, seed: number): Promise<{ dir: string; model: tf.LayersModel }> {
  const model = c.build();
  randomizeWeights(model, seed);
  const dir = path.join(tmp.dir, c.name);
  await model.save(`file://${dir}`);
  return { dir, model };
}

CASES.forEach((c, k) => {
  test(`${c.name}: the layers model converts to every format, and each runtime agrees with model.predict`, async (t) => {
    const { dir, model } = await saveCase(c, 100 + k);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { format: string };
    assert.equal(json.format, 'layers-model');
    const out = path.join(tmp.dir, `${c.name}-out`);
    const progress: string[] = [];
    const m = await convertModel(dir, { formats: FORMATS, precisions: ['fp32'], out, batch: BATCH, onProgress: (s) => progress.push(s) });
    assert.equal(m.source.kind, 'tfjs layers model');
    assert.ok(progress.some((p) => p.startsWith('importing ')), progress.join(' | '));
    assert.equal(m.inputs.length, c.inputs.length);
    assert.deepEqual(m.artifacts.map((a) => a.format).sort(), [...FORMATS].sort());

    // The IR the converters got used the intended ops (the IR graph is what the converters' summaries count).
    const { importTfjsLayersModel } = await import('../../converters/tfjs/layers-import.js');
    const ops = new Set((await importTfjsLayersModel(dir, { batch: BATCH })).nodes.map((n) => n.op));
    for (const op of c.irOps) assert.ok(ops.has(op as never), `${c.name}: expected an IR ${op} (have ${[...ops].join(', ')})`);

    const feeds: Record<string, HostTensor> = {};
    m.inputs.forEach((spec, i) => { feeds[spec.name] = randomInput(spec.shape, 7 + i, c.inputs[i]!.integersBelow); });
    const predicted = model.predict(m.inputs.map((spec) => tf.tensor(feeds[spec.name]!.data, spec.shape)));
    const refList = Array.isArray(predicted) ? predicted : [predicted];
    const ref: Record<string, HostTensor> = {};
    m.outputs.forEach((spec, i) => { ref[spec.name] = { shape: refList[i]!.shape as number[], data: refList[i]!.dataSync() as Float32Array }; });

    const figures: string[] = [];
    for (const entry of m.artifacts) {
      const runtime = await loadRuntime(entry.format);
      const session = await runtime.load(path.join(out, entry.path));
      let got;
      try { got = await session.run(feeds); } finally { await session.dispose(); }
      const diffs = diffOutputs(ref, got, ATOL, RTOL);
      figures.push(`${entry.format} ${fmtDiffs(diffs)}`);
      assertClose(`${c.name} ${entry.format}`, diffs);
    }
    t.diagnostic(figures.join('; '));
  });
});

test('every unsupported layer is named at once (name, class, reason), and nothing is written', async () => {
  const m = tf.sequential();
  m.add(tf.layers.conv1d({ inputShape: [12, 4], filters: 4, kernelSize: 3, dilationRate: 2, name: 'dilated' }));
  m.add(tf.layers.lstm({ units: 6, returnSequences: true, name: 'recurrent' }));
  m.add(tf.layers.dense({ units: 3, activation: 'gelu', name: 'erf_gelu' }));
  m.add(tf.layers.maxPooling1d({ poolSize: 3, strides: 1, name: 'overlapping' }));
  const dir = path.join(tmp.dir, 'unsupported');
  await m.save(`file://${dir}`);
  const out = path.join(tmp.dir, 'unsupported-out');
  await assert.rejects(convertModel(dir, { formats: ['onnx'], precisions: ['fp32'], out }), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOpsError, String(e));
    assert.deepEqual(e.problems.map((p) => `${p.node} ${p.op}`), ['dilated Conv1D', 'recurrent LSTM', 'erf_gelu Dense', 'overlapping MaxPooling1D']);
    const reason = Object.fromEntries(e.problems.map((p) => [p.node, p.reason]));
    assert.match(reason.dilated!, /dilation_rate \[2\]/);
    assert.match(reason.recurrent!, /recurrent layers are not imported.*imported layers: Dense, Conv1D/);
    assert.match(reason.erf_gelu!, /activation "gelu": .*erf/);
    assert.match(reason.overlapping!, /strides \[1\] differ from pool_size \[3\]/);
    for (const p of e.problems) assert.ok(e.message.includes(`${p.node} (${p.op})`));
    return true;
  });
  assert.equal(existsSync(path.join(out, 'model.onnx')), false);
});

test('weight paths that leave the model folder are refused before anything is read', async () => {
  const { dir } = await saveCase(CASES[0]!, 1);
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const out = path.join(tmp.dir, 'escape-out');
  const opts = { formats: ['onnx'], precisions: ['fp32' as const], out };
  const variant = (name: string, paths: string[], extra?: (d: string) => void): string => {
    const d = path.join(tmp.dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'model.json'), JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths }] }));
    extra?.(d);
    return d;
  };
  // `..` in a declared path.
  await assert.rejects(convertModel(variant('dotdot', ['../mlp/weights.bin']), opts),
    (e: unknown) => e instanceof A2mError && /weightsManifest\[0\] has shard path "\.\.\/mlp\/weights\.bin", expected a file name beside model.json/.test(e.message));
  // An absolute path.
  await assert.rejects(convertModel(variant('absolute', [path.join(dir, 'weights.bin')]), opts),
    (e: unknown) => e instanceof A2mError && /weightsManifest\[0\] has shard path/.test(e.message));
  // A link inside the folder that points outside it.
  await assert.rejects(convertModel(variant('link', ['weights.bin'], (d) => symlinkSync(path.join(dir, 'weights.bin'), path.join(d, 'weights.bin'))), opts),
    (e: unknown) => e instanceof A2mError && /weights\.bin/.test(e.message) && /outside|leaves/.test(e.message));
  // A declared size the shards do not hold: refused before any weight is allocated.
  const big = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { shape: number[] }[] }[] };
  big.weightsManifest[0]!.weights[0]!.shape = [1_000_000_000, 10];
  const sized = path.join(tmp.dir, 'oversized');
  mkdirSync(sized);
  writeFileSync(path.join(sized, 'model.json'), JSON.stringify(big));
  writeFileSync(path.join(sized, 'weights.bin'), readFileSync(path.join(dir, 'weights.bin')));
  await assert.rejects(convertModel(sized, opts), (e: unknown) => e instanceof A2mError && /the manifest describes \d+ bytes of weights, the shards hold \d+/.test(e.message));
  assert.equal(existsSync(out) && readdirSync(out).length > 0, false, 'nothing written');
});

/** Runs every format's artifact of `out` on `feeds` against `ref`; returns the per-format figures. */
async function runAll(out: string, artifacts: { format: string; path: string }[], feeds: Record<string, HostTensor>, ref: Record<string, HostTensor>, label: string): Promise<string[]> {
  const figures: string[] = [];
  for (const entry of artifacts) {
    const session = await (await loadRuntime(entry.format)).load(path.join(out, entry.path));
    let got;
    try { got = await session.run(feeds); } finally { await session.dispose(); }
    const diffs = diffOutputs(ref, got, ATOL, RTOL);
    figures.push(`${entry.format} ${fmtDiffs(diffs)}`);
    assertClose(`${label} ${entry.format}`, diffs);
  }
  return figures;
}

const hostOf = (x: tf.Tensor): HostTensor => ({ shape: x.shape as number[], data: x.dataSync() as Float32Array });

test('Keras layers tfjs-layers cannot build (SeparableConv1D, Subtract), crafted from their tfjs-layers equivalents, convert with parity', async (t) => {
  // SeparableConv1D on [B, L, C] is SeparableConv2D with a [1, K] kernel on [B, 1, L, C]: same weight bytes, shapes without the 1s.
  const L = 20, C = 3;
  const sep = tf.sequential();
  sep.add(tf.layers.separableConv2d({ inputShape: [1, L, C], filters: 5, kernelSize: [1, 3], strides: [1, 2], padding: 'same', depthMultiplier: 2, activation: 'relu', name: 'sep' }));
  randomizeWeights(sep, 31);
  const sepDir = path.join(tmp.dir, 'separable1d');
  await sep.save(`file://${sepDir}`);
  const sepJson = JSON.parse(readFileSync(path.join(sepDir, 'model.json'), 'utf8'));
  const layer = sepJson.modelTopology.config.layers[0];
  Object.assign(layer, { class_name: 'SeparableConv1D' });
  Object.assign(layer.config, { kernel_size: [3], strides: [2], dilation_rate: [1], batch_input_shape: [null, L, C] });
  for (const w of sepJson.weightsManifest[0].weights) if (w.shape.length === 4) w.shape = w.shape.slice(1);
  writeFileSync(path.join(sepDir, 'model.json'), JSON.stringify(sepJson));
  const x = randomInput([BATCH, L, C], 41);
  const sepRef = hostOf((sep.predict(tf.tensor(x.data, [BATCH, 1, L, C])) as tf.Tensor).squeeze([1]));
  const sepOut = path.join(tmp.dir, 'separable1d-out');
  const m1 = await convertModel(sepDir, { formats: FORMATS, precisions: ['fp32'], out: sepOut, batch: BATCH });
  const f1 = await runAll(sepOut, m1.artifacts, { [m1.inputs[0]!.name]: x }, { [m1.outputs[0]!.name]: sepRef }, 'SeparableConv1D');

  // Subtract: a saved Add model relabelled; the reference applies the same Dense layer to a - b.
  const a = tf.input({ shape: [4, 6], name: 'a' }), b = tf.input({ shape: [4, 6], name: 'b' });
  const dense = tf.layers.dense({ units: 3, name: 'head' });
  const merged = tf.layers.add({ name: 'difference' }).apply([a, b]) as tf.SymbolicTensor;
  const subModel = tf.model({ inputs: [a, b], outputs: dense.apply(merged) as tf.SymbolicTensor });
  randomizeWeights(subModel, 32);
  const subDir = path.join(tmp.dir, 'subtract');
  await subModel.save(`file://${subDir}`);
  const subJson = JSON.parse(readFileSync(path.join(subDir, 'model.json'), 'utf8'));
  for (const l of subJson.modelTopology.config.layers) if (l.class_name === 'Add') l.class_name = 'Subtract';
  writeFileSync(path.join(subDir, 'model.json'), JSON.stringify(subJson));
  const fa = randomInput([BATCH, 4, 6], 51), fb = randomInput([BATCH, 4, 6], 52);
  const subRef = hostOf(dense.apply(tf.sub(tf.tensor(fa.data, fa.shape), tf.tensor(fb.data, fb.shape))) as tf.Tensor);
  const subOut = path.join(tmp.dir, 'subtract-out');
  const m2 = await convertModel(subDir, { formats: FORMATS, precisions: ['fp32'], out: subOut, batch: BATCH });
  const f2 = await runAll(subOut, m2.artifacts, { a: fa, b: fb }, { [m2.outputs[0]!.name]: subRef }, 'Subtract');
  t.diagnostic(`SeparableConv1D: ${f1.join('; ')} | Subtract: ${f2.join('; ')}`);
});
