/**
 * Transcription speed per backend, next to Basic Pitch on the same audio.
 *   npm run bench:transcribe [-- --quick] [--out <json>] [--repeats N] [--batches 1,4] [--backends onnx] [--models default] [--no-basic-pitch]
 *
 * Batches: each backend runs the piece at every --batches size (5 s windows
 * per model call; `default` is the runner's own: DEFAULT_BATCH, or
 * TFJS_DEFAULT_BATCH for tfjs; default "1,default"), so the model-only
 * real-time factor with batched windows sits next to batch 1's (#21).
 *
 * Audio: one procedural piece (generatePiece, fixed seed) rendered by our own
 * renderer with FluidR3_GM and cut or padded to exactly 60 s (10 s with
 * --quick), written to a temp folder; the JSON says how.
 *
 * Ours, per model x backend: the committed default model and the `base` preset
 * with random weights (speed only; `tiny-logspec` with --quick), on every
 * backend of src/infer/backends.ts (tfjs and onnx with --quick). Each export is
 * written first in its own child process into a fresh A2M_CACHE_DIR (its time is
 * reported separately); then a fresh child per backend loads the runner from
 * the warm cache, transcribes a 20 s clip once (warm-up: one full tfjs batch
 * of 4 windows), and times
 * `transcribeFile` on the piece `repeats` times (median): RTF end to end = audio
 * seconds / wall seconds of transcribeFile (decode, model, stitching, events);
 * RTF model only = audio seconds / seconds inside runner.run. Peak RSS is the
 * child's own `process.resourceUsage().maxRSS`, so it is per backend.
 *
 * Basic Pitch, same audio, same child-per-measurement rule:
 *  - tfjs: the npm package's model.json in tfjs-node, run by its own pipeline:
 *    our ffmpeg decode to 22050 Hz mono, `BasicPitch.evaluateModel`, then
 *    `outputToNotesPoly` (its default thresholds) and `noteFramesToTime`. Model
 *    only = time inside GraphModel.execute (tfjs-node runs ops eagerly, so the
 *    outputs are computed when it returns).
 *  - ONNX Runtime on Spotify's official nmp.onnx (../shared/reference), model
 *    only, windows cut exactly as the package's prepareData does (see BP_*).
 * The baseline of the ratio column is Basic Pitch tfjs end to end, same run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, fmtRatio, median, runChild, writeResult, type BenchSummary } from './lib.js';
import { BACKENDS, cachedExport, makeRunner, type Backend, type ExportBackend } from '../src/infer/backends.js';
import { transcribeFile } from '../src/infer/transcribe.js';
import type { EventThresholds } from '../src/infer/events.js';
import { loadModel } from '../src/model/load.js';
import { basicPitchAudio, BP_SAMPLE_RATE } from '../fixtures/basic-pitch.js';
import { writeAudioFile, type PlanarAudio } from '../src/audio/pcm.js';
import { generatePiece } from '../src/data/procedural.js';
import { DEFAULT_SOUNDFONTS, renderNotes, type RenderSettings } from '../src/data/render.js';
import { hasReference, projectRoot, referenceDir } from '../src/util/paths.js';

const THIS_FILE = fileURLToPath(import.meta.url);

/** The benchmark piece: a procedural piece of this seed (not a training or validation seed's derivation). */
const PIECE_SEED = 5005;
const PIECE_SETTINGS: RenderSettings = {
  soundfont: DEFAULT_SOUNDFONTS[0]!, program: 0, reverb: null, eq: { tiltDb: 0, peak: null }, peakDb: -6, noise: null, codec: null, velocityCurve: 1,
};
/** Warm-up clip for ours: 4 windows, one full batch of the tfjs runner, so the timed runs meet no new shapes. */
const WARMUP_SECONDS = 20;
/** Basic Pitch's warm-up: one window (its input shape never changes). */
const BP_WARMUP_SECONDS = 1;

