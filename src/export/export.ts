/**
 * Exporting a model to several formats into one folder, with `export.json`
 * describing what was written (format, precision, path, input/output
 * signature, model hash, tool version) so `a2m verify` and bundles can find
 * each artifact.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ModelLike } from '../model/host-model.js';
import type { IrGraph } from '../ir/graph.js';
import { artifactName, formatOptionsOf, planArtifacts, writeArtifacts } from './artifacts.js';
import type { FormatOptions, ModelInfo, Precision } from '../../converters/types.js';
import { ourModelInfo } from './model-info.js';
import { writeFileAtomic } from '../util/atomic.js';
import { toolVersion } from '../util/version.js';
import { runPasses } from '../ir/passes.js';
import { makeBatchDynamic } from '../ir/dynamic-batch.js';
import { DYNAMIC_BATCH_FORMATS, type Format } from '../../converters/index.js';

/** An export's batch: a static size, or `dynamic` (dim 0 free at run time in every format). */
export type BatchSpec = number | 'dynamic';

export interface ExportEntry {
  format: string;
  precision: Precision;
  /** Relative to the export folder. */
  path: string;
  seconds: number;
  /** Runs at any batch (the graph's batch was dynamic and the format writes it: DYNAMIC_BATCH_FORMATS). */
  dynamicBatch?: boolean;
}

export interface ExportManifest {
  tool: string;
  toolVersion: string;
  preset: string;
  modelSha256: string;
  /** The static batch, or 1 (the recording batch of `input`/`outputs` shapes) when `dynamicBatch`. */
  batch: number;
  /** Dim 0 of the input and outputs is free at run time (any batch >= 1). */
  dynamicBatch?: boolean;
  input: { name: string; shape: number[]; dtype: 'float32' };
  outputs: { name: string; shape: number[]; dtype: 'float32' }[];
  artifacts: ExportEntry[];
}

/** sha256 over parameter names, shapes and bytes in name order: identifies the weights, not the file layout. */
export async function modelHash(model: ModelLike): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify(model.config));
  for (const [name, t] of [...(await model.weights())].sort(([a], [b]) => (a < b ? -1 : 1))) {
    h.update(name); h.update(JSON.stringify(t.shape)); h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

export { artifactName };


/** What to export; each format's own options are in its block (`coreml: { ios }`, `onnx: { opset }`). */
export interface ExportRequest extends FormatOptions {
  formats: string[];
  precisions: Precision[];
  out: string;
  /** Default 1 (static). */
  batch?: BatchSpec;
  /** Author, licence, version, ... stated by the caller; the rest defaults (model-info.ts). */
  info?: ModelInfo;
  onProgress?: (msg: string) => void;
}

/** What every artifact records of where it came from (its format's metadata fields). */
interface Provenance { preset: string; modelSha256: string; toolVersion: string }

/** `g` with `p` in its metadata (a shallow copy: the shared IR passes copy before they change anything). */
function withProvenance(g: IrGraph, p: Provenance): IrGraph {
  return { ...g, metadata: { ...g.metadata, ...p } };
}

/**
 * The graph an export of `model` writes, before the shared IR passes (which are
 * code, fingerprinted by the export cache): the recorded forward pass with its
 * provenance. The export cache (src/infer/backends.ts) keys on its hash.
 */
export async function exportGraph(model: ModelLike, batch: BatchSpec): Promise<IrGraph> {
  return withProvenance(await recordGraph(model, batch), { preset: model.config.preset, modelSha256: await modelHash(model), toolVersion: toolVersion() });
}

/**
 * The model's graph at a static batch, or batch-polymorphic: recorded at
 * batches 1 and 2, the attrs that scale with the batch found by comparing
 * them (src/ir/dynamic-batch.ts).
 */
export async function recordGraph(model: ModelLike, batch: BatchSpec): Promise<IrGraph> {
  if (batch !== 'dynamic') return model.graph(batch);
  return makeBatchDynamic(await model.graph(1), await model.graph(2));
}

/** Writes `model` as every requested format x precision into `req.out`; `graph` is its recorded graph at `req.batch` when the caller has it. */
export async function exportModel(model: ModelLike, req: ExportRequest, graph?: IrGraph): Promise<ExportManifest> {
  // Every format x precision is checked before the graph is built or anything is written.
  const plan = await planArtifacts(req.formats, req.precisions);
  const spec = req.batch ?? 1;
  const batch = spec === 'dynamic' ? 1 : spec;
  const sha = await modelHash(model);
  const version = toolVersion();
  const g = runPasses(withProvenance(graph ?? (await recordGraph(model, spec)), { preset: model.config.preset, modelSha256: sha, toolVersion: version }));
  const info = ourModelInfo({ preset: model.config.preset, modelSha256: sha }, req.info);
  const written = await writeArtifacts(g, plan, req.out, { ...formatOptionsOf(req), metadata: g.metadata, info, onProgress: req.onProgress });
  const artifacts: ExportEntry[] = written.map((a) => ({
    format: a.format, precision: a.precision, path: a.path, seconds: a.seconds,
    ...(g.dynamicBatch && DYNAMIC_BATCH_FORMATS.includes(a.format as Format) ? { dynamicBatch: true } : {}),
  }));
  const manifest: ExportManifest = {
    tool: 'audio-to-midi', toolVersion: version, preset: model.config.preset, modelSha256: sha, batch,
    ...(g.dynamicBatch ? { dynamicBatch: true } : {}),
    input: { name: 'samples', shape: g.inputs[0]!.shape, dtype: 'float32' },
    outputs: g.outputs.map((o) => ({ name: o.name, shape: g.shapes.get(o.value)!, dtype: 'float32' as const })),
    artifacts,
  };
  // Merge with an existing manifest so exporting formats one at a time accumulates.
  const file = path.join(req.out, 'export.json');
  let prev: ExportManifest | null = null;
  try { prev = JSON.parse(await (await import('node:fs/promises')).readFile(file, 'utf8')); } catch { /* none yet */ }
  if (prev && prev.modelSha256 === sha && prev.batch === batch && Boolean(prev.dynamicBatch) === Boolean(g.dynamicBatch)) {
    const keep = prev.artifacts.filter((a) => !artifacts.some((b) => b.path === a.path));
    manifest.artifacts = [...keep, ...artifacts];
  }
  await writeFileAtomic(file, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
