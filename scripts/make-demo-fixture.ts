/**
 * Re-creates fixtures/demo/: a 24 s piano piece, a melody over chords at
 * 100 bpm in G major, written here from a fixed seed and rendered by the
 * project's own renderer (`renderNotes`) with FluidR3_GM, one of the training
 * timbres DESIGN.md allows. Its CSV holds the notes as they sound in the audio
 * (latency-corrected exactly as every dataset piece is).
 *   npx tsx scripts/make-demo-fixture.ts [--out fixtures/demo]
 * Deterministic: the same seed gives the same notes (the FLAC also depends on
 * the installed FluidSynth / SoundFont / ffmpeg). None of its notes come from
 * the procedural generator, so the piece is in neither data/train nor data/val.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeAudioFile } from '../src/audio/pcm.js';
import { writeCsv } from '../src/data/csv.js';
import { separateReattacks } from '../src/data/procedural.js';
import { createRng, type Rng } from '../src/data/random.js';
import { DEFAULT_SOUNDFONTS, checkSoundfonts, renderNotes, type RenderSettings } from '../src/data/render.js';
import { projectRoot } from '../src/util/paths.js';
import type { Note } from '../src/types.js';

const SEED = 20250;
const DEMO_NAME = 'melody-over-chords';

const BPM = 100;
const BEAT = 60 / BPM;
const BAR = 4 * BEAT;
/** Silence before the first note (s): a recording rarely starts on a note. */
const LEAD_IN = 0.4;
/** G major: tonic G2 (MIDI 43) and the scale's semitone steps. */
const TONIC = 43;
const MAJOR = [0, 2, 4, 5, 7, 9, 11];
/** Range of the right-hand melody (G4..D6) and of the left hand (below it). */
const MELODY_LOW = 67, MELODY_HIGH = 86;

/** One bar each: the chord (scale degree, 1-based), how the left hand plays it, the melody's rhythm in beats. */
const BARS: readonly { degree: number; left: keyof typeof LEFT_HAND; rhythm: readonly number[] }[] = [
  { degree: 1, left: 'block', rhythm: [1, 1, 1, 1] },
  { degree: 6, left: 'alberti', rhythm: [1, 0.5, 0.5, 1, 1] },
  { degree: 4, left: 'alberti', rhythm: [1.5, 0.5, 2] },
  { degree: 5, left: 'broken', rhythm: [0.5, 0.5, 0.5, 0.5, 1, 1] },
  { degree: 1, left: 'block', rhythm: [1, 1, 0.5, 0.5, 1] },
  { degree: 3, left: 'alberti', rhythm: [2, 1, 1] },
  { degree: 4, left: 'broken', rhythm: [1, 0.5, 0.5, 0.5, 0.5, 1] },
  { degree: 2, left: 'alberti', rhythm: [1, 1, 1, 1] },
  { degree: 5, left: 'block', rhythm: [1.5, 0.5, 1, 1] },
  { degree: 1, left: 'final', rhythm: [4] },
];

/** MIDI key of scale step `step` (0 = tonic G2; 7 = G3; negative goes down). */
function scaleKey(step: number): number {
  const octave = Math.floor(step / 7);
  return TONIC + 12 * octave + MAJOR[((step % 7) + 7) % 7]!;
}

/** The triad on `degree` as scale steps from the tonic: root, third, fifth. */
const triad = (degree: number): number[] => [degree - 1, degree + 1, degree + 3];

type Play = (key: number, beat: number, beats: number, velocity: number) => void;

/** A chord tone voiced below the melody (E3..F#4). */
function chordKey(step: number): number {
  let k = scaleKey(step + 7);
  while (k >= MELODY_LOW - 2) k -= 12;
  return k;
}
/** The chord's root in the bass octave (C2..B2), clear of the chord tones above it. */
function bassKey(step: number): number {
  const k = scaleKey(step);
  return k >= 48 ? k - 12 : k;
}

/** Left-hand patterns for one bar of a triad (scale steps of root, third, fifth). */
const LEFT_HAND = {
  /** Bass root + close chord, twice per bar (half notes). */
  block(chord: number[], play: Play, vel: number) {
    for (const b of [0, 2]) {
      play(bassKey(chord[0]!), b, 1.9, vel + 4);
      for (const s of chord) play(chordKey(s), b, 1.9, vel);
    }
  },
  /** Alberti bass in eighths: root, fifth, third, fifth. */
  alberti(chord: number[], play: Play, vel: number) {
    const order = [chord[0]!, chord[2]!, chord[1]!, chord[2]!];
    for (let i = 0; i < 8; i++) play(chordKey(order[i % 4]!), i / 2, 0.45, vel - (i % 2 ? 6 : 0));
  },
  /** Low root on the beat, then the chord broken upwards in quarters. */
  broken(chord: number[], play: Play, vel: number) {
    play(bassKey(chord[0]!), 0, 0.95, vel + 4);
    chord.forEach((s, i) => play(chordKey(s), i + 1, 0.95, vel));
  },
  /** The closing chord, held for the bar. */
  final(chord: number[], play: Play, vel: number) {
    play(bassKey(chord[0]!), 0, 3.8, vel + 4);
    for (const s of chord) play(chordKey(s), 0, 3.8, vel);
  },
};

