/**
 * Audio file -> notes in memory bounded by one batch of windows (plus the
 * notes and, up to 8.7 minutes, the decoded audio), whatever the file's length:
 * decode (kept for the second pass when short, else streamed twice: level, then
 * windows), whole-file RMS normalisation, 5 s windows with 0.5 s overlap, the
 * model, the seed's cross-fade stitching frame by frame (StitchStream), event
 * extraction chunk by chunk (NoteStream) with the model card's thresholds.
 * Whole rolls are assembled only when the caller asks (`keepRolls`: plots,
 * threshold tuning).
 */
import { decodeStream, type AudioChunk } from '../audio/decode.js';
import { DECODE_AHEAD_BYTES, chunkBytes, type DecodeAhead } from '../audio/decode-ahead.js';
import { LevelMeter, normalizationGain } from '../audio/normalize.js';
import { windowStream, frameCount, windowCount, SAMPLE_RATE, WINDOW_FRAMES, WINDOW_SAMPLES } from '../audio/window.js';
import { StitchStream } from '../audio/stitch-stream.js';
import { NoteStream, compareNotes, type EventThresholds } from './events.js';
import type { WindowRunner } from './backends.js';
import { NUM_KEYS, type Note } from '../types.js';

export interface Rolls { frames: Float32Array; onsets?: Float32Array; velocities?: Float32Array; offsets?: Float32Array }

export interface Transcription {
  file: string;
  notes: Note[];
  /** The stitched rolls [frames, keys]; only with `keepRolls`. */
  rolls?: Rolls;
  seconds: number;
  gain: number;
  timing: { decodeSeconds: number; modelSeconds: number; totalSeconds: number };
}

export interface TranscribeOptions {
  thresholds?: Partial<EventThresholds>;
  keys?: number;
  /** Called after each batch with the windows done and the total (known once the level pass has run). */
  onWindow?: (done: number, total: number) => void;
  /** Also return the whole stitched rolls (memory then grows with the file's length). */
  keepRolls?: boolean;
  /** Stops between batches: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Notes as they become final (a note is final once its key has released), in no particular order. */
  onNotes?: (notes: Note[]) => void;
}

/**
 * Audio to transcribe, readable twice (a level pass, then a window pass):
 * a file decoded by ffmpeg, or PCM already in memory (./pcm-source.ts).
 */
export interface AudioSource {
  /** Names the input in messages and results (a path, or "<pcm>"). */
  label: string;
  /** 16 kHz stereo chunks, from the start each time it is called. */
  chunks(): AsyncIterable<AudioChunk>;
}

/**
 * A file as an AudioSource, decoded once: the first pass keeps the decoded
 * chunks (up to DECODE_AHEAD_BYTES, 8.7 minutes) and the second replays them,
 * so ffmpeg runs once; a longer file is decoded again for the second pass,
 * keeping memory bounded. With `ahead` (decodeAhead started earlier, e.g.
 * while the model loaded) the chunks come from that worker. `keepBytes`
 * lowers the budget (tests).
 */
export function fileSource(file: string, ahead?: DecodeAhead, keepBytes = DECODE_AHEAD_BYTES): AudioSource {
  let kept: AudioChunk[] | null = null;
  return {
    label: file,
    async *chunks() {
      if (!kept && ahead) kept = await ahead.result; // null: longer than the budget, stream it
      if (kept) { yield* kept; return; }
      const record: AudioChunk[] = [];
      let bytes = 0;
      for await (const c of decodeStream(file)) {
        if (bytes <= keepBytes) {
          bytes += chunkBytes(c);
          if (bytes <= keepBytes) record.push(c); else record.length = 0;
        }
        yield c;
      }
      if (bytes <= keepBytes) kept = record;
    },
  };
}

/** Output name -> the roll it becomes. */
const ROLL_OF_OUTPUT = { probs: 'frames', onset_probs: 'onsets', velocity: 'velocities', offset_probs: 'offsets' } as const satisfies Record<string, keyof Rolls>;
type OutputName = keyof typeof ROLL_OF_OUTPUT;
const OUTPUT_NAMES = Object.keys(ROLL_OF_OUTPUT) as OutputName[];

export async function transcribeFile(file: string, runner: WindowRunner, opts: TranscribeOptions & { keepRolls: true }): Promise<Transcription & { rolls: Rolls }>;
export async function transcribeFile(file: string, runner: WindowRunner, opts?: TranscribeOptions): Promise<Transcription>;
export async function transcribeFile(file: string, runner: WindowRunner, opts: TranscribeOptions = {}): Promise<Transcription> {
  return transcribeSource(fileSource(file), runner, opts);
}

