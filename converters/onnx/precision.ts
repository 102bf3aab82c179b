/**
 * Precision plans: which float type each IR node computes in, and which weights are stored
 * as int8. The emitters never look at the precision; lower.ts asks the plan.
 *
 *   fp32: everything float32.
 *   fp16: weights and compute float16, I/O stays float32 (a Cast after `samples`, one before
 *         each output), except the fp32 islands below.
 *   int8: compute float32; Dense / Conv weights with >= QUANT_MIN_ELEMENTS elements stored as
 *         int8, symmetric per output channel, and expanded by DequantizeLinear (dynamic-range
 *         weight quantization, as TFLite's).
 */
import type { Precision } from '../types.js';
import type { IrGraph, IrNode } from '../../src/ir/graph.js';
import type { OpName } from '../../src/ir/ops.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import type { FloatType } from './model.js';

/** Smaller weights stay float (TFLite's dynamic-range quantizer uses the same cut-off): they cost nothing and hold biases-like tables. */
export const QUANT_MIN_ELEMENTS = 1024;

export interface PrecisionPlan {
  precision: Precision;
  computeType(node: IrNode): FloatType;
  quantizes(weight: HostTensor): boolean;
}

/** Elementwise ops an fp32 island may extend back through. */
const ELEMENTWISE: ReadonlySet<OpName> = new Set(['Add', 'Sub', 'Mul', 'Div', 'Sqrt']);

/**
 * Named pass `fp32IslandsForLog`: Log and the elementwise chain computing its argument run in
 * float32. The log-spectrogram's power re^2 + im^2 + 1e-8 underflows in float16 (the 1e-8
 * floor itself rounds to 0, smallest half subnormal is 6e-8), giving log(0) = -inf.
 *
 *   before (fp16):  re ─Mul─┐                       after:  re ─Cast32─Mul─┐
 *                   im ─Mul─Add─Add(1e-8)─Log─        im ─Cast32─Mul─Add─Add─Log─Cast16─
 */
export function fp32IslandsForLog(graph: IrGraph): Set<string> {
  const producer = new Map(graph.nodes.map((n) => [n.output, n]));
  const island = new Set<string>();
  const visit = (n: IrNode) => {
    if (island.has(n.name)) return;
    island.add(n.name);
    for (const i of n.inputs) {
      const p = producer.get(i);
      if (p && ELEMENTWISE.has(p.op)) visit(p);
    }
  };
  for (const n of graph.nodes) if (n.op === 'Log') visit(n);
  return island;
}

export function planPrecision(graph: IrGraph, precision: Precision): PrecisionPlan {
  switch (precision) {
    case 'fp32':
      return { precision, computeType: () => 'float32', quantizes: () => false };
    case 'fp16': {
      const island = fp32IslandsForLog(graph);
      return { precision, computeType: (n) => (island.has(n.name) ? 'float32' : 'float16'), quantizes: () => false };
    }
    case 'int8':
      return { precision, computeType: () => 'float32', quantizes: (w) => w.data.length >= QUANT_MIN_ELEMENTS };
  }
}

/** Symmetric per-channel int8: scale[c] = max|w[c]| / 127, q = round(w / scale). */
export function quantizeInt8(w: HostTensor, channelAxis: number): { q: Int8Array; scale: Float32Array } {
  const dims = w.shape, d = w.data;
  const C = dims[channelAxis]!;
  const inner = dims.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, channelAxis).reduce((a, b) => a * b, 1);
  // Element i belongs to channel floor(i / inner) % C; walk it in (outer, channel, inner) order.
  const absMax = new Float32Array(C);
  for (let o = 0, i = 0; o < outer; o++) for (let c = 0; c < C; c++) {
    let m = absMax[c]!;
    for (let k = 0; k < inner; k++, i++) { const v = Math.abs(d[i]!); if (v > m) m = v; }
    absMax[c] = m;
  }
  // An all-zero channel still needs a positive scale (DequantizeLinear multiplies; 0 * 1 = 0).
  const scale = absMax.map((m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(d.length);
  for (let o = 0, i = 0; o < outer; o++) for (let c = 0; c < C; c++) {
    const s = scale[c]!;
    // Clamp: float rounding may land a channel's max a hair past 127, and Int8Array wraps.
    for (let k = 0; k < inner; k++, i++) q[i] = Math.max(-127, Math.min(127, Math.round(d[i]! / s)));
  }
  return { q, scale };
}
