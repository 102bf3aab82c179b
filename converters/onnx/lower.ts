/**
 * Lowering: IR graph -> OnnxGraph, node by node through the emitter table, with the precision
 * plan deciding each node's float type. Casts between float types, typed copies of constants,
 * int8 weights with their DequantizeLinear, and the public output names are handled here, so
 * emitters only say which ONNX ops an IR op becomes.
 */
import { OPS, type OpName } from '../../src/ir/ops.js';
import type { IrGraph, IrNode } from '../../src/ir/graph.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import { validateAgainst } from '../types.js';
import { pickEmitter, type EmitContext } from './emitters.js';
import { attr, type FloatType, type OnnxAttr, type OnnxGraph, type OnnxInitializer, type OnnxNode } from './model.js';
import { type PrecisionPlan, quantizeInt8 } from './precision.js';
import { BATCH_DIM_PARAM, DataType } from './facts.js';
import { toHalfArray } from './half.js';
import { A2mError } from '../../src/errors.js';

const ONNX_TYPE_CODE: Record<FloatType, number> = { float32: DataType.FLOAT, float16: DataType.FLOAT16 };

export interface LowerOptions { opset: number; plan: PrecisionPlan }

/** Every IR op without an emitter for the opset is reported at once (UnsupportedOpsError). */
export function validateForOnnx(graph: IrGraph, opset: number): void {
  validateAgainst(graph, `onnx (opset ${opset})`, (op: OpName) => {
    const e = pickEmitter(op, opset);
    return typeof e === 'string' ? e : null;
  });
}

export function lowerToOnnx(graph: IrGraph, opts: LowerOptions): OnnxGraph {
  validateForOnnx(graph, opts.opset);
  const lw = new Lowering(graph, opts);
  for (const n of graph.nodes) lw.lowerNode(n);
  lw.finishOutputs();
  return lw.out;
}

class Lowering {
  readonly out: OnnxGraph;
  /** Float type of every ONNX float value produced so far. */
  private types = new Map<string, FloatType>();
  private used = new Set<string>();
  private cache = new Map<string, string>();
  private claimed = new Set<string>();

  constructor(private graph: IrGraph, private opts: LowerOptions) {
    this.out = { name: graph.metadata.preset ?? 'model', nodes: [], initializers: new Map(), inputs: [], outputs: [] };
    for (const i of graph.inputs) {
      this.out.inputs.push({ name: i.name, type: 'float32', shape: this.publicShape(i.shape) });
      this.types.set(i.name, 'float32');
      this.used.add(i.name);
    }
    // IR value names are unique already; reserve them so helper names never collide.
    for (const n of graph.nodes) this.used.add(n.output);
    for (const c of graph.constants.keys()) this.used.add(c);
    for (const o of graph.outputs) this.used.add(o.name);
  }

  /** An input/output shape as written: dim 0 symbolic when the IR graph's batch is dynamic. */
  private publicShape(shape: readonly number[]): (number | string)[] {
    return this.graph.dynamicBatch ? [BATCH_DIM_PARAM, ...shape.slice(1)] : [...shape];
  }

  private unique(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  private addInitializer(init: Omit<OnnxInitializer, 'name'>, base: string): string {
    const name = this.unique(base);
    this.out.initializers.set(name, { name, ...init });
    return name;
  }

  private addNode(opType: string, inputs: string[], attrs: Record<string, OnnxAttr>, name: string, output: string, type: FloatType): string {
    const node: OnnxNode = { name, opType, inputs, outputs: [output], attrs };
    this.out.nodes.push(node);
    this.types.set(output, type);
    return output;
  }

  private memo(key: string, make: () => string): string {
    let v = this.cache.get(key);
    if (v === undefined) { v = make(); this.cache.set(key, v); }
    return v;
  }

  /**
   * The name for a materialized constant: `base` itself the first time (IR constant names are
   * reserved for exactly this), else `alt` made unique (a second typed copy, say).
   */
  private claim(base: string, alt: string): string {
    if (!this.claimed.has(base) && (this.graph.constants.has(base) || !this.used.has(base))) {
      this.claimed.add(base);
      this.used.add(base);
      return base;
    }
    return this.unique(alt);
  }

  /** A float constant as an initializer of `type`, named by the IR constant (+ layout suffix). */
  private constant(irName: string, t: HostTensor, type: FloatType, suffix = ''): string {
    return this.memo(`const|${irName}|${suffix}|${type}`, () => {
      const base = irName + suffix;
      const name = this.claim(base, `${base}:${type}`);
      this.out.initializers.set(name, { name, type, dims: [...t.shape], data: type === 'float16' ? toHalfArray(t.data) : t.data });
      return name;
    });
  }

  /** `value` converted to `type`, with one shared Cast per (value, type). */
  private cast(value: string, type: FloatType): string {
    if (this.types.get(value) === type) return value;
    return this.memo(`cast|${value}|${type}`, () =>
      this.addNode('Cast', [value], { to: attr.int(ONNX_TYPE_CODE[type]) }, `${value}/cast_${type}`, this.unique(`${value}/${type}`), type));
  }

  int64s(values: number[]): string {
    return this.memo(`int64|${values.join(',')}`, () =>
      // A long table (Gather's indices) is named by its length: spelled out, its name would outweigh its data.
      this.addInitializer({ type: 'int64', dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) }, `const/int64[${values.length > 16 ? `${values.length} values` : values.join(',')}]`));
  }

  scalar(value: number, type: FloatType): string {
    const t: HostTensor = { shape: [], data: new Float32Array([value]) };
    return this.memo(`scalar|${value}|${type}`, () =>
      this.addInitializer({ type, dims: [], data: type === 'float16' ? toHalfArray(t.data) : t.data }, `const/scalar(${value})${type === 'float32' ? '' : ':' + type}`));
  }

