/**
 * What a layer rule (layers-table.ts) sees of one Keras layer call: typed
 * readers of its config (`LayerConfig`, enough for the checks made before
 * anything is built), and, while building, its input values, its weights from
 * the manifest and builders that add IR nodes named `<layer>/<op>`.
 */
import { addConstant, addNode, type IrGraph, type IrValue } from '../../src/ir/graph.js';
import type { AttrsOf, OpName } from '../../src/ir/ops.js';
import { sizeOf, type HostTensor } from '../../src/ir/tensor.js';
import { A2mError } from '../../src/errors.js';
import type { LayerCall } from './layers-format.js';
import type { WeightValue } from './weights.js';

/** This layer (as configured, or on these shapes) cannot be expressed in the IR: a reason the report shows. */
export class UnsupportedLayer extends Error {}

/** A refusal's text, or null when the layer is fine. */
export type Problem = string | null;

export class LayerConfig {
  constructor(readonly call: LayerCall) {}

  get name(): string { return this.call.name; }
  get className(): string { return this.call.className; }

  /** A config error (wrong type, nonsense value): the file is malformed, not merely unsupported. */
  bad(key: string, expected: string): never {
    throw new A2mError(`layer ${this.name} (${this.className}): config.${key} is ${JSON.stringify(this.call.config[key])}, expected ${expected}`);
  }

  has(key: string): boolean { return this.call.config[key] !== undefined && this.call.config[key] !== null; }

  num(key: string, fallback?: number): number {
    const v = this.call.config[key] ?? fallback;
    return typeof v === 'number' && Number.isFinite(v) ? v : this.bad(key, 'a number');
  }

  str(key: string, fallback?: string): string {
    const v = this.call.config[key] ?? fallback;
    return typeof v === 'string' ? v : this.bad(key, 'a string');
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.call.config[key] ?? fallback;
    return typeof v === 'boolean' ? v : this.bad(key, 'true or false');
  }

  /** A Keras tuple field (kernel_size, strides, pool_size) written as one number or a list of `n`. */
  ints(key: string, n: number, fallback?: number[]): number[] {
    const v = this.call.config[key] ?? fallback;
    const list = typeof v === 'number' ? new Array<number>(n).fill(v) : v;
    if (!Array.isArray(list) || list.length !== n || list.some((d) => !Number.isInteger(d) || d < 1)) return this.bad(key, `a positive integer or ${n} of them`);
    return list as number[];
  }

  /** The activation function's name: a string, or {class_name} as some Keras versions write it. */
  activationName(key = 'activation'): string {
    const v = this.call.config[key] ?? 'linear';
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && typeof (v as { class_name?: unknown }).class_name === 'string') return (v as { class_name: string }).class_name;
    return this.bad(key, 'an activation name');
  }

  /** Refuses dilated convolutions by name: the IR's convolutions have no dilation. */
  dilationProblem(rank: number): Problem {
    const d = this.ints('dilation_rate', rank, new Array<number>(rank).fill(1));
    return d.every((x) => x === 1) ? null : `dilation_rate [${d}]: the IR's Conv1D/Conv2D have no dilation (only 1 is imported)`;
  }

  /** tfjs writes channelsLast, Keras channels_last; channels-first layers are refused. */
  channelsLastProblem(): Problem {
    const f = this.call.config.data_format ?? 'channelsLast';
    return f === 'channelsLast' || f === 'channels_last' ? null : `data_format ${JSON.stringify(f)}: only channels-last layers are imported`;
  }

  paddingProblem(allowed: string[]): Problem {
    const p = this.str('padding', 'valid');
    return allowed.includes(p) ? null : `padding "${p}" (imported: ${allowed.join(', ')})`;
  }
}

export class LayerContext extends LayerConfig {
  private counts = new Map<string, number>();

  constructor(
    call: LayerCall,
    readonly inputs: IrValue[],
    private readonly graph: IrGraph,
    private readonly weights: Map<string, WeightValue>,
  ) { super(call); }

  /** The layer's only input; layers that merge several read `inputs`. */
  get x(): IrValue {
    if (this.inputs.length !== 1) throw new A2mError(`layer ${this.name} (${this.className}) has ${this.inputs.length} inputs, expected 1`);
    return this.inputs[0]!;
  }

  /** Channels-last rank check: a Conv2D fed a 3-D tensor is a malformed model, said with the layer's name. */
  rank(v: IrValue, rank: number): IrValue {
    if (v.shape.length !== rank) throw new A2mError(`layer ${this.name} (${this.className}) expects a rank-${rank} input, got [${v.shape}]`);
    return v;
  }

  /** `<layer>/<weight>` from the manifest, float32, with its shape checked when `shape` is given. */
  weight(short: string, shape?: number[]): HostTensor {
    const w = this.findWeight(short);
    if (!w) {
      const own = [...this.weights.keys()].filter((k) => k.startsWith(`${this.name}/`) || k.includes(`/${this.name}/`));
      throw new A2mError(`layer ${this.name} (${this.className}) has no weight "${this.name}/${short}" in weightsManifest (its weights: ${own.join(', ') || 'none'})`);
    }
    if (w.dtype !== 'float32') throw new A2mError(`layer ${this.name} (${this.className}): weight ${w.name} is ${w.dtype}, expected float32`);
    if (shape && shape.join() !== w.shape.join()) throw new A2mError(`layer ${this.name} (${this.className}): weight ${w.name} has shape [${w.shape}], the layer needs [${shape}]`);
    return { shape: [...w.shape], data: w.data as Float32Array };
  }

  /** tfjs-layers names weights `<layer>/<weight>`; Keras models converted in a name scope prefix them (`<model>/<layer>/<weight>`). */
  private findWeight(short: string): WeightValue | undefined {
    const exact = this.weights.get(`${this.name}/${short}`);
    if (exact) return exact;
    const scoped = [...this.weights.values()].filter((w) => w.name.endsWith(`/${this.name}/${short}`));
    return scoped.length === 1 ? scoped[0] : undefined;
  }

  /** The layer's weight `short` as a graph constant (`<layer>/<short>`), reshaped to `shape` when given (same element order). */
  weightValue(short: string, reshape?: number[]): IrValue {
    const t = this.weight(short);
    if (reshape && sizeOf(reshape) !== t.data.length) throw new A2mError(`layer ${this.name} (${this.className}): weight ${short} [${t.shape}] cannot be viewed as [${reshape}]`);
    return this.constant(short, { shape: reshape ?? t.shape, data: t.data });
  }

  /** The bias constant as a list (empty when use_bias is false), to spread into an op's inputs. */
  bias(expectedSize: number): IrValue[] {
    if (!this.bool('use_bias', true)) return [];
    this.weight('bias', [expectedSize]);
    return [this.weightValue('bias')];
  }

  constant(suffix: string, t: HostTensor): IrValue {
    return addConstant(this.graph, this.unique(suffix), t);
  }

  /** Adds an IR node named `<layer>/<op>` (numbered when the layer adds several of one op). */
  op<O extends OpName>(op: O, inputs: IrValue[], attrs: AttrsOf<O>): IrValue {
    return addNode(this.graph, this.unique(op), op, inputs.map((v) => v.name), attrs);
  }

  private unique(suffix: string): string {
    const k = this.counts.get(suffix) ?? 0;
    this.counts.set(suffix, k + 1);
    let name = k === 0 ? `${this.name}/${suffix}` : `${this.name}/${suffix}_${k}`;
    for (let i = k + 1; this.graph.shapes.has(name); i++) name = `${this.name}/${suffix}_${i}`;
    return name;
  }
}
