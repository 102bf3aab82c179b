/**
 * Transcription as a library: a file path or PCM in, note events (and a MIDI
 * file) out. `a2m transcribe` is a thin layer over this. A Transcriber holds
 * the loaded model and its runtime session, so transcribing many inputs pays
 * the start-up once; `transcribe()` is the one-call form.
 */
import type { Precision } from '../../converters/types.js';
import { A2mError } from '../errors.js';
import { loadHostModel, type LoadedModel } from '../model/load.js';
import type { ModelLike } from '../model/host-model.js';
import { makeRunner, type Backend, type RunnerOptions, type WindowRunner } from '../infer/backends.js';
import { DEFAULT_THRESHOLDS, type EventThresholds } from '../infer/events.js';
import { checkThresholds } from '../infer/threshold-bounds.js';
import { fileSource, transcribeSource, type AudioSource, type Rolls } from '../infer/transcribe.js';
import { pcmSource, type PcmInput } from '../infer/pcm-source.js';
import { PrefetchedAudio, prefetchAudio } from './prefetch.js';

export { PrefetchedAudio, prefetchAudio };
import { notesToMidi, toNoteEvents, type MidiOptions, type NoteEvent } from '../infer/midi-out.js';
import type { Note } from '../types.js';

export type { PcmInput, NoteEvent, EventThresholds, Rolls };

/** How the model is loaded and where it runs (fixed for a Transcriber's life). */
export interface TranscriberOptions {
  /** Checkpoint folder, or "default" (the committed model). Default "default". */
  model?: string;
  /** "auto" (default: the fastest runtime present, ONNX Runtime here), "onnx", "tflite", "savedmodel" or "tfjs" (needs tfjs-node). */
  backend?: Backend | 'auto';
  /** Export precision for an exported backend: fp32 (default), fp16, int8. */
  precision?: Precision;
  /** 5 s windows per model call (default DEFAULT_BATCH for an exported backend, chosen by measurement; TFJS_DEFAULT_BATCH for tfjs); notes do not depend on it. */
  batch?: number;
  /** Decoding thresholds over the model card's tuned ones (e.g. `{ onset: 0.3, minNoteFrames: 3 }`). */
  thresholds?: Partial<EventThresholds>;
  /** Warnings and details from the backends (default: warnings to stderr, details dropped). */
  warn?: RunnerOptions['warn'];
  log?: RunnerOptions['log'];
}

/** Per call. */
export interface TranscribeCallOptions {
  /** Thresholds for this call, over the Transcriber's. */
  thresholds?: Partial<EventThresholds>;
  /** Also return a standard MIDI file (true, or MIDI options such as `{ tempo: 90 }`). */
  midi?: boolean | MidiOptions;
  /** Also return the model's stitched output rolls [frames, 90] (50 frames/s; memory grows with the input). */
  rolls?: boolean;
  /** Progress after each batch of 5 s windows. */
  onProgress?: (p: { windowsDone: number; windowsTotal: number }) => void;
  /** Aborts between batches; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface TranscribeResult {
  /** Notes sorted by time: seconds, MIDI key, velocity 0..1. */
  notes: NoteEvent[];
  /** Standard MIDI file bytes (with `midi`). */
  midi?: Uint8Array;
  /** Model outputs stitched over the whole input (with `rolls`). */
  rolls?: Rolls;
  /** Input length in seconds. */
  seconds: number;
  /** Which runtime ran the model, e.g. "onnxruntime-node 1.30.0". */
  runtime: string;
}

/** A file path (or a prefetched one), or PCM samples in memory (any rate; mono, stereo or more channels). */
export type TranscribeInput = string | PrefetchedAudio | PcmInput;

function sourceOf(input: TranscribeInput): AudioSource {
  if (typeof input === 'string') return fileSource(input);
  if (input instanceof PrefetchedAudio) return fileSource(input.file, input.ahead);
  if (input && typeof input === 'object' && 'channels' in input) return pcmSource(input);
  throw new A2mError('transcribe: input must be a file path or { channels: Float32Array[], sampleRate }');
}

export class Transcriber {
  private constructor(
    private readonly loaded: LoadedModel<ModelLike>,
    private readonly runner: WindowRunner,
    /** The model card's thresholds with the Transcriber's overrides. */
    readonly thresholds: EventThresholds,
  ) {}

