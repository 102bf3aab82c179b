/**
 * What a parity check measures: tensor error of an artifact's outputs against
 * the golden ones, and agreement of the notes they decode to.
 */
import { scoreNotes } from '../eval/mir-eval.js';
import type { Note } from '../types.js';

export interface TensorErrors {
  /** Elements compared. */
  count: number;
  /** max |got - ref| (Infinity when any element is NaN or infinite). */
  maxAbs: number;
  /** max |got - ref| / |ref| over elements with |ref| > atol (those nearer zero are judged by atol alone). */
  maxRel: number;
  meanAbs: number;
  /** Cosine similarity of the flattened tensors (1 when both are all zero). */
  cosine: number;
  /** Elements with |got - ref| > atol + rtol·|ref| (or not finite). */
  beyond: number;
  /** Non-finite elements in `got`. */
  nonFinite: number;
}

/** Accumulates errors over several windows of the same output. */
export class ErrorAccumulator {
  private n = 0; private maxAbs = 0; private maxRel = 0; private sumAbs = 0;
  private dot = 0; private refSq = 0; private gotSq = 0; private beyond = 0; private nonFinite = 0;

  constructor(readonly atol: number, readonly rtol: number) {}

  add(ref: Float32Array, got: Float32Array): void {
    if (ref.length !== got.length) throw new Error(`compare: ${got.length} elements vs ${ref.length} in the reference`);
    const { atol, rtol } = this;
    for (let i = 0; i < ref.length; i++) {
      const r = ref[i]!, g = got[i]!;
      if (!Number.isFinite(g)) { this.nonFinite++; this.beyond++; this.maxAbs = Infinity; continue; }
      const d = Math.abs(g - r), a = Math.abs(r);
      if (d > this.maxAbs) this.maxAbs = d;
      if (a > atol && d / a > this.maxRel) this.maxRel = d / a;
      if (d > atol + rtol * a) this.beyond++;
      this.sumAbs += d; this.dot += r * g; this.refSq += r * r; this.gotSq += g * g;
    }
    this.n += ref.length;
  }

  result(): TensorErrors {
    const norms = Math.sqrt(this.refSq) * Math.sqrt(this.gotSq);
    const cosine = this.nonFinite ? NaN : norms === 0 ? (this.refSq === this.gotSq ? 1 : 0) : this.dot / norms;
    return {
      count: this.n, maxAbs: this.maxAbs, maxRel: this.nonFinite ? Infinity : this.maxRel,
      meanAbs: this.nonFinite ? Infinity : this.sumAbs / Math.max(1, this.n), cosine, beyond: this.beyond, nonFinite: this.nonFinite,
    };
  }
}

export function compareTensors(ref: Float32Array, got: Float32Array, atol: number, rtol: number): TensorErrors {
  const acc = new ErrorAccumulator(atol, rtol);
  acc.add(ref, got);
  return acc.result();
}

/**
 * Velocities may differ by this many MIDI steps (of 127) and notes still count
 * as the same: a velocity read off a float head lands anywhere in a step, and an
 * fp32 rounding difference of 1e-6 splits across a step boundary for about one
 * note in 4000, which is noise, not a different performance.
 */
export const VELOCITY_STEPS = 1;

/**
 * The same notes: identical onset, offset and pitch, in the same order, and
 * velocities within VELOCITY_STEPS MIDI steps: the MIDI file a user gets says
 * the same.
 */
export function notesEqual(a: readonly Note[], b: readonly Note[]): boolean {
  return a.length === b.length && a.every((n, i) => {
    const m = b[i]!;
    return n.onset === m.onset && n.offset === m.offset && n.pitch === m.pitch && Math.abs(Math.round(n.velocity * 127) - Math.round(m.velocity * 127)) <= VELOCITY_STEPS;
  });
}

/** Onset F1 (mir_eval: 50 ms, pitch) of `est` against `ref`; two empty lists agree perfectly. */
export function onsetF1(ref: readonly Note[], est: readonly Note[]): number {
  if (!ref.length && !est.length) return 1;
  if (!ref.length || !est.length) return 0;
  return scoreNotes(ref, est).onset.f1;
}

/** Seconds between cases when pooling notes: far more than the window, so no note matches across cases. */
const POOL_SPACING = 100;

/** One F1 over all cases (notes of case i shifted by i·100 s): cases weigh by their note counts. */
export function pooledOnsetF1(refs: readonly (readonly Note[])[], ests: readonly (readonly Note[])[]): number {
  const shift = (lists: readonly (readonly Note[])[]) => lists.flatMap((l, i) => l.map((n) => ({ ...n, onset: n.onset + i * POOL_SPACING, offset: n.offset + i * POOL_SPACING })));
  return onsetF1(shift(refs), shift(ests));
}
