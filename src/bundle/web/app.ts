/// <reference lib="dom" />
/**
 * The web bundle's demo page (bundled by src/bundle/web.ts with esbuild into
 * app.js). It runs the pipeline of `a2m transcribe` in the browser from the
 * SAME sources: Web Audio decodes and resamples to 16 kHz, then
 * src/audio/normalize.ts (whole-file RMS), src/audio/window.ts (5 s windows,
 * cross-fade stitching), the tfjs graph model on @tensorflow/tfjs (tf.min.js,
 * loaded by index.html), src/infer/events.ts (notes, with the thresholds from
 * Audio2Midi.json) and src/infer/midi-out.ts (the MIDI file).
 *
 * Query parameters: `backend` (webgl | wasm | cpu; default: tfjs's choice, in that order of preference).
 * For tests the page records its state on <body data-state="loading|ready|working|done|error" data-notes="N">
 * and exposes the last result as `window.a2m`.
 */
import type * as Tfjs from '@tensorflow/tfjs';
import { LevelMeter, normalizationGain, applyGain } from '../../audio/normalize.js';
import { SAMPLE_RATE, frameCount, sliceWindow, stitch, windowCount } from '../../audio/window.js';
import { extractNotes } from '../../infer/events.js';
import { notesToMidi } from '../../infer/midi-out.js';
import type { Note } from '../../types.js';
import type { AppContract } from '../contract.js';
import { drawPianoRoll } from './roll.js';

/** tf.min.js defines `tf`; tf-backend-wasm.min.js adds `tf.wasm`. */
declare const tf: typeof Tfjs & { wasm?: { setWasmPaths(prefix: string): void } };

interface Result { file: string; notes: Note[]; rolls: Record<string, Float32Array>; gain: number; frames: number; seconds: number; backend: string; midi: Uint8Array; timing: { decode: number; model: number } }
declare global { interface Window { a2m?: Result } }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const setState = (state: string, message: string) => {
  document.body.dataset.state = state;
  $('status').textContent = message;
};

/** Web Audio: decode (any format the browser reads) resampled to 16 kHz, folded to two channels as src/audio/decode.ts does. */
async function decodeAudio(bytes: ArrayBuffer): Promise<[Float32Array, Float32Array]> {
  // decodeAudioData resamples to its context's rate: an OfflineAudioContext at 16 kHz does the resampling.
  const ctx = new OfflineAudioContext(2, 1, SAMPLE_RATE);
  const buf = await ctx.decodeAudioData(bytes);
  const ch = (i: number) => buf.getChannelData(Math.min(i, buf.numberOfChannels - 1));
  if (buf.numberOfChannels <= 2) return [Float32Array.from(ch(0)), Float32Array.from(ch(1))];
  // Surround (Web Audio order L, R, C, ...): keep the front pair plus the centre; quad has no centre.
  const [l, r] = [Float32Array.from(ch(0)), Float32Array.from(ch(1))];
  if (buf.numberOfChannels !== 4) { const c = ch(2); for (let i = 0; i < l.length; i++) { l[i]! += c[i]!; r[i]! += c[i]!; } }
  return [l, r];
}

/** Whole-file level, measured in 1 s chunks like the Node decoder's stream (the same float sums). */
function fileGain(channels: [Float32Array, Float32Array]): number {
  const meter = new LevelMeter();
  for (let s = 0; s < channels[0].length; s += SAMPLE_RATE) {
    meter.push(channels.map((c) => c.subarray(s, s + SAMPLE_RATE)));
  }
  return normalizationGain(meter.rms, meter.peak);
}

/** execute() runs graphs without control flow synchronously (ours); executeAsync is for the others. */
function run(model: Tfjs.GraphModel, feeds: Tfjs.NamedTensorMap, names: string[]): Tfjs.Tensor | Tfjs.Tensor[] | Promise<Tfjs.Tensor | Tfjs.Tensor[]> {
  try { return model.execute(feeds, names); } catch (e) {
    if (/executeAsync|dynamic/.test(String((e as Error).message))) return model.executeAsync(feeds, names);
    throw e;
  }
}

