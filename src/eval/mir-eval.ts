/**
 * Note transcription metrics, a line-by-line port of mir_eval 0.8
 * (`mir_eval.transcription`, `mir_eval.transcription_velocity`, and the
 * helpers they use from `mir_eval.util`).
 *
 * "Exact" here means: the same hit matrices (including numpy's
 * `np.around(d, 4)` = rint(d·1e4)/1e4 on time distances), the same matching
 * (mir_eval's Hopcroft–Karp variant replayed with Python's dict insertion
 * order, so not only the number of matches but also *which* pairs match is
 * identical — that matters for the overlap ratio and the velocity
 * regression), the same f-measure expression, and numpy's pairwise summation
 * in `np.mean`. The velocity regression (`np.linalg.lstsq`, SVD-based) is
 * reproduced in closed form, to rounding.
 *
 * Units as in mir_eval: intervals in seconds, pitches in Hz (any positive
 * unit works: only log2 ratios are used), velocities on the MIDI scale
 * 0..127 (the reference is min–max normalised with a range of at least 1, so
 * 0..1 velocities would not be normalised: use {@link notesToMir}).
 */
import { A2mError } from '../errors.js';
import type { Note } from '../types.js';

/** A note list in mir_eval's layout (parallel arrays). */
export interface MirNotes {
  /** [onset, offset] in seconds, offset > onset >= 0. */
  intervals: ReadonlyArray<readonly [number, number]>;
  /** Fundamental frequency in Hz (> 0). */
  pitches: readonly number[];
  /** MIDI velocities (0..127); needed only by the velocity metrics. */
  velocities?: readonly number[];
}

export interface TranscriptionOptions {
  /** Seconds (default 0.05). */
  onsetTolerance?: number;
  /** Cents (default 50). */
  pitchTolerance?: number;
  /** Fraction of the reference duration (default 0.2); null ignores offsets. */
  offsetRatio?: number | null;
  /** Seconds (default 0.05). */
  offsetMinTolerance?: number;
  /** Use `<` instead of `<=` in the threshold checks (default false). */
  strict?: boolean;
  /** F-measure weight (default 1). */
  beta?: number;
}

export interface VelocityOptions extends TranscriptionOptions {
  /** Tolerance on the rescaled, normalised velocity (default 0.1). */
  velocityTolerance?: number;
}

export interface PrecisionRecallF1Overlap {
  precision: number;
  recall: number;
  f1: number;
  averageOverlapRatio: number;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

/** A match: [reference index, estimate index]. */
export type Match = [ref: number, est: number];

/** mir_eval.transcription.N_DECIMALS: time distances are rounded to 4 decimals. */
const N_DECIMALS = 4;

const DEFAULTS = {
  onsetTolerance: 0.05,
  pitchTolerance: 50.0,
  offsetRatio: 0.2 as number | null,
  offsetMinTolerance: 0.05,
  strict: false,
  beta: 1.0,
  velocityTolerance: 0.1,
};

// ---------------------------------------------------------------- conversions

/** MIDI note number -> Hz (A4 = 440 Hz, 12-TET). */
export function midiToHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}

/**
 * Our notes -> mir_eval arrays: pitch in Hz, velocity 0..1 scaled to the MIDI
 * range 0..127 (not rounded: estimated velocities are continuous).
 */
export function notesToMir(notes: readonly Note[]): MirNotes {
  return {
    intervals: notes.map((n) => [n.onset, n.offset] as const),
    pitches: notes.map((n) => midiToHz(n.pitch)),
    velocities: notes.map((n) => n.velocity * 127),
  };
}

// ---------------------------------------------------------------- numpy bits

/** numpy's rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** np.around(x, decimals) for decimals >= 0: multiply, rint, divide. */
function around(x: number, decimals: number): number {
  const f = 10 ** decimals; // exact for small decimals, as numpy's power_of_ten
  return rint(x * f) / f;
}

/** numpy's pairwise summation (`pairwise_sum_DOUBLE`), used by np.add.reduce / np.mean. */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** np.mean of a 1-D float array. */
function npMean(a: readonly number[]): number {
  return pairwiseSum(a) / a.length;
}

// ---------------------------------------------------------------- validation

