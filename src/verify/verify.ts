/**
 * `a2m verify`: every artifact of an export folder (export.json) run in its
 * format's own runtime on the golden inputs, judged against the canonical
 * outputs and notes; Python oracles as extra rows; bisect on failures.
 */
import { ConfinedRoot, checkArtifactPath, checkRelativePath } from '../util/confine.js';
import path from 'node:path';
import type { ExportManifest } from '../export/export.js';
import { modelHash } from '../export/export.js';
import type { Model } from '../model/model.js';
import type { IrGraph } from '../ir/graph.js';
import { runPasses } from '../ir/passes.js';
import { A2mError } from '../errors.js';
import { FORMATS, isFormat } from '../../converters/index.js';
import { PRECISIONS } from '../../converters/types.js';
import { toolVersion } from '../util/version.js';
import { venvPython } from '../util/paths.js';
import { goldenWindows, type Golden } from './golden.js';
import type { HostTensor } from '../ir/tensor.js';
import { runArtifact, stackBatch, type ArtifactRun } from './run-artifact.js';
import { errorRow, judgeRun, type RowIdentity } from './check.js';
import { hasOracles, ORACLE_FORMATS, runOracles, type OracleJob } from './oracles.js';
import { bisectExport } from './bisect.js';
import { DEFAULT_TOLERANCES, type Tolerances } from './tolerances.js';
import { REPORT_SCHEMA_NAME, REPORT_VERSION, type ResultRow, type VerifyReport } from './report.js';
import { PARITY_BATCHES, cycledInputs, judgeBatch, type BatchParityRow } from './batch-parity.js';

export interface VerifyOptions {
  exportDir: string;
  golden: Golden;
  tolerances?: Tolerances;
  /** Add Python oracle rows (default: when the venv exists). */
  oracles?: boolean;
  /** Bisect failing rows (needs `model`). */
  bisect?: boolean;
  /** The exported model: bisect rebuilds its graph. */
  model?: Model | null;
  /** Only these formats (default: every artifact). */
  formats?: string[];
  /** Batch sizes for the batch-parity rows of dynamic-batch artifacts (default PARITY_BATCHES; [] skips them). */
  parityBatches?: readonly number[];
  onProgress?: (msg: string) => void;
}


/** An export folder someone gave us: its manifest, checked, and the root every artifact path must stay inside. */
export interface ExportFolder { manifest: ExportManifest; root: ConfinedRoot; file: string }

/** Reads and checks export.json: every artifact's format, precision and path are checked before anything runs. */
export async function readExportFolder(dir: string): Promise<ExportFolder> {
  const file = path.join(dir, 'export.json');
  const root = await ConfinedRoot.open(dir, 'export folder');
  if (!(await root.has('export.json', file))) throw new A2mError(`${file}: missing (not an export folder; make one with \`a2m export\`)`);
  const m = await root.readJson<ExportManifest>('export.json', file);
  if (!m || typeof m.modelSha256 !== 'string' || !Array.isArray(m.artifacts) || !Array.isArray(m.input?.shape) || !Number.isInteger(m.batch) || m.batch < 1 || m.batch > 1024) {
    throw new A2mError(`${file}: expected modelSha256, batch 1..1024, input and artifacts (written by \`a2m export\`)`);
  }
  m.artifacts.forEach((a, i) => {
    const at = `${file}: artifacts[${i}]`;
    // Every export format has a runtime (src/runtimes/index.ts is typed by the same list).
    if (typeof a?.format !== 'string' || !isFormat(a.format)) throw new A2mError(`${at}.format: expected one of ${FORMATS.join(', ')}, got ${JSON.stringify(a?.format)}`);
    if (!(PRECISIONS as readonly unknown[]).includes(a.precision)) throw new A2mError(`${at}.precision: expected one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(a.precision)}`);
    checkRelativePath(a.path, `${at}.path`);
  });
  return { manifest: m, root, file };
}

/** Reads and checks export.json. */
export async function readExportManifest(dir: string): Promise<ExportManifest> {
  return (await readExportFolder(dir)).manifest;
}

/** Bytes of an artifact (a file, or every file under a folder); null when missing. */
async function sizeOf(root: ConfinedRoot, rel: string, where: string): Promise<number | null> {
  if (!(await root.has(rel, where))) return null;
  const { stats } = await root.resolve(rel, where);
  if (!stats.isDirectory()) return stats.size;
  return (await root.walk(rel, where)).reduce((n, f) => n + f.size, 0);
}

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0]!;

