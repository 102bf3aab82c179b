/**
 * Reads a tfjs graph model from disk (model.json + its shards) and checks its
 * structure before anything trusts it: a corrupted, truncated or foreign file
 * ends in one A2mError naming the file and what was expected.
 */
import { existsSync, statSync } from 'node:fs';
import { ConfinedRoot } from '../../src/util/confine.js';
import path from 'node:path';
import { A2mError } from '../../src/errors.js';
import { GRAPH_MODEL_FORMAT, parseInputRef, type GraphModelJson, type NodeDefJson, type WeightsGroupJson } from './format.js';
import { checkWeightBytes, decodeWeights, type WeightValue } from './weights.js';

export interface GraphModelFiles {
  /** Absolute path of model.json. */
  file: string;
  json: GraphModelJson;
  /** Every weight of every group, by name. */
  weights: Map<string, WeightValue>;
}

/** model.json larger than this is not a graph model topology (Basic Pitch's is 0.3 MB, base preset's 0.8 MB). */
const MAX_MODEL_JSON_BYTES = 512 * 1024 * 1024;

/** The weightsManifest of model.json (graph and layers models alike). */
export type WeightsManifestJson = WeightsGroupJson[];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Structural checks of model.json; every message names the file and the offending entry. */
export function checkModelJson(json: unknown, file: string): asserts json is GraphModelJson {
  const fail = (what: string): never => { throw new A2mError(`${file}: ${what}`); };
  if (!isObj(json)) fail('expected a JSON object');
  const j = json as Record<string, unknown>;
  if (j.format !== undefined && j.format !== GRAPH_MODEL_FORMAT) fail(`format is ${JSON.stringify(j.format)}, expected "${GRAPH_MODEL_FORMAT}" (a layers model is not a graph model)`);
  const topo = j.modelTopology;
  if (!isObj(topo) || !Array.isArray(topo.node)) fail('modelTopology.node is missing: expected a GraphDef with a node list');
  const nodes = (topo as { node: unknown[] }).node;
  const names = new Set<string>();
  nodes.forEach((n, k) => {
    if (!isObj(n) || typeof n.name !== 'string' || !n.name || typeof n.op !== 'string' || !n.op) fail(`modelTopology.node[${k}] needs a non-empty name and op`);
    const node = n as unknown as NodeDefJson;
    if (names.has(node.name)) fail(`node name "${node.name}" appears twice`);
    names.add(node.name);
    if (node.input !== undefined && (!Array.isArray(node.input) || node.input.some((i) => typeof i !== 'string'))) fail(`node ${node.name}: input must be a list of strings`);
    if (node.attr !== undefined && !isObj(node.attr)) fail(`node ${node.name}: attr must be an object`);
  });
  for (const n of nodes as NodeDefJson[]) {
    for (const ref of n.input ?? []) {
      if (!names.has(parseInputRef(ref).node)) fail(`node ${n.name} (${n.op}) reads "${ref}", which is not a node of the graph`);
    }
  }
  checkWeightsManifest(j.weightsManifest, file);
  const sig = j.signature;
  if (sig !== undefined && sig !== null) {
    if (!isObj(sig)) fail('signature must be an object');
    for (const side of ['inputs', 'outputs'] as const) {
      const m = (sig as Record<string, unknown>)[side];
      if (m === undefined) continue;
      if (!isObj(m)) fail(`signature.${side} must be an object`);
      for (const [key, info] of Object.entries(m as Record<string, unknown>)) {
        if (!isObj(info) || typeof info.name !== 'string') fail(`signature.${side}.${key} needs a tensor name`);
        const node = parseInputRef((info as { name: string }).name).node;
        if (!names.has(node)) fail(`signature.${side}.${key} names tensor "${(info as { name: string }).name}", which is not in the graph`);
      }
    }
  }
}

