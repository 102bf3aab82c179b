/**
 * The precision plan: what a reduced-precision export keeps in float32 and what it stores
 * smaller, decided once on the IR from each op's facts (src/ir/ops.ts: input roles, kinds).
 * Every converter asks this plan; a format only chooses how to express the answer (a Cast,
 * a DEQUANTIZE, a dequantizing Mul) or refuses a precision it cannot write.
 *
 *   fp16, formats that compute in half (ONNX, Core ML): every node in float16 except an
 *        fp32 island around Log, of one of the two extents below. Formats that keep float32
 *        compute and only store weights as half (TFLite, SavedModel, tfjs) have no island.
 *   fp16, every format: a constant float16 cannot hold (its peak overflows, or flushes to
 *        zero: the 1e-8 power floor before a Log) stays float32.
 *   int8: compute float32; the `weight` inputs (ops.ts roles: Dense / Conv kernels) with at
 *        least QUANT_MIN_ELEMENTS elements are stored int8, symmetric, one scale per output
 *        channel (dynamic-range weight quantization, as TFLite's).
 */
import type { IrGraph, IrNode } from './graph.js';
import { OPS, type OpDef, type OpName } from './ops.js';
import type { HostTensor } from './tensor.js';
import { toHalfBits } from '../util/half.js';

export type PlannedPrecision = 'fp32' | 'fp16' | 'int8';

/** Smaller weights stay float (TFLite's dynamic-range quantizer has the same cut-off): they cost nothing and hold bias-like tables. */
export const QUANT_MIN_ELEMENTS = 1024;
/** Symmetric int8 uses [-127, 127] (narrow range): zero point 0, and -128 is never produced. */
export const INT8_QMAX = 127;

/** Ops whose input must be computed in float32 in an fp16 export (they and their arguments form the fp32 island). */
const FP32_ANCHORS: ReadonlySet<OpName> = new Set<OpName>(['Log']);

/**
 * How far the fp16 export's fp32 island reaches back from each Log:
 * - `log-argument`: Log and the elementwise ops computing its argument (ops.ts kind
 *   `elementwise`). Required: the power re^2 + im^2 (+ a 1e-8 floor) underflows in float16
 *   (the smallest half subnormal is 6e-8; log(0) = -inf) and squared magnitudes of loud input
 *   overflow its 65504. The front end's constant-Q conv stays in half, its kernels stored half.
 * - `log-ancestors`: Log and everything upstream of it (the whole front end from `samples`,
 *   the constant-Q conv and its fixed kernels in float32). More precise, larger: measured on the
 *   default model (fp16 vs the IR reference, max abs logits / probs, two-tone test input) ONNX
 *   goes 8.8e-3 / 1.5e-3 -> 6.1e-3 / 9.2e-4 (tiny-logspec 3.9e-3 -> 2.1e-3) but its file
 *   0.50x -> 0.68x of fp32 (the kernels, 2.2 MB, stay float32); Core ML with `log-argument`
 *   instead goes 9.4e-3 / 1.7e-3 -> 1.6e-2 / 2.1e-3 (tiny-logspec 3.0e-3 -> 7.6e-3).
 * Each format picks the extent its promises need: ONNX `log-argument` (its fp16 file is half
 * the size of fp32, and its tests pin that), Core ML `log-ancestors` (the rule it has always
 * had; the narrower island would cost it the parity above).
 */
export type Fp32IslandExtent = 'log-argument' | 'log-ancestors';

export interface PrecisionPlanOptions {
  /** fp16: the fp32 island's extent (default `log-argument`, the one every fp16 export needs). */
  fp32Island?: Fp32IslandExtent;
  /**
   * int8: weights with fewer elements stay float32 (default QUANT_MIN_ELEMENTS). A format may
   * lower it (SavedModel quantizes every Dense / Conv weight: TF has no hybrid-kernel cost).
   */
  int8MinElements?: number;
}

export interface PrecisionPlan {
  precision: PlannedPrecision;
  /** Whether `node` computes in float32 (always at fp32 / int8; the fp32 island at fp16). */
  computesInFp32(node: IrNode): boolean;
  /** int8: whether constant `name` is stored quantized per output channel. */
  quantizes(name: string): boolean;
  /** fp16: whether constant `name` may be stored as float16 (false at fp32 / int8). */
  storesHalf(name: string): boolean;
}

