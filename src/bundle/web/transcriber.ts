/// <reference lib="dom" />
/**
 * The web bundle's ES module (`audio-to-midi-web.js`, built by src/bundle/web.ts):
 * `createTranscriber({ tf })` -> `transcribe(audio)` -> notes + MIDI, in the browser.
 *
 * It runs the pipeline of `a2m transcribe` from the SAME sources: Web Audio
 * decodes and resamples to 16 kHz, src/audio/normalize.ts (whole-input RMS),
 * src/audio/window.ts (5 s windows, cross-fade stitching), the tfjs graph model,
 * src/infer/events.ts (notes, with the thresholds of Audio2Midi.json) and
 * src/infer/midi-out.ts (the MIDI file). The demo page (app.ts) is one user of it.
 *
 * tfjs is not bundled: the app passes its own `@tensorflow/tfjs` (one copy of
 * tfjs per page, the app's choice of backend).
 */
import type * as Tfjs from '@tensorflow/tfjs';
import type * as Api from './audio-to-midi-web.js';
import { LevelMeter, normalizationGain, applyGain } from '../../audio/normalize.js';
import { SAMPLE_RATE, frameCount, sliceWindow, stitch, windowCount } from '../../audio/window.js';
import { extractNotes, type EventThresholds } from '../../infer/events.js';
import { notesToMidi } from '../../infer/midi-out.js';
import type { Note } from '../../types.js';
import type { AppContract } from '../contract.js';

// The published types and the pipeline's own must stay the same shape (a drift fails the typecheck).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const notesMatch: Same<Api.Note, Note> = true;
const thresholdsMatch: Same<Api.Thresholds, EventThresholds> = true;
void notesMatch; void thresholdsMatch;

type Channels = [Float32Array, Float32Array];

/** Web Audio resamples to its context's rate: an OfflineAudioContext at 16 kHz does the resampling. */
async function decodeEncoded(bytes: ArrayBuffer): Promise<AudioBuffer> {
  return new OfflineAudioContext(2, 1, SAMPLE_RATE).decodeAudioData(bytes);
}

/** PCM at another rate, resampled by rendering it through an OfflineAudioContext at 16 kHz. */
async function resample(pcm: Api.Pcm): Promise<AudioBuffer> {
  const length = pcm.channels[0]!.length;
  const ctx = new OfflineAudioContext(pcm.channels.length, Math.max(1, Math.ceil((length * SAMPLE_RATE) / pcm.sampleRate)), SAMPLE_RATE);
  const source = ctx.createBufferSource();
  source.buffer = new AudioBuffer({ numberOfChannels: pcm.channels.length, length, sampleRate: pcm.sampleRate });
  pcm.channels.forEach((c, i) => source.buffer!.copyToChannel(c as Float32Array<ArrayBuffer>, i));
  source.connect(ctx.destination);
  source.start();
  return ctx.startRendering();
}

/**
 * Two channels, folded as src/audio/decode.ts does: mono is used for both; surround
 * (Web Audio order L, R, C, ...) keeps the front pair plus the centre; quad has no centre.
 */
function foldChannels(get: (i: number) => Float32Array, count: number): Channels {
  const ch = (i: number) => Float32Array.from(get(Math.min(i, count - 1)));
  const out: Channels = [ch(0), ch(1)];
  if (count > 2 && count !== 4) {
    const c = get(2);
    for (let i = 0; i < out[0].length; i++) { out[0][i]! += c[i]!; out[1][i]! += c[i]!; }
  }
  return out;
}

function isPcm(a: Api.AudioInput): a is Api.Pcm {
  return typeof a === 'object' && a !== null && 'channels' in a && 'sampleRate' in a;
}

