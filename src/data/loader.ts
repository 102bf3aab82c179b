/**
 * Training loader. A dataset folder is decoded once (whole-file RMS
 * normalisation, as at inference) into memory; batches of random 5 s windows
 * are then cut, targeted and augmented per step. A batch depends only on
 * (seed, step), so `--resume` replays exactly the same data order.
 *
 * Why no worker threads: once decoded, cutting + augmenting a batch of 8
 * windows takes a few ms of JS (see bench:loader), far below a training step;
 * decoding, the slow part, is done up front by parallel ffmpeg processes.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { errorReason } from '../util/error-reason.js';
import type { Note } from '../types.js';
import { decodeFile } from '../audio/decode.js';
import { AUDIO_EXTENSIONS } from '../audio/input.js';
import type { AudioCache } from '../audio/cache.js';
import { normalizeRms } from '../audio/normalize.js';
import { readCsv } from './csv.js';
import { TARGET_ROLLS, windowTargets, type WindowTargets } from './targets.js';
import { type AugmentConfig, type Batch, augmentBatch } from './augment.js';
import { createRng, deriveSeed } from './random.js';

export { AUDIO_EXTENSIONS };

export interface Piece {
  name: string;
  channels: [Float32Array, Float32Array];
  notes: Note[];
  seconds: number;
}

export interface Grid { sampleRate: number; windowSamples: number; frames: number; keys: number }

/** Audio files paired with their CSV, recursively. Lone files are an error listing them all. */
export async function listPairs(dir: string): Promise<{ audio: string; csv: string; name: string }[]> {
  const files: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p); else files.push(p);
    }
  };
  try { await walk(dir); } catch (e) { throw new A2mError(`${dir}: dataset folder not found or unreadable (${errorReason(e)})`, { cause: e }); }
  const stem = (f: string) => f.slice(0, f.length - path.extname(f).length);
  const csvs = new Set(files.filter((f) => f.endsWith('.csv')).map(stem));
  const audio = files.filter((f) => AUDIO_EXTENSIONS.includes(path.extname(f).toLowerCase()));
  const pairs = audio.filter((a) => csvs.has(stem(a))).map((a) => ({ audio: a, csv: stem(a) + '.csv', name: path.relative(dir, stem(a)) }));
  if (!pairs.length) throw new A2mError(`${dir}: no <name>.<audio> + <name>.csv pairs found`);
  return pairs.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Every piece of a dataset folder, decoded and RMS-normalised. With `cache`
 * (a float32 AudioCache: hits are bit-identical to a decode) a second load of
 * the same files skips ffmpeg.
 */
export async function loadPieces(dir: string, grid: Grid, onProgress?: (done: number, total: number) => void, cache?: AudioCache): Promise<Piece[]> {
  if (cache && cache.sampleFormat !== 'float32') throw new A2mError(`loadPieces: the audio cache must store float32 (a ${cache.sampleFormat} cache would change training audio between runs)`);
  const pairs = await listPairs(dir);
  const pieces: Piece[] = new Array(pairs.length);
  let next = 0, done = 0;
  const worker = async () => {
    while (next < pairs.length) {
      const i = next++;
      const p = pairs[i]!;
      const { channels } = await (cache ? cache.decode(p.audio, { sampleRate: grid.sampleRate }) : decodeFile(p.audio, { sampleRate: grid.sampleRate }));
      normalizeRms(channels);
      pieces[i] = { name: p.name, channels, notes: await readCsv(p.csv), seconds: channels[0].length / grid.sampleRate };
      onProgress?.(++done, pairs.length);
    }
  };
  await Promise.all([worker(), worker()]);
  return pieces;
}

/** Fills window `i` of a batch from `piece` starting at sample `start` (zero-padded past the end). */
export function fillWindow(b: Batch, i: number, piece: Piece, start: number, grid: Grid): void {
  for (let c = 0; c < 2; c++) {
    const dst = b.audio.subarray((i * 2 + c) * b.samples, (i * 2 + c + 1) * b.samples);
    const src = piece.channels[c]!;
    dst.fill(0);
    const from = Math.max(0, start), to = Math.min(src.length, start + b.samples);
    if (to > from) dst.set(src.subarray(from, to), from - start);
  }
  const t = windowTargets(piece.notes, start / grid.sampleRate, { frames: grid.frames, keys: grid.keys });
  const n = grid.frames * grid.keys;
  for (const name of TARGET_ROLLS) b.targets[name].set(t[name], i * n);
}

export function emptyBatch(batch: number, grid: Grid): Batch {
  const n = batch * grid.frames * grid.keys;
  return {
    batch, samples: grid.windowSamples, frames: grid.frames, keys: grid.keys,
    audio: new Float32Array(batch * 2 * grid.windowSamples),
    targets: Object.fromEntries(TARGET_ROLLS.map((name) => [name, new Float32Array(n)])) as WindowTargets,
  };
}

export class WindowSampler {
  private cumulative: number[] = [];
  private total = 0;

  constructor(readonly pieces: Piece[], readonly grid: Grid, readonly augment: AugmentConfig, readonly seed: number) {
    if (!pieces.length) throw new A2mError('no training pieces');
    for (const p of pieces) { this.total += Math.max(p.seconds, 1); this.cumulative.push(this.total); }
  }

  /** The batch for a training step: a pure function of (seed, step). */
  batch(size: number, step: number): Batch {
    const rng = createRng(deriveSeed(this.seed, step));
    const b = emptyBatch(size, this.grid);
    for (let i = 0; i < size; i++) {
      // Pieces weighted by duration; start anywhere so window edges cut notes, as at inference.
      const u = rng.next() * this.total;
      const pi = this.cumulative.findIndex((c) => c > u);
      const piece = this.pieces[pi]!;
      const maxStart = Math.max(0, piece.channels[0].length - this.grid.windowSamples / 2);
      const hop = this.grid.windowSamples / this.grid.frames;
      const start = Math.floor((rng.next() * maxStart) / hop) * hop;
      fillWindow(b, i, piece, start, this.grid);
    }
    augmentBatch(b, this.augment, rng);
    return b;
  }
}

/** Consecutive non-overlapping windows of every piece, for validation loss. */
export function* validationBatches(pieces: Piece[], grid: Grid, size: number): Generator<Batch> {
  const slots: [Piece, number][] = [];
  for (const p of pieces) for (let s = 0; s < p.channels[0].length; s += grid.windowSamples) slots.push([p, s]);
  for (let i = 0; i < slots.length; i += size) {
    const chunk = slots.slice(i, i + size);
    const b = emptyBatch(chunk.length, grid);
    chunk.forEach(([p, s], j) => fillWindow(b, j, p, s, grid));
    yield b;
  }
}
