/**
 * The training loop: tfjs-node (native TensorFlow), AdamW with clipping,
 * warm-up + cosine schedule, optional gradient accumulation, periodic
 * validation, atomic checkpoints (last K + best), exact resume.
 */
import * as tf from '@tensorflow/tfjs-node';
import { appendFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Model } from '../model/model.js';
import { type ModelConfig } from '../model/config.js';
import { saveCheckpoint, loadCheckpoint, latestCheckpoint } from '../model/checkpoint.js';
import { AdamW, type OptimizerConfig, learningRate } from './optimizer.js';
import { computeLoss } from './loss.js';
import { type Piece, WindowSampler, validationBatches, type Grid } from '../data/loader.js';
import { TARGET_ROLLS } from '../data/targets.js';
import type { AugmentConfig, Batch } from '../data/augment.js';
import { A2mError } from '../errors.js';

export interface TrainOptions {
  config: ModelConfig;
  runDir: string;
  train: Piece[];
  val: Piece[];
  steps: number;
  batch: number;
  accumulate: number;
  seed: number;
  optimizer: OptimizerConfig;
  augment: AugmentConfig;
  checkpointEvery: number;
  validateEvery: number;
  keep: number;
  resume: boolean;
  /** Start from these weights (fine-tuning), when not resuming. */
  initFrom?: string;
  /** Stop after this many seconds of wall time (a checkpoint is written first). */
  maxSeconds?: number;
  /** Scores validation notes; returns {f1, ...} (higher is better). */
  scoreNotes?: (model: Model, pieces: Piece[]) => Promise<Record<string, number>>;
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  step: number; steps: number; loss: number; lr: number; windowsPerSecond: number; etaSeconds: number;
  /** Wall seconds this run has spent in the data loader so far (the rest of a step is compute). */
  loaderSeconds: number;
}

export interface RunState {
  step: number;
  seed: number;
  windowsSeen: number;
  trainSeconds: number;
  best: { metric: string; value: number; step: number } | null;
  optimizer: OptimizerConfig;
  batch: number;
  accumulate: number;
  lastValidation?: Record<string, number>;
}

function gridOf(c: ModelConfig): Grid {
  return { sampleRate: c.sampleRate, windowSamples: c.windowSamples, frames: c.frames, keys: c.keys };
}

function batchTensors(b: Batch) {
  const shapeT = [b.batch, b.frames, b.keys];
  return {
    x: tf.tensor3d(b.audio, [b.batch, 2, b.samples]),
    targets: Object.fromEntries(TARGET_ROLLS.map((name) => [name, tf.tensor(b.targets[name], shapeT)])) as Record<(typeof TARGET_ROLLS)[number], tf.Tensor>,
  };
}

/** Mean validation loss (frame BCE summed per window, averaged over windows: the seed's definition) and total loss. */
export async function validationLoss(model: Model, pieces: Piece[], batch: number): Promise<{ frameBceSumPerWindow: number; loss: number }> {
  let bceSum = 0, loss = 0, windows = 0;
  for (const b of validationBatches(pieces, gridOf(model.config), batch)) {
    const [l, f] = tf.tidy(() => {
      const { x, targets } = batchTensors(b);
      const parts = computeLoss(model.apply(x), targets);
      return [parts.total.dataSync()[0]!, parts.frame.dataSync()[0]!];
    });
    loss += l * b.batch;
    bceSum += f * b.frames * b.keys * b.batch;
    windows += b.batch;
  }
  return { frameBceSumPerWindow: bceSum / Math.max(1, windows), loss: loss / Math.max(1, windows) };
}

async function writeCheckpoint(dir: string, model: Model, opt: AdamW, state: RunState, withOptimizer: boolean) {
  await saveCheckpoint(dir, { config: model.config, weights: await model.weights(), optimizer: withOptimizer ? await opt.state() : undefined, state: state as unknown as Record<string, unknown> });
}

