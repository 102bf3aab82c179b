/**
 * Builds the operations of one MIL block. Every op gets a unique identifier,
 * a declared output type and attributes["name"]; every tensor parameter is a
 * `const` op (weights: blobFileValue into weight.bin, written at `finish` so
 * constants removed by passes never reach the file; small op parameters such as
 * strides or perm: immediate values, as coremltools writes them).
 */
import { BLOB, MIL_DTYPE } from './format.js';
import { BlobWriter, type BlobSource } from './blob.js';
import { float32ToHalf } from './fp16.js';
import { NameAllocator } from './names.js';
import type { Operation, TensorValue, Value, ValueType } from './schema.js';

/** A value's type; a -1 dim is unknown (the free batch of a dynamic-batch graph). */
export interface TypeSpec { dtype: number; shape: number[] }

/**
 * A MIL TensorType. A -1 dim is written as Dimension.unknown (variadic false:
 * the rank stays fixed), as coremltools writes a symbolic dim: Core ML then
 * infers that dim from the input it is given, within the input's flexible shapes.
 */
export function tensorType(dtype: number, shape: number[]): ValueType {
  return { tensorType: { dataType: dtype, rank: shape.length, dimensions: shape.map((size) => (size === -1 ? { unknown: { variadic: false } } : { constant: { size } })) } };
}

export function immediate(dtype: number, shape: number[], tensor: TensorValue): Value {
  return { type: tensorType(dtype, shape), immediateValue: { tensor } };
}

export const stringValue = (s: string): Value => immediate(MIL_DTYPE.STRING, [], { strings: { values: [s] } });

function halfBytes(v: Float32Array): Uint8Array {
  const h = float32ToHalf(v);
  return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
}

/** Constant data: the values, or a producer writing them into a float buffer of the const's size. */
export type ConstData = Float32Array | ((out: Float32Array) => void);
interface PendingBlob { dtype: number; count: number; data: ConstData }

// fp32 staging for fp16 consts made by a producer (reused across blobs).
let staging = new Float32Array(0);

function blobSource(p: PendingBlob): BlobSource {
  const { count, data } = p;
  if (p.dtype === MIL_DTYPE.FLOAT32) {
    if (typeof data !== 'function') return data;
    return { byteLength: count * 4, fill: (dst: Uint8Array) => data(new Float32Array(dst.buffer, dst.byteOffset, count)) };
  }
  return {
    byteLength: count * 2,
    fill(dst: Uint8Array) {
      let src: Float32Array;
      if (typeof data === 'function') {
        if (staging.length < count) staging = new Float32Array(count);
        src = staging.subarray(0, count);
        data(src);
      } else src = data;
      float32ToHalf(src, new Uint16Array(dst.buffer as ArrayBuffer, dst.byteOffset, count));
    },
  };
}

export class MilBuilder {
  readonly ops: Operation[] = [];
  readonly types = new Map<string, TypeSpec>();
  readonly names = new NameAllocator();
  /** Blob-backed constants, keyed by the const op's output name; offsets are assigned in `finish`. */
  private pendingBlobs = new Map<string, PendingBlob>();

  private constOp(name: string, type: TypeSpec, val: Value): string {
    this.ops.push({ type: 'const', outputs: [{ name, type: tensorType(type.dtype, type.shape) }], attributes: { name: stringValue(name), val } });
    this.types.set(name, type);
    return name;
  }

  /** A weight / table constant stored in weight.bin as fp32 or fp16 (`dtype`). */
  blobConst(base: string, dtype: number, shape: number[], data: ConstData): string {
    const name = this.names.fresh(base);
    const count = shape.reduce((a, b) => a * b, 1);
    if (typeof data !== 'function' && data.length !== count) throw new Error(`MIL builder: const ${name} has ${data.length} values for shape [${shape}]`);
    this.pendingBlobs.set(name, { dtype, count, data });
    // Offset 0 is a placeholder; `finish` fills in the real metadata offset.
    return this.constOp(name, { dtype, shape }, { type: tensorType(dtype, shape), blobFileValue: { fileName: BLOB.fileName, offset: 0 } });
  }

  ints(base: string, values: number[], scalar = false): string {
    const shape = scalar ? [] : [values.length];
    return this.constOp(this.names.fresh(base), { dtype: MIL_DTYPE.INT32, shape }, immediate(MIL_DTYPE.INT32, shape, { ints: { values } }));
  }

  bools(base: string, values: boolean[], scalar = false): string {
    const shape = scalar ? [] : [values.length];
    return this.constOp(this.names.fresh(base), { dtype: MIL_DTYPE.BOOL, shape }, immediate(MIL_DTYPE.BOOL, shape, { bools: { values } }));
  }

  string(base: string, s: string): string {
    return this.constOp(this.names.fresh(base), { dtype: MIL_DTYPE.STRING, shape: [] }, stringValue(s));
  }

  /** A float scalar in the given float dtype (fp16 immediates are raw bytes, as coremltools stores them). */
  scalar(base: string, v: number, dtype: number): string {
    const data = new Float32Array([v]);
    const tv: TensorValue = dtype === MIL_DTYPE.FLOAT16 ? { bytes: { values: halfBytes(data) } } : { floats: { values: [v] } };
    return this.constOp(this.names.fresh(base), { dtype, shape: [] }, immediate(dtype, [], tv));
  }

  /**
   * Appends an op. `name` is used exactly when `exact` (public outputs), else made unique.
   * Inputs: a value name, or a list for variadic inputs (concat values).
   */
  op(type: string, name: string, inputs: Record<string, string | string[]>, out: TypeSpec, exact = false): string {
    const outName = exact ? name : this.names.fresh(name);
    for (const [k, v] of Object.entries(inputs)) for (const n of Array.isArray(v) ? v : [v])
      if (!this.types.has(n)) throw new Error(`MIL builder: op ${outName} (${type}) input ${k} refers to unknown value ${n}`);
    this.ops.push({
      type,
      inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { arguments: (Array.isArray(v) ? v : [v]).map((n) => ({ name: n })) }])),
      outputs: [{ name: outName, type: tensorType(out.dtype, out.shape) }],
      attributes: { name: stringValue(outName) },
    });
    this.types.set(outName, out);
    return outName;
  }

  /** Declares a function input (its type; the Function message lists it). */
  input(name: string, type: TypeSpec): string {
    if (!this.names.reserve(name)) throw new Error(`MIL builder: input name ${name} already used`);
    this.types.set(name, type);
    return name;
  }

  /** Lays the surviving blob constants out in weight.bin in op order and patches their offsets. */
  finish(): { ops: Operation[]; weights: BlobWriter } {
    const w = new BlobWriter();
    for (const op of this.ops) {
      if (op.type !== 'const') continue;
      const name = op.outputs![0]!.name!;
      const p = this.pendingBlobs.get(name);
      if (!p) continue;
      const offset = w.add(p.dtype === MIL_DTYPE.FLOAT16 ? BLOB.dtype.Float16 : BLOB.dtype.Float32, blobSource(p));
      op.attributes!.val!.blobFileValue!.offset = offset;
    }
    return { ops: this.ops, weights: w };
  }
}
