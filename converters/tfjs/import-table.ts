/**
 * TF op (as tfjs graph models hold them) -> IR ops. One rule per TF op; a rule
 * returns the node's value or throws Unsupported(reason) when the node's
 * attributes or inputs fall outside what the closed IR can express. Int32
 * shape arithmetic folds at import time (static shapes). Ops with no IR
 * equivalent at all are in import-gaps.ts.
 */
import type { HostTensor } from '../../src/ir/tensor.js';
import type { OpName, PadMode } from '../../src/ir/ops.js';
import { samePads } from '../../src/ir/shape-rules.js';
import { type FloatValue, type ImportContext, type IntValue, type Value, Unsupported, normAxis } from './import-context.js';
import { denseStridedSlice, sliceHost } from './strided-slice.js';

export type ImportRule = (c: ImportContext) => Value;

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const int = (shape: number[], data: number[]): IntValue => ({ kind: 'int', shape, data });

function requireFloatT(c: ImportContext): void {
  const t = c.attrType('T');
  if (t !== undefined && t !== 'DT_FLOAT') throw new Unsupported(`element type ${t}: the IR computes in float32 only`);
}

const allInt = (c: ImportContext) => Array.from({ length: c.inputCount }, (_, i) => i).every((i) => c.isInt(i));

/** Elementwise int arithmetic on folded values (same shape or a scalar side). */
function foldBinary(c: ImportContext, f: (a: number, b: number) => number): IntValue {
  const a = c.value(0) as IntValue, b = c.value(1) as IntValue;
  const n = Math.max(a.data.length, b.data.length);
  if ((a.data.length !== n && a.data.length !== 1) || (b.data.length !== n && b.data.length !== 1)) throw new Unsupported('int operands do not broadcast');
  const shape = a.data.length === n ? a.shape : b.shape;
  return int(shape, Array.from({ length: n }, (_, i) => f(a.data[a.data.length === 1 ? 0 : i]!, b.data[b.data.length === 1 ? 0 : i]!)));
}

function binary(op: 'Add' | 'Sub' | 'Mul' | 'Div' | 'DivNoNan', fold?: (a: number, b: number) => number): ImportRule {
  return (c) => {
    if (allInt(c)) { if (!fold) throw new Unsupported('int32 operands'); return foldBinary(c, fold); }
    requireFloatT(c);
    return c.add(op, [c.float(0), c.float(1)], {});
  };
}

function unary(op: 'Sigmoid' | 'Sqrt' | 'Log' | 'Tanh' | 'Softmax' | 'Relu'): ImportRule {
  return (c) => { requireFloatT(c); return c.add(op, [c.float(0)], {}); };
}

/** Sum / Mean over axes -> [Transpose] Reshape [..., R] Dense(ones or 1/R [R,1]) Reshape. */
function reduce(kind: 'sum' | 'mean'): ImportRule {
  return (c) => {
    requireFloatT(c);
    const x = c.float(0), rank = x.shape.length;
    const axes = [...new Set(c.ints(1).map((a) => normAxis(a, rank, 'reduction axis')))].sort((a, b) => a - b);
    const keep = c.attrBool('keep_dims');
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const outShape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept.map((i) => x.shape[i]!);
    if (axes.length === 0) return x;
    const R = size(axes.map((a) => x.shape[a]!));
    const moved = c.transpose(x, [...kept, ...axes], 'reduce_axes_last');
    const rows = c.reshape(moved, [...(kept.length ? kept.map((i) => x.shape[i]!) : [1]), R], 'reduce_flat');
    const w = c.constant('reduce_weights', { shape: [R, 1], data: new Float32Array(R).fill(kind === 'sum' ? 1 : 1 / R) });
    const summed = c.add('Dense', [rows, w], {}, 'reduce');
    return c.reshape(summed, outShape);
  };
}

