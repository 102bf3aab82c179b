/**
 * Graph passes every converter shares. Each pass has a name, runs in the
 * declared order, and the graph is validated after each one (a broken pass
 * fails loudly, naming itself, instead of producing a bad export).
 */
import { OPS } from './ops.js';
import { type IrGraph, type IrNode, validateGraph } from './graph.js';
import { emptyGraph } from './graph.js';

export interface Pass { name: string; run(g: IrGraph): IrGraph }

/**
 * common::fold_constants — a node whose inputs are all constants becomes a constant.
 *   Const ─┐
 *          ├─ Op ─ y      =>   Const(y)
 *   Const ─┘
 */
export const foldConstants: Pass = {
  name: 'common::fold_constants',
  run(g) {
    const nodes: IrNode[] = [];
    for (const n of g.nodes) {
      if (n.inputs.every((i) => g.constants.has(i))) {
        const value = OPS[n.op].evaluate(n.inputs.map((i) => g.constants.get(i)!), n.attrs as never);
        g.constants.set(n.output, value);
      } else nodes.push(n);
    }
    g.nodes = nodes;
    return g;
  },
};

/**
 * common::fuse_dense_bias — Dense without bias followed by Add of a constant [N] vector.
 *   x ─ Dense(w) ─ Add(b) ─ y   =>   x ─ Dense(w, b) ─ y
 */
export const fuseDenseBias: Pass = {
  name: 'common::fuse_dense_bias',
  run(g) {
    const uses = useCounts(g);
    const byOutput = new Map(g.nodes.map((n) => [n.output, n]));
    const drop = new Set<IrNode>();
    for (const add of g.nodes) {
      if (add.op !== 'Add') continue;
      const [a, b] = add.inputs as [string, string];
      const dense = byOutput.get(a);
      const bias = g.constants.get(b);
      if (!dense || dense.op !== 'Dense' || dense.inputs.length !== 2 || uses.get(a) !== 1 || isOutput(g, a)) continue;
      const n = g.shapes.get(dense.inputs[1]!)![1]!;
      if (!bias || bias.shape.length !== 1 || bias.shape[0] !== n) continue;
      dense.inputs.push(b);
      // The Add's output name now belongs to the Dense.
      g.shapes.set(add.output, g.shapes.get(dense.output)!);
      g.shapes.delete(dense.output);
      dense.output = add.output;
      drop.add(add);
    }
    g.nodes = g.nodes.filter((n) => !drop.has(n));
    return g;
  },
};

/** common::dead_values — drops nodes and constants no output depends on. */
export const removeDeadValues: Pass = {
  name: 'common::dead_values',
  run(g) {
    const live = new Set(g.outputs.map((o) => o.value));
    const kept: IrNode[] = [];
    for (const n of [...g.nodes].reverse()) {
      if (!live.has(n.output)) continue;
      kept.push(n);
      for (const i of n.inputs) live.add(i);
    }
    g.nodes = kept.reverse();
    for (const k of [...g.constants.keys()]) if (!live.has(k)) { g.constants.delete(k); g.shapes.delete(k); }
    return g;
  },
};

function useCounts(g: IrGraph): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) m.set(i, (m.get(i) ?? 0) + 1);
  return m;
}
const isOutput = (g: IrGraph, v: string) => g.outputs.some((o) => o.value === v);

/** The default pipeline, in order. */
export const DEFAULT_PASSES: readonly Pass[] = [foldConstants, fuseDenseBias, removeDeadValues];

/** Runs passes on a copy of the graph (the input is left untouched), validating after each. */
export function runPasses(input: IrGraph, passes: readonly Pass[] = DEFAULT_PASSES): IrGraph {
  let g = cloneGraph(input);
  for (const p of passes) {
    g = p.run(g);
    try { validateGraph(g); } catch (e) { throw new Error(`IR pass ${p.name} produced an invalid graph: ${(e as Error).message}`); }
  }
  return g;
}

export function cloneGraph(g: IrGraph): IrGraph {
  const c = emptyGraph();
  c.inputs = g.inputs.map((i) => ({ ...i, shape: [...i.shape] }));
  c.outputs = g.outputs.map((o) => ({ ...o }));
  c.nodes = g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], attrs: structuredClone(n.attrs) }));
  c.constants = new Map(g.constants);
  c.shapes = new Map([...g.shapes].map(([k, v]) => [k, [...v]]));
  c.metadata = { ...g.metadata };
  if (g.dynamicBatch) c.dynamicBatch = true;
  return c;
}

