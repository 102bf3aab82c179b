/**
 * The backends' names and the batch defaults: what the CLI's option builders
 * need, apart from ./backends.ts (which loads the converters and runtimes), so
 * a command module stays cheap to import.
 */
export const BACKENDS = ['tfjs', 'savedmodel', 'onnx', 'tflite'] as const;
export type Backend = (typeof BACKENDS)[number];
export type ExportBackend = Exclude<Backend, 'tfjs'>;
/** Fastest first, end to end on the default model (`npm run bench:transcribe`, 2 cores: onnx 59x, savedmodel 54x, tflite 36x, tfjs 32x real time). */
export const BACKEND_PREFERENCE: Backend[] = ['onnx', 'savedmodel', 'tflite', 'tfjs'];

/**
 * Windows per model call when the caller does not choose (`--batch`), chosen by
 * measurement on the 2-core machine (ONNX Runtime, 2 intra-op threads, default
 * model; other jobs sharing it, so three runs each). bench:transcribe, 60 s piece
 * (13 windows), model-only real-time factor at batch 1 / 2 / 4 / 8: 160 / 186 /
 * 143 / 122, 181 / 194 / 170 / 24 (contended), 173 / 167 / 178 / 126
 * (bench/results/transcribe-batch.json is the last); bench:roofline, ms per
 * window: 33.1 / 32.0 / 30.0 / 21.6, 24.7 / 20.4 / 21.9 / 22.7, 21.5 / 20.9 /
 * 22.5 / 23.0. Batch 2 is never slower than batch 1 by more than the noise and
 * has the best median; 8 loses in transcription (a short last batch and 8
 * windows' activations). Two threads already keep both cores busy at batch 1,
 * so batching gains little here.
 */
export const DEFAULT_BATCH = 2;
/**
 * The canonical tfjs model's batch (as before #21): tfjs-node gains from
 * batching here (bench:roofline: 67.7 / 44.4 / 38.0 / 36.2 ms per window at
 * batch 1 / 2 / 4 / 8).
 */
export const TFJS_DEFAULT_BATCH = 4;
/** The largest --batch (activation memory grows with it). */
export const MAX_BATCH = 64;

