/**
 * ONNX's reading of the IR precision plan (src/ir/precision.ts): which float type each IR node
 * computes in, and which weights are stored as int8. The emitters never look at the precision;
 * lower.ts asks the plan.
 *
 *   fp32: everything float32.
 *   fp16: weights and compute float16, I/O stays float32 (a Cast after `samples`, one before
 *         each output), except the plan's fp32 island at its `log-argument` extent: Log and
 *         the elementwise chain computing its argument (the narrowest island that keeps the
 *         log-power finite; the wider one would keep the front end's kernels in float32 and
 *         the file no longer half of fp32).
 *   int8: compute float32; the plan's int8 weights stored symmetric per output channel and
 *         expanded by DequantizeLinear (dynamic-range weight quantization, as TFLite's).
 */
import type { Precision } from '../types.js';
import type { IrGraph, IrNode } from '../../src/ir/graph.js';
import { planPrecision as planIr, quantizeInt8PerChannel } from '../../src/ir/precision.js';
import type { FloatType } from './model.js';

export interface PrecisionPlan {
  precision: Precision;
  computeType(node: IrNode): FloatType;
  /** Whether IR constant `name` is stored as int8. */
  quantizes(name: string): boolean;
}

export function planPrecision(graph: IrGraph, precision: Precision): PrecisionPlan {
  const plan = planIr(graph, precision);
  const reduced: FloatType = precision === 'fp16' ? 'float16' : 'float32';
  return { precision, computeType: (n) => (plan.computesInFp32(n) ? 'float32' : reduced), quantizes: plan.quantizes };
}

/** Symmetric per-channel int8 along `channelAxis`: the plan's one quantizer, under this converter's name. */
export const quantizeInt8 = quantizeInt8PerChannel;
