/**
 * The seed's validation metrics, on model-grid windows ([frames, keys]
 * row-major, normally [250, 90]). The seed's code is not available; these
 * are the definitions we fixed, chosen to be what its names say and to stay
 * comparable across runs:
 *
 * - loss: binary cross-entropy between the frame probabilities and the
 *   frame target (the seed's decaying envelope), SUMMED over the window's
 *   frames × keys, then averaged over windows. Summing per window (rather
 *   than the per-element mean the trainer optimises) is the seed's
 *   convention; it is the training loss × 22 500 for a [250, 90] window.
 *   Probabilities are clamped to [1e-7, 1 - 1e-7] (Keras' epsilon) so one
 *   saturated wrong frame gives a large but finite loss.
 *
 * - hit rate: of the frames × keys where the target is active (> 0.5, i.e.
 *   a note sounds: the envelope's floor is 0.6), the fraction where the
 *   prediction is active too (> 0.5). Pooled over all windows (hits / active
 *   cells), not a mean of per-window ratios, so a window with two active
 *   cells does not weigh as much as a window of chords. It is a recall:
 *   it does not see false positives, which the eventized diff does.
 *
 * - eventized diff: per window, both rolls are turned into note events by
 *   the same extractor (`extractNotes`, the transcription thresholds), and
 *   the events that have no partner on the other side are counted — missed
 *   plus spurious notes. Partners: same key, onset frames at most
 *   `onsetToleranceFrames` (1 = 20 ms) apart, one to one. One frame because
 *   the target's onset is itself quantised to the frame grid; offsets are
 *   ignored (the target's release is clear-cut, the prediction's is not,
 *   and the note F1 with offsets covers that). Reported as the mean per
 *   window. Using the extractor on the target (rather than the CSV notes)
 *   makes both sides share the same quantisation and clipping at window
 *   edges, so a perfect prediction scores exactly 0.
 */
import { A2mError } from '../errors.js';
import { NUM_KEYS } from '../types.js';
import { extractNotes, type EventThresholds } from '../infer/events.js';

/** Probabilities are clamped to [EPS, 1 - EPS] in the BCE. */
export const BCE_EPSILON = 1e-7;
/** A frame × key is active above this value (target and prediction alike). */
export const ACTIVE_THRESHOLD = 0.5;

export interface SeedMetrics {
  /** Mean over windows of the BCE summed over the window. */
  loss: number;
  /** Active target cells that are active in the prediction / active target cells (NaN when none). */
  hitRate: number;
  /** Mean per window of unmatched events (target-side + prediction-side). */
  eventizedDiff: number;
  windows: number;
  /** Raw counts behind the ratios. */
  hits: number;
  activeCells: number;
  targetEvents: number;
  predictedEvents: number;
  matchedEvents: number;
}

export interface FrameMetricOptions {
  /** Row width (default 90). */
  keys?: number;
  /** Onset tolerance of the eventized diff, frames (default 1). */
  onsetToleranceFrames?: number;
  /** Thresholds for the event extraction of both rolls (default: DEFAULT_THRESHOLDS). */
  thresholds?: Partial<EventThresholds>;
}

/** BCE of probabilities against targets, summed over all elements. */
export function windowBce(probs: Float32Array, target: Float32Array): number {
  checkSameLength(probs, target);
  let sum = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - BCE_EPSILON, Math.max(BCE_EPSILON, probs[i]!));
    const z = target[i]!;
    sum -= z * Math.log(p) + (1 - z) * Math.log(1 - p);
  }
  return sum;
}

/** Cells active in the target, and how many of them are active in the prediction. */
export function frameHits(probs: Float32Array, target: Float32Array): { hits: number; active: number } {
  checkSameLength(probs, target);
  let hits = 0, active = 0;
  for (let i = 0; i < probs.length; i++) {
    if (target[i]! > ACTIVE_THRESHOLD) {
      active++;
      if (probs[i]! > ACTIVE_THRESHOLD) hits++;
    }
  }
  return { hits, active };
}

/** Events of both rolls and how many pair up (see the module comment). */
export function eventizedDiff(probs: Float32Array, target: Float32Array, opts: FrameMetricOptions = {}): { target: number; predicted: number; matched: number; diff: number } {
  checkSameLength(probs, target);
  const keys = opts.keys ?? NUM_KEYS;
  const tol = opts.onsetToleranceFrames ?? 1;
  // fps = 1: onsets come back as frame indices.
  const t = extractNotes({ frames: target, keys, fps: 1 }, opts.thresholds);
  const p = extractNotes({ frames: probs, keys, fps: 1 }, opts.thresholds);
  const byKey = (notes: typeof t) => {
    const m = new Map<number, number[]>();
    for (const n of notes) (m.get(n.pitch) ?? m.set(n.pitch, []).get(n.pitch)!).push(n.onset);
    return m;
  };
  const pk = byKey(p);
  let matched = 0;
  for (const [pitch, tOn] of byKey(t)) {
    matched += matchSorted(tOn, pk.get(pitch) ?? [], tol);
  }
  return { target: t.length, predicted: p.length, matched, diff: t.length + p.length - 2 * matched };
}

/**
 * Size of a maximum one-to-one matching of two ascending lists under
 * |a - b| <= tol. Greedy from the left is optimal for points on a line
 * with a symmetric window: pairing the earliest partner never blocks a
 * better matching.
 */
function matchSorted(a: readonly number[], b: readonly number[], tol: number): number {
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) {
    if (Math.abs(a[i]! - b[j]!) <= tol) {
      n++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return n;
}

/** Streams windows in (no need to hold a validation set), reports the seed metrics. */
export class SeedMetricsAccumulator {
  private lossSum = 0;
  private windows = 0;
  private hits = 0;
  private active = 0;
  private targetEvents = 0;
  private predictedEvents = 0;
  private matched = 0;

  constructor(private readonly opts: FrameMetricOptions = {}) {}

  /** One window: frame probabilities and the frame target, both [frames, keys]. */
  add(probs: Float32Array, target: Float32Array): void {
    this.lossSum += windowBce(probs, target);
    const h = frameHits(probs, target);
    this.hits += h.hits;
    this.active += h.active;
    const e = eventizedDiff(probs, target, this.opts);
    this.targetEvents += e.target;
    this.predictedEvents += e.predicted;
    this.matched += e.matched;
    this.windows++;
  }

  result(): SeedMetrics {
    const w = this.windows;
    return {
      loss: w ? this.lossSum / w : NaN,
      hitRate: this.active ? this.hits / this.active : NaN,
      eventizedDiff: w ? (this.targetEvents + this.predictedEvents - 2 * this.matched) / w : NaN,
      windows: w,
      hits: this.hits,
      activeCells: this.active,
      targetEvents: this.targetEvents,
      predictedEvents: this.predictedEvents,
      matchedEvents: this.matched,
    };
  }
}

/** The seed metrics over a set of windows. */
export function seedMetrics(windows: Iterable<{ probs: Float32Array; target: Float32Array }>, opts: FrameMetricOptions = {}): SeedMetrics {
  const acc = new SeedMetricsAccumulator(opts);
  for (const w of windows) acc.add(w.probs, w.target);
  return acc.result();
}

function checkSameLength(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new A2mError(`frame metrics: prediction has ${a.length} values, target ${b.length}`);
}
