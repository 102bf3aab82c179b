/**
 * Raw PCM plumbing between JS and ffmpeg: interleaved f32le bytes <-> planar
 * channels, and writing planar audio to an encoded file atomically.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { tempPathFor } from '../util/atomic.js';
import { ffmpegBin, lastLine, runTool } from './ffmpeg.js';
import { ffmpegPath } from './input.js';

/** Planar audio: one Float32Array per channel, all the same length. */
export interface PlanarAudio {
  channels: Float32Array[];
  sampleRate: number;
}

/** Interleaved little-endian float32 bytes -> planar channels (a trailing partial frame is dropped). */
export function deinterleave(bytes: Uint8Array, numChannels: number): Float32Array[] {
  const frames = Math.floor(bytes.byteLength / (4 * numChannels));
  // Copy into an aligned buffer: Node Buffers from pipes may start at any byte offset.
  const aligned = new Float32Array(frames * numChannels);
  new Uint8Array(aligned.buffer).set(bytes.subarray(0, frames * numChannels * 4));
  const out = Array.from({ length: numChannels }, () => new Float32Array(frames));
  for (let i = 0, j = 0; i < frames; i++) for (let c = 0; c < numChannels; c++) out[c]![i] = aligned[j++]!;
  return out;
}

export function interleave(channels: readonly Float32Array[]): Uint8Array {
  const n = channels[0]?.length ?? 0;
  const out = new Float32Array(n * channels.length);
  for (let i = 0, j = 0; i < n; i++) for (const ch of channels) out[j++] = ch[i]!;
  return new Uint8Array(out.buffer);
}

/** Encoder settings per output extension (what ffmpeg is told to write). */
const ENCODERS: Record<string, readonly string[]> = {
  '.flac': ['-c:a', 'flac', '-sample_fmt', 's16', '-f', 'flac'],
  '.wav': ['-c:a', 'pcm_s16le', '-f', 'wav'],
  '.mp3': ['-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'],
  '.m4a': ['-c:a', 'aac', '-b:a', '128k', '-f', 'ipod'],
};

/** Writes planar audio to `file` (format from its extension) via temp + rename. */
export async function writeAudioFile(file: string, audio: PlanarAudio, extraArgs: readonly string[] = []): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  const enc = ENCODERS[ext];
  if (!enc) throw new A2mError(`${file}: cannot write audio with extension "${ext}", expected one of ${Object.keys(ENCODERS).join(' ')}`);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    const r = await runTool(ffmpegBin(), [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
      '-f', 'f32le', '-ar', String(audio.sampleRate), '-ac', String(audio.channels.length), '-i', 'pipe:0',
      ...enc, ...extraArgs, '-bitexact', ffmpegPath(tmp),
    ], { input: interleave(audio.channels) });
    if (r.exitCode !== 0) throw new A2mError(`${file}: ffmpeg could not write the audio: ${lastLine(r.stderr)}`);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}
