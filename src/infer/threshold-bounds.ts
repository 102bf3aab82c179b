/**
 * Decoding thresholds stored in someone else's checkpoint (state.thresholds)
 * or bundle contract are checked against this table: a string or an
 * out-of-range value used to decode into hundreds of nonsense notes
 * (`{"activate": "abc"}` gave 233) instead of failing.
 */
import { A2mError } from '../errors.js';
import { DEFAULT_THRESHOLDS, type EventThresholds } from './events.js';

type Rule =
  | { kind: 'number'; lo: number; hi: number; int?: boolean }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] };

const prob = { kind: 'number', lo: 0, hi: 1 } as const;
const frames = (hi: number) => ({ kind: 'number', lo: 0, hi, int: true }) as const;

/** Every threshold, its type and its range (probabilities 0..1, frame counts bounded). */
export const THRESHOLD_RULES: { readonly [K in keyof EventThresholds]: Rule } = {
  activate: prob,
  release: prob,
  reattack: prob,
  riseFrames: frames(1000),
  riseDelta: prob,
  onset: prob,
  reonset: prob,
  harmonic: { kind: 'number', lo: 0, hi: 10 },
  allowFrameStarts: { kind: 'boolean' },
  sustainFrames: frames(100000),
  sustainRelease: prob,
  offsetShift: { kind: 'number', lo: -1000, hi: 1000, int: true },
  minNoteFrames: frames(1000),
  velocityFrames: { kind: 'number', lo: 1, hi: 1000, int: true },
  velocityReduce: { kind: 'enum', values: ['mean', 'max'] },
  defaultVelocity: prob,
};

function valid(v: unknown, r: Rule): boolean {
  switch (r.kind) {
    case 'number': return typeof v === 'number' && Number.isFinite(v) && v >= r.lo && v <= r.hi && (!r.int || Number.isInteger(v));
    case 'boolean': return typeof v === 'boolean';
    case 'enum': return typeof v === 'string' && r.values.includes(v);
  }
}

function expected(r: Rule): string {
  switch (r.kind) {
    case 'number': return `${r.int ? 'an integer' : 'a number'} in ${r.lo}..${r.hi}`;
    case 'boolean': return 'true or false';
    case 'enum': return `one of ${r.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
}

/**
 * Checks a partial set of thresholds read from `where` (e.g. `x/model.json:
 * state.thresholds`); unknown keys and wrong values are errors that name the
 * key. Returns the partial set (absent keys keep the defaults downstream).
 */
export function checkThresholds(value: unknown, where: string): Partial<EventThresholds> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new A2mError(`${where}: must be an object of decoding thresholds, got ${JSON.stringify(value)}`);
  for (const [k, v] of Object.entries(value)) {
    const rule = (THRESHOLD_RULES as Record<string, Rule | undefined>)[k];
    if (!rule) throw new A2mError(`${where}.${k}: unknown threshold (expected one of: ${Object.keys(THRESHOLD_RULES).join(', ')})`);
    if (v !== undefined && !valid(v, rule)) throw new A2mError(`${where}.${k}: must be ${expected(rule)}, got ${JSON.stringify(v)}`);
  }
  return value as Partial<EventThresholds>;
}

/** The checked thresholds over the defaults. */
export function thresholdsFrom(value: unknown, where: string): EventThresholds {
  return { ...DEFAULT_THRESHOLDS, ...checkThresholds(value, where) };
}
