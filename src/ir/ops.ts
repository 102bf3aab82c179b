/**
 * The closed IR op set. Each op has ONE definition: its inputs, attributes,
 * shape rule and reference evaluation on plain Float32Arrays. The evaluation
 * doubles as constant folder (passes) and as the parity reference.
 *
 * Layout: activations are channels-last (NLC / [..., features]); conv weights
 * are [K, Cin/groups, Cout] (tfjs). Converters that need NCHW insert their own
 * transposes.
 */
import { type HostTensor, sizeOf, stridesOf, fmtShape, shapeEq } from './tensor.js';
import { broadcastShapes } from './shape-rules.js';

/**
 * What an op input is. Converters and passes read this instead of keeping their own lists:
 * - `activation`: data computed by the graph (or a fixed table standing in for it);
 * - `weight`: a learned matmul / conv kernel, output channels on its last axis: nearly all of
 *   a model's bytes, and what reduced-precision exports store smaller (src/ir/precision.ts);
 * - `param`: a small learned vector (bias, LayerNorm gamma / beta): always kept in float32.
 */
export type InputRole = 'activation' | 'weight' | 'param';

export interface OpInput {
  name: string;
  role: InputRole;
  /** An optional input may be left off the end of a node's inputs (Conv / Dense bias). */
  optional?: boolean;
  /** A variadic input is the last one and repeats: the node passes any number of them (Concat's values). */
  variadic?: boolean;
}

/**
 * Kind of computation, for passes that treat whole families alike:
 * `elementwise` ops map each output element from the same-index input elements (with
 * broadcasting) and nothing else; `layout` ops only move or copy elements (no arithmetic).
 */
export type OpKind = 'elementwise' | 'linear' | 'normalization' | 'reduction' | 'layout';

export interface OpDef<A = any> {
  /** Inputs, in order, each with its role. */
  inputs: readonly OpInput[];
  kind: OpKind;
  inferShape(inputs: number[][], attrs: A): number[];
  evaluate(inputs: HostTensor[], attrs: A): HostTensor;
  /** FLOPs of one node (a multiply-add counts 2) from its static shapes: the roofline's numerator. */
  flops(inputs: number[][], output: number[], attrs: A): number;
}

const activation = (name: string): OpInput => ({ name, role: 'activation' });
const weight = (name: string): OpInput => ({ name, role: 'weight' });
const param = (name: string, optional = false): OpInput => (optional ? { name, role: 'param', optional } : { name, role: 'param' });

// FLOP rules shared by several ops.
const noFlops = (): number => 0;
const perElement = (cost: number) => (_: number[][], out: number[]): number => cost * sizeOf(out);
/** Reductions touch every input element once. */
const perInputElement = ([x]: number[][]): number => sizeOf(x!);

export interface Conv1DAttrs { stride: number; padBegin: number; padEnd: number; groups: number }
export interface LayerNormAttrs { epsilon: number }
export interface BatchMatMulAttrs { transposeB: boolean }
export interface ReshapeAttrs { shape: number[] }
export interface TransposeAttrs { perm: number[] }
export interface SliceAttrs { begin: number[]; size: number[] }
export interface ConcatAttrs { axis: number }
/**
 * Gather: `indices` (each in [0, dim)) pick entries of `axis`, in order, repeats allowed. An
 * attribute, not a graph constant: constants are float32 tensors that the precision plan may
 * halve or quantize, and an index table must stay exact; each format writes it as its own int const.
 */
export interface GatherAttrs { axis: number; indices: number[] }
export interface NoAttrs {}
/** Conv2D: strides [sh, sw]; explicit zero padding [top, bottom, left, right]. */
export interface Conv2DAttrs { strides: [number, number]; pads: [number, number, number, number]; groups: number }
/** `constant` fills with `value` (default 0); `reflect` mirrors without repeating the edge (TF REFLECT, numpy 'reflect'). */
export type PadMode = 'constant' | 'reflect';
/** Pad: one [before, after] per axis. */
export interface PadAttrs { mode: PadMode; pads: [number, number][]; value?: number }
/** ReduceMin / ReduceMax over `axes` (each in [0, rank), no repeats). */
export interface ReduceAttrs { axes: number[]; keepDims: boolean }

