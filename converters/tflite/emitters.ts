/**
 * IR op -> TFLite builtin ops: one entry per IR op (the compiler proves the
 * table covers OpName). Each emitter opens with the IR signature and the
 * TFLite signature it produces. Layout changes the format needs (NLC conv as
 * NHWC with H = 1, weights as OHWI / [out,in]) happen here, at the op that
 * needs them; layouts never leak into the graph between ops.
 */
import type { OpName } from '../../src/ir/ops.js';
import { broadcastShapes, samePads, dims } from '../../src/ir/shape-rules.js';
import { ACTIVATION, PADDING, type EmittedOp, type OptionValues } from './format.js';
import type { Emitter } from './emit-context.js';
import { inputNames } from '../kit/emitter.js';
import { decomposeLayerNorm, type LayerNormBuilder } from '../kit/decompose.js';
import type { IrNode } from '../../src/ir/graph.js';
import type { TflBuilder } from './builder.js';
import { IMAGE_EMITTERS } from './emitters-image.js';

export type { Emitter } from './emit-context.js';

/** Elementwise binary with numpy broadcasting (TFLite broadcasts up to rank 6). */
function binary(op: EmittedOp): Emitter {
  return {
    // IR  Add|Sub|Mul|Div(a, b) -> broadcast(a, b)
    // TFL ADD|SUB|MUL|DIV(a, b, fused_activation_function=NONE)
    emit({ node: n, b }) {
      const [x, y] = n.inputs.map((i) => b.value(i));
      b.op(op, [x!, y!], [b.output(n.output)], { fused_activation_function: ACTIVATION.NONE });
    },
  };
}

function unary(op: EmittedOp, options?: Record<string, boolean | number>): Emitter {
  return {
    // IR  Sigmoid|Gelu|Sqrt|Log|Tanh(x) -> x.shape
    // TFL LOGISTIC|GELU(approximate)|SQRT|LOG|TANH(x)
    emit({ node: n, b }) { b.op(op, [b.value(n.inputs[0]!)], [b.output(n.output)], options); },
  };
}

