import type { CommandModule } from 'yargs';
import { COMMANDS } from '../registry.js';
import cliProgress from 'cli-progress';
import { getPreset } from '../../model/config.js';
import { listPairs, loadPieces } from '../../data/loader.js';
import { findHeldOutPieces } from '../../data/render.js';
import { A2mError } from '../../errors.js';
import { train } from '../../train/trainer.js';
import { DEFAULT_OPTIMIZER, type OptimizerConfig } from '../../train/optimizer.js';
import { checkpointState, latestCheckpoint } from '../../model/checkpoint.js';
import { DEFAULT_AUGMENT, NO_AUGMENT } from '../../data/augment.js';
import { backendSummary } from '../../util/backend.js';
import { AudioCache } from '../../audio/cache.js';
import { scoreValidationNotes } from '../../eval/validate-notes.js';
import { nonNegativeInt, numberInRange, positiveInt, positiveNumber } from '../options.js';

interface Args {
  data: string; val: string; preset: string; out: string; steps: number; batch?: number; accumulate?: number;
  lr?: number; warmup?: number; 'weight-decay'?: number; 'clip-norm'?: number; seed?: number; 'checkpoint-every': number;
  'validate-every': number; keep: number; resume: boolean; 'init-from'?: string; augment: boolean; 'max-minutes'?: number; 'audio-cache': boolean;
}

/** Settings of a fresh run when an option is not given. */
const FRESH = { batch: 8, accumulate: 1, lr: DEFAULT_OPTIMIZER.lr, warmup: DEFAULT_OPTIMIZER.warmupSteps, 'weight-decay': DEFAULT_OPTIMIZER.weightDecay, 'clip-norm': DEFAULT_OPTIMIZER.clipNorm, seed: 0 };
type RunSettings = typeof FRESH;

/** The options given, else (with --resume) the run's last checkpoint's, else FRESH. */
async function runSettings(a: Args): Promise<RunSettings> {
  let stored: Partial<RunSettings> = {};
  const last = a.resume ? await latestCheckpoint(a.out) : null;
  if (last) {
    const st = ((await checkpointState(last)) ?? {}) as { batch?: number; accumulate?: number; seed?: number; optimizer?: Partial<OptimizerConfig> };
    stored = { batch: st.batch, accumulate: st.accumulate, seed: st.seed, lr: st.optimizer?.lr, warmup: st.optimizer?.warmupSteps, 'weight-decay': st.optimizer?.weightDecay, 'clip-norm': st.optimizer?.clipNorm };
  }
  const pick = <K extends keyof RunSettings>(k: K): RunSettings[K] => (a[k] ?? stored[k] ?? FRESH[k]) as RunSettings[K];
  const o = Object.fromEntries((Object.keys(FRESH) as (keyof RunSettings)[]).map((k) => [k, pick(k)])) as RunSettings;
  if (last) process.stderr.write(`resume settings: batch ${o.batch} x ${o.accumulate}, lr ${o.lr}, warm-up ${o.warmup}, weight decay ${o['weight-decay']}, clip ${o['clip-norm']}, seed ${o.seed}\n`);
  return o;
}

