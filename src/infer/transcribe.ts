/**
 * Audio file -> notes: streaming decode (twice: level, then windows, so memory
 * holds one window batch rather than the file), whole-file RMS normalisation,
 * 5 s windows with 0.5 s overlap, the model, the seed's cross-fade stitching,
 * event extraction with the model card's thresholds.
 */
import { decodeStream } from '../audio/decode.js';
import { LevelMeter, normalizationGain } from '../audio/normalize.js';
import { windowStream, stitch, frameCount } from '../audio/window.js';
import { extractNotes, type EventThresholds } from './events.js';
import type { WindowRunner } from './backends.js';
import type { Note } from '../types.js';

export interface Rolls { frames: Float32Array; onsets?: Float32Array; velocities?: Float32Array }

export interface Transcription {
  file: string;
  notes: Note[];
  rolls: Rolls;
  seconds: number;
  gain: number;
  timing: { decodeSeconds: number; modelSeconds: number; totalSeconds: number };
}

export interface TranscribeOptions {
  thresholds?: Partial<EventThresholds>;
  keys?: number;
  onWindow?: (done: number) => void;
}

export async function transcribeFile(file: string, runner: WindowRunner, opts: TranscribeOptions = {}): Promise<Transcription> {
  const t0 = performance.now();
  const keys = opts.keys ?? 90;
  // Pass 1: level (whole-file normalisation needs it before the first window).
  const meter = new LevelMeter();
  let samples = 0;
  for await (const c of decodeStream(file)) { meter.push(c.channels); samples += c.channels[0].length; }
  const gain = normalizationGain(meter.rms, meter.peak);
  const tDecoded = performance.now();
  // Pass 2: windows -> model in batches.
  const per = 2 * 80000;
  const batch = new Float32Array(runner.batch * per);
  const outs: Record<string, Float32Array[]> = {};
  let n = 0, done = 0, modelMs = 0;
  const flush = async () => {
    if (!n) return;
    const t = performance.now();
    const r = await runner.run(batch, n);
    modelMs += performance.now() - t;
    const win = 250 * keys;
    for (const [k, v] of Object.entries(r)) for (let i = 0; i < n; i++) (outs[k] ??= []).push(v.slice(i * win, (i + 1) * win));
    done += n; n = 0;
    opts.onWindow?.(done);
  };
  for await (const w of windowStream(decodeStream(file), gain)) {
    batch.set(w[0]!, n * per);
    batch.set(w[1]!, n * per + 80000);
    if (++n === runner.batch) await flush();
  }
  await flush();
  const total = frameCount(samples);
  const rolls: Rolls = { frames: stitch(outs.probs!, keys, total) };
  if (outs.onset_probs) rolls.onsets = stitch(outs.onset_probs, keys, total);
  if (outs.velocity) rolls.velocities = stitch(outs.velocity, keys, total);
  const notes = extractNotes({ frames: rolls.frames, onsets: rolls.onsets, velocities: rolls.velocities, keys }, opts.thresholds ?? {});
  const tEnd = performance.now();
  return {
    file, notes, rolls, seconds: samples / 16000, gain,
    timing: { decodeSeconds: (tDecoded - t0) / 1000, modelSeconds: modelMs / 1000, totalSeconds: (tEnd - t0) / 1000 },
  };
}
