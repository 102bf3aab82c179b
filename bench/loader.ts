/**
 * Loader benchmark: windows/s the training loader delivers (cut + targets +
 * the default augmentations, main thread) against what a small-preset training
 * step consumes, measured in the same run.
 *   npm run bench:loader [-- --quick] [--data fixtures/tiny-set] [--batch 8] [--steps 3] [--out bench/results/loader.json]
 * Quick: the same measurement at batch 2 with 5 loader batches and 1 timed step (after the warm-up step).
 */
import * as tf from '@tensorflow/tfjs-node';
import path from 'node:path';
import { loadPieces, WindowSampler } from '../src/data/loader.js';
import { DEFAULT_AUGMENT } from '../src/data/augment.js';
import { Model } from '../src/model/model.js';
import { computeLoss } from '../src/train/loss.js';
import { AdamW, DEFAULT_OPTIMIZER } from '../src/train/optimizer.js';
import { projectRoot } from '../src/util/paths.js';
import { benchArgs, fmtRatio, writeResult } from './lib.js';

const ctx = benchArgs('loader', {
  data: { type: 'string', default: path.join(projectRoot, 'fixtures', 'tiny-set') },
  batch: { type: 'string' },
  steps: { type: 'string', default: '3' },
});
const data = path.resolve(ctx.values.data as string);
const batch = Number(ctx.values.batch ?? (ctx.quick ? 2 : 8));
const steps = ctx.quick ? 1 : Number(ctx.values.steps);
const loaderBatches = ctx.quick ? 5 : 40;
const grid = { sampleRate: 16000, windowSamples: 80000, frames: 250, keys: 90 };

const pieces = await loadPieces(data, grid);
const sampler = new WindowSampler(pieces, grid, DEFAULT_AUGMENT, 1);
let t = performance.now();
for (let i = 0; i < loaderBatches; i++) sampler.batch(batch, i);
const loaderWps = (loaderBatches * batch) / ((performance.now() - t) / 1000);

const model = Model.create('small', 0);
const opt = new AdamW(DEFAULT_OPTIMIZER);
const step = (i: number) => {
  const b = sampler.batch(batch, 1000 + i);
  const sh = [b.batch, b.frames, b.keys];
  const x = tf.tensor3d(b.audio, [b.batch, 2, b.samples]);
  const tg = { frames: tf.tensor(b.targets.frames, sh), onsets: tf.tensor(b.targets.onsets, sh), velocities: tf.tensor(b.targets.velocities, sh) };
  const { value, grads } = tf.variableGrads(() => computeLoss(model.apply(x), tg).total);
  opt.apply(model.store.vars, grads);
  tf.dispose([x, tg.frames, tg.onsets, tg.velocities, value, ...Object.values(grads)]);
};
step(0); // warm-up (kernel set-up)
t = performance.now();
for (let i = 1; i <= steps; i++) step(i);
const trainWps = (steps * batch) / ((performance.now() - t) / 1000);
const ratio = loaderWps / trainWps;

const summary = {
  title: `Data loader vs training step${ctx.quick ? ` (quick: batch ${batch}, 5 loader batches, 1 step)` : ''}`,
  baseline: `the windows/s a small-preset training step (batch ${batch}, tfjs-node) consumes, measured in the same run`,
  columns: ['what', 'windows/s', 'vs training step'],
  rows: [
    ['loader: cut + targets + default augmentations, main thread', loaderWps.toFixed(1), fmtRatio(ratio)],
    [`training step: small preset, batch ${batch}, forward + backward + AdamW`, trainWps.toFixed(1), '1.0x'],
  ],
  notes: [`data: ${path.relative(projectRoot, data) || data}; loader: ${loaderBatches} batches; training: ${steps} timed step(s) after one warm-up`],
};
await writeResult(ctx, {
  data, batch, preset: 'small', loaderBatches, steps,
  loaderWindowsPerSecond: loaderWps, trainingWindowsPerSecond: trainWps, ratio,
  note: 'loader = cut + targets + default augmentations on the main thread; training = small-preset step on tfjs-node, same run',
}, summary);
console.log(`loader ${loaderWps.toFixed(1)} windows/s vs training step ${trainWps.toFixed(1)} windows/s: ${ratio.toFixed(1)}x`);