function validateIntervals(intervals: MirNotes['intervals'], what: string): void {
  for (let i = 0; i < intervals.length; i++) {
    const [on, off] = intervals[i]!;
    if (!(on >= 0 && off >= 0)) throw new A2mError(`${what} note ${i}: negative or non-finite interval time [${on}, ${off}]`);
    if (!(off > on)) throw new A2mError(`${what} note ${i}: interval duration must be strictly positive, got [${on}, ${off}]`);
  }
}

/** mir_eval.transcription.validate (warnings for empty lists are dropped). */
function validate(ref: MirNotes, est: MirNotes, velocities: boolean): void {
  for (const [notes, what] of [[ref, 'reference'], [est, 'estimated']] as const) {
    validateIntervals(notes.intervals, what);
    if (notes.intervals.length !== notes.pitches.length) throw new A2mError(`${what} intervals and pitches have different lengths`);
    notes.pitches.forEach((p, i) => {
      if (!(p > 0)) throw new A2mError(`${what} note ${i}: pitch must be positive, got ${p}`);
    });
    if (velocities) {
      const v = notes.velocities;
      if (!v || v.length !== notes.pitches.length) throw new A2mError(`${what} velocities must have the same length as pitches and intervals`);
      v.forEach((x, i) => {
        if (!(x >= 0)) throw new A2mError(`${what} note ${i}: velocity must be non-negative, got ${x}`);
      });
    }
  }
}

// ---------------------------------------------------------------- matching

/**
 * mir_eval.util._bipartite_match (Eppstein's Hopcroft–Karp), replayed with
 * Map insertion order standing in for Python dict order so that the same
 * pairs are chosen. `graph`: left vertex (estimate) -> right neighbours
 * (references), in mir_eval's construction order. Returns right -> left.
 */
export function bipartiteMatch(graph: ReadonlyMap<number, readonly number[]>): Map<number, number> {
  const matching = new Map<number, number>();
  // Greedy initial matching.
  for (const [u, vs] of graph) {
    for (const v of vs) {
      if (!matching.has(v)) {
        matching.set(v, u);
        break;
      }
    }
  }
  const FREE = -1; // stands for Python's `unmatched` sentinel in pred (vertices are >= 0)
  for (;;) {
    const preds = new Map<number, number[]>();
    const unmatched: number[] = [];
    const pred = new Map<number, number>();
    for (const u of graph.keys()) pred.set(u, FREE);
    for (const u of matching.values()) pred.delete(u);
    let layer: number[] = [...pred.keys()];
    while (layer.length > 0 && unmatched.length === 0) {
      const newLayer = new Map<number, number[]>();
      for (const u of layer) {
        for (const v of graph.get(u)!) {
          if (!preds.has(v)) {
            let l = newLayer.get(v);
            if (!l) newLayer.set(v, (l = []));
            l.push(u);
          }
        }
      }
      layer = [];
      for (const [v, us] of newLayer) {
        preds.set(v, us);
        const m = matching.get(v);
        if (m !== undefined) {
          layer.push(m);
          pred.set(m, v);
        } else {
          unmatched.push(v);
        }
      }
    }
    if (unmatched.length === 0) return matching;

    const recurse = (v: number): boolean => {
      const L = preds.get(v);
      if (L !== undefined) {
        preds.delete(v);
        for (const u of L) {
          const pu = pred.get(u);
          if (pu !== undefined) {
            pred.delete(u);
            if (pu === FREE || recurse(pu)) {
              matching.set(v, u);
              return true;
            }
          }
        }
      }
      return false;
    };
    for (const v of unmatched) recurse(v);
  }
}

/**
 * Builds mir_eval's graph from a hit predicate visited in np.where order
 * (reference-major, estimates ascending), runs the matching and returns the
 * pairs sorted by reference index. `candidates(i)` lists, in ascending
 * order, the estimates that may hit reference i (a superset is fine).
 */
function matchFromHits(nRef: number, candidates: (i: number) => Iterable<number>, hit: (i: number, j: number) => boolean): Match[] {
  const G = new Map<number, number[]>();
  for (let i = 0; i < nRef; i++) {
    for (const j of candidates(i)) {
      if (!hit(i, j)) continue;
      let l = G.get(j);
      if (!l) G.set(j, (l = []));
      l.push(i);
    }
  }
  const m = bipartiteMatch(G);
  return [...m.entries()].sort((a, b) => a[0] - b[0]) as Match[];
}