  /** IR value (or constant) `name` as an ONNX value of `type`. */
  valueAs(name: string, type: FloatType): string {
    const c = this.graph.constants.get(name);
    if (c) return this.constant(name, c, type);
    if (!this.types.has(name)) throw new Error(`ONNX lowering: value ${name} used before it is produced`);
    return this.cast(name, type);
  }

  /** A weight operand, laid out by `perm`, quantized when the plan says so. */
  weight(name: string, type: FloatType, perm: number[] | undefined, channelAxis: number, owner: string): string {
    const identity = !perm || perm.every((p, i) => p === i);
    const c = this.graph.constants.get(name);
    if (!c) {
      // A computed weight: lay it out with a Transpose node; it is never quantized.
      const v = this.valueAs(name, type);
      return identity ? v : this.memo(`wt|${v}|${perm}`, () =>
        this.addNode('Transpose', [v], { perm: attr.ints(perm!) }, `${owner}/weight_layout`, this.unique(`${owner}/weight_layout`), type));
    }
    const laid = identity ? c : OPS.Transpose.evaluate([c], { perm: perm! });
    const suffix = identity ? '' : `/perm${perm!.join('')}`;
    if (!this.opts.plan.quantizes(name)) return this.constant(name, laid, type, suffix);
    return this.memo(`q|${name}|${suffix}|${type}`, () => {
      const { q, scale } = quantizeInt8(laid, channelAxis);
      const qName = this.addInitializer({ type: 'int8', dims: [...laid.shape], data: q }, `${name}${suffix}/int8`);
      const sName = this.addInitializer({ type: 'float32', dims: [scale.length], data: scale }, `${name}${suffix}/scale`);
      const deqOut = this.claim(`${name}${suffix}`, `${name}${suffix}:dequantized`);
      const deq = this.addNode('DequantizeLinear', [qName, sName], { axis: attr.int(channelAxis) }, `${name}${suffix}/dequantize`, deqOut, 'float32');
      return this.cast(deq, type);
    });
  }

  lowerNode(n: IrNode): void {
    const type = this.opts.plan.computeType(n);
    const emit = pickEmitter(n.op, this.opts.opset);
    if (typeof emit === 'string') throw new Error(`ONNX: ${n.name} (${n.op}): ${emit} (validation should have caught this)`);
    let produced = false;
    const shapes = n.inputs.map((i) => this.graph.shapes.get(i)!);
    const ctx: EmitContext = {
      name: n.name,
      attrs: n.attrs,
      opset: this.opts.opset,
      inputCount: n.inputs.length,
      shape: (i) => shapes[i]!,
      input: (i) => this.valueAs(n.inputs[i]!, type),
      weight: (i, l) => this.weight(n.inputs[i]!, type, l.perm, l.channelAxis, n.name),
      int64s: (v) => this.int64s(v),
      scalar: (v) => this.scalar(v, type),
      emit: (opType, inputs, attrs = {}, role) => {
        if (produced) throw new Error(`ONNX emitter for ${n.op} emitted after its final node (${n.name})`);
        if (role === undefined) { produced = true; return this.addNode(opType, inputs, attrs, n.name, n.output, type); }
        return this.addNode(opType, inputs, attrs, `${n.name}/${role}`, this.unique(`${n.name}/${role}`), type);
      },
    };
    emit(ctx);
    if (!produced) throw new Error(`ONNX emitter for ${n.op} produced no final node for ${n.name}`);
  }

  /**
   * Graph outputs under their public names, always float32 (a Cast from float16 when needed).
   * The value producing an output is renamed to the public name; a second output of the same
   * value, an input or a constant gets an Identity. Public names also work for intermediate
   * values exposed as extra outputs (bisect): an internal value holding the name moves aside.
   */
  finishOutputs(): void {
    const producer = new Map<string, OnnxNode>();
    for (const node of this.out.nodes) for (const o of node.outputs) producer.set(o, node);
    const names = this.graph.outputs.map((o) => o.name);
    if (new Set(names).size !== names.length) throw new A2mError(`ONNX export: output names repeat: ${names.join(', ')}`);
    const rename = (from: string, to: string) => {
      const node = producer.get(from)!;
      node.outputs = node.outputs.map((x) => (x === from ? to : x));
      for (const m of this.out.nodes) m.inputs = m.inputs.map((x) => (x === from ? to : x));
      producer.delete(from);
      producer.set(to, node);
      this.types.set(to, this.types.get(from)!);
    };
    const publicOf = new Map<string, string>();
    for (const o of this.graph.outputs) {
      if (this.out.inputs.some((i) => i.name === o.name) || this.out.initializers.has(o.name)) {
        throw new A2mError(`ONNX export: output name ${o.name} is also an input or weight name`);
      }
      const constant = this.graph.constants.get(o.value);
      let v = publicOf.get(o.value) ?? (constant ? this.constant(o.value, constant, 'float32') : o.value);
      if (producer.has(o.name) && !(v === o.name && this.types.get(v) === 'float32')) {
        const aside = this.unique(`${o.name}:internal`);
        rename(o.name, aside);
        if (v === o.name) v = aside;
      }
      this.out.outputs.push({ name: o.name, type: 'float32', shape: this.publicShape(this.graph.shapes.get(o.value)!) });
      if (this.types.get(v) === 'float16') {
        this.addNode('Cast', [v], { to: attr.int(DataType.FLOAT) }, `${o.name}/cast_float32`, o.name, 'float32');
      } else if (producer.has(v) && !publicOf.has(o.value)) {
        rename(v, o.name);
        publicOf.set(o.value, o.name);
      } else {
        this.addNode('Identity', [v], {}, `${o.name}/identity`, o.name, 'float32');
      }
    }
  }
}
