/**
 * Comparisons and selection: equal, not_equal, less, less_equal, greater,
 * greater_equal (x, y) -> bool, numpy broadcasting; select(cond, a, b) -> a
 * where cond, else b, broadcasting all three (coremltools iOS15
 * elementwise_binary.py and control_flow.py `select`).
 */
import { MIL_DTYPE } from '../../../../converters/coreml/format.js';
import type { MilOpDef, OpContext } from './types.js';
import { type MilTensor, alloc, dtypeName, fmt, sizeOf, stridesOf } from '../tensor.js';
import { broadcastShapes } from '../../../ir/shape-rules.js';

function broadcastShape(shapes: number[][], c: OpContext): number[] {
  return broadcastShapes(...shapes) ?? c.fail(`shapes ${shapes.map(fmt).join(', ')} do not broadcast`);
}

/** Per output element, the flat index into a tensor of `inShape` broadcast to `outShape`. */
function indexMap(inShape: number[], outShape: number[]): Int32Array {
  const n = sizeOf(outShape), rank = outShape.length, pad = rank - inShape.length;
  const inStr = stridesOf(inShape);
  const map = new Int32Array(n), idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = pad; d < rank; d++) if (inShape[d - pad] !== 1) off += idx[d]! * inStr[d - pad]!;
    map[i] = off;
    for (let d = rank - 1; d >= 0; d--) { if (++idx[d]! < outShape[d]!) break; idx[d] = 0; }
  }
  return map;
}

function numeric(c: OpContext, name: string): MilTensor {
  const t = c.tensor(name);
  if (Array.isArray(t.data)) c.fail(`${name} must be numeric, got ${dtypeName(t.dtype)}`);
  return t;
}

function compare(f: (a: number, b: number) => boolean): MilOpDef {
  return {
    required: ['x', 'y'],
    run(c) {
      const x = numeric(c, 'x'), y = numeric(c, 'y');
      if (x.dtype !== y.dtype) c.fail(`x is ${dtypeName(x.dtype)} but y is ${dtypeName(y.dtype)}`);
      const shape = broadcastShape([x.shape, y.shape], c);
      c.checkSize(shape);
      const ix = indexMap(x.shape, shape), iy = indexMap(y.shape, shape);
      const a = x.data as ArrayLike<number>, b = y.data as ArrayLike<number>;
      const out = alloc(MIL_DTYPE.BOOL, shape), o = out.data as Uint8Array;
      for (let i = 0; i < o.length; i++) o[i] = f(a[ix[i]!]!, b[iy[i]!]!) ? 1 : 0;
      return out;
    },
  };
}

const select: MilOpDef = {
  required: ['cond', 'a', 'b'],
  run(c) {
    const cond = c.tensor('cond'), a = numeric(c, 'a'), b = numeric(c, 'b');
    if (cond.dtype !== MIL_DTYPE.BOOL) c.fail(`cond must be bool, got ${dtypeName(cond.dtype)}`);
    if (a.dtype !== b.dtype) c.fail(`a is ${dtypeName(a.dtype)} but b is ${dtypeName(b.dtype)}`);
    const shape = broadcastShape([cond.shape, a.shape, b.shape], c);
    c.checkSize(shape);
    const ic = indexMap(cond.shape, shape), ia = indexMap(a.shape, shape), ib = indexMap(b.shape, shape);
    const cd = cond.data as Uint8Array, ad = a.data as ArrayLike<number>, bd = b.data as ArrayLike<number>;
    const out = alloc(a.dtype, shape), o = out.data as Float32Array | Int32Array;
    for (let i = 0; i < o.length; i++) o[i] = cd[ic[i]!] ? ad[ia[i]!]! : bd[ib[i]!]!;
    return out;
  },
};

export const COMPARE_OPS = {
  equal: compare((a, b) => a === b),
  not_equal: compare((a, b) => a !== b),
  less: compare((a, b) => a < b),
  less_equal: compare((a, b) => a <= b),
  greater: compare((a, b) => a > b),
  greater_equal: compare((a, b) => a >= b),
  select,
} satisfies Record<string, MilOpDef>;
