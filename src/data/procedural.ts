/**
 * Deterministic procedural piano material. A piece is a sequence of segments,
 * each in one texture (scales, arpeggios, block chords of 1-10 notes, fast
 * repeated notes, melody over accompaniment, sustained overlapping notes,
 * notes scattered over the whole keyboard), with its own tempo, register and
 * dynamics, and occasional silence between segments. The mix inside each piece
 * matters: a model must see re-attacks next to chords next to silence.
 */
import { PIANO_HIGH, PIANO_LOW, type Note } from '../types.js';
import { sortNotes } from './csv.js';
import { createRng, type Rng } from './random.js';

export interface ProceduralOptions {
  /** Piece length in seconds; default: uniform 20..60 from the seed. */
  seconds?: number;
}

/** Shortest note we emit (s); shorter notes barely sound on a SoundFont piano. */
const MIN_DURATION = 0.03;
/** Gap left between a note's release and a re-attack of the same key (s). */
const REATTACK_GAP = 0.01;
const MIN_VELOCITY = 20;
const MAX_VELOCITY = 127;

/** Scale / mode intervals, as semitone sets within an octave. */
const MODES: readonly (readonly number[])[] = [
  [0, 2, 4, 5, 7, 9, 11], // major
  [0, 2, 3, 5, 7, 8, 10], // natural minor
  [0, 2, 3, 5, 7, 8, 11], // harmonic minor
  [0, 2, 4, 7, 9], // pentatonic
  [0, 2, 4, 6, 8, 10], // whole tone
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], // chromatic
];
const CHORD_QUALITIES: readonly (readonly number[])[] = [
  [0, 4, 7], [0, 3, 7], [0, 3, 6], [0, 4, 8], [0, 4, 7, 10], [0, 3, 7, 10], [0, 4, 7, 11], [0, 3, 6, 9], [0, 5, 7], [0, 4, 7, 14],
];

/** What every texture generator gets: where to start, how long, the segment's musical frame. */
interface Segment {
  rng: Rng;
  start: number;
  length: number;
  /** Seconds per beat. */
  beat: number;
  /** Lowest key of the segment's register. */
  low: number;
  /** Highest key of the segment's register. */
  high: number;
  tonic: number;
  mode: readonly number[];
  /** MIDI velocity for this note index (dynamics: flat, crescendo, diminuendo, random). */
  velocity: (i: number) => number;
  emit: (onset: number, duration: number, pitch: number, velocity: number) => void;
}

type Texture = (s: Segment) => void;

/** Texture table [weight, generator]; weights favour the material models get wrong (re-attacks, chords, bass). */
const TEXTURES: readonly (readonly [number, Texture])[] = [
  [2, scale],
  [2, arpeggio],
  [2, blockChords],
  [1.5, repeatedNotes],
  [2.5, melodyOverAccompaniment],
  [1.5, sustainedOverlapping],
  [1, scattered],
];

/** Generates one piece; the same seed always gives the same notes. */
export function generatePiece(seed: number, opts: ProceduralOptions = {}): Note[] {
  const rng = createRng(seed);
  const total = opts.seconds ?? rng.uniform(20, 60);
  const jitterSd = rng.uniform(0, 0.015); // human timing looseness, per piece
  const notes: Note[] = [];
  let t = rng.chance(0.3) ? rng.uniform(0, 1) : 0;
  while (t < total - 0.5) {
    const length = Math.min(rng.uniform(2, 8), total - t);
    const seg = makeSegment(rng, t, length, (onset, duration, pitch, velocity) => {
      const o = Math.max(0, onset + rng.normal(0, jitterSd));
      const end = Math.min(o + Math.max(MIN_DURATION, duration * rng.uniform(0.9, 1.1)), total);
      if (end - o < MIN_DURATION || pitch < PIANO_LOW || pitch > PIANO_HIGH) return;
      notes.push({ onset: o, offset: end, pitch, velocity: Math.round(clamp(velocity, MIN_VELOCITY, MAX_VELOCITY)) / 127 });
    });
    rng.weighted(TEXTURES)(seg);
    t += length;
    if (rng.chance(0.15)) t += rng.uniform(0.5, 3); // silence
  }
  return separateReattacks(notes);
}

