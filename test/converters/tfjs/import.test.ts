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
import { UnsupportedOpsError } from '../../../converters/types.js';
import { assertParity, exportTfjs, rng, tempDir } from './helpers.js';
import { OP_GRAPH_OUTPUTS, writeOpGraph } from './op-graph.js';

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
  const r = rng(5);
  const input = { shape: [batch, 1, 12, 4], data: Float32Array.from({ length: batch * 48 }, () => r() * 2 - 1) };
  const session = await tfjsRuntime.load(dir);
  const ref = await session.run({ x: input });
  await session.dispose();
  const g = await importTfjsGraphModel(dir, { batch });
  assert.deepEqual(g.inputs, [{ name: 'x', shape: [batch, 1, 12, 4] }]);
  assert.deepEqual(Object.keys(ref).sort(), [...OP_GRAPH_OUTPUTS]);
  assertParity('op graph', ref, evaluateGraph(g, { x: input }), IMPORT_ATOL, IMPORT_RTOL);
});

// Every node of Basic Pitch's model.json the IR cannot express (see converters/tfjs/README.md).
const BASIC_PITCH_GAPS = [
  ...Array.from({ length: 9 }, (_, i) => [`cq_t2010v2_1/reflection_pad1d/MirrorPad${i ? `_${i}` : ''}`, 'MirrorPad']),
  ['normalized_log_1/Min', 'Min'],
  ['normalized_log_1/Max', 'Max'],
  ['normalized_log_1/div_no_nan', 'DivNoNan'],
  ['re_lu_1/Relu', '_FusedConv2D'],
  ['contours-reduced/BiasAdd', '_FusedConv2D'],
  ['re_lu_2/Relu', '_FusedConv2D'],
  ['conv2d_3/BiasAdd', '_FusedConv2D'],
  ['re_lu_3/Relu', '_FusedConv2D'],
  ['conv2d_5/BiasAdd', '_FusedConv2D'],
].map(([node, op]) => `StatefulPartitionedCall/model_1/${node} ${op}`).sort();

test("Basic Pitch: every op the IR cannot express is listed with its node, all at once", async () => {
  const bp = path.join(projectRoot, 'node_modules/@spotify/basic-pitch/model');
  await assert.rejects(importTfjsGraphModel(bp), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOpsError, String(e));
    assert.deepEqual(e.problems.map((p) => `${p.node} ${p.op}`).sort(), BASIC_PITCH_GAPS);
    const byNode = new Map(e.problems.map((p) => [p.node.split('/').slice(2).join('/'), p.reason]));
    assert.match(byNode.get('re_lu_1/Relu')!, /fused Relu.*2-D kernel 3x39/);
    assert.match(byNode.get('conv2d_5/BiasAdd')!, /^2-D kernel 3x3/);
    assert.match(byNode.get('normalized_log_1/div_no_nan')!, /DivNoNan/);
    for (const p of e.problems) assert.ok(e.message.includes(p.node), `message lacks ${p.node}`);
    return true;
  });
});
