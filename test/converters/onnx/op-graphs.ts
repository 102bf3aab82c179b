/**
 * Small IR graphs, one per IR op (and one chain using every op), built with the IR builder and
 * judged by the IR's reference evaluator: the op x target matrix without loading tfjs.
 */
import { addConstant, addInput, addNode, emptyGraph, type IrGraph } from '../../../src/ir/graph.js';
import type { OpName } from '../../../src/ir/ops.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import { sizeOf } from '../../../src/ir/tensor.js';
import { mulberry32 } from '../../../src/util/prng.js';

export interface OpCase { graph: IrGraph; feeds: Record<string, HostTensor> }

function rand(shape: number[], seed: number, { positive = false, scale = 1 } = {}): HostTensor {
  const r = mulberry32(seed);
  const data = new Float32Array(sizeOf(shape)).map(() => (positive ? 0.1 + r() * 2 : (r() * 2 - 1) * scale));
  return { shape, data };
}

/** One node of `op` on input `x` (and constants); `y` is the only output. */
function single(op: OpName, xShape: number[], consts: [string, HostTensor][], attrs: object, opts: { positive?: boolean; secondInput?: number[] } = {}): OpCase {
  const g = emptyGraph();
  const x = addInput(g, 'x', xShape);
  const feeds: Record<string, HostTensor> = { x: rand(xShape, 11, { positive: opts.positive, scale: 2 }) };
  const inputs = [x.name];
  if (opts.secondInput) { addInput(g, 'x2', opts.secondInput); inputs.push('x2'); feeds.x2 = rand(opts.secondInput, 12, { scale: 2 }); }
  for (const [name, t] of consts) { addConstant(g, name, t); inputs.push(name); }
  addNode(g, op.toLowerCase(), op, inputs, attrs as never);
  g.outputs.push({ name: 'y', value: op.toLowerCase() });
  g.metadata.preset = `op-${op}`;
  return { graph: g, feeds };
}

export const OP_CASES = {
  Add: () => single('Add', [2, 5, 8], [['b', rand([8], 1)]], {}),
  Sub: () => single('Sub', [2, 5, 8], [], {}, { secondInput: [2, 1, 8] }),
  Mul: () => single('Mul', [2, 5, 8], [['b', rand([5, 1], 2)]], {}),
  Div: () => single('Div', [2, 5, 8], [['b', rand([8], 3, { positive: true })]], {}),
  Sigmoid: () => single('Sigmoid', [2, 5, 8], [], {}),
  Gelu: () => single('Gelu', [2, 5, 8], [], {}),
  Sqrt: () => single('Sqrt', [2, 5, 8], [], {}, { positive: true }),
  Log: () => single('Log', [2, 5, 8], [], {}, { positive: true }),
  Tanh: () => single('Tanh', [2, 5, 8], [], {}),
  Conv1D: () => single('Conv1D', [2, 40, 6], [['w', rand([5, 3, 8], 4, { scale: 0.5 })], ['bias', rand([8], 5)]], { stride: 3, padBegin: 2, padEnd: 1, groups: 2 }),
  Dense: () => single('Dense', [2, 5, 40], [['w', rand([40, 48], 6, { scale: 0.3 })], ['bias', rand([48], 7)]], {}),
  BatchMatMul: () => single('BatchMatMul', [2, 3, 5, 8], [], { transposeB: true }, { secondInput: [2, 3, 7, 8] }),
  LayerNorm: () => single('LayerNorm', [2, 5, 8], [['gamma', rand([8], 8)], ['beta', rand([8], 9)]], { epsilon: 1e-6 }),
  Softmax: () => single('Softmax', [2, 5, 8], [], {}),
  Reshape: () => single('Reshape', [2, 5, 8], [], { shape: [2, 40] }),
  Transpose: () => single('Transpose', [2, 5, 8], [], { perm: [2, 0, 1] }),
  Slice: () => single('Slice', [2, 5, 8], [], { begin: [0, 1, 2], size: [-1, 3, 4] }),
  Concat: concatCase,
  // Out of order, repeated, and longer than the axis: a table, not a slice.
  Gather: () => single('Gather', [2, 5, 8], [], { axis: 1, indices: [4, 0, 2, 2, 1, 3, 0] }),
  Relu: () => single('Relu', [2, 5, 8], [], {}),
  DivNoNan: () => single('DivNoNan', [2, 5, 8], [['b', withZeros(rand([5, 8], 41, { positive: true }), [0, 7, 20])]], {}),
  ReduceMin: () => single('ReduceMin', [2, 5, 8], [], { axes: [1, 2], keepDims: false }),
  ReduceMax: () => single('ReduceMax', [2, 5, 8], [], { axes: [2], keepDims: true }),
  Pad: padCase,
  Conv2D: () => single('Conv2D', [2, 7, 9, 4], [['w', rand([3, 3, 2, 6], 42, { scale: 0.5 })], ['bias', rand([6], 43)]], { strides: [1, 2], pads: [1, 1, 0, 2], groups: 2 }),
} satisfies Record<OpName, () => OpCase>;