function makeSegment(rng: Rng, start: number, length: number, emit: Segment['emit']): Segment {
  const bpm = rng.uniform(50, 200);
  // Register: a band of 1-4 octaves placed anywhere on the keyboard, so all 88 keys get material.
  const span = rng.int(12, 48);
  const low = rng.int(PIANO_LOW, PIANO_HIGH - span);
  const base = rng.uniform(MIN_VELOCITY, MAX_VELOCITY);
  const shape = rng.pick(['flat', 'cresc', 'dim', 'random'] as const);
  const swing = rng.uniform(2, 20);
  const velocity = (i: number): number => {
    const ramp = shape === 'cresc' ? i * 2 : shape === 'dim' ? -i * 2 : 0;
    const spread = shape === 'random' ? rng.uniform(-40, 40) : rng.normal(0, swing);
    return base + ramp + spread;
  };
  return { rng, start, length, beat: 60 / bpm, low, high: low + span, tonic: rng.int(0, 11), mode: rng.pick(MODES), velocity, emit };
}

/** All keys of the segment's mode within [low, high]. */
function modeKeys(s: Segment, low = s.low, high = s.high): number[] {
  const keys: number[] = [];
  for (let k = Math.max(PIANO_LOW, low); k <= Math.min(PIANO_HIGH, high); k++) {
    if (s.mode.includes((((k - s.tonic) % 12) + 12) % 12)) keys.push(k);
  }
  return keys.length > 0 ? keys : [clamp(low, PIANO_LOW, PIANO_HIGH)];
}

/** Keys in [low, high] (within the piano) whose pitch class is in the chord root + quality. */
function chordKeys(root: number, quality: readonly number[], low: number, high: number): number[] {
  const classes = new Set(quality.map((q) => (((root + q) % 12) + 12) % 12));
  const keys: number[] = [];
  for (let k = Math.max(PIANO_LOW, low); k <= Math.min(PIANO_HIGH, high); k++) if (classes.has(k % 12)) keys.push(k);
  return keys;
}

/** Runs up / down a scale, in 2-4 subdivisions per beat, legato to detached. */
function scale(s: Segment): void {
  const keys = modeKeys(s);
  const step = s.beat / s.rng.pick([1, 2, 3, 4]);
  const legato = s.rng.uniform(0.4, 1.2);
  let idx = s.rng.int(0, keys.length - 1);
  let dir = s.rng.chance(0.5) ? 1 : -1;
  let i = 0;
  for (let t = s.start; t < s.start + s.length; t += step, i++) {
    s.emit(t, step * legato, keys[idx]!, s.velocity(i));
    if (idx + dir < 0 || idx + dir >= keys.length) dir = -dir;
    idx += dir;
  }
}

/** Broken chords over 1-4 octaves, up, down or up-down. */
function arpeggio(s: Segment): void {
  const step = s.beat / s.rng.pick([2, 3, 4]);
  const legato = s.rng.uniform(0.5, 2.5); // > 1: notes ring into each other
  let t = s.start;
  let i = 0;
  while (t < s.start + s.length) {
    const keys = chordKeys(s.tonic + s.rng.int(0, 11), s.rng.pick(CHORD_QUALITIES), s.low, s.high);
    const order = s.rng.pick(['up', 'down', 'updown'] as const);
    const seq = order === 'up' ? keys : order === 'down' ? [...keys].reverse() : [...keys, ...keys.slice(0, -1).reverse().slice(0, -1)];
    if (seq.length === 0) t += step; // cannot happen for a >= 1-octave band; never loop forever
    for (const k of seq) {
      if (t >= s.start + s.length) break;
      s.emit(t, step * legato, k, s.velocity(i++));
      t += step;
    }
  }
}

/** Block chords of 1-10 notes (two hands), each held 1-4 beats. */
function blockChords(s: Segment): void {
  let t = s.start;
  let i = 0;
  while (t < s.start + s.length) {
    const size = s.rng.int(1, 10);
    const pool = s.rng.chance(0.6) ? chordKeys(s.tonic + s.rng.int(0, 11), s.rng.pick(CHORD_QUALITIES), s.low - 12, s.high + 12) : modeKeys(s, s.low - 12, s.high + 12);
    const chosen = new Set<number>();
    for (let n = 0; n < size * 3 && chosen.size < size; n++) chosen.add(s.rng.pick(pool));
    const hold = s.beat * s.rng.pick([0.5, 1, 2, 3, 4]);
    const vel = s.velocity(i++);
    for (const k of chosen) s.emit(t + s.rng.uniform(0, 0.01), hold * s.rng.uniform(0.5, 1.05), k, vel + s.rng.normal(0, 5));
    t += hold;
  }
}

