/**
 * Elementwise MIL ops: binary with numpy broadcasting (add, sub, mul, real_div,
 * pow, maximum, minimum) and unary activations / math (relu, sigmoid, tanh, gelu,
 * exp, sqrt, rsqrt, log, abs, square, erf, clip, inverse).
 */
import type { MilOpDef, OpContext } from './types.js';
import { type MilTensor, alloc, sizeOf, fmt, isFloat, dtypeName } from '../tensor.js';
import { geluTanh } from '../../../ir/ops.js';
import { broadcastShapes } from '../../../ir/shape-rules.js';

/** Per output dim, the input's stride (0 where the input broadcasts). */
function broadcastStrides(inShape: number[], outShape: number[]): number[] {
  const pad = outShape.length - inShape.length;
  const s = new Array<number>(outShape.length).fill(0);
  let acc = 1;
  for (let d = inShape.length - 1; d >= 0; d--) {
    s[d + pad] = inShape[d] === 1 ? 0 : acc;
    acc *= inShape[d]!;
  }
  return s;
}

/** Applies f over the broadcast of x and y; the innermost dimension runs as a plain loop. */
function broadcastBinary(x: MilTensor, y: MilTensor, f: (a: number, b: number) => number, c: OpContext): MilTensor {
  if (x.dtype !== y.dtype) c.fail(`x is ${dtypeName(x.dtype)} but y is ${dtypeName(y.dtype)}`);
  if (Array.isArray(x.data) || Array.isArray(y.data)) c.fail('string operands');
  const shape = broadcastShapes(x.shape, y.shape) ?? c.fail(`shapes ${fmt(x.shape)} and ${fmt(y.shape)} do not broadcast`);
  c.checkSize(shape);
  const out = alloc(x.dtype, shape);
  const o = out.data as Float32Array, a = x.data as Float32Array, b = y.data as Float32Array;
  const n = sizeOf(shape);
  if (n === 0) return out;
  if (a.length === n && b.length === n) { for (let i = 0; i < n; i++) o[i] = f(a[i]!, b[i]!); return out; }
  // A one-element operand never widens the other, so these are plain loops.
  if (b.length === 1) { const bv = b[0]!; for (let i = 0; i < n; i++) o[i] = f(a[i]!, bv); return out; }
  if (a.length === 1) { const av = a[0]!; for (let i = 0; i < n; i++) o[i] = f(av, b[i]!); return out; }
  const rank = shape.length;
  const sa = broadcastStrides(x.shape, shape), sb = broadcastStrides(y.shape, shape);
  const inner = shape[rank - 1]!, ia = sa[rank - 1]!, ib = sb[rank - 1]!;
  const outer = n / inner;
  const idx = new Array<number>(rank).fill(0);
  let offA = 0, offB = 0;
  for (let r = 0; r < outer; r++) {
    const ob = r * inner;
    for (let j = 0; j < inner; j++) o[ob + j] = f(a[offA + j * ia]!, b[offB + j * ib]!);
    // odometer over the outer dims
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++; offA += sa[d]!; offB += sb[d]!;
      if (idx[d]! < shape[d]!) break;
      offA -= sa[d]! * shape[d]!; offB -= sb[d]! * shape[d]!; idx[d] = 0;
    }
  }
  return out;
}

function binary(f: (a: number, b: number) => number): MilOpDef {
  return { required: ['x', 'y'], run: (c) => broadcastBinary(c.tensor('x'), c.tensor('y'), f, c) };
}

function floatInput(c: OpContext): MilTensor {
  const x = c.tensor('x');
  if (!isFloat(x.dtype)) c.fail(`x must be a float tensor, got ${dtypeName(x.dtype)}`);
  return x;
}

function mapFloat(x: MilTensor, f: (v: number) => number): MilTensor {
  const src = x.data as Float32Array, out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

function unary(f: (v: number) => number): MilOpDef {
  return { required: ['x'], run: (c) => mapFloat(floatInput(c), f) };
}

/** Unary ops with MIL's `epsilon` input (log(x + eps), rsqrt(x + eps), inverse 1/(x + eps)). */
function unaryEps(f: (v: number, eps: number) => number, defaultEps: number): MilOpDef {
  return { required: ['x'], optional: ['epsilon'], run: (c) => { const eps = c.float('epsilon', defaultEps); return mapFloat(floatInput(c), (v) => f(v, eps)); } };
}

/** erf to double precision: Maclaurin series below |x| = 2, continued fraction of erfc above (A&S 7.1.26's 1e-7 would blur parity). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2) {
    // Maclaurin series, converges fast for |x| < 2
    let term = x, sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) { term *= -x2 / n; const add = term / (2 * n + 1); sum += add; if (Math.abs(add) < 1e-17 * Math.abs(sum)) break; }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // continued fraction for erfc, |x| >= 2
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return x > 0 ? 1 - erfc : erfc - 1;
}

export const GELU_MODES: Record<string, (x: number) => number> = {
  EXACT: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  TANH_APPROXIMATION: geluTanh,
  SIGMOID_APPROXIMATION: (x) => x / (1 + Math.exp(-1.702 * x)),
};

export const ELEMENTWISE_OPS = {
  add: binary((a, b) => a + b),
  sub: binary((a, b) => a - b),
  mul: binary((a, b) => a * b),
  real_div: binary((a, b) => a / b),
  pow: binary((a, b) => a ** b),
  maximum: binary((a, b) => Math.max(a, b)),
  minimum: binary((a, b) => Math.min(a, b)),

  relu: unary((v) => (v > 0 ? v : 0)),
  sigmoid: unary((v) => 1 / (1 + Math.exp(-v))),
  tanh: unary(Math.tanh),
  exp: unary(Math.exp),
  sqrt: unary(Math.sqrt),
  abs: unary(Math.abs),
  square: unary((v) => v * v),
  erf: unary(erf),
  log: unaryEps((v, e) => Math.log(v + e), 1e-45),
  rsqrt: unaryEps((v, e) => 1 / Math.sqrt(v + e), 1e-12),
  inverse: unaryEps((v, e) => 1 / (v + e), 1e-4),
  clip: {
    required: ['x', 'alpha', 'beta'],
    run(c) { const lo = c.float('alpha'), hi = c.float('beta'); return mapFloat(floatInput(c), (v) => Math.min(Math.max(v, lo), hi)); },
  },
  gelu: {
    required: ['x'],
    optional: ['mode'],
    run(c) {
      const mode = c.str('mode', 'EXACT');
      const f = GELU_MODES[mode] ?? c.fail(`gelu mode "${mode}" (expected one of ${Object.keys(GELU_MODES).join(', ')})`);
      return mapFloat(floatInput(c), f);
    },
  },
} satisfies Record<string, MilOpDef>;
