/** Reference evaluator: runs an IR graph op by op on host tensors. */
import { OPS } from './ops.js';
import type { IrGraph } from './graph.js';
import { type HostTensor, fmtShape, shapeEq } from './tensor.js';

export interface EvaluateOptions {
  /** Also return these intermediate values (for bisect). */
  keep?: Iterable<string>;
}

export function evaluateGraph(g: IrGraph, feeds: Record<string, HostTensor>, opts: EvaluateOptions = {}): Record<string, HostTensor> {
  const env = new Map<string, HostTensor>(g.constants);
  for (const inp of g.inputs) {
    const t = feeds[inp.name];
    if (!t) throw new Error(`IR evaluate: missing input ${inp.name}`);
    // A dynamic batch (graph.dynamicBatch) takes any dim 0: the ops derive their shapes from their inputs.
    const expected = g.dynamicBatch ? [t.shape[0]!, ...inp.shape.slice(1)] : inp.shape;
    if (!shapeEq(t.shape, expected)) throw new Error(`IR evaluate: input ${inp.name} has shape ${fmtShape(t.shape)}, expected ${g.dynamicBatch ? `[batch,${inp.shape.slice(1).join(',')}]` : fmtShape(inp.shape)}`);
    env.set(inp.name, t);
  }
  // Free intermediates after their last use so base-preset evaluation stays small.
  const lastUse = new Map<string, number>();
  g.nodes.forEach((n, i) => n.inputs.forEach((v) => lastUse.set(v, i)));
  const keep = new Set([...(opts.keep ?? []), ...g.outputs.map((o) => o.value)]);
  g.nodes.forEach((n, i) => {
    const ins = n.inputs.map((v) => env.get(v)!);
    env.set(n.output, OPS[n.op].evaluate(ins, n.attrs as never));
    for (const v of n.inputs) if (lastUse.get(v) === i && !keep.has(v) && !g.constants.has(v)) env.delete(v);
  });
  const out: Record<string, HostTensor> = {};
  for (const o of g.outputs) out[o.name] = env.get(o.value)!;
  for (const k of opts.keep ?? []) out[k] = env.get(k)!;
  return out;
}
