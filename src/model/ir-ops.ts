/** ModelOps as an IR builder: running the forward pass with it records the graph every converter consumes. */
import type { ModelOps, Init } from './ops.js';
import { OPS, type Conv1DAttrs, type OpName, type AttrsOf } from '../ir/ops.js';
import { type IrGraph, type IrValue, addConstant, addInput, addNode, emptyGraph } from '../ir/graph.js';
import type { HostTensor } from '../ir/tensor.js';
import { forward } from './forward.js';
import { removeDeadValues } from '../ir/passes.js';
import type { ModelConfig } from './config.js';

export class IrRecorder implements ModelOps<IrValue> {
  readonly graph: IrGraph = emptyGraph();
  private scopes: string[] = [];
  private counters = new Map<string, number>();
  /** Every parameter the network asked for (some are only read through record-time slices). */
  readonly paramsUsed = new Set<string>();

  /** `foldParamSlices`: see slice(); off for the trainable form of the graph, where every weight stays one variable. */
  constructor(private weights: Map<string, HostTensor>, private foldParamSlices = true) {}

  private full(name: string): string { return [...this.scopes, name].join('/'); }

  private nameFor(op: OpName): string {
    const base = this.full(op.toLowerCase());
    const n = this.counters.get(base) ?? 0;
    this.counters.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  private node<O extends OpName>(op: O, inputs: IrValue[], attrs: AttrsOf<O>): IrValue {
    return addNode(this.graph, this.nameFor(op), op, inputs.map((i) => i.name), attrs);
  }

  param(name: string, shape: number[], _init: Init): IrValue {
    const full = this.full(name);
    const t = this.weights.get(full);
    if (!t) throw new Error(`weights have no parameter ${full} (shape [${shape}])`);
    if (t.shape.join() !== shape.join()) throw new Error(`parameter ${full} has shape [${t.shape}], the network expects [${shape}]`);
    this.paramsUsed.add(full);
    return this.graph.constants.has(full) ? { name: full, shape } : addConstant(this.graph, full, t);
  }

  constant(name: string, make: () => HostTensor): IrValue {
    const full = `const/${name}`;
    const s = this.graph.shapes.get(full);
    return s ? { name: full, shape: s } : addConstant(this.graph, full, make());
  }

  scope<R>(name: string, fn: () => R): R {
    this.scopes.push(name);
    try { return fn(); } finally { this.scopes.pop(); }
  }

  output(name: string, x: IrValue): IrValue {
    this.graph.outputs.push({ name, value: x.name });
    return x;
  }

  shape(x: IrValue): number[] { return x.shape; }
  conv1d(x: IrValue, w: IrValue, bias: IrValue | null, attrs: Conv1DAttrs): IrValue { return this.node('Conv1D', bias ? [x, w, bias] : [x, w], attrs); }
  dense(x: IrValue, w: IrValue, bias: IrValue | null): IrValue { return this.node('Dense', bias ? [x, w, bias] : [x, w], {}); }
  batchMatMul(a: IrValue, b: IrValue, transposeB: boolean): IrValue { return this.node('BatchMatMul', [a, b], { transposeB }); }
  add(a: IrValue, b: IrValue): IrValue { return this.node('Add', [a, b], {}); }
  sub(a: IrValue, b: IrValue): IrValue { return this.node('Sub', [a, b], {}); }
  mul(a: IrValue, b: IrValue): IrValue { return this.node('Mul', [a, b], {}); }
  layerNorm(x: IrValue, gamma: IrValue, beta: IrValue, epsilon: number): IrValue { return this.node('LayerNorm', [x, gamma, beta], { epsilon }); }
  gelu(x: IrValue): IrValue { return this.node('Gelu', [x], {}); }
  sigmoid(x: IrValue): IrValue { return this.node('Sigmoid', [x], {}); }
  softmax(x: IrValue): IrValue { return this.node('Softmax', [x], {}); }
  sqrt(x: IrValue): IrValue { return this.node('Sqrt', [x], {}); }
  log(x: IrValue): IrValue { return this.node('Log', [x], {}); }
  reshape(x: IrValue, shape: number[]): IrValue { return this.node('Reshape', [x], { shape }); }
  transpose(x: IrValue, perm: number[]): IrValue { return this.node('Transpose', [x], { perm }); }
  /**
   * A slice of a constant (a weight's rows, as the key head's split dense takes them) is computed
   * here and recorded as a constant: converters such as TFLite's FULLY_CONNECTED and Core ML's
   * linear take only constant weights, and a graph straight from the recorder (before the export
   * passes fold anything) must already be one they accept. The trainable form (training in native
   * TF from the IR) keeps the Slice, so the weight stays the one variable the optimizer updates.
   */
  slice(x: IrValue, begin: number[], size: number[]): IrValue {
    const value = this.foldParamSlices ? this.graph.constants.get(x.name) : undefined;
    if (value) return addConstant(this.graph, this.nameFor('Slice'), OPS.Slice.evaluate([value], { begin, size }));
    return this.node('Slice', [x], { begin, size });
  }
  concat(parts: IrValue[], axis: number): IrValue { return this.node('Concat', parts, { axis }); }
  gather(x: IrValue, indices: number[], axis: number): IrValue { return this.node('Gather', [x], { axis, indices }); }
  dropout(x: IrValue): IrValue { return x; }
}

/** How to record: `trainable` keeps every parameter one constant read through ops (for training from the IR). */
export interface GraphOptions { trainable?: boolean }

/** Records the model's graph for a fixed batch size (exports have static shapes). */
export function buildModelGraph(cfg: ModelConfig, weights: Map<string, HostTensor>, batch = 1, opts: GraphOptions = {}): IrGraph {
  const rec = new IrRecorder(weights, !opts.trainable);
  const input = addInput(rec.graph, 'samples', [batch, cfg.channels, cfg.windowSamples]);
  forward(rec, cfg, input);
  // A weight read only through record-time slices is left unread: dropped, as the export passes would.
  removeDeadValues.run(rec.graph);
  const unused = [...weights.keys()].filter((k) => !rec.paramsUsed.has(k));
  if (unused.length) throw new Error(`weights hold parameters the ${cfg.preset} network does not use: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', ...' : ''}`);
  rec.graph.metadata.preset = cfg.preset;
  return rec.graph;
}

