/**
 * The one table of decoding-threshold rules: every field of EventThresholds,
 * its type and its range. Both readers of thresholds someone else wrote use
 * it: `checkThresholds` (threshold-bounds.ts: a checkpoint's state.thresholds,
 * a golden manifest, the API's options) and `parseThresholds` (events.ts: a
 * model card). A string or an out-of-range value used to decode into
 * hundreds of nonsense notes (`{"activate": "abc"}` gave 233) instead of
 * failing.
 *
 * Imports from events.ts are type-only, so events.ts can import this module
 * without a cycle at load time.
 */
import { A2mError } from '../errors.js';
import type { EventThresholds } from './events.js';

export type ThresholdRule =
  | {
      readonly kind: 'number';
      readonly min: number;
      readonly max: number;
      readonly int?: boolean;
      /** `min` itself is out of range. */
      readonly minExclusive?: boolean;
      /** Infinity is allowed too, meaning this; JSON has no Infinity, so null reads as Infinity. */
      readonly infinity?: string;
      /** What special values mean, for the error message. */
      readonly note?: string;
    }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] };

/** Compared with a probability the model outputs (0..1). */
const prob = { kind: 'number', min: 0, max: 1 } as const;

/**
 * Every threshold and its range, decided from how events.ts uses it. Frame
 * counts are bounded so a value in the wrong unit (milliseconds, samples)
 * fails here instead of decoding into nothing.
 */
export const THRESHOLD_RULES: { readonly [K in keyof EventThresholds]: ThresholdRule } = {
  activate: prob,
  release: prob,
  reattack: prob,
  // Rise test lookback (frames). 0 would switch the test off without saying so
  // (riseDelta: Infinity is the way to); the streaming decoder keeps
  // 2 * riseFrames + 2 frames per key, so the bound is also a memory bound.
  riseFrames: { kind: 'number', min: 1, max: 1000, int: true },
  // A difference of two probabilities (p(t) - p(j) < riseDelta): a finite
  // value above 1 can never be met, and 0 splits a note at any flat stretch.
  // The tuner's grid has Infinity (rise test off), which JSON writes as null.
  riseDelta: { kind: 'number', min: 0, max: 1, minExclusive: true, infinity: 'rise test off' },
  onset: prob,
  reonset: { ...prob, note: '0: same as onset' },
  // A ratio of two onset probabilities (peak v is a harmonic when
  // v < harmonic * f, f the lower key's onset prob): a harmonic is quieter
  // than its fundamental, so the ratio is at most 1. Above 1 it would veto
  // peaks louder than the lower key, and above 1 / onset every peak whose
  // lower key fires (v <= 1); the tuner's grid is 0..0.8.
  harmonic: { ...prob, note: '0: off' },
  allowFrameStarts: { kind: 'boolean' },
  offset: { ...prob, note: '0: off' },
  // Frames a note has sounded before sustainRelease applies; a held note can
  // last minutes, hence the larger bound.
  sustainFrames: { kind: 'number', min: 0, max: 100000, int: true, note: '0: off' },
  sustainRelease: prob,
  // Frames added to every note's end; bounded so ends stay near the audio.
  offsetShift: { kind: 'number', min: -1000, max: 1000, int: true, note: 'negative: earlier' },
  // A note spans at least one frame, so 1 keeps every note (0 would mean the same).
  minNoteFrames: { kind: 'number', min: 1, max: 1000, int: true },
  // Frames read from the onset (at least the onset frame itself).
  velocityFrames: { kind: 'number', min: 1, max: 1000, int: true },
  velocityReduce: { kind: 'enum', values: ['mean', 'max'] },
  // The velocity (0..1, times 127 in MIDI) of notes when there is no velocity roll.
  defaultVelocity: prob,
};

/** The value to use (null -> Infinity where the rule allows it), or undefined when `v` breaks the rule. */
function accept(v: unknown, r: ThresholdRule): unknown {
  switch (r.kind) {
    case 'number': {
      if (r.infinity !== undefined && (v === null || v === Infinity)) return Infinity;
      const ok = typeof v === 'number' && Number.isFinite(v) && (r.minExclusive ? v > r.min : v >= r.min) && v <= r.max && (!r.int || Number.isInteger(v));
      return ok ? v : undefined;
    }
    case 'boolean': return typeof v === 'boolean' ? v : undefined;
    case 'enum': return typeof v === 'string' && r.values.includes(v) ? v : undefined;
  }
}

/** What the rule expects, in words (after "must be"). */
export function describeRule(r: ThresholdRule): string {
  switch (r.kind) {
    case 'number': {
      const what = r.int ? 'an integer' : 'a number';
      const range = r.minExclusive ? `> ${r.min} and <= ${r.max}` : `in ${r.min}..${r.max}`;
      const inf = r.infinity !== undefined ? `, or Infinity / null (${r.infinity})` : '';
      const note = r.note ? ` (${r.note})` : '';
      return `${what} ${range}${note}${inf}`;
    }
    case 'boolean': return 'true or false';
    case 'enum': return `one of ${r.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
}

/** A value for an error message (JSON.stringify writes NaN and Infinity as null). */
function show(v: unknown): string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v);
}

/**
 * Checks an object of thresholds read from `where` (e.g. `x/model.json:
 * state.thresholds`) against THRESHOLD_RULES. Unknown keys (a typo would
 * silently keep the default) and wrong values are errors naming
 * `${where}.${key}` and what was expected. Returns a new partial set:
 * undefined entries left out (absent keys keep the defaults downstream),
 * null riseDelta as Infinity.
 */
export function validateThresholds(value: unknown, where: string): Partial<EventThresholds> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new A2mError(`${where}: expected an object of decoding thresholds, got ${show(value)}`);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const rule = Object.hasOwn(THRESHOLD_RULES, key) ? THRESHOLD_RULES[key as keyof EventThresholds] : undefined;
    if (!rule) throw new A2mError(`${where}.${key}: unknown threshold (expected one of: ${Object.keys(THRESHOLD_RULES).join(', ')})`);
    if (v === undefined) continue;
    const ok = accept(v, rule);
    if (ok === undefined) throw new A2mError(`${where}.${key}: must be ${describeRule(rule)}, got ${show(v)}`);
    out[key] = ok;
  }
  return out as Partial<EventThresholds>;
}
