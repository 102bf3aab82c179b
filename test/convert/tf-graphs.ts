/**
 * Small tfjs graph models written the way tensorflowjs_converter writes them,
 * for the importer and `a2m convert`: the TF ops Basic Pitch needed beyond the
 * old IR (MirrorPad, 2-D _FusedConv2D with Relu, 2-D depthwise, Min, Max,
 * DivNoNan, PadV2) and a graph of ops the IR still cannot express.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GraphDefBuilder, T_FLOAT } from '../../converters/tfjs/graphdef-builder.js';
import { attr, shapeJson, type GraphModelJson, type TensorInfoJson } from '../../converters/tfjs/format.js';
import { encodeWeights, shardBytes } from '../../converters/tfjs/weights.js';
import { mulberry32 } from '../../src/util/prng.js';

type Build = (b: GraphDefBuilder, rand: (shape: number[], scale?: number) => { shape: number[]; data: Float32Array }) => { inputs: Record<string, string>; outputs: Record<string, string> };

function writeGraphModel(dir: string, build: Build, seed = 3): void {
  const b = new GraphDefBuilder();
  const r = mulberry32(seed);
  const rand = (shape: number[], scale = 0.5) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, c) => a * c, 1) }, () => (r() * 2 - 1) * scale) });
  const { inputs, outputs } = build(b, rand);
  const { specs, bytes } = encodeWeights(b.weights, () => 'float32');
  const shards = shardBytes(bytes);
  const info = (n: string): TensorInfoJson => ({ name: `${n}:0`, dtype: 'DT_FLOAT', tensorShape: shapeJson([]) });
  const sig = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, info(v)]));
  const json: GraphModelJson = {
    format: 'graph-model',
    modelTopology: { node: b.nodes, library: {}, versions: { producer: 1087 } },
    weightsManifest: [{ paths: shards.map((_, i) => `group1-shard${i + 1}of${shards.length}.bin`), weights: specs }],
    signature: { inputs: sig(inputs), outputs: sig(outputs) },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  shards.forEach((s, i) => writeFileSync(path.join(dir, `group1-shard${i + 1}of${shards.length}.bin`), s));
}

const conv = (pad: string, strides: number[], explicit: number[] = [], dilations = [1, 1, 1, 1]) => ({
  ...T_FLOAT, strides: attr.ints(strides), padding: attr.str(pad), explicit_paddings: attr.ints(explicit),
  dilations: attr.ints(dilations), data_format: attr.str('NHWC'),
});
const I32 = { Tidx: attr.type('DT_INT32') };
const PADS = { ...T_FLOAT, Tpaddings: attr.type('DT_INT32') };

export const NEW_OPS_INPUT = [-1, 6, 10, 3];
export const NEW_OPS_OUTPUTS = ['padded_ratio', 'minimum', 'fused'] as const;

/** x [-1,6,10,3] -> MirrorPad -> _FusedConv2D(BiasAdd, Relu) SAME -> depthwise 3x3 stride (2,1) -> Conv2D EXPLICIT -> Relu -> Min / Max -> DivNoNan -> PadV2. */
export function writeNewOpsGraph(dir: string): void {
  writeGraphModel(dir, (b, rand) => {
    const x = b.placeholder('x', NEW_OPS_INPUT);
    const mp = b.node('mirror', 'MirrorPad', [x, b.constInt('mirror/paddings', [0, 0, 1, 2, 3, 0, 0, 0], [4, 2])], { ...PADS, mode: attr.str('REFLECT') }); // [B,9,13,3]
    const fused = b.node('fused/Relu', '_FusedConv2D', [mp, b.constFloat('fused/w', rand([3, 5, 3, 4])), b.constFloat('fused/b', rand([4]))], {
      ...conv('SAME', [1, 1, 2, 1]), fused_ops: attr.strs(['BiasAdd', 'Relu']), num_args: attr.int(1), epsilon: attr.float(0),
    }); // [B,9,7,4]
    const dw = b.node('depthwise', 'DepthwiseConv2dNative', [fused, b.constFloat('dw/w', rand([3, 3, 4, 2]))], conv('VALID', [1, 2, 1, 1])); // [B,4,5,8]
    const c2 = b.node('conv_explicit', 'Conv2D', [dw, b.constFloat('c2/w', rand([2, 2, 8, 3]))], conv('EXPLICIT', [1, 1, 1, 1], [0, 0, 1, 0, 0, 1, 0, 0])); // [B,4,5,3]
    const r = b.node('relu', 'Relu', [c2], T_FLOAT);
    const mn = b.node('min', 'Min', [c2, b.constInt('min/axes', [1, 2])], { ...T_FLOAT, ...I32, keep_dims: attr.bool(false) }); // [B,3]
    const mx = b.node('max', 'Max', [r, b.constInt('max/axes', [-1])], { ...T_FLOAT, ...I32, keep_dims: attr.bool(true) }); // [B,4,5,1], 0 where a pixel's channels are all <= 0
    const ratio = b.node('ratio', 'DivNoNan', [r, mx], T_FLOAT);
    const padded = b.node('padv2', 'PadV2', [ratio, b.constInt('padv2/paddings', [0, 0, 1, 1, 0, 0, 0, 0], [4, 2]), b.constFloat('padv2/value', { shape: [], data: Float32Array.of(0.5) })], PADS);
    return { inputs: { x }, outputs: { padded_ratio: padded, minimum: mn, fused } };
  });
}

/** Nodes the IR cannot express, each feeding the next so that all must be found past one another. */
export const UNSUPPORTED_NODES = [
  ['pool', 'MaxPool'], ['relu6', 'Relu6'], ['symmetric', 'MirrorPad'], ['dilated', 'Conv2D'], ['exp', 'Exp'],
] as const;

export function writeUnsupportedGraph(dir: string): void {
  writeGraphModel(dir, (b, rand) => {
    const x = b.placeholder('x', [1, 8, 8, 2]);
    const pool = b.node('pool', 'MaxPool', [x], { ...T_FLOAT, ksize: attr.ints([1, 2, 2, 1]), strides: attr.ints([1, 2, 2, 1]), padding: attr.str('VALID'), data_format: attr.str('NHWC') });
    const relu6 = b.node('relu6', 'Relu6', [pool], T_FLOAT);
    const sym = b.node('symmetric', 'MirrorPad', [relu6, b.constInt('sym/paddings', [0, 0, 1, 1, 1, 1, 0, 0], [4, 2])], { ...PADS, mode: attr.str('SYMMETRIC') });
    const dil = b.node('dilated', 'Conv2D', [sym, b.constFloat('dil/w', rand([3, 3, 2, 2]))], conv('SAME', [1, 1, 1, 1], [], [1, 2, 2, 1]));
    const exp = b.node('exp', 'Exp', [dil], T_FLOAT);
    return { inputs: { x }, outputs: { y: b.node('y', 'Sigmoid', [exp], T_FLOAT) } };
  });
}

/** A 2-group 3x3 Conv2D (fine for the IR and ONNX; tfjs has no grouped convolution). */
export function writeGroupedConvGraph(dir: string): void {
  writeGraphModel(dir, (b, rand) => {
    const x = b.placeholder('x', [1, 3, 4, 4]);
    const y = b.node('grouped', 'Conv2D', [x, b.constFloat('grouped/w', rand([3, 3, 2, 6]))], conv('SAME', [1, 1, 1, 1]));
    return { inputs: { x }, outputs: { y: b.node('Identity', 'Identity', [y], T_FLOAT) } };
  });
}