function fail(msg: string): never { throw new Error(msg); }

// ---- broadcasting elementwise -------------------------------------------------
function broadcastShape(a: number[], b: number[]): number[] {
  return broadcastShapes(a, b) ?? fail(`shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast`);
}

/** Index map from each output element to an input element under broadcasting. */
function broadcastIndex(inShape: number[], outShape: number[]): Int32Array | null {
  if (shapeEq(inShape, outShape)) return null;
  const n = sizeOf(outShape);
  const pad = outShape.length - inShape.length;
  const inStr = stridesOf(inShape);
  const idx = new Int32Array(n);
  const outStr = stridesOf(outShape);
  for (let i = 0; i < n; i++) {
    let rem = i, off = 0;
    for (let d = 0; d < outShape.length; d++) {
      const c = Math.floor(rem / outStr[d]!); rem -= c * outStr[d]!;
      const id = d - pad;
      if (id >= 0 && inShape[id] !== 1) off += c * inStr[id]!;
    }
    idx[i] = off;
  }
  return idx;
}

function binary(f: (a: number, b: number) => number): OpDef<NoAttrs> {
  return {
    inputs: [activation('a'), activation('b')],
    kind: 'elementwise',
    flops: perElement(1),
    inferShape: ([a, b]) => broadcastShape(a!, b!),
    evaluate([a, b]) {
      const shape = broadcastShape(a!.shape, b!.shape);
      const n = sizeOf(shape), out = new Float32Array(n);
      const ia = broadcastIndex(a!.shape, shape), ib = broadcastIndex(b!.shape, shape);
      const da = a!.data, db = b!.data;
      for (let i = 0; i < n; i++) out[i] = f(da[ia ? ia[i]! : i]!, db[ib ? ib[i]! : i]!);
      return { shape, data: out };
    },
  };
}

/** `cost`: FLOPs per element (GELU's polynomial and tanh count as several). */
function unary(f: (x: number) => number, cost = 1): OpDef<NoAttrs> {
  return {
    inputs: [activation('x')],
    kind: 'elementwise',
    flops: perElement(cost),
    inferShape: ([x]) => [...x!],
    evaluate([x]) { return { shape: [...x!.shape], data: x!.data.map(f) }; },
  };
}

// GELU, tanh approximation (as jax.nn.gelu(approximate=True) and TFLite GELU approximate).
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). The two constants are exported so every converter's
// decomposition (converters/kit/decompose.ts) and every runtime reference uses these very numbers.
export const GELU_TANH_SCALE = Math.sqrt(2 / Math.PI);
export const GELU_TANH_CUBIC = 0.044715;
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * x * x * x)));
}


// ---- 2-D convolution, padding, reductions (ops of imported models, e.g. Basic Pitch) ----
function conv2dShape([x, w, b]: number[][], a: Conv2DAttrs): number[] {
  if (x!.length !== 4) fail(`Conv2D input must be [B,H,W,C], got ${fmtShape(x!)}`);
  if (w!.length !== 4) fail(`Conv2D weight must be [KH,KW,Cin/groups,Cout], got ${fmtShape(w!)}`);
  const [KH, KW, cinG, cout] = w! as [number, number, number, number];
  if (!Number.isInteger(a.groups) || a.groups < 1) fail(`Conv2D groups ${a.groups} must be a positive integer`);
  if (cinG * a.groups !== x![3]) fail(`Conv2D weight ${fmtShape(w!)} with groups ${a.groups} does not fit input channels ${x![3]}`);
  if (cout % a.groups !== 0) fail(`Conv2D output channels ${cout} not divisible by groups ${a.groups}`);
  if (b && (b.length !== 1 || b[0] !== cout)) fail(`Conv2D bias ${fmtShape(b)} must be [${cout}]`);
  if (a.strides.length !== 2 || a.strides.some((v) => !Number.isInteger(v) || v < 1)) fail(`Conv2D strides [${a.strides}] must be two positive integers`);
  if (a.pads.length !== 4 || a.pads.some((v) => !Number.isInteger(v) || v < 0)) fail(`Conv2D pads [${a.pads}] must be four non-negative integers [top,bottom,left,right]`);
  const [pt, pb, pl, pr] = a.pads;
  const ho = Math.floor((x![1]! + pt + pb - KH) / a.strides[0]) + 1;
  const wo = Math.floor((x![2]! + pl + pr - KW) / a.strides[1]) + 1;
  if (ho <= 0 || wo <= 0) fail(`Conv2D output ${ho}x${wo} is empty`);
  return [x![0]!, ho, wo, cout];
}

