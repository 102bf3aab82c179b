/**
 * Where the model runs during transcription: the canonical tfjs model, or the
 * same model exported to a format and run in that format's own runtime. Exports
 * are made on first use into a cache keyed by the model's hash.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Model } from '../model/model.js';
import { exportModel, modelHash, artifactName, type ExportManifest } from '../export/export.js';
import { loadRuntime } from '../runtimes/index.js';
import { loadConverter } from '../../converters/index.js';
import type { HostTensor } from '../ir/tensor.js';
import { A2mError } from '../errors.js';

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
/** Fastest first (measured by `npm run bench:transcribe`; see README). */
export const BACKEND_PREFERENCE: Backend[] = ['savedmodel', 'onnx', 'tfjs', 'tflite'];

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

/** Exports (once, cached) and loads the model in a format's runtime. */
export async function exportedRunner(model: Model, format: Exclude<Backend, 'tfjs'>): Promise<WindowRunner> {
  const sha = await modelHash(model);
  const dir = path.join(exportCacheDir(), sha.slice(0, 16));
  const conv = await loadConverter(format);
  const rel = artifactName(format, 'fp32', conv.defaultName);
  let manifest: ExportManifest | null = null;
  if (existsSync(path.join(dir, rel)) && existsSync(path.join(dir, 'export.json'))) {
    manifest = JSON.parse(await readFile(path.join(dir, 'export.json'), 'utf8')) as ExportManifest;
    if (!manifest.artifacts.some((a) => a.path === rel)) manifest = null;
  }
  manifest ??= await exportModel(model, { formats: [format], precisions: ['fp32'], out: dir, batch: 1 });
  const runtime = await loadRuntime(format);
  const session = await runtime.load(path.join(dir, rel));
  const c = model.config;
  const per = c.channels * c.windowSamples;
  return {
    name: runtime.name,
    batch: manifest.batch,
    async run(windows, count) {
      if (count > manifest!.batch) throw new A2mError(`${format} export has batch ${manifest!.batch}, got ${count} windows`);
      const data = new Float32Array(manifest!.batch * per);
      data.set(windows.subarray(0, count * per));
      const feeds: Record<string, HostTensor> = { samples: { shape: [manifest!.batch, c.channels, c.windowSamples], data } };
      const out = await session.run(feeds);
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data.subarray(0, count * c.frames * c.keys)]));
    },
    async dispose() { await session.dispose(); },
  };
}

export async function makeRunner(model: Model, backend: Backend | 'auto'): Promise<WindowRunner> {
  if (backend === 'auto') {
    for (const b of BACKEND_PREFERENCE) {
      try { return b === 'tfjs' ? tfjsRunner(model) : await exportedRunner(model, b); } catch { /* next */ }
    }
    return tfjsRunner(model);
  }
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new A2mError(`unknown backend "${backend}" (expected: ${BACKENDS.join(', ')})`);
  return backend === 'tfjs' ? tfjsRunner(model) : exportedRunner(model, backend);
}
