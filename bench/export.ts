/**
 * Export benchmark: seconds to write each format and the file sizes per format
 * and precision, for our models and for the Basic Pitch conversion (next to
 * Spotify's official files).
 *   npm run bench:export [-- --quick] [--repeats 3] [--models default,preset:base] [--out bench/results/export.json]
 *
 * Full: the committed default model (small preset) and the base preset (random
 * weights), fp32 / fp16 / int8 (Core ML has no int8), median of `repeats`.
 * Quick: the tiny-logspec preset, fp32, one repeat.
 * The graph is recorded once per model (timed separately); each figure is the
 * converter's write time inside `exportModel` for that format and precision.
 * Basic Pitch: `convertModel` on the npm package's model.json (fp32, as
 * Spotify's files are), sizes next to ../shared/reference/basic-pitch.
 */
import path from 'node:path';
import { FORMATS, loadConverter, type Format } from '../converters/index.js';
import { PRECISIONS, type Precision } from '../converters/types.js';
import { convertModel } from '../src/convert/convert.js';
import { exportModel } from '../src/export/export.js';
import { loadModel } from '../src/model/load.js';
import { hasReference } from '../src/util/paths.js';
import { BP_OFFICIAL, BP_REFERENCE, BP_RENAME, BP_SOURCE } from '../fixtures/basic-pitch.js';
import { tempDir } from '../fixtures/temp-dir.js';
import { benchArgs, bytesOf, fmtKiB, fmtMiB, fmtRatio, median, writeResult } from './lib.js';

const ctx = benchArgs('export', { repeats: { type: 'string', default: '3' }, models: { type: 'string' } });
const repeats = ctx.quick ? 1 : Math.max(1, Number(ctx.values.repeats));
const label = (spec: string) => (spec === 'default' ? 'small (committed default model)' : spec.startsWith('preset:') ? `${spec.slice(7)} (random weights)` : spec);
const MODELS = ((ctx.values.models as string | undefined)?.split(',') ?? (ctx.quick ? ['preset:tiny-logspec'] : ['default', 'preset:base']))
  .map((spec) => ({ label: label(spec), spec }));
const RUN_PRECISIONS: readonly Precision[] = ctx.quick ? ['fp32'] : PRECISIONS;
/** The run's precisions that a format's writer declares it writes (Core ML: fp32, fp16). */
const precisionsOf = async (f: Format) => (await loadConverter(f)).precisions.filter((p) => RUN_PRECISIONS.includes(p));

interface Artifact { format: Format; precision: Precision; bytes: number; seconds: number[]; medianSeconds: number }
interface ModelResult { label: string; spec: string; preset: string; parameters: number; graphSeconds: number; artifacts: Artifact[] }

async function benchModel(label: string, spec: string, dir: string): Promise<ModelResult> {
  const { model } = await loadModel(spec);
  try {
    const graphSeconds: number[] = [];
    const found = new Map<string, Artifact>();
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      const graph = await model.graph(1);
      graphSeconds.push((performance.now() - t0) / 1000);
      const out = path.join(dir, `${model.config.preset}-${r}`);
      for (const format of FORMATS) {
        const m = await exportModel(model, { formats: [format], precisions: await precisionsOf(format), out }, graph);
        // The manifest accumulates across calls into one folder: take this format's entries.
        for (const a of m.artifacts.filter((e) => e.format === format)) {
          const key = `${format}/${a.precision}`;
          const entry = found.get(key) ?? { format, precision: a.precision, bytes: bytesOf(path.join(out, a.path)), seconds: [], medianSeconds: 0 };
          entry.seconds.push(a.seconds);
          found.set(key, entry);
        }
      }
      console.log(`${label}: repeat ${r + 1}/${repeats} done`);
    }
    const artifacts = [...found.values()].map((a) => ({ ...a, medianSeconds: median(a.seconds) }));
    return { label, spec, preset: model.config.preset, parameters: model.paramCount(), graphSeconds: median(graphSeconds), artifacts };
  } finally {
    model.dispose();
  }
}

interface BasicPitchRow { format: string; ours: { bytes: number; medianSeconds: number }; official: { file: string; bytes: number } | null }

