/**
 * Accuracy next to Basic Pitch on the validation split (issue #4), and (as
 * bench:accuracy-heldout, bench/accuracy-heldout.ts) on pieces in a held-out
 * timbre no model here was trained or tuned on.
 *   npm run bench:accuracy [-- --quick] [--data data/val] [--out bench/results/accuracy.json]
 *
 * Ours: the committed default model through `validateDataset`, the code path of
 * `npx a2m validate data/val` (canonical tfjs backend), once with the model
 * card's thresholds (stored in the checkpoint; tuned on this same split) and
 * once with the untuned defaults.
 * Basic Pitch: the npm package @spotify/basic-pitch with its own pipeline and
 * defaults (see BASIC_PITCH_DECODINGS); only its network runs elsewhere (ONNX
 * Runtime, checked against model.json each run; see basicPitchOnOnnx). Both are scored by the same
 * mir_eval-exact metrics (`scoreNotes`) per piece and averaged over pieces as
 * validate.ts does. --quick: the first piece.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchArgs, machineLine, writeResult } from './lib.js';
import { loadModel } from '../src/model/load.js';
import { makeRunner } from '../src/infer/backends.js';
import { validateDataset, type PieceResult } from '../src/eval/validate.js';
import { listPairs } from '../src/data/loader.js';
import { readCsv } from '../src/data/csv.js';
import { basicPitchAudio, BP_RENAME } from '../fixtures/basic-pitch.js';
import { convertModel } from '../src/convert/convert.js';
import { loadRuntime } from '../src/runtimes/index.js';
import { scoreNotes } from '../src/eval/mir-eval.js';
import type { EventThresholds } from '../src/infer/events.js';
import type { Note } from '../src/types.js';
import { projectRoot } from '../src/util/paths.js';
import { A2mError } from '../src/errors.js';

const QUICK_PIECES = 1;

/** A split this bench scores: where it lives, how to re-create it, what it says about the comparison. */
export interface AccuracySplit {
  /** The bench (result file) name. */
  bench: string;
  dir: string;
  render: string;
  /** e.g. "validation pieces". */
  label: string;
  notes: string[];
}

export const VALIDATION_SPLIT: AccuracySplit = {
  bench: 'accuracy',
  dir: path.join('data', 'val'),
  render: 'npx a2m dataset render --hours 0.3 --seed 1002 --out data/val',
  label: 'validation pieces',
  notes: [
    'Our model card thresholds were tuned on this same split (a2m validate --tune); the "default thresholds" row is the untuned figure, the fairer one against Basic Pitch\'s untuned defaults.',
    'The split is in-domain for us (same renderer, procedural material and timbres as our training data); Basic Pitch is instrument-agnostic and never saw it. This is not a general-accuracy comparison.',
  ],
};

// ---------------------------------------------------------------- Basic Pitch

const require = createRequire(import.meta.url);
const BP_PACKAGE_JSON = require.resolve('@spotify/basic-pitch/package.json');
const BP_PACKAGE = path.dirname(BP_PACKAGE_JSON);
const BP_VERSION = (JSON.parse(readFileSync(BP_PACKAGE_JSON, 'utf8')) as { version: string }).version;
/**
 * Basic Pitch's code imports its own nested tfjs 3 (pure JS). tfjs keeps one
 * engine per process in a global, so a second tfjs beside tfjs-node would
 * share (and fight over) it: the package gets tfjs-node, same API, instead.
 */
const tf = require('@tensorflow/tfjs-node') as typeof import('@tensorflow/tfjs-node');
const nestedTfjs = createRequire(BP_PACKAGE_JSON).resolve('@tensorflow/tfjs');
require.cache[nestedTfjs] = Object.assign(new Module(nestedTfjs), { filename: nestedTfjs, loaded: true, exports: tf });
const { BasicPitch, addPitchBendsToNoteEvents, noteFramesToTime, outputToNotesPoly } = require('@spotify/basic-pitch') as typeof import('@spotify/basic-pitch');
type Tensor3D = import('@tensorflow/tfjs-node').Tensor3D;
/** The package types its tensors with its nested tfjs; at run time they are tfjs-node's (above). */
type BpFrame = ReturnType<InstanceType<typeof BasicPitch>['evaluateSingleFrame']>;


