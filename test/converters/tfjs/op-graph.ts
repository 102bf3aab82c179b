/**
 * A hand-built tfjs graph model exercising the TF ops the importer maps but our
 * own writer never emits (as external converters write them): dynamic batch,
 * shape arithmetic, Pad, strided/SAME/EXPLICIT convs, fused ops, reductions,
 * adjoint batch matmuls, N-ary concat, Pack, StridedSlice masks, ...
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GraphDefBuilder, T_FLOAT } from '../../../converters/tfjs/graphdef-builder.js';
import { attr, shapeJson, type GraphModelJson, type TensorInfoJson } from '../../../converters/tfjs/format.js';
import { encodeWeights, shardBytes } from '../../../converters/tfjs/weights.js';
import { mulberry32 } from '../../../src/util/prng.js';

export const OP_GRAPH_OUTPUTS = ['out_a', 'out_b', 'out_c', 'out_d', 'out_e', 'out_f'] as const;

export function writeOpGraph(dir: string, seed = 11): void {
  const b = new GraphDefBuilder();
  const r = mulberry32(seed);
  const rand = (shape: number[], scale = 0.5) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, c) => a * c, 1) }, () => (r() * 2 - 1) * scale) });
  const I32 = { T: attr.type('DT_INT32') };
  const idx = { Tidx: attr.type('DT_INT32') };
  const conv = (pad: string, strides: number[], explicit: number[] = []) => ({
    ...T_FLOAT, strides: attr.ints(strides), padding: attr.str(pad), explicit_paddings: attr.ints(explicit),
    dilations: attr.ints([1, 1, 1, 1]), data_format: attr.str('NHWC'),
  });
  const f = (v: number) => b.constFloat(`c/${v}`, { shape: [], data: new Float32Array([v]) });
  const ss = (name: string, x: string, begin: number[], end: number[], strides: number[], m: Partial<Record<'begin_mask' | 'end_mask' | 'shrink_axis_mask' | 'new_axis_mask' | 'ellipsis_mask', number>>, T = T_FLOAT) =>
    b.node(name, 'StridedSlice', [x, b.constInt(`${name}/b`, begin), b.constInt(`${name}/e`, end), b.constInt(`${name}/s`, strides)], {
      ...T, Index: attr.type('DT_INT32'),
      begin_mask: attr.int(m.begin_mask ?? 0), end_mask: attr.int(m.end_mask ?? 0), ellipsis_mask: attr.int(m.ellipsis_mask ?? 0),
      new_axis_mask: attr.int(m.new_axis_mask ?? 0), shrink_axis_mask: attr.int(m.shrink_axis_mask ?? 0),
    });

  const x = b.placeholder('x', [-1, 1, 12, 4]);
  // shape arithmetic: Reshape(x, Pack(Shape(x)[0], 48))
  const shape = b.node('shape', 'Shape', [x], { ...T_FLOAT, out_type: attr.type('DT_INT32') });
  const batch = ss('batch', shape, [0], [1], [1], { shrink_axis_mask: 1 }, I32);
  const flatShape = b.node('flat_shape', 'Pack', [batch, b.constInt('c48', [48], [])], { ...I32, N: attr.int(2), axis: attr.int(0) });
  const flat = b.node('flat', 'Reshape', [x, flatShape], { ...T_FLOAT, Tshape: attr.type('DT_INT32') });
  // convs
  const padded = b.node('padded', 'Pad', [x, b.constInt('pads', [0, 0, 0, 0, 2, 1, 0, 0], [4, 2])], { ...T_FLOAT, Tpaddings: attr.type('DT_INT32') });
  const c1 = b.node('conv_same', 'Conv2D', [padded, b.constFloat('w1', rand([1, 3, 4, 6]))], conv('SAME', [1, 1, 2, 1]));
  const c2 = b.node('depthwise', 'DepthwiseConv2dNative', [c1, b.constFloat('w2', rand([1, 3, 6, 2]))], conv('VALID', [1, 1, 1, 1]));
  const c3 = b.node('fused_conv', '_FusedConv2D', [c2, b.constFloat('w3', rand([1, 2, 12, 5])), b.constFloat('b3', rand([5]))], {
    ...conv('EXPLICIT', [1, 1, 1, 1], [0, 0, 0, 0, 1, 0, 0, 0]), fused_ops: attr.strs(['BiasAdd']), num_args: attr.int(1), epsilon: attr.float(0),
  });
  // elementwise decompositions
  const sq = b.node('squeeze', 'Squeeze', [c3], { ...T_FLOAT, squeeze_dims: attr.ints([1]) });
  const neg = b.node('neg', 'Neg', [b.node('tanh', 'Tanh', [sq], T_FLOAT)], T_FLOAT);
  const rs = b.node('rsqrt', 'Rsqrt', [b.node('plus', 'AddV2', [b.node('square', 'Square', [neg], T_FLOAT), f(1.5)], T_FLOAT)], T_FLOAT);
  const p = b.node('pow', 'Pow', [rs, f(2)], T_FLOAT); // [B,6,5]
  // reductions
  const sum = b.node('sum', 'Sum', [p, b.constInt('ax1', [1])], { ...T_FLOAT, ...idx, keep_dims: attr.bool(false) }); // [B,5]
  const mean = b.node('mean', 'Mean', [p, b.constInt('axm1', [-1])], { ...T_FLOAT, ...idx, keep_dims: attr.bool(true) }); // [B,6,1]
  // matmuls
  const mm = b.node('matmul', 'MatMul', [sum, b.constFloat('wm', rand([7, 5]))], { ...T_FLOAT, transpose_a: attr.bool(false), transpose_b: attr.bool(true) }); // [B,7]
  const fmm = b.node('fused_matmul', '_FusedMatMul', [mm, b.constFloat('wf', rand([7, 3])), b.constFloat('bf', rand([3]))], {
    ...T_FLOAT, transpose_a: attr.bool(false), transpose_b: attr.bool(false), fused_ops: attr.strs(['BiasAdd']), num_args: attr.int(1), epsilon: attr.float(0),
  }); // [B,3]
  const bmm = b.node('bmm', 'BatchMatMulV2', [p, p], { ...T_FLOAT, adj_x: attr.bool(false), adj_y: attr.bool(true) }); // [B,6,6]
  const bmm2 = b.node('bmm_adj_x', 'BatchMatMulV2', [p, bmm], { ...T_FLOAT, adj_x: attr.bool(true), adj_y: attr.bool(false) }); // [B,5,6]
  // joins and slices
  const cat = b.node('concat3', 'ConcatV2', [mean, p, mean, b.constInt('axis', [-1], [])], { ...T_FLOAT, ...idx, N: attr.int(3) }); // [B,6,7]
  const pk = b.node('pack', 'Pack', [sum, sum], { ...T_FLOAT, N: attr.int(2), axis: attr.int(-1) }); // [B,5,2]
  const s1 = ss('strided', cat, [0, 1, 2], [0, 5, 0], [1, 1, 1], { begin_mask: 1, end_mask: 5 }); // [B,4,5]
  const s2 = ss('strided_shrink', cat, [0, 2], [0, 3], [1, 1], { begin_mask: 1, end_mask: 1, shrink_axis_mask: 2 }); // [B,7]
  const sl = b.node('slice', 'Slice', [s1, b.constInt('sl_b', [0, 0, 1]), b.constInt('sl_s', [-1, 2, -1])], { ...T_FLOAT, Index: attr.type('DT_INT32') }); // [B,2,4]
  const sm = b.node('softmax', 'Softmax', [sl], T_FLOAT);
  const sg = b.node('sigmoid', 'Sigmoid', [b.node('sqdiff', 'SquaredDifference', [sm, f(0.25)], T_FLOAT)], T_FLOAT);
  const dv = b.node('div', 'RealDiv', [sg, b.node('sg1', 'AddV2', [sg, f(1)], T_FLOAT)], T_FLOAT);
  const outA = b.node('out_a', 'Sub', [dv, f(0.1)], T_FLOAT);
  const outs: Record<string, string> = {
    out_a: outA, out_b: fmm, out_c: bmm2, out_d: pk, out_e: s2,
    out_f: b.node('identity_flat', 'Identity', [flat], T_FLOAT),
  };

  const { specs, bytes } = encodeWeights(b.weights, () => 'float32');
  const shards = shardBytes(bytes);
  const info = (n: string): TensorInfoJson => ({ name: `${n}:0`, dtype: 'DT_FLOAT', tensorShape: shapeJson([]) });
  const json: GraphModelJson = {
    format: 'graph-model',
    modelTopology: { node: b.nodes, library: {}, versions: { producer: 1087 } },
    weightsManifest: [{ paths: shards.map((_, i) => `group1-shard${i + 1}of${shards.length}.bin`), weights: specs }],
    signature: { inputs: { x: info(x) }, outputs: Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, info(v)])) },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  shards.forEach((s, i) => writeFileSync(path.join(dir, `group1-shard${i + 1}of${shards.length}.bin`), s));
}