/** Repeated notes (single key, octave or third), 50-250 ms apart: the re-attacks models miss. */
function repeatedNotes(s: Segment): void {
  let t = s.start;
  let i = 0;
  while (t < s.start + s.length) {
    const key = s.rng.int(s.low, s.high);
    const partner = s.rng.weighted([[3, 0], [1, 12], [1, 4], [1, 3]] as const);
    const gap = s.rng.uniform(0.05, 0.25);
    const count = s.rng.int(3, 16);
    const fill = s.rng.uniform(0.3, 0.85);
    for (let n = 0; n < count && t < s.start + s.length; n++, t += gap) {
      const v = s.velocity(i++);
      s.emit(t, gap * fill, key, v);
      if (partner) s.emit(t, gap * fill, key + partner, v);
    }
    t += s.rng.uniform(0, 0.3);
  }
}

/** A melody (random walk on the mode) over Alberti bass, block chords or a walking bass. */
function melodyOverAccompaniment(s: Segment): void {
  const split = clamp(Math.round((s.low + s.high) / 2), PIANO_LOW + 12, PIANO_HIGH - 12);
  const melodyKeys = modeKeys(s, split, Math.min(PIANO_HIGH, split + 24));
  const bassLow = Math.max(PIANO_LOW, split - s.rng.int(12, 36));
  const style = s.rng.pick(['alberti', 'chords', 'walking'] as const);
  // Melody: loud, varied rhythm.
  let t = s.start;
  let idx = s.rng.int(0, melodyKeys.length - 1);
  let i = 0;
  while (t < s.start + s.length) {
    const dur = s.beat * s.rng.pick([0.25, 0.5, 0.5, 1, 1, 1.5, 2]);
    idx = clamp(idx + s.rng.int(-3, 3), 0, melodyKeys.length - 1);
    if (!s.rng.chance(0.1)) s.emit(t, dur * s.rng.uniform(0.7, 1.05), melodyKeys[idx]!, s.velocity(i++) + 10);
    t += dur;
  }
  // Accompaniment: softer, in the lower register.
  t = s.start;
  while (t < s.start + s.length) {
    const chord = chordKeys(s.tonic + s.rng.pick([0, 5, 7, 9, 2]), s.rng.pick(CHORD_QUALITIES), bassLow, split - 1).slice(0, 4);
    if (chord.length === 0) break;
    const bar = s.beat * 4;
    const vel = s.velocity(i++) - 15;
    if (style === 'chords') {
      for (const k of chord) s.emit(t, bar * 0.95, k, vel);
    } else if (style === 'alberti') {
      const order = [0, chord.length - 1, Math.min(1, chord.length - 1), chord.length - 1];
      for (let n = 0; n < 8; n++) s.emit(t + (n * bar) / 8, bar / 8, chord[order[n % 4]!]!, vel);
    } else {
      for (let n = 0; n < 4; n++) s.emit(t + n * s.beat, s.beat * 0.9, chord[s.rng.int(0, chord.length - 1)]! - (s.rng.chance(0.5) ? 12 : 0), vel);
    }
    t += bar;
  }
}

/** Long notes (1-5 s) entering every 0.15-1 s and ringing into each other, as with the pedal down. */
function sustainedOverlapping(s: Segment): void {
  let t = s.start;
  let i = 0;
  const keys = modeKeys(s, s.low - 12, s.high + 12);
  while (t < s.start + s.length) {
    s.emit(t, s.rng.uniform(1, 5), s.rng.pick(keys), s.velocity(i++));
    t += s.rng.uniform(0.15, 1);
  }
}

/** Notes anywhere on the 88 keys, extremes included, with random lengths and loudness. */
function scattered(s: Segment): void {
  let t = s.start;
  while (t < s.start + s.length) {
    const n = s.rng.weighted([[4, 1], [2, 2], [1, 3]] as const);
    for (let j = 0; j < n; j++) s.emit(t, s.rng.uniform(0.05, 2), s.rng.int(PIANO_LOW, PIANO_HIGH), s.rng.uniform(MIN_VELOCITY, MAX_VELOCITY));
    t += s.rng.uniform(0.08, 0.8);
  }
}

/**
 * One key cannot sound twice at once: a note that is still held when its key is
 * struck again is released REATTACK_GAP before the new onset (as a pianist's
 * re-attack); a re-attack too close to keep both is dropped.
 */
export function separateReattacks(notes: Note[]): Note[] {
  sortNotes(notes);
  const last = new Map<number, Note>();
  const kept: Note[] = [];
  for (const n of notes) {
    const prev = last.get(n.pitch);
    if (prev && n.onset < prev.offset + REATTACK_GAP) {
      if (n.onset - REATTACK_GAP - prev.onset < MIN_DURATION) continue;
      prev.offset = n.onset - REATTACK_GAP;
    }
    last.set(n.pitch, n);
    kept.push(n);
  }
  return kept;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
