/**
 * Builds a GraphDef: unique TF node names, NodeDefs checked against TF_OPS,
 * and shared constants (one Const node per distinct scalar / int32 vector).
 */
import type { NodeDef, TensorProto } from './proto.js';
import { shapeProto } from './proto.js';
import { utf8 } from './bytes.js';
import { DT } from './facts.js';
import { type AttrJs, type TfOpName, nodeDef } from './tf-ops.js';

/** TF node names: "[A-Za-z0-9.][A-Za-z0-9_./]*" (graph.proto NodeDef.name). */
export function sanitizeNodeName(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_./]/g, '_').replace(/\/+/g, '/').replace(/\/$/, '');
  if (!/^[A-Za-z0-9.]/.test(s)) s = `n${s}`;
  return s;
}

export function floatTensor(shape: number[], data: Float32Array): TensorProto {
  return { dtype: DT.FLOAT, tensor_shape: shapeProto(shape), tensor_content: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function int32Tensor(shape: number[], values: number[]): TensorProto {
  const d = Int32Array.from(values);
  return { dtype: DT.INT32, tensor_shape: shapeProto(shape), tensor_content: new Uint8Array(d.buffer) };
}

export function stringTensor(values: string[]): TensorProto {
  return { dtype: DT.STRING, tensor_shape: shapeProto([values.length]), string_val: values.map((v) => utf8.encode(v)) };
}

export class TfGraph {
  readonly nodes: NodeDef[] = [];
  private names = new Set<string>();
  /** Next suffix to try per base name (keeps naming linear for bases used hundreds of times). */
  private nextSuffix = new Map<string, number>();
  private consts = new Map<string, string>();

  /** A fresh node name derived from `base` (suffix _1, _2... on collision). */
  uniqueName(base: string): string {
    const b = sanitizeNodeName(base);
    let name = b;
    let i = this.nextSuffix.get(b) ?? 1;
    while (this.names.has(name)) name = `${b}_${i++}`;
    this.nextSuffix.set(b, i);
    this.names.add(name);
    return name;
  }

  /** Adds a node; returns its name (= its output 0 tensor). `control` become "^dep" inputs. */
  add(op: TfOpName, base: string, inputs: string[], attrs: Record<string, AttrJs>, control: string[] = []): string {
    return this.addAs(op, this.uniqueName(base), inputs, attrs, control);
  }

  /** Adds a node under a name already taken with uniqueName (when attrs must mention it). */
  addAs(op: TfOpName, name: string, inputs: string[], attrs: Record<string, AttrJs>, control: string[] = []): string {
    if (!this.names.has(name)) throw new Error(`TF node name ${name} was not reserved`);
    this.nodes.push(nodeDef(op, name, [...inputs, ...control.map((c) => `^${c}`)], attrs));
    return name;
  }

  private constant(key: string, base: string, value: TensorProto): string {
    let n = this.consts.get(key);
    if (!n) {
      n = this.add('Const', base, [], { value, dtype: value.dtype });
      this.consts.set(key, n);
    }
    return n;
  }

  /** A float32 scalar Const, shared by value. */
  scalar(v: number): string {
    const f = Math.fround(v);
    return this.constant(`f32:${f}`, `const/f32_${String(f).replace(/[^0-9a-z]/gi, '_')}`, floatTensor([], Float32Array.of(f)));
  }

  /** An int32 vector Const (shapes, perms, axes), shared by content. */
  int32s(values: number[]): string {
    const tag = values.map((v) => (v < 0 ? `m${-v}` : `${v}`)).join('_');
    return this.constant(`i32:${values.join(',')}`, `const/i32_${tag.length > 40 ? tag.slice(0, 40) : tag}`, int32Tensor([values.length], values));
  }

  /** An int32 Const of any shape (paddings [rank, 2]), shared by content and shape. */
  int32Shaped(values: number[], shape: number[]): string {
    const tag = values.map((v) => (v < 0 ? `m${-v}` : `${v}`)).join('_');
    return this.constant(`i32[${shape}]:${values.join(',')}`, `const/i32_${shape.join('x')}_${tag.length > 40 ? tag.slice(0, 40) : tag}`, int32Tensor(shape, values));
  }

  /** An int32 scalar Const (split / concat / expand axes). */
  int32(v: number): string {
    return this.constant(`i32s:${v}`, `const/i32s_${v < 0 ? `m${-v}` : v}`, int32Tensor([], [v]));
  }
}