const conv1d: Emitter<'Conv1D'> = {
  check({ node: n, b }) {
    const { padBegin, padEnd, stride, groups } = n.attrs;
    const [, wName, biasName] = n.inputs;
    if (padBegin < 0 || padEnd < 0) return `negative padding [${padBegin}, ${padEnd}] has no TFLite PAD equivalent`;
    if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(groups) || groups < 1) return `stride ${stride} / groups ${groups} must be positive integers`;
    if (!b.graph.constants.has(wName!)) return `weight ${wName} is not a constant (CONV_2D / DEPTHWISE_CONV_2D want a constant filter)`;
    const cin = b.shapeOf(n.inputs[0]!)[2]!;
    if (groups > 1 && groups < cin && biasName && !b.graph.constants.has(biasName)) return `grouped conv bias ${biasName} is not a constant (it is split per group)`;
    return null;
  },
  // IR  Conv1D(x [B,L,Cin], w [K,Cin/g,Cout], bias? [Cout]; stride, padBegin, padEnd, groups) -> [B,Lout,Cout]
  // TFL RESHAPE [B,1,L,Cin] -> (PAD) -> CONV_2D(filter OHWI [Cout,1,K,Cin/g]) | DEPTHWISE_CONV_2D(filter [1,1,K,Cout])
  //     (groups > 1 and < Cin: SLICE per group + CONV_2D + CONCATENATION) -> RESHAPE [B,Lout,Cout]
  emit({ node: n, b }) {
    const [xName, wName, biasName] = inputNames(n, 2, 1);
    const [B, L, cin] = dims(b.shapeOf(xName), 3);
    const w = b.graph.constants.get(wName)!;
    const [K, cinG, cout] = dims(b.shapeOf(wName), 3);
    const [, lout] = dims(b.shapeOf(n.output), 3);
    const { stride, padBegin, padEnd, groups } = n.attrs;

    let x4 = b.activation(`${n.name}/nhwc`, [B, 1, L, cin]);
    const nhwc = [b.lead(B), 1, L, cin];
    b.op('RESHAPE', [b.value(xName), b.int32(nhwc)], [x4], { new_shape: nhwc });
    let padding: number = PADDING.VALID, lp = L;
    const same = samePads(L, K, stride);
    if (padBegin !== 0 || padEnd !== 0) {
      if (padBegin === same[0] && padEnd === same[1]) padding = PADDING.SAME;
      else {
        lp = L + padBegin + padEnd;
        const padded = b.activation(`${n.name}/pad`, [B, 1, lp, cin]);
        b.op('PAD', [x4, b.int32([0, 0, 0, 0, padBegin, padEnd, 0, 0], [4, 2])], [padded]);
        x4 = padded;
      }
    }
    const convOpts = { padding, stride_w: stride, stride_h: 1, fused_activation_function: ACTIVATION.NONE };
    const biasOf = (lo: number, count: number): number => {
      if (!biasName) return b.constant(`${n.name}/zero_bias${lo ? `_${lo}` : ''}`, [count], new Float32Array(count), 'plain');
      if (lo === 0 && count === cout) return b.value(biasName);
      const full = b.graph.constants.get(biasName)!;
      return b.constant(`${biasName}#group${lo}`, [count], full.data.slice(lo, lo + count), 'plain');
    };
    const y4 = b.activation(`${n.name}/conv`, [B, 1, lout, cout]);

    if (groups > 1 && groups === cin) {
      // Depthwise: IR weight [K, 1, Cout] has the memory layout of TFLite's [1, 1, K, Cout].
      const filter = b.constant(`${wName}#depthwise`, [1, 1, K, cout], w.data, 'depthwise', wName);
      b.op('DEPTHWISE_CONV_2D', [x4, filter, biasOf(0, cout)], [y4], { ...convOpts, depth_multiplier: cout / cin });
    } else if (groups === 1) {
      const filter = b.derived(`${wName}#ohwi`, [cout, 1, K, cin], () => toOhwi(w.data, K, cin, cout, 0, cout), 'conv', wName);
      b.op('CONV_2D', [x4, filter, biasOf(0, cout)], [y4], convOpts);
    } else {
      // Grouped: one CONV_2D per group on a channel slice (CONV_2D's own grouped mode is not in every kernel).
      const coutG = cout / groups;
      const parts: number[] = [];
      for (let g = 0; g < groups; g++) {
        const xs = b.activation(`${n.name}/group${g}/x`, [B, 1, lp, cinG]);
        b.op('SLICE', [x4, b.int32([0, 0, 0, g * cinG]), b.int32([b.lead(B), 1, lp, cinG])], [xs]);
        const filter = b.derived(`${wName}#ohwi_group${g}`, [coutG, 1, K, cinG], () => toOhwi(w.data, K, cinG, cout, g * coutG, coutG), 'conv', wName);
        const ys = b.activation(`${n.name}/group${g}/y`, [B, 1, lout, coutG]);
        b.op('CONV_2D', [xs, filter, biasOf(g * coutG, coutG)], [ys], convOpts);
        parts.push(ys);
      }
      b.op('CONCATENATION', parts, [y4], { axis: 3, fused_activation_function: ACTIVATION.NONE });
    }
    const blc = [b.lead(B), lout, cout];
    b.op('RESHAPE', [y4, b.int32(blc)], [b.output(n.output)], { new_shape: blc });
  },
};

/** IR conv weight [K, cinG, Cout] (columns co0..co0+n) -> OHWI [n, 1, K, cinG]. */
function toOhwi(w: Float32Array, K: number, cinG: number, cout: number, co0: number, n: number): Float32Array {
  const out = new Float32Array(n * K * cinG);
  for (let o = 0; o < n; o++) for (let k = 0; k < K; k++) for (let ci = 0; ci < cinG; ci++) {
    out[(o * K + k) * cinG + ci] = w[(k * cinG + ci) * cout + co0 + o]!;
  }
  return out;
}

const dense: Emitter<'Dense'> = {
  check({ node: n, b }) { return b.graph.constants.has(n.inputs[1]!) ? null : `weight ${n.inputs[1]} is not a constant (FULLY_CONNECTED wants a constant [out,in] weight)`; },
  // IR  Dense(x [...,K], w [K,N], bias? [N]) -> [...,N]
  // TFL FULLY_CONNECTED(x, W [N,K], bias | -1; keep_num_dims) -> [...,N]
  emit({ node: n, b }) {
    const [xName, wName, biasName] = inputNames(n, 2, 1);
    const w = b.graph.constants.get(wName)!;
    const [K, N] = dims(w.shape, 2);
    const weight = b.derived(`${wName}#fc`, [N, K], () => {
      const t = new Float32Array(K * N);
      for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) t[j * K + k] = w.data[k * N + j]!;
      return t;
    }, 'fc', wName);
    const hybrid = b.isInt8(weight);
    b.op('FULLY_CONNECTED', [b.value(xName), weight, biasName ? b.value(biasName) : -1], [b.output(n.output)], {
      fused_activation_function: ACTIVATION.NONE, keep_num_dims: true,
      // TF's dynamic-range default: the hybrid kernel quantizes its float input asymmetrically per row.
      ...(hybrid ? { asymmetric_quantize_inputs: true } : {}),
    });
  },
};