/**
 * Decoding settings, all package defaults:
 * - `predict()`: Basic Pitch's own CLI/Python defaults (basic_pitch/inference.py
 *   `predict`: onset_threshold 0.5, frame_threshold 0.3, minimum_note_length
 *   127.70 ms -> round(0.1277 * 22050 / 256) = 11 frames; infer_onsets and
 *   melodia_trick on, energy tolerance 11). The headline baseline.
 * - `outputToNotesPoly()`: the TS function's own defaults (toMidi.ts: 0.5, 0.3,
 *   minNoteLen 5, inferOnsets true, melodiaTrick true, energyTolerance 11), i.e.
 *   what a caller gets passing only (frames, onsets); 5 frames is also Python's
 *   older 58 ms default.
 */
const BASIC_PITCH_DECODINGS = [
  { key: 'predict', label: 'Basic Pitch (its predict() defaults: onset 0.5, frame 0.3, min note 11 frames)', onset: 0.5, frame: 0.3, minNoteFrames: 11 },
  { key: 'tsDefaults', label: 'Basic Pitch (outputToNotesPoly defaults: min note 5 frames)', onset: 0.5, frame: 0.3, minNoteFrames: 5 },
] as const;

/**
 * The package's BasicPitch with its network run by ONNX Runtime. TensorFlow
 * runs this model.json at ~8 s per 2 s window here (bench:basic-pitch), ONNX
 * Runtime at ~50 ms, so only `evaluateSingleFrame` (slice one window, run the
 * network, return frames/onsets/contours) is replaced; framing, unwrapping,
 * trimming and note decoding are the package's code. The ONNX file is the
 * package's own model.json converted by `convertModel`, and `networkCheck`
 * compares it with tfjs-node's execution of model.json on a real window in
 * every run.
 */
async function basicPitchOnOnnx(scratch: string) {
  const manifest = await convertModel(path.join(BP_PACKAGE, 'model'), { formats: ['onnx'], precisions: ['fp32'], out: scratch, rename: BP_RENAME });
  const session = await (await loadRuntime('onnx')).load(path.join(scratch, manifest.artifacts[0]!.path));
  const [, samples, channels] = manifest.inputs[0]!.shape as [number, number, number];
  const run = async (window: Float32Array) => session.run({ input_2: { shape: [1, samples, channels], data: window } });
  class BasicPitchOnnx extends BasicPitch {
    override async evaluateSingleFrame(reshapedInput: Parameters<InstanceType<typeof BasicPitch>['evaluateSingleFrame']>[0], batchNumber: number): BpFrame {
      const single = tf.slice(reshapedInput as unknown as Tensor3D, batchNumber, 1);
      const out = await run(single.dataSync() as Float32Array);
      single.dispose();
      const t = (name: string) => tf.tensor3d(out[name]!.data, out[name]!.shape as [number, number, number]);
      return [t('note'), t('onset'), t('contour')] as unknown as Awaited<BpFrame>;
    }
  }
  /** max |ONNX - tfjs-node model.json| over the three outputs on one real window. */
  async function networkCheck(window: Float32Array): Promise<number> {
    const graph = await tf.loadGraphModel(pathToFileURL(path.join(BP_PACKAGE, 'model', 'model.json')).href);
    const x = tf.tensor3d(window, [1, samples, channels]);
    const ref = graph.execute(x, ['Identity_1', 'Identity_2', 'Identity']) as Tensor3D[];
    const got = await run(window);
    let worst = 0;
    ['note', 'onset', 'contour'].forEach((name, k) => {
      const a = ref[k]!.dataSync(), b = got[name]!.data;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    });
    tf.dispose([x, ...ref]);
    graph.dispose();
    return worst;
  }
  // BasicPitch only awaits `this.model` in the method replaced above.
  return { bp: new BasicPitchOnnx(Promise.resolve(null) as never), networkCheck, samples, dispose: () => session.dispose() };
}

