/**
 * Values inside the MIL evaluator. Floats (fp16 and fp32) are held in
 * Float32Array; an fp16 value is an fp32 rounded to the nearest half, so the
 * fp16 arithmetic of a device is modelled as "compute in fp32, round each op's
 * output". Integers are Int32Array (MIL int64 constants are narrowed, checked),
 * bools Uint8Array, strings string[].
 */
import { MIL_DTYPE } from '../../../converters/coreml/format.js';
import { roundToHalf } from '../../../converters/coreml/fp16.js';

export type MilData = Float32Array | Int32Array | Uint8Array | string[];

export interface MilTensor {
  /** A MILSpec.DataType value (MIL_DTYPE). */
  dtype: number;
  shape: number[];
  data: MilData;
}

export const DTYPE_NAMES: Record<number, string> = {
  [MIL_DTYPE.BOOL]: 'bool', [MIL_DTYPE.STRING]: 'string', [MIL_DTYPE.FLOAT16]: 'fp16', [MIL_DTYPE.FLOAT32]: 'fp32',
  [MIL_DTYPE.FLOAT64]: 'fp64', [MIL_DTYPE.INT8]: 'int8', [MIL_DTYPE.INT16]: 'int16', [MIL_DTYPE.INT32]: 'int32',
  [MIL_DTYPE.INT64]: 'int64', [MIL_DTYPE.UINT8]: 'uint8',
};
export const dtypeName = (d: number) => DTYPE_NAMES[d] ?? `dtype ${d}`;

export const isFloat = (d: number) => d === MIL_DTYPE.FLOAT32 || d === MIL_DTYPE.FLOAT16 || d === MIL_DTYPE.FLOAT64;
export const isInt = (d: number) => d === MIL_DTYPE.INT32 || d === MIL_DTYPE.INT64 || d === MIL_DTYPE.INT16 || d === MIL_DTYPE.INT8 || d === MIL_DTYPE.UINT8;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

export const fmt = (s: readonly number[]) => `[${s.join(',')}]`;

/** A fresh zero tensor of the same storage kind as `dtype`. */
export function alloc(dtype: number, shape: number[]): MilTensor {
  const n = sizeOf(shape);
  const data = isFloat(dtype) ? new Float32Array(n) : dtype === MIL_DTYPE.BOOL ? new Uint8Array(n) : dtype === MIL_DTYPE.STRING ? new Array<string>(n).fill('') : new Int32Array(n);
  return { dtype, shape, data };
}

export function floats(shape: number[], data: Float32Array, dtype: number = MIL_DTYPE.FLOAT32): MilTensor {
  return { dtype, shape, data };
}

/** Rounds fp16 tensors' values to half precision in place (the output of every fp16 op). */
export function settle(t: MilTensor): MilTensor {
  if (t.dtype === MIL_DTYPE.FLOAT16) roundToHalf(t.data as Float32Array);
  return t;
}

/** Copies data into storage of another kind (cast's core). */
export function convertData(data: MilData, to: number): MilData {
  if (Array.isArray(data)) throw new Error('cannot convert string tensors');
  const n = data.length;
  if (isFloat(to)) { const o = new Float32Array(n); for (let i = 0; i < n; i++) o[i] = data[i]!; return o; }
  if (to === MIL_DTYPE.BOOL) { const o = new Uint8Array(n); for (let i = 0; i < n; i++) o[i] = data[i] ? 1 : 0; return o; }
  // MIL cast to int truncates toward zero, as C casts do.
  const o = new Int32Array(n);
  for (let i = 0; i < n; i++) o[i] = Math.trunc(data[i]!);
  return o;
}