const batchMatMul: Emitter<'BatchMatMul'> = {
  // IR  BatchMatMul(a [...,M,K], b [...,K,N] | [...,N,K]; transposeB) -> [...,M,N]
  // TFL BATCH_MATMUL(a, b; adj_x=false, adj_y=transposeB)
  emit({ node: n, b }) {
    const [x, y] = n.inputs.map((i) => b.value(i));
    b.op('BATCH_MATMUL', [x!, y!], [b.output(n.output)], { adj_x: false, adj_y: n.attrs.transposeB });
  },
};

/**
 * The float steps the kit's decompositions (converters/kit/decompose.ts) are written in, as TFLite
 * builtins on tensor indices: a step with a role makes the activation `<node>/<role>`, shaped by
 * broadcasting its operands; the last step (no role) makes the node's output.
 */
function tflSteps(n: IrNode, b: TflBuilder): LayerNormBuilder<number> {
  const none = { fused_activation_function: ACTIVATION.NONE };
  const shapeOf = (t: number) => b.model.tensors[t]!.shape;
  const step = (op: EmittedOp, inputs: number[], role: string | undefined, shape: readonly number[] | undefined, options?: OptionValues) => {
    if (!shape) throw new Error(`${n.name}: ${op} operands [${inputs.map((t) => `[${shapeOf(t)}]`).join(', ')}] do not broadcast`);
    const out = role ? b.activation(`${n.name}/${role}`, [...shape]) : b.output(n.output);
    b.op(op, inputs, [out], options);
    return out;
  };
  const binaryStep = (op: EmittedOp, options?: OptionValues) => (x: number, y: number, role?: string) =>
    step(op, [x, y], role, broadcastShapes(shapeOf(x), shapeOf(y)), options);
  return {
    add: binaryStep('ADD', none),
    sub: binaryStep('SUB', none),
    mul: binaryStep('MUL', none),
    squaredDifference: binaryStep('SQUARED_DIFFERENCE'),
    // Kept float32 ('exact') at every precision, as the epsilon always was.
    scalar: (v) => b.constant(`${n.name}/scalar_${v}`, [1], Float32Array.of(v), 'exact'),
    meanLastAxis: (x, role) => {
      const s = shapeOf(x);
      return step('MEAN', [x, b.int32([s.length - 1])], role, [...s.slice(0, -1), 1], { keep_dims: true });
    },
    rsqrt: (x, role) => step('RSQRT', [x], role, shapeOf(x)),
  };
}

const layerNorm: Emitter<'LayerNorm'> = {
  // IR  LayerNorm(x [...,C], gamma [C], beta [C]; epsilon) -> [...,C]
  // TFL (TFLite has no layer-norm builtin; the kit's decomposition)
  //     mean = MEAN(x, C axis, keep_dims); var = MEAN(SQUARED_DIFFERENCE(x, mean))
  //     y = SUB(x, mean) * RSQRT(ADD(var, eps)) * gamma + beta
  emit({ node: n, b }) {
    const [xName, gName, bName] = inputNames(n, 3);
    decomposeLayerNorm(tflSteps(n, b), b.value(xName), b.value(gName), b.value(bName), n.attrs.epsilon);
  },
};

const softmax: Emitter<'Softmax'> = {
  // IR  Softmax(x) over the last axis
  // TFL SOFTMAX(x; beta=1.0) — the schema default beta is 0, so it is always written
  emit({ node: n, b }) { b.op('SOFTMAX', [b.value(n.inputs[0]!)], [b.output(n.output)], { beta: 1.0 }); },
};

const reshape: Emitter<'Reshape'> = {
  // IR  Reshape(x; shape) -> shape
  // TFL RESHAPE(x, shape int32; new_shape)
  emit({ node: n, b }) {
    const s = n.attrs.shape;
    b.op('RESHAPE', [b.value(n.inputs[0]!), b.int32(s)], [b.output(n.output)], { new_shape: s });
  },
};

const transpose: Emitter<'Transpose'> = {
  check({ node: n, b }) { return b.shapeOf(n.inputs[0]!).length > 6 ? 'TRANSPOSE supports rank <= 6' : null; },
  // IR  Transpose(x; perm) -> perm(x.shape)
  // TFL TRANSPOSE(x, perm int32)
  emit({ node: n, b }) { b.op('TRANSPOSE', [b.value(n.inputs[0]!), b.int32(n.attrs.perm)], [b.output(n.output)]); },
};