async function transcribe(model: Tfjs.GraphModel, contract: AppContract, file: File): Promise<Result> {
  const t0 = performance.now();
  const channels = await decodeAudio(await file.arrayBuffer());
  const gain = fileGain(channels);
  applyGain(channels, gain);
  const t1 = performance.now();
  const samples = channels[0].length;
  const names = contract.outputs.map((o) => o.name);
  const perWindow: Record<string, Float32Array[]> = Object.fromEntries(names.map((n) => [n, []]));
  const n = windowCount(samples);
  for (let i = 0; i < n; i++) {
    setState('working', `${file.name}: window ${i + 1} of ${n}`);
    const w = sliceWindow(channels, i);
    const data = new Float32Array(w[0]!.length * 2);
    data.set(w[0]!, 0);
    data.set(w[1]!, w[0]!.length);
    const x = tf.tensor(data, contract.input.shape);
    try {
      const outs = [await run(model, { [contract.input.name]: x }, names)].flat() as Tfjs.Tensor[];
      for (let k = 0; k < names.length; k++) perWindow[names[k]!]!.push((await outs[k]!.data()) as Float32Array);
      tf.dispose(outs);
    } finally { x.dispose(); }
    await new Promise((r) => setTimeout(r, 0)); // let the status repaint
  }
  const t2 = performance.now();
  const keys = contract.keys.count;
  const total = frameCount(samples);
  const rolls = Object.fromEntries(names.map((name) => [name, stitch(perWindow[name]!, keys, total)]));
  const notes = extractNotes({ frames: rolls.probs!, onsets: rolls.onset_probs, velocities: rolls.velocity, keys, fps: contract.frames.rate }, contract.decoding.thresholds);
  const midi = notesToMidi(notes, { name: file.name });
  drawPianoRoll($('roll') as HTMLCanvasElement, rolls.probs!, notes, { keys, fps: contract.frames.rate, midiOffset: contract.keys.midiOffset });
  return { file: file.name, notes, rolls, gain, frames: total, seconds: samples / SAMPLE_RATE, backend: tf.getBackend(), midi, timing: { decode: (t1 - t0) / 1000, model: (t2 - t1) / 1000 } };
}

function offerMidi(result: Result): void {
  const link = $('download') as HTMLAnchorElement;
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([result.midi as BlobPart], { type: 'audio/midi' }));
  link.download = result.file.replace(/\.[^.]*$/, '') + '.mid';
  link.hidden = false;
}

async function main(): Promise<void> {
  setState('loading', 'loading the model…');
  // The .wasm binaries lie beside the page (no CDN).
  tf.wasm?.setWasmPaths(new URL('./', location.href).href);
  const backend = new URLSearchParams(location.search).get('backend');
  if (backend && !(await tf.setBackend(backend))) throw new Error(`tfjs backend "${backend}" is not available here`);
  await tf.ready();
  const contract = (await (await fetch('Audio2Midi.json')).json()) as AppContract;
  const model = await tf.loadGraphModel('model/model.json');
  $('model').textContent = `${contract.name} · preset ${contract.model.preset} · ${contract.model.parameters.toLocaleString('en')} parameters · tfjs ${tf.version.tfjs} (${tf.getBackend()})`;
  let busy = false;
  const run = async (file: File | undefined) => {
    if (!file || busy) return;
    busy = true;
    try {
      const r = await transcribe(model, contract, file);
      window.a2m = r;
      offerMidi(r);
      document.body.dataset.notes = String(r.notes.length);
      setState('done', `${r.file}: ${r.notes.length} notes from ${r.seconds.toFixed(1)} s of audio (decode ${r.timing.decode.toFixed(2)} s, model ${r.timing.model.toFixed(2)} s on ${r.backend})`);
    } catch (e) {
      setState('error', `${file.name}: ${(e as Error).message}`);
    } finally { busy = false; }
  };
  const input = $('file') as HTMLInputElement;
  input.addEventListener('change', () => void run(input.files?.[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); void run(e.dataTransfer?.files[0]); });
  setState('ready', 'drop an audio file (or choose one)');
}

main().catch((e) => setState('error', (e as Error).message));
