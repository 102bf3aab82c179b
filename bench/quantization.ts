/**
 * The accuracy cost of reduced-precision exports (issue #7).
 *   npm run bench:quantization [-- --quick] [--data data/val] [--formats tflite,onnx,savedmodel] [--out bench/results/quantization.json]
 *
 * The default model exported to each format at fp32, fp16 and int8 (Core ML has
 * no int8, and no runtime here: not measured), each run in its format's own
 * runtime through `a2m validate`'s code path (`makeRunner(model, format,
 * precision)` + `validateDataset`, model card thresholds) on the validation
 * split: note F1, its change against the same format's fp32 export, artifact
 * size on disk against fp32, and the validation wall time. The canonical tfjs
 * model is scored too, as the reference every fp32 export should equal.
 * Exports go to a fresh cache folder, so they are written by the converters of
 * this checkout. --quick: 1 piece, TFLite only.
 * One row by hand: `npx a2m validate data/val --backend tflite --precision int8`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs, bytesOf, fmtRatio, machineLine, writeResult } from './lib.js';
import { loadModel } from '../src/model/load.js';
import { cachedExport, makeRunner, PRECISIONS, type ExportBackend } from '../src/infer/backends.js';
import { validateDataset, type ValidationReport } from '../src/eval/validate.js';
import { listPairs } from '../src/data/loader.js';
import type { EventThresholds } from '../src/infer/events.js';
import type { Precision } from '../converters/types.js';
import { projectRoot } from '../src/util/paths.js';
import { A2mError } from '../src/errors.js';

const ctx = benchArgs('quantization', {
  data: { type: 'string' },
  formats: { type: 'string' },
});
// --quick is the smoke run inside `npm test` (CI has no data/val): the committed one-piece fixture set.
ctx.values.data ??= path.join(projectRoot, ...(ctx.quick ? ['fixtures', 'tiny-set'] : ['data', 'val']));
const QUICK = { pieces: 1, formats: ['tflite'] as ExportBackend[] };
const ALL_FORMATS: ExportBackend[] = ['tflite', 'onnx', 'savedmodel'];
const RENDER_VAL = 'npx a2m dataset render --hours 0.3 --seed 1002 --out data/val';

const formats = (ctx.values.formats as string | undefined)?.split(',').map((s) => s.trim()) as ExportBackend[] | undefined ?? (ctx.quick ? QUICK.formats : ALL_FORMATS);
for (const f of formats) if (!ALL_FORMATS.includes(f)) throw new A2mError(`--formats: unknown format "${f}" (expected: ${ALL_FORMATS.join(', ')})`);
const dataArg = ctx.values.data as string;
if (!existsSync(dataArg)) throw new A2mError(`${dataArg}: validation split not found; render it with \`${RENDER_VAL}\``);
const allPairs = await listPairs(dataArg);
const pairs = ctx.quick ? allPairs.slice(0, QUICK.pieces) : allPairs;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'a2m-bench-quantization-'));
// validateDataset scores a folder: --quick gives it a folder of links to the first pieces.
let dataDir = dataArg;
if (ctx.quick) {
  dataDir = path.join(scratch, 'pieces');
  mkdirSync(dataDir);
  for (const p of pairs) for (const f of [p.audio, p.csv]) symlinkSync(path.resolve(f), path.join(dataDir, path.basename(f)));
}
// A fresh export cache: artifacts from this checkout's converters, and export time kept out of the validation time.
process.env.A2M_CACHE_DIR = path.join(scratch, 'cache');
console.log(`quantization: ${formats.join(', ')} x ${PRECISIONS.join('/')} on ${pairs.length} pieces of ${dataArg}${ctx.quick ? ' (--quick)' : ''}; ${machineLine(ctx.machine)}`);

interface Row {
  format: ExportBackend | 'tfjs';
  precision: Precision;
  runtime: string;
  bytes: number | null;
  exportSeconds: number | null;
  validateSeconds: number;
  mean: ValidationReport['mean'];
  pieces: ValidationReport['pieces'];
}

try {
  const { model, source, state } = await loadModel('default');
  const thresholds = (state.thresholds ?? {}) as Partial<EventThresholds>;
  const score = async (runnerFor: () => ReturnType<typeof makeRunner>, label: string) => {
    const runner = await runnerFor();
    const t0 = performance.now();
    try {
      const rep = await validateDataset(model, source, runner, dataDir, {
        thresholds, seedMetrics: false, tune: false, onPiece: (name, i, n) => process.stderr.write(`\r${label} [${i + 1}/${n}] ${name}`.padEnd(60)),
      });
      return { rep, seconds: (performance.now() - t0) / 1000 };
    } finally {
      await runner.dispose();
    }
  };

  const rows: Row[] = [];
  const canonical = await score(() => makeRunner(model, 'tfjs'), 'tfjs fp32');
  rows.push({ format: 'tfjs', precision: 'fp32', runtime: canonical.rep.runtime, bytes: null, exportSeconds: null, validateSeconds: canonical.seconds, mean: canonical.rep.mean, pieces: canonical.rep.pieces });
  for (const format of formats) {
    for (const precision of PRECISIONS) {
      const t0 = performance.now();
      const { file } = await cachedExport(model, format, precision);
      const exportSeconds = (performance.now() - t0) / 1000;
      const { rep, seconds } = await score(() => makeRunner(model, format, precision), `${format} ${precision}`);
      rows.push({ format, precision, runtime: rep.runtime, bytes: bytesOf(file), exportSeconds, validateSeconds: seconds, mean: rep.mean, pieces: rep.pieces });
    }
  }
  process.stderr.write('\n');
  model.dispose();

  const f3 = (x: number) => +x.toFixed(3);
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
  const table = rows.map((r) => {
    const fp32 = rows.find((q) => q.format === r.format && q.precision === 'fp32')!;
    return [
      r.format === 'tfjs' ? 'tfjs (canonical model)' : r.format, r.precision,
      f3(r.mean.onsetF1), f3(r.mean.onsetOffsetF1),
      r.format === 'tfjs' ? '-' : signed(r.mean.onsetF1 - fp32.mean.onsetF1), r.format === 'tfjs' ? '-' : signed(r.mean.onsetOffsetF1 - fp32.mean.onsetOffsetF1),
      r.bytes === null ? '-' : r.bytes, r.bytes === null || fp32.bytes === null ? '-' : fmtRatio(r.bytes / fp32.bytes),
      +r.validateSeconds.toFixed(1),
    ];
  });
  const columns = ['format', 'precision', 'onset F1', 'onset+offset F1', 'Δ onset F1 vs fp32', 'Δ onset+offset F1 vs fp32', 'bytes', 'size vs fp32', 'validate wall s'];
  console.log(`\n${columns.join(' | ')}`);
  for (const r of table) console.log(r.join(' | '));

  await writeResult(ctx, {
    dataset: { dir: path.resolve(dataArg), pieces: pairs.map((p) => p.name) },
    model: source, thresholds, formats,
    results: rows,
  }, {
    title: `Reduced-precision exports: note F1 and size, ${pairs.length} validation pieces${ctx.quick ? ' (--quick)' : ''}`,
    baseline: 'the same format\'s fp32 export (and the canonical tfjs model), on the same pieces in the same run',
    columns, rows: table,
    notes: [
      'Each export runs in its own runtime (LiteRT.js, ONNX Runtime, TensorFlow SavedModel) through a2m validate\'s path with the model card thresholds; F1 is the mean over pieces (mir_eval-exact, 50 ms onsets).',
      'fp16 stores weights (and, per format, compute) in float16; int8 stores Dense/Conv weights as symmetric per-channel int8 (dynamic-range style, compute stays float). Core ML (fp32/fp16 only) has no runtime on Linux and is not measured.',
      'Per artifact by hand: npx a2m validate data/val --backend <tflite|onnx|savedmodel> --precision <fp32|fp16|int8>.',
      'validate wall s: decoding + model + note extraction on the machine as it was (shared); exports are written before timing starts.',
    ],
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