/** Basic Pitch's windowing (node_modules/@spotify/basic-pitch/src/inference.ts, from its constants.py). */
const BP_RATE = BP_SAMPLE_RATE;
const BP_FFT_HOP = 256;
const BP_WINDOW = BP_RATE * 2 - BP_FFT_HOP; // 43844 samples
const BP_OVERLAP = 30 * BP_FFT_HOP; // 7680 samples (30 frames)
const BP_HOP = BP_WINDOW - BP_OVERLAP;
const BP_MODEL_JSON = path.join(projectRoot, 'node_modules/@spotify/basic-pitch/model/model.json');
const BP_ONNX = path.join(referenceDir, 'basic-pitch', 'nmp.onnx');
/** nmp.onnx's input, as Spotify's converter named it (test/convert/basic-pitch.ts reads the same). */
const BP_ONNX_INPUT = 'serving_default_input_2:0';

// ---- child side -------------------------------------------------------------

type ChildSpec =
  | { kind: 'export'; model: string; backend: ExportBackend; result: string }
  | { kind: 'ours'; model: string; backend: Backend; batch: number; audio: string; warmup: string; repeats: number; result: string }
  | { kind: 'bp-tfjs'; audio: string; warmup: string; repeats: number; result: string }
  | { kind: 'bp-onnx'; audio: string; repeats: number; result: string };

/** A spec before the parent names its result file (Omit applied to each member of the union). */
type WithoutResult<S> = S extends unknown ? Omit<S, 'result'> : never;
type ChildRequest = WithoutResult<ChildSpec>;

interface Measured {
  runtime: string;
  /** Ours: windows per model call. */
  batch?: number;
  /** Seconds to load the model and create the runner or session (export cache warm). */
  loadSeconds: number;
  audioSeconds: number;
  e2eSeconds?: number;
  /** Ours: the first decode pass (level for the whole-file normalisation), part of e2eSeconds. */
  levelPassSeconds?: number;
  modelSeconds: number;
  notes?: number;
  windows: number;
  maxRssMiB: number;
}

const rssMiB = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

/** Runs `once` `repeats` times; returns the run with the median end-to-end (or model) time. */
async function medianRun<T extends { e2eSeconds?: number; modelSeconds: number }>(repeats: number, once: () => Promise<T>): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await once());
  const key = (r: T) => r.e2eSeconds ?? r.modelSeconds;
  const m = median(runs.map(key));
  return runs.find((r) => key(r) === m)!;
}