/** Scale steps of the melody's range. */
const MELODY_STEPS = Array.from({ length: 56 }, (_, s) => s).filter((s) => scaleKey(s) >= MELODY_LOW && scaleKey(s) <= MELODY_HIGH);

/** Next melody step: a chord tone near the last one on strong beats, a step or leap of up to a third otherwise. */
function nextMelodyStep(rng: Rng, last: number, chord: number[], strong: boolean): number {
  const candidates = strong
    ? MELODY_STEPS.filter((s) => chord.some((c) => (((s - c) % 7) + 7) % 7 === 0) && Math.abs(s - last) <= 4)
    : MELODY_STEPS.filter((s) => s !== last && Math.abs(s - last) <= 2);
  return candidates.length ? rng.pick(candidates) : last;
}

/** The piece's notes, in seconds (before rendering). */
function composeDemo(seed = SEED): Note[] {
  const rng = createRng(seed);
  const notes: Note[] = [];
  const jitter = () => rng.normal(0, 0.008); // human timing, ~8 ms
  const emit = (start: number): Play => (key, beat, beats, velocity) => {
    const onset = Math.max(0, start + beat * BEAT + jitter());
    notes.push({ onset, offset: onset + beats * BEAT, pitch: key, velocity: Math.round(Math.min(127, Math.max(20, velocity))) / 127 });
  };
  let melody = MELODY_STEPS[Math.floor(MELODY_STEPS.length / 2)]!;
  BARS.forEach((bar, i) => {
    const start = LEAD_IN + i * BAR;
    const chord = triad(bar.degree);
    const play = emit(start);
    // Dynamics: a phrase arch over each 4-bar phrase, melody above the accompaniment.
    const arch = 10 * Math.sin((Math.PI * ((i % 4) + 0.5)) / 4);
    LEFT_HAND[bar.left](chord, (k, b, n, v) => play(k, b, n, v + rng.normal(0, 3)), 54 + arch / 2);
    let beat = 0;
    for (const beats of bar.rhythm) {
      melody = nextMelodyStep(rng, melody, chord, beat % 2 === 0);
      play(scaleKey(melody), beat, beats * 0.92, 80 + arch + rng.normal(0, 5));
      beat += beats;
    }
  });
  return separateReattacks(notes);
}

/** How the demo sounds: a training SoundFont, the acoustic grand, a little room; no noise or codec. */
const DEMO_SETTINGS: RenderSettings = {
  soundfont: DEFAULT_SOUNDFONTS[0]!, // FluidR3_GM.sf2
  program: 0,
  reverb: { roomSize: 0.4, damp: 0.5, width: 0.8, level: 0.5, send: 50 },
  eq: { tiltDb: 0, peak: null },
  peakDb: -12,
  noise: null,
  codec: null,
  velocityCurve: 1,
};

{
  const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(projectRoot, 'fixtures', 'demo') } } });
  const out = values.out!;
  checkSoundfonts([DEMO_SETTINGS.soundfont]);
  const r = await renderNotes(composeDemo(), DEMO_SETTINGS);
  const flac = path.join(out, `${DEMO_NAME}.flac`);
  await writeAudioFile(flac, r.audio);
  await writeCsv(path.join(out, `${DEMO_NAME}.csv`), r.notes, [
    `${DEMO_NAME}: melody over chords, ${BPM} bpm, G major (scripts/make-demo-fixture.ts, seed ${SEED})`,
    `timbre: ${path.basename(DEMO_SETTINGS.soundfont)} program ${DEMO_SETTINGS.program}; reverb room 0.4; peak ${DEMO_SETTINGS.peakDb} dBFS; no noise, no codec`,
    `onset latency corrected: median ${(r.latency.median * 1000).toFixed(2)} ms`,
    'time,duration,key,velocity',
  ]);
  const seconds = r.audio.channels[0]!.length / r.audio.sampleRate;
  console.log(`${flac}: ${seconds.toFixed(1)} s, ${r.notes.length} notes (+ ${DEMO_NAME}.csv)`);
}
