/**
 * Roofline: how much of the machine's arithmetic each runtime gets out of our model.
 *   npm run bench:roofline [-- --quick] [--runs 10] [--matmul 2048] [--models default,preset:base] [--batches 1,8] [--formats onnx,...] [--out bench/results/roofline.json]
 *
 * Batches: the exports are batch-polymorphic (a2m export --batch dynamic), and
 * each model row is measured at every --batches size (default 1 and 8):
 * ms per window = call ms / batch, so batched windows' throughput sits next
 * to batch 1's (#21). LiteRT.js cannot resize and runs a batch one window per
 * call (src/runtimes/litert.ts), so its batched rows measure that.
 *
 * Numerator: FLOPs per 5 s window from the IR after the export passes
 * (src/ir/flops.ts, multiply-add = 2). Measured: wall ms per window (batch 1,
 * best and median of `runs` after one warm-up, feeds and readback included) in
 * tfjs-node (the canonical model), TF SavedModel, LiteRT, ONNX Runtime and the
 * tfjs graph model, all fp32 exports of the same weights. Limit: one large
 * fp32 matmul (N x N by N x N, 2 N^3 FLOPs) run the same way in each of those
 * runtimes (a one-node IR graph exported to each format), plus tfjs-node's
 * tf.matMul, numpy and TensorFlow in .venv (bench/matmul_peak.py); the
 * machine's measured peak is the best of these. The theoretical peak comes
 * from lscpu-style facts (see theoreticalPeak).
 * Full: small (committed default) and base (random weights), N = 2048.
 * Quick: tiny-logspec, N = 1024, 2 runs, TensorFlow Python skipped (its import alone takes ~10 s).
 * Core ML is left out: on Linux it runs only in our reference evaluator, which is not a runtime whose speed means anything.
 */
import * as tf from '@tensorflow/tfjs-node';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConverter, FORMATS as EXPORT_FORMATS } from '../converters/index.js';
import { exportModel, recordGraph } from '../src/export/export.js';
import { graphFlops } from '../src/ir/flops.js';
import { addConstant, addInput, addNode, emptyGraph } from '../src/ir/graph.js';
import { runPasses } from '../src/ir/passes.js';
import type { HostTensor } from '../src/ir/tensor.js';
import { loadModel } from '../src/model/load.js';
import type { Model } from '../src/model/model.js';
import { loadRuntime } from '../src/runtimes/index.js';
import type { Session } from '../src/runtimes/types.js';
import { projectRoot, venvPython } from '../src/util/paths.js';
import { tempDir } from '../fixtures/temp-dir.js';
import { benchArgs, median, writeResult } from './lib.js';

const ctx = benchArgs('roofline', { runs: { type: 'string', default: '10' }, matmul: { type: 'string', default: '2048' }, models: { type: 'string' }, batches: { type: 'string', default: '1,8' }, formats: { type: 'string' } });
const runs = ctx.quick ? 2 : Math.max(1, Number(ctx.values.runs));
const N = ctx.quick ? 1024 : Number(ctx.values.matmul);
const MODELS = (ctx.values.models as string | undefined)?.split(',') ?? (ctx.quick ? ['preset:tiny-logspec'] : ['default', 'preset:base']);
/** Exported formats timed in their own runtime: all but Core ML (see the header). */
const FORMATS = EXPORT_FORMATS.filter((f) => f !== 'coreml' && (!ctx.values.formats || (ctx.values.formats as string).split(',').includes(f)));
const BATCHES = [...new Set((ctx.values.batches as string).split(',').map((s) => {
  if (!/^[1-9]\d*$/.test(s.trim())) throw new Error(`--batches: expected positive integers separated by commas, got "${ctx.values.batches}"`);
  return Number(s);
}))];
const RUNTIME_LABEL: Record<string, string> = {
  canonical: 'tfjs-node (canonical model, eager)', savedmodel: 'TF SavedModel', tflite: 'LiteRT (WASM)', onnx: 'ONNX Runtime', tfjs: 'tfjs graph model (tfjs-node)',
};