  static async create(opts: TranscriberOptions = {}): Promise<Transcriber> {
    const loaded = await loadHostModel(opts.model ?? 'default');
    try {
      const thresholds = { ...DEFAULT_THRESHOLDS, ...loaded.thresholds, ...checkThresholds(opts.thresholds, 'thresholds') };
      if (opts.batch !== undefined && !(Number.isSafeInteger(opts.batch) && opts.batch >= 1)) throw new A2mError(`batch: expected a positive integer, got ${opts.batch}`);
      const runner = await makeRunner(loaded.model, opts.backend ?? 'auto', opts.precision ?? 'fp32', { warn: opts.warn, log: opts.log, batch: opts.batch });
      return new Transcriber(loaded, runner, thresholds);
    } catch (e) {
      loaded.model.dispose();
      throw e;
    }
  }

  /** Where the model runs, e.g. "onnxruntime-node 1.30.0". */
  get runtime(): string { return this.runner.name; }
  /** The model folder (or preset) it was loaded from. */
  get source(): string { return this.loaded.source; }
  get preset(): string { return this.loaded.model.config.preset; }
  /** Width of the output rolls (90: MIDI keys 21..110). */
  get keys(): number { return this.loaded.model.config.keys; }

  async transcribe(input: TranscribeInput, opts: TranscribeCallOptions = {}): Promise<TranscribeResult> {
    const t = await transcribeSource(sourceOf(input), this.runner, {
      thresholds: { ...this.thresholds, ...checkThresholds(opts.thresholds, 'thresholds') },
      keepRolls: opts.rolls,
      signal: opts.signal,
      onWindow: opts.onProgress ? (windowsDone, windowsTotal) => opts.onProgress!({ windowsDone, windowsTotal }) : undefined,
    });
    return {
      notes: toNoteEvents(t.notes),
      ...(opts.midi ? { midi: notesToMidi(t.notes, opts.midi === true ? {} : opts.midi) } : {}),
      ...(t.rolls ? { rolls: t.rolls } : {}),
      seconds: t.seconds,
      runtime: this.runner.name,
    };
  }

  /**
   * Notes as they become final while a long input is transcribed (memory
   * stays bounded by one batch of windows). Order: by when each note ended,
   * not by onset; sort if you need onset order.
   */
  async *stream(input: TranscribeInput, opts: Omit<TranscribeCallOptions, 'midi' | 'rolls'> = {}): AsyncGenerator<NoteEvent> {
    const queue: Note[][] = [];
    let wake: (() => void) | null = null;
    let done = false, failure: unknown = null;
    const run = transcribeSource(sourceOf(input), this.runner, {
      thresholds: { ...this.thresholds, ...checkThresholds(opts.thresholds, 'thresholds') },
      signal: opts.signal,
      onWindow: opts.onProgress ? (windowsDone, windowsTotal) => opts.onProgress!({ windowsDone, windowsTotal }) : undefined,
      onNotes: (notes) => { queue.push(notes); wake?.(); },
    }).then(() => { done = true; wake?.(); }, (e: unknown) => { failure = e; done = true; wake?.(); });
    while (true) {
      const batch = queue.shift();
      if (batch) { yield* toNoteEvents(batch); continue; }
      if (done) break;
      await new Promise<void>((r) => { wake = r; });
      wake = null;
    }
    await run;
    if (failure) throw failure;
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
    this.loaded.model.dispose();
  }
}

/** One call: load the model (while a file input is already decoding), transcribe one input, release everything. */
export async function transcribe(input: TranscribeInput, opts: TranscriberOptions & TranscribeCallOptions = {}): Promise<TranscribeResult> {
  // A path is decoded in a worker while the model loads (the two overlap on two cores).
  const audio = typeof input === 'string' && input ? prefetchAudio(input) : input;
  let t: Transcriber;
  try {
    t = await Transcriber.create(opts);
  } catch (e) {
    if (audio instanceof PrefetchedAudio) audio.cancel();
    throw e;
  }
  try {
    return await t.transcribe(audio, { ...opts, thresholds: undefined });
  } finally {
    await t.dispose();
  }
}