function padShape([x]: number[][], a: PadAttrs): number[] {
  if (a.mode !== 'constant' && a.mode !== 'reflect') fail(`Pad mode "${a.mode}" (expected constant or reflect)`);
  if (a.pads.length !== x!.length) fail(`Pad has ${a.pads.length} [before, after] pairs for rank ${x!.length}`);
  return x!.map((d, i) => {
    const [b, e] = a.pads[i]!;
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0) fail(`Pad [${b}, ${e}] on axis ${i} must be non-negative integers`);
    if (a.mode === 'reflect' && (b > d - 1 || e > d - 1)) fail(`reflect Pad [${b}, ${e}] on axis ${i} exceeds ${d - 1} (size ${d} - 1)`);
    return d + b + e;
  });
}

function reduceShape([x]: number[][], a: ReduceAttrs): number[] {
  if (a.axes.length === 0 || new Set(a.axes).size !== a.axes.length || a.axes.some((ax) => !Number.isInteger(ax) || ax < 0 || ax >= x!.length)) {
    fail(`reduction axes [${a.axes}] must be distinct, in [0, ${x!.length})`);
  }
  return a.keepDims ? x!.map((d, i) => (a.axes.includes(i) ? 1 : d)) : x!.filter((_, i) => !a.axes.includes(i));
}

function reduce(init: number, f: (acc: number, v: number) => number): OpDef<ReduceAttrs> {
  return {
    inputs: [activation('x')],
    kind: 'reduction',
    flops: perInputElement,
    inferShape: reduceShape,
    evaluate([x], a) {
      const shape = reduceShape([x!.shape], a);
      const rank = x!.shape.length;
      // Output index of every input element: strides of the kept axes, 0 on reduced ones.
      const kept = x!.shape.map((d, i) => (a.axes.includes(i) ? 1 : d));
      const keptStr = stridesOf(kept);
      const out = new Float32Array(sizeOf(shape)).fill(init);
      const idx = new Array<number>(rank).fill(0);
      const xd = x!.data;
      for (let i = 0; i < xd.length; i++) {
        let o = 0;
        for (let d = 0; d < rank; d++) if (!a.axes.includes(d)) o += idx[d]! * keptStr[d]!;
        out[o] = f(out[o]!, xd[i]!);
        for (let d = rank - 1; d >= 0; d--) { if (++idx[d]! < x!.shape[d]!) break; idx[d] = 0; }
      }
      return { shape, data: out };
    },
  };
}

// ---- the op table ------------------------------------------------------------
/** Reshape's output shape: `shape` with at most one -1, which takes the remaining elements. */
function reshapeTarget(x: readonly number[], shape: readonly number[]): number[] {
  const free = shape.filter((d) => d === -1).length;
  if (free > 1 || shape.some((d) => d < -1)) fail(`Reshape target ${fmtShape(shape as number[])}: at most one -1 and no other negative dim`);
  const known = sizeOf(shape.filter((d) => d !== -1)), total = sizeOf(x);
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (out.some((d) => !Number.isInteger(d)) || sizeOf(out) !== total) fail(`Reshape ${fmtShape(x as number[])} -> ${fmtShape(shape as number[])} changes the element count`);
  return out;
}