/** Deterministic pseudo-random values in [-amp, amp): timing does not depend on them, reproducibility does. */
function noise(n: number, seed: number, amp: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = ((s / 2 ** 32) * 2 - 1) * amp; }
  return out;
}

/** One warm-up, then `count` timed calls: every wall time in ms. */
async function timeCalls(count: number, call: () => Promise<unknown> | unknown): Promise<number[]> {
  await call();
  const ms: number[] = [];
  for (let i = 0; i < count; i++) { const t0 = performance.now(); await call(); ms.push(performance.now() - t0); }
  return ms;
}

async function timeSession(format: string, file: string, feeds: Record<string, HostTensor>, count: number) {
  const runtime = await loadRuntime(format);
  const session: Session = await runtime.load(file);
  try { return { runtime: runtime.name, ms: await timeCalls(count, () => session.run(feeds)) }; } finally { await session.dispose(); }
}

/** ms: per call; medianMs / bestMs: per window (call ms / batch). */
interface Timing { key: string; runtime: string; batch: number; ms: number[]; medianMs: number; bestMs: number }
const timing = (key: string, runtime: string, ms: number[], batch = 1): Timing => ({ key, runtime, batch, ms, medianMs: median(ms) / batch, bestMs: Math.min(...ms) / batch });

/** `window` repeated to [batch, ...]. */
function stacked(window: HostTensor, batch: number): HostTensor {
  const data = new Float32Array(window.data.length * batch);
  for (let i = 0; i < batch; i++) data.set(window.data, i * window.data.length);
  return { shape: [batch, ...window.shape.slice(1)], data };
}

/** Latency per window of one model in the canonical model and every exported format. */
async function benchModel(spec: string, dir: string) {
  const { model } = await loadModel(spec);
  try {
    const flops = graphFlops(runPasses(await model.graph(1)));
    const window: HostTensor = { shape: [1, model.config.channels, model.config.windowSamples], data: noise(model.config.channels * model.config.windowSamples, 1, 0.1) };
    const timings: Timing[] = [];
    for (const b of BATCHES) {
      const feed = stacked(window, b);
      timings.push(timing('canonical', `TensorFlow via tfjs-node ${tf.version['tfjs-node']}`, await timeCalls(runs, () => (model as Model).predict(feed)), b));
    }
    const out = path.join(dir, model.config.preset);
    const manifest = await exportModel(model, { formats: [...FORMATS], precisions: ['fp32'], out, batch: 'dynamic' }, await recordGraph(model, 'dynamic'));
    for (const a of manifest.artifacts) {
      for (const b of a.dynamicBatch ? BATCHES : [manifest.batch]) {
        const t = await timeSession(a.format, path.join(out, a.path), { [manifest.input.name]: stacked(window, b) }, runs);
        timings.push(timing(a.format, t.runtime, t.ms, b));
        console.log(`${model.config.preset} ${a.format} batch ${b}: ${(median(t.ms) / b).toFixed(1)} ms/window`);
      }
    }
    return { spec, preset: model.config.preset, parameters: model.paramCount(), flopsPerWindow: flops, timings };
  } finally {
    model.dispose();
  }
}

/** An N x N fp32 matmul per runtime: tf.matMul in tfjs-node, and a one-node IR graph (Dense) exported to each format. */
async function benchMatmulRuntimes(dir: string): Promise<Timing[]> {
  const a = noise(N * N, 2, 1), b = noise(N * N, 3, 1);
  const ta = tf.tensor2d(a, [N, N]), tb = tf.tensor2d(b, [N, N]);
  // Eager tfjs-node ops run synchronously in TensorFlow: the product is computed when matMul returns.
  const timings = [timing('canonical', `tf.matMul, tfjs-node ${tf.version['tfjs-node']}`, await timeCalls(runs, () => tf.matMul(ta, tb).dispose()))];
  tf.dispose([ta, tb]);
  const g = emptyGraph();
  addInput(g, 'x', [1, N, N]);
  addConstant(g, 'w', { shape: [N, N], data: b });
  addNode(g, 'y', 'Dense', ['x', 'w'], {});
  g.outputs = [{ name: 'y', value: 'y' }];
  for (const format of FORMATS) {
    const conv = await loadConverter(format);
    const file = path.join(dir, 'matmul', conv.defaultName);
    await conv.write(g, file, { precision: 'fp32' });
    const t = await timeSession(format, file, { x: { shape: [1, N, N], data: a } }, runs);
    timings.push(timing(format, t.runtime, t.ms));
  }
  return timings;
}

