/**
 * Converting a model we did not train: import (tfjs graph or layers model -> IR), the
 * shared IR passes, then every requested converter. Problems are reported all
 * at once: the importer lists every TF node the IR cannot express; then every
 * converter is tried (writeArtifacts, src/export/artifacts.ts) and every
 * unsupported IR node of every target is listed together. Nothing lands in the output folder unless
 * every artifact was written; `convert.json` records what was.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IrGraph } from '../ir/graph.js';
import { runPasses } from '../ir/passes.js';
import { MODEL_INFO_KEYS, type FormatOptions, type ModelInfo, type Precision } from '../../converters/types.js';
import { importTfjsModel, type TfjsModelKind } from '../../converters/tfjs/import-model.js';
import { formatOptionsOf, planArtifacts, writeArtifacts } from '../export/artifacts.js';
import { writeFileAtomic } from '../util/atomic.js';
import { toolVersion } from '../util/version.js';
import { A2mError } from '../errors.js';
import { makePublicNamesValid, type NameChange } from './names.js';

export const MANIFEST = 'convert.json';

/** What to convert to; each format's own options are in its block (`coreml: { ios }`, `onnx: { opset }`). */
export interface ConvertRequest extends FormatOptions {
  formats: string[];
  precisions: Precision[];
  out: string;
  /** Size of a dynamic (-1) batch dim in the source; default 1. */
  batch?: number;
  /** Output renames, old public name -> new (e.g. Basic Pitch's `Identity_1:0` -> `note`); other names a format refuses are renamed automatically. */
  rename?: Record<string, string>;
  /** Author, licence, version, ... stated by the caller; otherwise the source's own (its model.json userDefinedMetadata), or none. */
  info?: ModelInfo;
  onProgress?: (msg: string) => void;
}

export interface ConvertEntry {
  format: string;
  precision: Precision;
  /** Relative to the output folder. */
  path: string;
  seconds: number;
  bytes: number;
}

export interface TensorSpec { name: string; shape: number[]; dtype: 'float32' }

export interface ConvertManifest {
  tool: 'audio-to-midi';
  toolVersion: string;
  source: { path: string; kind: TfjsModelKind; sha256: string };
  batch: number;
  importSeconds: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Public names that differ from the source's: by --rename, or renamed for the formats named in `by` (names.ts). */
  names: NameChange[];
  /** What every artifact's metadata says about the model. */
  info: ModelInfo;
  artifacts: ConvertEntry[];
}

/** `dir`, `dir/model.json` or `x.json` of a tfjs graph or layers model -> its model.json; anything else is refused by name. */
export function sourceModelJson(source: string): string {
  if (!existsSync(source)) throw new A2mError(`${source}: no such file or directory (expected a tfjs graph model or layers model directory, or its model.json)`);
  if (statSync(source).isDirectory()) {
    const json = path.join(source, 'model.json');
    if (!existsSync(json)) throw new A2mError(`${source}: no model.json in this directory (expected a tfjs graph model or layers model)`);
    return json;
  }
  if (source.endsWith('.onnx')) throw new A2mError(`${source}: importing ONNX is not supported yet (expected a tfjs graph model or layers model directory, or its model.json)`);
  if (!source.endsWith('.json')) throw new A2mError(`${source}: expected a tfjs graph model or layers model directory, or its model.json`);
  return source;
}

/** sha256 over model.json and its weight shards in manifest order: identifies the source files. */
export async function sourceHash(modelJson: string): Promise<string> {
  const h = createHash('sha256');
  const text = await readFile(modelJson);
  h.update(text);
  const json = JSON.parse(text.toString('utf8')) as { weightsManifest?: { paths: string[] }[] };
  for (const group of json.weightsManifest ?? []) for (const p of group.paths) h.update(await readFile(path.join(path.dirname(modelJson), p)));
  return h.digest('hex');
}

