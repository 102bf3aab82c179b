/**
 * Probabilities -> note events.
 *
 * Inputs are row-major [T, 90] rolls at `fps` (default 50) frames/s, index
 * k = MIDI k + 21; only keys 0..87 (MIDI 21..108) are piano and read.
 *
 * Frame rule (the seed's, frame head only), per key, frame by frame:
 *  - off -> on when frame prob > `activate` (0.5);
 *  - on -> off when frame prob < `release` (0.1): the note ends at that frame;
 *  - re-attack while on: the frame target of a repeated note is the decaying
 *    envelope (1.0 at onset, exp(-0.05 f) down to a 0.6 floor) with a single
 *    0 frame before the new onset. A model blurs that 0 into a shallow dip
 *    that rarely reaches `release`, so a note is split when the last
 *    `riseFrames` (6) frames show a V: frame t has prob > `reattack` (0.4),
 *    it is at least `riseDelta` above the lowest frame j of the 6 frames
 *    before it, and j itself is at least `riseDelta` below some frame of the
 *    6 frames before j (both within the current note). The previous note
 *    ends at the dip frame j (where the target's 0 frame sits) and the new
 *    one starts at j + 1, where the rise began. Why a V and not just "a
 *    rise": a single note's target never rises after its onset, but a
 *    model's onset ramps up over a frame or two (0.55, 0.9, 1.0); a ramp has
 *    no fall before it and so never splits. After a split the window only
 *    holds the rising frames of the new note, so one dip splits once.
 *
 * Onset rule (when an onset roll is given; the Onsets-and-Frames division of
 * labour): notes start only at onset peaks — a local maximum of the onset
 * prob above `onset` — and a peak inside a sounding note re-starts it there;
 * the frame prob then only decides how long the note lasts (release as
 * above; the onset frame itself is never released, since the frame head may
 * lag it by a frame). The rise test is off: the onset head carries
 * re-attacks. `allowFrameStarts` also lets frame activation alone start a
 * note (for a weak onset head).
 *
 * Then notes shorter than `minNoteFrames` are dropped. Velocity: the
 * velocity head (trained on onset frames only) averaged ('mean') or maxed
 * ('max') over the first `velocityFrames` frames of the note, clamped to
 * 0..1; without a velocity roll every note gets `defaultVelocity` (the
 * seed's fixed 89/127).
 */
import { A2mError } from '../errors.js';
import { FRAMES_PER_SECOND, MIDI_OFFSET, NUM_KEYS, PIANO_HIGH, type Note } from '../types.js';

export interface EventThresholds {
  /** Frame prob above which an idle key starts a note (frame rule). */
  activate: number;
  /** Frame prob below which a sounding note ends. */
  release: number;
  /** Frame prob a re-attack must exceed (rise test). */
  reattack: number;
  /** Lookback of the rise test, frames (for the fall and for the rise). */
  riseFrames: number;
  /** Minimum fall into and rise out of the dip, in probability. */
  riseDelta: number;
  /** Onset prob a peak must exceed to start a note (onset rule). */
  onset: number;
  /** With an onset roll: let frame activation alone start notes too. */
  allowFrameStarts: boolean;
  /** Notes shorter than this many frames are dropped. */
  minNoteFrames: number;
  /** Frames from the onset over which the velocity head is read. */
  velocityFrames: number;
  velocityReduce: 'mean' | 'max';
  /** Velocity (0..1) when there is no velocity roll. */
  defaultVelocity: number;
}

/** The seed's rule; a model card overrides these with tuned values. */
export const DEFAULT_THRESHOLDS: Readonly<EventThresholds> = Object.freeze({
  activate: 0.5,
  release: 0.1,
  reattack: 0.4,
  riseFrames: 6,
  riseDelta: 0.2,
  onset: 0.5,
  allowFrameStarts: false,
  minNoteFrames: 2,
  velocityFrames: 1,
  velocityReduce: 'mean',
  defaultVelocity: 89 / 127,
});

export interface EventInputs {
  /** Frame probabilities [T, keys] row-major. */
  frames: Float32Array;
  /** Onset probabilities [T, keys] (optional head). */
  onsets?: Float32Array;
  /** Velocity 0..1 [T, keys] (optional head). */
  velocities?: Float32Array;
  /** Row width (default 90). */
  keys?: number;
  /** Frames per second (default 50). */
  fps?: number;
}