/** weightsManifest's structure and its shard paths (lexically: beside model.json); shared by graph and layers models. */
export function checkWeightsManifest(wm: unknown, file: string): asserts wm is WeightsManifestJson {
  const fail = (what: string): never => { throw new A2mError(`${file}: ${what}`); };
  if (!Array.isArray(wm)) fail('weightsManifest is missing: expected a list of {paths, weights} groups');
  (wm as unknown[]).forEach((g, k) => {
    if (!isObj(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) fail(`weightsManifest[${k}] needs paths and weights lists`);
    for (const p of (g as { paths: unknown[] }).paths) {
      if (typeof p !== 'string' || !p || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) fail(`weightsManifest[${k}] has shard path ${JSON.stringify(p)}, expected a file name beside model.json`);
    }
  });
}

/** A tfjs model folder (or its model.json) as a confined root and the model.json's name inside it. */
async function modelRoot(p: string): Promise<{ root: ConfinedRoot; file: string; rel: string }> {
  if (!existsSync(p)) throw new A2mError(`${path.resolve(p)}: no such file (expected a tfjs graph model directory or its model.json)`);
  const isDir = statSync(p).isDirectory();
  const root = await ConfinedRoot.open(isDir ? p : path.dirname(p), 'tfjs model folder');
  const rel = isDir ? 'model.json' : path.basename(p);
  const file = path.resolve(root.dir, rel);
  if (!(await root.has(rel, file))) throw new A2mError(`${file}: no such file (expected a tfjs graph model directory or its model.json)`);
  return { root, file, rel };
}

/** model.json parsed but not yet checked: the caller picks the checks (graph or layers model). */
export async function openModelJson(p: string): Promise<{ file: string; json: unknown; root: ConfinedRoot }> {
  const { root, file, rel } = await modelRoot(p);
  return { file, json: await root.readJson(rel, file, MAX_MODEL_JSON_BYTES), root };
}

async function readModelJson(p: string): Promise<{ file: string; json: GraphModelJson; root: ConfinedRoot }> {
  const { file, json, root } = await openModelJson(p);
  checkModelJson(json, file);
  return { file, json, root };
}

/**
 * Every shard of weight group `k`, confined to the model folder (no `..`,
 * no absolute paths, no links out, regular files only), with its size.
 */
async function groupShards(root: ConfinedRoot, file: string, k: number, paths: string[]): Promise<{ rel: string; where: string; size: number }[]> {
  const out = [];
  for (const [i, rel] of paths.entries()) {
    const where = `${file}: weightsManifest[${k}].paths[${i}]`;
    if (!(await root.has(rel, where))) throw new A2mError(`${path.join(path.dirname(file), rel)}: weight shard listed in ${path.basename(file)} is missing`);
    out.push({ rel, where, size: (await root.file(rel, where)).size });
  }
  return out;
}

/**
 * The cheap checks a loader should make before handing files to tfjs (whose
 * own messages for a missing or short shard are cryptic): model.json's
 * structure, every weight spec, and each group's shards present with exactly
 * the bytes the manifest describes. Reads no weight data.
 */
export async function preflightGraphModel(p: string): Promise<string> {
  const { file, json, root } = await readModelJson(p);
  for (const [k, group] of json.weightsManifest.entries()) {
    const bytes = (await groupShards(root, file, k, group.paths)).reduce((n, s) => n + s.size, 0);
    checkWeightBytes(group.weights, bytes, `${file} weightsManifest[${k}] (${group.paths.join(', ')})`);
  }
  return file;
}

/** Reads `dir` or `dir/model.json` with all its shards. */
export async function readGraphModel(p: string): Promise<GraphModelFiles> {
  const { file, json, root } = await readModelJson(p);
  return { file, json, weights: await readWeights(root, file, json.weightsManifest) };
}

/**
 * Every weight of every group, by name, from shards confined to the model
 * folder; each group's declared size is checked before any shard is read.
 */
export async function readWeights(root: ConfinedRoot, file: string, manifest: WeightsManifestJson): Promise<Map<string, WeightValue>> {
  const weights = new Map<string, WeightValue>();
  for (const [k, group] of manifest.entries()) {
    const shards = await groupShards(root, file, k, group.paths);
    // Sizes are checked against the weight specs before any shard is read.
    checkWeightBytes(group.weights, shards.reduce((n, s) => n + s.size, 0), `${file} weightsManifest[${k}] (${group.paths.join(', ')})`);
    const parts: Buffer[] = [];
    for (const s of shards) parts.push(await root.read(s.rel, s.where, s.size));
    const bytes = Buffer.concat(parts);
    for (const w of decodeWeights(group.weights, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), `${file} weightsManifest[${k}] (${group.paths.join(', ')})`)) {
      if (weights.has(w.name)) throw new A2mError(`${file}: weight "${w.name}" appears twice in the manifest`);
      weights.set(w.name, w);
    }
  }
  return weights;
}
