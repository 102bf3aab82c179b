/**
 * Decoded-audio cache: decoding with ffmpeg is the slow part of loading a
 * dataset, so decoded audio is kept on disk, keyed by the file's content hash
 * plus the decode settings (a renamed file still hits; an edited one misses).
 * Stored as float16 by default (half the size; synth samples), or float32
 * where a hit must equal a fresh decode bit for bit (training audio: a resumed
 * run must see the very samples the first run saw). Safe under concurrent use: entries are written to a temp file
 * and renamed into place, readers treat a vanished or damaged entry as a miss,
 * and eviction (least recently used first, by mtime, refreshed on every hit)
 * keeps the folder under its size cap.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { decodeFile, SAMPLE_RATE, type DecodedAudio, type DecodeOptions } from './decode.js';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';
import { checkAudioFile } from './input.js';

/** Bump when decoding changes (filters, channel fold), so old entries stop matching. */
const DECODER_VERSION = 1;
const MAGIC = 0x414d3241; // "A2MA" little-endian
const HEADER_BYTES = 16;
/** Default size cap: ~40 h of stereo 16 kHz float16 audio. */
export const DEFAULT_CACHE_BYTES = 8 * 1024 ** 3;
/** Temp files older than this were left by a writer that died: eviction removes them. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** Bytes per stored sample, and the entry file suffix, of each sample format. */
const SAMPLE_FORMATS = {
  float16: { bytes: 2, suffix: '.f16' },
  float32: { bytes: 4, suffix: '.f32' },
} as const;
export type CacheSampleFormat = keyof typeof SAMPLE_FORMATS;

export interface AudioCacheOptions {
  /** Cache folder (default $A2M_CACHE_DIR/audio or ~/.cache/a2m/audio). */
  dir?: string;
  /** Size cap in bytes (default $A2M_AUDIO_CACHE_BYTES or 8 GiB). */
  maxBytes?: number;
  /** How samples are stored (default float16; float32 is exact). */
  sampleFormat?: CacheSampleFormat;
}

/** sha256 of a file's bytes, streamed (hex). */
export async function hashFileContent(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export class AudioCache {
  readonly dir: string;
  readonly maxBytes: number;
  readonly sampleFormat: CacheSampleFormat;

  constructor(opts: AudioCacheOptions = {}) {
    this.dir = opts.dir ?? path.join(process.env.A2M_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'a2m'), 'audio');
    this.maxBytes = opts.maxBytes ?? (Number(process.env.A2M_AUDIO_CACHE_BYTES) || DEFAULT_CACHE_BYTES);
    this.sampleFormat = opts.sampleFormat ?? 'float16';
  }

  /** The entry key for content + settings (the sample format is in the file suffix). */
  key(contentHash: string, settings: Record<string, unknown>): string {
    return createHash('sha256').update(JSON.stringify([DECODER_VERSION, contentHash, settings])).digest('hex').slice(0, 40);
  }

  private pathOf(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key + SAMPLE_FORMATS[this.sampleFormat].suffix);
  }

  /** The cached audio, or null (missing, vanished under eviction, or damaged). A hit refreshes its LRU time. */
  async get(key: string): Promise<DecodedAudio | null> {
    const file = this.pathOf(key);
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch {
      return null;
    }
    const audio = parseEntry(buf, this.sampleFormat);
    if (!audio) {
      await rm(file, { force: true });
      return null;
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
    return audio;
  }

  /** Stores audio under key (atomically), then evicts down to the cap. */
  async put(key: string, audio: DecodedAudio): Promise<void> {
    await writeFileAtomic(this.pathOf(key), serializeEntry(audio, this.sampleFormat));
    await this.evict();
  }

  /** Decodes `file` through the cache. */
  async decode(file: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
    const sampleRate = opts.sampleRate ?? SAMPLE_RATE;
    // Before hashing: reading a FIFO or a device to its end would never finish.
    await checkAudioFile(file);
    let hash: string;
    try {
      hash = await hashFileContent(file);
    } catch {
      return decodeFile(file, opts); // let the decoder word the error (vanished, unreadable)
    }
    const key = this.key(hash, { sampleRate });
    const hit = await this.get(key);
    if (hit) return hit;
    const audio = await decodeFile(file, opts);
    await this.put(key, audio);
    return audio;
  }

  /** Removes least recently used entries until the cache is under 90% of its cap; returns bytes removed. */
  async evict(): Promise<number> {
    const entries: { file: string; size: number; mtime: number }[] = [];
    let total = 0;
    const now = Date.now();
    let subdirs: string[];
    try {
      subdirs = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const sub of subdirs) {
      let names: string[];
      try {
        names = await readdir(path.join(this.dir, sub));
      } catch {
        continue;
      }
      for (const name of names) {
        const file = path.join(this.dir, sub, name);
        const st = await stat(file).catch(() => null);
        if (!st) continue;
        if (name.includes('.tmp-')) {
          if (now - st.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true });
          continue;
        }
        entries.push({ file, size: st.size, mtime: st.mtimeMs });
        total += st.size;
      }
    }
    if (total <= this.maxBytes) return 0;
    entries.sort((a, b) => a.mtime - b.mtime);
    let removed = 0;
    for (const e of entries) {
      if (total - removed <= this.maxBytes * 0.9) break;
      await rm(e.file, { force: true });
      removed += e.size;
    }
    return removed;
  }
}

/**
 * Entry layout: magic, version, sample rate, frames (u32 LE each), then left
 * then right in the entry's sample format (little-endian).
 */
function serializeEntry(a: DecodedAudio, format: CacheSampleFormat): Uint8Array {
  const frames = a.channels[0].length;
  const bytes = SAMPLE_FORMATS[format].bytes;
  const out = new Uint8Array(HEADER_BYTES + frames * 2 * bytes);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, DECODER_VERSION, true);
  dv.setUint32(8, a.sampleRate, true);
  dv.setUint32(12, frames, true);
  a.channels.forEach((ch, c) => {
    const stored = format === 'float16' ? float32ToFloat16(ch) : ch;
    out.set(new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength), HEADER_BYTES + c * frames * bytes);
  });
  return out;
}

function parseEntry(buf: Buffer, format: CacheSampleFormat): DecodedAudio | null {
  if (buf.length < HEADER_BYTES) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(0, true) !== MAGIC || dv.getUint32(4, true) !== DECODER_VERSION) return null;
  const sampleRate = dv.getUint32(8, true);
  const frames = dv.getUint32(12, true);
  const bytes = SAMPLE_FORMATS[format].bytes;
  if (buf.length !== HEADER_BYTES + frames * 2 * bytes) return null;
  // Copy into aligned storage: a Buffer's byteOffset may be odd.
  const body = buf.subarray(HEADER_BYTES);
  if (format === 'float32') {
    const both = new Float32Array(frames * 2);
    new Uint8Array(both.buffer).set(body);
    return { sampleRate, channels: [both.subarray(0, frames), both.subarray(frames)] };
  }
  const halves = new Uint16Array(frames * 2);
  new Uint8Array(halves.buffer).set(body);
  return {
    sampleRate,
    channels: [float16ToFloat32(halves.subarray(0, frames)), float16ToFloat32(halves.subarray(frames))],
  };
}