export const OPS = {
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: binary((a, b) => a / b),
  Sigmoid: unary((x) => 1 / (1 + Math.exp(-x))),
  Gelu: unary(geluTanh, 8),
  Sqrt: unary(Math.sqrt),
  Log: unary(Math.log),
  Tanh: unary(Math.tanh),

  /** x [B, L, Cin], w [K, Cin/groups, Cout], bias? [Cout] -> [B, Lout, Cout]; zero padding. */
  Conv1D: {
    inputs: [activation('x'), weight('w'), param('bias', true)],
    kind: 'linear',
    /** One multiply-add per output element, kernel tap and input channel of its group. */
    flops: ([, w], out) => { const [K, cinG] = w!; return 2 * sizeOf(out) * K! * cinG!; },
    inferShape([x, w, b], a: Conv1DAttrs) {
      if (x!.length !== 3) fail(`Conv1D input must be [B,L,C], got ${fmtShape(x!)}`);
      const [K, cinG, cout] = w!;
      if (cinG! * a.groups !== x![2]) fail(`Conv1D weight ${fmtShape(w!)} with groups ${a.groups} does not fit input channels ${x![2]}`);
      if (cout! % a.groups !== 0) fail(`Conv1D output channels ${cout} not divisible by groups ${a.groups}`);
      if (b && (b.length !== 1 || b[0] !== cout)) fail(`Conv1D bias ${fmtShape(b)} must be [${cout}]`);
      const lout = Math.floor((x![1]! + a.padBegin + a.padEnd - K!) / a.stride) + 1;
      if (lout <= 0) fail(`Conv1D output length ${lout} <= 0`);
      return [x![0]!, lout, cout!];
    },
    evaluate([x, w, b], a: Conv1DAttrs) {
      const [B, L, C] = x!.shape as [number, number, number];
      const [K, cinG, cout] = w!.shape as [number, number, number];
      const shape = this.inferShape([x!.shape, w!.shape, ...(b ? [b.shape] : [])], a);
      const lout = shape[1]!;
      const out = new Float32Array(sizeOf(shape));
      const coutG = cout / a.groups;
      const xd = x!.data, wd = w!.data, bd = b?.data;
      for (let n = 0; n < B; n++) {
        for (let t = 0; t < lout; t++) {
          const o = (n * lout + t) * cout;
          if (bd) for (let co = 0; co < cout; co++) out[o + co] = bd[co]!;
          for (let k = 0; k < K; k++) {
            const src = t * a.stride + k - a.padBegin;
            if (src < 0 || src >= L) continue;
            const xo = (n * L + src) * C;
            for (let g = 0; g < a.groups; g++) {
              for (let ci = 0; ci < cinG; ci++) {
                const xv = xd[xo + g * cinG + ci]!;
                if (xv === 0) continue;
                const wo = (k * cinG + ci) * cout + g * coutG;
                for (let co = 0; co < coutG; co++) out[o + g * coutG + co]! += xv * wd[wo + co]!;
              }
            }
          }
        }
      }
      return { shape, data: out };
    },
  } satisfies OpDef<Conv1DAttrs>,

  /** x [..., K] @ w [K, N] (+ bias [N]) -> [..., N]: a weight matmul (FULLY_CONNECTED / linear). */
  Dense: {
    inputs: [activation('x'), weight('w'), param('bias', true)],
    kind: 'linear',
    flops: ([, w], out) => 2 * sizeOf(out) * w![0]!,
    inferShape([x, w, b]) {
      if (w!.length !== 2) fail(`Dense weight must be rank 2, got ${fmtShape(w!)}`);
      if (x![x!.length - 1] !== w![0]) fail(`Dense input ${fmtShape(x!)} does not match weight ${fmtShape(w!)}`);
      if (b && (b.length !== 1 || b[0] !== w![1])) fail(`Dense bias ${fmtShape(b)} must be [${w![1]}]`);
      return [...x!.slice(0, -1), w![1]!];
    },
    evaluate([x, w, b]) {
      const [K, N] = w!.shape as [number, number];
      const rows = x!.data.length / K;
      const out = new Float32Array(rows * N);
      const xd = x!.data, wd = w!.data;
      for (let r = 0; r < rows; r++) {
        const o = r * N;
        if (b) out.set(b.data, o);
        for (let k = 0; k < K; k++) {
          const xv = xd[r * K + k]!;
          if (xv === 0) continue;
          const wo = k * N;
          for (let n = 0; n < N; n++) out[o + n]! += xv * wd[wo + n]!;
        }
      }
      return { shape: [...x!.shape.slice(0, -1), N], data: out };
    },
  } satisfies OpDef<NoAttrs>,

  /** a [..., M, K] @ b [..., K, N] (or b^T when transposeB), same leading dims. */
  BatchMatMul: {
    /** Both operands are activations (attention scores x values): nothing here is a stored weight. */
    inputs: [activation('a'), activation('b')],
    kind: 'linear',
    flops: ([a], out) => 2 * sizeOf(out) * a!.at(-1)!,
    inferShape([a, b], at: BatchMatMulAttrs) {
      if (a!.length < 3 || a!.length !== b!.length) fail(`BatchMatMul needs equal ranks >= 3, got ${fmtShape(a!)} and ${fmtShape(b!)}`);
      const lead = a!.slice(0, -2);
      if (!shapeEq(lead, b!.slice(0, -2))) fail(`BatchMatMul batch dims differ: ${fmtShape(a!)} vs ${fmtShape(b!)}`);
      const K = a![a!.length - 1]!;
      const [kb, N] = at.transposeB ? [b![b!.length - 1]!, b![b!.length - 2]!] : [b![b!.length - 2]!, b![b!.length - 1]!];
      if (K !== kb) fail(`BatchMatMul inner dims differ: ${fmtShape(a!)} vs ${fmtShape(b!)} (transposeB=${at.transposeB})`);
      return [...lead, a![a!.length - 2]!, N];
    },
    evaluate([a, b], at: BatchMatMulAttrs) {
      const shape = this.inferShape([a!.shape, b!.shape], at);
      const M = a!.shape[a!.shape.length - 2]!, K = a!.shape[a!.shape.length - 1]!, N = shape[shape.length - 1]!;
      const batches = sizeOf(a!.shape.slice(0, -2));
      const out = new Float32Array(sizeOf(shape));
      const ad = a!.data, bd = b!.data;
      for (let bt = 0; bt < batches; bt++) {
        const ao = bt * M * K, bo = bt * K * N, oo = bt * M * N;
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            let s = 0;
            if (at.transposeB) for (let k = 0; k < K; k++) s += ad[ao + m * K + k]! * bd[bo + n * K + k]!;
            else for (let k = 0; k < K; k++) s += ad[ao + m * K + k]! * bd[bo + k * N + n]!;
            out[oo + m * N + n] = s;
          }
        }
      }
      return { shape, data: out };
    },
  } satisfies OpDef<BatchMatMulAttrs>,

  /** Normalises over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
  LayerNorm: {
    inputs: [activation('x'), param('gamma'), param('beta')],
    kind: 'normalization',
    flops: perElement(8),
    inferShape([x, g, b]) {
      const C = x![x!.length - 1]!;
      if (g!.length !== 1 || g![0] !== C || b!.length !== 1 || b![0] !== C) fail(`LayerNorm gamma/beta must be [${C}]`);
      return [...x!];
    },
    evaluate([x, g, b], a: LayerNormAttrs) {
      const C = x!.shape[x!.shape.length - 1]!;
      const rows = x!.data.length / C;
      const out = new Float32Array(x!.data.length);
      const xd = x!.data;
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        let mean = 0;
        for (let c = 0; c < C; c++) mean += xd[o + c]!;
        mean /= C;
        let v = 0;
        for (let c = 0; c < C; c++) { const d = xd[o + c]! - mean; v += d * d; }
        const inv = 1 / Math.sqrt(v / C + a.epsilon);
        for (let c = 0; c < C; c++) out[o + c] = (xd[o + c]! - mean) * inv * g!.data[c]! + b!.data[c]!;
      }
      return { shape: [...x!.shape], data: out };
    },
  } satisfies OpDef<LayerNormAttrs>,

  /** Softmax over the last axis. */
  Softmax: {
    inputs: [activation('x')],
    kind: 'normalization',
    flops: perElement(8),
    inferShape: ([x]) => [...x!],
    evaluate([x]) {
      const C = x!.shape[x!.shape.length - 1]!;
      const out = new Float32Array(x!.data.length);
      for (let o = 0; o < out.length; o += C) {
        let m = -Infinity;
        for (let c = 0; c < C; c++) m = Math.max(m, x!.data[o + c]!);
        let s = 0;
        for (let c = 0; c < C; c++) { const e = Math.exp(x!.data[o + c]! - m); out[o + c] = e; s += e; }
        for (let c = 0; c < C; c++) out[o + c]! /= s;
      }
      return { shape: [...x!.shape], data: out };
    },
  } satisfies OpDef<NoAttrs>,

  Reshape: {
    inputs: [activation('x')],
    kind: 'layout',
    flops: noFlops,
    // One -1 ("the rest") is allowed: a batch-polymorphic graph (./dynamic-batch.ts) writes it in the dim that carries the batch.
    inferShape([x], a: ReshapeAttrs) { return reshapeTarget(x!, a.shape); },
    evaluate([x], a: ReshapeAttrs) { return { shape: reshapeTarget(x!.shape, a.shape), data: x!.data }; },
  } satisfies OpDef<ReshapeAttrs>,

  Transpose: {
    inputs: [activation('x')],
    kind: 'layout',
    flops: noFlops,
    inferShape([x], a: TransposeAttrs) {
      if (a.perm.length !== x!.length || [...a.perm].sort().some((p, i) => p !== i)) fail(`Transpose perm [${a.perm}] invalid for ${fmtShape(x!)}`);
      return a.perm.map((p) => x![p]!);
    },
    evaluate([x], a: TransposeAttrs) {
      const shape = a.perm.map((p) => x!.shape[p]!);
      const inStr = stridesOf(x!.shape);
      const n = sizeOf(shape), out = new Float32Array(n);
      const rank = shape.length, idx = new Array<number>(rank).fill(0);
      const srcStr = a.perm.map((p) => inStr[p]!);
      for (let i = 0; i < n; i++) {
        let off = 0;
        for (let d = 0; d < rank; d++) off += idx[d]! * srcStr[d]!;
        out[i] = x!.data[off]!;
        for (let d = rank - 1; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
      }
      return { shape, data: out };
    },
  } satisfies OpDef<TransposeAttrs>,

  /** Static slice: begin/size per axis (size -1 = to the end). */
  Slice: {
    inputs: [activation('x')],
    kind: 'layout',
    flops: noFlops,
    inferShape([x], a: SliceAttrs) {
      if (a.begin.length !== x!.length || a.size.length !== x!.length) fail(`Slice begin/size rank differs from ${fmtShape(x!)}`);
      return x!.map((d, i) => {
        const s = a.size[i] === -1 ? d - a.begin[i]! : a.size[i]!;
        if (a.begin[i]! < 0 || s < 0 || a.begin[i]! + s > d) fail(`Slice [${a.begin}]+[${a.size}] out of range for ${fmtShape(x!)}`);
        return s;
      });
    },
    evaluate([x], a: SliceAttrs) {
      const shape = this.inferShape([x!.shape], a);
      const inStr = stridesOf(x!.shape);
      const n = sizeOf(shape), out = new Float32Array(n);
      const rank = shape.length, idx = new Array<number>(rank).fill(0);
      for (let i = 0; i < n; i++) {
        let off = 0;
        for (let d = 0; d < rank; d++) off += (idx[d]! + a.begin[d]!) * inStr[d]!;
        out[i] = x!.data[off]!;
        for (let d = rank - 1; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
      }
      return { shape, data: out };
    },
  } satisfies OpDef<SliceAttrs>,

  /**
   * Concatenation of two or more inputs along an axis: same rank, equal dims off the axis. N-ary
   * because the key head gathers 9 slices at once: a tree of two-input Concats copied the whole
   * tensor once per level (27% of ONNX Runtime's time on the default model).
   */
  Concat: {
    inputs: [{ name: 'values', role: 'activation', variadic: true }],
    kind: 'layout',
    flops: noFlops,
    inferShape(xs, at: ConcatAttrs) {
      if (xs.length < 2) fail(`Concat takes at least 2 inputs, got ${xs.length}`);
      const a = xs[0]!;
      if (!Number.isInteger(at.axis) || at.axis < 0 || at.axis >= a.length) fail(`Concat axis ${at.axis} is outside rank ${a.length}`);
      let along = 0;
      for (const b of xs) {
        if (a.length !== b.length || a.some((d, i) => i !== at.axis && d !== b[i])) fail(`Concat shapes ${fmtShape(a)} and ${fmtShape(b)} differ off axis ${at.axis}`);
        along += b[at.axis]!;
      }
      return a.map((d, i) => (i === at.axis ? along : d));
    },
    evaluate(xs, at: ConcatAttrs) {
      const shape = this.inferShape(xs.map((x) => x.shape), at);
      const outer = sizeOf(shape.slice(0, at.axis));
      // Each input contributes one contiguous run of `inner[k]` elements per outer index.
      const inner = xs.map((x) => sizeOf(x.shape.slice(at.axis)));
      const row = inner.reduce((s, n) => s + n, 0);
      const out = new Float32Array(sizeOf(shape));
      for (let o = 0; o < outer; o++) {
        let pos = o * row;
        xs.forEach((x, k) => {
          const n = inner[k]!;
          out.set(x.data.subarray(o * n, (o + 1) * n), pos);
          pos += n;
        });
      }
      return { shape, data: out };
    },
  } satisfies OpDef<ConcatAttrs>,

  /**
   * x along `axis` at a constant list of indices: output dim `axis` is indices.length, entry j
   * being x's entry indices[j]. Lets the key head take all its per-key neighbour windows in one
   * copy (K * offsets rows) instead of one Slice per offset and a Concat of them.
   */
  Gather: {
    inputs: [activation('x')],
    kind: 'layout',
    flops: noFlops,
    inferShape([x], a: GatherAttrs) {
      if (!Number.isInteger(a.axis) || a.axis < 0 || a.axis >= x!.length) fail(`Gather axis ${a.axis} is outside rank ${x!.length}`);
      const d = x![a.axis]!;
      if (a.indices.length === 0) fail('Gather needs at least one index');
      const bad = a.indices.find((i) => !Number.isInteger(i) || i < 0 || i >= d);
      if (bad !== undefined) fail(`Gather index ${bad} is outside [0, ${d}) on axis ${a.axis} of ${fmtShape(x!)}`);
      return x!.map((n, i) => (i === a.axis ? a.indices.length : n));
    },
    evaluate([x], a: GatherAttrs) {
      const shape = this.inferShape([x!.shape], a);
      const outer = sizeOf(x!.shape.slice(0, a.axis)), inner = sizeOf(x!.shape.slice(a.axis + 1));
      const d = x!.shape[a.axis]!, n = a.indices.length;
      const out = new Float32Array(sizeOf(shape));
      // Each index copies one contiguous run of `inner` elements per outer index.
      for (let o = 0; o < outer; o++) {
        a.indices.forEach((i, j) => {
          const src = (o * d + i) * inner;
          out.set(x!.data.subarray(src, src + inner), (o * n + j) * inner);
        });
      }
      return { shape, data: out };
    },
  } satisfies OpDef<GatherAttrs>,
  /** max(x, 0). */
  Relu: unary((x) => (x > 0 ? x : 0)),
  /** a / b, and 0 where b == 0 (TF DivNoNan). */
  DivNoNan: binary((a, b) => (b === 0 ? 0 : a / b)),
  ReduceMin: reduce(Infinity, (acc, v) => (v < acc ? v : acc)),
  ReduceMax: reduce(-Infinity, (acc, v) => (v > acc ? v : acc)),

  /** Per-axis [before, after] padding: a constant, or a reflection that does not repeat the edge. */
  Pad: {
    inputs: [activation('x')],
    kind: 'layout',
    flops: noFlops,
    inferShape: padShape,
    evaluate([x], a: PadAttrs) {
      const shape = padShape([x!.shape], a);
      const rank = shape.length, inStr = stridesOf(x!.shape);
      const out = new Float32Array(sizeOf(shape));
      const value = a.value ?? 0;
      const idx = new Array<number>(rank).fill(0);
      for (let i = 0; i < out.length; i++) {
        let off = 0, inside = true;
        for (let d = 0; d < rank; d++) {
          const n = x!.shape[d]!;
          let j = idx[d]! - a.pads[d]![0];
          if (j < 0 || j >= n) {
            if (a.mode === 'constant') { inside = false; break; }
            j = j < 0 ? -j : 2 * (n - 1) - j;
          }
          off += j * inStr[d]!;
        }
        out[i] = inside ? x!.data[off]! : value;
        for (let d = rank - 1; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
      }
      return { shape, data: out };
    },
  } satisfies OpDef<PadAttrs>,

  /** x [B,H,W,Cin] (NHWC), w [KH,KW,Cin/groups,Cout] (HWIO), bias? [Cout] -> [B,Ho,Wo,Cout]; explicit zero padding. */
  Conv2D: {
    inputs: [activation('x'), weight('w'), param('bias', true)],
    kind: 'linear',
    flops: ([, w], out) => { const [KH, KW, cinG] = w!; return 2 * sizeOf(out) * KH! * KW! * cinG!; },
    inferShape: conv2dShape,
    evaluate([x, w, b], a: Conv2DAttrs) {
      const [B, H, W, C] = x!.shape as [number, number, number, number];
      const [KH, KW, cinG, cout] = w!.shape as [number, number, number, number];
      const shape = conv2dShape([x!.shape, w!.shape, ...(b ? [b.shape] : [])], a);
      const [, HO, WO] = shape as [number, number, number, number];
      const [sh, sw] = a.strides, [pt, , pl] = a.pads;
      const coutG = cout / a.groups;
      const out = new Float32Array(sizeOf(shape));
      const xd = x!.data, wd = w!.data, bd = b?.data;
      for (let n = 0; n < B; n++) for (let oh = 0; oh < HO; oh++) for (let ow = 0; ow < WO; ow++) {
        const o = ((n * HO + oh) * WO + ow) * cout;
        if (bd) out.set(bd, o);
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh - pt;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw - pl;
            if (iw < 0 || iw >= W) continue;
            const xo = ((n * H + ih) * W + iw) * C;
            for (let g = 0; g < a.groups; g++) for (let ci = 0; ci < cinG; ci++) {
              const xv = xd[xo + g * cinG + ci]!;
              if (xv === 0) continue;
              const wo = ((kh * KW + kw) * cinG + ci) * cout + g * coutG;
              for (let co = 0; co < coutG; co++) out[o + g * coutG + co]! += xv * wd[wo + co]!;
            }
          }
        }
      }
      return { shape, data: out };
    },
  } satisfies OpDef<Conv2DAttrs>,
} satisfies Record<string, OpDef>;

export type OpName = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as OpName[];
/** Attribute type of each op, for typed node construction. */
export type AttrsOf<O extends OpName> = (typeof OPS)[O] extends OpDef<infer A> ? A : never;
