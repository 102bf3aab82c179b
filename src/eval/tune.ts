/**
 * Tunes the event-extraction thresholds on a validation split (never on
 * test data): coordinate ascent over a small grid per threshold, maximising
 * the mean per-piece mir_eval note F1. Extraction and scoring cost
 * milliseconds per piece, so a few passes over the grid are cheap next to
 * running the model, which happens once (the caller passes probabilities).
 */
import type { Note } from '../types.js';
import { precisionRecallF1Overlap, precisionRecallF1OverlapVelocity, notesToMir } from './mir-eval.js';
import { DEFAULT_THRESHOLDS, extractNotes, type EventInputs, type EventThresholds } from '../infer/events.js';

export interface TuningPiece {
  inputs: EventInputs;
  /** Reference notes of the piece. */
  notes: readonly Note[];
}

/** Which score to maximise: onset-only F1 (the headline number), with offsets, or with velocity. */
export type TuningObjective = 'onset' | 'onsetOffset' | 'onsetVelocity';

type NumericKey = 'activate' | 'release' | 'reattack' | 'riseDelta' | 'onset' | 'reonset' | 'harmonic' | 'minNoteFrames' | 'velocityFrames' | 'offset' | 'sustainFrames' | 'sustainRelease' | 'offsetShift';
export type ThresholdGrid = Partial<Record<NumericKey, number[]>>;

/** Frame-rule grid (no onset head). */
export const FRAME_GRID: ThresholdGrid = {
  activate: [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7],
  release: [0.05, 0.1, 0.15, 0.2, 0.3],
  reattack: [0.3, 0.4, 0.5, 0.6],
  riseDelta: [0.1, 0.15, 0.2, 0.3, Infinity],
  minNoteFrames: [1, 2, 3, 4],
};
/**
 * Onset-rule grid (onset head present). Steps of 0.05 (0.025 for release)
 * where the tuned values of rounds 5 and 6 landed: on round 6's validation
 * rolls the 0.1 grid stopped 0.001 F1 short of the finer one. Scoring a
 * point costs ~0.1 s, so ~100 points stay cheap next to running the model.
 */
export const ONSET_GRID: ThresholdGrid = {
  onset: [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8],
  reonset: [0, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9],
  harmonic: [0, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8],
  release: [0.05, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.4],
  minNoteFrames: [1, 2, 3, 4],
};

/**
 * Offset stage (after the onset stage): these thresholds only decide where a
 * note ends, so tuning them for onset F1 (the first stage's objective) left
 * them where they started; here they are tuned for onset+offset F1. Fine
 * steps below 0.2, where a decaying piano note's frame prob crosses; the
 * sustain release (0.5 s and 1 s into a note) for held notes, whose frame
 * prob fades with their sound; and a shift of every end by whole frames.
 * With an offset head, first the offset peak height that ends a note (0: the
 * head unused; a model without one is unchanged by it), then the rest around it.
 */
export const OFFSET_GRID: ThresholdGrid = {
  offset: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
  release: [0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.4, 0.5],
  sustainFrames: [0, 25, 50],
  sustainRelease: [0.01, 0.02, 0.03, 0.05, 0.075, 0.1],
  offsetShift: [-3, -2, -1, 0, 1, 2],
};

/** The offset stage's result: onset+offset F1 before and after, and the onset F1 it kept. */
export interface OffsetTuningResult {
  thresholds: EventThresholds;
  baseline: number;
  score: number;
  /** Mean per-piece onset F1 at the start and with the chosen thresholds. */
  onsetBaseline: number;
  onset: number;
}

/**
 * Tunes the offset grid for onset+offset F1, one threshold at a time over its
 * grid, accepting a value only if onset F1 stays within `onsetSlack` of where
 * it started: the onset thresholds were chosen first, and the headline number
 * must not pay for better offsets. (A note ending earlier can let a re-onset
 * peak start a new note, so release is not entirely free of onset F1.)
 */
