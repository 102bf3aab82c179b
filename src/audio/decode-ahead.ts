/**
 * Decoding a file ahead, in a worker thread, into memory, so that decoding
 * overlaps loading the model. Why a worker: ONNX Runtime creates its session
 * and runs the model synchronously on the main thread, and while that thread
 * is blocked nobody reads ffmpeg's pipe, so ffmpeg stalls once the pipe's
 * 64 KiB buffer is full. A worker keeps reading while the main thread builds
 * the session; the two cores then decode and load at the same time.
 *
 * Memory is bounded: the audio is kept only up to `budgetBytes` (default
 * DECODE_AHEAD_BYTES); a longer file resolves to null and the caller streams
 * it window by window as before.
 */
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { A2mError } from '../errors.js';
import type { AudioChunk } from './decode.js';

/**
 * Audio kept in memory ahead of the model: 64 MiB = 8.7 minutes of the model's
 * 16 kHz stereo float32 (a 60 s file takes 7.3 MiB). Longer inputs stream.
 */
export const DECODE_AHEAD_BYTES = 64 * 1024 * 1024;

/** Bytes a decoded chunk holds (both channels): what the budget counts. */
export const chunkBytes = (c: AudioChunk): number => c.channels[0].byteLength + c.channels[1].byteLength;

/** What the worker posts. */
export type AheadMessage =
  | { kind: 'chunk'; chunk: AudioChunk }
  | { kind: 'done' }
  | { kind: 'too-long' }
  | { kind: 'error'; message: string; userFacing: boolean };

const HERE = fileURLToPath(import.meta.url);
/** .ts in a clone run through tsx, .js in the compiled package: the worker is this file's sibling. */
const EXT = path.extname(HERE);
const WORKER_FILE = path.join(path.dirname(HERE), `decode-worker${EXT}`);

/**
 * The worker for this file's kind. Compiled JS runs as it is; under tsx (a
 * clone's sources) the worker has no TypeScript loader of its own (Node 20
 * resolves a worker's entry before any --import hook), so a small bootstrap
 * registers tsx first and then imports the .ts worker.
 */
function startWorker(workerData: { file: string; budgetBytes: number }): Worker {
  if (EXT !== '.ts') return new Worker(WORKER_FILE, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = pathToFileURL(WORKER_FILE).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData });
}

export interface DecodeAhead {
  /** Every chunk of the file in order, or null when it is longer than the budget (stream it instead). */
  result: Promise<AudioChunk[] | null>;
  /** Stops the worker (and its ffmpeg) when the result is no longer wanted. */
  cancel(): void;
}

/** Starts decoding `file` in a worker now; errors (missing file, not audio, no ffmpeg) arrive through `result`, worded as decodeStream words them. */
export function decodeAhead(file: string, budgetBytes = DECODE_AHEAD_BYTES): DecodeAhead {
  const worker = startWorker({ file, budgetBytes });
  const chunks: AudioChunk[] = [];
  const result = new Promise<AudioChunk[] | null>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => { if (!settled) { settled = true; f(); } };
    worker.on('message', (m: AheadMessage) => {
      if (m.kind === 'chunk') chunks.push(m.chunk);
      else if (m.kind === 'done') settle(() => resolve(chunks));
      else if (m.kind === 'too-long') settle(() => { chunks.length = 0; resolve(null); });
      else settle(() => reject(m.userFacing ? new A2mError(m.message) : new Error(`${file}: decoding failed: ${m.message}`)));
    });
    worker.on('error', (e: Error) => settle(() => reject(new Error(`${file}: the decoding worker failed: ${e.message}`, { cause: e }))));
    worker.on('exit', (code) => settle(() => reject(new Error(`${file}: the decoding worker exited (code ${code}) before finishing`))));
  });
  // Nobody may be waiting yet (the model is still loading): a failure is reported when `result` is awaited, not as an unhandled rejection.
  result.catch(() => {});
  return { result, cancel: () => { void worker.terminate(); } };
}