/** Any accepted input -> two 16 kHz channels (copies: the caller's arrays are never modified). */
async function toChannels(audio: Api.AudioInput): Promise<Channels> {
  if (isPcm(audio)) {
    const n = audio.channels.length;
    if (n < 1 || n > 2) throw new Error(`PCM input: ${n} channels (expected 1 or 2)`);
    if (!(audio.sampleRate > 0)) throw new Error(`PCM input: sample rate ${audio.sampleRate} (expected a positive number of Hz)`);
    if (audio.channels.some((c) => c.length !== audio.channels[0]!.length)) throw new Error('PCM input: channels differ in length');
    if (audio.sampleRate === SAMPLE_RATE) return foldChannels((i) => audio.channels[i]!, n);
    const buf = await resample(audio);
    return foldChannels((i) => buf.getChannelData(i), buf.numberOfChannels);
  }
  const bytes = audio instanceof Blob ? await audio.arrayBuffer() : audio;
  const buf = await decodeEncoded(bytes);
  return foldChannels((i) => buf.getChannelData(i), buf.numberOfChannels);
}

/** Whole-input level, measured in 1 s chunks like the Node decoder's stream (the same float sums). */
function inputGain(channels: Channels): number {
  const meter = new LevelMeter();
  for (let s = 0; s < channels[0].length; s += SAMPLE_RATE) meter.push(channels.map((c) => c.subarray(s, s + SAMPLE_RATE)));
  return normalizationGain(meter.rms, meter.peak);
}

/** execute() runs graphs without control flow synchronously (ours); executeAsync is for the others. */
async function runModel(model: Tfjs.GraphModel, feeds: Tfjs.NamedTensorMap, names: string[]): Promise<Tfjs.Tensor[]> {
  try { return [model.execute(feeds, names)].flat(); } catch (e) {
    if (/executeAsync|dynamic/.test(String((e as Error).message))) return [await model.executeAsync(feeds, names)].flat();
    throw e;
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException(String(signal.reason ?? 'aborted'), 'AbortError');
}

export const createTranscriber: typeof Api.createTranscriber = async ({ tf: tfLike, baseUrl }) => {
  const tf = tfLike as unknown as typeof Tfjs;
  const base = new URL('./', baseUrl ?? import.meta.url);
  await tf.ready();
  const contractUrl = new URL('Audio2Midi.json', base);
  const response = await fetch(contractUrl);
  if (!response.ok) throw new Error(`${contractUrl.href}: HTTP ${response.status} (expected the bundle's Audio2Midi.json)`);
  const contract = (await response.json()) as AppContract;
  const model = await tf.loadGraphModel(new URL('model/model.json', base).href);
  const names = contract.outputs.map((o) => o.name);

  async function transcribe(audio: Api.AudioInput, options: Api.TranscribeOptions = {}): Promise<Api.Transcription> {
    const { signal, onProgress } = options;
    if (signal?.aborted) throw abortReason(signal);
    const channels = await toChannels(audio);
    const gain = inputGain(channels);
    applyGain(channels, gain);
    const samples = channels[0].length;
    const perWindow: Record<string, Float32Array[]> = Object.fromEntries(names.map((n) => [n, []]));
    const total = windowCount(samples);
    for (let i = 0; i < total; i++) {
      if (signal?.aborted) throw abortReason(signal);
      const [left, right] = sliceWindow(channels, i) as Channels;
      const data = new Float32Array(left.length * 2);
      data.set(left, 0);
      data.set(right, left.length);
      const x = tf.tensor(data, contract.input.shape);
      try {
        const outs = await runModel(model, { [contract.input.name]: x }, names);
        for (let k = 0; k < names.length; k++) perWindow[names[k]!]!.push((await outs[k]!.data()) as Float32Array);
        tf.dispose(outs);
      } finally { x.dispose(); }
      onProgress?.(i + 1, total);
    }
    const keys = contract.keys.count;
    const frames = frameCount(samples);
    const rolls = Object.fromEntries(names.map((name) => [name, stitch(perWindow[name]!, keys, frames)]));
    const thresholds = { ...contract.decoding.thresholds, ...options.thresholds };
    const notes = extractNotes({ frames: rolls.probs!, onsets: rolls.onset_probs, velocities: rolls.velocity, offsets: rolls.offset_probs, keys, fps: contract.frames.rate }, thresholds);
    const midi = notesToMidi(notes, { name: options.name ?? contract.name });
    return { notes, midi, rolls, frameRate: contract.frames.rate, seconds: samples / SAMPLE_RATE, gain };
  }

  return { contract, transcribe, dispose: () => model.dispose() };
};
