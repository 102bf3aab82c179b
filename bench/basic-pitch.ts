/**
 * Basic Pitch: our exports next to Spotify's official files.
 *   npm run bench:basic-pitch [-- --quick] [--repeats 3] [--out bench/results/basic-pitch.json]
 * Converts the npm package's model.json to every format (`convertModel`, fp32) `repeats`
 * times (median export seconds per format), then runs ours and the official file of each
 * format in that format's runtime on the same real audio window: file sizes, median run
 * time (after one warm-up), max abs error against the tfjs execution of model.json.
 * Timings are wall clock on whatever machine runs this; on a shared machine they are noisy.
 * Quick: one repeat, TFLite and ONNX only. Core ML's reference evaluator takes seconds
 * per run, and on this machine TensorFlow (oneDNN on, its default) spent ~7 s of CPU per
 * Basic Pitch window (~0.3 s with TF_ENABLE_ONEDNN_OPTS=0), too slow for a smoke run.
 */
import path from 'node:path';
import type { HostTensor } from '../src/ir/tensor.js';
import { convertModel } from '../src/convert/convert.js';
import { FORMATS, type Format } from '../converters/index.js';
import { loadRuntime } from '../src/runtimes/index.js';
import { hasReference } from '../src/util/paths.js';
import { BP_OFFICIAL, BP_OUTPUTS, BP_REFERENCE, BP_RENAME, BP_SOURCE, basicPitchInput, runOfficial, runSource } from '../fixtures/basic-pitch.js';
import { diffOutputs } from '../fixtures/compare.js';
import { tempDir } from '../fixtures/temp-dir.js';
import { benchArgs, bytesOf, fmtKiB, fmtRatio, machineLine, median, writeResult } from './lib.js';


const ctx = benchArgs('basic-pitch', { repeats: { type: 'string', default: '3' } });
const repeats = ctx.quick ? 1 : Math.max(1, Number(ctx.values.repeats));
/** Formats run and compared (every format is still converted and timed). */
const RUN_FORMATS: readonly Format[] = ctx.quick ? ['tflite', 'onnx'] : FORMATS;
const maxAbs = (ref: Record<string, HostTensor>, got: Record<string, HostTensor>) => Math.max(...diffOutputs(ref, got, 1, 0, [...BP_OUTPUTS]).map((d) => d.maxAbs));

/** Median wall ms of `runs` executions after one warm-up, and the last outputs. */
async function timeRuns(format: string, file: string, feeds: Record<string, HostTensor>, runs: number) {
  const session = await (await loadRuntime(format)).load(file);
  try {
    let out = await session.run(feeds);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) { const t0 = performance.now(); out = await session.run(feeds); ms.push(performance.now() - t0); }
    return { ms: median(ms), out };
  } finally { await session.dispose(); }
}

interface Row {
  format: Format;
  ours: { file: string; bytes: number; exportSeconds: number; runMs: number; maxAbsVsTfjs: number };
  official: { file: string; bytes: number; runMs: number | null; maxAbsVsTfjs: number | null; note?: string } | null;
}

