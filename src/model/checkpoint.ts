/**
 * Checkpoints as tfjs weight files: `model.json` (tfjs weightsManifest +
 * our preset and training state) and binary shards. Written atomically
 * (a temp directory renamed into place), so a kill at any moment leaves
 * either the previous checkpoint or the new one, never a torn one.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { A2mError } from '../errors.js';
import { writeDirAtomic } from '../util/atomic.js';
import type { HostTensor } from '../ir/tensor.js';
import type { ModelConfig } from './config.js';

export const CHECKPOINT_FORMAT = 'a2m-checkpoint';
export const CHECKPOINT_VERSION = 1;
const SHARD_BYTES = 4 * 1024 * 1024;

export interface CheckpointContents {
  config: ModelConfig;
  /** Model parameters by scoped name. */
  weights: Map<string, HostTensor>;
  /** Optimizer slots (`optimizer/m/...`, `optimizer/v/...`), when saved for resuming. */
  optimizer?: Map<string, HostTensor>;
  /** Training state: step, data seed, schedule, metrics, thresholds... (JSON). */
  state?: Record<string, unknown>;
}

interface ManifestEntry { name: string; shape: number[]; dtype: 'float32' }
interface ModelJson {
  format: string;
  version: number;
  generatedBy: string;
  config: ModelConfig;
  state: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: ManifestEntry[] }[];
  shardSha256: Record<string, string>;
}

export async function saveCheckpoint(dir: string, c: CheckpointContents): Promise<void> {
  const all: [string, HostTensor][] = [...c.weights, ...(c.optimizer ?? new Map())];
  const total = all.reduce((n, [, t]) => n + t.data.byteLength, 0);
  const buf = Buffer.alloc(total);
  let off = 0;
  const entries: ManifestEntry[] = [];
  for (const [name, t] of all) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(buf, off);
    off += t.data.byteLength;
    entries.push({ name, shape: t.shape, dtype: 'float32' });
  }
  const nShards = Math.max(1, Math.ceil(total / SHARD_BYTES));
  const paths = Array.from({ length: nShards }, (_, i) => `group1-shard${i + 1}of${nShards}.bin`);
  const json: ModelJson = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, generatedBy: 'audio-to-midi',
    config: c.config, state: c.state ?? {}, weightsManifest: [{ paths, weights: entries }], shardSha256: {},
  };
  await writeDirAtomic(dir, async (tmp) => {
    for (let i = 0; i < nShards; i++) {
      const shard = buf.subarray(i * SHARD_BYTES, Math.min(total, (i + 1) * SHARD_BYTES));
      json.shardSha256[paths[i]!] = createHash('sha256').update(shard).digest('hex');
      await writeFile(path.join(tmp, paths[i]!), shard);
    }
    await writeFile(path.join(tmp, 'model.json'), JSON.stringify(json, null, 1));
  });
}

/** A checkpoint's model.json, checked for format and version (the shards are not read). */
async function readModelJson(dir: string): Promise<{ json: ModelJson; jsonPath: string }> {
  const jsonPath = path.join(dir, 'model.json');
  if (!existsSync(jsonPath)) throw new A2mError(`${dir}: not a checkpoint (no model.json)`);
  let json: ModelJson;
  try { json = JSON.parse(await readFile(jsonPath, 'utf8')); } catch (e) {
    throw new A2mError(`${jsonPath}: not valid JSON (${(e as Error).message})`);
  }
  if (json.format !== CHECKPOINT_FORMAT) throw new A2mError(`${jsonPath}: format is "${json.format}", expected "${CHECKPOINT_FORMAT}"`);
  if (json.version > CHECKPOINT_VERSION) throw new A2mError(`${jsonPath}: checkpoint version ${json.version} is newer than this tool reads (${CHECKPOINT_VERSION})`);
  return { json, jsonPath };
}

/** Only a checkpoint's training state (model.json), without reading its weights. */
export async function checkpointState(dir: string): Promise<CheckpointContents['state']> {
  return (await readModelJson(dir)).json.state;
}

export async function loadCheckpoint(dir: string): Promise<CheckpointContents> {
  const { json, jsonPath } = await readModelJson(dir);
  const group = json.weightsManifest?.[0];
  if (!group || !json.config) throw new A2mError(`${jsonPath}: missing weightsManifest or config`);
  const parts: Buffer[] = [];
  for (const p of group.paths) {
    const file = path.join(dir, p);
    if (!existsSync(file)) throw new A2mError(`${file}: shard missing`);
    const b = await readFile(file);
    const want = json.shardSha256?.[p];
    if (want && createHash('sha256').update(b).digest('hex') !== want) {
      throw new A2mError(`${file}: shard is corrupt or truncated (sha256 mismatch, ${b.length} bytes)`);
    }
    parts.push(b);
  }
  const buf = Buffer.concat(parts);
  const need = group.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (buf.length !== need) throw new A2mError(`${dir}: shards hold ${buf.length} bytes, the manifest needs ${need} (truncated checkpoint?)`);
  const weights = new Map<string, HostTensor>(), optimizer = new Map<string, HostTensor>();
  let off = 0;
  for (const w of group.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    Buffer.from(data.buffer).set(buf.subarray(off, off + 4 * n));
    off += 4 * n;
    (w.name.startsWith('optimizer/') ? optimizer : weights).set(w.name, { shape: w.shape, data });
  }
  return { config: json.config, weights, optimizer: optimizer.size ? optimizer : undefined, state: json.state };
}

/** Newest `step-XXXXXXXX` checkpoint under a run directory, if any. */
export async function latestCheckpoint(runDir: string): Promise<string | null> {
  if (!existsSync(runDir)) return null;
  const steps = (await readdir(runDir)).filter((d) => /^step-\d+$/.test(d)).sort();
  for (const d of steps.reverse()) {
    const p = path.join(runDir, d);
    if ((await stat(p)).isDirectory() && existsSync(path.join(p, 'model.json'))) return p;
  }
  return null;
}
