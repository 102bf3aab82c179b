/**
 * The golden inputs: fixed 5 s windows [1, 2, 80000] that every export is run
 * on. Rendered piano clips of different textures (fixed notes, FluidR3_GM and
 * TimGM6mb, no random effects), then the edge cases an app meets: silence, a
 * too-loud clipped recording, white noise. Everything is a pure function of
 * this file (no Math.random, no latency measurement), so two runs give the
 * same bytes on the same machine; the committed goldens store the samples, so
 * a different fluidsynth elsewhere never changes what verify compares.
 *
 * Level: the piano clips and the noise go through the same whole-file RMS
 * normalisation as inference (`rmsNormalize`, the clip is the file); silence
 * is left alone by it (peak <= 0.05). The clipped clip is NOT normalised: it is
 * the full-scale input an app that skips normalisation feeds, the stress case
 * for fp16 ranges.
 *
 * Batched cases (GOLDEN_BATCHES, #21): windows of the clips above stacked into
 * one [n, 2, 80000] input, so the canonical outputs come from the model at
 * batch n and verify runs every dynamic-batch artifact at that batch in one call.
 */
import { rmsNormalize } from '../audio/normalize.js';
import { A2mError } from '../errors.js';
import { renderNotes, type RenderSettings } from '../data/render.js';
import { createRng } from '../data/random.js';
import type { LatencyMeasurement } from '../data/synth.js';
import type { HostTensor } from '../ir/tensor.js';
import { CHANNELS, PIANO_HIGH, PIANO_LOW, WINDOW_SAMPLES, type Note } from '../types.js';

const FLUID_R3 = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
const TIMGM = '/usr/share/sounds/sf2/TimGM6mb.sf2';

/** Goldens need no onset-latency correction (no labels are written): a zero measurement skips the probe render. */
const PIANO_KEYS = PIANO_HIGH - PIANO_LOW + 1;
const ZERO_LATENCY: LatencyMeasurement = { byPitch: new Array<number>(PIANO_KEYS).fill(0), median: 0, spread: 0, detected: PIANO_KEYS };

export interface GoldenInput {
  name: string;
  description: string;
  /** [1, 2, 80000] float32, as the model sees it; [n, 2, 80000] for a batched case. */
  samples: HostTensor;
  /**
   * The inference normalisation: whether it was applied and the gain it chose (1 when skipped).
   * A batched case's rows keep their own cases' gains (see `rows`): its gain is 1, applied when any row's was.
   */
  normalization: { applied: boolean; gain: number };
  /** A batched case: the cases whose windows are its rows, in order. */
  rows?: string[];
  /** How a rendered clip was made (null for synthetic signals). */
  render: { soundfont: string; program: number; notes: number } | null;
}

interface ClipSpec {
  name: string;
  description: string;
  make(): Promise<{ channels: Float32Array[]; render: GoldenInput['render'] }>;
  /** Whole-file RMS normalisation as inference (false only for the clipped stress case). */
  normalize: boolean;
}

// ---- fixed note lists: times in seconds inside the 5 s window --------------------

const note = (onset: number, dur: number, pitch: number, vel: number): Note => ({ onset, offset: onset + dur, pitch, velocity: vel / 127 });

/** A one-line melody around C5 in eighths, with a repeated note (re-attacks) and a held last note. */
function melody(): Note[] {
  const line = [72, 74, 76, 76, 76, 77, 79, 77, 76, 74, 72, 71, 72, 79, 84];
  return line.map((p, i) => note(0.1 + i * 0.28, i === line.length - 1 ? 0.6 : 0.24, p, 70 + ((i * 7) % 30)));
}

/** Block chords with an octave bass: I-vi-IV-V in C, one per second. */
function chords(): Note[] {
  const prog = [[48, 60, 64, 67, 72], [45, 57, 60, 64, 69], [41, 53, 57, 60, 65], [43, 55, 59, 62, 67]];
  return prog.flatMap((ch, i) => ch.map((p, j) => note(0.1 + i * 1.1, 0.95, p, 60 + j * 8)));
}

/** Fast scale runs (sixteenths) up and down two octaves with a crescendo. */
function runs(): Note[] {
  const scale = [0, 2, 4, 5, 7, 9, 11];
  const up = Array.from({ length: 15 }, (_, i) => 60 + 12 * Math.floor(i / 7) + scale[i % 7]!);
  const seq = [...up, ...up.slice(0, -1).reverse()];
  return seq.map((p, i) => note(0.1 + i * 0.15, 0.13, p, 40 + Math.round((i / seq.length) * 80)));
}

/** The keyboard's extremes: deep bass (A0..C2) under high treble (C6..C8), soft and loud. */
function extremes(): Note[] {
  const bass = [21, 28, 33, 36].map((p, i) => note(0.1 + i * 1.1, 1.0, p, 110));
  const treble = [84, 96, 91, 103, 108, 98, 89, 100].map((p, i) => note(0.3 + i * 0.55, 0.3, p, i % 2 ? 25 : 100));
  return [...bass, ...treble];
}

async function rendered(notes: Note[], soundfont: string, program: number) {
  const settings: RenderSettings = { soundfont, program, reverb: null, eq: { tiltDb: 0, peak: null }, peakDb: -3, noise: null, codec: null };
  const r = await renderNotes(notes, settings, ZERO_LATENCY);
  return { channels: r.audio.channels.map(toWindow), render: { soundfont: soundfont.split('/').pop()!, program, notes: notes.length } };
}