interface Rolls { frames: number[][]; onsets: number[][]; contours: number[][] }

/** `evaluateModel` on one file's audio. */
async function basicPitchRolls(bp: InstanceType<typeof BasicPitch>, mono: Float32Array): Promise<Rolls> {
  const rolls: Rolls = { frames: [], onsets: [], contours: [] };
  // evaluateModel leaves its tensors allocated; one scope per file frees them.
  tf.engine().startScope();
  try {
    await bp.evaluateModel(mono, (f, o, c) => { rolls.frames.push(...f); rolls.onsets.push(...o); rolls.contours.push(...c); }, () => {});
  } finally {
    tf.engine().endScope();
  }
  return rolls;
}

/** Notes as the package's README chains it; velocity = round(127 * amplitude), as Basic Pitch's MIDI writer sets it. */
function basicPitchNotes(rolls: Rolls, d: (typeof BASIC_PITCH_DECODINGS)[number]): Note[] {
  const copy = (m: number[][]) => m.map((row) => row.slice()); // decoding must not see another decoding's edits
  const events = noteFramesToTime(addPitchBendsToNoteEvents(rolls.contours, outputToNotesPoly(copy(rolls.frames), copy(rolls.onsets), d.onset, d.frame, d.minNoteFrames)));
  return events.map((e) => ({ onset: e.startTimeSeconds, offset: e.startTimeSeconds + e.durationSeconds, pitch: e.pitchMidi, velocity: Math.round(127 * e.amplitude) / 127 }));
}

// ---------------------------------------------------------------- scoring

type Scores = Pick<PieceResult, 'onset' | 'onsetOffset' | 'onsetVelocity'> & { name: string; refNotes: number; estNotes: number };
interface SystemResult { label: string; wallSeconds: number; pieces: Scores[]; mean: Mean }
interface Mean { onsetPrecision: number; onsetRecall: number; onsetF1: number; onsetOffsetF1: number; onsetVelocityF1: number }

/** The mean over pieces, as validate.ts averages (a missing velocity score counts 0). */
function meanOf(pieces: Scores[]): Mean {
  const m = (f: (p: Scores) => number | undefined) => pieces.reduce((a, p) => a + (f(p) ?? 0), 0) / Math.max(1, pieces.length);
  return {
    onsetPrecision: m((p) => p.onset.precision), onsetRecall: m((p) => p.onset.recall), onsetF1: m((p) => p.onset.f1),
    onsetOffsetF1: m((p) => p.onsetOffset.f1), onsetVelocityF1: m((p) => p.onsetVelocity?.f1),
  };
}

const prf = (s: { precision: number; recall: number; f1: number }) => ({ precision: s.precision, recall: s.recall, f1: s.f1 });

// ---------------------------------------------------------------- run

/** Where the card's thresholds were tuned (the checkpoint records it), for the row label. */
function cardThresholdsSplit(state: Record<string, unknown>): string {
  // The checkpoint stores the folder as it was on the training machine: its last two parts name it.
  return typeof state.thresholdsTunedOn === 'string' ? state.thresholdsTunedOn.split(/[\\/]/).filter(Boolean).slice(-2).join('/') : 'the validation split';
}