/** The nodes of the fp32 island of `extent` (see Fp32IslandExtent). */
export function fp32Island(graph: IrGraph, extent: Fp32IslandExtent): Set<string> {
  const producer = new Map(graph.nodes.map((n) => [n.output, n]));
  const reachesBackThrough = (n: IrNode) => extent === 'log-ancestors' || (OPS[n.op] as OpDef).kind === 'elementwise';
  const island = new Set<string>();
  const stack = graph.nodes.filter((n) => FP32_ANCHORS.has(n.op));
  while (stack.length) {
    const n = stack.pop()!;
    if (island.has(n.name)) continue;
    island.add(n.name);
    for (const i of n.inputs) { const p = producer.get(i); if (p && reachesBackThrough(p)) stack.push(p); }
  }
  return island;
}

/** Constants consumed as a `weight` input (ops.ts roles) by at least one node. */
export function weightConstants(graph: IrGraph): Set<string> {
  const out = new Set<string>();
  for (const n of graph.nodes) {
    const def = OPS[n.op] as OpDef;
    n.inputs.forEach((v, i) => { if (def.inputs[i]?.role === 'weight' && graph.constants.has(v)) out.add(v); });
  }
  return out;
}

/**
 * Whether float16 keeps the constant meaningful: no finite value may overflow, and its largest
 * magnitude must not flush to zero (a lone 1e-8 floor before a Log would become 0 and the Log
 * -Inf). Tiny entries of a larger tensor flushing to zero is the ordinary cost of fp16.
 */
export function survivesFloat16(data: Float32Array): boolean {
  let peak = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]!);
    if (Number.isFinite(a) && a > peak) peak = a;
  }
  if (peak === 0) return true;
  const h = toHalfBits(peak);
  return (h & 0x7fff) !== 0 && (h & 0x7c00) !== 0x7c00;
}

export function planPrecision(graph: IrGraph, precision: PlannedPrecision, opts: PrecisionPlanOptions = {}): PrecisionPlan {
  switch (precision) {
    case 'fp32':
      return { precision, computesInFp32: () => true, quantizes: () => false, storesHalf: () => false };
    case 'fp16': {
      const island = fp32Island(graph, opts.fp32Island ?? 'log-argument');
      const half = new Map<string, boolean>();
      const storesHalf = (name: string): boolean => {
        let ok = half.get(name);
        if (ok === undefined) {
          const t = graph.constants.get(name);
          ok = t !== undefined && survivesFloat16(t.data);
          half.set(name, ok);
        }
        return ok;
      };
      return { precision, computesInFp32: (n) => island.has(n.name), quantizes: () => false, storesHalf };
    }
    case 'int8': {
      const min = opts.int8MinElements ?? QUANT_MIN_ELEMENTS;
      const quantized = new Set([...weightConstants(graph)].filter((w) => graph.constants.get(w)!.data.length >= min));
      return { precision, computesInFp32: () => true, quantizes: (name) => quantized.has(name), storesHalf: () => false };
    }
  }
}

/**
 * Symmetric per-channel int8 along `channelAxis` of `t` (the output-channel axis of the layout the
 * format stores): scale[c] = max|w[c]| / 127, q = round(w / scale), ties away from zero (as TF's
 * quantizer). An all-zero channel gets scale 1 (any scale reproduces it; 0 would divide by zero).
 */
export function quantizeInt8PerChannel(t: HostTensor, channelAxis: number): { q: Int8Array; scale: Float32Array } {
  const dims = t.shape, d = t.data;
  const channels = dims[channelAxis]!;
  const inner = dims.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  const outer = d.length / (channels * inner);
  // Walk [outer, channels, inner] blocks: no per-element division.
  const maxAbs = new Float64Array(channels);
  for (let o = 0, i = 0; o < outer; o++) for (let c = 0; c < channels; c++) {
    let m = maxAbs[c]!;
    for (const end = i + inner; i < end; i++) { const v = Math.abs(d[i]!); if (v > m) m = v; }
    maxAbs[c] = m;
  }
  const scale = Float32Array.from(maxAbs, (m) => (m > 0 ? m / INT8_QMAX : 1));
  const q = new Int8Array(d.length);
  for (let o = 0, i = 0; o < outer; o++) for (let c = 0; c < channels; c++) {
    const inv = 1 / scale[c]!;
    for (const end = i + inner; i < end; i++) {
      const v = d[i]! * inv;
      const r = v < 0 ? -Math.round(-v) : Math.round(v);
      // Clamp: float rounding may land a channel's max a hair past 127, and Int8Array wraps.
      q[i] = r > INT8_QMAX ? INT8_QMAX : r < -INT8_QMAX ? -INT8_QMAX : r;
    }
  }
  return { q, scale };
}