/** The first 5 s of a channel, zero-padded. */
function toWindow(ch: Float32Array): Float32Array {
  const w = new Float32Array(WINDOW_SAMPLES);
  w.set(ch.subarray(0, WINDOW_SAMPLES));
  return w;
}

/** Seeded Gaussian white noise, independent per channel. */
function whiteNoise(seed: number): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: CHANNELS }, () => Float32Array.from({ length: WINDOW_SAMPLES }, () => rng.normal(0, 0.3)));
}

/** Hard clipping at full scale, as a too-hot recording decodes. */
function clip(channels: Float32Array[], gain: number): Float32Array[] {
  return channels.map((ch) => ch.map((v) => Math.max(-1, Math.min(1, v * gain))));
}

/** The golden set, in order. Renaming or reordering one changes every golden: bump GOLDEN_VERSION in golden.ts. */
export const GOLDEN_CLIPS: readonly ClipSpec[] = [
  { name: 'melody', description: 'single-line melody with repeated notes (FluidR3_GM grand)', normalize: true, make: () => rendered(melody(), FLUID_R3, 0) },
  { name: 'chords', description: 'block chords with octave bass (TimGM6mb grand)', normalize: true, make: () => rendered(chords(), TIMGM, 0) },
  { name: 'runs', description: 'fast scale runs with a crescendo (FluidR3_GM bright grand)', normalize: true, make: () => rendered(runs(), FLUID_R3, 1) },
  { name: 'extremes', description: 'deep bass under high treble, soft and loud (TimGM6mb grand)', normalize: true, make: () => rendered(extremes(), TIMGM, 0) },
  { name: 'silence', description: 'digital silence (normalisation skips it)', normalize: true, make: async () => ({ channels: [new Float32Array(WINDOW_SAMPLES), new Float32Array(WINDOW_SAMPLES)], render: null }) },
  {
    name: 'loud-clipped', description: 'the chords 24 dB too hot, hard-clipped at +-1, not normalised (full-scale stress case)', normalize: false,
    make: async () => { const r = await rendered(chords(), FLUID_R3, 0); return { channels: clip(r.channels, 10 ** (24 / 20)), render: r.render }; },
  },
  { name: 'white-noise', description: 'seeded Gaussian white noise', normalize: true, make: async () => ({ channels: whiteNoise(0x601de), render: null }) },
];

/**
 * Batched golden cases, after the clips (changing them changes the goldens: bump
 * GOLDEN_VERSION). Three windows: an odd size that is no power of two, as
 * verify's batch parity picks, and different textures so a kernel that mixes
 * rows shows.
 */
export const GOLDEN_BATCHES: readonly { name: string; description: string; rows: readonly string[] }[] = [
  { name: 'batch-3', description: 'melody, chords and runs as one batch of 3 windows (the canonical model and every dynamic-batch export at batch 3)', rows: ['melody', 'chords', 'runs'] },
];

const CASE_NAMES = [...GOLDEN_CLIPS.map((c) => c.name), ...GOLDEN_BATCHES.map((b) => b.name)];

/**
 * Renders the golden inputs (fluidsynth + ffmpeg for the piano clips; a few
 * seconds), all of them or the named ones (quick checks and tests). A batched
 * case renders the clips it stacks, whether or not they are named themselves.
 */
export async function goldenInputs(only?: readonly string[]): Promise<GoldenInput[]> {
  const unknown = only?.filter((n) => !CASE_NAMES.includes(n)) ?? [];
  if (unknown.length) throw new A2mError(`unknown golden case(s) ${unknown.join(', ')} (expected: ${CASE_NAMES.join(', ')})`);
  const batches = GOLDEN_BATCHES.filter((b) => !only || only.includes(b.name));
  const clips = await renderClips(GOLDEN_CLIPS.filter((c) => !only || only.includes(c.name) || batches.some((b) => b.rows.includes(c.name))));
  const out = clips.filter((c) => !only || only.includes(c.name));
  for (const b of batches) {
    const rows = b.rows.map((name) => clips.find((c) => c.name === name)!);
    const per = CHANNELS * WINDOW_SAMPLES, data = new Float32Array(rows.length * per);
    rows.forEach((r, i) => data.set(r.samples.data, i * per));
    out.push({
      name: b.name, description: b.description, render: null, rows: [...b.rows],
      samples: { shape: [rows.length, CHANNELS, WINDOW_SAMPLES], data },
      normalization: { applied: rows.some((r) => r.normalization.applied), gain: 1 },
    });
  }
  return out;
}

async function renderClips(specs: readonly ClipSpec[]): Promise<GoldenInput[]> {
  const out: GoldenInput[] = [];
  for (const spec of specs) {
    const { channels, render } = await spec.make();
    const gain = spec.normalize ? rmsNormalize(channels) : 1;
    const data = new Float32Array(CHANNELS * WINDOW_SAMPLES);
    channels.forEach((ch, c) => data.set(ch, c * WINDOW_SAMPLES));
    out.push({
      name: spec.name, description: spec.description, render,
      samples: { shape: [1, CHANNELS, WINDOW_SAMPLES], data },
      normalization: { applied: spec.normalize && gain !== 1, gain },
    });
  }
  return out;
}