async function benchBasicPitch(dir: string): Promise<{ importSeconds: number; rows: BasicPitchRow[]; officialSkipped?: string }> {
  const seconds: Record<string, number[]> = {};
  const importSeconds: number[] = [];
  let manifest!: Awaited<ReturnType<typeof convertModel>>;
  for (let r = 0; r < repeats; r++) {
    manifest = await convertModel(BP_SOURCE, { formats: [...FORMATS], precisions: ['fp32'], out: path.join(dir, `bp-${r}`), rename: BP_RENAME });
    importSeconds.push(manifest.importSeconds);
    for (const a of manifest.artifacts) (seconds[a.format] ??= []).push(a.seconds);
  }
  const officialSkipped = hasReference ? undefined : 'skipped: ../shared not present (no official Basic Pitch files to compare sizes with)';
  if (officialSkipped) console.log(officialSkipped);
  const rows = manifest.artifacts.map((a): BasicPitchRow => {
    const spec = a.format === 'tfjs' ? { file: 'model.json (npm @spotify/basic-pitch)', path: BP_SOURCE } : hasReference ? { file: BP_OFFICIAL[a.format as keyof typeof BP_OFFICIAL].file, path: path.join(BP_REFERENCE, BP_OFFICIAL[a.format as keyof typeof BP_OFFICIAL].file) } : null;
    return { format: a.format, ours: { bytes: a.bytes, medianSeconds: median(seconds[a.format]!) }, official: spec && { file: spec.file, bytes: bytesOf(spec.path) } };
  });
  return { importSeconds: median(importSeconds), rows, officialSkipped };
}

const tmp = tempDir('bench-export');
try {
  const models: ModelResult[] = [];
  for (const m of MODELS) models.push(await benchModel(m.label, m.spec, tmp.dir));
  const basicPitch = await benchBasicPitch(tmp.dir);

  const size = (b: number) => (b >= 2 ** 20 ? fmtMiB(b) : fmtKiB(b));
  const rows: (string | number)[][] = [];
  for (const m of models) {
    for (const format of FORMATS) {
      const at = (p: Precision) => m.artifacts.find((a) => a.format === format && a.precision === p);
      const fp32 = at('fp32')!;
      const cell = (p: Precision) => {
        if (!RUN_PRECISIONS.includes(p)) return 'not run (quick)';
        const a = at(p);
        if (!a) return 'unsupported';
        return p === 'fp32' ? size(a.bytes) : `${size(a.bytes)} (${fmtRatio(a.bytes / fp32.bytes)})`;
      };
      rows.push([m.label, format, fp32.medianSeconds.toFixed(2), cell('fp32'), cell('fp16'), cell('int8'), '-']);
    }
  }
  for (const r of basicPitch.rows) {
    const official = r.official ? `${size(r.official.bytes)} (ours ${fmtRatio(r.ours.bytes / r.official.bytes)})` : 'skipped: ../shared not present';
    rows.push(['Basic Pitch (converted by us)', r.format, r.ours.medianSeconds.toFixed(2), size(r.ours.bytes), '-', '-', official]);
  }
  const summary = {
    title: `Export: seconds per format and file sizes${ctx.quick ? ' (quick: tiny-logspec, fp32, 1 repeat)' : ''}`,
    baseline: 'fp16 / int8 sizes are compared with the same format\'s fp32 file, and the Basic Pitch conversion with Spotify\'s official file of that format (tfjs: the npm package\'s model.json); all measured in this run',
    columns: ['model', 'format', `export s (fp32, median of ${repeats})`, 'fp32', 'fp16', 'int8', 'official Basic Pitch file'],
    rows,
    notes: [
      'export s: the converter\'s write time for that format inside exportModel (graph recording and passes excluded: ' +
        models.map((m) => `${m.preset} ${m.graphSeconds.toFixed(2)} s`).join(', ') + `; Basic Pitch import ${basicPitch.importSeconds.toFixed(2)} s)`,
      'Core ML has no int8 (weights are fp32 or fp16); sizes are the bytes of the file or of every file in the folder',
      ...(basicPitch.officialSkipped ? [basicPitch.officialSkipped] : []),
    ],
  };
  await writeResult(ctx, { repeats, precisions: RUN_PRECISIONS, models, basicPitch }, summary);
  for (const r of rows) console.log(r.join(' | '));
} finally {
  tmp.cleanup();
}