const CHILD: { [K in ChildSpec['kind']]: (spec: Extract<ChildSpec, { kind: K }>) => Promise<unknown> } = {
  async export(spec) {
    const { model } = await loadModel(spec.model);
    const t = performance.now();
    await cachedExport(model, spec.backend, 'fp32');
    return { exportSeconds: (performance.now() - t) / 1000 };
  },

  async ours(spec): Promise<Measured> {
    const t = performance.now();
    const { model, state } = await loadModel(spec.model);
    const thresholds = (state.thresholds ?? {}) as Partial<EventThresholds>;
    // batch 0: the runner's default.
    const runner = await makeRunner(model, spec.backend, 'fp32', { batch: spec.batch || undefined });
    const loadSeconds = (performance.now() - t) / 1000;
    await transcribeFile(spec.warmup, runner, { thresholds });
    const best = await medianRun(spec.repeats, async () => {
      let windows = 0;
      const r = await transcribeFile(spec.audio, runner, { thresholds, onWindow: (done) => { windows = done; } });
      return { e2eSeconds: r.timing.totalSeconds, levelPassSeconds: r.timing.decodeSeconds, modelSeconds: r.timing.modelSeconds, notes: r.notes.length, audioSeconds: r.seconds, windows };
    });
    await runner.dispose();
    return { runtime: runner.name, batch: runner.batch, loadSeconds, ...best, maxRssMiB: rssMiB() };
  },

  async 'bp-tfjs'(spec): Promise<Measured> {
    const tf = await import('@tensorflow/tfjs-node');
    const { BasicPitch, outputToNotesPoly, noteFramesToTime } = await import('@spotify/basic-pitch');
    const t = performance.now();
    const graph = await tf.loadGraphModel(`file://${BP_MODEL_JSON}`);
    const loadSeconds = (performance.now() - t) / 1000;
    let modelMs = 0, windows = 0;
    const execute = graph.execute.bind(graph);
    graph.execute = ((inputs, outputs) => {
      const t0 = performance.now();
      const r = execute(inputs, outputs);
      modelMs += performance.now() - t0;
      windows++;
      return r;
    }) as typeof graph.execute;
    // The package types its own @tensorflow/tfjs 3.x GraphModel; at run time it only calls execute().
    const bp = new BasicPitch(Promise.resolve(graph) as never);
    const transcribe = async (file: string, maxSeconds = Infinity) => {
      const mono = await basicPitchAudio(file, maxSeconds);
      const frames: number[][] = [], onsets: number[][] = [];
      await bp.evaluateModel(mono, (f, o) => { frames.push(...f); onsets.push(...o); }, () => {});
      return { notes: noteFramesToTime(outputToNotesPoly(frames, onsets)), seconds: mono.length / BP_RATE };
    };
    await transcribe(spec.warmup, BP_WARMUP_SECONDS);
    const best = await medianRun(spec.repeats, async () => {
      modelMs = 0; windows = 0;
      const t0 = performance.now();
      const r = await transcribe(spec.audio);
      return { e2eSeconds: (performance.now() - t0) / 1000, modelSeconds: modelMs / 1000, notes: r.notes.length, audioSeconds: r.seconds, windows };
    });
    return { runtime: `tfjs-node ${tf.version.tfjs} (@spotify/basic-pitch pipeline)`, loadSeconds, ...best, maxRssMiB: rssMiB() };
  },

  async 'bp-onnx'(spec): Promise<Measured> {
    const { loadRuntime } = await import('../src/runtimes/index.js');
    const mono = await basicPitchAudio(spec.audio);
    const windows = basicPitchWindows(mono);
    const runtime = await loadRuntime('onnx');
    const t = performance.now();
    const session = await runtime.load(BP_ONNX);
    const loadSeconds = (performance.now() - t) / 1000;
    const run = (w: Float32Array) => session.run({ [BP_ONNX_INPUT]: { shape: [1, BP_WINDOW, 1], data: w } });
    await run(windows[0]!); // warm-up
    const best = await medianRun(spec.repeats, async () => {
      let s = 0;
      for (const w of windows) { const t0 = performance.now(); await run(w); s += (performance.now() - t0) / 1000; }
      return { modelSeconds: s, audioSeconds: mono.length / BP_RATE, windows: windows.length };
    });
    await session.dispose();
    return { runtime: `${runtime.name} on Spotify's nmp.onnx`, loadSeconds, ...best, maxRssMiB: rssMiB() };
  },
};

/**
 * Basic Pitch's input windows: OVERLAP/2 zeros in front, then frames of
 * BP_WINDOW every BP_HOP samples, the last ones zero-padded (prepareData's
 * tf.signal.frame(..., padEnd = true)).
 */
function basicPitchWindows(mono: Float32Array): Float32Array[] {
  const signal = new Float32Array(BP_OVERLAP / 2 + mono.length);
  signal.set(mono, BP_OVERLAP / 2);
  const out: Float32Array[] = [];
  for (let start = 0; start < signal.length; start += BP_HOP) {
    const w = new Float32Array(BP_WINDOW);
    w.set(signal.subarray(start, Math.min(signal.length, start + BP_WINDOW)));
    out.push(w);
  }
  return out;
}

// ---- parent side ------------------------------------------------------------

/** Cuts or zero-pads planar audio to exactly `seconds`. */
function exactLength(a: PlanarAudio, seconds: number): PlanarAudio {
  const n = Math.round(seconds * a.sampleRate);
  return { sampleRate: a.sampleRate, channels: a.channels.map((c) => { const o = new Float32Array(n); o.set(c.subarray(0, n)); return o; }) };
}