/** x * x * ... for small integer exponents, Sqrt for 0.5. */
function powerOf(c: ImportContext, x: FloatValue, p: number): FloatValue {
  if (p === 0.5) return c.add('Sqrt', [x], {});
  if (!Number.isInteger(p) || p < 1 || p > 4) throw new Unsupported(`exponent ${p}: only 0.5 and the integers 1..4 map to IR ops`);
  let y = x;
  for (let k = 2; k <= p; k++) y = c.add('Mul', [y, x], {}, k === p ? undefined : `pow_${k}`);
  return y;
}

/** Concatenation of any number of same-rank tensors: one IR Concat (N-ary), or the tensor itself when alone. */
function concatAll(c: ImportContext, xs: FloatValue[], axis: number): FloatValue {
  return xs.length === 1 ? xs[0]! : c.add('Concat', xs, { axis });
}

/**
 * Conv2D / _FusedConv2D (BiasAdd, Relu) / DepthwiseConv2dNative, NHWC:
 *   height-1 kernel, no height stride or padding: Reshape [B*H, W, C] -> Conv1D -> Reshape [B, H, W', C']
 *   (what conv1d layers export as; our own Conv1D export round-trips to one Conv1D);
 *   anything else: Conv2D with explicit pads (SAME resolved here), then Relu when fused.
 */
function conv2d(depthwise: boolean, fused: boolean): ImportRule {
  return (c) => {
    requireFloatT(c);
    // Collect every reason, so the report says all that a node lacks (e.g. dilation AND a fused Relu6).
    const reasons: string[] = [];
    if (c.attrStr('data_format', 'NHWC') !== 'NHWC') reasons.push('data_format NCHW: only NHWC maps to the channels-last IR');
    const dil = c.attrInts('dilations', [1, 1, 1, 1]);
    if (dil.some((d) => d !== 1)) reasons.push(`dilations [${dil}]: IR convolutions have no dilation`);
    let biasIndex = -1, relu = false;
    if (fused) {
      const fusedOps = c.attrStrs('fused_ops');
      const extra = fusedOps.filter((f) => f !== 'BiasAdd' && f !== 'Relu');
      if (extra.length) reasons.push(`fused ${extra.join(', ')}: no IR op (activation)`);
      if (fusedOps.includes('BiasAdd')) biasIndex = 2;
      relu = fusedOps.includes('Relu');
    }
    const filter = c.constData(1);
    if (!filter || filter.shape.length !== 4) throw new Unsupported([...reasons, 'filter must be a rank-4 Const'].join('; '));
    const [kh, kw, fin, fout] = filter.shape as [number, number, number, number];
    const strides = c.attrInts('strides', [1, 1, 1, 1]);
    const padding = c.attrStr('padding', 'VALID');
    const explicit = padding === 'EXPLICIT' ? c.attrInts('explicit_paddings') : [];
    if (padding === 'EXPLICIT' && (explicit.length !== 8 || explicit[0] || explicit[1] || explicit[6] || explicit[7])) reasons.push(`explicit_paddings [${explicit}]: batch and channel padding have no IR conv equivalent`);
    if (padding !== 'SAME' && padding !== 'VALID' && padding !== 'EXPLICIT') reasons.push(`padding ${padding}`);
    if (strides[0] !== 1 || strides[3] !== 1) reasons.push(`strides [${strides}]: batch and channel strides`);
    if (reasons.length) throw new Unsupported(reasons.join('; '));
    const x = c.float(0);
    if (x.shape.length !== 4) throw new Unsupported(`input rank ${x.shape.length}, expected NHWC rank 4`);
    const [B, H, W, C] = x.shape as [number, number, number, number];
    const [sh, sw] = [strides[1]!, strides[2]!];
    if (!depthwise && C % fin !== 0) throw new Unsupported(`filter input channels ${fin} do not divide the input's ${C}`);
    const groups = depthwise ? C : C / fin;
    const cout = depthwise ? fin * fout : fout;
    const pads = (size: number, k: number, st: number, axis: 1 | 2): [number, number] =>
      padding === 'SAME' ? samePads(size, k, st) : padding === 'EXPLICIT' ? [explicit[2 * axis]!, explicit[2 * axis + 1]!] : [0, 0];
    const [pt, pb] = pads(H, kh, sh, 1), [pl, pr] = pads(W, kw, sw, 2);
    const bias = biasIndex >= 0 ? [c.float(biasIndex)] : [];
    // The node producing the TF node's value takes its name: the Relu when fused, else the conv's result.
    const last = (suffix: string) => (relu ? suffix : undefined);
    let y: FloatValue;
    if (kh === 1 && pt === 0 && pb === 0 && (sh === 1 || H === 1)) {
      const w = c.constant('filter', { shape: [kw, depthwise ? 1 : fin, cout], data: filter.data });
      const rows = c.reshape(x, [B * H, W, C], 'rows');
      const y1 = c.add('Conv1D', [rows, w, ...bias], { stride: sw, padBegin: pl, padEnd: pr, groups }, 'conv1d');
      y = c.reshape(y1, [B, H, y1.shape[1]!, cout], last('unrows'));
    } else {
      // TF's depthwise filter [KH,KW,C,m] has the bytes of the IR's [KH,KW,1,C*m] (output channel c*m + j).
      const w = c.constant('filter', { shape: [kh, kw, depthwise ? 1 : fin, cout], data: filter.data });
      y = c.add('Conv2D', [x, w, ...bias], { strides: [sh, sw], pads: [pt, pb, pl, pr], groups }, last('conv2d'));
    }
    return relu ? c.add('Relu', [y], {}) : y;
  };
}

