/**
 * Op x precision matrix: one small IR graph per lowering (every IR op at least
 * once, plus the layout / rank special cases), exported, run by coreml-ref and
 * compared with the IR's own reference evaluation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { addConstant, addInput, addNode, emptyGraph, type IrGraph } from '../../../src/ir/graph.js';
import { evaluateGraph } from '../../../src/ir/evaluate.js';
import { OP_NAMES, type OpName } from '../../../src/ir/ops.js';
import { buildCoreML } from '../../../converters/coreml/index.js';
import { writePackage } from '../../../converters/coreml/package.js';
import { pickEmitter } from '../../../converters/coreml/emitters.js';
import coremlRef, { loadMlPackage } from '../../../src/runtimes/coreml-ref/index.js';
import { randomTensor, withTempDir } from './helpers.js';
import { diffTensor } from '../../../fixtures/compare.js';
import { mulberry32 } from '../../../src/util/prng.js';

/** fp32 export vs the IR evaluator (float64 accumulation): float32 rounding only. */
const OP_FP32_ATOL = 1e-5;
const OP_FP32_RTOL = 1e-5;
/** fp16: weights and activations rounded to 11 significant bits, relative to the output's range. */
const OP_FP16_REL_TO_RANGE = 2e-2;

interface Case { name: string; input: number[]; build(g: IrGraph, x: string, c: (n: string, s: number[], scale?: number) => string): string; expectMil: string[] }