function withZeros(t: HostTensor, at: number[]): HostTensor {
  for (const i of at) t.data[i] = 0;
  return t;
}

/**
 * Four inputs of unequal lengths on a middle axis: two graph inputs, a constant, and the first
 * input again (a value passed twice), so every format writes an N-ary concat, not a pair.
 */
function concatCase(): OpCase {
  const g = emptyGraph();
  addInput(g, 'x', [2, 5, 8]);
  addInput(g, 'x2', [2, 3, 8]);
  addConstant(g, 'c', rand([2, 2, 8], 13));
  addNode(g, 'concat', 'Concat', ['x', 'x2', 'c', 'x'], { axis: 1 }); // [2,15,8]
  g.outputs.push({ name: 'y', value: 'concat' });
  g.metadata.preset = 'op-Concat';
  return { graph: g, feeds: { x: rand([2, 5, 8], 11, { scale: 2 }), x2: rand([2, 3, 8], 12, { scale: 2 }) } };
}

/** Pad both ways: constant (value -0.5) then reflect, as Basic Pitch's front end does. */
function padCase(): OpCase {
  const g = emptyGraph();
  addInput(g, 'x', [2, 5, 8]);
  addNode(g, 'pad_constant', 'Pad', ['x'], { mode: 'constant', pads: [[0, 0], [1, 2], [0, 3]], value: -0.5 });
  addNode(g, 'pad', 'Pad', ['pad_constant'], { mode: 'reflect', pads: [[0, 1], [3, 2], [4, 4]] });
  g.outputs.push({ name: 'y', value: 'pad' });
  g.metadata.preset = 'op-Pad';
  return { graph: g, feeds: { x: rand([2, 5, 8], 11, { scale: 2 }) } };
}

/**
 * Every op in one graph, channels-last like the model: conv with back-to-back transposes, a
 * weight big enough to be int8-quantized, a Log for the fp16 island, three public outputs.
 */
export function chainGraph(): OpCase {
  const g = emptyGraph();
  addInput(g, 'samples', [1, 2, 64]);
  const c = (name: string, t: HostTensor) => addConstant(g, name, t).name;
  const n = (name: string, op: OpName, inputs: string[], attrs: object = {}) => addNode(g, name, op, inputs, attrs as never).name;
  let x = n('to_nlc', 'Transpose', ['samples'], { perm: [0, 2, 1] });
  x = n('stem', 'Conv1D', [x, c('stem/w', rand([4, 2, 32], 21, { scale: 0.5 }))], { stride: 2, padBegin: 1, padEnd: 1, groups: 1 }); // [1,32,32]
  x = n('ln', 'LayerNorm', [x, c('ln/g', rand([32], 22)), c('ln/b', rand([32], 23))], { epsilon: 1e-6 });
  const h = n('up', 'Dense', [x, c('up/w', rand([32, 64], 24, { scale: 0.3 })), c('up/b', rand([64], 25))]); // 2048 weights: quantized in int8
  const a = n('a', 'Slice', [h], { begin: [0, 0, 0], size: [1, 32, 32] });
  const b = n('b', 'Slice', [h], { begin: [0, 0, 32], size: [-1, -1, 32] });
  x = n('glu', 'Mul', [n('gelu', 'Gelu', [a]), b]);
  const pow = n('pow', 'Add', [n('sq', 'Mul', [x, x]), c('floor', { shape: [1], data: new Float32Array([1e-8]) })]);
  x = n('logpow', 'Log', [pow]);
  x = n('sqrt', 'Sqrt', [n('soft', 'Sigmoid', [x])]);
  const heads = n('heads', 'Transpose', [n('split', 'Reshape', [x], { shape: [1, 32, 2, 16] })], { perm: [0, 2, 1, 3] });
  const scores = n('scores', 'Div', [n('qk', 'BatchMatMul', [heads, heads], { transposeB: true }), c('scale', { shape: [1], data: new Float32Array([4]) })]);
  const ctx = n('ctx', 'BatchMatMul', [n('attn', 'Softmax', [scores]), heads], { transposeB: false });
  x = n('merged', 'Reshape', [n('back', 'Transpose', [ctx], { perm: [0, 2, 1, 3] })], { shape: [1, 32, 32] });
  x = n('both', 'Concat', [x, n('centered', 'Sub', [x, c('mean', rand([32], 26))])], { axis: 2 }); // [1,32,64]
  const y = n('head', 'Dense', [x, c('head/w', rand([64, 10], 27, { scale: 0.3 }))]);
  g.outputs.push({ name: 'logits', value: y }, { name: 'probs', value: n('probs_', 'Sigmoid', [y]) }, { name: 'features', value: x });
  g.metadata.preset = 'chain';
  const feeds = { samples: rand([1, 2, 64], 31) };
  return { graph: g, feeds };
}