async function pruneCheckpoints(runDir: string, keep: number) {
  const steps = (await readdir(runDir)).filter((d) => /^step-\d+$/.test(d)).sort();
  for (const d of steps.slice(0, Math.max(0, steps.length - keep))) await rm(path.join(runDir, d), { recursive: true, force: true });
}

/**
 * One optimizer step: forward, loss and gradients over each micro-batch
 * (gradients averaged when there are several), then AdamW with clipping.
 * Returns the mean loss and the pre-clip global gradient norm. A non-finite
 * loss skips the update (the caller stops the run).
 */
export function optimizerStep(model: Model, opt: AdamW, batches: Batch[], dropoutSeed: number): { loss: number; gradNorm: number } {
  model.ops.setTraining(true, dropoutSeed);
  let loss = 0;
  let grads: Record<string, tf.Tensor> | null = null;
  for (const b of batches) {
    const { x, targets } = batchTensors(b);
    const { value, grads: g } = tf.variableGrads(() => computeLoss(model.apply(x), targets).total);
    loss += value.dataSync()[0]! / batches.length;
    tf.dispose([x, ...Object.values(targets), value]);
    if (!grads) grads = g;
    else { const prev: Record<string, tf.Tensor> = grads; grads = Object.fromEntries(Object.entries(prev).map(([k, v]) => [k, tf.add(v, g[k]!)])); tf.dispose([...Object.values(prev), ...Object.values(g)]); }
  }
  if (batches.length > 1) { const prev: Record<string, tf.Tensor> = grads!; grads = Object.fromEntries(Object.entries(prev).map(([k, v]) => [k, tf.div(v, batches.length)])); tf.dispose(Object.values(prev)); }
  if (!Number.isFinite(loss)) { tf.dispose(Object.values(grads!)); return { loss, gradNorm: NaN }; }
  const gradNorm = opt.apply(model.store.vars, grads!);
  tf.dispose(Object.values(grads!));
  return { loss, gradNorm };
}