const CASES: Case[] = [
  {
    name: 'Conv1D stride 2, pad [1,2], bias', input: [1, 16, 3], expectMil: ['conv'],
    build: (g, x, c) => addNode(g, 'conv', 'Conv1D', [x, c('w', [3, 3, 4]), c('b', [4])], { stride: 2, padBegin: 1, padEnd: 2, groups: 1 }).name,
  },
  {
    name: 'Conv1D depthwise k7, no bias', input: [1, 10, 4], expectMil: ['conv'],
    build: (g, x, c) => addNode(g, 'dw', 'Conv1D', [x, c('w', [7, 1, 4])], { stride: 1, padBegin: 3, padEnd: 3, groups: 4 }).name,
  },
  {
    name: 'Dense rank 3 -> linear', input: [1, 5, 6], expectMil: ['linear'],
    build: (g, x, c) => addNode(g, 'fc', 'Dense', [x, c('w', [6, 3]), c('b', [3])], {}).name,
  },
  {
    name: 'Dense rank 4 -> matmul (+ add bias)', input: [1, 2, 5, 6], expectMil: ['matmul', 'add'],
    build: (g, x, c) => {
      const a = addNode(g, 'fc', 'Dense', [x, c('w', [6, 6])], {});
      return addNode(g, 'fc2', 'Dense', [a.name, c('w2', [6, 2]), c('b2', [2])], {}).name;
    },
  },
  {
    name: 'BatchMatMul, transposeB false and true', input: [1, 2, 5, 4], expectMil: ['matmul'],
    build: (g, x, c) => {
      const a = addNode(g, 'mm', 'BatchMatMul', [x, c('b', [1, 2, 4, 3])], { transposeB: false });
      return addNode(g, 'mmt', 'BatchMatMul', [a.name, c('bt', [1, 2, 6, 3])], { transposeB: true }).name;
    },
  },
  {
    name: 'LayerNorm, Gelu, Softmax, Sigmoid', input: [1, 7, 8], expectMil: ['layer_norm', 'gelu', 'softmax', 'sigmoid'],
    build: (g, x, c) => {
      const ln = addNode(g, 'ln', 'LayerNorm', [x, c('gamma', [8]), c('beta', [8])], { epsilon: 1e-5 });
      const ge = addNode(g, 'gelu', 'Gelu', [ln.name], {});
      const sm = addNode(g, 'sm', 'Softmax', [ge.name], {});
      return addNode(g, 'sig', 'Sigmoid', [sm.name], {}).name;
    },
  },
  {
    name: 'Tanh over both signs', input: [1, 6, 5], expectMil: ['tanh'],
    build: (g, x) => addNode(g, 'tanh', 'Tanh', [x], {}).name,
  },
  {
    name: 'Mul, Add, Sqrt, Log, Sub, Div with broadcasting', input: [1, 6, 5], expectMil: ['mul', 'add', 'sqrt', 'log', 'sub', 'real_div'],
    build: (g, x, c) => {
      const sq = addNode(g, 'sq', 'Mul', [x, x], {});
      const pos = addNode(g, 'pos', 'Add', [sq.name, addConstant(g, 'one', { shape: [1], data: new Float32Array([1]) }).name], {});
      const r = addNode(g, 'sqrt', 'Sqrt', [pos.name], {});
      const l = addNode(g, 'log', 'Log', [pos.name], {});
      const d = addNode(g, 'sub', 'Sub', [r.name, c('bias', [5])], {});
      return addNode(g, 'div', 'Div', [d.name, l.name], {}).name;
    },
  },
  {
    name: 'Reshape, Transpose, Slice, Concat', input: [1, 6, 8], expectMil: ['reshape', 'transpose', 'slice_by_index', 'concat'],
    build: (g, x) => {
      const r = addNode(g, 'rs', 'Reshape', [x], { shape: [1, 6, 2, 4] });
      const t = addNode(g, 'tr', 'Transpose', [r.name], { perm: [0, 2, 1, 3] });
      const a = addNode(g, 'sa', 'Slice', [t.name], { begin: [0, 0, 1, 0], size: [1, 2, 3, -1] });
      const b = addNode(g, 'sb', 'Slice', [t.name], { begin: [0, 1, 2, 1], size: [1, 1, 3, 3] });
      const bp = addNode(g, 'pad', 'Concat', [b.name, b.name], { axis: 1 });
      const bw = addNode(g, 'wide', 'Concat', [bp.name, addNode(g, 'sc', 'Slice', [bp.name], { begin: [0, 0, 0, 0], size: [1, 2, 3, 1] }).name], { axis: 3 });
      return addNode(g, 'cat', 'Concat', [a.name, bw.name], { axis: 1 }).name;
    },
  },
  {
    name: 'Gather on two axes, indices out of order and repeated', input: [1, 6, 8], expectMil: ['gather'],
    build: (g, x) => {
      const rows = addNode(g, 'rows', 'Gather', [x], { axis: 1, indices: [5, 0, 3, 3, 1] });
      return addNode(g, 'cols', 'Gather', [rows.name], { axis: 2, indices: [7, 0, 7, 2] }).name;
    },
  },
  {
    name: 'Conv2D 3x5 stride (1,2) pads [1,2,0,2] + bias, Relu, depthwise, grouped', input: [1, 7, 9, 4], expectMil: ['conv', 'relu'],
    build: (g, x, c) => {
      const a = addNode(g, 'conv2d', 'Conv2D', [x, c('w', [3, 5, 4, 6]), c('b', [6])], { strides: [1, 2], pads: [1, 2, 0, 2], groups: 1 });
      const r = addNode(g, 'relu', 'Relu', [a.name], {});
      const dw = addNode(g, 'dw2d', 'Conv2D', [r.name, c('wdw', [3, 3, 1, 12])], { strides: [1, 1], pads: [1, 1, 1, 1], groups: 6 });
      return addNode(g, 'grouped2d', 'Conv2D', [dw.name, c('wg', [1, 1, 6, 4])], { strides: [2, 1], pads: [0, 0, 0, 0], groups: 2 }).name;
    },
  },
  {
    name: 'Pad reflect / constant, ReduceMin, ReduceMax, DivNoNan', input: [1, 6, 5], expectMil: ['pad', 'reduce_min', 'reduce_max', 'equal', 'select'],
    build: (g, x) => {
      const p = addNode(g, 'reflect', 'Pad', [x], { mode: 'reflect', pads: [[0, 0], [2, 3], [1, 0]] });
      const q = addNode(g, 'const_pad', 'Pad', [p.name], { mode: 'constant', pads: [[0, 0], [0, 1], [0, 2]], value: 0.5 }); // [1,12,8]
      const mn = addNode(g, 'mn', 'ReduceMin', [q.name], { axes: [1], keepDims: true });
      const mx = addNode(g, 'mx', 'ReduceMax', [q.name], { axes: [1], keepDims: true });
      // Divisor with exact zeros: the zero-padded border of a strictly positive tensor.
      const pos = addNode(g, 'pos', 'Add', [addNode(g, 'sq', 'Mul', [x, x], {}).name, addConstant(g, 'one2', { shape: [1], data: new Float32Array([1]) }).name], {});
      const d = addNode(g, 'zero_pad', 'Pad', [pos.name], { mode: 'constant', pads: [[0, 0], [3, 3], [0, 3]] }); // [1,12,8]
      const sh = addNode(g, 'shift', 'Sub', [q.name, mn.name], {});
      const range = addNode(g, 'range', 'Sub', [mx.name, mn.name], {});
      return addNode(g, 'ratio', 'DivNoNan', [addNode(g, 'norm', 'Div', [sh.name, range.name], {}).name, d.name], {}).name;
    },
  },
];

