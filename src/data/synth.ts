/**
 * FluidSynth rendering: notes -> MIDI file -> fluidsynth (44.1 kHz float, so
 * its 64-sample event blocks quantise timing to 1.5 ms, not 4 ms at 16 kHz)
 * -> ffmpeg (EQ, resample to 16 kHz) -> planar stereo float32.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { SAMPLE_RATE } from '../types.js';
import { ffmpegBin, lastLine, runTool } from '../audio/ffmpeg.js';
import { deinterleave, interleave, type PlanarAudio } from '../audio/pcm.js';
import { PIANO_HIGH, PIANO_LOW, type Note } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { sortNotes } from './csv.js';
import { notesToMidi } from './midi.js';
import { applyFreeverb } from './reverb.js';
import { renderSalamander, salamanderIdentity, SALAMANDER } from './sampler.js';
import { detectOnsetNear, mid } from './onsets.js';

export const RENDER_RATE = SAMPLE_RATE;
/** FluidSynth's own rate: high enough that its block timing and sample interpolation stay clean. */
const SYNTH_RATE = 44100;
/** Seconds of silence rendered after the last release, so the tail is never cut (trimmed later). */
const TAIL_SECONDS = 2;

export interface Reverb {
  roomSize: number;
  damp: number;
  width: number;
  level: number;
  /** CC91 reverb send 0..127. */
  send: number;
}

export interface SynthSettings {
  soundfont: string;
  /** GM program: 0 acoustic grand, 1 bright acoustic, 2 electric grand. */
  program: number;
  /** null: reverb off. */
  reverb: Reverb | null;
  /** ffmpeg audio filters applied before resampling (EQ); empty for none. */
  filters: string[];
  /**
   * Velocity curve exponent (1 = none): notes are played at 127 * (v/127)^curve,
   * as pianos and players differ in how hard "velocity 64" is; the returned
   * notes keep the written velocity.
   */
  velocityCurve?: number;
}

export interface SynthResult {
  audio: PlanarAudio;
  /** The notes as written to MIDI (tick-quantised), not yet latency-corrected. */
  notes: Note[];
}

/**
 * Renders notes to 16 kHz planar stereo with a SoundFont (or the Salamander
 * sampler when `soundfont` is SALAMANDER). Temporary files live in a private
 * temp dir, removed afterwards.
 */