export async function train(o: TrainOptions): Promise<RunState> {
  await mkdir(o.runDir, { recursive: true });
  const logFile = path.join(o.runDir, 'log.jsonl');
  const tb = tf.node.summaryFileWriter(path.join(o.runDir, 'tensorboard'));
  let model: Model;
  const opt = new AdamW(o.optimizer);
  let state: RunState = { step: 0, seed: o.seed, windowsSeen: 0, trainSeconds: 0, best: null, optimizer: o.optimizer, batch: o.batch, accumulate: o.accumulate };

  const resumeFrom = o.resume ? await latestCheckpoint(o.runDir) : null;
  if (o.resume && !resumeFrom) throw new A2mError(`${o.runDir}: --resume given but no checkpoint found`);
  const loadSamePreset = async (dir: string) => {
    const ck = await loadCheckpoint(dir);
    if (ck.config.preset !== o.config.preset) throw new A2mError(`${dir}: checkpoint is preset ${ck.config.preset}, not ${o.config.preset}`);
    return ck;
  };
  if (resumeFrom) {
    const ck = await loadSamePreset(resumeFrom);
    model = Model.fromWeights(ck.config, ck.weights);
    state = { ...(ck.state as unknown as RunState), optimizer: o.optimizer };
    opt.load(ck.optimizer ?? new Map(), state.step);
    process.stderr.write(`resuming ${o.runDir} at step ${state.step} from ${resumeFrom}\n`);
  } else if (o.initFrom) {
    const ck = await loadSamePreset(o.initFrom);
    // The preset as it is now, so a checkpoint made before a zero-started
    // branch was added fine-tunes into the current architecture.
    const grown = Model.grownFrom(o.config, ck.weights, o.seed);
    model = grown.model;
    if (grown.added.length) process.stderr.write(`init-from ${o.initFrom}: ${grown.added.length} parameter(s) new since that checkpoint start at their initial values: ${grown.added.join(', ')}\n`);
  } else {
    model = Model.create(o.config, o.seed);
  }

  const sampler = new WindowSampler(o.train, gridOf(o.config), o.augment, state.seed);
  const started = Date.now();
  let windowStart = Date.now(), windowSteps = 0, loaderSeconds = 0;
  const log = async (rec: Record<string, unknown>) => appendFile(logFile, JSON.stringify({ time: new Date().toISOString(), ...rec }) + '\n');

  const validate = async () => {
    model.ops.setTraining(false);
    const vl = await validationLoss(model, o.val, o.batch);
    const scores = o.scoreNotes ? await o.scoreNotes(model, o.val) : {};
    const metrics: Record<string, number> = { val_loss: vl.loss, val_frame_bce_per_window: vl.frameBceSumPerWindow, ...scores };
    for (const [k, v] of Object.entries(metrics)) tb.scalar(k, v, state.step);
    await log({ step: state.step, ...metrics });
    state.lastValidation = metrics;
    const [metric, value, better] = 'f1' in metrics ? ['f1', metrics.f1!, (a: number, b: number) => a > b] as const : ['val_loss', metrics.val_loss!, (a: number, b: number) => a < b] as const;
    if (!state.best || state.best.metric !== metric || better(value, state.best.value)) {
      state.best = { metric, value, step: state.step };
      await writeCheckpoint(path.join(o.runDir, 'best'), model, opt, state, false);
    }
    return metrics;
  };

  try {
    while (state.step < o.steps) {
      const stepStart = Date.now();
      const loaderStart = performance.now();
      const batches = Array.from({ length: o.accumulate }, (_, micro) => sampler.batch(o.batch, state.step * o.accumulate + micro));
      loaderSeconds += (performance.now() - loaderStart) / 1000;
      const { loss: lossValue, gradNorm } = optimizerStep(model, opt, batches, deriveDropoutSeed(state.seed, state.step));
      if (!Number.isFinite(lossValue)) throw new A2mError(`loss became ${lossValue} at step ${state.step}: lower --lr or check the data`);
      state.step++;
      state.windowsSeen += o.batch * o.accumulate;
      state.trainSeconds += (Date.now() - stepStart) / 1000;
      windowSteps++;
      const elapsed = (Date.now() - windowStart) / 1000;
      const wps = (windowSteps * o.batch * o.accumulate) / Math.max(elapsed, 1e-3);
      const lr = learningRate(o.optimizer, state.step - 1);
      o.onProgress?.({ step: state.step, steps: o.steps, loss: lossValue, lr, windowsPerSecond: wps, etaSeconds: ((o.steps - state.step) * o.batch * o.accumulate) / Math.max(wps, 1e-6), loaderSeconds });
      if (state.step % 10 === 0) {
        tb.scalar('loss', lossValue, state.step);
        tb.scalar('learning_rate', lr, state.step);
        tb.scalar('grad_norm', gradNorm, state.step);
        tb.scalar('windows_per_second', wps, state.step);
        await log({ step: state.step, loss: lossValue, lr, grad_norm: gradNorm, windows_per_second: wps });
        if (elapsed > 60) { windowStart = Date.now(); windowSteps = 0; }
      }
      const timeUp = o.maxSeconds !== undefined && (Date.now() - started) / 1000 >= o.maxSeconds;
      if (state.step % o.validateEvery === 0 || state.step === o.steps || timeUp) await validate();
      if (state.step % o.checkpointEvery === 0 || state.step === o.steps || timeUp) {
        await writeCheckpoint(path.join(o.runDir, `step-${String(state.step).padStart(8, '0')}`), model, opt, state, true);
        await pruneCheckpoints(o.runDir, o.keep);
      }
      if (timeUp) break;
    }
  } finally {
    tb.flush();
  }
  model.dispose();
  opt.dispose();
  return state;
}

function deriveDropoutSeed(seed: number, step: number): number {
  return (seed * 7919 + step) % 2147483647;
}