export const IMPORT_RULES: Record<string, ImportRule> = {
  // Identity(x) -> x
  Identity: (c) => c.value(0),
  // AddV2/Add/BiasAdd(a, b) -> Add (numpy broadcasting; BiasAdd's bias is the last axis, as in NHWC)
  AddV2: binary('Add', (a, b) => a + b),
  Add: binary('Add', (a, b) => a + b),
  BiasAdd: (c) => {
    if (c.attrStr('data_format', 'NHWC') !== 'NHWC') throw new Unsupported('data_format NCHW');
    return binary('Add')(c);
  },
  Sub: binary('Sub', (a, b) => a - b),
  Mul: binary('Mul', (a, b) => a * b),
  RealDiv: binary('Div'),
  Div: binary('Div'),
  // FloorDiv on shape arithmetic only
  FloorDiv: (c) => { if (!allInt(c)) throw new Unsupported('float FloorDiv: no IR floor'); return foldBinary(c, (a, b) => Math.floor(a / b)); },
  Sigmoid: unary('Sigmoid'),
  Sqrt: unary('Sqrt'),
  Log: unary('Log'),
  Tanh: unary('Tanh'),
  // Softmax(x) over the last axis -> Softmax
  Softmax: unary('Softmax'),
  // Relu(x) -> Relu
  Relu: unary('Relu'),
  // DivNoNan(a, b) -> DivNoNan (0 where b == 0)
  DivNoNan: binary('DivNoNan'),
  // Neg(x) -> Mul(x, -1)
  Neg: (c) => { requireFloatT(c); return c.add('Mul', [c.float(0), c.scalar('minus_one', -1)], {}); },
  // Square(x) -> Mul(x, x)
  Square: (c) => { requireFloatT(c); const x = c.float(0); return c.add('Mul', [x, x], {}); },
  // SquaredDifference(a, b) -> d = Sub(a, b); Mul(d, d)
  SquaredDifference: (c) => { requireFloatT(c); const d = c.add('Sub', [c.float(0), c.float(1)], {}, 'diff'); return c.add('Mul', [d, d], {}); },
  // Rsqrt(x) -> Div(1, Sqrt(x))
  Rsqrt: (c) => { requireFloatT(c); return c.add('Div', [c.scalar('one', 1), c.add('Sqrt', [c.float(0)], {}, 'sqrt')], {}); },
  // Pow(x, c) with a constant scalar c in {0.5, 1..4} -> Sqrt / Mul chain
  Pow: (c) => {
    requireFloatT(c);
    const e = c.constData(1);
    if (!e || e.data.length !== 1) throw new Unsupported('exponent must be a scalar Const');
    return powerOf(c, c.float(0), e.data[0]!);
  },
  Mean: reduce('mean'),
  Sum: reduce('sum'),
  // Min/Max(x, axes, keep_dims) -> ReduceMin/ReduceMax (axes normalised; no axes: x itself)
  Min: reduceExtreme('ReduceMin'),
  Max: reduceExtreme('ReduceMax'),

  // MatMul(a, b, transpose_a, transpose_b) -> Dense(a, b) when b is a rank-2 Const, else BatchMatMul over a batch of 1
  MatMul: (c) => matmul(c, false),
  // _FusedMatMul(a, b, bias; fused_ops [BiasAdd]) -> Dense(a, b, bias)
  _FusedMatMul: (c) => matmul(c, true),
  // BatchMatMulV2(x, y, adj_x, adj_y) -> [Transpose x] BatchMatMul(x, y, transposeB = adj_y); a rank-2 Const y -> Dense
  BatchMatMulV2: (c) => batchMatMul(c),
  BatchMatMul: (c) => batchMatMul(c),

  Conv2D: conv2d(false, false),
  _FusedConv2D: conv2d(false, true),
  DepthwiseConv2dNative: conv2d(true, false),
  FusedDepthwiseConv2dNative: conv2d(true, true),

  // Reshape(x, shape) -> Reshape (-1 resolved from the static size)
  Reshape: (c) => {
    const shape = c.ints(1);
    const inShape = c.shapeOf(0);
    const known = size(shape.filter((d) => d !== -1));
    const resolved = shape.map((d) => (d === -1 ? size(inShape) / known : d));
    if (shape.filter((d) => d === -1).length > 1 || resolved.some((d) => !Number.isInteger(d) || d < 0) || size(resolved) !== size(inShape)) throw new Unsupported(`shape [${shape}] does not fit input [${inShape}]`);
    if (c.isInt(0)) return int(resolved, (c.value(0) as IntValue).data);
    return c.reshape(c.float(0), resolved);
  },
  // ExpandDims(x, axis) / Squeeze(x, squeeze_dims) -> Reshape
  ExpandDims: (c) => {
    const s = c.shapeOf(0), ax = c.ints(1);
    if (ax.length !== 1) throw new Unsupported('axis must be one value');
    const a = normAxis(ax[0]!, s.length + 1);
    const shape = [...s.slice(0, a), 1, ...s.slice(a)];
    return c.isInt(0) ? int(shape, (c.value(0) as IntValue).data) : c.reshape(c.float(0), shape);
  },
  Squeeze: (c) => {
    const s = c.shapeOf(0);
    const dims = c.attrInts('squeeze_dims', []).map((a) => normAxis(a, s.length));
    const shape = s.filter((d, i) => (dims.length ? !dims.includes(i) : d !== 1));
    if (dims.some((a) => s[a] !== 1)) throw new Unsupported(`squeezes an axis of size > 1 in [${s}]`);
    return c.isInt(0) ? int(shape, (c.value(0) as IntValue).data) : c.reshape(c.float(0), shape);
  },
  // Transpose(x, perm) -> Transpose
  Transpose: (c) => { requireFloatT(c); return c.transpose(c.float(0), c.ints(1)); },
  // Slice(x, begin, size) -> Slice (size -1 = to the end)
  Slice: (c) => {
    requireFloatT(c);
    const x = c.float(0), begin = c.ints(1), sz = c.ints(2);
    return c.add('Slice', [x], { begin, size: sz.map((s, i) => (s === -1 ? x.shape[i]! - begin[i]! : s)) });
  },
  // StridedSlice: folds on int values; on floats -> Slice + Reshape when every stride is 1
  StridedSlice: (c) => {
    const masks = { begin: c.attrInt('begin_mask', 0), end: c.attrInt('end_mask', 0), ellipsis: c.attrInt('ellipsis_mask', 0), newAxis: c.attrInt('new_axis_mask', 0), shrinkAxis: c.attrInt('shrink_axis_mask', 0) };
    const shape = c.shapeOf(0);
    const spec = denseStridedSlice(shape, c.ints(1), c.ints(2), c.ints(3), masks);
    if (c.isInt(0)) return int(spec.outShape, sliceHost((c.value(0) as IntValue).data, shape, spec));
    const bad = spec.axes.findIndex((a) => a.stride !== 1 && a.length > 1);
    if (bad >= 0) throw new Unsupported(`stride ${spec.axes[bad]!.stride} on axis ${bad}: IR Slice takes unit strides`);
    const sliced = c.add('Slice', [c.float(0)], { begin: spec.axes.map((a) => a.begin), size: spec.axes.map((a) => a.length) }, 'slice');
    return c.reshape(sliced, spec.outShape);
  },
  // ConcatV2(x1..xN, axis) -> Concat(x1..xN)
  ConcatV2: (c) => {
    const n = c.inputCount - 1;
    const axisIn = c.ints(n);
    if (axisIn.length !== 1) throw new Unsupported('axis must be a scalar');
    const rank = c.shapeOf(0).length;
    const axis = normAxis(axisIn[0]!, rank);
    if (Array.from({ length: n }, (_, i) => i).every((i) => c.isInt(i))) {
      if (rank !== 1) throw new Unsupported('int concat beyond rank 1');
      const parts = Array.from({ length: n }, (_, i) => c.ints(i));
      return int([parts.reduce((k, p) => k + p.length, 0)], parts.flat());
    }
    requireFloatT(c);
    return concatAll(c, Array.from({ length: n }, (_, i) => c.float(i)), axis);
  },
  // Pack(x1..xN, axis): folds int scalars; floats -> Reshape each (new axis) + Concat(x1..xN)
  Pack: (c) => {
    const n = c.inputCount, s = c.shapeOf(0);
    const axis = normAxis(c.attrInt('axis', 0), s.length + 1);
    if (Array.from({ length: n }, (_, i) => i).every((i) => c.isInt(i))) {
      if (axis !== 0) throw new Unsupported('int Pack on an axis other than 0');
      return int([n, ...s], Array.from({ length: n }, (_, i) => c.ints(i)).flat());
    }
    requireFloatT(c);
    const expanded = [...s.slice(0, axis), 1, ...s.slice(axis)];
    return concatAll(c, Array.from({ length: n }, (_, i) => c.reshape(c.float(i), expanded, `expand_${i}`)), axis);
  },
  // GatherV2(params, indices, axis): folds on int values; on floats -> Gather (+ Reshape when indices are not 1-D)
  GatherV2: (c) => {
    if (c.attrInt('batch_dims', 0) !== 0) throw new Unsupported(`batch_dims ${c.attrInt('batch_dims', 0)}: IR Gather has none`);
    const shape = c.shapeOf(0);
    const axisIn = c.ints(2);
    if (axisIn.length !== 1) throw new Unsupported('axis must be a scalar');
    const axis = normAxis(axisIn[0]!, shape.length);
    const iv = c.value(1);
    if (iv.kind !== 'int') throw new Unsupported('indices must be an int32 value known at import time (IR Gather takes a constant index list)');
    const d = shape[axis]!;
    // TF's CPU kernel rejects an index outside [0, dim) (no wrap-around), so the importer does too.
    const bad = iv.data.find((i) => !Number.isInteger(i) || i < 0 || i >= d);
    if (bad !== undefined) throw new Unsupported(`index ${bad} out of range [0, ${d}) on axis ${axis}`);
    const outShape = [...shape.slice(0, axis), ...iv.shape, ...shape.slice(axis + 1)];
    if (c.isInt(0)) {
      const data = (c.value(0) as IntValue).data;
      const inner = size(shape.slice(axis + 1)), outer = size(shape.slice(0, axis));
      const out: number[] = [];
      for (let o = 0; o < outer; o++) for (const i of iv.data) for (let k = 0; k < inner; k++) out.push(data[(o * d + i) * inner + k]!);
      return int(outShape, out);
    }
    const tp = c.attrType('Tparams');
    if (tp !== undefined && tp !== 'DT_FLOAT') throw new Unsupported(`element type ${tp}: the IR computes in float32 only`);
    if (iv.data.length === 0) throw new Unsupported('no indices: IR Gather needs at least one');
    const g = c.add('Gather', [c.float(0)], { axis, indices: [...iv.data] }, iv.shape.length === 1 ? undefined : 'gather');
    return iv.shape.length === 1 ? g : c.reshape(g, outShape);
  },
  // Shape(x) -> folded int32 [rank]
  Shape: (c) => { const s = c.shapeOf(0); return int([s.length], [...s]); },
  // Pad/PadV2(x, paddings[, value]) -> Pad{constant, value}; MirrorPad REFLECT -> Pad{reflect}
  Pad: (c) => pad(c, 'constant', 0),
  PadV2: (c) => {
    const v = c.constData(2);
    if (!v || v.data.length !== 1) throw new Unsupported('constant_values must be a scalar Const');
    return pad(c, 'constant', v.data[0]!);
  },
  MirrorPad: (c) => {
    const mode = c.attrStr('mode');
    if (mode !== 'REFLECT') throw new Unsupported(`mode ${mode}: the IR Pad reflects without repeating the edge (REFLECT) only`);
    return pad(c, 'reflect', 0);
  },
};

