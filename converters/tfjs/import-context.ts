/**
 * What an import rule sees of one TF node: its inputs as values (IR tensors,
 * not-yet-used float constants, or int32 host values folded at import time),
 * typed attribute readers, and builders that add IR nodes named after the TF
 * node. Static shapes throughout: the IR has no dynamic dims, so shape
 * arithmetic (Shape, StridedSlice on shapes, Pack, ...) folds to constants.
 */
import { createHash } from 'node:crypto';
import { addConstant, addNode, type IrGraph } from '../../src/ir/graph.js';
import type { AttrsOf, OpName } from '../../src/ir/ops.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import { A2mError } from '../../src/errors.js';
import type { AttrValueJson, NodeDefJson } from './format.js';

/** A float tensor in the IR graph (input, materialised constant or node output). */
export interface FloatValue { kind: 'float'; name: string; shape: number[] }
/** A float Const not yet added to the graph (rules may use its data directly, e.g. conv filters). */
export interface ConstValue { kind: 'const'; tfName: string; tensor: HostTensor; materialised?: FloatValue }
/** An int32 value known at import time (shapes, axes, perms). */
export interface IntValue { kind: 'int'; shape: number[]; data: number[] }
export type Value = FloatValue | ConstValue | IntValue;

/**
 * Float constants already in the graph, by content: converters fold a shared
 * weight into one Const per use (Basic Pitch's CQT kernels: 18 identical
 * copies), and storing each once keeps every export near the source's size.
 */
export class ConstantPool {
  private byContent = new Map<string, string>();
  key(t: HostTensor): string {
    const d = t.data;
    return `${t.shape.join('x')}:${createHash('sha256').update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).digest('hex')}`;
  }
  get(t: HostTensor): string | undefined { return this.byContent.get(this.key(t)); }
  set(t: HostTensor, name: string): void { this.byContent.set(this.key(t), name); }
}

/** This node cannot be expressed in the IR: a reason the report shows. */
export class Unsupported extends Error {}
/** An input is unavailable because an upstream node was unsupported: nothing to report for this node. */
export class Blocked extends Error {}

export class ImportContext {
  private suffixes = 0;

  constructor(
    readonly node: NodeDefJson,
    private readonly values: (Value | undefined)[],
    private readonly graph: IrGraph,
    private readonly uniqueName: (want: string, ownTfName: boolean) => string,
    private readonly producerOf: (value: string) => { op: string; inputs: string[] } | undefined,
    private readonly pool: ConstantPool = new ConstantPool(),
  ) {}

  get inputCount(): number { return this.values.length; }

  value(i: number): Value {
    if (i >= this.values.length) throw new Unsupported(`expects at least ${i + 1} input(s), has ${this.values.length}`);
    const v = this.values[i];
    if (!v) throw new Blocked();
    return v;
  }

  shapeOf(i: number): number[] {
    const v = this.value(i);
    return v.kind === 'const' ? v.tensor.shape : v.shape;
  }

  isInt(i: number): boolean { return this.value(i).kind === 'int'; }

  /** Input i as an IR tensor (materialising a Const on first use). */
  float(i: number): FloatValue {
    const v = this.value(i);
    if (v.kind === 'int') throw new Unsupported(`input ${i} is an int32 tensor where a float tensor is expected`);
    return v.kind === 'const' ? this.materialise(v) : v;
  }

  materialise(v: ConstValue): FloatValue {
    if (!v.materialised) {
      let name = this.pool.get(v.tensor);
      if (name === undefined) {
        name = this.uniqueName(v.tfName, true);
        addConstant(this.graph, name, v.tensor);
        this.pool.set(v.tensor, name);
      }
      v.materialised = { kind: 'float', name, shape: [...v.tensor.shape] };
    }
    return v.materialised;
  }

  /** The data of a float Const input (conv filters, matmul weights, pow exponents). */
  constData(i: number): HostTensor | null {
    const v = this.value(i);
    return v.kind === 'const' ? v.tensor : null;
  }