const slice: Emitter<'Slice'> = {
  // IR  Slice(x; begin, size (-1 = to the end)) -> size
  // TFL SLICE(x, begin int32, size int32)
  emit({ node: n, b }) {
    b.op('SLICE', [b.value(n.inputs[0]!), b.int32(n.attrs.begin), b.int32(n.attrs.size)], [b.output(n.output)]);
  },
};

const concat: Emitter<'Concat'> = {
  // IR  Concat(x1..xN; axis) -> x1 ++ ... ++ xN along axis
  // TFL CONCATENATION(x1..xN; axis, fused_activation_function=NONE)
  emit({ node: n, b }) {
    const rank = b.shapeOf(n.inputs[0]!).length;
    const axis = n.attrs.axis < 0 ? n.attrs.axis + rank : n.attrs.axis;
    b.op('CONCATENATION', n.inputs.map((i) => b.value(i)), [b.output(n.output)], { axis, fused_activation_function: ACTIVATION.NONE });
  },
};

const gather: Emitter<'Gather'> = {
  // IR  Gather(x; axis, indices) -> x.shape with dim axis = indices.length
  // TFL GATHER(x, indices int32 [N]; axis, batch_dims=0)
  emit({ node: n, b }) {
    b.op('GATHER', [b.value(n.inputs[0]!), b.int32(n.attrs.indices)], [b.output(n.output)], { axis: n.attrs.axis, batch_dims: 0 });
  },
};

/** IR ReduceMin|ReduceMax(x; axes, keepDims) -> TFL REDUCE_MIN|REDUCE_MAX(x, axes int32; keep_dims) */
// Typed over the union, not a generic O: AttrsOf of the union is ReduceAttrs, which a generic O would hide.
const reduce = (op: 'REDUCE_MIN' | 'REDUCE_MAX'): Emitter<'ReduceMin' | 'ReduceMax'> => ({
  emit({ node: n, b }) {
    const { axes, keepDims } = n.attrs;
    b.op(op, [b.value(n.inputs[0]!), b.int32(axes)], [b.output(n.output)], { keep_dims: keepDims });
  },
});

const relu: Emitter<'Relu'> = {
  // IR Relu(x) -> TFL RELU(x)
  emit: ({ node: n, b }) => b.op('RELU', [b.value(n.inputs[0]!)], [b.output(n.output)]),
};

const divNoNan: Emitter<'DivNoNan'> = {
  // IR  DivNoNan(a, b) = a / b, 0 where b == 0 (broadcasting)
  // TFL SELECT_V2(EQUAL(b, 0), 0, DIV(a, b)) (TFLite has no DivNoNan builtin; SELECT_V2 broadcasts)
  emit({ node: n, b }) {
    const [aName, bName] = inputNames(n, 2);
    const divisor = b.value(bName);
    const zero = b.constant(`${n.name}/zero`, [], Float32Array.of(0), 'exact');
    const isZero = b.activation(`${n.name}/divisor_is_zero`, b.shapeOf(bName), 'BOOL');
    b.op('EQUAL', [divisor, zero], [isZero]);
    const q = b.activation(`${n.name}/quotient`, b.shapeOf(n.output));
    b.op('DIV', [b.value(aName), divisor], [q], { fused_activation_function: ACTIVATION.NONE });
    b.op('SELECT_V2', [isZero, zero, q], [b.output(n.output)]);
  },
};

export const EMITTERS = {
  Add: binary('ADD'),
  Sub: binary('SUB'),
  Mul: binary('MUL'),
  Div: binary('DIV'),
  Sigmoid: unary('LOGISTIC'),
  // The model's GELU is the tanh approximation (ops.ts geluTanh).
  Gelu: unary('GELU', { approximate: true }),
  Sqrt: unary('SQRT'),
  Log: unary('LOG'),
  Tanh: unary('TANH'),
  Conv1D: conv1d,
  Dense: dense,
  BatchMatMul: batchMatMul,
  LayerNorm: layerNorm,
  Softmax: softmax,
  Reshape: reshape,
  Transpose: transpose,
  Slice: slice,
  Concat: concat,
  Gather: gather,
  Relu: relu,
  DivNoNan: divNoNan,
  ReduceMin: reduce('REDUCE_MIN'),
  ReduceMax: reduce('REDUCE_MAX'),
  ...IMAGE_EMITTERS,
} satisfies TfliteEmitterTable;

/** Every IR op -> its TFLite ops; indexing with a generic O gives Emitter<O> (no cast at lookup). */
type TfliteEmitterTable = { readonly [O in OpName]: Emitter<O> };
const TABLE: TfliteEmitterTable = EMITTERS;
export const emitterFor = <O extends OpName>(op: O): Emitter<O> => TABLE[op];