/** Keys that are piano keys (MIDI 21..108). */
const PIANO_KEYS = PIANO_HIGH - MIDI_OFFSET + 1;

/** Frame interval [start, end) of one note on one key. */
interface Span {
  start: number;
  end: number;
}

/** Probabilities -> notes sorted by onset, then pitch. */
export function extractNotes(input: EventInputs, thresholds: Partial<EventThresholds> = {}): Note[] {
  const th: EventThresholds = { ...DEFAULT_THRESHOLDS, ...definedOnly(thresholds) };
  const K = input.keys ?? NUM_KEYS;
  const fps = input.fps ?? FRAMES_PER_SECOND;
  const { frames, onsets, velocities } = input;
  if (frames.length % K !== 0) throw new A2mError(`extractNotes: frame roll length ${frames.length} is not a multiple of ${K} keys`);
  const T = frames.length / K;
  for (const [name, roll] of [['onset', onsets], ['velocity', velocities]] as const) {
    if (roll && roll.length !== frames.length) throw new A2mError(`extractNotes: ${name} roll has ${roll.length} values, expected ${frames.length} ([${T}, ${K}])`);
  }
  const notes: Note[] = [];
  for (let k = 0; k < Math.min(K, PIANO_KEYS); k++) {
    const p = (t: number): number => frames[t * K + k]!;
    const o = onsets ? (t: number): number => (t < 0 || t >= T ? -Infinity : onsets[t * K + k]!) : undefined;
    const spans = o ? onsetRule(T, p, o, th) : frameRule(T, p, th);
    for (const s of spans) {
      if (s.end - s.start < th.minNoteFrames) continue;
      notes.push({
        onset: s.start / fps,
        offset: s.end / fps,
        pitch: k + MIDI_OFFSET,
        velocity: velocities ? readVelocity(velocities, K, k, s, th) : th.defaultVelocity,
      });
    }
  }
  return notes.sort((a, b) => a.onset - b.onset || a.pitch - b.pitch);
}

/** The seed's rule on one key: activate / release / re-attack by the rise test. */
function frameRule(T: number, p: (t: number) => number, th: EventThresholds): Span[] {
  const spans: Span[] = [];
  let start = -1; // -1: idle
  for (let t = 0; t < T; t++) {
    const v = p(t);
    if (start < 0) {
      if (v > th.activate) start = t;
      continue;
    }
    if (v < th.release) {
      spans.push({ start, end: t });
      start = -1;
      continue;
    }
    const dip = v > th.reattack ? riseDip(p, start, t, th) : -1;
    if (dip >= 0) {
      spans.push({ start, end: dip });
      start = dip + 1;
    }
  }
  if (start >= 0) spans.push({ start, end: T });
  return spans;
}

/**
 * The rise test at frame t of a note that started at `start`: the dip frame
 * j (the latest minimum of the `riseFrames` frames before t, after the
 * note's first frame) when frame t rose from it by `riseDelta` and it fell
 * by `riseDelta` from a frame in the `riseFrames` before it; else -1.
 */
function riseDip(p: (t: number) => number, start: number, t: number, th: EventThresholds): number {
  let j = -1;
  for (let i = Math.max(start + 1, t - th.riseFrames); i < t; i++) if (j < 0 || p(i) <= p(j)) j = i;
  if (j < 0 || p(t) - p(j) < th.riseDelta) return -1;
  for (let i = Math.max(start, j - th.riseFrames); i < j; i++) if (p(i) - p(j) >= th.riseDelta) return j;
  return -1;
}

/** Onset rule on one key: notes start at onset peaks, last while the frame prob holds. */
function onsetRule(T: number, p: (t: number) => number, o: (t: number) => number, th: EventThresholds): Span[] {
  const spans: Span[] = [];
  let start = -1;
  for (let t = 0; t < T; t++) {
    // A plateau peaks at its first frame: rise strictly, then not fall.
    const peak = o(t) > th.onset && o(t) > o(t - 1) && o(t) >= o(t + 1);
    if (peak) {
      if (start >= 0) spans.push({ start, end: t });
      start = t;
    } else if (start >= 0) {
      if (p(t) < th.release) {
        spans.push({ start, end: t });
        start = -1;
      }
    } else if (th.allowFrameStarts && p(t) > th.activate) {
      start = t;
    }
  }
  if (start >= 0) spans.push({ start, end: T });
  return spans;
}