export async function synthesize(notes: readonly Note[], s: SynthSettings): Promise<SynthResult> {
  if (s.soundfont === SALAMANDER) return synthesizeSalamander(notes, s);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-synth-'));
  try {
    const midi = notesToMidi(notes, { program: s.program, reverbSend: s.reverb?.send ?? 0, chorusSend: 0, tailSeconds: TAIL_SECONDS, velocityCurve: s.velocityCurve });
    const midPath = path.join(dir, 'in.mid');
    const wavPath = path.join(dir, 'out.wav');
    await writeFile(midPath, midi.bytes);
    const r = await runTool('fluidsynth', fluidsynthArgs(s, wavPath, midPath));
    if (r.exitCode !== 0) throw new A2mError(`${s.soundfont}: fluidsynth failed: ${lastLine(r.stderr)}`);
    const filters = [...s.filters, `aresample=${RENDER_RATE}`].join(',');
    const f = await runTool(ffmpegBin(), ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', wavPath, '-af', filters, '-ac', '2', '-f', 'f32le', 'pipe:1']);
    if (f.exitCode !== 0) throw new A2mError(`${wavPath}: ffmpeg could not read fluidsynth's output: ${lastLine(f.stderr)}`);
    return { audio: { channels: deinterleave(f.stdout, 2), sampleRate: RENDER_RATE }, notes: midi.notes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The sampler path: JS mixing at 16 kHz, JS Freeverb, then ffmpeg for the EQ. */
async function synthesizeSalamander(notes: readonly Note[], s: SynthSettings): Promise<SynthResult> {
  // Velocities snap to MIDI steps as with a MIDI file; times are sample-accurate (< 32 µs).
  const snapped = sortNotes(notes.map((n) => ({ ...n, velocity: Math.min(127, Math.max(1, Math.round(n.velocity * 127))) / 127 })));
  const curve = s.velocityCurve ?? 1;
  const played = curve === 1 ? snapped : snapped.map((n) => ({ ...n, velocity: Math.max(1, Math.round(127 * n.velocity ** curve)) / 127 }));
  const channels = await renderSalamander(played, RENDER_RATE, TAIL_SECONDS);
  if (s.reverb) applyFreeverb(channels, RENDER_RATE, { ...s.reverb, level: s.reverb.level * (s.reverb.send / 127) });
  if (s.filters.length === 0) return { audio: { channels, sampleRate: RENDER_RATE }, notes: snapped };
  const f = await runTool(ffmpegBin(), [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'f32le', '-ar', String(RENDER_RATE), '-ac', '2', '-i', 'pipe:0',
    '-af', s.filters.join(','), '-f', 'f32le', 'pipe:1',
  ], { input: interleave(channels) });
  if (f.exitCode !== 0) throw new A2mError(`salamander: ffmpeg could not apply the EQ: ${lastLine(f.stderr)}`);
  return { audio: { channels: deinterleave(f.stdout, 2), sampleRate: RENDER_RATE }, notes: snapped };
}

function fluidsynthArgs(s: SynthSettings, wav: string, mid: string): string[] {
  const rv = s.reverb;
  return [
    '-ni', '-q', '-F', wav, '-T', 'wav', '-O', 'float', '-r', String(SYNTH_RATE),
    // Fixed synth gain: loudness is randomised afterwards, in float, where nothing clips.
    '-g', '0.5', '-C', '0', '-R', rv ? '1' : '0',
    '-o', 'synth.polyphony=512',
    // Load only the samples the piece's presets use: same audio (checked bit-exact), half the CPU on FluidR3's 148 MB.
    '-o', 'synth.dynamic-sample-loading=1',
    ...(rv ? ['-o', `synth.reverb.room-size=${rv.roomSize}`, '-o', `synth.reverb.damp=${rv.damp}`, '-o', `synth.reverb.width=${rv.width}`, '-o', `synth.reverb.level=${rv.level}`] : []),
    s.soundfont, mid,
  ];
}

/** Probe notes for latency: every key once, at a mid velocity (velocity moved onsets < 1 ms in trials). */
const PROBE_VELOCITY = 90;
/** Seconds between probes: long enough for the previous note's release to fade. */
const PROBE_SPACING = 1.0;
/** Detector threshold for probes: 5% of the rise finds where sound starts; 20% lagged up to 14 ms on bass notes. */
export const ONSET_FRACTION = 0.05;

export interface LatencyMeasurement {
  /** Per key (index = MIDI pitch - 21): detected onset - MIDI onset, seconds; add it to CSV onsets. */
  byPitch: number[];
  /** Median over keys (s): used for releases and for keys whose probe was not found. */
  median: number;
  /** Largest |byPitch - median| (s). */
  spread: number;
  /** Probe notes whose onset was found. */
  detected: number;
}

/**
 * Measures the renderer's onset latency for one SoundFont + program: renders
 * one isolated probe note per key, detects each onset by its energy rise, and
 * records (detected - MIDI onset) per key. Latency differs per key because
 * each SoundFont sample zone has its own attack (2.8-9.8 ms seen in trials), so
 * one constant would miss ±5 ms on some keys.
 */
export async function measureLatency(soundfont: string, program: number): Promise<LatencyMeasurement> {
  const probes: Note[] = [];
  for (let p = PIANO_LOW; p <= PIANO_HIGH; p++) {
    const t = 0.5 + (p - PIANO_LOW) * PROBE_SPACING;
    probes.push({ onset: t, offset: t + 0.2, pitch: p, velocity: PROBE_VELOCITY / 127 });
  }
  const { audio, notes } = await synthesize(probes, { soundfont, program, reverb: null, filters: [] });
  const x = mid(audio.channels[0]!, audio.channels[1]!);
  const found = notes.map((n) => {
    const t = detectOnsetNear(x, audio.sampleRate, n.onset, { before: 0.01, after: 0.1, fraction: ONSET_FRACTION });
    return t === null ? null : t - n.onset;
  });
  const deltas = found.filter((d): d is number => d !== null);
  if (deltas.length < probes.length / 2) {
    throw new A2mError(`${soundfont}: program ${program} rendered no clear onsets (${deltas.length}/${probes.length} probe notes found): is it a piano SoundFont?`);
  }
  const med = median(deltas);
  const byPitch = found.map((d) => d ?? med);
  return { byPitch, median: med, spread: Math.max(...deltas.map((d) => Math.abs(d - med))), detected: deltas.length };
}

/** Bump when the probe or detector changes, so cached measurements are redone. */
const LATENCY_CACHE_VERSION = 2;

/**
 * measureLatency, remembered on disk ($A2M_CACHE_DIR or ~/.cache/a2m) per
 * SoundFont path, size, mtime and program: the probe render costs ~1.5 s and
 * the answer only changes with the SoundFont.
 */
export async function measureLatencyCached(soundfont: string, program: number): Promise<LatencyMeasurement> {
  const identity = soundfont === SALAMANDER ? [salamanderIdentity()] : await stat(soundfont).then((st) => [path.resolve(soundfont), st.size, st.mtimeMs]);
  const key = createHash('sha256').update(JSON.stringify([LATENCY_CACHE_VERSION, ...identity, program, RENDER_RATE])).digest('hex').slice(0, 24);
  const file = path.join(cacheRoot(), 'latency', `${key}.json`);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LatencyMeasurement;
  } catch {
    const m = await measureLatency(soundfont, program);
    await writeFileAtomic(file, JSON.stringify(m)).catch(() => {}); // a read-only cache only costs time
    return m;
  }
}

export function cacheRoot(): string {
  return process.env.A2M_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'a2m');
}

/** Shifts notes by the measured latency so CSV times match the audio. */
export function applyLatency(notes: readonly Note[], lat: LatencyMeasurement): Note[] {
  return notes.map((n) => {
    const onset = n.onset + (lat.byPitch[n.pitch - PIANO_LOW] ?? lat.median);
    return { ...n, onset, offset: Math.max(onset, n.offset + lat.median) };
  });
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
