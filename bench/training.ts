/**
 * Training benchmark: windows/s of our tfjs-node trainer per preset, the data
 * loader's windows/s, and the same model's training step in Python TensorFlow
 * (the venv's tensorflow-cpu, whose C library tfjs-node is linked against) to
 * show what our trainer costs over TF itself.
 *   npm run bench:training [-- --quick] [--data fixtures/tiny-set] [--out bench/results/training.json]
 *
 * a2m rows: `train()` of src/train/trainer.ts itself (the real step: loader
 * batch, forward, computeLoss, tf.variableGrads, AdamW with clipping, loss read
 * back), batch 8, each preset in its own child process (so peak RSS is that
 * preset's). The trainer reports its loader time with each step, so each
 * step's time splits into loader and compute. Warm-up steps are excluded.
 * TF rows: the model's IR graph (src/ir/serialize.ts) rebuilt op by op in
 * bench/tf_train_step.py, first checked against the tfjs forward on the same
 * batch (max abs error <= 1e-4, else no timing), then a tf.function step with
 * Keras AdamW + global-norm clip on that batch. Both use TF's default thread
 * pools. The TF graph has no dropout (the IR records none), so if `small`
 * trains with dropout the full run also times the a2m trainer without it.
 * Quick: tiny only, 3 timed steps. Full: tiny, small, base (base ~5 steps).
 */
import * as tf from '@tensorflow/tfjs-node';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_AUGMENT } from '../src/data/augment.js';
import { loadPieces, type Grid, type Piece, WindowSampler } from '../src/data/loader.js';
import { TARGET_ROLLS } from '../src/data/targets.js';
import { A2mError } from '../src/errors.js';
import { npyBytes, writeIrFiles } from '../src/ir/serialize.js';
import type { HostTensor } from '../src/ir/tensor.js';
import { loadCheckpoint } from '../src/model/checkpoint.js';
import { getPreset } from '../src/model/config.js';
import type { Model } from '../src/model/model.js';
import { computeLoss, ONSET_LOSS_WEIGHT, ONSET_POS_WEIGHT, VELOCITY_LOSS_WEIGHT, OFFSET_POS_WEIGHT, OFFSET_LOSS_WEIGHT } from '../src/train/loss.js';
import { DEFAULT_OPTIMIZER } from '../src/train/optimizer.js';
import { train } from '../src/train/trainer.js';
import { projectRoot, venvPython } from '../src/util/paths.js';
import { randomizedModel } from '../fixtures/models.js';
import { benchArgs, fmtRatio, machineLine, median, runChild, writeResult } from './lib.js';

const SELF = fileURLToPath(import.meta.url);
const TF_SCRIPT = path.join(projectRoot, 'bench', 'tf_train_step.py');
const DEFAULT_DATA = path.join(projectRoot, 'fixtures', 'tiny-set');
/** The trainer's default batch (`a2m train --batch`). */
const BATCH = 8;
/** The parity bar between the TF rebuild and tfjs: the fp32 export tolerance. */
export const PARITY_TOLERANCE = 1e-4;
const QUIET_TF = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };

const gridOf = (preset: string): Grid => {
  const c = getPreset(preset);
  return { sampleRate: c.sampleRate, windowSamples: c.windowSamples, frames: c.frames, keys: c.keys };
};

// ---- a2m side: the real trainer, one preset per child process ---------------------------
interface TrainerResult {
  preset: string; dropout: number; parameters: number; warmupSteps: number; steps: number; batch: number;
  seconds: number; secondsPerStep: number; medianStepSeconds: number; windowsPerSecond: number;
  loaderSecondsPerStep: number; computeSecondsPerStep: number; firstStepSeconds: number; peakRssMiB: number;
  /** CPU seconds of all threads per timed step (less sensitive than wall time to other jobs on the machine). */
  cpuSecondsPerStep: number;
}