function matmul(c: ImportContext, fused: boolean): Value {
  requireFloatT(c);
  if (fused) {
    const f = c.attrStrs('fused_ops');
    if (f.length !== 1 || f[0] !== 'BiasAdd') throw new Unsupported(`fused ${f.join(', ') || '(none)'}: only BiasAdd maps to Dense`);
  }
  const ta = c.attrBool('transpose_a'), tb = c.attrBool('transpose_b');
  const a0 = c.float(0);
  if (a0.shape.length !== 2) throw new Unsupported(`MatMul input rank ${a0.shape.length}, expected 2`);
  const a = ta ? c.transpose(a0, [1, 0], 'transpose_a') : a0;
  const bData = c.constData(1);
  if (bData && bData.shape.length === 2) {
    const w = tb ? c.constant('weight_t', transposed2d(bData)) : c.float(1);
    const bias = fused ? [c.float(2)] : [];
    return c.add('Dense', [a, w, ...bias], {});
  }
  const b0 = c.float(1);
  const a3 = c.reshape(a, [1, ...a.shape], 'batch_a');
  const b3 = c.reshape(b0, [1, ...b0.shape], 'batch_b');
  const y = c.add('BatchMatMul', [a3, b3], { transposeB: tb }, 'matmul');
  const y2 = c.reshape(y, y.shape.slice(1), fused ? 'unbatch' : undefined);
  return fused ? c.add('Add', [y2, c.float(2)], {}) : y2;
}

