import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, truncate } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';
import os from 'node:os';
import { train } from '../../src/train/trainer.js';
import { getPreset } from '../../src/model/config.js';
import { DEFAULT_OPTIMIZER } from '../../src/train/optimizer.js';
import { DEFAULT_AUGMENT } from '../../src/data/augment.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.js';
import { listPairs, loadPieces, type Piece } from '../../src/data/loader.js';
import { projectRoot } from '../../src/util/paths.js';
import { Model } from '../../src/model/model.js';
import { scoreValidationNotes } from '../../src/eval/validate-notes.js';

const FIXTURE = path.join(projectRoot, 'fixtures', 'tiny-set');
const cfg = getPreset('tiny');
const grid = { sampleRate: cfg.sampleRate, windowSamples: cfg.windowSamples, frames: cfg.frames, keys: cfg.keys };
let pieces: Piece[] | undefined;
const data = async () => (pieces ??= await loadPieces(FIXTURE, grid));

const opts = async (runDir: string, steps: number, resume: boolean) => ({
  config: cfg, runDir, train: await data(), val: (await data()).slice(0, 1), steps, batch: 2, accumulate: 1, seed: 3,
  optimizer: { ...DEFAULT_OPTIMIZER, warmupSteps: 2, totalSteps: 6 }, augment: DEFAULT_AUGMENT,
  checkpointEvery: 3, validateEvery: 3, keep: 2, resume, scoreNotes: scoreValidationNotes,
});

test('tiny preset trains, checkpoints, and resumes exactly', async () => {
  const a = await mkdtemp(path.join(os.tmpdir(), 'a2m-train-a-'));
  const b = await mkdtemp(path.join(os.tmpdir(), 'a2m-train-b-'));
  try {
    const full = await train(await opts(a, 6, false));
    assert.equal(full.step, 6);
    await train(await opts(b, 3, false));
    const resumed = await train({ ...(await opts(b, 6, true)) });
    assert.equal(resumed.step, 6);
    const wa = (await loadCheckpoint(path.join(a, 'step-00000006'))).weights;
    const wb = (await loadCheckpoint(path.join(b, 'step-00000006'))).weights;
    let moved = 0;
    const init = await (async () => { const m = Model.create(cfg, 3); const w = await m.weights(); m.dispose(); return w; })();
    for (const [k, t] of wa) {
      assert.deepEqual(wb.get(k)!.data, t.data, `${k} differs between a straight run and a resumed run`);
      if (t.data.some((v, i) => v !== init.get(k)!.data[i])) moved++;
    }
    assert.ok(moved > wa.size / 2, `training changed only ${moved} of ${wa.size} parameters`);
    const log = (await readFile(path.join(a, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(log.some((r) => typeof r.f1 === 'number'), 'validation F1 is logged');
    assert.ok((await readdir(path.join(a, 'tensorboard'))).length > 0, 'tensorboard events written');
  } finally {
    await rm(a, { recursive: true, force: true });
    await rm(b, { recursive: true, force: true });
  }
});

test('a checkpoint killed mid-save leaves the previous one intact, and resume works', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-kill-'));
  try {
    await train(await opts(dir, 3, false));
    // A child process saves a big checkpoint into the same run and is killed -9 while writing.
    const script = `
      import { saveCheckpoint } from ${JSON.stringify(path.join(projectRoot, 'src/model/checkpoint.ts'))};
      const big = new Map([['w', { shape: [64, 1024, 1024], data: new Float32Array(64 * 1024 * 1024) }]]);
      process.stdout.write('saving\\n');
      await saveCheckpoint(${JSON.stringify(path.join(dir, 'step-00000004'))}, { config: ${JSON.stringify(cfg)}, weights: big });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => child.stdout.once('data', () => setTimeout(res, 300)));
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    const entries = await readdir(dir);
    assert.ok(!entries.includes('step-00000004'), 'no torn checkpoint under the final name');
    const resumed = await train(await opts(dir, 6, true));
    assert.equal(resumed.step, 6);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a truncated checkpoint fails with a clear message; save -> load is bit-exact', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-ck-'));
  try {
    const m = Model.create(cfg, 9);
    const w = await m.weights();
    m.dispose();
    await saveCheckpoint(dir, { config: cfg, weights: w, state: { step: 1 } });
    const back = await loadCheckpoint(dir);
    for (const [k, t] of w) assert.deepEqual(back.weights.get(k)!.data, t.data);
    assert.deepEqual(back.config, cfg);
    const shard = (await readdir(dir)).find((f) => f.endsWith('.bin'))!;
    await truncate(path.join(dir, shard), 100);
    await assert.rejects(loadCheckpoint(dir), /shard is corrupt or truncated|truncated/);
    await writeFile(path.join(dir, 'model.json'), '{"format": "something-else"');
    await assert.rejects(loadCheckpoint(dir), /not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a2m train --resume keeps the run\'s batch, lr and warm-up unless given again', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-resume-cli-'));
  const cacheRoot = await mkdtemp(path.join(os.tmpdir(), 'a2m-train-cache-'));
  const cli = (...args: string[]) => new Promise<number>((res, rej) => {
    const p = spawn(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'train', '--data', FIXTURE, '--val', FIXTURE, '--preset', 'tiny', '--out', dir,
      '--checkpoint-every', '2', '--validate-every', '100', ...args], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', A2M_CACHE_DIR: cacheRoot } });
    p.on('error', rej); p.on('exit', (code) => res(code ?? -1));
  });
  try {
    assert.equal(await cli('--steps', '2', '--batch', '2', '--lr', '0.002', '--warmup', '1'), 0);
    // The decoded pieces went into the float32 audio cache, so the resumes below skip ffmpeg.
    const cached = (await readdir(path.join(cacheRoot, 'audio'), { recursive: true })).filter((f) => f.endsWith('.f32'));
    assert.equal(cached.length, (await listPairs(FIXTURE)).length);
    assert.equal(await cli('--steps', '4', '--resume'), 0);
    const st = (await loadCheckpoint(path.join(dir, 'step-00000004'))).state as { batch: number; windowsSeen: number; optimizer: { lr: number; warmupSteps: number; totalSteps: number } };
    assert.deepEqual([st.batch, st.windowsSeen, st.optimizer.lr, st.optimizer.warmupSteps, st.optimizer.totalSteps], [2, 8, 0.002, 1, 4]);
    assert.equal(await cli('--steps', '6', '--resume', '--lr', '0.001'), 0);
    const again = (await loadCheckpoint(path.join(dir, 'step-00000006'))).state as { optimizer: { lr: number } };
    assert.equal(again.optimizer.lr, 0.001, 'an explicit option wins');
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(cacheRoot, { recursive: true, force: true });
  }
});