export async function verifyExport(o: VerifyOptions): Promise<VerifyReport> {
  const tolerances = o.tolerances ?? (structuredClone(DEFAULT_TOLERANCES) as Tolerances);
  const { manifest, root, file: manifestFile } = await readExportFolder(o.exportDir);
  const golden = o.golden;
  if (manifest.modelSha256 !== golden.model.sha256) {
    throw new A2mError(`${path.join(o.exportDir, 'export.json')}: exported model ${manifest.modelSha256.slice(0, 12)} (preset ${manifest.preset}) is not the golden's model ${golden.model.sha256.slice(0, 12)} (preset ${golden.model.preset}${golden.dir ? `, ${golden.dir}` : ''}): regenerate the goldens with \`a2m golden <model>\` or pass --model`);
  }
  const caseShape = golden.cases[0]!.samples.shape.slice(1).join();
  if (manifest.input.shape.slice(1).join() !== caseShape) {
    throw new A2mError(`${path.join(o.exportDir, 'export.json')}: input shape [${manifest.input.shape}] does not take the golden windows [${golden.cases[0]!.samples.shape}]`);
  }
  if (o.oracles && !hasOracles()) throw new A2mError(`--oracles: no Python venv at ${venvPython} (\`npm install\` creates it with TensorFlow and onnxruntime)`);
  // Runtimes take windows: a batched golden case (#21) goes in as its rows and comes back as one case
  // (byCase); a dynamic-batch artifact also runs each batched case whole, in one call at its batch.
  const windows = goldenWindows(golden);
  const inputs = windows.map((w) => w.samples);
  const byCase = (run: ArtifactRun): ArtifactRun => ({ ...run, outputs: golden.cases.map((_, ci) => concatRows(run.outputs.filter((__, i) => windows[i]!.case === ci))) });
  const artifacts = manifest.artifacts.filter((a) => !o.formats || o.formats.includes(a.format));
  if (!artifacts.length) throw new A2mError(`${path.join(o.exportDir, 'export.json')}: no artifacts${o.formats ? ` of format ${o.formats.join(', ')}` : ''} to verify`);

  const rows: ResultRow[] = [];
  const worst = new Map<ResultRow, number>();
  const oracleJobs: (OracleJob & { id: string; identity: RowIdentity })[] = [];
  // Every artifact path is confined before any runtime sees it: a path or link out of
  // the export folder, or a FIFO or device, refuses the whole export (it is not a row).
  const checked = new Map<ExportManifest['artifacts'][number], string | null>();
  for (const [i, a] of manifest.artifacts.entries()) {
    if (!artifacts.includes(a)) continue;
    const where = `${manifestFile}: artifacts[${i}].path`;
    checked.set(a, (await root.has(a.path, where)) ? await checkArtifactPath(root, a.path, where) : null);
  }
  for (const a of artifacts) {
    const file = checked.get(a) ?? path.join(o.exportDir, a.path);
    const identity: RowIdentity = { format: a.format, precision: a.precision, artifact: a.path, oracle: false, bytes: await sizeOf(root, a.path, manifestFile) };
    o.onProgress?.(`${a.format} ${a.precision}: ${a.path}`);
    if (!checked.get(a)) { rows.push(errorRow(identity, '-', `${file}: missing (listed in export.json)`)); continue; }
    try {
      const run = byCase(await runArtifact(a.format, file, manifest.batch, inputs, manifest.input.name));
      if (a.dynamicBatch) {
        for (const [ci, c] of golden.cases.entries()) {
          const n = c.samples.shape[0]!;
          if (n === 1) continue;
          const whole = await runArtifact(a.format, file, n, windows.filter((w) => w.case === ci).map((w) => w.samples), manifest.input.name);
          run.outputs[ci] = concatRows(whole.outputs);
          if (whole.batchNote) run.batchNote = whole.batchNote;
        }
      }
      const judged = judgeRun(identity, run, golden, tolerances[a.precision]);
      rows.push(judged.row);
      worst.set(judged.row, judged.worstCase);
    } catch (e) {
      rows.push(errorRow(identity, a.format, firstLine(e)));
    }
    if ((o.oracles ?? hasOracles()) && ORACLE_FORMATS.includes(a.format)) {
      oracleJobs.push({ id: String(oracleJobs.length), format: a.format, file, batch: manifest.batch, inputs, inputName: manifest.input.name, identity: { ...identity, oracle: true } });
    }
  }
  // Batch parity: each dynamic-batch artifact at every parity batch, in its runtime and (as one more row) its Python oracle.
  const parity: BatchParityRow[] = [];
  const parityOracleJobs: (OracleJob & { row: Omit<BatchParityRow, 'maxAbsError' | 'beyond' | 'status' | 'runtime'> })[] = [];
  for (const a of artifacts.filter((x) => x.dynamicBatch && checked.get(x))) {
    const file = checked.get(a)!;
    for (const batch of o.parityBatches ?? PARITY_BATCHES) {
      const row = { format: a.format, precision: a.precision, artifact: a.path, oracle: false, batch };
      o.onProgress?.(`${a.format} ${a.precision}: batch ${batch}`);
      const batchInputs = cycledInputs(inputs, batch);
      try {
        const run = await runArtifact(a.format, file, batch, batchInputs, manifest.input.name);
        parity.push({ ...judgeBatch(row, run, golden, tolerances[a.precision]), ...(batch > 1 && run.batchNote ? { note: run.batchNote } : {}) });
      } catch (e) {
        parity.push({ ...row, runtime: a.format, maxAbsError: null, beyond: 0, status: 'error', note: firstLine(e) });
      }
      if ((o.oracles ?? hasOracles()) && ORACLE_FORMATS.includes(a.format)) {
        parityOracleJobs.push({ id: `parity-${parityOracleJobs.length}`, format: a.format, file, batch, inputs: batchInputs, inputName: manifest.input.name, row: { ...row, oracle: true } });
      }
    }
  }
  if (oracleJobs.length || parityOracleJobs.length) {
    o.onProgress?.(`Python oracles: ${oracleJobs.length} artifact(s)${parityOracleJobs.length ? `, ${parityOracleJobs.length} batch-parity run(s)` : ''}`);
    const results = await runOracles([...oracleJobs, ...parityOracleJobs]);
    for (const job of oracleJobs) {
      const r = results.get(job.id)!;
      rows.push('error' in r ? errorRow(job.identity, `python ${job.format} oracle`, r.error) : judgeRun(job.identity, byCase(r), golden, tolerances[job.identity.precision]).row);
    }
    for (const job of parityOracleJobs) {
      const r = results.get(job.id)!;
      parity.push('error' in r ? { ...job.row, runtime: `python ${job.format} oracle`, maxAbsError: null, beyond: 0, status: 'error', note: r.error } : judgeBatch(job.row, r, golden, tolerances[job.row.precision]));
    }
  }

  if (o.bisect) {
    let graph: IrGraph | null = null;
    for (const row of rows.filter((r) => r.status === 'fail' && !r.oracle)) {
      const caseIndex = worst.get(row) ?? 0;
      const caseName = golden.cases[caseIndex]!.name;
      const unavailable = (message: string) => ({ status: 'error' as const, message, case: caseName, node: null, error: null, threshold: tolerances[row.precision].bisect, exports: 0, probes: 0, seconds: 0 });
      if (!o.model) { row.bisect = unavailable('bisect needs the model to rebuild its graph: pass --model <checkpoint>'); continue; }
      if ((await modelHash(o.model)) !== manifest.modelSha256) { row.bisect = unavailable(`--model is not the exported model (${manifest.modelSha256.slice(0, 12)})`); continue; }
      graph ??= runPasses(await o.model.graph(manifest.batch));
      o.onProgress?.(`bisect ${row.format} ${row.precision} on case ${caseName}`);
      row.bisect = await bisectExport({
        graph, format: row.format, precision: row.precision, caseName, threshold: tolerances[row.precision].bisect,
        input: stackBatch([golden.cases[caseIndex]!.samples], manifest.batch), onProgress: o.onProgress,
      });
    }
  }

  const count = (s: ResultRow['status']) => rows.filter((r) => r.status === s).length;
  return {
    schema: REPORT_SCHEMA_NAME, version: REPORT_VERSION, tool: 'audio-to-midi', toolVersion: toolVersion(),
    passed: rows.every((r) => r.status === 'pass') && parity.every((r) => r.status === 'pass'),
    exportDir: path.resolve(o.exportDir),
    export: { preset: manifest.preset, modelSha256: manifest.modelSha256, batch: manifest.batch },
    golden: { dir: golden.dir, modelSha256: golden.model.sha256, producedBy: `${golden.producedBy.runtime} (TensorFlow ${golden.producedBy.tensorflow})`, cases: golden.cases.map((c) => c.name) },
    tolerances,
    summary: { rows: rows.length, passed: count('pass'), failed: count('fail'), errors: count('error') },
    results: rows,
    ...(parity.length ? { batchParity: parity } : {}),
  };
}

/** Per-window outputs ([1, ...] each) stacked into one [n, ...] output per name, in order. */
function concatRows(rows: readonly Record<string, HostTensor>[]): Record<string, HostTensor> {
  if (rows.length === 1) return rows[0]!;
  const out: Record<string, HostTensor> = {};
  for (const name of Object.keys(rows[0] ?? {})) {
    const parts = rows.map((r) => r[name]);
    if (parts.some((p) => !p)) continue;
    const data = new Float32Array(parts.reduce((a, p) => a + p!.data.length, 0));
    let at = 0;
    for (const p of parts) { data.set(p!.data, at); at += p!.data.length; }
    out[name] = { shape: [parts.reduce((a, p) => a + p!.shape[0]!, 0), ...parts[0]!.shape.slice(1)], data };
  }
  return out;
}
