/**
 * Core ML's reading of the IR precision plan (src/ir/precision.ts): the MIL dtype each IR node
 * computes in. fp32: every node in fp32. fp16 (as coremltools' compute_precision=FLOAT16):
 * weights and activations in fp16, I/O stays fp32 with casts at the boundary, except the
 * plan's fp32 island at its `log-ancestors` extent: Log and everything upstream of it (the
 * front end and its constant-Q kernels; the narrower island costs Core ML parity, see the plan).
 */
import type { IrGraph } from '../../src/ir/graph.js';
import { planPrecision } from '../../src/ir/precision.js';
import { MIL_DTYPE } from './format.js';

export function computeDtypes(graph: IrGraph, precision: 'fp32' | 'fp16'): Map<string, number> {
  const plan = planPrecision(graph, precision, { fp32Island: 'log-ancestors' });
  return new Map(graph.nodes.map((n) => [n.name, plan.computesInFp32(n) ? MIL_DTYPE.FLOAT32 : MIL_DTYPE.FLOAT16]));
}
