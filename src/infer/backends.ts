/**
 * Where the model runs during transcription: the canonical tfjs model, or the
 * same model exported to a format (fp32, fp16 or int8) and run in that
 * format's own runtime. Exports are made on first use into a cache keyed by
 * a hash of the graph the export writes (so any change to the forward pass
 * misses), the exporting code (tool version + converter sources), the
 * format and the precision; each artifact's files are hashed when written and
 * checked before use, and a damaged or incomplete one is rebuilt (cache-sums.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { ModelLike } from '../model/host-model.js';
import { asTfjsModel } from '../model/load.js';
// The export driver (with the IR passes it runs) is loaded only on a cache miss: a cached export needs just its artifact's name.
import type { ExportManifest } from '../export/export.js';
import { artifactName } from '../export/artifacts.js';
import type { IrGraph } from '../ir/graph.js';
import { graphHash } from '../ir/graph-hash.js';
import { loadRuntime } from '../runtimes/index.js';
import { DEFAULT_NAMES } from '../../converters/index.js';
import { PRECISIONS, type Precision } from '../../converters/types.js';
import { BACKENDS, BACKEND_PREFERENCE, DEFAULT_BATCH, TFJS_DEFAULT_BATCH, type Backend, type ExportBackend } from './backend-names.js';

export { BACKENDS, BACKEND_PREFERENCE, DEFAULT_BATCH, MAX_BATCH, TFJS_DEFAULT_BATCH, type Backend, type ExportBackend } from './backend-names.js';
import type { HostTensor } from '../ir/tensor.js';
import { A2mError } from '../errors.js';
import { errorReason } from '../util/error-reason.js';
import { fileURLToPath } from 'node:url';
import { sourceFingerprint } from '../util/source-fingerprint.js';
import { checkSums, recordSums, removeArtifact } from './cache-sums.js';
import { writeFileAtomic } from '../util/atomic.js';

/** Runs batches of windows [B, 2, 80000]; returns each output flattened [B, 250, 90]. */
export interface WindowRunner {
  name: string;
  /** Windows per call: the runner's chosen batch (a dynamic-batch export runs any; a static one its own). */
  batch: number;
  run(windows: Float32Array, count: number): Promise<Record<string, Float32Array>>;
  dispose(): Promise<void>;
}

export { PRECISIONS };

export function exportCacheDir(): string {
  return path.join(process.env.A2M_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'a2m'), 'exports');
}

/** The canonical tfjs model as a runner (loads tfjs-node; a host model is copied into it and released with the runner). */
export async function tfjsRunner(model: ModelLike, batch = TFJS_DEFAULT_BATCH): Promise<WindowRunner> {
  const tfModel = await asTfjsModel(model);
  const c = model.config;
  return {
    name: 'tfjs-node (canonical)',
    batch,
    async run(windows, count) {
      const out = await tfModel.predict({ shape: [count, c.channels, c.windowSamples], data: windows.subarray(0, count * c.channels * c.windowSamples) });
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data]));
    },
    async dispose() { if (tfModel !== model) tfModel.dispose(); /* else the caller owns it */ },
  };
}

/** A cached export: the artifact's absolute path and the manifest of the folder holding it. */
export interface CachedExport { file: string; manifest: ExportManifest }

/** Where backend messages go. The CLI passes `log` under --verbose. */
export interface RunnerOptions {
  /** One-line warnings, e.g. a damaged cache entry being rebuilt (default: stderr). */
  warn?: (msg: string) => void;
  /** Details, e.g. why `auto` skipped a backend (default: dropped). */
  log?: (msg: string) => void;
  /** Windows per model call (default DEFAULT_BATCH, TFJS_DEFAULT_BATCH for tfjs); a static-batch export ignores it. */
  batch?: number;
}

const stderrWarn = (msg: string) => { process.stderr.write(`a2m: warning: ${msg}\n`); };
const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0]!;

/**
 * The code that turns an IR graph into artifact bytes: the converters, the IR
 * (its passes run at export, its op facts steer the converters), the export
 * driver and the fp16 helper the converters share. A change to any of them
 * must miss the cache. The forward pass is not listed: the graph it records
 * is hashed itself (graphHash), so only a change to what it records misses.
 */
const HERE = fileURLToPath(import.meta.url);
/** .ts in a clone, .js in the compiled package: the same extension as this file. */
const EXT = path.extname(HERE);
const EXPORT_SOURCES = ['converters', path.join('src', 'ir'), path.join('src', 'export'), path.join('src', 'util', `half${EXT}`)];
/** Where that code is: the clone's sources (src/infer/ -> root), or the compiled package's dist/ (dist/src/infer/ -> dist). */
const CODE_ROOT = path.resolve(path.dirname(HERE), '..', '..');

/**
 * Exports are cached batch-polymorphic (dim 0 free, src/ir/dynamic-batch.ts):
 * one artifact serves every --batch. (Core ML, not a backend, would take only
 * its enumerated batches 1..8.)
 */
const CACHE_BATCH = 'dynamic';