function batchMatMul(c: ImportContext): Value {
  requireFloatT(c);
  const adjX = c.attrBool('adj_x'), adjY = c.attrBool('adj_y');
  const x0 = c.float(0);
  const r = x0.shape.length;
  const x = adjX ? c.transpose(x0, [...x0.shape.keys()].map((i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)), 'adj_x') : x0;
  const yData = c.constData(1);
  if (yData && yData.shape.length === 2) return c.add('Dense', [x, adjY ? c.constant('weight_t', transposed2d(yData)) : c.float(1)], {});
  const y = c.float(1);
  if (y.shape.length !== r || y.shape.slice(0, -2).join() !== x.shape.slice(0, -2).join()) throw new Unsupported(`batch dims of [${x.shape}] and [${y.shape}] differ: IR BatchMatMul does not broadcast`);
  return c.add('BatchMatMul', [x, y], { transposeB: adjY });
}

function transposed2d(t: HostTensor): HostTensor {
  const [r, k] = t.shape as [number, number];
  const out = new Float32Array(r * k);
  for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) out[j * r + i] = t.data[i * k + j]!;
  return { shape: [k, r], data: out };
}

function pad(c: ImportContext, mode: PadMode, value: number): Value {
  requireFloatT(c);
  const x = c.float(0);
  const p = c.ints(1), rank = x.shape.length;
  if (p.length !== 2 * rank || p.some((v) => !Number.isInteger(v) || v < 0)) throw new Unsupported(`paddings [${p}] must be non-negative [${rank}, 2]`);
  const pads = x.shape.map((_, a): [number, number] => [p[2 * a]!, p[2 * a + 1]!]);
  if (pads.every(([b, e]) => b === 0 && e === 0)) return x;
  const tooWide = pads.findIndex(([b, e], a) => mode === 'reflect' && (b > x.shape[a]! - 1 || e > x.shape[a]! - 1));
  if (tooWide >= 0) throw new Unsupported(`reflect padding [${pads[tooWide]}] on axis ${tooWide} exceeds its size ${x.shape[tooWide]} - 1`);
  return c.add('Pad', [x], mode === 'constant' && value !== 0 ? { mode, pads, value } : { mode, pads });
}

