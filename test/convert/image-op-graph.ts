/**
 * One small IR graph using every op that imported models brought to the IR
 * (Conv2D dense / depthwise / grouped, SAME-equivalent and explicit pads,
 * strides; Relu; Pad constant 0, constant value, reflect; ReduceMin /
 * ReduceMax with and without keepDims; DivNoNan with exact zeros in the
 * divisor at run time), shaped like Basic Pitch's back end. Shared by the
 * converters' op tests: each format's runtime against the IR evaluator.
 */
import { addConstant, addInput, addNode, emptyGraph, type IrGraph } from '../../src/ir/graph.js';
import type { OpName } from '../../src/ir/ops.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import { mulberry32 } from '../../src/util/prng.js';

export const IMAGE_OPS: readonly OpName[] = ['Conv2D', 'Relu', 'Pad', 'ReduceMin', 'ReduceMax', 'DivNoNan'];
export const IMAGE_GRAPH_OUTPUTS = ['norm', 'quotient', 'max', 'min'] as const;

function rand(shape: number[], seed: number, scale = 1): HostTensor {
  const r = mulberry32(seed);
  return { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() * 2 - 1) * scale) };
}

/** `grouped: false` replaces the 2-group conv by a dense one (tfjs has no grouped convolution). */
export function imageOpsGraph({ grouped = true } = {}): { graph: IrGraph; feeds: Record<string, HostTensor> } {
  const g = emptyGraph();
  addInput(g, 'x', [1, 8, 12, 4]);
  const c = (name: string, t: HostTensor) => addConstant(g, name, t).name;
  const n = (name: string, op: OpName, inputs: string[], attrs: object = {}) => addNode(g, name, op, inputs, attrs as never).name;
  // 3x5 SAME (pads [1,1,2,2]) with bias, then Relu: TFLite's SAME path.
  let y = n('conv_same', 'Conv2D', ['x', c('w_same', rand([3, 5, 4, 6], 1, 0.4)), c('b_same', rand([6], 2))], { strides: [1, 1], pads: [1, 1, 2, 2], groups: 1 }); // [1,8,12,6]
  y = n('relu', 'Relu', [y]);
  // 5x5 stride (1,3), pads not SAME: explicit PAD elsewhere.
  y = n('conv_strided', 'Conv2D', [y, c('w_strided', rand([5, 5, 6, 6], 3, 0.2))], { strides: [1, 3], pads: [1, 2, 0, 2], groups: 1 }); // [1,7,4,6]
  y = n('conv_depthwise', 'Conv2D', [y, c('w_dw', rand([3, 3, 1, 12], 4, 0.5)), c('b_dw', rand([12], 5))], { strides: [1, 1], pads: [1, 1, 1, 1], groups: 6 }); // [1,7,4,12]
  const gr = grouped
    ? n('conv_grouped', 'Conv2D', [y, c('w_grouped', rand([1, 3, 6, 4], 6, 0.4))], { strides: [1, 1], pads: [0, 0, 1, 1], groups: 2 }) // [1,7,4,4]
    : n('conv_1x3', 'Conv2D', [y, c('w_1x3', rand([1, 3, 12, 4], 6, 0.3))], { strides: [1, 1], pads: [0, 0, 1, 1], groups: 1 });
  y = n('pad_reflect', 'Pad', [gr], { mode: 'reflect', pads: [[0, 0], [2, 1], [3, 3], [0, 0]] }); // [1,10,10,4]
  y = n('pad_value', 'Pad', [y], { mode: 'constant', pads: [[0, 0], [1, 0], [0, 2], [0, 0]], value: -0.25 }); // [1,11,12,4]
  const p = n('pad_zero', 'Pad', [y], { mode: 'constant', pads: [[0, 0], [0, 1], [1, 0], [0, 0]] }); // [1,12,13,4]
  // Basic Pitch's normalisation: (x - min) / (max - min), min/max over the two middle axes.
  const mn = n('min', 'ReduceMin', [p], { axes: [1, 2], keepDims: false }); // [1,4]
  const mx = n('max', 'ReduceMax', [p], { axes: [1, 2], keepDims: true }); // [1,1,1,4]
  const mnr = n('min_b', 'Reshape', [mn], { shape: [1, 1, 1, 4] });
  const norm = n('norm', 'DivNoNan', [n('shifted', 'Sub', [p, mnr]), n('range', 'Sub', [mx, mnr])]);
  // A divisor with exact zeros (its zero padding) and entries >= 1 elsewhere: both DivNoNan branches, well conditioned.
  const positive = n('positive', 'Add', [n('square', 'Mul', [gr, gr]), c('one', { shape: [1], data: Float32Array.of(1) })]);
  const divisor = n('divisor', 'Pad', [positive], { mode: 'constant', pads: [[0, 0], [3, 2], [4, 5], [0, 0]] }); // [1,12,13,4]
  const q = n('quotient', 'DivNoNan', [p, divisor]);
  g.outputs.push({ name: 'norm', value: norm }, { name: 'quotient', value: q }, { name: 'max', value: mx }, { name: 'min', value: mn });
  g.metadata.preset = 'image-ops';
  return { graph: g, feeds: { x: rand([1, 8, 12, 4], 7, 2) } };
}