const tmp = tempDir('bench-bp');
try {
  const x = await basicPitchInput();
  const exportSeconds: Record<string, number[]> = {};
  const importSeconds: number[] = [];
  let manifest!: Awaited<ReturnType<typeof convertModel>>;
  for (let r = 0; r < repeats; r++) {
    manifest = await convertModel(BP_SOURCE, { formats: [...FORMATS], precisions: ['fp32'], out: path.join(tmp.dir, `run${r}`), rename: BP_RENAME });
    importSeconds.push(manifest.importSeconds);
    for (const a of manifest.artifacts) (exportSeconds[a.format] ??= []).push(a.seconds);
  }
  const outDir = path.join(tmp.dir, `run${repeats - 1}`);
  const source = RUN_FORMATS.includes('tfjs') ? await timeRuns('tfjs', BP_SOURCE, { input_2: x }, repeats) : null;
  const tfjsRef = await runSource(x);
  const rows: Row[] = [];
  for (const format of RUN_FORMATS) {
    const a = manifest.artifacts.find((e) => e.format === format)!;
    const ours = await timeRuns(format, path.join(outDir, a.path), { input_2: x }, repeats);
    let official: Row['official'] = null;
    if (format === 'tfjs') {
      official = { file: 'model.json (npm @spotify/basic-pitch)', bytes: bytesOf(BP_SOURCE), runMs: source!.ms, maxAbsVsTfjs: 0 };
    } else if (hasReference) {
      const spec = BP_OFFICIAL[format];
      const file = path.join(BP_REFERENCE, spec.file);
      const t0 = performance.now();
      const out = await runOfficial(format, x, tmp.dir); // includes load: a single timed run, see note
      official = {
        file: spec.file, bytes: bytesOf(file), runMs: performance.now() - t0, maxAbsVsTfjs: maxAbs(tfjsRef, out),
        note: format === 'tflite' ? 'LiteRT.js with batch pinned to 1 and outputs read before the run-time RESHAPE' : undefined,
      };
    }
    rows.push({ format, ours: { file: a.path, bytes: a.bytes, exportSeconds: median(exportSeconds[format]!), runMs: ours.ms, maxAbsVsTfjs: maxAbs(tfjsRef, ours.out) }, official });
  }

  const kib = (n: number) => fmtKiB(n);
  const ms = (v: number | null | undefined) => (v != null ? `${v.toFixed(0)} ms` : '-');
  const err = (v: number | null | undefined) => (v != null ? v.toExponential(1) : '-');
  const summary = {
    title: `Basic Pitch: our conversion vs Spotify's official files${ctx.quick ? ' (quick: TFLite and ONNX, 1 repeat)' : ''}`,
    baseline: 'Spotify\'s official file of the same format (tfjs: the npm package\'s model.json), run in the same runtime on the same audio window in this run; errors are against the tfjs execution of model.json',
    columns: ['format', 'ours', 'official', 'size ours/official', 'export', 'ours run', 'official run', 'ours max err', 'official max err'],
    rows: rows.map((r) => [
      r.format, kib(r.ours.bytes), r.official ? kib(r.official.bytes) : 'skipped: ../shared not present',
      r.official ? fmtRatio(r.ours.bytes / r.official.bytes) : '-', `${(r.ours.exportSeconds * 1000).toFixed(0)} ms`,
      ms(r.ours.runMs), ms(r.official?.runMs), err(r.ours.maxAbsVsTfjs), err(r.official?.maxAbsVsTfjs),
    ]),
    notes: [
      `import of model.json ${(median(importSeconds) * 1000).toFixed(0)} ms (median of ${repeats}), shared by every format`,
      'export: median of the per-format write time inside convertModel',
      `ours run: median of ${repeats} run(s) after a warm-up; official run: one run INCLUDING load (official files are run once), so the two run columns are not like for like`,
      'tflite official: LiteRT.js with batch pinned to 1 and outputs read before the run-time RESHAPE',
      ...(hasReference ? [] : ['skipped: ../shared not present (official files not compared)']),
      ...(ctx.quick ? ['quick: SavedModel, tfjs (both TensorFlow) and Core ML (reference evaluator) not run; the tfjs reference is run once for the errors'] : []),
    ],
  };
  await writeResult(ctx, {
    model: 'Spotify Basic Pitch (nmp), input [1,43844,1] at 22050 Hz, a real piano window (fixtures/tiny-set)',
    repeats, importSecondsMedian: median(importSeconds),
    notes: [
      'exportSeconds: median of the per-format write time inside convertModel (the import is shared, see importSecondsMedian)',
      'ours.runMs: median of repeats runs after a warm-up; official.runMs: one run including load (official files are run once)',
      'maxAbsVsTfjs: max |output - tfjs execution of model.json| over contour, note, onset',
    ],
    rows,
  }, summary);

  const cell = (s: string, w: number) => s.padEnd(w);
  console.log(`Basic Pitch, ${machineLine(ctx.machine)}; import ${(median(importSeconds) * 1000).toFixed(0)} ms (median of ${repeats})`);
  console.log([cell('format', 11), cell('ours', 9), cell('official', 9), cell('export', 9), cell('ours run', 10), cell('off. run', 10), cell('ours err', 9), 'official err'].join(' '));
  for (const r of rows) {
    console.log([
      cell(r.format, 11), cell(kib(r.ours.bytes), 9), cell(r.official ? kib(r.official.bytes) : '-', 9),
      cell(`${(r.ours.exportSeconds * 1000).toFixed(0)} ms`, 9), cell(`${r.ours.runMs.toFixed(0)} ms`, 10),
      cell(r.official?.runMs != null ? `${r.official.runMs.toFixed(0)} ms` : '-', 10),
      cell(r.ours.maxAbsVsTfjs.toExponential(1), 9), r.official?.maxAbsVsTfjs != null ? r.official.maxAbsVsTfjs.toExponential(1) : '-',
    ].join(' '));
  }
} finally {
  tmp.cleanup();
}
