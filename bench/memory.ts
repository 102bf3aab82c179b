/**
 * Memory of transcription on long files (issue #5): peak RSS should not grow
 * with the file's duration. Builds a short and a long file by looping a
 * rendered fixture with ffmpeg (in a temp dir, deleted afterwards), transcribes
 * each in a fresh child process with the default model and backend, and
 * reports each child's own peak RSS (the kernel's ru_maxrss, read by the child
 * itself), the long/short ratio (target: within 10 %), wall time and RTF.
 * For contrast the same files are also transcribed with keepRolls (what
 * `--plot` and `validate --tune` use), which holds the whole stitched rolls,
 * as the pipeline before streaming did (it also held every window's outputs).
 *
 *   npm run bench:memory                 10 min vs 60 min, models/default, default backend
 *   npm run bench:memory -- --quick      0.5 min vs 2 min, an untrained tiny-logspec model (a smoke run)
 *   options: --out <json> (default bench/results/memory.json; --quick: bench/results/quick/memory.json),
 *            --source <audio> (default the committed fixture), --model <spec>, --backend <auto|tfjs|...>,
 *            --minutes <short,long> (default 10,60; --quick 0.5,2)
 *
 * The ffmpeg decoder runs as a separate process (constant memory, streaming)
 * and is not in the figure.
 */
import { benchArgs, writeResult } from './lib.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../src/util/paths.js';

const NAME = 'memory';
const SELF = path.join(projectRoot, 'bench', 'memory.ts');
const FIXTURE = path.join(projectRoot, 'fixtures', 'tiny-set', 'proc-s7-00000.flac');
/** Issue #5: the long file's peak RSS within 10 % of the short file's. */
const TARGET_RATIO = 1.1;

/** What a child reports on its last stdout line. */
interface ChildReport {
  audioSeconds: number;
  notes: number;
  keepRolls: boolean;
  runner: string;
  /** RSS once the model and runner are loaded and warmed up (one window), before the file is read. */
  rssReadyKiB: number;
  /** Peak RSS of the whole child (ru_maxrss), model loading included. */
  maxRssKiB: number;
  /**
   * RSS sampled after every batch of windows: the highest in the first and in
   * the second half of the file. Loading the model can peak above anything
   * transcription reaches, hiding growth in maxRssKiB; these cannot hide it.
   */
  rssFirstHalfKiB: number;
  rssSecondHalfKiB: number;
  /** [windows done, RSS KiB] after each batch, thinned to about 20 points. */
  trace: [number, number][];
  timing: { decodeSeconds: number; modelSeconds: number; totalSeconds: number };
}

const ctx = benchArgs(NAME, {
  source: { type: 'string', default: FIXTURE },
    model: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    minutes: { type: 'string' },
    // Internal: transcribe one file and report (run by this script in a fresh process).
    child: { type: 'string' },
  'keep-rolls': { type: 'boolean', default: false },
});
const args = ctx.values;
const quick = ctx.quick;
const modelSpec = args.model ?? (quick ? 'untrained tiny-logspec, sparse heads' : 'default');
/**
 * --quick's model: an untrained tiny-logspec whose frame and onset heads have
 * their biases lowered by 2, so notes come about as densely as in busy piano
 * music (measured: 348 notes on the 25 s fixture; unshifted it gives ~700
 * notes/s, and those notes, not the pipeline, would dominate memory).
 */
const QUICK_HEAD_BIAS_SHIFT = -2;

if (args.child) await child(args.child);
else await main();

