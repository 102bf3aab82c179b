/**
 * The graph IR: typed values with static shapes, nodes over the closed op set
 * (src/ir/ops.ts), constants holding the weights. Shape inference runs as each
 * node is added, so a shape error names the node that caused it.
 */
import { OPS, type OpName, type AttrsOf } from './ops.js';
import { type HostTensor, fmtShape } from './tensor.js';

export interface IrValue {
  name: string;
  shape: number[];
}

export interface IrNode<O extends OpName = OpName> {
  name: string;
  op: O;
  inputs: string[];
  output: string;
  attrs: AttrsOf<O>;
}

export interface IrGraph {
  inputs: IrValue[];
  /** Graph outputs: public name (e.g. `logits`) -> value name. */
  outputs: { name: string; value: string }[];
  nodes: IrNode[];
  /** Constants: weights and fixed tables, keyed by value name. */
  constants: Map<string, HostTensor>;
  /** Every value's shape (inputs, constants, node outputs). */
  shapes: Map<string, number[]>;
  /** Free-form provenance (preset, tool version) carried into export metadata. */
  metadata: Record<string, string>;
  /**
   * Dim 0 of every input and output is the batch, free at run time
   * (./dynamic-batch.ts): `shapes` hold the recording batch, and the attrs
   * that depended on it hold -1. Converters write dim 0 as their dynamic form.
   */
  dynamicBatch?: boolean;
}

export function emptyGraph(): IrGraph {
  return { inputs: [], outputs: [], nodes: [], constants: new Map(), shapes: new Map(), metadata: {} };
}

/** Adds a node, running the op's shape rule; errors name the node. */
export function addNode<O extends OpName>(g: IrGraph, name: string, op: O, inputs: string[], attrs: AttrsOf<O>): IrValue {
  if (g.shapes.has(name)) throw new Error(`IR: duplicate value name ${name}`);
  const shapes = inputs.map((i) => {
    const s = g.shapes.get(i);
    if (!s) throw new Error(`IR node ${name} (${op}): unknown input ${i}`);
    return s;
  });
  let shape: number[];
  try {
    shape = OPS[op].inferShape(shapes, attrs as never);
  } catch (e) {
    throw new Error(`IR node ${name} (${op}) inputs ${shapes.map(fmtShape).join(' ')}: ${(e as Error).message}`);
  }
  g.nodes.push({ name, op, inputs, output: name, attrs } as IrNode);
  g.shapes.set(name, shape);
  return { name, shape };
}

export function addConstant(g: IrGraph, name: string, t: HostTensor): IrValue {
  if (g.shapes.has(name)) throw new Error(`IR: duplicate value name ${name}`);
  g.constants.set(name, t);
  g.shapes.set(name, [...t.shape]);
  return { name, shape: [...t.shape] };
}

export function addInput(g: IrGraph, name: string, shape: number[]): IrValue {
  g.inputs.push({ name, shape: [...shape] });
  g.shapes.set(name, [...shape]);
  return { name, shape: [...shape] };
}

/** Topological order is the insertion order; this checks it holds (used after passes). */
export function validateGraph(g: IrGraph): void {
  const known = new Set<string>([...g.inputs.map((i) => i.name), ...g.constants.keys()]);
  for (const n of g.nodes) {
    for (const i of n.inputs) if (!known.has(i)) throw new Error(`IR node ${n.name} (${n.op}) uses ${i} before it is defined`);
    const shape = OPS[n.op].inferShape(n.inputs.map((i) => g.shapes.get(i)!), n.attrs as never);
    const recorded = g.shapes.get(n.output);
    if (!recorded || recorded.join() !== shape.join()) throw new Error(`IR node ${n.name} (${n.op}) shape ${fmtShape(shape)} disagrees with recorded ${recorded && fmtShape(recorded)}`);
    known.add(n.output);
  }
  for (const o of g.outputs) if (!known.has(o.value)) throw new Error(`IR output ${o.name} refers to unknown value ${o.value}`);
}

export function paramCount(g: IrGraph, filter: (name: string) => boolean = () => true): number {
  let n = 0;
  for (const [name, t] of g.constants) if (filter(name)) n += t.data.length;
  return n;
}
