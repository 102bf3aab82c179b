/**
 * Where the model runs during transcription: the canonical tfjs model, or the
 * same model exported to a format (fp32, fp16 or int8) and run in that
 * format's own runtime. Exports are made on first use into a cache keyed by
 * the model's hash, the exporting code (tool version + converter sources), the
 * format and the precision.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Model } from '../model/model.js';
import { exportModel, modelHash, artifactName, type ExportManifest } from '../export/export.js';
import { loadRuntime } from '../runtimes/index.js';
import { loadConverter } from '../../converters/index.js';
import type { Precision } from '../../converters/types.js';
import type { HostTensor } from '../ir/tensor.js';
import { A2mError } from '../errors.js';
import { projectRoot } from '../util/paths.js';
import { sourceFingerprint } from '../util/source-fingerprint.js';

/** Runs batches of windows [B, 2, 80000]; returns each output flattened [B, 250, 90]. */
export interface WindowRunner {
  name: string;
  /** Windows per call (exports have a static batch). */
  batch: number;
  run(windows: Float32Array, count: number): Promise<Record<string, Float32Array>>;
  dispose(): Promise<void>;
}

export const BACKENDS = ['tfjs', 'savedmodel', 'onnx', 'tflite'] as const;
export type Backend = (typeof BACKENDS)[number];
export type ExportBackend = Exclude<Backend, 'tfjs'>;
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'int8'];
/** Fastest first, end to end on the default model (`npm run bench:transcribe`, 2 cores: onnx 59x, savedmodel 54x, tflite 36x, tfjs 32x real time). */
export const BACKEND_PREFERENCE: Backend[] = ['onnx', 'savedmodel', 'tflite', 'tfjs'];

export function exportCacheDir(): string {
  return path.join(process.env.A2M_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'a2m'), 'exports');
}

export function tfjsRunner(model: Model, batch = 4): WindowRunner {
  const c = model.config;
  return {
    name: 'tfjs-node (canonical)',
    batch,
    async run(windows, count) {
      const out = await model.predict({ shape: [count, c.channels, c.windowSamples], data: windows.subarray(0, count * c.channels * c.windowSamples) });
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data]));
    },
    async dispose() { /* the caller owns the model */ },
  };
}

/** A cached export: the artifact's absolute path and the manifest of the folder holding it. */
export interface CachedExport { file: string; manifest: ExportManifest }

/** The code exports depend on: the converters, the IR and the export driver. */
const EXPORT_SOURCES = ['converters', path.join('src', 'ir'), path.join('src', 'export')];

/**
 * Where (model, format, precision) is cached: one folder per model hash and
 * exporter fingerprint (a new tool version or converter edit misses), one
 * artifact per format and precision inside it (`artifactName` puts the
 * precision in the name, e.g. `model.fp16.tflite`), so precisions never share a file.
 */
export async function exportCachePath(model: Model, format: ExportBackend, precision: Precision): Promise<{ dir: string; rel: string }> {
  const sha = await modelHash(model);
  const conv = await loadConverter(format);
  const code = await sourceFingerprint(projectRoot, EXPORT_SOURCES);
  return { dir: path.join(exportCacheDir(), `${sha.slice(0, 16)}-${code.slice(0, 12)}`), rel: artifactName(format, precision, conv.defaultName) };
}

/** The model exported to `format` at `precision`, written on first use and reused after. */
export async function cachedExport(model: Model, format: ExportBackend, precision: Precision = 'fp32'): Promise<CachedExport> {
  if (!PRECISIONS.includes(precision)) throw new A2mError(`unknown precision "${precision}" (expected: ${PRECISIONS.join(', ')})`);
  const { dir, rel } = await exportCachePath(model, format, precision);
  let manifest: ExportManifest | null = null;
  if (existsSync(path.join(dir, rel)) && existsSync(path.join(dir, 'export.json'))) {
    manifest = JSON.parse(await readFile(path.join(dir, 'export.json'), 'utf8')) as ExportManifest;
    if (!manifest.artifacts.some((a) => a.path === rel && a.precision === precision)) manifest = null;
  }
  manifest ??= await exportModel(model, { formats: [format], precisions: [precision], out: dir, batch: 1 });
  return { file: path.join(dir, rel), manifest };
}

/** Exports (once, cached) and loads the model in a format's runtime. */
export async function exportedRunner(model: Model, format: ExportBackend, precision: Precision = 'fp32'): Promise<WindowRunner> {
  const { file, manifest } = await cachedExport(model, format, precision);
  const runtime = await loadRuntime(format);
  const session = await runtime.load(file);
  const c = model.config;
  const per = c.channels * c.windowSamples;
  return {
    // The precision is part of the name so reports (validate's `runtime`) say which export ran.
    name: precision === 'fp32' ? runtime.name : `${runtime.name} (${precision} export)`,
    batch: manifest.batch,
    async run(windows, count) {
      if (count > manifest.batch) throw new A2mError(`${format} export has batch ${manifest.batch}, got ${count} windows`);
      const data = new Float32Array(manifest.batch * per);
      data.set(windows.subarray(0, count * per));
      const feeds: Record<string, HostTensor> = { samples: { shape: [manifest.batch, c.channels, c.windowSamples], data } };
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
 */
export async function makeRunner(model: Model, backend: Backend | 'auto', precision: Precision = 'fp32'): Promise<WindowRunner> {
  if (!PRECISIONS.includes(precision)) throw new A2mError(`unknown precision "${precision}" (expected: ${PRECISIONS.join(', ')})`);
  if (backend === 'auto') {
    for (const b of BACKEND_PREFERENCE) {
      if (b === 'tfjs' && precision !== 'fp32') continue;
      try { return b === 'tfjs' ? tfjsRunner(model) : await exportedRunner(model, b, precision); } catch { /* next */ }
    }
    if (precision !== 'fp32') throw new A2mError(`no exported backend could run the ${precision} model (tried ${BACKEND_PREFERENCE.filter((b) => b !== 'tfjs').join(', ')})`);
    return tfjsRunner(model);
  }
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new A2mError(`unknown backend "${backend}" (expected: ${BACKENDS.join(', ')})`);
  if (backend === 'tfjs') {
    if (precision !== 'fp32') throw new A2mError(`precision ${precision} needs an exported backend: the tfjs backend is the canonical fp32 model (use --backend ${BACKENDS.filter((b) => b !== 'tfjs').join('|')})`);
    return tfjsRunner(model);
  }
  return exportedRunner(model, backend, precision);
}
