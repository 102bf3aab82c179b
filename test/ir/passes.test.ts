import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addConstant, addInput, addNode, emptyGraph } from '../../src/ir/graph.js';
import { runPasses } from '../../src/ir/passes.js';
import { evaluateGraph } from '../../src/ir/evaluate.js';
import { randomizedModel, testInput } from '../helpers/models.js';

const vec = (n: number, f: (i: number) => number) => ({ shape: [n], data: Float32Array.from({ length: n }, (_, i) => f(i)) });

test('passes fold constants, fuse dense+bias, drop dead values, and keep outputs equal', () => {
  const g = emptyGraph();
  addInput(g, 'x', [2, 3]);
  addConstant(g, 'w', { shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5) });
  addConstant(g, 'b1', vec(4, (i) => i));
  addConstant(g, 'b2', vec(4, (i) => -i / 2));
  addNode(g, 'bias', 'Add', ['b1', 'b2'], {}); // constant subgraph -> folded
  addNode(g, 'mm', 'Dense', ['x', 'w'], {});
  addNode(g, 'y', 'Add', ['mm', 'bias'], {}); // dense + constant bias -> fused
  addNode(g, 'unused', 'Sigmoid', ['x'], {}); // dead
  g.outputs.push({ name: 'y', value: 'y' });
  const x = { shape: [2, 3], data: Float32Array.from([1, 2, 3, -1, 0.5, 2]) };
  const before = evaluateGraph(g, { x }).y!;
  const p = runPasses(g);
  assert.deepEqual(p.nodes.map((n) => n.op), ['Dense']);
  assert.equal(p.nodes[0]!.inputs.length, 3);
  assert.ok(!p.constants.has('b1') && p.constants.has('bias'));
  // Fusing moves the bias add before the accumulation: equal up to float32 rounding.
  evaluateGraph(p, { x }).y!.data.forEach((v, i) => assert.ok(Math.abs(v - before.data[i]!) < 1e-6, `y[${i}]`));
  assert.equal(g.nodes.length, 4, 'the input graph is left untouched');
});

test('passes keep the tiny model outputs', async () => {
  const m = await randomizedModel('tiny', 2);
  const g = await m.graph(1);
  const x = testInput(2);
  const a = evaluateGraph(g, { samples: x }), b = evaluateGraph(runPasses(g), { samples: x });
  for (const k of Object.keys(a)) assert.deepEqual(b[k]!.data, a[k]!.data, k);
  m.dispose();
});