/**
 * For each reference time, the estimates whose time lies within `window`
 * (widened a little so that the 4-decimal rounding cannot lose a hit),
 * ascending by index. Sorting keeps this O((n + m) log m + hits) instead of
 * mir_eval's n×m matrix.
 */
function windowCandidates(refTimes: readonly number[], estTimes: readonly number[], window: (i: number) => number): (i: number) => number[] {
  const order = estTimes.map((_, j) => j).sort((a, b) => estTimes[a]! - estTimes[b]! || a - b);
  const sorted = order.map((j) => estTimes[j]!);
  const lowerBound = (x: number): number => {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (i) => {
    const w = window(i) + 1e-3; // around(d, 4) <= w can only hold for d < w + 5e-5
    const t = refTimes[i]!;
    const out: number[] = [];
    for (let k = lowerBound(t - w); k < sorted.length && sorted[k]! <= t + w; k++) out.push(order[k]!);
    return out.sort((a, b) => a - b);
  };
}

type Cmp = (a: number, b: number) => boolean;
const CMP: Record<'strict' | 'loose', Cmp> = {
  strict: (a, b) => a < b,
  loose: (a, b) => a <= b,
};

function opts<T extends VelocityOptions>(o: T | undefined): Required<Omit<VelocityOptions, 'offsetRatio'>> & { offsetRatio: number | null } {
  return { ...DEFAULTS, ...stripUndefined(o ?? {}) };
}
function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const onsets = (n: MirNotes): number[] => n.intervals.map((iv) => iv[0]);
const offsets = (n: MirNotes): number[] => n.intervals.map((iv) => iv[1]);
/** util.intervals_to_durations: |offset - onset|. */
const durations = (n: MirNotes): number[] => n.intervals.map((iv) => Math.abs(iv[1] - iv[0]));

/** mir_eval.transcription.match_notes: onset, pitch and (unless offsetRatio is null) offset. */
export function matchNotes(ref: MirNotes, est: MirNotes, options?: TranscriptionOptions): Match[] {
  const o = opts(options);
  const cmp = CMP[o.strict ? 'strict' : 'loose'];
  const rOn = onsets(ref), eOn = onsets(est);
  const rLog = ref.pitches.map(Math.log2), eLog = est.pitches.map(Math.log2);
  let offsetHit: (i: number, j: number) => boolean = () => true;
  if (o.offsetRatio !== null) {
    const ratio = o.offsetRatio;
    const rOff = offsets(ref), eOff = offsets(est);
    const tol = durations(ref).map((d) => offsetTolerance(d, ratio, o.offsetMinTolerance));
    offsetHit = (i, j) => cmp(around(Math.abs(rOff[i]! - eOff[j]!), N_DECIMALS), tol[i]!);
  }
  return matchFromHits(
    rOn.length,
    windowCandidates(rOn, eOn, () => o.onsetTolerance),
    (i, j) =>
      cmp(around(Math.abs(rOn[i]! - eOn[j]!), N_DECIMALS), o.onsetTolerance) &&
      cmp(Math.abs(1200 * (rLog[i]! - eLog[j]!)), o.pitchTolerance) &&
      offsetHit(i, j),
  );
}

/** mir_eval.transcription.match_note_onsets: onsets only (any pitch). */
export function matchNoteOnsets(ref: MirNotes, est: MirNotes, options?: Pick<TranscriptionOptions, 'onsetTolerance' | 'strict'>): Match[] {
  const o = opts(options);
  const cmp = CMP[o.strict ? 'strict' : 'loose'];
  const rOn = onsets(ref), eOn = onsets(est);
  return matchFromHits(
    rOn.length,
    windowCandidates(rOn, eOn, () => o.onsetTolerance),
    (i, j) => cmp(around(Math.abs(rOn[i]! - eOn[j]!), N_DECIMALS), o.onsetTolerance),
  );
}

/** mir_eval's offset tolerance of a reference note of `duration` seconds: max(ratio * duration, minimum). */
function offsetTolerance(duration: number, ratio: number, minimum: number): number {
  return Math.max(ratio * duration, minimum);
}

/** mir_eval.transcription.match_note_offsets: offsets only (any pitch). */
export function matchNoteOffsets(
  ref: MirNotes,
  est: MirNotes,
  options?: Pick<TranscriptionOptions, 'offsetRatio' | 'offsetMinTolerance' | 'strict'>,
): Match[] {
  const o = opts(options);
  const ratio = o.offsetRatio ?? DEFAULTS.offsetRatio!;
  const cmp = CMP[o.strict ? 'strict' : 'loose'];
  const rOff = offsets(ref), eOff = offsets(est);
  const tol = durations(ref).map((d) => Math.max(ratio * d, o.offsetMinTolerance));
  return matchFromHits(
    rOff.length,
    windowCandidates(rOff, eOff, (i) => tol[i]!),
    (i, j) => cmp(around(Math.abs(rOff[i]! - eOff[j]!), N_DECIMALS), tol[i]!),
  );
}

/**
 * Whether an estimate's offset is within mir_eval's default offset tolerance of
 * a reference note's: max(0.05 s, 0.2 x its duration), distances rounded as
 * mir_eval rounds them. Signed: -1 ended early, 0 within, +1 ended late.
 */
export function offsetVerdict(refOnset: number, refOffset: number, estOffset: number): -1 | 0 | 1 {
  const tol = offsetTolerance(refOffset - refOnset, DEFAULTS.offsetRatio!, DEFAULTS.offsetMinTolerance);
  if (around(Math.abs(estOffset - refOffset), N_DECIMALS) <= tol) return 0;
  return estOffset < refOffset ? -1 : 1;
}

// ---------------------------------------------------------------- scores

/** util.f_measure, same expression order. */
export function fMeasure(precision: number, recall: number, beta = 1.0): number {
  if (precision === 0 && recall === 0) return 0.0;
  return ((1 + beta ** 2) * precision * recall) / (beta ** 2 * precision + recall);
}

/** mir_eval.transcription.average_overlap_ratio. */
export function averageOverlapRatio(ref: MirNotes, est: MirNotes, matching: readonly Match[]): number {
  const ratios = matching.map(([i, j]) => {
    const r = ref.intervals[i]!, e = est.intervals[j]!;
    return (Math.min(r[1], e[1]) - Math.max(r[0], e[0])) / (Math.max(r[1], e[1]) - Math.min(r[0], e[0]));
  });
  return ratios.length === 0 ? 0 : npMean(ratios);
}

function scores(matches: number, nRef: number, nEst: number, beta: number): PrecisionRecallF1 {
  const precision = matches / nEst;
  const recall = matches / nRef;
  return { precision, recall, f1: fMeasure(precision, recall, beta) };
}

/** mir_eval.transcription.precision_recall_f1_overlap. */
export function precisionRecallF1Overlap(ref: MirNotes, est: MirNotes, options?: TranscriptionOptions): PrecisionRecallF1Overlap {
  validate(ref, est, false);
  if (ref.pitches.length === 0 || est.pitches.length === 0) return { precision: 0, recall: 0, f1: 0, averageOverlapRatio: 0 };
  const o = opts(options);
  const matching = matchNotes(ref, est, o);
  return { ...scores(matching.length, ref.pitches.length, est.pitches.length, o.beta), averageOverlapRatio: averageOverlapRatio(ref, est, matching) };
}

/** mir_eval.transcription.onset_precision_recall_f1 (pitch ignored). */
export function onsetPrecisionRecallF1(ref: MirNotes, est: MirNotes, options?: Pick<TranscriptionOptions, 'onsetTolerance' | 'strict' | 'beta'>): PrecisionRecallF1 {
  validateIntervals(ref.intervals, 'reference');
  validateIntervals(est.intervals, 'estimated');
  if (ref.intervals.length === 0 || est.intervals.length === 0) return { precision: 0, recall: 0, f1: 0 };
  const o = opts(options);
  return scores(matchNoteOnsets(ref, est, o).length, ref.intervals.length, est.intervals.length, o.beta);
}

/** mir_eval.transcription.offset_precision_recall_f1 (pitch ignored). */
export function offsetPrecisionRecallF1(
  ref: MirNotes,
  est: MirNotes,
  options?: Pick<TranscriptionOptions, 'offsetRatio' | 'offsetMinTolerance' | 'strict' | 'beta'>,
): PrecisionRecallF1 {
  validateIntervals(ref.intervals, 'reference');
  validateIntervals(est.intervals, 'estimated');
  if (ref.intervals.length === 0 || est.intervals.length === 0) return { precision: 0, recall: 0, f1: 0 };
  const o = opts(options);
  return scores(matchNoteOffsets(ref, est, o).length, ref.intervals.length, est.intervals.length, o.beta);
}

// ---------------------------------------------------------------- velocity

/**
 * np.linalg.lstsq(A, y, rcond=None) for A = [x, 1] (two columns): the
 * minimum-norm least-squares [slope, intercept]. Full rank: the centred
 * normal equations (numerically the well-conditioned form). Rank 1 (x
 * constant up to LAPACK's cut-off σ2 <= eps·max(M, N)·σ1, e.g. a model
 * without velocity that always says 89): the truncated-SVD solution
 * v1·(v1ᵀAᵀy)/σ1², which is what gelsd returns.
 */
export function lstsqLine(x: readonly number[], y: readonly number[]): [slope: number, intercept: number] {
  const n = x.length;
  const xm = x.reduce((a, b) => a + b, 0) / n;
  const ym = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0, sx2 = 0, sx = 0, sxyRaw = 0, sy = 0;
  x.forEach((xk, k) => {
    const yk = y[k]!; // x and y are the same length: one (ref, est) velocity pair per match
    const dx = xk - xm;
    sxx += dx * dx;
    sxy += dx * (yk - ym);
    sx2 += xk * xk;
    sx += xk;
    sxyRaw += xk * yk;
    sy += yk;
  });
  // σ1² + σ2² = Σx² + n, σ1²·σ2² = n·Sxx  =>  σ2²/σ1² ≈ n·Sxx / (Σx² + n)² when small.
  const trace = sx2 + n;
  const cutoff = Number.EPSILON * Math.max(n, 2);
  const rankOne = n < 2 || (n * sxx) / (trace * trace) <= cutoff * cutoff;
  if (!rankOne) {
    const slope = sxy / sxx;
    return [slope, ym - slope * xm];
  }
  // Top eigenvector of AᵀA = [[Σx², Σx], [Σx, n]].
  const a = sx2, b = sx, d = n;
  const lambda = (a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + b * b);
  let v0 = b, v1 = lambda - a;
  if (Math.abs(v0) + Math.abs(v1) === 0) {
    v0 = lambda - d;
    v1 = b;
  }
  if (Math.abs(v0) + Math.abs(v1) === 0) [v0, v1] = a >= d ? [1, 0] : [0, 1];
  const norm = Math.hypot(v0, v1);
  v0 /= norm;
  v1 /= norm;
  const proj = (v0 * sxyRaw + v1 * sy) / lambda;
  return [v0 * proj, v1 * proj];
}

/** mir_eval.transcription_velocity.match_notes. */
export function matchNotesVelocity(ref: MirNotes, est: MirNotes, options?: VelocityOptions): Match[] {
  const o = opts(options);
  const matching = matchNotes(ref, est, o);
  const rv = ref.velocities!, ev = est.velocities!;
  let min = Infinity, max = -Infinity;
  for (const v of rv) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = Math.max(1, max - min); // smallest range 1 avoids dividing by zero
  if (matching.length === 0) return [];
  const refM = matching.map(([i]) => (rv[i]! - min) / range);
  const estM = matching.map(([, j]) => ev[j]!);
  const [slope, intercept] = lstsqLine(estM, refM);
  // mir_eval uses a plain `<` here, whatever `strict` says.
  return matching.filter((_, k) => Math.abs(slope * estM[k]! + intercept - refM[k]!) < o.velocityTolerance);
}

/** mir_eval.transcription_velocity.precision_recall_f1_overlap. */
export function precisionRecallF1OverlapVelocity(ref: MirNotes, est: MirNotes, options?: VelocityOptions): PrecisionRecallF1Overlap {
  validate(ref, est, true);
  if (ref.pitches.length === 0 || est.pitches.length === 0) return { precision: 0, recall: 0, f1: 0, averageOverlapRatio: 0 };
  const o = opts(options);
  const matching = matchNotesVelocity(ref, est, o);
  return { ...scores(matching.length, ref.pitches.length, est.pitches.length, o.beta), averageOverlapRatio: averageOverlapRatio(ref, est, matching) };
}

// ---------------------------------------------------------------- evaluate()

/** mir_eval.transcription.evaluate, with mir_eval's score names. */
export function evaluateTranscription(ref: MirNotes, est: MirNotes, options?: TranscriptionOptions): Record<string, number> {
  const o = opts(options);
  const s: Record<string, number> = {};
  if (o.offsetRatio !== null) {
    const r = precisionRecallF1Overlap(ref, est, o);
    Object.assign(s, { Precision: r.precision, Recall: r.recall, 'F-measure': r.f1, Average_Overlap_Ratio: r.averageOverlapRatio });
  }
  const n = precisionRecallF1Overlap(ref, est, { ...o, offsetRatio: null });
  Object.assign(s, {
    Precision_no_offset: n.precision,
    Recall_no_offset: n.recall,
    'F-measure_no_offset': n.f1,
    Average_Overlap_Ratio_no_offset: n.averageOverlapRatio,
  });
  const on = onsetPrecisionRecallF1(ref, est, o);
  Object.assign(s, { Onset_Precision: on.precision, Onset_Recall: on.recall, 'Onset_F-measure': on.f1 });
  if (o.offsetRatio !== null) {
    const off = offsetPrecisionRecallF1(ref, est, o);
    Object.assign(s, { Offset_Precision: off.precision, Offset_Recall: off.recall, 'Offset_F-measure': off.f1 });
  }
  return s;
}

/** mir_eval.transcription_velocity.evaluate, with mir_eval's score names. */
export function evaluateTranscriptionVelocity(ref: MirNotes, est: MirNotes, options?: VelocityOptions): Record<string, number> {
  const o = opts(options);
  const s: Record<string, number> = {};
  if (o.offsetRatio !== null) {
    const r = precisionRecallF1OverlapVelocity(ref, est, o);
    Object.assign(s, { Precision: r.precision, Recall: r.recall, 'F-measure': r.f1, Average_Overlap_Ratio: r.averageOverlapRatio });
  }
  const n = precisionRecallF1OverlapVelocity(ref, est, { ...o, offsetRatio: null });
  Object.assign(s, {
    Precision_no_offset: n.precision,
    Recall_no_offset: n.recall,
    'F-measure_no_offset': n.f1,
    Average_Overlap_Ratio_no_offset: n.averageOverlapRatio,
  });
  return s;
}

// ---------------------------------------------------------------- our notes

/** The note scores `a2m validate` reports for one piece. */
export interface NoteScores {
  /** Onset (50 ms) + pitch. */
  onset: PrecisionRecallF1Overlap;
  /** Onset + pitch + offset (20 % of the duration, at least 50 ms). */
  onsetOffset: PrecisionRecallF1Overlap;
  /** As `onset`, and velocity within 0.1 after mir_eval's rescaling. */
  onsetVelocity?: PrecisionRecallF1Overlap;
  /** As `onsetOffset`, and velocity. */
  onsetOffsetVelocity?: PrecisionRecallF1Overlap;
}

/** mir_eval note scores of `est` against `ref`; velocity scores when `velocity` is set. */
export function scoreNotes(ref: readonly Note[], est: readonly Note[], options: { velocity?: boolean } = {}): NoteScores {
  const r = notesToMir(ref), e = notesToMir(est);
  const out: NoteScores = {
    onset: precisionRecallF1Overlap(r, e, { offsetRatio: null }),
    onsetOffset: precisionRecallF1Overlap(r, e),
  };
  if (options.velocity) {
    out.onsetVelocity = precisionRecallF1OverlapVelocity(r, e, { offsetRatio: null });
    out.onsetOffsetVelocity = precisionRecallF1OverlapVelocity(r, e);
  }
  return out;
}