async function runInChild<T>(dir: string, spec: ChildRequest, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<T> {
  const id = [spec.kind, 'model' in spec ? spec.model : '', 'backend' in spec ? spec.backend : '', 'batch' in spec ? `b${spec.batch}` : ''].filter(Boolean).join('-').replace(/[^\w.-]+/g, '_');
  const specFile = path.join(dir, `${id}.spec.json`), result = path.join(dir, `${id}.result.json`);
  writeFileSync(specFile, JSON.stringify({ ...spec, result }));
  process.stderr.write(`  ${id} ...`);
  const r = await runChild(process.execPath, ['--import', 'tsx', THIS_FILE, '--child', specFile], { env, timeoutMs });
  if (r.code !== 0) {
    process.stderr.write(' failed\n');
    const tail = r.stderr.split('\n').filter((l) => l.trim() && !/already registered|^I0000|oneDNN|cpu_feature_guard|rebuild TensorFlow/.test(l)).slice(-2).join(' | ');
    throw new Error(r.timedOut ? `timed out after ${timeoutMs / 1000} s` : `exit ${r.code}: ${tail}`);
  }
  process.stderr.write(` ${r.seconds.toFixed(1)} s\n`);
  return JSON.parse(readFileSync(result, 'utf8')) as T;
}

interface Row { backend: string; model: string; label: string; batch?: number; exportSeconds?: number; measured?: Measured; error?: string }

/** A comma-separated list of positive integers or `default` (0: the runner's default) (--batches). */
function batchList(text: string): number[] {
  const out = text.split(',').map((s) => s.trim());
  if (!out.length || out.some((s) => s !== 'default' && !/^[1-9]\d*$/.test(s))) throw new Error(`--batches: expected positive integers or "default" separated by commas, got "${text}"`);
  return [...new Set(out.map((s) => (s === 'default' ? 0 : Number(s))))];
}

async function main(): Promise<void> {
  const ctx = benchArgs('transcribe', { repeats: { type: 'string' }, batches: { type: 'string' }, backends: { type: 'string' }, models: { type: 'string' }, 'no-basic-pitch': { type: 'boolean', default: false } });
  const quick = ctx.quick;
  const seconds = quick ? 10 : 60;
  const repeats = Math.max(1, Number(ctx.values.repeats ?? (quick ? 1 : 3)));
  const allModels: [spec: string, label: string][] = [['default', 'default (committed)'], quick ? ['preset:tiny-logspec', 'tiny-logspec (random weights)'] : ['preset:base', 'base (random weights)']];
  const modelArg = ctx.values.models as string | undefined;
  const models = modelArg ? modelArg.split(',').map((m): [string, string] => allModels.find(([s]) => s === m) ?? [m, m]) : allModels;
  const backendArg = ctx.values.backends as string | undefined;
  const backends: readonly Backend[] = backendArg ? backendArg.split(',').map((b) => { if (!(BACKENDS as readonly string[]).includes(b)) throw new Error(`--backends: unknown backend ${b}`); return b as Backend; }) : quick ? ['onnx'] : BACKENDS;
  const batches = batchList((ctx.values.batches as string | undefined) ?? '1,default');
  const basicPitch = !ctx.values['no-basic-pitch'];
  const timeoutMs = (quick ? 600 : 3600) * 1000;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'a2m-bench-transcribe-'));
  const env = { ...process.env, A2M_CACHE_DIR: path.join(dir, 'cache'), TF_CPP_MIN_LOG_LEVEL: '2' };
  try {
    console.error(`rendering the ${seconds} s piece (generatePiece seed ${PIECE_SEED}, FluidR3_GM) ...`);
    const rendered = await renderNotes(generatePiece(PIECE_SEED, { seconds }), PIECE_SETTINGS);
    const audio = path.join(dir, 'piece.flac'), warmup = path.join(dir, 'warmup.flac');
    await writeAudioFile(audio, exactLength(rendered.audio, seconds));
    // The warm-up holds at least one full batch of the largest --batches (windows hop 4.5 s), so timed runs meet no new shapes.
    const warmupSeconds = Math.min(seconds, Math.max(WARMUP_SECONDS, 4.5 * Math.max(...batches, 4) + 1));
    await writeAudioFile(warmup, exactLength(rendered.audio, warmupSeconds));

    const rows: Row[] = [];
    for (const [model, label] of models) {
      for (const backend of backends) {
        let exportSeconds: number | undefined, exportError: string | undefined;
        try {
          if (backend !== 'tfjs') exportSeconds = (await runInChild<{ exportSeconds: number }>(dir, { kind: 'export', model, backend }, env, timeoutMs)).exportSeconds;
        } catch (e) { exportError = (e as Error).message; }
        for (const batch of batches) {
          const row: Row = { backend, model, label, batch: batch || undefined, exportSeconds };
          rows.push(row);
          if (exportError) { row.error = exportError; continue; }
          try {
            row.measured = await runInChild<Measured>(dir, { kind: 'ours', model, backend, batch, audio, warmup, repeats }, env, timeoutMs);
            row.batch = row.measured.batch;
          } catch (e) { row.error = (e as Error).message; }
          // `default` equal to a listed size measures it twice: keep one row.
          if (!batch && rows.some((r) => r !== row && r.model === model && r.backend === backend && r.batch === row.batch)) rows.splice(rows.indexOf(row), 1);
        }
      }
    }
    // TF's oneDNN kernels are ~100x slower on Basic Pitch's graph here (its official SavedModel: 21 s vs 0.2 s per
    // window in Python TF 2.21), while our model runs ~2x faster with them: each side gets its own best setting.
    const bpTfjs: Row = { backend: 'tfjs', model: 'basic-pitch', label: 'Basic Pitch (npm model.json, TF_ENABLE_ONEDNN_OPTS=0)' };
    if (!basicPitch) bpTfjs.error = 'skipped: --no-basic-pitch';
    else try { bpTfjs.measured = await runInChild<Measured>(dir, { kind: 'bp-tfjs', audio, warmup, repeats }, { ...env, TF_ENABLE_ONEDNN_OPTS: '0' }, timeoutMs); } catch (e) { bpTfjs.error = (e as Error).message; }
    const bpOnnx: Row = { backend: 'onnx', model: 'basic-pitch-official', label: 'Basic Pitch (official nmp.onnx)' };
    if (!basicPitch) bpOnnx.error = 'skipped: --no-basic-pitch';
    else if (!hasReference) bpOnnx.error = 'skipped: ../shared not present';
    else try { bpOnnx.measured = await runInChild<Measured>(dir, { kind: 'bp-onnx', audio, repeats }, env, timeoutMs); } catch (e) { bpOnnx.error = (e as Error).message; }
    rows.push(bpTfjs, bpOnnx);

    const baselineRtf = bpTfjs.measured?.e2eSeconds ? bpTfjs.measured.audioSeconds / bpTfjs.measured.e2eSeconds : undefined;
    const rtf = (m: Measured | undefined, s: number | undefined) => (m && s ? m.audioSeconds / s : undefined);
    const fmtRtf = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(v >= 10 ? 0 : 1)}x`);
    const results = rows.map((r) => ({
      ...r,
      rtfEndToEnd: rtf(r.measured, r.measured?.e2eSeconds), rtfModelOnly: rtf(r.measured, r.measured?.modelSeconds),
    }));
    const ours = (model: string, by: 'rtfEndToEnd' | 'rtfModelOnly') =>
      results.filter((r) => r.model === model && r[by] !== undefined).sort((a, b) => b[by]! - a[by]!).map((r) => `${r.backend}${r.batch ? ` batch ${r.batch}` : ''} ${fmtRtf(r[by])}`);
    // Model-only RTF at each batch next to batch 1's, per model and backend.
    const batchGain = (model: string) => backends.flatMap((b) => {
      const at = (n: number) => results.find((r) => r.model === model && r.backend === b && r.batch === n)?.rtfModelOnly;
      const one = at(1);
      const measured = [...new Set(results.filter((r) => r.model === model && r.backend === b && r.batch).map((r) => r.batch!))];
      return measured.filter((n) => n !== 1 && at(n) !== undefined).map((n) => `${b} batch ${n} ${fmtRtf(at(n))}${one ? ` (${(at(n)! / one).toFixed(2)}x batch 1's ${fmtRtf(one)})` : ''}`);
    });
    const baseline = `Basic Pitch (@spotify/basic-pitch model.json in tfjs-node with oneDNN off, its fastest setting here; its own pipeline) end to end on the same ${seconds} s audio, same run`;
    const summary: BenchSummary = {
      title: `Transcription speed per backend (${seconds} s piece; real-time factor = audio s / wall s)`,
      baseline,
      columns: ['backend', 'model', 'batch', 'runtime', 'RTF end to end', 'RTF model only', 'vs Basic Pitch tfjs (e2e)', 'peak RSS MiB', 'export s'],
      rows: results.map((r) => [
        r.backend, r.label, r.batch ?? '—', r.measured?.runtime ?? r.error ?? '—', fmtRtf(r.rtfEndToEnd), fmtRtf(r.rtfModelOnly),
        r.rtfEndToEnd !== undefined && baselineRtf ? fmtRatio(r.rtfEndToEnd / baselineRtf) : '—',
        r.measured?.maxRssMiB ?? '—', r.exportSeconds !== undefined ? Number(r.exportSeconds.toFixed(2)) : '—',
      ]),
      notes: [
        `Our backends, fastest first (default model, end to end): ${ours('default', 'rtfEndToEnd').join(', ')}; model only: ${ours('default', 'rtfModelOnly').join(', ')}.`,
        ...(models[1] ? [`${models[1][1]}: end to end ${ours(models[1][0], 'rtfEndToEnd').join(', ')}.`] : []),
        ...models.map(([m, label]) => `Batched windows, model only (${label}): ${batchGain(m).join('; ') || 'no batch > 1 measured'}.`),
        `Audio: generatePiece(${PIECE_SEED}) rendered with FluidR3_GM (no effects), cut/padded to ${seconds} s; each figure is the median of ${repeats} run(s) after a warm-up (ours: the first ${warmupSeconds} s, at least one full batch of the largest batch; Basic Pitch: one window), each measurement in a fresh process (peak RSS per process).`,
        'Export seconds: writing the fp32 export into an empty cache (own process), excluded from the RTFs. Official nmp.onnx: model only (Basic Pitch windowing: 43844-sample windows, hop 36164).',
        ...rows.filter((r) => r.error).map((r) => `${r.label} on ${r.backend}: ${r.error}`),
        ...(quick ? ['--quick: 10 s of audio, tiny-logspec instead of base, onnx only, 1 run: a smoke test, not a measurement.'] : []),
      ],
    };
    await writeResult(ctx, {
      audio: { seconds, source: `generatePiece(${PIECE_SEED}, { seconds: ${seconds} }) rendered by renderNotes with ${path.basename(PIECE_SETTINGS.soundfont)} program 0, no reverb/noise/codec, peak ${PIECE_SETTINGS.peakDb} dBFS, cut/padded to exactly ${seconds} s (temp file)`, warmupSeconds, batches, basicPitchWarmupSeconds: BP_WARMUP_SECONDS },
      repeats, results,
    }, summary);
    for (const row of summary.rows) console.log(row.join(' | '));
    for (const n of summary.notes ?? []) console.log(`- ${n}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt > 0) {
  const spec = JSON.parse(readFileSync(process.argv[childAt + 1]!, 'utf8')) as ChildSpec;
  const out = await (CHILD[spec.kind] as (s: ChildSpec) => Promise<unknown>)(spec);
  mkdirSync(path.dirname(spec.result), { recursive: true });
  writeFileSync(spec.result, JSON.stringify(out));
  process.exit(0); // runtimes (LiteRT.js, TF) may keep handles open
} else {
  await main();
}
