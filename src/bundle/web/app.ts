/// <reference lib="dom" />
/**
 * The web bundle's demo page (bundled by src/bundle/web.ts with esbuild into
 * app.js, an ES module). The transcription itself is the bundle's ES module,
 * `audio-to-midi-web.js` (transcriber.ts), imported as a separate file: the page
 * runs exactly what an app imports. This file is only the page: file input,
 * status, piano roll and MIDI download.
 *
 * Query parameters: `backend` (webgl | wasm | cpu; default: tfjs's choice, in that order of preference).
 * For tests the page records its state on <body data-state="loading|ready|working|done|error" data-notes="N">
 * and exposes the last result as `window.a2m`.
 */
import type * as Tfjs from '@tensorflow/tfjs';
import type { Transcription } from './audio-to-midi-web.js';
import { createTranscriber } from './transcriber.js';
import type { Note } from '../../types.js';
import { drawPianoRoll } from './roll.js';

/** tf.min.js defines `tf`; tf-backend-wasm.min.js adds `tf.wasm`. */
declare const tf: typeof Tfjs & { wasm?: { setWasmPaths(prefix: string): void } };

interface Result { file: string; notes: Note[]; rolls: Record<string, Float32Array>; gain: number; frames: number; seconds: number; backend: string; midi: Uint8Array; timing: { total: number } }
declare global { interface Window { a2m?: Result } }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const setState = (state: string, message: string) => {
  document.body.dataset.state = state;
  $('status').textContent = message;
};

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
  const transcriber = await createTranscriber({ tf, baseUrl: location.href });
  const { contract } = transcriber;
  $('model').textContent = `${contract.name} · preset ${contract.model.preset} · ${contract.model.parameters.toLocaleString('en')} parameters · tfjs ${tf.version.tfjs} (${tf.getBackend()})`;
  let busy = false;
  const run = async (file: File | undefined) => {
    if (!file || busy) return;
    busy = true;
    try {
      const t0 = performance.now();
      const onProgress = (done: number, total: number) => setState('working', `${file.name}: window ${done} of ${total}`);
      const t: Transcription = await transcriber.transcribe(file, { onProgress, name: file.name });
      const r: Result = {
        file: file.name, notes: t.notes, rolls: t.rolls, gain: t.gain, frames: Math.round(t.rolls.probs!.length / contract.keys.count),
        seconds: t.seconds, backend: tf.getBackend(), midi: t.midi, timing: { total: (performance.now() - t0) / 1000 },
      };
      drawPianoRoll($('roll') as HTMLCanvasElement, t.rolls.probs!, t.notes, { keys: contract.keys.count, fps: t.frameRate, midiOffset: contract.keys.midiOffset });
      window.a2m = r;
      offerMidi(r);
      document.body.dataset.notes = String(r.notes.length);
      setState('done', `${r.file}: ${r.notes.length} notes from ${r.seconds.toFixed(1)} s of audio in ${r.timing.total.toFixed(2)} s on ${r.backend}`);
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
