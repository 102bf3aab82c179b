/**
 * The importer: tfjs graph model -> IR. Round trips of our exports, a
 * hand-built graph of the TF ops external converters write (judged against
 * tfjs-node running the same files), and Basic Pitch's unsupported ops.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { evaluateGraph } from '../../../src/ir/evaluate.js';
import { projectRoot } from '../../../src/util/paths.js';
import tfjsRuntime from '../../../src/runtimes/tfjs-graph.js';
import { importTfjsGraphModel } from '../../../converters/tfjs/import.js';
import { assertParity, exportTfjs, tempDir } from './helpers.js';
import { OP_GRAPH_OUTPUTS, writeOpGraph } from './op-graph.js';
import { mulberry32 } from '../../../src/util/prng.js';

// The IR evaluator (float64 accumulation, LayerNorm/GELU rebuilt from Mean/Rsqrt/Tanh
// decompositions) vs tfjs float32 kernels: measured 4.5e-6 (tiny-logspec logits).
const IMPORT_ATOL = 1e-4;
const IMPORT_RTOL = 1e-4;

const tmp = tempDir('import');
after(tmp.cleanup);
const x = testInput();

for (const preset of ['tiny', 'small']) {
  test(`round trip: ${preset} -> tfjs graph model -> IR evaluates equal to model.predict`, async (t) => {
    const m = await randomizedModel(preset);
    const ref = await m.predict(x);
    const original = await m.graph(1);
    m.dispose();
    const dir = await exportTfjs(original, path.join(tmp.dir, preset));
    const t0 = performance.now();
    const g = await importTfjsGraphModel(dir);
    const importMs = performance.now() - t0;
    assert.deepEqual(g.inputs, original.inputs);
    assert.deepEqual(g.outputs.map((o) => o.name), original.outputs.map((o) => o.name));
    assert.equal(g.metadata.preset, preset);
    const count = (op: string, gg = g) => gg.nodes.filter((n) => n.op === op).length;
    // ExpandDims/Conv2D/Squeeze folds back into one Conv1D; each matmul weight is one Dense.
    assert.equal(count('Conv1D'), count('Conv1D', original));
    assert.equal(count('BatchMatMul'), count('BatchMatMul', original));
    const errs = assertParity(`${preset} imported`, ref, evaluateGraph(g, { samples: x }), IMPORT_ATOL, IMPORT_RTOL);
    t.diagnostic(`${preset}: import ${importMs.toFixed(0)} ms, ${g.nodes.length} IR nodes (original ${original.nodes.length}), max abs error ${JSON.stringify(errs)}`);
  });
}

test('TF ops beyond our writer import to IR that equals tfjs-node on the same files', async () => {
  const dir = path.join(tmp.dir, 'op-graph');
  writeOpGraph(dir);
  const batch = 2;
  const r = mulberry32(5);
  const input = { shape: [batch, 1, 12, 4], data: Float32Array.from({ length: batch * 48 }, () => r() * 2 - 1) };
  const session = await tfjsRuntime.load(dir);
  const ref = await session.run({ x: input });
  await session.dispose();
  const g = await importTfjsGraphModel(dir, { batch });
  assert.deepEqual(g.inputs, [{ name: 'x', shape: [batch, 1, 12, 4] }]);
  assert.deepEqual(Object.keys(ref).sort(), [...OP_GRAPH_OUTPUTS]);
  assertParity('op graph', ref, evaluateGraph(g, { x: input }), IMPORT_ATOL, IMPORT_RTOL);
});

// Basic Pitch's 18 nodes the IR once lacked (MirrorPad x9, Min, Max, DivNoNan, 2-D _FusedConv2D x6) now map
// to IR ops; parity with tfjs and the official files is in test/convert/basic-pitch.test.ts, the all-at-once
// report of unsupported nodes in test/convert/convert.test.ts.
test('Basic Pitch imports completely: reflect Pads, ReduceMin/Max, DivNoNan, 2-D convs with fused Relu', async () => {
  const g = await importTfjsGraphModel(path.join(projectRoot, 'node_modules/@spotify/basic-pitch/model'));
  const count = (pred: (n: (typeof g.nodes)[number]) => boolean) => g.nodes.filter(pred).length;
  assert.equal(count((n) => n.op === 'Pad' && (n.attrs as { mode: string }).mode === 'reflect'), 9);
  assert.deepEqual(['ReduceMin', 'ReduceMax', 'DivNoNan', 'Conv2D', 'Relu'].map((op) => count((n) => n.op === op)), [1, 1, 1, 6, 3]);
  assert.deepEqual(g.outputs.map((o) => `${o.name} [${g.shapes.get(o.value)}]`), ['contour [1,172,264]', 'Identity_1:0 [1,172,88]', 'Identity_2:0 [1,172,88]']);
});
