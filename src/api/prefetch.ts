/**
 * Starting to decode a file before the model is loaded (the library's
 * `prefetchAudio`). Kept apart from ./transcribe.ts, which loads the runtimes
 * and converters, so a caller (the CLI) can start decoding before paying for
 * those imports.
 */
import { A2mError } from '../errors.js';
import { decodeAhead, type DecodeAhead } from '../audio/decode-ahead.js';

/**
 * A file whose decoding has already started, in a worker thread (see
 * `prefetchAudio`). Pass it to `transcribe` in place of the path.
 */
export class PrefetchedAudio {
  /** @internal */
  constructor(readonly file: string, readonly ahead: DecodeAhead) {}
  /** Stops decoding when the file will not be transcribed after all. */
  cancel(): void { this.ahead.cancel(); }
}

/**
 * Starts decoding `file` now, in a worker thread, so it overlaps whatever the
 * caller does next, typically `Transcriber.create` (loading the model and its
 * runtime session): `prefetchAudio(f)` then `transcriber.transcribe(prefetched)`.
 * Up to 8.7 minutes of audio are held in memory; a longer file is streamed
 * when transcribed, as a path is. Errors (missing file, not audio) surface
 * from `transcribe`.
 */
export function prefetchAudio(file: string): PrefetchedAudio {
  if (typeof file !== 'string' || !file) throw new A2mError('prefetchAudio: expected a file path');
  return new PrefetchedAudio(file, decodeAhead(file));
}
