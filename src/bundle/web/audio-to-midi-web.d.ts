/**
 * The public API of the web bundle's ES module (`audio-to-midi-web.js`), shipped
 * beside it as its `types`. transcriber.ts implements exactly these types (it
 * imports them, so a drift is a compile error in this project).
 */

/** One transcribed note, as `a2m transcribe` gives it. */
export interface Note {
  /** Seconds from the start of the input. */
  onset: number;
  /** Seconds from the start of the input. */
  offset: number;
  /** MIDI note number, 21 (A0) to 108 (C8). */
  pitch: number;
  /** 0..1 (MIDI velocity / 127). */
  velocity: number;
}

/** Decoding thresholds (probabilities 0..1); the bundle's Audio2Midi.json holds the model's tuned ones. */
export interface Thresholds {
  /** Onset probability a peak must exceed to start a note. */
  onset: number;
  /** Onset probability a peak must also exceed to re-start a note that is still sounding (0: just `onset`). */
  reonset: number;
  /** A peak below this fraction of a same-frame onset 12/19/24/28 keys lower is a harmonic, not a note (0: off). */
  harmonic: number;
  /** Frame probability above which an idle key starts a note (frame rule). */
  activate: number;
  /** Frame probability below which a sounding note ends. */
  release: number;
  /** Frame probability a re-attack must exceed. */
  reattack: number;
  riseFrames: number;
  riseDelta: number;
  allowFrameStarts: boolean;
  /** With an offset head: an offset peak above this ends a sounding note, that frame included (0: off). */
  offset: number;
  /** Once a note has sounded this many frames it ends below `sustainRelease` instead of `release` (0: off). */
  sustainFrames: number;
  /** The release threshold of a note that has sounded `sustainFrames` frames. */
  sustainRelease: number;
  /** Frames added to every note's end (negative: earlier), never before its onset frame + 1. */
  offsetShift: number;
  /** Notes shorter than this many frames are dropped. */
  minNoteFrames: number;
  velocityFrames: number;
  velocityReduce: 'mean' | 'max';
  defaultVelocity: number;
}

/** Raw PCM: one Float32Array per channel (1 or 2), at any sample rate (resampled to the model's with Web Audio). */
export interface Pcm {
  channels: Float32Array[];
  sampleRate: number;
}

/** What `transcribe` accepts: encoded audio (any format the browser decodes) or PCM. */
export type AudioInput = ArrayBuffer | Blob | Pcm;

export interface TranscribeOptions {
  /** Called after each 5 s window: `done` of `total` windows. */
  onProgress?: (done: number, total: number) => void;
  /** Stops between windows with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides of the model's tuned thresholds. */
  thresholds?: Partial<Thresholds>;
  /** Track name written into the MIDI file. */
  name?: string;
}

export interface Transcription {
  notes: Note[];
  /** A standard MIDI file of the notes. */
  midi: Uint8Array;
  /** Model outputs stitched over the whole input, [frames × keys] row-major, by output name (probs, onset_probs, velocity, offset_probs). */
  rolls: Record<string, Float32Array>;
  /** Frames per second of the rolls. */
  frameRate: number;
  /** Length of the input, seconds. */
  seconds: number;
  /** The level gain applied before the model (whole-input RMS normalisation). */
  gain: number;
}

/** The parts of the bundle's Audio2Midi.json an app reads most (the file has more: windowing, normalisation, outputs). */
export interface Contract {
  name: string;
  model: { preset: string; sha256: string; parameters: number; toolVersion: string };
  frames: { rate: number; perWindow: number; samplesPerFrame: number };
  keys: { count: number; midiOffset: number; pianoLow: number; pianoHigh: number };
  decoding: { rule: 'onset' | 'frame'; thresholds: Thresholds; description: string };
}

export interface Transcriber {
  /** The bundle's Audio2Midi.json. */
  readonly contract: Contract;
  transcribe(audio: AudioInput, options?: TranscribeOptions): Promise<Transcription>;
  /** Frees the model's tensors. */
  dispose(): void;
}

/** The subset of `@tensorflow/tfjs` the transcriber uses: pass the module (or the `tf` global of tf.min.js). */
export interface TfLike {
  loadGraphModel(url: string): Promise<unknown>;
  tensor(values: Float32Array, shape: number[]): unknown;
  dispose(tensors: unknown): void;
  ready(): Promise<void>;
}

export interface CreateTranscriberOptions {
  /** Your `@tensorflow/tfjs` (the module is not bundled: use the app's own copy, version 4). */
  tf: TfLike;
  /** Where the bundle's web/ folder is served; model/model.json and Audio2Midi.json are read from it. Default: the module's own folder. */
  baseUrl?: string | URL;
}

export declare function createTranscriber(options: CreateTranscriberOptions): Promise<Transcriber>;