/**
 * The cache folder name for an export of `graph` (exportGraph's: the recorded
 * forward pass with its provenance): its hash and the exporting code's
 * fingerprint, so a changed graph or a new tool version or converter edit misses.
 */
export async function exportCacheKey(graph: IrGraph): Promise<string> {
  const code = await sourceFingerprint(CODE_ROOT, EXPORT_SOURCES);
  return `${graphHash(graph).slice(0, 16)}-${code.slice(0, 12)}`;
}

/** The artifact's name inside a cache folder. */
const cachedArtifactName = (format: ExportBackend, precision: Precision) => artifactName(format, precision, DEFAULT_NAMES[format]);

/** Where the export of `graph` as (format, precision) is cached. */
async function cacheLocation(graph: IrGraph, format: ExportBackend, precision: Precision): Promise<{ dir: string; rel: string }> {
  return { dir: path.join(exportCacheDir(), await exportCacheKey(graph)), rel: cachedArtifactName(format, precision) };
}

/**
 * Where (model, format, precision) is cached: one folder per exported graph
 * and exporter fingerprint, one artifact per format and precision inside it
 * (`artifactName` puts the precision in the name, e.g. `model.fp16.tflite`),
 * so precisions never share a file.
 */
export async function exportCachePath(model: ModelLike, format: ExportBackend, precision: Precision): Promise<{ dir: string; rel: string }> {
  const { exportGraph } = await import('../export/export.js');
  return cacheLocation(await exportGraph(model, CACHE_BATCH), format, precision);
}

/** The entry's export.json when it lists `rel` at `precision`, else what is wrong with it. */
async function cachedManifest(dir: string, rel: string, precision: Precision): Promise<ExportManifest | string> {
  let m: ExportManifest;
  try { m = JSON.parse(await readFile(path.join(dir, 'export.json'), 'utf8')) as ExportManifest; } catch (e) {
    return `export.json is missing or damaged (${firstLine(e)})`;
  }
  if (!Array.isArray(m?.artifacts) || !m.artifacts.some((a) => a.path === rel && a.precision === precision)) return `export.json does not list ${rel} (${precision})`;
  return m;
}

/**
 * What the recorded graph depends on besides the checkpoint: the forward pass
 * and its helpers (src/model, src/util) and everything EXPORT_SOURCES lists.
 * The checkpoint index below is keyed by their fingerprint.
 */
const GRAPH_SOURCES = [path.join('src', 'model'), path.join('src', 'util'), ...EXPORT_SOURCES];
/** A cache folder name as exportCacheKey makes it. */
const CACHE_ENTRY = /^[0-9a-f]{16}-[0-9a-f]{12}$/;

/**
 * The index file naming the cache folder of a checkpoint's export, or null
 * for a model with no verified content hash (a preset, an in-memory model).
 * Recording and hashing the graph costs about 0.1 s of CPU at every start;
 * the checkpoint's content hash (already computed when its shards were
 * verified) plus the code's fingerprint names the same graph without recording it.
 */
async function checkpointIndexFile(model: ModelLike): Promise<string | null> {
  if (!model.contentId) return null;
  const code = await sourceFingerprint(CODE_ROOT, GRAPH_SOURCES);
  const key = createHash('sha256').update(`${model.contentId}\0${code}\0${CACHE_BATCH}`).digest('hex').slice(0, 32);
  return path.join(exportCacheDir(), 'by-checkpoint', key);
}

async function readIndex(file: string | null): Promise<string | null> {
  if (!file) return null;
  const name = await readFile(file, 'utf8').then((t) => t.trim(), () => null);
  return name && CACHE_ENTRY.test(name) ? name : null;
}

/**
 * The model exported to `format` at `precision`, written on first use and
 * reused after. A present artifact is used only when export.json lists it and
 * its files hash as written; otherwise it is rebuilt, with a warning, so one
 * damaged entry does not fail (or, under `auto`, silently demote) every later run.
 * A checkpoint seen before finds its folder through the index without recording the graph.
 */
export async function cachedExport(model: ModelLike, format: ExportBackend, precision: Precision = 'fp32', opts: RunnerOptions = {}): Promise<CachedExport> {
  if (!PRECISIONS.includes(precision)) throw new A2mError(`unknown precision "${precision}" (expected: ${PRECISIONS.join(', ')})`);
  const rel = cachedArtifactName(format, precision);
  const indexFile = await checkpointIndexFile(model);
  const indexed = await readIndex(indexFile);
  let graph: IrGraph | undefined;
  const exporter = () => import('../export/export.js');
  const entry = indexed ?? await exportCacheKey(graph = await (await exporter()).exportGraph(model, CACHE_BATCH));
  const usable = await usableEntry(path.join(exportCacheDir(), entry), rel, precision, opts);
  if (usable) {
    if (!indexed) await rememberEntry(indexFile, entry, opts);
    return usable;
  }
  // Writing: the folder is named by the graph itself (an index naming another folder is not trusted here).
  const { exportGraph, exportModel } = await exporter();
  graph ??= await exportGraph(model, CACHE_BATCH);
  const { dir } = await cacheLocation(graph, format, precision);
  const file = path.join(dir, rel);
  await removeArtifact(dir, rel);
  const manifest = await exportModel(model, { formats: [format], precisions: [precision], out: dir, batch: CACHE_BATCH }, graph);
  await recordSums(dir, rel);
  await rememberEntry(indexFile, path.basename(dir), opts);
  return { file, manifest };
}

