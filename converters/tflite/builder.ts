/**
 * The state the emitters share while they turn an IR graph into a TflModel:
 * tensors per IR value, constants (with the precision's weight encoding),
 * shared int32 shape/axis tensors, and the operator list in execution order.
 */
import type { IrGraph } from '../../src/ir/graph.js';
import type { Precision } from '../types.js';
import { DEFAULT_SIGNATURE_KEY, type EmittedOp, type OptionValues, type TensorTypeName } from './format.js';
import type { TflModel, TflQuantization } from './model.js';
import { quantizeInt8PerChannel, toFloat16Bytes } from './quantize.js';
import { planPrecision, survivesFloat16, type PrecisionPlan } from '../../src/ir/precision.js';

/**
 * How a constant is consumed, which decides its encoding per precision:
 * - `fc` / `conv` / `depthwise`: the weight operand of a hybrid-capable kernel
 *   (int8 at `int8` when the IR precision plan quantizes its source weight, with
 *   per-channel scales along the layout's output axis);
 * - `plain`: any other IR constant (float16 + DEQUANTIZE at fp16, float otherwise);
 * - `exact`: scalars the converter itself adds (epsilon): always float32.
 */
export type WeightUse = 'fc' | 'conv' | 'depthwise' | 'plain' | 'exact';
/** Output-channel axis of each weight layout: FC [out,in], CONV_2D OHWI, DEPTHWISE [1,H,W,out]. */
const OUTPUT_AXIS = { fc: 0, conv: 0, depthwise: 3 } as const;

export interface BuilderOptions { precision: Precision; int8MinElements?: number; description: string }

export class TflBuilder {
  readonly model: TflModel;
  private readonly tensorOfValue = new Map<string, number>();
  private readonly constantCache = new Map<string, number>();
  private readonly names = new Set<string>();
  private readonly plan: PrecisionPlan;

  constructor(readonly graph: IrGraph, readonly opts: BuilderOptions) {
    this.plan = planPrecision(graph, opts.precision, { int8MinElements: opts.int8MinElements });
    this.model = {
      description: opts.description, subgraphName: 'main', tensors: [], operators: [], inputs: [], outputs: [],
      buffers: [new Uint8Array(0)], signature: { key: DEFAULT_SIGNATURE_KEY, inputs: [], outputs: [] }, metadata: [],
    };
  }

  /**
   * Dim 0 as written into a shape operand (RESHAPE's shape, SLICE's size):
   * -1 when the graph's batch is dynamic, so an input resized by the
   * interpreter (ResizeInputTensor) propagates: every op re-derives its output
   * shape at AllocateTensors. Tensor shapes stay at batch 1 (README: dynamic batch).
   */
  lead(dim0: number): number {
    return this.graph.dynamicBatch ? -1 : dim0;
  }

  shapeOf(value: string): number[] {
    const s = this.graph.shapes.get(value);
    if (!s) throw new Error(`IR value ${value} has no recorded shape`);
    return s;
  }

  /** A tensor name unique in the subgraph (TFLite does not require it; readers and debuggers like it). */
  private uniqueName(base: string): string {
    let name = base, i = 1;
    while (this.names.has(name)) name = `${base}_${i++}`;
    this.names.add(name);
    return name;
  }

  private addTensor(name: string, shape: number[], type: TensorTypeName, data?: Uint8Array, quantization?: TflQuantization): number {
    const buffer = data ? this.model.buffers.push(data) - 1 : 0;
    // A dynamic batch: every activation is batch-led (B or B*frames in dim 0), and TFLite re-derives a
    // tensor's shape after a resize only when its shape_signature says the dim is free (README).
    const sig = !data && this.graph.dynamicBatch && shape.length > 0 ? { shapeSignature: [-1, ...shape.slice(1)] } : {};
    return this.model.tensors.push({ name: this.uniqueName(name), shape: [...shape], type, buffer, quantization, ...sig }) - 1;
  }

  /** An activation tensor (no buffer): float32, or BOOL for comparison results. */
  activation(name: string, shape: number[], type: 'FLOAT32' | 'BOOL' = 'FLOAT32'): number {
    return this.addTensor(name, shape, type);
  }

  /** The tensor carrying IR value `name` (float32; constants are materialised on first use). */
  value(name: string): number {
    const t = this.tensorOfValue.get(name);
    if (t !== undefined) return t;
    const c = this.graph.constants.get(name);
    if (!c) throw new Error(`IR value ${name} is used before a tensor was emitted for it`);
    return this.constant(name, c.shape, c.data, 'plain');
  }

  /** Records that IR value `name` lives in tensor `t`. */
  bind(name: string, t: number): void {
    this.tensorOfValue.set(name, t);
  }

  /** The output tensor of a node, bound to the node's IR value. */
  output(value: string): number {
    const t = this.activation(value, this.shapeOf(value));
    this.bind(value, t);
    return t;
  }

  isInt8(t: number): boolean {
    return this.model.tensors[t]!.type === 'INT8';
  }

  /**
   * A constant in the encoding `use` gets at this precision; cached by `key`
   * (an IR constant name, or name + layout for transformed weights), so each
   * weight is stored once however often it is used. `source`: the IR weight a
   * kernel operand is laid out from (the plan decides by it).
   */
  constant(key: string, shape: number[], data: Float32Array, use: WeightUse, source?: string): number {
    const cached = this.constantCache.get(key);
    if (cached !== undefined) return cached;
    let t: number;
    const { precision } = this.opts;
    if (use !== 'plain' && use !== 'exact' && source !== undefined && this.plan.quantizes(source)) {
      const q = quantizeInt8PerChannel(data, shape, OUTPUT_AXIS[use]);
      t = this.addTensor(key, shape, 'INT8', new Uint8Array(q.data.buffer, q.data.byteOffset, q.data.byteLength),
        { scale: q.scale, zeroPoint: q.scale.map(() => 0), quantizedDimension: q.axis });
    } else if (precision === 'fp16' && use !== 'exact' && survivesFloat16(data)) {
      // As TF's float16 quantization: the weight is stored as FLOAT16 and a DEQUANTIZE op makes the float32 tensor.
      const half = this.addTensor(`${key}/fp16`, shape, 'FLOAT16', toFloat16Bytes(data));
      t = this.activation(key, shape);
      this.op('DEQUANTIZE', [half], [t]);
    } else {
      // A view, not a copy: the serializer copies it into the flatbuffer and nothing writes to IR constants.
      t = this.addTensor(key, shape, 'FLOAT32', new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    this.constantCache.set(key, t);
    return t;
  }

  /** A float32 constant the converter derives from a weight (e.g. a transposed layout). */
  derived(key: string, shape: number[], make: () => Float32Array, use: WeightUse, source?: string): number {
    const cached = this.constantCache.get(key);
    return cached !== undefined ? cached : this.constant(key, shape, make(), use, source);
  }

  /** A shared int32 constant (shapes, axes, permutations, paddings). */
  int32(values: readonly number[], shape: number[] = [values.length]): number {
    const key = `int32:${shape.join('x')}:${values.join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached !== undefined) return cached;
    const t = this.addTensor(`const_i32_${values.join('_').replace(/-/g, 'm')}`.slice(0, 64), shape, 'INT32', new Uint8Array(Int32Array.from(values).buffer));
    this.constantCache.set(key, t);
    return t;
  }

  op(op: EmittedOp, inputs: number[], outputs: number[], options?: OptionValues): void {
    this.model.operators.push({ op, inputs, outputs, options });
  }
}