/** Min / Max over axes -> ReduceMin / ReduceMax (sorted, non-negative axes). */
function reduceExtreme(op: 'ReduceMin' | 'ReduceMax'): ImportRule {
  return (c) => {
    requireFloatT(c);
    const x = c.float(0);
    const axes = [...new Set(c.ints(1).map((a) => normAxis(a, x.shape.length, 'reduction axis')))].sort((a, b) => a - b);
    if (axes.length === 0) return x;
    return c.add(op, [x], { axes, keepDims: c.attrBool('keep_dims') });
  };
}

/**
 * Which TF ops import to each IR op: the importer's answer for every IR op, compile-checked
 * (a new IR op is an error here until it answers) and checked against IMPORT_RULES by
 * test/ir/op-coverage.test.ts. [] = tfjs graph models spell the op out in smaller ops
 * (GELU, LayerNorm), which import to those.
 */
export const IR_OP_SOURCES = {
  Add: ['AddV2', 'Add', 'BiasAdd'],
  Sub: ['Sub', 'SquaredDifference'],
  Mul: ['Mul', 'Neg', 'Square'],
  Div: ['RealDiv', 'Div', 'Rsqrt'],
  Sigmoid: ['Sigmoid'],
  Gelu: [],
  Sqrt: ['Sqrt'],
  Log: ['Log'],
  Tanh: ['Tanh'],
  Conv1D: ['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative'],
  Dense: ['MatMul', '_FusedMatMul', 'BatchMatMulV2', 'BatchMatMul', 'Mean', 'Sum'],
  BatchMatMul: ['BatchMatMulV2', 'BatchMatMul', 'MatMul'],
  LayerNorm: [],
  Softmax: ['Softmax'],
  Reshape: ['Reshape', 'ExpandDims', 'Squeeze'],
  Transpose: ['Transpose'],
  Slice: ['Slice', 'StridedSlice'],
  Concat: ['ConcatV2', 'Pack'],
  Gather: ['GatherV2'],
  Relu: ['Relu'],
  DivNoNan: ['DivNoNan'],
  ReduceMin: ['Min'],
  ReduceMax: ['Max'],
  Pad: ['Pad', 'PadV2', 'MirrorPad'],
  Conv2D: ['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative'],
} as const satisfies Record<OpName, readonly string[]>;