async function child(file: string): Promise<void> {
  const { loadModel } = await import('../src/model/load.js');
  const { makeRunner } = await import('../src/infer/backends.js');
  const { transcribeFile } = await import('../src/infer/transcribe.js');
  const { model, state } = args.model || !quick ? await loadModel(modelSpec) : { model: await quickModel(), state: {} as Record<string, unknown> };
  const runner = await makeRunner(model, args.backend as Parameters<typeof makeRunner>[1]);
  // Warm-up: one window, so kernel set-up and runtime buffers count as "ready", not as transcription.
  await runner.run(new Float32Array(runner.batch * 2 * model.config.windowSamples), 1);
  const rssReadyKiB = Math.round(process.memoryUsage().rss / 1024);
  const trace: [number, number][] = [];
  const onWindow = (done: number) => { trace.push([done, Math.round(process.memoryUsage().rss / 1024)]); };
  const t = await transcribeFile(file, runner, { thresholds: (state.thresholds ?? {}) as object, keepRolls: args['keep-rolls'], onWindow });
  const windows = trace.at(-1)![0];
  const maxOf = (part: [number, number][]) => Math.max(...part.map(([, rss]) => rss));
  const report: ChildReport = {
    audioSeconds: t.seconds, notes: t.notes.length, keepRolls: args['keep-rolls'] === true, runner: runner.name,
    rssReadyKiB, maxRssKiB: process.resourceUsage().maxRSS, rssFirstHalfKiB: maxOf(trace.filter(([d]) => d <= windows / 2)), rssSecondHalfKiB: maxOf(trace.filter(([d]) => d > windows / 2)),
    trace: trace.filter((_, i) => i % Math.ceil(trace.length / 20) === 0 || i === trace.length - 1), timing: t.timing,
  };
  await runner.dispose();
  model.dispose();
  process.stdout.write(`\n${JSON.stringify(report)}\n`);
}

async function quickModel() {
  const { Model } = await import('../src/model/model.js');
  const { getPreset } = await import('../src/model/config.js');
  const fresh = Model.create('tiny-logspec', 0);
  const weights = await fresh.weights();
  fresh.dispose();
  for (const name of ['head_frame/b', 'head_onset/b']) {
    const b = weights.get(name)!;
    weights.set(name, { shape: b.shape, data: b.data.map((v) => v + QUICK_HEAD_BIAS_SHIFT) });
  }
  return Model.fromWeights(getPreset('tiny-logspec'), weights);
}

