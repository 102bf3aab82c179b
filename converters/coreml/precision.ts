/**
 * Compute precision per IR node. fp32: every node in fp32. fp16 (as coremltools'
 * compute_precision=FLOAT16): weights and activations in fp16, I/O stays fp32
 * with casts at the boundary, except an fp32 island: every Log node and all of
 * its ancestors. Reason: log of a small power (the log-spectrum front end adds a
 * 1e-8 floor, and fp16 flushes values under 6e-8 to zero) gives -inf in fp16,
 * and squared magnitudes overflow fp16's 65504 on loud input.
 */
import type { IrGraph } from '../../src/ir/graph.js';
import type { OpName } from '../../src/ir/ops.js';
import { MIL_DTYPE } from './format.js';

/** Ops whose inputs (and everything upstream) must stay fp32 in an fp16 export. */
const FP32_ANCHORS: ReadonlySet<OpName> = new Set<OpName>(['Log']);

export function computeDtypes(graph: IrGraph, precision: 'fp32' | 'fp16'): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of graph.nodes) out.set(n.name, precision === 'fp32' ? MIL_DTYPE.FLOAT32 : MIL_DTYPE.FLOAT16);
  if (precision === 'fp32') return out;
  const producer = new Map(graph.nodes.map((n) => [n.output, n]));
  const stack = graph.nodes.filter((n) => FP32_ANCHORS.has(n.op));
  while (stack.length) {
    const n = stack.pop()!;
    if (out.get(n.name) === MIL_DTYPE.FLOAT32) continue;
    out.set(n.name, MIL_DTYPE.FLOAT32);
    for (const i of n.inputs) { const p = producer.get(i); if (p) stack.push(p); }
  }
  return out;
}
