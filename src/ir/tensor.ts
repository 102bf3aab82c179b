/** Plain host tensors: the IR evaluator's values and the converters' constants. */
export type DType = 'float32' | 'int32';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

export function hostTensor(shape: number[], data?: Float32Array): HostTensor {
  const n = sizeOf(shape);
  if (data && data.length !== n) throw new Error(`tensor data has ${data.length} elements, shape [${shape}] needs ${n}`);
  return { shape: [...shape], data: data ?? new Float32Array(n) };
}

export function shapeEq(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmtShape(s: readonly number[]): string {
  return `[${s.join(',')}]`;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a float32 array in little-endian order (a view on little-endian hosts): how every format stores floats. */
export function float32Bytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4), view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}