  ints(i: number): number[] {
    const v = this.value(i);
    if (v.kind !== 'int') throw new Unsupported(`input ${i} must be an int32 value known at import time (a Const or shape arithmetic)`);
    return v.data;
  }

  // ---- attributes ---------------------------------------------------------
  private attr(name: string): AttrValueJson | undefined { return this.node.attr?.[name]; }
  attrInt(name: string, dflt?: number): number {
    const a = this.attr(name);
    if (a?.i === undefined) { if (dflt === undefined) throw new Unsupported(`attribute ${name} is missing`); return dflt; }
    const v = Number(a.i);
    if (!Number.isSafeInteger(v)) throw new Unsupported(`attribute ${name} is not an integer`);
    return v;
  }
  attrInts(name: string, dflt?: number[]): number[] {
    const a = this.attr(name);
    if (!a?.list) { if (dflt === undefined) throw new Unsupported(`attribute ${name} is missing`); return dflt; }
    const v = (a.list.i ?? []).map(Number);
    if (v.some((x) => !Number.isSafeInteger(x))) throw new Unsupported(`attribute ${name} holds a non-integer`);
    return v;
  }
  attrStr(name: string, dflt?: string): string {
    const a = this.attr(name);
    if (a?.s === undefined) { if (dflt === undefined) throw new Unsupported(`attribute ${name} is missing`); return dflt; }
    return Buffer.from(String(a.s), 'base64').toString('utf8');
  }
  attrStrs(name: string): string[] {
    return (this.attr(name)?.list?.s ?? []).map((s) => Buffer.from(String(s), 'base64').toString('utf8'));
  }
  attrBool(name: string, dflt = false): boolean { return this.attr(name)?.b ?? dflt; }
  attrType(name: string): string | undefined { return this.attr(name)?.type; }

  // ---- building -----------------------------------------------------------
  /** Adds an IR node; the node that produces the TF node's value passes no suffix and gets the TF name. */
  add<O extends OpName>(op: O, inputs: FloatValue[], attrs: AttrsOf<O>, suffix?: string): FloatValue {
    const name = suffix === undefined ? this.uniqueName(this.node.name, true) : this.uniqueName(`${this.node.name}/${suffix}_${this.suffixes++}`, false);
    try {
      const v = addNode(this.graph, name, op, inputs.map((x) => x.name), attrs);
      return { kind: 'float', name: v.name, shape: v.shape };
    } catch (e) {
      throw new A2mError(`node ${this.node.name} (${this.node.op}): ${(e as Error).message}`);
    }
  }

  /** A float constant; one already in the graph with the same shape and bytes is reused. */
  constant(suffix: string, t: HostTensor): FloatValue {
    let name = this.pool.get(t);
    if (name === undefined) {
      name = this.uniqueName(`${this.node.name}/${suffix}`, false);
      addConstant(this.graph, name, t);
      this.pool.set(t, name);
    }
    return { kind: 'float', name, shape: [...t.shape] };
  }

  scalar(suffix: string, v: number): FloatValue {
    return this.constant(suffix, { shape: [1], data: new Float32Array([v]) });
  }

  /**
   * Reshape that never stacks: reshaping a Reshape's output reshapes its source
   * instead, and a reshape to the same shape is no node at all. Our own conv
   * export (ExpandDims, Conv2D, Squeeze) thus imports as one Conv1D.
   */
  reshape(x: FloatValue, shape: number[], suffix?: string): FloatValue {
    let src = x;
    const producer = this.producerOf(x.name);
    if (producer?.op === 'Reshape') src = { kind: 'float', name: producer.inputs[0]!, shape: this.graph.shapes.get(producer.inputs[0]!)! };
    if (src.shape.join() === shape.join()) return src;
    return this.add('Reshape', [src], { shape }, suffix);
  }

  transpose(x: FloatValue, perm: number[], suffix?: string): FloatValue {
    if (perm.every((p, i) => p === i)) return x;
    return this.add('Transpose', [x], { perm }, suffix);
  }
}

/** Normalises a possibly negative axis against `rank`. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Unsupported(`${what} ${axis} out of range for rank ${rank}`);
  return a;
}