const command: CommandModule<object, Args> = {
  ...COMMANDS.train,
  builder: (y) => y
    .option('data', { type: 'string', demandOption: true, describe: 'training dataset folder (<name>.<audio> + <name>.csv)' })
    .option('val', { type: 'string', demandOption: true, describe: 'validation dataset folder (pieces never used in training)' })
    .option('preset', { type: 'string', default: 'small', describe: 'model preset: tiny, small, base' })
    .option('out', { type: 'string', default: 'runs/default', describe: 'run directory (checkpoints, log.jsonl, tensorboard/)' })
    .option('steps', { ...positiveInt('steps'), default: 10000, describe: 'total optimizer steps (the cosine schedule ends here)' })
    // These six default to the run's own settings under --resume (else to the values shown), so a
    // resumed run keeps its schedule and data order unless an option is given explicitly.
    .option('batch', { ...positiveInt('batch'), describe: `windows per micro-batch [default: ${FRESH.batch}]` })
    .option('accumulate', { ...positiveInt('accumulate'), describe: `micro-batches per optimizer step (gradient accumulation) [default: ${FRESH.accumulate}]` })
    .option('lr', { ...positiveNumber('lr', 1), describe: `peak learning rate [default: ${FRESH.lr}]` })
    .option('warmup', { ...nonNegativeInt('warmup'), describe: `linear warm-up steps [default: ${FRESH.warmup}]` })
    .option('weight-decay', { ...numberInRange('weight-decay', 0, 1), describe: `[default: ${FRESH['weight-decay']}]` })
    .option('clip-norm', { ...positiveNumber('clip-norm'), describe: `global gradient norm clip (applied to the gradients) [default: ${FRESH['clip-norm']}]` })
    .option('seed', { ...nonNegativeInt('seed'), describe: `[default: ${FRESH.seed}]` })
    .option('checkpoint-every', { ...positiveInt('checkpoint-every'), default: 200 })
    .option('validate-every', { ...positiveInt('validate-every'), default: 500 })
    .option('keep', { ...nonNegativeInt('keep'), default: 3, describe: 'keep the last K step checkpoints (plus best/)' })
    .option('resume', { type: 'boolean', default: false, describe: 'continue the run in --out exactly where its last checkpoint left off (its batch, lr, schedule and seed unless given)' })
    .option('init-from', { type: 'string', describe: 'start from a checkpoint\'s weights (fine-tuning)' })
    .option('augment', { type: 'boolean', default: true, describe: 'apply the seed\'s augmentations (--no-augment to disable)' })
    .option('max-minutes', { ...positiveNumber('max-minutes'), describe: 'stop (with a checkpoint) after this much wall time' })
    .option('audio-cache', {
      type: 'boolean', default: true,
      describe: 'keep the decoded audio (float32, exact) in the audio cache ($A2M_CACHE_DIR, cap $A2M_AUDIO_CACHE_BYTES, default 8 GiB) so the next start or --resume skips ffmpeg: 0.46 GB per hour of audio',
    })
    .example('a2m train --data data/train --val data/val --preset small --out runs/small --steps 6000', 'train the default preset')
    .example('a2m train --data data/train --val data/val --out runs/small --resume', 'continue after an interruption'),
  handler: async (a) => {
    const config = getPreset(a.preset);
    const o = await runSettings(a);
    process.stderr.write(`backend: ${backendSummary()}\n`);
    const grid = { sampleRate: config.sampleRate, windowSamples: config.windowSamples, frames: config.frames, keys: config.keys };
    const leaked = await findHeldOutPieces((await listPairs(a.data)).map((p) => p.csv));
    if (leaked.length) throw new A2mError(`${leaked[0]}${leaked.length > 1 ? ` (and ${leaked.length - 1} more)` : ''}: rendered in a held-out evaluation timbre; training on it would leak the held-out set (move such pieces out of ${a.data})`);
    const cache = a['audio-cache'] ? new AudioCache({ sampleFormat: 'float32' }) : undefined;
    if (cache) process.stderr.write(`decoded audio cached in ${cache.dir} (float32; --no-audio-cache to skip)\n`);
    const tr = await loadPieces(a.data, grid, (d, n) => process.stderr.write(`\rdecoding training set ${d}/${n}`), cache);
    process.stderr.write('\n');
    const val = await loadPieces(a.val, grid, (d, n) => process.stderr.write(`\rdecoding validation set ${d}/${n}`), cache);
    process.stderr.write(`\n${tr.length} training pieces (${(tr.reduce((s, p) => s + p.seconds, 0) / 3600).toFixed(2)} h), ${val.length} validation pieces\n`);
    const tty = process.stderr.isTTY;
    const bar = tty ? new cliProgress.SingleBar({ format: 'step {value}/{total} |{bar}| loss {loss} | {wps} win/s | lr {lr} | ETA {eta_formatted}', etaBuffer: 50 }, cliProgress.Presets.shades_classic) : null;
    let lastLine = 0;
    const state = await train({
      config, runDir: a.out, train: tr, val, steps: a.steps, batch: o.batch, accumulate: o.accumulate, seed: o.seed,
      optimizer: { ...DEFAULT_OPTIMIZER, lr: o.lr, warmupSteps: o.warmup, totalSteps: a.steps, weightDecay: o['weight-decay'], clipNorm: o['clip-norm'] },
      augment: a.augment ? DEFAULT_AUGMENT : NO_AUGMENT, checkpointEvery: a['checkpoint-every'], validateEvery: a['validate-every'], keep: a.keep,
      resume: a.resume, initFrom: a['init-from'], maxSeconds: a['max-minutes'] ? a['max-minutes'] * 60 : undefined,
      scoreNotes: scoreValidationNotes,
      onProgress: (p) => {
        if (bar) {
          if (!bar.getProgress() && p.step) bar.start(p.steps, p.step - 1);
          bar.update(p.step, { loss: p.loss.toFixed(4), wps: p.windowsPerSecond.toFixed(1), lr: p.lr.toExponential(2) });
        } else if (Date.now() - lastLine > 30000 || p.step === p.steps) {
          lastLine = Date.now();
          process.stderr.write(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} ${p.windowsPerSecond.toFixed(1)} win/s lr ${p.lr.toExponential(2)} eta ${Math.round(p.etaSeconds / 60)} min\n`);
        }
      },
    });
    bar?.stop();
    process.stderr.write(`done at step ${state.step}; best ${state.best ? `${state.best.metric} ${state.best.value.toFixed(4)} at step ${state.best.step}` : 'n/a'}\n`);
  },
};
export default command;