export function tuneOffsets(
  pieces: readonly TuningPiece[],
  start: EventThresholds,
  opts: { grid?: ThresholdGrid; onsetSlack?: number } = {},
): OffsetTuningResult {
  const slack = opts.onsetSlack ?? 0.0005;
  // One extraction per piece, scored both ways.
  const both = (th: EventThresholds) => {
    let onset = 0, onsetOffset = 0;
    for (const p of pieces) {
      const est = extractNotes(p.inputs, th);
      onset += SCORERS.onset(p.notes, est);
      onsetOffset += SCORERS.onsetOffset(p.notes, est);
    }
    return { onset: onset / Math.max(1, pieces.length), onsetOffset: onsetOffset / Math.max(1, pieces.length) };
  };
  let current = { ...start };
  const first = both(current);
  let best = first;
  // Two passes: sustainRelease matters only once sustainFrames is on, which the first pass may decide.
  for (let pass = 0; pass < 2; pass++) {
    for (const [key, values] of Object.entries(opts.grid ?? OFFSET_GRID) as [NumericKey, number[]][]) {
      for (const v of values) {
        if (v === current[key]) continue;
        const trial = { ...current, [key]: v };
        const s = both(trial);
        if (s.onsetOffset > best.onsetOffset && s.onset >= first.onset - slack) {
          best = s;
          current = trial;
        }
      }
    }
  }
  return { thresholds: current, baseline: first.onsetOffset, score: best.onsetOffset, onsetBaseline: first.onset, onset: best.onset };
}

export interface TuningResult {
  thresholds: EventThresholds;
  /** Mean per-piece F1 with the tuned thresholds. */
  score: number;
  /** The same with DEFAULT_THRESHOLDS (or `start`), for the model card. */
  baseline: number;
  /** Every evaluated point, in order. */
  evaluations: number;
}

const SCORERS: Record<TuningObjective, (ref: Note[] | readonly Note[], est: Note[]) => number> = {
  onset: (r, e) => precisionRecallF1Overlap(notesToMir(r), notesToMir(e), { offsetRatio: null }).f1,
  onsetOffset: (r, e) => precisionRecallF1Overlap(notesToMir(r), notesToMir(e)).f1,
  onsetVelocity: (r, e) => precisionRecallF1OverlapVelocity(notesToMir(r), notesToMir(e), { offsetRatio: null }).f1,
};

/** Mean per-piece F1 of `objective` for one set of thresholds. */
export function scoreThresholds(pieces: readonly TuningPiece[], th: Partial<EventThresholds>, objective: TuningObjective = 'onset'): number {
  if (pieces.length === 0) return NaN;
  let sum = 0;
  for (const p of pieces) sum += SCORERS[objective](p.notes, extractNotes(p.inputs, th));
  return sum / pieces.length;
}

/**
 * Coordinate ascent: for each threshold in turn, try every grid value with
 * the others fixed and keep the best (ties keep the current value, so the
 * result moves off the defaults only for a real gain); repeat `passes`
 * times or until nothing changes.
 */
export function tuneThresholds(
  pieces: readonly TuningPiece[],
  opts: { objective?: TuningObjective; grid?: ThresholdGrid; passes?: number; start?: Partial<EventThresholds> } = {},
): TuningResult {
  const objective = opts.objective ?? 'onset';
  const hasOnsets = pieces.some((p) => p.inputs.onsets);
  const grid = opts.grid ?? (hasOnsets ? ONSET_GRID : FRAME_GRID);
  let current: EventThresholds = { ...DEFAULT_THRESHOLDS, ...opts.start };
  let evaluations = 1;
  const baseline = scoreThresholds(pieces, current, objective);
  let best = baseline;
  for (let pass = 0; pass < (opts.passes ?? 3); pass++) {
    let changed = false;
    for (const [key, values] of Object.entries(grid) as [NumericKey, number[]][]) {
      for (const v of values) {
        if (v === current[key]) continue;
        const trial = { ...current, [key]: v };
        const s = scoreThresholds(pieces, trial, objective);
        evaluations++;
        if (s > best) {
          best = s;
          current = trial;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return { thresholds: current, score: best, baseline, evaluations };
}