/** numpy and TensorFlow (Python) in .venv; null with the reason when the venv is missing. */
async function benchMatmulPython(): Promise<{ numpy?: { version: string; blas: string; seconds: number[]; gflops: number }; tf?: { version: string; seconds: number[]; gflops: number }; skipped?: string }> {
  const which = ctx.quick ? ['numpy'] : ['numpy', 'tf'];
  try {
    const r = await execa(venvPython, [path.join(projectRoot, 'bench', 'matmul_peak.py'), String(N), String(runs), ...which], { env: { TF_CPP_MIN_LOG_LEVEL: '2' } });
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  } catch (e) {
    return { skipped: `Python matmul not measured (${String((e as Error).message).split('\n')[0]}); run npm install to create .venv` };
  }
}

/**
 * Cores x clock x fp32 lanes per FMA instruction x 2 FLOPs per FMA x FMA pipes
 * per core. Cores, clock ("cpu MHz": the nominal clock the kernel or hypervisor
 * reports; boost is not visible) and the widest FMA (avx512f: 16 lanes,
 * avx2 + fma: 8) come from /proc/cpuinfo; the number of FMA pipes is not in
 * the flags, so it is an assumption (2, as in current server cores) and the
 * 1-pipe figure is given too.
 */
function theoreticalPeak() {
  let info = '';
  try { info = readFileSync('/proc/cpuinfo', 'utf8'); } catch { return null; }
  const cores = info.split('\n').filter((l) => l.startsWith('processor')).length;
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(info)?.[1]);
  const flags = new Set((/^flags\s*:(.*)$/m.exec(info)?.[1] ?? '').trim().split(/\s+/));
  if (!cores || !Number.isFinite(mhz) || !flags.has('fma')) return null;
  const lanes = flags.has('avx512f') ? 16 : flags.has('avx2') || flags.has('avx') ? 8 : 4;
  const onePipe = (cores * mhz * 1e6 * lanes * 2) / 1e9;
  return {
    cores, mhz, lanes, fmaPipesAssumed: 2, gflopsOnePipe: onePipe, gflops: 2 * onePipe,
    how: `${cores} cores x ${(mhz / 1000).toFixed(3)} GHz (cpu MHz) x ${lanes} fp32 lanes (${flags.has('avx512f') ? 'avx512f' : 'avx2'}) x 2 FLOPs per FMA x 2 FMA pipes per core (assumed: not in the cpu flags; 1 pipe gives ${onePipe.toFixed(0)} GFLOP/s)`,
  };
}

