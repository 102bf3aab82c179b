/**
 * The worker thread behind decode-ahead.ts: decodes one file with the same
 * decodeStream the main thread uses and posts each chunk (its buffers
 * transferred, not copied). It stops, and says so, once the audio passes the
 * memory budget it was given: the caller then streams the file itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeStream } from './decode.js';
import { A2mError } from '../errors.js';
import { chunkBytes, type AheadMessage } from './decode-ahead.js';

const { file, budgetBytes } = workerData as { file: string; budgetBytes: number };
const post = (m: AheadMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

let bytes = 0;
try {
  let over = false;
  for await (const c of decodeStream(file)) {
    bytes += chunkBytes(c);
    // Leaving the loop ends the generator, which stops ffmpeg.
    if (bytes > budgetBytes) { over = true; break; }
    post({ kind: 'chunk', chunk: c }, [c.channels[0].buffer as ArrayBuffer, c.channels[1].buffer as ArrayBuffer]);
  }
  post(over ? { kind: 'too-long' } : { kind: 'done' });
} catch (e) {
  post({ kind: 'error', message: (e as Error)?.message ?? String(e), userFacing: e instanceof A2mError });
}