/** Runs `train()` for warm-up + timed steps in this process and measures it (the child side). */
async function trainerWorker(preset: string, data: string, warmup: number, steps: number, dropout?: number): Promise<TrainerResult> {
  const config = getPreset(preset);
  if (dropout !== undefined) config.dropout = dropout;
  const pieces = await loadPieces(data, gridOf(preset));
  // train() reports its loader time with each step: the step time then splits into loader and compute.
  const stampAt: number[] = [], loaderAt: number[] = [], cpuAt: number[] = [];
  const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const runDir = await mkdtemp(path.join(os.tmpdir(), `a2m-bench-train-${preset}-`));
  try {
    const total = warmup + steps;
    const t0 = performance.now();
    await train({
      config, runDir, train: pieces, val: [], steps: total, batch: BATCH, accumulate: 1, seed: 1,
      optimizer: { ...DEFAULT_OPTIMIZER, totalSteps: total }, augment: DEFAULT_AUGMENT,
      checkpointEvery: total, validateEvery: total, keep: 1, resume: false,
      onProgress: (p) => { stampAt[p.step] = performance.now(); loaderAt[p.step] = p.loaderSeconds; cpuAt[p.step] = cpuSeconds(); },
    });
    const seconds = (stampAt[total]! - stampAt[warmup]!) / 1000;
    const perStep = stampAt.slice(warmup + 1).map((t, i) => (t - stampAt[warmup + i]!) / 1000);
    const loaderSecondsPerStep = (loaderAt[total]! - loaderAt[warmup]!) / steps;
    let parameters = 0;
    for (const t of (await loadCheckpoint(path.join(runDir, 'best'))).weights.values()) parameters += t.data.length;
    return {
      preset, dropout: config.dropout, parameters, warmupSteps: warmup, steps, batch: BATCH, seconds,
      secondsPerStep: seconds / steps, medianStepSeconds: median(perStep), windowsPerSecond: (steps * BATCH) / seconds,
      loaderSecondsPerStep, computeSecondsPerStep: seconds / steps - loaderSecondsPerStep,
      firstStepSeconds: (stampAt[1]! - t0) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024,
      cpuSecondsPerStep: (cpuAt[total]! - cpuAt[warmup]!) / steps,
    };
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

const RESULT_MARK = 'A2M_TRAINER_RESULT ';

async function runTrainer(preset: string, data: string, warmup: number, steps: number, dropout?: number): Promise<TrainerResult> {
  const args = [...process.execArgv, SELF, '--worker', preset, '--data', data, '--warmup', String(warmup), '--steps', String(steps)];
  if (dropout !== undefined) args.push('--dropout', String(dropout));
  const r = await runChild(process.execPath, args, { env: QUIET_TF });
  const line = r.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (r.code !== 0 || !line) throw new A2mError(`trainer bench for ${preset} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(line.slice(RESULT_MARK.length)) as TrainerResult;
}

// ---- TF side: IR graph + one batch + the tfjs outputs, as files for tf_train_step.py -----
const host = async (t: tf.Tensor): Promise<HostTensor> => ({ shape: [...t.shape], data: (await t.data()) as Float32Array });

/**
 * Writes into `dir` what bench/tf_train_step.py needs: the model's IR (batch
 * `batch`, ParamStore variables marked trainable), one loader batch, the tfjs
 * outputs and loss parts on it (the parity reference), loss weights and
 * optimizer settings.
 */
export async function prepareTfDir(dir: string, model: Model, pieces: Piece[], batch: number): Promise<void> {
  const graph = await model.graph(batch, { trainable: true });
  await writeIrFiles(dir, graph, new Set(model.store.vars.keys()));
  const b = new WindowSampler(pieces, gridOf(model.config.preset), DEFAULT_AUGMENT, 1).batch(batch, 0);
  const tshape = [b.batch, b.frames, b.keys];
  const tensors: Record<string, HostTensor> = {
    samples: { shape: [b.batch, 2, b.samples], data: b.audio },
    ...Object.fromEntries(TARGET_ROLLS.map((name) => [name, { shape: tshape, data: b.targets[name] }])),
  };
  const x = tf.tensor(b.audio, tensors.samples!.shape);
  const targets = Object.fromEntries(TARGET_ROLLS.map((name) => [name, tf.tensor(b.targets[name], tshape)])) as Record<(typeof TARGET_ROLLS)[number], tf.Tensor>;
  model.ops.setTraining(false);
  const { outs, parts } = tf.tidy(() => {
    const o = model.apply(x);
    return { outs: o, parts: computeLoss(o, targets) as unknown as Record<string, tf.Tensor> };
  });
  const expected: Record<string, string> = {};
  for (const [name, t] of Object.entries(outs)) { tensors[`expected_${name}`] = await host(t); expected[name] = `expected_${name}.npy`; }
  const expectedLoss = Object.fromEntries(Object.entries(parts).map(([k, t]) => [k, t.dataSync()[0]!]));
  tf.dispose([x, ...Object.values(targets), ...Object.values(outs), ...Object.values(parts)]);
  for (const [name, t] of Object.entries(tensors)) await writeFile(path.join(dir, `${name}.npy`), npyBytes(t));
  const spec = {
    preset: model.config.preset,
    files: Object.fromEntries(['samples', ...TARGET_ROLLS].map((name) => [name, `${name}.npy`])),
    expected, expectedLoss,
    loss: { onsetPosWeight: ONSET_POS_WEIGHT, onsetLossWeight: ONSET_LOSS_WEIGHT, velocityLossWeight: VELOCITY_LOSS_WEIGHT, offsetPosWeight: OFFSET_POS_WEIGHT, offsetLossWeight: OFFSET_LOSS_WEIGHT },
    optimizer: DEFAULT_OPTIMIZER,
  };
  await writeFile(path.join(dir, 'spec.json'), JSON.stringify(spec, null, 2) + '\n');
}

export interface TfParity { maxAbsError: Record<string, number>; lossAbsError: Record<string, number>; opsMapped: string[]; wallSeconds: number; tensorflow: string }
export interface TfTiming {
  steps: number; warmupSteps: number; batch: number; xla: boolean; eager: boolean; seconds: number; secondsPerStep: number; windowsPerSecond: number;
  cpuSecondsPerStep: number; firstStepSeconds: number; lossFirst: number; lossLast: number; trainableParameters: number; peakRssMiB: number; tensorflow: string;
  threads: { intraOp: number; interOp: number; note: string; cpuCount: number };
}

/** Runs bench/tf_train_step.py on a prepared folder; returns its JSON. */
export async function runTf<T>(dir: string, args: string[]): Promise<T> {
  const r = await runChild(venvPython, [TF_SCRIPT, dir, ...args], { env: QUIET_TF });
  if (r.code !== 0) throw new A2mError(`${TF_SCRIPT} ${args.join(' ')} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

interface TfResult { preset: string; parity: TfParity; parityOk: boolean; timing: TfTiming | null; eager: TfTiming | null; xla: TfTiming | null }

async function benchTf(preset: string, pieces: Piece[], steps: number, warmup: number, variants: { eager: boolean; xla: boolean }, root: string): Promise<TfResult> {
  const dir = path.join(root, preset);
  // Randomised weights: a fresh init leaves ConvNeXt blocks near-identity (layer scale 1e-6), which would hide errors.
  const model = await randomizedModel(preset);
  try { await prepareTfDir(dir, model, pieces, BATCH); } finally { model.dispose(); }
  const parity = await runTf<TfParity>(dir, ['--mode', 'parity']);
  const worst = Math.max(...Object.values(parity.maxAbsError), ...Object.values(parity.lossAbsError));
  const parityOk = worst <= PARITY_TOLERANCE;
  console.log(`TF ${preset}: parity max abs error ${worst.toExponential(2)} (${parityOk ? 'ok' : `over ${PARITY_TOLERANCE}: not timed`})`);
  if (!parityOk) return { preset, parity, parityOk, timing: null, eager: null, xla: null };
  const timeArgs = ['--mode', 'time', '--steps', String(steps), '--warmup', String(warmup)];
  const timing = await runTf<TfTiming>(dir, timeArgs);
  console.log(`TF ${preset}: ${timing.secondsPerStep.toFixed(3)} s/step, ${timing.windowsPerSecond.toFixed(1)} windows/s`);
  const eager = variants.eager ? await runTf<TfTiming>(dir, [...timeArgs, '--eager']) : null;
  if (eager) console.log(`TF ${preset} eager: ${eager.secondsPerStep.toFixed(3)} s/step`);
  const xla = variants.xla ? await runTf<TfTiming>(dir, [...timeArgs, '--xla']) : null;
  if (xla) console.log(`TF ${preset} + XLA: ${xla.secondsPerStep.toFixed(3)} s/step`);
  return { preset, parity, parityOk, timing, eager, xla };
}

// ---- loader alone (the measurement of bench/loader.ts) --------------------------------
function loaderWindowsPerSecond(pieces: Piece[], batches: number): number {
  const sampler = new WindowSampler(pieces, gridOf('small'), DEFAULT_AUGMENT, 1);
  sampler.batch(BATCH, 0); // first call pays JIT warm-up
  const t = performance.now();
  for (let i = 1; i <= batches; i++) sampler.batch(BATCH, i);
  return (batches * BATCH) / ((performance.now() - t) / 1000);
}

// ---- main -----------------------------------------------------------------------------
/**
 * Timed and warm-up steps per preset (base is slow: a few steps). TF variants:
 * eager (no tf.function) isolates op-by-op dispatch; XLA only where its compile
 * (over a minute for tiny on a loaded 2-core machine) is worth it.
 */
const PLAN = {
  // quick is a smoke run inside `npm test`: one step each side, parity still checked.
  quick: { presets: ['tiny'], steps: { tiny: 1 } as Record<string, number>, warmup: 1, tfPresets: ['tiny'], eager: [] as string[], xla: [] as string[], loaderBatches: 5 },
  full: { presets: ['tiny', 'small', 'base'], steps: { tiny: 20, small: 10, base: 5 } as Record<string, number>, warmup: 2, tfPresets: ['tiny', 'small'], eager: ['tiny', 'small'], xla: ['small'], loaderBatches: 60 },
};

const f3 = (v: number) => Number(v.toFixed(3));
const f1 = (v: number) => Number(v.toFixed(1));

async function main(): Promise<void> {
  const ctx = benchArgs('training', {
    data: { type: 'string', default: DEFAULT_DATA },
    worker: { type: 'string' }, warmup: { type: 'string' }, steps: { type: 'string' }, dropout: { type: 'string' },
  });
  const v = ctx.values;
  const data = path.resolve(v.data);
  if (!existsSync(data)) throw new A2mError(`${data}: dataset folder not found (fixtures/tiny-set is committed; re-create data/val with \`npx a2m dataset render --hours 0.3 --seed 1002 --out data/val\`)`);
  if (v.worker) {
    const r = await trainerWorker(v.worker, data, Number(v.warmup), Number(v.steps), v.dropout === undefined ? undefined : Number(v.dropout));
    console.log(RESULT_MARK + JSON.stringify(r));
    return;
  }
  const plan = ctx.quick ? PLAN.quick : PLAN.full;
  if (!existsSync(venvPython)) throw new A2mError(`${venvPython}: missing (the TF baseline runs in the project venv; \`npm install\` creates it)`);
  console.log(`training bench (${ctx.quick ? 'quick' : 'full'}) on ${machineLine(ctx.machine)}; data ${path.relative(process.cwd(), data)}`);
  const pieces = await loadPieces(data, gridOf('small'));
  const loaderWps = loaderWindowsPerSecond(pieces, plan.loaderBatches);
  console.log(`loader: ${loaderWps.toFixed(1)} windows/s`);

  const trainers: TrainerResult[] = [];
  const runs: [string, number | undefined][] = plan.presets.map((p) => [p, undefined]);
  // The TF graph has no dropout: if small trains with some, also time the a2m step without it.
  if (plan.tfPresets.includes('small') && getPreset('small').dropout > 0) runs.splice(runs.findIndex(([p]) => p === 'small') + 1, 0, ['small', 0]);
  for (const [preset, dropout] of runs) {
    const r = await runTrainer(preset, data, plan.warmup, plan.steps[preset]!, dropout);
    trainers.push(r);
    console.log(`a2m ${preset}${dropout === undefined ? '' : ` (dropout ${dropout})`}: ${r.secondsPerStep.toFixed(3)} s/step (loader ${r.loaderSecondsPerStep.toFixed(3)}), ${r.windowsPerSecond.toFixed(2)} windows/s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
  }

  const tfRoot = await mkdtemp(path.join(os.tmpdir(), 'a2m-bench-tf-'));
  const tfResults: TfResult[] = [];
  try {
    for (const preset of plan.tfPresets) {
      tfResults.push(await benchTf(preset, pieces, plan.steps[preset]!, plan.warmup, { eager: plan.eager.includes(preset), xla: plan.xla.includes(preset) }, tfRoot));
    }
  } finally {
    await rm(tfRoot, { recursive: true, force: true });
  }

  // The TF step is compared with the a2m step without its loader call and with the same dropout (none).
  const tfOf = (preset: string) => tfResults.find((t) => t.preset === preset && t.timing)?.timing;
  const comparable = (r: TrainerResult) => r.dropout === 0;
  const rows: (string | number)[][] = [];
  for (const r of trainers) {
    const tfT = tfOf(r.preset);
    rows.push([
      r.preset, `a2m tfjs-node trainer${r.dropout !== getPreset(r.preset).dropout ? `, dropout ${r.dropout}` : ''}`,
      f3(r.windowsPerSecond), f3(r.secondsPerStep), f3(r.cpuSecondsPerStep), f3(r.loaderSecondsPerStep), f1(r.peakRssMiB),
      tfT && comparable(r) ? fmtRatio(r.computeSecondsPerStep / tfT.secondsPerStep) : '',
      fmtRatio(loaderWps / r.windowsPerSecond),
    ]);
  }
  for (const t of tfResults) {
    if (!t.timing) { rows.push([t.preset, 'Python TF tf.function', 'parity failed', '', '', '', '', '', '']); continue; }
    for (const [label, tm] of [['Python TF tf.function', t.timing], ['Python TF eager (no tf.function)', t.eager], ['Python TF tf.function + XLA', t.xla]] as const) {
      if (!tm) continue;
      rows.push([t.preset, label, f3(tm.windowsPerSecond), f3(tm.secondsPerStep), f3(tm.cpuSecondsPerStep), '', f1(tm.peakRssMiB), fmtRatio(tm.secondsPerStep / t.timing.secondsPerStep), '']);
    }
  }
  rows.push(['-', 'loader alone (cut + targets + augment, main thread)', f1(loaderWps), f3(BATCH / loaderWps), '', '', '', '', '']);

  const tf0 = tfResults.find((t) => t.timing)?.timing;
  const baseline = 'Python TensorFlow (the same tensorflow-cpu build tfjs-node links) running the same IR graph, loss and AdamW + clip step as a tf.function on the same batch shape, measured in this run. "step time vs TF" divides a row\'s s/step (a2m: without its loader time) by that tf.function step; "loader headroom" is loader-alone windows/s over the row\'s windows/s.';
  const notes = [
    `Batch ${BATCH} everywhere; a2m warm-up ${plan.warmup} steps excluded; timed steps: ${Object.entries(plan.steps).map(([p, n]) => `${p} ${n}`).join(', ')}.`,
    'a2m rows are src/train/trainer.ts train() itself; "loader s/step" is the loader time train() reports with each step (also inside s/step).',
    `TF parity before timing (tfjs forward vs TF forward on the same batch, randomised weights): ${tfResults.map((t) => `${t.preset} ${Math.max(...Object.values(t.parity.maxAbsError)).toExponential(1)}`).join(', ')} max abs error (tolerance ${PARITY_TOLERANCE}).`,
    ...(tf0 ? [`TF threads: intra-op ${tf0.threads.intraOp}, inter-op ${tf0.threads.interOp} (0 = TF default, one per core; tfjs-node uses the same defaults); ${tf0.threads.cpuCount} CPUs. TensorFlow ${tf0.tensorflow}.`] : []),
    'The TF step reuses one batch; the a2m trainer draws a fresh, augmented batch per step (its loader time is shown and excluded from the ratio).',
    'TF eager dispatches every op from Python as tfjs-node dispatches every op from JS; tf.function runs one graph (pruned, fused, inter-op parallel).',
    `First step (not timed: set-up, tf.function tracing, XLA compile): ${[
      ...trainers.map((r) => `a2m ${r.preset}${r.dropout !== getPreset(r.preset).dropout ? ` dropout ${r.dropout}` : ''} ${r.firstStepSeconds.toFixed(1)} s`),
      ...tfResults.flatMap((t) => ([['TF', t.timing], ['TF eager', t.eager], ['TF XLA', t.xla]] as const)
        .flatMap(([label, tm]) => (tm ? [`${label} ${t.preset} ${tm.firstStepSeconds.toFixed(1)} s`] : []))),
    ].join(', ')}.`,
    ...(ctx.quick ? ['Quick run: tiny only; the loader headroom is against the tiny step, not small.'] : []),
  ];
  await writeResult(ctx, {
    data: path.relative(projectRoot, data), batch: BATCH, plan, loaderWindowsPerSecond: loaderWps, trainers, tf: tfResults,
  }, {
    title: 'Training throughput: a2m tfjs-node trainer vs Python TensorFlow',
    baseline, columns: ['preset', 'trainer', 'windows/s', 's/step', 'CPU s/step', 'loader s/step', 'peak RSS MiB', 'step time vs TF', 'loader headroom'], rows, notes,
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  main().catch((e) => { console.error(e instanceof A2mError ? e.message : e); process.exit(1); });
}
