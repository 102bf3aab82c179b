/**
 * Reads a tfjs graph model from disk (model.json + its shards) and checks its
 * structure before anything trusts it: a corrupted, truncated or foreign file
 * ends in one A2mError naming the file and what was expected.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../../src/errors.js';
import { GRAPH_MODEL_FORMAT, parseInputRef, type GraphModelJson, type NodeDefJson } from './format.js';
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
  const wm = j.weightsManifest;
  if (!Array.isArray(wm)) fail('weightsManifest is missing: expected a list of {paths, weights} groups');
  (wm as unknown[]).forEach((g, k) => {
    if (!isObj(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) fail(`weightsManifest[${k}] needs paths and weights lists`);
    for (const p of (g as { paths: unknown[] }).paths) {
      if (typeof p !== 'string' || !p || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) fail(`weightsManifest[${k}] has shard path ${JSON.stringify(p)}, expected a file name beside model.json`);
    }
  });
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

async function readModelJson(p: string): Promise<{ file: string; json: GraphModelJson }> {
  const file = path.resolve(existsSync(p) && statSync(p).isDirectory() ? path.join(p, 'model.json') : p);
  if (!existsSync(file)) throw new A2mError(`${file}: no such file (expected a tfjs graph model directory or its model.json)`);
  const size = statSync(file).size;
  if (size > MAX_MODEL_JSON_BYTES) throw new A2mError(`${file}: ${size} bytes is too large for a graph model topology`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new A2mError(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  checkModelJson(json, file);
  return { file, json };
}

/**
 * The cheap checks a loader should make before handing files to tfjs (whose
 * own messages for a missing or short shard are cryptic): model.json's
 * structure, every weight spec, and each group's shards present with exactly
 * the bytes the manifest describes. Reads no weight data.
 */
export async function preflightGraphModel(p: string): Promise<string> {
  const { file, json } = await readModelJson(p);
  for (const [k, group] of json.weightsManifest.entries()) {
    let bytes = 0;
    for (const shard of group.paths) {
      const sp = path.join(path.dirname(file), shard);
      if (!existsSync(sp)) throw new A2mError(`${sp}: weight shard listed in ${path.basename(file)} is missing`);
      bytes += statSync(sp).size;
    }
    checkWeightBytes(group.weights, bytes, `${file} weightsManifest[${k}] (${group.paths.join(', ')})`);
  }
  return file;
}

/** Reads `dir` or `dir/model.json` with all its shards. */
export async function readGraphModel(p: string): Promise<GraphModelFiles> {
  const { file, json } = await readModelJson(p);
  const dir = path.dirname(file);
  const weights = new Map<string, WeightValue>();
  for (const [k, group] of json.weightsManifest.entries()) {
    const parts: Buffer[] = [];
    for (const shard of group.paths) {
      const sp = path.join(dir, shard);
      if (!existsSync(sp)) throw new A2mError(`${sp}: weight shard listed in ${path.basename(file)} is missing`);
      parts.push(await readFile(sp));
    }
    const bytes = Buffer.concat(parts);
    for (const w of decodeWeights(group.weights, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), `${file} weightsManifest[${k}] (${group.paths.join(', ')})`)) {
      if (weights.has(w.name)) throw new A2mError(`${file}: weight "${w.name}" appears twice in the manifest`);
      weights.set(w.name, w);
    }
  }
  return { file, json, weights };
}
