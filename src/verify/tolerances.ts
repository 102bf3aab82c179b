/**
 * What "passes" means per precision. Named defaults (the contract);
 * every override is explicit on the command line and recorded in the report.
 *
 *   fp32: every element within atol 1e-4 + rtol 1e-4·|ref|, and identical notes.
 *   fp16: pooled onset note F1 >= 0.99 against the canonical notes (tensor
 *         errors are reported, not judged: halving the mantissa moves logits
 *         by 1e-3..1e-2, which is the point of fp16).
 *   int8: pooled onset note F1 >= 0.97.
 * Non-finite outputs fail at every precision.
 */
import { PRECISIONS, type Precision } from '../../converters/types.js';
import { A2mError } from '../errors.js';

export interface PrecisionTolerance {
  /** Absolute tolerance per element. */
  atol: number;
  /** Relative tolerance per element (times |ref|). */
  rtol: number;
  /** Whether elements beyond atol + rtol·|ref| fail the check (else they are only reported). */
  tensors: boolean;
  /** Whether every case must decode to exactly the canonical notes. */
  exactNotes: boolean;
  /** Minimum pooled onset F1 against the canonical notes. */
  minNoteF1: number;
  /** Bisect: a node diverges when max|d| / max|ref| over its output exceeds this. */
  bisect: number;
}

export type Tolerances = Record<Precision, PrecisionTolerance>;

export const DEFAULT_TOLERANCES: Readonly<Tolerances> = Object.freeze({
  fp32: { atol: 1e-4, rtol: 1e-4, tensors: true, exactNotes: true, minNoteF1: 1, bisect: 1e-3 },
  // Reported tensor tolerances for the reduced precisions: half / int8 rounding of weights and activations.
  fp16: { atol: 1e-2, rtol: 1e-2, tensors: false, exactNotes: false, minNoteF1: 0.99, bisect: 2e-2 },
  int8: { atol: 5e-2, rtol: 5e-2, tensors: false, exactNotes: false, minNoteF1: 0.97, bisect: 1e-1 },
});

const KEYS = Object.keys(DEFAULT_TOLERANCES.fp32) as (keyof PrecisionTolerance)[];

/**
 * Applies overrides `[<precision>.]<key>=<value>` (comma-separated or repeated),
 * e.g. `fp32.atol=1e-3`, `int8.minNoteF1=0.95`, `rtol=0` (every precision).
 */
export function parseTolerances(specs: readonly string[] = []): Tolerances {
  const t = structuredClone(DEFAULT_TOLERANCES) as Tolerances;
  for (const spec of specs.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:(\w+)\.)?(\w+)=(.+)$/.exec(spec);
    if (!m) throw new A2mError(`--tolerance "${spec}": expected [<precision>.]<key>=<value>, e.g. fp32.atol=1e-3`);
    const [, prec, key, raw] = m as unknown as [string, string | undefined, string, string];
    if (prec && !PRECISIONS.includes(prec as Precision)) throw new A2mError(`--tolerance "${spec}": unknown precision "${prec}" (expected ${PRECISIONS.join(', ')})`);
    if (!KEYS.includes(key as keyof PrecisionTolerance)) throw new A2mError(`--tolerance "${spec}": unknown key "${key}" (expected ${KEYS.join(', ')})`);
    const k = key as keyof PrecisionTolerance;
    const isBool = typeof DEFAULT_TOLERANCES.fp32[k] === 'boolean';
    const value = isBool ? parseBool(raw, spec) : Number(raw);
    if (!isBool && !(Number.isFinite(value as number) && (value as number) >= 0)) throw new A2mError(`--tolerance "${spec}": "${raw}" is not a non-negative number`);
    for (const p of prec ? [prec as Precision] : PRECISIONS) (t[p] as unknown as Record<string, number | boolean>)[k] = value;
  }
  return t;
}

function parseBool(raw: string, spec: string): boolean {
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new A2mError(`--tolerance "${spec}": "${raw}" is not true or false`);
}
