/** Output comparison for the ONNX tests (kept apart from helpers.ts so tests without tfjs do not load it). */
import type { HostTensor } from '../../../src/ir/tensor.js';

export interface Diff { maxAbs: number; maxRel: number; cosine: number; beyond: number; spread: number }

/** Per output: max |a-b|, max |a-b|/|a| (over |a| > 1e-3), cosine, elements beyond atol + rtol*|a|, value spread of the reference. */
export function diff(ref: HostTensor, got: HostTensor, atol: number, rtol: number): Diff {
  const a = ref.data, b = got.data;
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let maxAbs = 0, maxRel = 0, dot = 0, na = 0, nb = 0, beyond = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= atol + rtol * Math.abs(a[i]!))) beyond++;
    maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Infinity : d);
    if (Math.abs(a[i]!) > 1e-3) maxRel = Math.max(maxRel, d / Math.abs(a[i]!));
    dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!;
    lo = Math.min(lo, a[i]!); hi = Math.max(hi, a[i]!);
  }
  return { maxAbs, maxRel, cosine: dot / Math.sqrt(na * nb), beyond, spread: hi - lo };
}

export const fmt = (d: Record<string, Diff>) =>
  Object.entries(d).map(([k, v]) => `${k}: maxAbs ${v.maxAbs.toExponential(2)} maxRel ${v.maxRel.toExponential(2)} cos ${v.cosine.toFixed(6)}`).join('; ');