function caseGraph(k: Case, seed: number): IrGraph {
  const g = emptyGraph();
  const rnd = mulberry32(seed);
  const x = addInput(g, 'x', k.input).name;
  const c = (n: string, s: number[], scale = 0.5) => addConstant(g, n, randomTensor(s, rnd, scale)).name;
  const y = k.build(g, x, c);
  g.outputs.push({ name: 'y', value: y });
  return g;
}

test('every IR op has a Core ML lowering at every iOS target and appears in this matrix', () => {
  for (const op of OP_NAMES) for (const ios of [15, 16, 17, 18] as const) assert.ok(pickEmitter(op, ios), `${op} at iOS ${ios}`);
  const covered = new Set<OpName>();
  for (const k of CASES) for (const n of caseGraph(k, 1).nodes) covered.add(n.op);
  assert.deepEqual(OP_NAMES.filter((o) => !covered.has(o)), []);
});

for (const precision of ['fp32', 'fp16'] as const) {
  test(`each lowering runs in coreml-ref and matches the IR evaluator (${precision})`, async (t) => {
    await withTempDir(async (dir) => {
      for (const [i, k] of CASES.entries()) {
        const g = caseGraph(k, 10 + i);
        const x = randomTensor(k.input, mulberry32(100 + i), 2);
        const want = evaluateGraph(g, { x }).y!;
        const build = buildCoreML(g, { precision });
        for (const op of k.expectMil) assert.ok(build.opCounts[op], `${k.name}: expected MIL op ${op}, got ${JSON.stringify(build.opCounts)}`);
        const pkg = path.join(dir, `case${i}-${precision}.mlpackage`);
        await writePackage(pkg, build.model, build.weights);
        const got = (await (await coremlRef.load(pkg)).run({ x })).y!;
        if (precision === 'fp32') {
          const p = diffTensor(want, got, OP_FP32_ATOL, OP_FP32_RTOL);
          assert.ok(p.ok, `${k.name}: max abs ${p.maxAbs} (${p.beyond} elements beyond tolerance)`);
        } else {
          const p = diffTensor(want, got, 0, 0);
          t.diagnostic(`${k.name}: fp16 max abs ${p.maxAbs.toExponential(2)} of range ${p.spread.toFixed(3)}`);
          assert.ok(p.maxAbs <= OP_FP16_REL_TO_RANGE * Math.max(p.spread, 1e-3), `${k.name}: fp16 max abs ${p.maxAbs} vs range ${p.spread}`);
          const plan = await loadMlPackage(pkg);
          assert.ok(plan.opCounts.cast, `${k.name}: an fp16 package casts its fp32 input and outputs`);
        }
      }
    });
  });
}
