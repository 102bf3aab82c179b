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
 * prob above `onset` — and a peak inside a sounding note re-starts it there
 * if it also exceeds `reonset` (a held note's decay and the strokes of other
 * keys leave small onset bumps on its key: 115 of round 4's 424 false
 * alarms on the validation split were such re-starts); and a peak is no
 * note start when it reads as a harmonic of a stronger onset in the same
 * frame: some key 12, 19, 24 or 28 semitones below (where the 2nd to 5th
 * harmonics of that key's string land) has an onset prob above `onset`,
 * and this peak is below `harmonic` times it (0 = off; 148 of round 5's 378
 * false alarms sat on a harmonic of a sounding note);
 * the frame prob then only decides how long the note lasts (release as
 * above; the onset frame itself is never released, since the frame head may
 * lag it by a frame). The rise test is off: the onset head carries
 * re-attacks. `allowFrameStarts` also lets frame activation alone start a
 * note (for a weak onset head).
 *
 * With an offset roll (the offset head marks a note's last sounding frame:
 * key and pedal up) and `offset` > 0, a sounding note also ends at an offset
 * peak above `offset`, that frame included; the frame prob's `release` stays
 * the fallback (a held note's frame prob fades with its sound, so it ended
 * long notes early: round 10 on the real-music validation split, 68 % of the
 * notes of 2 s or more).
 *
 * Then notes shorter than `minNoteFrames` are dropped. Velocity: the
 * velocity head (trained on onset frames only) averaged ('mean') or maxed
 * ('max') over the first `velocityFrames` frames of the note, clamped to
 * 0..1; without a velocity roll every note gets `defaultVelocity` (the
 * seed's fixed 89/127).
 */
import { A2mError } from '../errors.js';
import { FRAMES_PER_SECOND, MIDI_OFFSET, NUM_KEYS, PIANO_HIGH, type Note } from '../types.js';
import { validateThresholds } from './threshold-rules.js';

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
  /** Onset prob a peak must also exceed to re-start a note that is still sounding (onset rule; 0: just `onset`). */
  reonset: number;
  /** Onset rule: a peak below this fraction of a same-frame onset 12/19/24/28 keys lower is a harmonic, not a note (0: off). */
  harmonic: number;
  /** With an onset roll: let frame activation alone start notes too. */
  allowFrameStarts: boolean;
  /** With an offset roll: an offset peak above this ends a sounding note, that frame included (0: off). */
  offset: number;
  /**
   * Onset rule: once a note has sounded this many frames, it ends below
   * `sustainRelease` instead of `release` (0: off). A held note's frame prob
   * fades with its sound, so long notes ended early (round 8 on the
   * validation split: notes of 1 s or more ended a median 0.6 s early).
   */
  sustainFrames: number;
  /** The release threshold of a note that has sounded `sustainFrames` frames. */
  sustainRelease: number;
  /**
   * Frames added to every note's end (negative: earlier), never before its
   * onset frame + 1; applied after `minNoteFrames`. Short notes' frame prob
   * outlasts the key by a frame or two.
   */
  offsetShift: number;
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
  reonset: 0,
  harmonic: 0,
  allowFrameStarts: false,
  offset: 0,
  sustainFrames: 0,
  sustainRelease: 0.05,
  offsetShift: 0,
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
  /** Offset probabilities [T, keys] (optional head). */
  offsets?: Float32Array;
  /** Row width (default 90). */
  keys?: number;
  /** Frames per second (default 50). */
  fps?: number;
}

/**
 * Semitones from a string's fundamental up to its 2nd, 3rd, 4th and 5th
 * harmonics (12·log2(n) rounded: 12, 19.02, 24, 27.86): where a loud note
 * leaves onset bumps on keys that were not struck.
 */
const HARMONIC_INTERVALS: readonly number[] = [12, 19, 24, 28];

/** Reads the onset prob `d` keys below the current key at frame t (-Infinity off the keyboard). */
type OnsetBelow = (t: number, d: number) => number;

/** One key's roll at frame t (-Infinity outside the roll). */
type KeyRoll = (t: number) => number;

/** Key k of a [*, K] roll whose row 0 is frame `first`, read as a KeyRoll over frames [0, end). */
function keyRoll(roll: Float32Array, K: number, k: number, end: number, first = 0): KeyRoll {
  return (t) => (t < 0 || t >= end ? -Infinity : roll[(t - first) * K + k]!);
}

/** Keys that are piano keys (MIDI 21..108). */
const PIANO_KEYS = PIANO_HIGH - MIDI_OFFSET + 1;

/** Frame interval [start, end) of one note on one key. */
interface Span {
  start: number;
  end: number;
}

/** The order `extractNotes` returns notes in: by onset, then pitch. */
export function compareNotes(a: Note, b: Note): number {
  return a.onset - b.onset || a.pitch - b.pitch;
}

/** Probabilities -> notes sorted by onset, then pitch. */
export function extractNotes(input: EventInputs, thresholds: Partial<EventThresholds> = {}): Note[] {
  const th = resolveThresholds(thresholds);
  const K = input.keys ?? NUM_KEYS;
  const fps = input.fps ?? FRAMES_PER_SECOND;
  const { frames, onsets, velocities, offsets } = input;
  const T = checkRolls('extractNotes', input, K);
  const notes: Note[] = [];
  for (let k = 0; k < Math.min(K, PIANO_KEYS); k++) {
    const p = (t: number): number => frames[t * K + k]!;
    const v = velocities ? (t: number): number => velocities[t * K + k]! : undefined;
    const spans = onsets
      ? onsetRule(T, p, keyRoll(onsets, K, k, T), (t, d) => (k - d < 0 ? -Infinity : onsets[t * K + k - d]!), offsets && keyRoll(offsets, K, k, T), th)
      : frameRule(T, p, th);
    for (const s of spans) {
      const note = spanToNote(s, k, fps, th, v);
      if (note) notes.push(note);
    }
  }
  return notes.sort(compareNotes);
}

function resolveThresholds(thresholds: Partial<EventThresholds>): EventThresholds {
  return { ...DEFAULT_THRESHOLDS, ...definedOnly(thresholds) };
}

/** Checks that the rolls are [T, K] and of one length; returns T. */
function checkRolls(who: string, input: EventInputs, K: number): number {
  const { frames, onsets, velocities, offsets } = input;
  if (frames.length % K !== 0) throw new A2mError(`${who}: frame roll length ${frames.length} is not a multiple of ${K} keys`);
  const T = frames.length / K;
  for (const [name, roll] of [['onset', onsets], ['velocity', velocities], ['offset', offsets]] as const) {
    if (roll && roll.length !== frames.length) throw new A2mError(`${who}: ${name} roll has ${roll.length} values, expected ${frames.length} ([${T}, ${K}])`);
  }
  return T;
}

/** A finished span as a note, or null when it is shorter than minNoteFrames. `v` reads the velocity roll of this key. */
function spanToNote(s: Span, k: number, fps: number, th: EventThresholds, v?: (t: number) => number): Note | null {
  if (s.end - s.start < th.minNoteFrames) return null;
  return {
    onset: s.start / fps,
    offset: Math.max(s.start + 1, s.end + th.offsetShift) / fps,
    pitch: k + MIDI_OFFSET,
    velocity: v ? readVelocity(v, s, th) : th.defaultVelocity,
  };
}

/**
 * One key's state between frames: the open note's first frame, or -1 when
 * idle. The step functions below advance it by one frame and return the span
 * that frame closed, if any; `extractNotes` drives them over a whole roll,
 * `NoteStream` over chunks, so both apply the very same rule.
 */
interface KeyState {
  start: number;
}

/** The seed's rule at frame t: activate / release / re-attack by the rise test. */
function frameStep(st: KeyState, t: number, p: (t: number) => number, th: EventThresholds): Span | null {
  const v = p(t);
  if (st.start < 0) {
    if (v > th.activate) st.start = t;
    return null;
  }
  if (v < th.release) {
    const span = { start: st.start, end: t };
    st.start = -1;
    return span;
  }
  const dip = v > th.reattack ? riseDip(p, st.start, t, th) : -1;
  if (dip < 0) return null;
  const span = { start: st.start, end: dip };
  st.start = dip + 1;
  return span;
}

/**
 * How much an onset prob must rise into a peak (and may rise after it) to count: smaller steps are flat.
 * Exports of one model differ by float rounding (1e-7..1e-5); on a plateau — an untrained model's answer
 * to silence is the same value in every frame — a strict comparison would let that rounding make or
 * remove peaks, so the same model would decode to different notes in different runtimes.
 */
export const PEAK_RISE = 1e-4;

/** A peak of `x` at frame t above `floor`; a plateau peaks at its first frame: rise (by more than PEAK_RISE), then not rise again. */
function isPeak(x: KeyRoll, t: number, floor: number): boolean {
  return x(t) > floor && x(t) > x(t - 1) + PEAK_RISE && x(t + 1) <= x(t) + PEAK_RISE;
}

/**
 * The onset rule at frame t: notes start at onset peaks, last while the frame
 * prob holds, and (with an offset roll `off`) end at an offset peak.
 */
function onsetStep(st: KeyState, t: number, p: KeyRoll, o: KeyRoll, below: OnsetBelow, off: KeyRoll | undefined, th: EventThresholds): Span | null {
  const floor = st.start >= 0 ? Math.max(th.onset, th.reonset) : th.onset;
  if (isPeak(o, t, floor) && !isHarmonic(o(t), t, below, th)) {
    const span = st.start >= 0 ? { start: st.start, end: t } : null;
    st.start = t;
    return span;
  }
  if (st.start >= 0) {
    // The offset head marks a note's last sounding frame, so the note keeps frame t.
    if (off && th.offset > 0 && t > st.start && isPeak(off, t, th.offset)) {
      const span = { start: st.start, end: t + 1 };
      st.start = -1;
      return span;
    }
    const release = th.sustainFrames > 0 && t - st.start >= th.sustainFrames ? th.sustainRelease : th.release;
    if (p(t) >= release) return null;
    const span = { start: st.start, end: t };
    st.start = -1;
    return span;
  }
  if (th.allowFrameStarts && p(t) > th.activate) st.start = t;
  return null;
}

/** Whether an onset peak of height v at frame t is the harmonic of a stronger same-frame onset below it. */
function isHarmonic(v: number, t: number, below: OnsetBelow, th: EventThresholds): boolean {
  if (!th.harmonic) return false;
  for (const d of HARMONIC_INTERVALS) {
    const f = below(t, d);
    if (f > th.onset && v < th.harmonic * f) return true;
  }
  return false;
}

/** The seed's rule over a whole key: frames 0..T-1, then the note still open at T. */
function frameRule(T: number, p: (t: number) => number, th: EventThresholds): Span[] {
  const spans: Span[] = [];
  const st: KeyState = { start: -1 };
  for (let t = 0; t < T; t++) {
    const s = frameStep(st, t, p, th);
    if (s) spans.push(s);
  }
  if (st.start >= 0) spans.push({ start: st.start, end: T });
  return spans;
}

/**
 * The rise test at frame t of a note that started at `start`: the dip frame
 * j (the latest minimum of the `riseFrames` frames before t, after the
 * note's first frame) when frame t rose from it by `riseDelta` and it fell
 * by `riseDelta` from a frame in the `riseFrames` before it; else -1.
 * Reads frames back to t - 2·riseFrames at most (NoteStream keeps that many).
 */
function riseDip(p: (t: number) => number, start: number, t: number, th: EventThresholds): number {
  let j = -1;
  for (let i = Math.max(start + 1, t - th.riseFrames); i < t; i++) if (j < 0 || p(i) <= p(j)) j = i;
  if (j < 0 || p(t) - p(j) < th.riseDelta) return -1;
  for (let i = Math.max(start, j - th.riseFrames); i < j; i++) if (p(i) - p(j) >= th.riseDelta) return j;
  return -1;
}

/** Onset rule over a whole key. */
function onsetRule(T: number, p: KeyRoll, o: KeyRoll, below: OnsetBelow, off: KeyRoll | undefined, th: EventThresholds): Span[] {
  const spans: Span[] = [];
  const st: KeyState = { start: -1 };
  for (let t = 0; t < T; t++) {
    const s = onsetStep(st, t, p, o, below, off, th);
    if (s) spans.push(s);
  }
  if (st.start >= 0) spans.push({ start: st.start, end: T });
  return spans;
}

/** The velocity of a note: the head over its first `velocityFrames` frames; `v(t)` reads frame t of this key. */
function readVelocity(v: (t: number) => number, s: Span, th: EventThresholds): number {
  const n = Math.max(1, Math.min(th.velocityFrames, s.end - s.start));
  let acc = th.velocityReduce === 'max' ? -Infinity : 0;
  for (let t = s.start; t < s.start + n; t++) {
    const x = v(t);
    acc = th.velocityReduce === 'max' ? Math.max(acc, x) : acc + x / n;
  }
  return Math.min(1, Math.max(0, acc));
}

/** Which rolls a NoteStream is fed (fixed for the stream's life). */
export interface NoteStreamOptions {
  onsets: boolean;
  velocities: boolean;
  /** Whether an offset roll is fed (default: no). */
  offsets?: boolean;
  /** Row width (default 90). */
  keys?: number;
  /** Frames per second (default 50). */
  fps?: number;
}

/**
 * `extractNotes` over a roll that arrives in chunks of frames: same rule, same
 * notes (sort them with `compareNotes` for extractNotes' order), but memory is
 * a few frames plus the open notes, whatever the roll's length.
 *
 * Frame t is decided once frame t + 1 has arrived (an onset peak looks one
 * frame ahead); the rise test looks 2·riseFrames frames back, so that many
 * frames are kept. A note's velocity frames are copied while it is open
 * (a re-attack starts a note up to riseFrames frames in the past, still kept).
 */
export class NoteStream {
  private readonly th: EventThresholds;
  private readonly K: number;
  private readonly fps: number;
  /** Frames kept before the next frame to decide. */
  private readonly keep: number;
  /** Absolute index of the first kept frame, of the next frame to decide, and count of frames received. */
  private bufStart = 0;
  private next = 0;
  private received = 0;
  private frames: Float32Array = new Float32Array(0);
  private onsets: Float32Array = new Float32Array(0);
  private velocities: Float32Array = new Float32Array(0);
  private offsets: Float32Array = new Float32Array(0);
  private readonly state: KeyState[];
  /** Velocity head values of each key's open note, from its first frame (at most velocityFrames). */
  private readonly openVelocity: number[][];
  private finished = false;

  constructor(private readonly opts: NoteStreamOptions, thresholds: Partial<EventThresholds> = {}) {
    this.th = resolveThresholds(thresholds);
    this.K = opts.keys ?? NUM_KEYS;
    this.fps = opts.fps ?? FRAMES_PER_SECOND;
    this.keep = 2 * this.th.riseFrames + 2;
    const piano = Math.min(this.K, PIANO_KEYS);
    this.state = Array.from({ length: piano }, () => ({ start: -1 }));
    this.openVelocity = Array.from({ length: piano }, () => []);
  }

  /** Adds the next frames ([n, keys] each; onsets/velocities as given at construction); returns the notes they finish. */
  push(chunk: EventInputs): Note[] {
    if (this.finished) throw new A2mError('NoteStream: push after finish');
    for (const [name, want, roll] of [['onset', this.opts.onsets, chunk.onsets], ['velocity', this.opts.velocities, chunk.velocities], ['offset', Boolean(this.opts.offsets), chunk.offsets]] as const) {
      if (want !== Boolean(roll)) throw new A2mError(`NoteStream: ${want ? 'missing' : 'unexpected'} ${name} roll at frame ${this.received}`);
    }
    const rows = checkRolls('NoteStream', chunk, this.K);
    this.frames = this.append(this.frames, chunk.frames);
    if (chunk.onsets) this.onsets = this.append(this.onsets, chunk.onsets);
    if (chunk.velocities) this.velocities = this.append(this.velocities, chunk.velocities);
    if (chunk.offsets) this.offsets = this.append(this.offsets, chunk.offsets);
    this.received += rows;
    const notes = this.decide(this.received - 1);
    this.trim();
    return notes;
  }

  /** The roll has ended: decides the last frame and closes the notes still open. */
  finish(): Note[] {
    if (this.finished) throw new A2mError('NoteStream: finish called twice');
    this.finished = true;
    const notes = this.decide(this.received);
    for (const [k, st] of this.state.entries()) {
      if (st.start >= 0) this.close(k, { start: st.start, end: this.received }, notes);
    }
    return notes;
  }

  /** Appends a chunk to the kept frames of one roll. */
  private append(kept: Float32Array, chunk: Float32Array): Float32Array {
    const out = new Float32Array(kept.length + chunk.length);
    out.set(kept);
    out.set(chunk, kept.length);
    return out;
  }

  /** Drops frames no later decision can read. */
  private trim(): void {
    const drop = Math.max(0, this.next - this.keep - this.bufStart);
    if (!drop) return;
    const cut = (a: Float32Array) => (a.length ? a.slice(drop * this.K) : a);
    this.frames = cut(this.frames);
    this.onsets = cut(this.onsets);
    this.velocities = cut(this.velocities);
    this.offsets = cut(this.offsets);
    this.bufStart += drop;
  }

  /** Runs the rule over frames [next, until). */
  private decide(until: number): Note[] {
    const { K, th, bufStart, received } = this;
    const notes: Note[] = [];
    const { frames, onsets, velocities, offsets } = this;
    const hasOnsets = this.opts.onsets;
    for (const [k, st] of this.state.entries()) {
      const p = (t: number): number => frames[(t - bufStart) * K + k]!;
      const o = keyRoll(onsets, K, k, received, bufStart);
      const off = this.opts.offsets ? keyRoll(offsets, K, k, received, bufStart) : undefined;
      // Frame t < received of every key is kept, so the keys below can be read too.
      const below: OnsetBelow = (t, d) => (k - d < 0 ? -Infinity : onsets[(t - bufStart) * K + k - d]!);
      const vel = this.openVelocity[k]!;
      for (let t = this.next; t < until; t++) {
        const before = st.start;
        const span = hasOnsets ? onsetStep(st, t, p, o, below, off, th) : frameStep(st, t, p, th);
        if (span) this.close(k, span, notes);
        if (st.start !== before) vel.length = 0;
        // Copy the velocity frames the open note will read (from its start up to t).
        if (this.opts.velocities && st.start >= 0) {
          for (let i = st.start + vel.length; i <= t && vel.length < th.velocityFrames; i++) vel.push(velocities[(i - bufStart) * K + k]!);
        }
      }
    }
    this.next = Math.max(this.next, until);
    return notes;
  }

  private close(k: number, span: Span, into: Note[]): void {
    const vel = this.openVelocity[k]!;
    const note = spanToNote(span, k, this.fps, this.th, this.opts.velocities ? (t) => vel[t - span.start]! : undefined);
    if (note) into.push(note);
  }
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

/**
 * Checks thresholds read from a model card (JSON) against THRESHOLD_RULES
 * (threshold-rules.ts); `source` names the file in errors
 * (`card.json: thresholds.release: must be ...`). Unknown keys are an error
 * too (a typo would silently keep the default). JSON has no Infinity:
 * `riseDelta: null` means "rise test off".
 */
export function parseThresholds(raw: unknown, source: string): Partial<EventThresholds> {
  return validateThresholds(raw, `${source}: thresholds`);
}