/** The cached artifact when it is present, listed and intact; a damaged one is reported (and then rebuilt by the caller). */
async function usableEntry(dir: string, rel: string, precision: Precision, opts: RunnerOptions): Promise<CachedExport | null> {
  const file = path.join(dir, rel);
  if (!existsSync(file)) return null;
  const manifest = await cachedManifest(dir, rel, precision);
  const problem = typeof manifest === 'string' ? manifest : await checkSums(dir, rel);
  if (problem === null && typeof manifest !== 'string') return { file, manifest };
  (opts.warn ?? stderrWarn)(`export cache ${file}: ${problem}; rebuilding it`);
  return null;
}

/** Records which folder holds the checkpoint's export; failing to only costs the next start the graph recording. */
async function rememberEntry(indexFile: string | null, entry: string, opts: RunnerOptions): Promise<void> {
  if (!indexFile) return;
  try {
    await mkdir(path.dirname(indexFile), { recursive: true });
    await writeFileAtomic(indexFile, `${entry}\n`);
  } catch (e) {
    opts.log?.(`export cache: could not write the checkpoint index ${indexFile} (${errorReason(e)})`);
  }
}

/** Exports (once, cached) and loads the model in a format's runtime. */
export async function exportedRunner(model: ModelLike, format: ExportBackend, precision: Precision = 'fp32', opts: RunnerOptions = {}): Promise<WindowRunner> {
  const { file, manifest } = await cachedExport(model, format, precision, opts);
  const runtime = await loadRuntime(format);
  const session = await runtime.load(file);
  const c = model.config;
  const per = c.channels * c.windowSamples;
  const dynamic = manifest.artifacts.some((a) => path.join(path.dirname(file), a.path) === file && a.dynamicBatch);
  const batch = dynamic ? (opts.batch ?? DEFAULT_BATCH) : manifest.batch;
  return {
    // The precision is part of the name so reports (validate's `runtime`) say which export ran.
    name: precision === 'fp32' ? runtime.name : `${runtime.name} (${precision} export)`,
    batch,
    async run(windows, count) {
      if (count > batch) throw new A2mError(`${format} runner has batch ${batch}, got ${count} windows`);
      // A dynamic batch runs the windows there are; a static export is padded to its batch.
      const rows = dynamic ? count : batch;
      const data = new Float32Array(rows * per);
      data.set(windows.subarray(0, count * per));
      const feeds: Record<string, HostTensor> = { samples: { shape: [rows, c.channels, c.windowSamples], data } };
      const out = await session.run(feeds);
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data.subarray(0, count * c.frames * c.keys)]));
    },
    async dispose() { await session.dispose(); },
  };
}

/**
 * A runner for `backend` at `precision`. The canonical tfjs model only runs
 * in fp32 (fp16/int8 exist only as exports), so `auto` with a reduced
 * precision tries the exported backends alone, in BACKEND_PREFERENCE order.
 * `auto` says why it passed over a backend through `opts.log` (--verbose):
 * otherwise a broken runtime only shows as a slower run. When none runs, its
 * error names every backend with its cause ("auto: ... (onnx failed: ...; ...)").
 */
export async function makeRunner(model: ModelLike, backend: Backend | 'auto', precision: Precision = 'fp32', opts: RunnerOptions = {}): Promise<WindowRunner> {
  if (!PRECISIONS.includes(precision)) throw new A2mError(`unknown precision "${precision}" (expected: ${PRECISIONS.join(', ')})`);
  if (backend === 'auto') {
    // Every failure is kept: when no backend runs, the error says why each one did not.
    const failed: { backend: Backend; error: unknown }[] = [];
    for (const b of BACKEND_PREFERENCE) {
      if (b === 'tfjs' && precision !== 'fp32') continue;
      try { return b === 'tfjs' ? await tfjsRunner(model, opts.batch) : await exportedRunner(model, b, precision, opts); } catch (e) {
        failed.push({ backend: b, error: e });
        opts.log?.(`backend auto: skipped ${b} (${errorReason(e)})`);
      }
    }
    const reasons = failed.map((f) => `${f.backend} failed: ${errorReason(f.error)}`).join('; ');
    const what = precision === 'fp32' ? 'no backend could run the model' : `no exported backend could run the ${precision} model`;
    throw new A2mError(`auto: ${what} (${reasons})`, { cause: failed.at(-1)?.error });
  }
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new A2mError(`unknown backend "${backend}" (expected: ${BACKENDS.join(', ')})`);
  if (backend === 'tfjs') {
    if (precision !== 'fp32') throw new A2mError(`precision ${precision} needs an exported backend: the tfjs backend is the canonical fp32 model (use --backend ${BACKENDS.filter((b) => b !== 'tfjs').join('|')})`);
    return tfjsRunner(model, opts.batch);
  }
  return exportedRunner(model, backend, precision, opts);
}
