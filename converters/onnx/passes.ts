/**
 * Named passes over the lowered ONNX graph, run in declared order with a structural check
 * (checkOnnxGraph) after each. Fusions and layout clean-ups live here, never in emitters.
 */
import { attr, checkOnnxGraph, type OnnxGraph, type OnnxNode } from './model.js';

export interface OnnxPass { name: string; run(g: OnnxGraph): void }

const isIdentityPerm = (p: number[]) => p.every((v, i) => v === i);
const permOf = (n: OnnxNode): number[] => {
  const a = n.attrs.perm;
  if (!a || a.type !== 'INTS') throw new Error(`Transpose ${n.name} has no perm`);
  return a.ints;
};

function replaceUses(g: OnnxGraph, from: string, to: string): void {
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
}

/**
 * `cancelTransposes`: a Transpose fed by a Transpose becomes one Transpose of the original
 * input with the composed perm, or disappears when the composition is the identity (its uses
 * read the original input; a graph output keeps its name through an Identity). The first
 * Transpose is left to `removeDeadNodes`.
 *
 *   before:  x ─Transpose[0,2,1]─ t ─Transpose[0,2,1]─ y ─Conv     after:  x ─Conv
 *   (the model's channels-first input transpose meets the stem Conv1D's transpose to NCL)
 */
export const cancelTransposes: OnnxPass = {
  name: 'cancelTransposes',
  run(g) {
    const producer = new Map<string, OnnxNode>();
    const outputs = new Set(g.outputs.map((o) => o.name));
    const kept: OnnxNode[] = [];
    for (const n of g.nodes) {
      const first = n.opType === 'Transpose' ? producer.get(n.inputs[0]!) : undefined;
      if (first && first.opType === 'Transpose') {
        const p1 = permOf(first), p2 = permOf(n);
        const composed = p2.map((i) => p1[i]!);
        const src = first.inputs[0]!;
        if (!isIdentityPerm(composed)) {
          n.inputs = [src];
          n.attrs = { ...n.attrs, perm: attr.ints(composed) };
        } else if (outputs.has(n.outputs[0]!)) {
          n.opType = 'Identity';
          n.inputs = [src];
          n.attrs = {};
        } else {
          replaceUses(g, n.outputs[0]!, src);
          continue;
        }
      }
      kept.push(n);
      for (const o of n.outputs) producer.set(o, n);
    }
    g.nodes = kept;
  },
};

/** `removeDeadNodes`: drops nodes and initializers nothing reads (walks back from the graph outputs). */
export const removeDeadNodes: OnnxPass = {
  name: 'removeDeadNodes',
  run(g) {
    const live = new Set(g.outputs.map((o) => o.name));
    const kept: OnnxNode[] = [];
    for (let i = g.nodes.length - 1; i >= 0; i--) {
      const n = g.nodes[i]!;
      if (!n.outputs.some((o) => live.has(o))) continue;
      kept.push(n);
      for (const inp of n.inputs) live.add(inp);
    }
    g.nodes = kept.reverse();
    for (const name of [...g.initializers.keys()]) if (!live.has(name)) g.initializers.delete(name);
  },
};

/** The declared order. */
export const ONNX_PASSES: readonly OnnxPass[] = [cancelTransposes, removeDeadNodes];

export function runPasses(g: OnnxGraph, passes: readonly OnnxPass[] = ONNX_PASSES): OnnxGraph {
  checkOnnxGraph(g, 'lowering');
  for (const p of passes) {
    p.run(g);
    checkOnnxGraph(g, p.name);
  }
  return g;
}