/** Renames public outputs in place; every old name must exist and the new names must stay unique. */
export function renameOutputs(g: IrGraph, rename: Record<string, string>, where: string): void {
  const names = g.outputs.map((o) => o.name);
  for (const [from, to] of Object.entries(rename)) {
    const o = g.outputs.find((x) => x.name === from);
    if (!o) throw new A2mError(`${where}: --rename ${from}=${to}: the model has no output ${from} (outputs: ${names.join(', ')})`);
    if (!to) throw new A2mError(`${where}: --rename ${from}=: the new name is empty`);
    o.name = to;
  }
  const after = g.outputs.map((o) => o.name);
  const dup = after.find((n, i) => after.indexOf(n) !== i);
  if (dup !== undefined) throw new A2mError(`${where}: after renaming, two outputs are named ${dup}`);
  if (g.inputs.some((i) => after.includes(i.name))) throw new A2mError(`${where}: an output would share its name with an input (${g.inputs.map((i) => i.name).join(', ')})`);
}

/**
 * A model we did not train keeps what its own files say about it (model.json's
 * userDefinedMetadata, which the importer carries in the graph's metadata) and
 * nothing of ours: no author or licence is made up. The caller's statement wins.
 */
export function sourceModelInfo(metadata: Record<string, string>, sourcePath: string, stated: ModelInfo = {}): ModelInfo {
  const info: ModelInfo = {};
  for (const k of MODEL_INFO_KEYS) {
    const v = stated[k] ?? (k === 'source' ? sourcePath : metadata[k]);
    if (v !== undefined) info[k] = v;
  }
  return info;
}

/** Imports the source and writes every requested format x precision into `req.out`. */
export async function convertModel(source: string, req: ConvertRequest): Promise<ConvertManifest> {
  // Every format x precision is checked before the import and before anything is written.
  const plan = await planArtifacts(req.formats, req.precisions);
  const modelJson = sourceModelJson(source);
  const batch = req.batch ?? 1;
  const t0 = performance.now();
  req.onProgress?.(`importing ${modelJson}`);
  const { graph: imported, kind } = await importTfjsModel(modelJson, { batch });
  const renames = req.rename ?? {};
  renameOutputs(imported, renames, modelJson);
  const names: NameChange[] = Object.entries(renames).map(([from, to]) => ({ kind: 'output', original: from, written: to, by: '--rename' }));
  const rules = [...new Map(plan.map((a) => [a.format, { format: a.format, ...a.converter.publicNames }])).values()];
  names.push(...makePublicNamesValid(imported, rules, new Set(Object.values(renames)), modelJson));
  const g = runPasses(imported);
  const importSeconds = (performance.now() - t0) / 1000;
  // Folder and file name, not the absolute path: convert.json and every artifact ship.
  const sourcePath = path.join(path.basename(path.dirname(path.resolve(modelJson))), path.basename(modelJson)).split(path.sep).join('/');
  const info = sourceModelInfo(g.metadata, sourcePath, req.info);
  g.metadata = { ...g.metadata, toolVersion: toolVersion() };
  // The source's names stay findable from inside each artifact, not only from convert.json.
  if (names.length) g.metadata.sourceNames = JSON.stringify(Object.fromEntries(names.map((n) => [n.written, n.original])));

  // Every target's unsupported ops are reported together; nothing lands unless every artifact was written.
  const artifacts: ConvertEntry[] = await writeArtifacts(g, plan, req.out, { ...formatOptionsOf(req), metadata: g.metadata, info, onProgress: req.onProgress });

  const spec = (name: string, shape: number[]): TensorSpec => ({ name, shape: [...shape], dtype: 'float32' });
  const manifest: ConvertManifest = {
    tool: 'audio-to-midi', toolVersion: toolVersion(),
    source: { path: sourcePath, kind, sha256: await sourceHash(modelJson) },
    batch, importSeconds,
    inputs: g.inputs.map((i) => spec(i.name, i.shape)),
    outputs: g.outputs.map((o) => spec(o.name, g.shapes.get(o.value)!)),
    names, info,
    artifacts,
  };
  await writeFileAtomic(path.join(req.out, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

