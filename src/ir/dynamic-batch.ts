/**
 * A batch-polymorphic graph from two recordings of the same network at
 * different static batches. The model records its graph at a fixed batch
 * (src/model); the attrs that depend on it are found by comparing the two
 * recordings rather than by a list of op rules, so a new op or head that bakes
 * the batch into an attr is either handled or reported here, never exported
 * pinned to batch 1:
 * - Reshape: the one target dim that scales with the batch becomes -1
 *   ([B, 250, 88, 12] and the key head's [B*250, 88, 12] alike);
 * - Slice: a size on dim 0 that is the whole batch becomes -1 ("to the end").
 * Any other difference (an attr, a constant, a non-batch dim) is an error
 * naming the node: such a graph cannot be exported with a free batch.
 * The result keeps the first recording's shapes and marks `dynamicBatch`, so
 * each converter writes its dynamic dim 0 from this one decision.
 */
import type { IrGraph, IrNode } from './graph.js';
import { OPS, type ReshapeAttrs, type SliceAttrs } from './ops.js';
import { cloneGraph } from './passes.js';
import { fmtShape } from './tensor.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function makeBatchDynamic(g1: IrGraph, g2: IrGraph): IrGraph {
  const b1 = g1.inputs[0]?.shape[0], b2 = g2.inputs[0]?.shape[0];
  if (b1 === undefined || b2 === undefined || b1 === b2) throw new Error(`makeBatchDynamic: needs two recordings at different batches (got ${b1} and ${b2})`);
  const fail = (what: string): never => { throw new Error(`makeBatchDynamic: ${what} (batch ${b1} vs ${b2})`); };
  const batchDim = (s1: number[] | undefined, s2: number[] | undefined, what: string) => {
    if (!s1 || !s2 || s1[0] !== b1 || s2[0] !== b2 || !same(s1.slice(1), s2.slice(1))) fail(`${what} ${s1 && fmtShape(s1)} vs ${s2 && fmtShape(s2)} does not lead with the batch`);
  };
  if (g1.inputs.length !== g2.inputs.length || g1.outputs.length !== g2.outputs.length || g1.nodes.length !== g2.nodes.length) fail('the recordings differ in inputs, outputs or node count');
  g1.inputs.forEach((v, i) => batchDim(v.shape, g2.inputs[i]!.shape, `input ${v.name}`));
  g1.outputs.forEach((o, i) => batchDim(g1.shapes.get(o.value), g2.shapes.get(g2.outputs[i]!.value), `output ${o.name}`));
  for (const [name, t] of g1.constants) {
    const u = g2.constants.get(name);
    if (!u || !same(t.shape, u.shape)) fail(`constant ${name} differs between the recordings`);
  }
  const out = cloneGraph(g1);
  out.nodes = g1.nodes.map((n, i) => dynamicNode(n, g2.nodes[i]!, b1, b2, fail));
  out.dynamicBatch = true;
  return out;
}

function dynamicNode(n1: IrNode, n2: IrNode, b1: number, b2: number, fail: (what: string) => never): IrNode {
  if (n1.name !== n2.name || n1.op !== n2.op || !same(n1.inputs, n2.inputs)) fail(`node ${n1.name} differs between the recordings`);
  if (same(n1.attrs, n2.attrs)) return { ...n1, inputs: [...n1.inputs], attrs: structuredClone(n1.attrs) };
  const where = `node ${n1.name} (${n1.op})`;
  if (n1.op === 'Reshape') {
    const s1 = (n1.attrs as ReshapeAttrs).shape, s2 = (n2.attrs as ReshapeAttrs).shape;
    const diff = s1.flatMap((d, k) => (d !== s2[k] ? [k] : []));
    // The dim must scale with the batch (d1 / b1 = d2 / b2), so -1 recovers it at every batch.
    if (s1.length !== s2.length || diff.length !== 1 || s1.includes(-1) || s1[diff[0]!]! * b2 !== s2[diff[0]!]! * b1) fail(`${where}: target ${fmtShape(s1)} vs ${fmtShape(s2)} is not one batch-scaled dim`);
    return { ...n1, inputs: [...n1.inputs], attrs: { shape: s1.map((d, k) => (k === diff[0] ? -1 : d)) } } as IrNode;
  }
  if (n1.op === 'Slice') {
    const a1 = n1.attrs as SliceAttrs, a2 = n2.attrs as SliceAttrs;
    const ok = same(a1.begin, a2.begin) && same(a1.size.slice(1), a2.size.slice(1)) && a1.begin[0] === 0 && a1.size[0] === b1 && a2.size[0] === b2;
    if (!ok) fail(`${where}: begin/size [${a1.begin}]+[${a1.size}] vs [${a2.begin}]+[${a2.size}] is not a whole-batch slice`);
    return { ...n1, inputs: [...n1.inputs], attrs: { begin: [...a1.begin], size: [-1, ...a1.size.slice(1)] } } as IrNode;
  }
  return fail(`${where}: attrs ${JSON.stringify(n1.attrs)} vs ${JSON.stringify(n2.attrs)} depend on the batch`);
}

/**
 * A dynamic-batch graph's shapes with -1 where a dim scales with the batch:
 * the shape rules re-run at the recorded batch + 1 (a Reshape's -1 and a
 * whole-batch Slice follow the new batch), and every dim that moved is the
 * batch's. This catches dim 0 of [B, 250, 90] and of the key head's
 * [B*250, 88, 12] alike, for writers (Core ML) that declare every
 * intermediate value's type. A static graph's shapes come back as they are.
 */
export function symbolicBatchShapes(g: IrGraph): Map<string, number[]> {
  if (!g.dynamicBatch) return new Map([...g.shapes].map(([k, s]) => [k, [...s]]));
  const moved = new Map<string, number[]>();
  for (const [k, t] of g.constants) moved.set(k, [...t.shape]);
  for (const i of g.inputs) moved.set(i.name, [i.shape[0]! + 1, ...i.shape.slice(1)]);
  for (const n of g.nodes) {
    const ins = n.inputs.map((v) => moved.get(v) ?? symbolicFail(`node ${n.name} (${n.op}) reads ${v} before it is defined`));
    try {
      moved.set(n.output, OPS[n.op].inferShape(ins, n.attrs as never));
    } catch (e) {
      symbolicFail(`node ${n.name} (${n.op}) has no shape at batch ${g.inputs[0]!.shape[0]! + 1}: ${(e as Error).message}`);
    }
  }
  const out = new Map<string, number[]>();
  for (const [k, s] of g.shapes) {
    const m = moved.get(k);
    if (!m || m.length !== s.length) symbolicFail(`value ${k} changes rank with the batch`);
    out.set(k, s.map((d, i) => (d === m![i] ? d : -1)));
  }
  return out;
}

function symbolicFail(what: string): never {
  throw new Error(`symbolicBatchShapes: ${what}`);
}