function readVelocity(v: Float32Array, K: number, k: number, s: Span, th: EventThresholds): number {
  const n = Math.max(1, Math.min(th.velocityFrames, s.end - s.start));
  let acc = th.velocityReduce === 'max' ? -Infinity : 0;
  for (let t = s.start; t < s.start + n; t++) {
    const x = v[t * K + k]!;
    acc = th.velocityReduce === 'max' ? Math.max(acc, x) : acc + x / n;
  }
  return Math.min(1, Math.max(0, acc));
}

/**
 * Notes -> binary piano roll [frames, keys] (1 where a note sounds): frames
 * [round(onset·fps), max(that + 1, round(offset·fps))), the same
 * quantisation as the training targets. Notes outside 21..110 are skipped.
 */
export function notesToFrames(notes: readonly Note[], frames: number, opts: { keys?: number; fps?: number } = {}): Float32Array {
  const K = opts.keys ?? NUM_KEYS;
  const fps = opts.fps ?? FRAMES_PER_SECOND;
  const roll = new Float32Array(frames * K);
  for (const n of notes) {
    const k = n.pitch - MIDI_OFFSET;
    if (k < 0 || k >= K) continue;
    const f0 = Math.round(n.onset * fps);
    const f1 = Math.max(f0 + 1, Math.round(n.offset * fps));
    for (let f = Math.max(0, f0); f < Math.min(frames, f1); f++) roll[f * K + k] = 1;
  }
  return roll;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** What each threshold must be; one row per field keeps checks and messages together. */
const THRESHOLD_SPEC: Record<keyof EventThresholds, { expected: string; ok: (v: unknown) => boolean }> = {
  activate: { expected: 'a probability 0..1', ok: isProb },
  release: { expected: 'a probability 0..1', ok: isProb },
  reattack: { expected: 'a probability 0..1', ok: isProb },
  riseFrames: { expected: 'an integer >= 1', ok: (v) => Number.isInteger(v) && (v as number) >= 1 },
  riseDelta: { expected: 'a number > 0 (Infinity turns the rise test off)', ok: (v) => typeof v === 'number' && v > 0 },
  onset: { expected: 'a probability 0..1', ok: isProb },
  allowFrameStarts: { expected: 'true or false', ok: (v) => typeof v === 'boolean' },
  minNoteFrames: { expected: 'an integer >= 1', ok: (v) => Number.isInteger(v) && (v as number) >= 1 },
  velocityFrames: { expected: 'an integer >= 1', ok: (v) => Number.isInteger(v) && (v as number) >= 1 },
  velocityReduce: { expected: '"mean" or "max"', ok: (v) => v === 'mean' || v === 'max' },
  defaultVelocity: { expected: 'a velocity 0..1', ok: isProb },
};

function isProb(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v <= 1;
}

/**
 * Checks thresholds read from a model card (JSON); `source` names the file
 * in errors. Unknown keys are an error too (a typo would silently keep the
 * default). JSON has no Infinity: `riseDelta: null` means "rise test off".
 */
export function parseThresholds(raw: unknown, source: string): Partial<EventThresholds> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new A2mError(`${source}: thresholds: expected an object, got ${JSON.stringify(raw)}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const spec = THRESHOLD_SPEC[key as keyof EventThresholds];
    if (!spec) throw new A2mError(`${source}: thresholds.${key}: unknown threshold (expected one of ${Object.keys(THRESHOLD_SPEC).join(', ')})`);
    const v = key === 'riseDelta' && value === null ? Infinity : value;
    if (!spec.ok(v)) throw new A2mError(`${source}: thresholds.${key}: expected ${spec.expected}, got ${JSON.stringify(value)}`);
    out[key] = v;
  }
  return out as Partial<EventThresholds>;
}