const tmp = tempDir('bench-roofline');
try {
  const models = [];
  for (const spec of MODELS) models.push(await benchModel(spec, tmp.dir));
  const matmul = await benchMatmulRuntimes(tmp.dir);
  const python = await benchMatmulPython();
  const theoretical = theoreticalPeak();

  const mmFlops = 2 * N ** 3;
  const gflops = (flops: number, ms: number) => flops / ms / 1e6;
  // Like for like: the limit per runtime is its best matmul run, and the shares are of the model's best run
  // too (the run least disturbed by other processes: on a shared 2-core machine the median of a model run
  // swings 1.5x between runs while its best moves a few percent). The median's share is given beside it.
  const runtimePeak = new Map(matmul.map((t) => [t.key, gflops(mmFlops, t.bestMs)]));
  const pyPeaks = [python.numpy && { what: `numpy ${python.numpy.version} (${python.numpy.blas})`, gflops: python.numpy.gflops }, python.tf && { what: `TensorFlow ${python.tf.version} (Python)`, gflops: python.tf.gflops }].filter((x): x is { what: string; gflops: number } => !!x);
  const machinePeak = Math.max(...runtimePeak.values(), ...pyPeaks.map((p) => p.gflops));
  const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(1)}%`;

  const rows: (string | number)[][] = [];
  for (const m of models) {
    for (const t of m.timings) {
      const best = gflops(m.flopsPerWindow, t.bestMs), typical = gflops(m.flopsPerWindow, t.medianMs);
      rows.push([`${m.preset} (${(m.flopsPerWindow / 1e9).toFixed(3)} GFLOP/window)`, `${RUNTIME_LABEL[t.key]!}, batch ${t.batch}`, t.bestMs.toFixed(1), best.toFixed(1), pct(best, runtimePeak.get(t.key)!), pct(best, machinePeak), `${t.medianMs.toFixed(1)} ms, ${pct(typical, machinePeak)}`]);
    }
  }
  for (const t of matmul) {
    const g = runtimePeak.get(t.key)!;
    rows.push([`fp32 matmul ${N}x${N}`, RUNTIME_LABEL[t.key]!.replace('canonical model, eager', 'tf.matMul'), t.bestMs.toFixed(1), g.toFixed(1), '100%', pct(g, machinePeak), '-']);
  }
  for (const p of pyPeaks) rows.push([`fp32 matmul ${N}x${N}`, p.what, (mmFlops / p.gflops / 1e6).toFixed(1), p.gflops.toFixed(1), '100%', pct(p.gflops, machinePeak), '-']);
  // The measured peak as a share of the theoretical one (the other rows are shares of the measured peak).
  if (theoretical) rows.push(['nominal-clock peak', 'from /proc/cpuinfo (see notes)', '-', theoretical.gflops.toFixed(0), '-', `measured peak is ${pct(machinePeak, theoretical.gflops)} of it${machinePeak > theoretical.gflops ? ' (cores run above the clock the hypervisor reports: the measured matmul is the limit to read)' : ''}`, '-']);

  const summary = {
    title: `Roofline: achieved GFLOP/s per runtime vs the measured matmul peak${ctx.quick ? ' (quick: tiny-logspec, 1024 matmul)' : ''}`,
    baseline: `each runtime's model throughput (FLOPs per window from the IR / best ms per window of ${runs} calls, at batch ${BATCHES.join(' and ')}) is compared with the best fp32 ${N}x${N} matmul run of ${runs} in that same runtime and with the machine's best matmul (${machinePeak.toFixed(1)} GFLOP/s), all measured in this run`,
    columns: ['model', 'runtime', 'best ms (window or matmul)', 'GFLOP/s (best)', '% of own matmul', '% of machine matmul peak', 'median ms per window, % of peak'],
    rows,
    notes: [
      `model ms: best of ${runs} calls after a warm-up, per window (call ms / batch), feeds and readback included, as the matmul ms is its best of ${runs}; the last column gives the model's median and its share`,
      'model rows at batch > 1: one call on the window repeated `batch` times, from the same dynamic-batch export as batch 1',
      'a runtime\'s matmul row goes through the same session API as its model row (feeds and readback of N x N included), so "% of own matmul" compares like with like; tf.matMul, numpy and TF Python time the product alone',
      'FLOPs: src/ir/flops.ts on the exported graph (multiply-add = 2; LayerNorm/GELU/softmax counted as 8 per element, data movement as 0)',
      ...(theoretical ? [`theoretical peak ${theoretical.gflops.toFixed(0)} GFLOP/s = ${theoretical.how}`] : ['theoretical peak: /proc/cpuinfo unreadable or no FMA flag']),
      ...(python.skipped ? [python.skipped] : []),
      ...(ctx.quick ? ['quick: TensorFlow Python matmul skipped (tfjs-node runs the same TensorFlow library)'] : []),
      'Core ML not timed: on Linux it runs only in our reference evaluator',
    ],
  };
  await writeResult(ctx, { runs, matmulN: N, models, matmul, python, machinePeakGflops: machinePeak, theoretical }, summary);
  for (const r of rows) console.log(r.join(' | '));
} finally {
  tmp.cleanup();
}
