/**
 * Materialises MIL Values (const `val` attributes and inline argument values)
 * as evaluator tensors: immediate TensorValues and blobFileValue references into
 * weight.bin (the blob's dtype and element count must agree with the declared type).
 */
import { A2mError } from '../../errors.js';
import { BLOB, BLOB_TO_MIL, MIL_DTYPE } from '../../../converters/coreml/format.js';
import { halfToFloat32, roundToHalf } from '../../../converters/coreml/fp16.js';
import type { TensorType, Value } from '../../../converters/coreml/schema.js';
import type { LoadedPackage } from '../../../converters/coreml/package.js';
import { type MilTensor, sizeOf, fmt, dtypeName, isFloat } from './tensor.js';

/** A declared tensor type: dtype and shape (null dims where unknown). */
export interface DeclaredType { dtype: number; shape: (number | null)[] }

export function declaredType(t: TensorType | undefined, where: string): DeclaredType {
  if (!t) throw new A2mError(`${where}: expected a tensor type`);
  const dims = (t.dimensions ?? []).map((d) => (d.constant ? d.constant.size ?? 0 : null));
  const rank = t.rank ?? 0;
  if (rank !== dims.length) throw new A2mError(`${where}: tensor type has rank ${rank} but ${dims.length} dimensions`);
  if (dims.some((d) => d !== null && (!Number.isSafeInteger(d) || d < 0))) throw new A2mError(`${where}: tensor type has invalid dimensions`);
  return { dtype: t.dataType ?? 0, shape: dims };
}

function staticShape(t: DeclaredType, where: string): number[] {
  if (t.shape.some((d) => d === null)) throw new A2mError(`${where}: a constant needs a fully known shape`);
  return t.shape as number[];
}

function fromNumbers(dtype: number, shape: number[], values: ArrayLike<number | boolean>, where: string): MilTensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new A2mError(`${where}: holds ${values.length} values, type ${dtypeName(dtype)}${fmt(shape)} needs ${n}`);
  if (isFloat(dtype)) {
    const data = Float32Array.from(values as ArrayLike<number>);
    return { dtype, shape, data: dtype === MIL_DTYPE.FLOAT16 ? roundToHalf(data) : data };
  }
  if (dtype === MIL_DTYPE.BOOL) return { dtype, shape, data: Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0)) };
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) throw new A2mError(`${where}: integer ${v} does not fit int32`);
    data[i] = v;
  }
  return { dtype, shape, data };
}

export async function materialize(v: Value, pkg: LoadedPackage, where: string): Promise<MilTensor> {
  const t = declaredType(v.type?.tensorType, where);
  const shape = staticShape(t, where);
  if (v.blobFileValue) {
    const reader = await pkg.blobFile(v.blobFileValue.fileName ?? '');
    const blob = reader.read(v.blobFileValue.offset ?? 0);
    if (BLOB_TO_MIL[blob.dtype] !== t.dtype) throw new A2mError(`${where}: blob at offset ${v.blobFileValue.offset} holds blob dtype ${blob.dtype}, the const is declared ${dtypeName(t.dtype)}`);
    const data = blob.dtype === BLOB.dtype.Float16 ? halfToFloat32(blob.data as Uint16Array) : blob.data;
    return fromNumbers(t.dtype, shape, data as ArrayLike<number>, where);
  }
  const tv = v.immediateValue?.tensor;
  if (!tv) throw new A2mError(`${where}: value is neither an immediate tensor nor a blob reference`);
  if (tv.strings) {
    if (t.dtype !== MIL_DTYPE.STRING) throw new A2mError(`${where}: strings stored in a ${dtypeName(t.dtype)} value`);
    const vals = tv.strings.values ?? [];
    if (vals.length !== sizeOf(shape)) throw new A2mError(`${where}: holds ${vals.length} strings, shape ${fmt(shape)} needs ${sizeOf(shape)}`);
    return { dtype: t.dtype, shape, data: [...vals] };
  }
  if (tv.bytes) {
    // Packed raw bytes: fp16 as little-endian halves, int8/uint8 one per byte.
    const b = tv.bytes.values ?? new Uint8Array(0);
    if (t.dtype === MIL_DTYPE.FLOAT16) {
      if (b.byteLength % 2) throw new A2mError(`${where}: odd byte count for fp16`);
      const h = new Uint16Array(b.byteLength / 2);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i < h.length; i++) h[i] = dv.getUint16(2 * i, true);
      return fromNumbers(t.dtype, shape, halfToFloat32(h), where);
    }
    if (t.dtype === MIL_DTYPE.INT8) return fromNumbers(t.dtype, shape, new Int8Array(b.buffer, b.byteOffset, b.byteLength), where);
    if (t.dtype === MIL_DTYPE.UINT8) return fromNumbers(t.dtype, shape, b, where);
    throw new A2mError(`${where}: raw bytes for ${dtypeName(t.dtype)} are not supported`);
  }
  const list = tv.floats?.values ?? tv.doubles?.values ?? tv.ints?.values ?? tv.longInts?.values ?? tv.bools?.values;
  if (!list) {
    // proto3 omits empty repeated fields: an empty tensor decodes to an empty oneof member.
    if (sizeOf(shape) === 0 || tv.floats || tv.ints || tv.bools || tv.longInts || tv.doubles) return fromNumbers(t.dtype, shape, [], where);
    throw new A2mError(`${where}: immediate tensor has no values`);
  }
  return fromNumbers(t.dtype, shape, list, where);
}