/** Runs this script as a child on one file; its report. */
function runChild(file: string, keepRolls: boolean): Promise<ChildReport & { childWallSeconds: number }> {
  const argv = ['--import', 'tsx', SELF, '--child', file, '--backend', args.backend!, ...(args.model ? ['--model', args.model] : []), ...(quick ? ['--quick'] : []), ...(keepRolls ? ['--keep-rolls'] : [])];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' } });
    let out = '', err = '';
    p.stdout.on('data', (d: Buffer) => { out += d; });
    p.stderr.on('data', (d: Buffer) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) return reject(new Error(`bench memory: child on ${path.basename(file)} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
      resolve({ ...(JSON.parse(last) as ChildReport), childWallSeconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** Loops `source` to exactly `seconds` of 16 kHz stereo FLAC. */
async function loopAudio(source: string, seconds: number, out: string): Promise<void> {
  await execa('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-stream_loop', '-1', '-i', source, '-t', String(seconds), '-ar', '16000', '-ac', '2', '-c:a', 'flac', out]);
}

async function main(): Promise<void> {
  const minutes = args.minutes ? args.minutes.split(',').map(Number) : quick ? [0.5, 2] : [10, 60];
  if (minutes.length !== 2 || !minutes.every((m) => m > 0) || minutes[0]! >= minutes[1]!) {
    console.error(`bench memory: --minutes expects "short,long" in minutes (short < long), got "${args.minutes}"`);
    process.exit(2);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'a2m-bench-memory-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  process.once('SIGINT', () => { cleanup(); process.exit(130); });
  try {
    // A first child on the source itself: exports the model for the backend (cached) so no measured run pays for that.
    const warmup = await runChild(args.source!, false);
    console.log(`warm-up on ${path.basename(args.source!)}: ${warmup.runner}, ${warmup.notes} notes`);
    const runs: (ChildReport & { minutes: number; childWallSeconds: number })[] = [];
    for (const m of minutes) {
      const file = path.join(tmp, `loop-${m}min.flac`);
      await loopAudio(args.source!, m * 60, file);
      for (const keepRolls of [false, true]) {
        const r = { minutes: m, ...(await runChild(file, keepRolls)) };
        runs.push(r);
        console.log(`${m} min${keepRolls ? ' (keepRolls)' : ''}: peak RSS ${mib(r.maxRssKiB)} MiB (ready ${mib(r.rssReadyKiB)}), ${r.timing.totalSeconds.toFixed(1)} s, RTF ${(r.audioSeconds / r.timing.totalSeconds).toFixed(1)}x, ${r.notes} notes`);
      }
      rmSync(file, { force: true });
    }
    const pick = (m: number, keep: boolean) => runs.find((r) => r.minutes === m && r.keepRolls === keep)!;
    const [short, long] = minutes as [number, number];
    const ratio = (keep: boolean) => pick(long, keep).maxRssKiB / pick(short, keep).maxRssKiB;
    const streamingRatio = ratio(false);
    const sampledPeak = (r: ChildReport) => Math.max(r.rssFirstHalfKiB, r.rssSecondHalfKiB);
    const streamingSampledRatio = sampledPeak(pick(long, false)) / sampledPeak(pick(short, false));
    const baseline = `each figure against the same mode on the ${short} min file (peak RSS of a fresh child process, same run); keepRolls rows show what holding whole rolls costs`;
    const rows = runs.map((r) => [
      `${r.minutes} min`, r.keepRolls ? 'keepRolls (--plot)' : 'streaming (default)', mib(r.maxRssKiB),
      r.minutes === short ? '1.00x' : `${(r.maxRssKiB / pick(short, r.keepRolls).maxRssKiB).toFixed(2)}x`,
      mib(Math.max(r.rssFirstHalfKiB, r.rssSecondHalfKiB) - r.rssReadyKiB), mib(r.rssSecondHalfKiB - r.rssFirstHalfKiB), round(r.timing.totalSeconds, 1), round(r.audioSeconds / r.timing.totalSeconds, 1), r.notes,
    ]);
    const verdict = streamingRatio <= TARGET_RATIO ? 'met' : 'NOT met';
    await writeResult(ctx, {
      model: modelSpec, backend: args.backend, runner: warmup.runner, source: path.relative(projectRoot, path.resolve(args.source!)),
      minutes, targetRatio: TARGET_RATIO, streamingRatio, streamingSampledRatio, keepRollsRatio: ratio(true), runs,
    }, {
        title: `Transcription memory, ${short} min vs ${long} min (${modelSpec}, ${warmup.runner})`,
        baseline,
        columns: ['audio', 'mode', 'peak RSS (MiB)', `vs ${short} min`, 'transcribing, above ready (MiB)', '2nd half adds (MiB)', 'wall (s)', 'RTF', 'notes'],
        rows,
        notes: [
          `issue #5 target (streaming: ${long} min peak within ${Math.round((TARGET_RATIO - 1) * 100)} % of ${short} min): ${verdict} (${streamingRatio.toFixed(3)}x; highest RSS sampled while transcribing: ${streamingSampledRatio.toFixed(3)}x)`,
          '"peak RSS": the child\'s ru_maxrss (model loading included, which can peak above transcription); "transcribing, above ready": the highest RSS sampled after each batch of windows minus the RSS once the model and runner were loaded and had run one window',
          '"2nd half adds": highest sampled RSS in the second half of the file minus that in the first half (allocator and GC start-up growth settles within the first minutes of audio; a per-duration cost shows here)',
          'RTF (real-time factor, as in bench:transcribe): audio duration / transcription wall time (decode twice + model + stitching + events)',
          `audio: ${path.basename(args.source!)} looped with ffmpeg to each length`,
          ...(quick && !args.model ? [`--quick: an untrained tiny-logspec model, head biases ${QUICK_HEAD_BIAS_SHIFT} (realistic note density); a smoke test only`] : []),
          ...(short < 10 ? ['files this short end while RSS is still settling (allocator and GC start-up growth over the first minutes of audio): the 10 vs 60 min full run is the test'] : []),
        ],
    });
    console.log(`streaming ${long}/${short} min peak RSS ${streamingRatio.toFixed(3)}x (target <= ${TARGET_RATIO}: ${verdict}); keepRolls ${ratio(true).toFixed(3)}x`);
  } finally {
    cleanup();
  }
}

function mib(kib: number): number { return round(kib / 1024, 1); }
function round(x: number, digits: number): number { const f = 10 ** digits; return Math.round(x * f) / f; }
