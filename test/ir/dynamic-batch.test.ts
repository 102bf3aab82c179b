/**
 * makeBatchDynamic: the batch-scaled attrs of a model's graph become -1, the
 * graph evaluates at any batch to the batch-1 rows, and a difference it cannot
 * explain by the batch is refused, naming the node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBatchDynamic } from '../../src/ir/dynamic-batch.js';
import { evaluateGraph } from '../../src/ir/evaluate.js';
import { cloneGraph, runPasses } from '../../src/ir/passes.js';
import { validateGraph } from '../../src/ir/graph.js';
import { graphHash } from '../../src/ir/graph-hash.js';
import type { ReshapeAttrs, SliceAttrs } from '../../src/ir/ops.js';
import { randomizedModel, testInput } from '../helpers/models.js';

/** Float32 evaluation of the same rows alone vs in a batch: kernels may sum in another order. */
const ROW_TOLERANCE = 1e-5;

test('the tiny-logspec graph: batch-led Reshape/Slice attrs become -1, and batch 3 evaluates to the batch-1 rows', async () => {
  const model = await randomizedModel('tiny-logspec');
  try {
    const g1 = await model.graph(1), g2 = await model.graph(2);
    const d = makeBatchDynamic(g1, g2);
    assert.equal(d.dynamicBatch, true);
    validateGraph(d);
    // Exactly the nodes whose attrs differ between batches changed, each to -1 in one dim.
    let changed = 0;
    d.nodes.forEach((n, i) => {
      if (JSON.stringify(n.attrs) === JSON.stringify(g1.nodes[i]!.attrs)) return;
      changed++;
      if (n.op === 'Reshape') assert.equal((n.attrs as ReshapeAttrs).shape.filter((x) => x === -1).length, 1, n.name);
      else assert.equal((n.attrs as SliceAttrs).size[0], -1, n.name);
    });
    assert.ok(changed > 0, 'some attrs depend on the batch');
    assert.equal(d.nodes.filter((n, i) => JSON.stringify(n.attrs) !== JSON.stringify(g2.nodes[i]!.attrs)).length, changed);
    assert.notEqual(graphHash(d), graphHash(g1), 'the export cache tells dynamic from static');
    assert.equal(cloneGraph(d).dynamicBatch, true);

    const passed = runPasses(d);
    assert.equal(passed.dynamicBatch, true, 'the IR passes keep the flag');
    const batch = testInput(3, 3);
    const out = evaluateGraph(passed, { samples: batch });
    const per = 2 * 80000;
    for (let b = 0; b < 3; b++) {
      const one = evaluateGraph(runPasses(g1), { samples: { shape: [1, 2, 80000], data: batch.data.slice(b * per, (b + 1) * per) } });
      for (const o of passed.outputs) {
        const got = out[o.name]!, ref = one[o.name]!;
        assert.deepEqual(got.shape, [3, ...ref.shape.slice(1)]);
        const n = ref.data.length;
        let max = 0;
        for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(got.data[b * n + i]! - ref.data[i]!));
        assert.ok(max <= ROW_TOLERANCE, `${o.name} row ${b}: max abs ${max}`);
      }
    }
  } finally {
    model.dispose();
  }
});

test('a difference the batch does not explain is refused, naming the node', async () => {
  const model = await randomizedModel('tiny');
  try {
    const g1 = await model.graph(1), g2 = await model.graph(2);
    const i = g2.nodes.findIndex((n) => n.op === 'Reshape');
    const bad = cloneGraph(g2);
    const shape = [...(bad.nodes[i]!.attrs as ReshapeAttrs).shape];
    shape[shape.length - 1] = shape.at(-1)! + 1; // a non-batch dim that differs
    (bad.nodes[i]!.attrs as ReshapeAttrs).shape = shape;
    assert.throws(() => makeBatchDynamic(g1, bad), new RegExp(`node ${bad.nodes[i]!.name} \\(Reshape\\)`));
    assert.throws(() => makeBatchDynamic(g1, g1), /different batches/);
  } finally {
    model.dispose();
  }
});

test('IR Reshape takes one -1 and refuses two or a count that does not divide', () => {
  const g = { shape: [6, 4], data: new Float32Array(24) };
  const run = (shape: number[]) => evaluateGraph({ inputs: [{ name: 'x', shape: [6, 4] }], outputs: [{ name: 'y', value: 'y' }], nodes: [{ name: 'y', op: 'Reshape', inputs: ['x'], output: 'y', attrs: { shape } }], constants: new Map(), shapes: new Map([['x', [6, 4]], ['y', [6, 4]]]), metadata: {} }, { x: g });
  assert.deepEqual(run([-1, 8]).y!.shape, [3, 8]);
  assert.throws(() => run([-1, -1]), /at most one -1/);
  assert.throws(() => run([-1, 5]), /element count/);
});