/** Scores the default model and Basic Pitch on one split and writes bench/results/<split.bench>.json. */
export async function runAccuracyBench(split: AccuracySplit): Promise<void> {

  const ctx = benchArgs(split.bench, { data: { type: 'string' } });
  // --quick is the smoke run inside `npm test` (CI has no rendered splits): the committed one-piece fixture set.
  const smokeFixture = ctx.quick && ctx.values.data === undefined;
  ctx.values.data ??= smokeFixture ? path.join(projectRoot, 'fixtures', 'tiny-set') : path.join(projectRoot, split.dir);
  if (!existsSync(ctx.values.data as string)) throw new A2mError(`${ctx.values.data}: ${split.label} not found; render them with \`${split.render}\``);
  const allPairs = await listPairs(ctx.values.data as string);
  const pairs = ctx.quick ? allPairs.slice(0, QUICK_PIECES) : allPairs;
  // validateDataset scores a folder: --quick gives it a folder of links to the first pieces.
  const subset = ctx.quick ? mkdtempSync(path.join(os.tmpdir(), 'a2m-bench-accuracy-')) : null;
  for (const p of subset ? pairs : []) for (const f of [p.audio, p.csv]) symlinkSync(path.resolve(f), path.join(subset!, path.basename(f)));
  const dataDir = subset ?? (ctx.values.data as string);
  console.log(`accuracy: ${pairs.length} pieces of ${ctx.values.data}${ctx.quick ? ' (--quick)' : ''}; ${machineLine(ctx.machine)}`);

  try {
    const systems: Record<string, SystemResult> = {};

    const { model, source, state } = await loadModel('default');
    const runner = await makeRunner(model, 'tfjs');
    const cardThresholds = (state.thresholds ?? {}) as Partial<EventThresholds>;
    for (const [key, label, thresholds] of [
      ['ours', `ours: default model, model card thresholds (tuned on ${cardThresholdsSplit(state)})`, cardThresholds],
      ['oursUntuned', 'ours: default model, default thresholds (untuned)', {}],
    ] as const) {
      const t0 = performance.now();
      const rep = await validateDataset(model, source, runner, dataDir, {
        thresholds, seedMetrics: false, tune: false, onPiece: (name, i, n) => process.stderr.write(`\r${key} [${i + 1}/${n}] ${name}`.padEnd(60)),
      });
      const pieces = rep.pieces.map((p) => ({ name: p.name, refNotes: p.refNotes, estNotes: p.estNotes, onset: p.onset, onsetOffset: p.onsetOffset, onsetVelocity: p.onsetVelocity }));
      systems[key] = { label: `${label} [${rep.runtime}]`, wallSeconds: (performance.now() - t0) / 1000, pieces, mean: meanOf(pieces) };
    }
    await runner.dispose();
    model.dispose();

    const bpScratch = mkdtempSync(path.join(os.tmpdir(), 'a2m-bench-accuracy-bp-'));
    const { bp, networkCheck, samples: bpWindow, dispose: disposeBp } = await basicPitchOnOnnx(bpScratch);
    const bpPieces: Record<string, Scores[]> = Object.fromEntries(BASIC_PITCH_DECODINGS.map((d) => [d.key, []]));
    const bpSeconds: Record<string, number> = Object.fromEntries(BASIC_PITCH_DECODINGS.map((d) => [d.key, 0]));
    let networkMaxAbs = NaN;
    try {
      for (const [i, p] of pairs.entries()) {
        process.stderr.write(`\rbasic pitch [${i + 1}/${pairs.length}] ${p.name}`.padEnd(60));
        const ref = await readCsv(p.csv);
        const mono = await basicPitchAudio(p.audio);
        if (i === 0) {
          networkMaxAbs = await networkCheck(mono.slice(0, bpWindow));
          if (!(networkMaxAbs <= 1e-4)) throw new A2mError(`Basic Pitch ONNX conversion differs from model.json in tfjs-node by ${networkMaxAbs} (tolerance 1e-4)`);
        }
        const t0 = performance.now();
        const rolls = await basicPitchRolls(bp, mono);
        const modelSeconds = (performance.now() - t0) / 1000;
        for (const d of BASIC_PITCH_DECODINGS) {
          const t1 = performance.now();
          const est = basicPitchNotes(rolls, d);
          bpSeconds[d.key]! += modelSeconds + (performance.now() - t1) / 1000;
          const s = scoreNotes(ref, est, { velocity: true });
          bpPieces[d.key]!.push({ name: p.name, refNotes: ref.length, estNotes: est.length, onset: prf(s.onset), onsetOffset: prf(s.onsetOffset), onsetVelocity: prf(s.onsetVelocity!) });
        }
      }
    } finally {
      await disposeBp();
      rmSync(bpScratch, { recursive: true, force: true });
    }
    process.stderr.write('\n');
    for (const d of BASIC_PITCH_DECODINGS) systems[`basicPitch_${d.key}`] = { label: d.label, wallSeconds: bpSeconds[d.key]!, pieces: bpPieces[d.key]!, mean: meanOf(bpPieces[d.key]!) };

    // ---- print: per piece onset F1 side by side, then the means
    const keys = Object.keys(systems);
    const base = systems.basicPitch_predict!;
    const f3 = (x: number) => x.toFixed(3);
    console.log(`\n${'piece'.padEnd(24)} ${'ref'.padStart(5)}  onset F1: ${keys.map((k) => k.padStart(20)).join(' ')}`);
    for (const [i, p] of pairs.entries()) {
      console.log(`${p.name.slice(0, 24).padEnd(24)} ${String(systems.ours!.pieces[i]!.refNotes).padStart(5)}            ${keys.map((k) => f3(systems[k]!.pieces[i]!.onset.f1).padStart(20)).join(' ')}`);
    }
    const rows = keys.map((k) => {
      const m = systems[k]!.mean;
      return [systems[k]!.label, +f3(m.onsetPrecision), +f3(m.onsetRecall), +f3(m.onsetF1), +f3(m.onsetOffsetF1), +f3(m.onsetVelocityF1), `${(m.onsetF1 / base.mean.onsetF1).toFixed(2)}x`, +systems[k]!.wallSeconds.toFixed(1)];
    });
    const columns = ['system', 'onset P', 'onset R', 'onset F1', 'onset+offset F1', 'onset+velocity F1', 'onset F1 vs Basic Pitch', 'wall s'];
    console.log(`\n${columns.join(' | ')}`);
    for (const r of rows) console.log(r.join(' | '));

    await writeResult(ctx, {
      dataset: { dir: path.resolve(ctx.values.data as string), pieces: pairs.map((p) => p.name), refNotes: systems.ours!.pieces.reduce((a, p) => a + p.refNotes, 0) },
      basicPitch: { package: `@spotify/basic-pitch ${BP_VERSION}`, network: 'the package model.json converted to ONNX (convertModel), run in ONNX Runtime', networkMaxAbsVsTfjs: networkMaxAbs, decodings: BASIC_PITCH_DECODINGS },
      ourThresholds: cardThresholds,
      systems,
    }, {
      title: `Note accuracy vs Basic Pitch, ${pairs.length} ${split.label}${ctx.quick ? ' (--quick)' : ''} (mean over pieces, mir_eval-exact)`,
      baseline: 'Basic Pitch (npm @spotify/basic-pitch, its own pipeline, predict() defaults) on the same pieces, scored by the same metrics in the same run',
      columns, rows,
      notes: [
        'onset: 50 ms onset + pitch; onset+offset: offset within 20 % of the duration (at least 50 ms); onset+velocity: mir_eval velocity (rescaled, within 0.1).',
        ...(smokeFixture ? ['--quick: one piece of the committed fixture set (fixtures/tiny-set), not this split: a smoke run of the code path only'] : split.notes),
        'Basic Pitch: mono downmix at 22050 Hz (ffmpeg resampler, not librosa/soxr), the package\'s evaluateModel (its network in ONNX Runtime, checked against model.json in tfjs-node each run), outputToNotesPoly -> addPitchBendsToNoteEvents -> noteFramesToTime as its README chains them; velocity round(127 * amplitude).',
        'wall s: model + decoding on the machine as it was (shared); the Basic Pitch figure includes its pure-JS note decoding.',
      ],
    });
  } finally {
    if (subset) rmSync(subset, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) await runAccuracyBench(VALIDATION_SPLIT);