export async function transcribeSource(source: AudioSource, runner: WindowRunner, opts: TranscribeOptions = {}): Promise<Transcription> {
  const t0 = performance.now();
  const keys = opts.keys ?? NUM_KEYS;
  opts.signal?.throwIfAborted();
  // Pass 1: level (whole-file normalisation needs it before the first window).
  const meter = new LevelMeter();
  let samples = 0;
  for await (const c of source.chunks()) {
    meter.push(c.channels); samples += c.channels[0].length;
    opts.signal?.throwIfAborted();
  }
  const gain = normalizationGain(meter.rms, meter.peak);
  const tDecoded = performance.now();
  const total = frameCount(samples), totalWindows = windowCount(samples);
  // Pass 2: windows -> model in batches -> stitched frames -> notes, as they become final.
  const sink = new RollSink(keys, total, opts);
  const per = 2 * WINDOW_SAMPLES;
  const batch = new Float32Array(runner.batch * per);
  let n = 0, done = 0, modelMs = 0;
  const flush = async () => {
    if (!n) return;
    opts.signal?.throwIfAborted();
    const t = performance.now();
    const r = await runner.run(batch, n);
    modelMs += performance.now() - t;
    sink.windows(r, n);
    done += n; n = 0;
    opts.onWindow?.(done, totalWindows);
  };
  for await (const w of windowStream(source.chunks(), gain)) {
    batch.set(w[0]!, n * per);
    batch.set(w[1]!, n * per + WINDOW_SAMPLES);
    if (++n === runner.batch) await flush();
  }
  await flush();
  const { notes, rolls } = sink.finish();
  const tEnd = performance.now();
  return {
    file: source.label, notes, ...(rolls ? { rolls } : {}), seconds: samples / SAMPLE_RATE, gain,
    timing: { decodeSeconds: (tDecoded - t0) / 1000, modelSeconds: modelMs / 1000, totalSeconds: (tEnd - t0) / 1000 },
  };
}

/**
 * Where window outputs go: one StitchStream per model output, their finished
 * frames straight into a NoteStream, and (only with keepRolls) into chunk
 * lists joined at the end. Set up on the first batch, when the runner's
 * outputs (which heads the model has) are known.
 */
class RollSink {
  private stitchers: Partial<Record<OutputName, StitchStream>> = {};
  private events: NoteStream | null = null;
  private readonly notes: Note[] = [];
  private readonly kept: Partial<Record<OutputName, Float32Array[]>> | null;

  constructor(private readonly keys: number, private readonly total: number, private readonly opts: TranscribeOptions) {
    this.kept = opts.keepRolls ? {} : null;
  }

  /** `count` windows of runner output, each output [count, 250, keys]. */
  windows(outputs: Record<string, Float32Array>, count: number): void {
    if (!this.events) this.start(outputs);
    const size = WINDOW_FRAMES * this.keys;
    for (let i = 0; i < count; i++) this.frames((s, name) => s.push(outputs[name]!.subarray(i * size, (i + 1) * size)));
  }

  finish(): { notes: Note[]; rolls?: Rolls } {
    if (!this.events) this.start({ probs: new Float32Array(0) }); // no window ran: an all-zero roll
    this.frames((s) => s.finish());
    this.take(this.events!.finish());
    return { notes: this.notes.sort(compareNotes), ...(this.kept ? { rolls: this.joinKept() } : {}) };
  }

  private start(outputs: Record<string, Float32Array>): void {
    for (const name of OUTPUT_NAMES) if (outputs[name]) this.stitchers[name] = new StitchStream(this.keys, this.total);
    this.events = new NoteStream({ onsets: Boolean(outputs.onset_probs), velocities: Boolean(outputs.velocity), offsets: Boolean(outputs.offset_probs), keys: this.keys }, this.opts.thresholds ?? {});
  }

  /** Takes the next frames from every stitcher (`next`: push or finish) and passes them on. */
  private frames(next: (s: StitchStream, name: OutputName) => Float32Array): void {
    const chunk: Partial<Record<OutputName, Float32Array>> = {};
    for (const name of OUTPUT_NAMES) {
      const s = this.stitchers[name];
      if (!s) continue;
      chunk[name] = next(s, name);
      if (this.kept) (this.kept[name] ??= []).push(chunk[name]!);
    }
    this.take(this.events!.push({ frames: chunk.probs!, onsets: chunk.onset_probs, velocities: chunk.velocity, offsets: chunk.offset_probs, keys: this.keys }));
  }

  /** Keeps newly final notes and hands them to the caller's onNotes. */
  private take(notes: Note[]): void {
    // A loop, not push(...spread): spreading a big array overflows the call stack.
    for (const n of notes) this.notes.push(n);
    if (notes.length) this.opts.onNotes?.(notes);
  }

  private joinKept(): Rolls {
    const rolls: Partial<Rolls> = {};
    for (const [name, chunks] of Object.entries(this.kept!) as [OutputName, Float32Array[]][]) {
      const out = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
      let at = 0;
      for (const c of chunks) { out.set(c, at); at += c.length; }
      rolls[ROLL_OF_OUTPUT[name]] = out;
    }
    return rolls as Rolls;
  }
}
