/**
 * Op matrix beyond what the presets use: grouped and depthwise-multiplier convs,
 * asymmetric padding and stride, Sub/Div/Sqrt/Log/Tanh/Concat, BatchMatMul without
 * transpose, a Dense on rank 2. Judged by TensorFlow against the IR evaluator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { addConstant, addInput, addNode, emptyGraph } from '../../../src/ir/graph.js';
import { evaluateGraph } from '../../../src/ir/evaluate.js';
import { hostTensor } from '../../../src/ir/tensor.js';
import savedModel from '../../../converters/savedmodel/index.js';
import { EMITTERS } from '../../../converters/savedmodel/emitters.js';
import runtime from '../../../src/runtimes/tf-savedmodel.js';
import { OP_NAMES } from '../../../src/ir/ops.js';
import { IMAGE_OPS } from '../../convert/image-op-graph.js';
import { withTempDir } from './helpers.js';
import { diffTensor } from '../../../fixtures/compare.js';
import { mulberry32 } from '../../../src/util/prng.js';

// IR evaluator (float64 accumulation) vs TF float32 kernels on O(1) values.
const OPS_ATOL = 1e-5;
const OPS_RTOL = 1e-5;

function randomTensor(shape: number[], rnd: () => number, offset = 0) {
  const t = hostTensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = rnd() * 2 - 1 + offset;
  return t;
}

test('every IR op, incl. variants the presets do not use, runs in TensorFlow as the IR evaluator says', async () => {
  const rnd = mulberry32(3);
  const g = emptyGraph();
  addInput(g, 'x', [2, 9, 4]);
  const c = (name: string, shape: number[], offset = 0) => addConstant(g, name, randomTensor(shape, rnd, offset)).name;
  // Grouped conv (groups 2), stride 2, asymmetric padding.
  const grouped = addNode(g, 'grouped', 'Conv1D', ['x', c('gw', [3, 2, 6]), c('gb', [6])], { stride: 2, padBegin: 2, padEnd: 1, groups: 2 });
  // Depthwise with channel multiplier 2, no bias.
  const dw = addNode(g, 'dw', 'Conv1D', ['x', c('dww', [5, 1, 8])], { stride: 1, padBegin: 2, padEnd: 2, groups: 4 });
  // Dense over rank 2 (MatMul path) after a reshape.
  const flat = addNode(g, 'flat', 'Reshape', [dw.name], { shape: [18, 8] });
  const d2 = addNode(g, 'd2', 'Dense', [flat.name, c('d2w', [8, 6]), c('d2b', [6])], {});
  const back = addNode(g, 'back', 'Reshape', [d2.name], { shape: [2, 9, 6] });
  const sliced = addNode(g, 'sliced', 'Slice', [back.name], { begin: [0, 1, 0], size: [-1, 5, -1] });
  // Gather with indices out of order and repeated (GatherV2 with an int32 Const).
  const gathered = addNode(g, 'gathered', 'Gather', [sliced.name], { axis: 1, indices: [4, 0, 2, 2, 1] });
  const cat = addNode(g, 'cat', 'Concat', [grouped.name, gathered.name], { axis: 2 });
  const pos = addNode(g, 'pos', 'Add', [addNode(g, 'sq', 'Mul', [cat.name, cat.name], {}).name, c('one', [1], 2)], {});
  const mixed = addNode(g, 'mixed', 'Div', [addNode(g, 'lg', 'Log', [pos.name], {}).name, addNode(g, 'rt', 'Sqrt', [pos.name], {}).name], {});
  const diff = addNode(g, 'diff', 'Sub', [mixed.name, c('sub', [12])], {});
  const heads = addNode(g, 'heads', 'Transpose', [addNode(g, 'split', 'Reshape', [diff.name], { shape: [2, 5, 3, 4] }).name], { perm: [0, 2, 1, 3] });
  const mm = addNode(g, 'mm', 'BatchMatMul', [heads.name, c('bm', [2, 3, 4, 5])], { transposeB: false });
  const sm = addNode(g, 'sm', 'Softmax', [mm.name], {});
  const ln = addNode(g, 'ln', 'LayerNorm', [sm.name, c('lng', [5], 1), c('lnb', [5])], { epsilon: 1e-5 });
  const ge = addNode(g, 'ge', 'Gelu', [ln.name], {});
  const th = addNode(g, 'th', 'Tanh', [ge.name], {});
  g.outputs.push({ name: 'y', value: ge.name }, { name: 'gate', value: addNode(g, 'gate', 'Sigmoid', [th.name], {}).name });

  const used = new Set(g.nodes.map((n) => n.op));
  // Conv2D, Relu, Pad, ReduceMin/Max, DivNoNan run through every converter in test/convert/image-ops.test.ts.
  assert.deepEqual(OP_NAMES.filter((op) => !used.has(op) && !IMAGE_OPS.includes(op)), [], 'the test graphs cover every IR op');
  assert.deepEqual(Object.keys(EMITTERS).sort(), [...OP_NAMES].sort());

  const x = randomTensor([2, 9, 4], rnd);
  const want = evaluateGraph(g, { x });
  await withTempDir(async (dir) => {
    await savedModel.write(g, path.join(dir, 'ops'), { precision: 'fp32' });
    const session = await runtime.load(path.join(dir, 'ops'));
    try {
      const got = await session.run({ x });
      for (const k of ['y', 'gate']) {
        const e = diffTensor(want[k]!, got[k]!, OPS_ATOL, OPS_RTOL, { name: k });
        assert.ok(e.ok, `${k}: max abs ${e.maxAbs}`);
      }
    } finally {
      await session.dispose();
    }
  });
});
