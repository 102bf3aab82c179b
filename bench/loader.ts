/**
 * Loader benchmark: windows/s the training loader delivers (cut + targets +
 * the default augmentations, main thread) against what a small-preset training
 * step consumes, measured in the same run. Writes bench/results/loader.json.
 *   npm run bench:loader [-- --data fixtures/tiny-set --batch 8 --steps 3]
 */
import * as tf from '@tensorflow/tfjs-node';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadPieces, WindowSampler } from '../src/data/loader.js';
import { DEFAULT_AUGMENT } from '../src/data/augment.js';
import { Model } from '../src/model/model.js';
import { computeLoss } from '../src/train/loss.js';
import { AdamW, DEFAULT_OPTIMIZER } from '../src/train/optimizer.js';
import { projectRoot } from '../src/util/paths.js';

const arg = (k: string, d: string) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1]! : d; };
const data = arg('data', path.join(projectRoot, 'fixtures', 'tiny-set'));
const batch = Number(arg('batch', '8'));
const steps = Number(arg('steps', '3'));
const grid = { sampleRate: 16000, windowSamples: 80000, frames: 250, keys: 90 };

const pieces = await loadPieces(data, grid);
const sampler = new WindowSampler(pieces, grid, DEFAULT_AUGMENT, 1);
let t = performance.now();
const loaderBatches = 40;
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
const result = {
  bench: 'loader', date: new Date().toISOString(), data, batch, preset: 'small',
  loaderWindowsPerSecond: loaderWps, trainingWindowsPerSecond: trainWps, ratio: loaderWps / trainWps,
  note: 'loader = cut + targets + default augmentations on the main thread; training = small-preset step on tfjs-node, same run',
};
mkdirSync(path.join(projectRoot, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(projectRoot, 'bench', 'results', 'loader.json'), JSON.stringify(result, null, 2) + '\n');
console.log(`loader ${loaderWps.toFixed(1)} windows/s vs training step ${trainWps.toFixed(1)} windows/s: ${result.ratio.toFixed(1)}x`);
