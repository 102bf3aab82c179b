/**
 * Checkpoints as tfjs weight files: `model.json` (tfjs weightsManifest +
 * our preset and training state) and binary shards. Written atomically
 * (a temp directory renamed into place), so a kill at any moment leaves
 * either the previous checkpoint or the new one, never a torn one.
 */
import { readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { A2mError } from '../errors.js';
import { writeDirAtomic } from '../util/atomic.js';
import { ConfinedRoot } from '../util/confine.js';
import { checkThresholds } from '../infer/threshold-bounds.js';
import type { EventThresholds } from '../infer/events.js';
import { checkModelConfig } from './config-bounds.js';
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

/** A checkpoint as read: its contents, and its tuned decoding thresholds checked once, on reading. */
export interface LoadedCheckpoint extends CheckpointContents {
  /** state.thresholds, checked (absent keys keep the defaults downstream; {} when none were tuned). */
  thresholds: Partial<EventThresholds>;
  /**
   * sha256 over the config, the weight list and every shard's verified sha256:
   * names these weights exactly, without hashing them again. Absent when a
   * shard had no recorded hash (then nothing vouches for the bytes).
   */
  contentId?: string;
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

/** Largest checkpoint we load: weights plus optimizer state (the default model's is 23 MB with its optimizer). */
export const MAX_CHECKPOINT_BYTES = 4 * 1024 ** 3;

/** A checkpoint's model.json, checked for format and version (the shards are not read). */
async function readModelJson(dir: string): Promise<{ json: ModelJson; jsonPath: string; root: ConfinedRoot; thresholds: Partial<EventThresholds> }> {
  const root = await ConfinedRoot.open(dir, 'checkpoint folder');
  const jsonPath = path.join(dir, 'model.json');
  if (!(await root.has('model.json', jsonPath))) throw new A2mError(`${dir}: not a checkpoint (no model.json)`);
  const json = await root.readJson<ModelJson>('model.json', jsonPath);
  if (typeof json !== 'object' || json === null) throw new A2mError(`${jsonPath}: expected a JSON object`);
  if (json.format !== CHECKPOINT_FORMAT) throw new A2mError(`${jsonPath}: format is "${json.format}", expected "${CHECKPOINT_FORMAT}"`);
  if (typeof json.version !== 'number' || json.version > CHECKPOINT_VERSION) throw new A2mError(`${jsonPath}: checkpoint version ${json.version} is newer than this tool reads (${CHECKPOINT_VERSION})`);
  if (json.state !== undefined && (typeof json.state !== 'object' || json.state === null || Array.isArray(json.state))) throw new A2mError(`${jsonPath}: state must be an object`);
  // Decoding thresholds are used as they are by transcribe/validate/golden: check them here, once.
  const thresholds = checkThresholds(json.state?.thresholds, `${jsonPath}: state.thresholds`);
  return { json, jsonPath, root, thresholds };
}

/** Only a checkpoint's training state (model.json), without reading its weights. */
export async function checkpointState(dir: string): Promise<CheckpointContents['state']> {
  return (await readModelJson(dir)).json.state;
}

/** The weight list of a manifest, each shape checked, and the bytes they need in all. */
function checkWeightEntries(weights: unknown, where: string): { entries: ManifestEntry[]; bytes: number } {
  if (!Array.isArray(weights)) throw new A2mError(`${where}: expected a list of weights`);
  let bytes = 0;
  const names = new Set<string>();
  weights.forEach((w: Partial<ManifestEntry>, i) => {
    const at = `${where}[${i}]`;
    if (typeof w?.name !== 'string' || !w.name) throw new A2mError(`${at}.name: expected a weight name`);
    if (names.has(w.name)) throw new A2mError(`${at}.name: "${w.name}" is listed twice`);
    names.add(w.name);
    if (w.dtype !== 'float32') throw new A2mError(`${at}.dtype: expected "float32", got ${JSON.stringify(w.dtype)}`);
    if (!Array.isArray(w.shape) || w.shape.length > 8 || w.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new A2mError(`${at}.shape: expected up to 8 non-negative integer dimensions, got ${JSON.stringify(w.shape)}`);
    }
    bytes += 4 * w.shape.reduce((a, b) => a * b, 1);
    if (bytes > MAX_CHECKPOINT_BYTES) throw new A2mError(`${at}.shape: the weights listed so far need ${bytes} bytes, more than a checkpoint may hold (${MAX_CHECKPOINT_BYTES})`);
  });
  return { entries: weights as ManifestEntry[], bytes };
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const { json, jsonPath, root, thresholds } = await readModelJson(dir);
  const group = json.weightsManifest?.[0];
  if (!group || !json.config) throw new A2mError(`${jsonPath}: missing weightsManifest or config`);
  // Everything declared is checked before anything is allocated or read: the config
  // (the model is built from it), every weight shape, every shard path and size.
  const config = checkModelConfig(json.config, jsonPath);
  const { entries, bytes: need } = checkWeightEntries(group.weights, `${jsonPath}: weightsManifest[0].weights`);
  if (!Array.isArray(group.paths) || group.paths.length === 0) throw new A2mError(`${jsonPath}: weightsManifest[0].paths: expected a list of shard files`);
  const shards: { rel: string; where: string; size: number }[] = [];
  let total = 0;
  for (const [i, p] of group.paths.entries()) {
    const where = `${jsonPath}: weightsManifest[0].paths[${i}]`;
    const { size } = await root.file(p, where, MAX_CHECKPOINT_BYTES);
    shards.push({ rel: p, where, size });
    total += size;
  }
  if (total !== need) throw new A2mError(`${dir}: shards hold ${total} bytes, the manifest needs ${need} (truncated checkpoint?)`);
  const buf = Buffer.alloc(need);
  let at = 0;
  const verified: string[] = [];
  for (const s of shards) {
    const b = await root.read(s.rel, s.where, s.size);
    const want = json.shardSha256?.[s.rel];
    if (want) verified.push(want);
    if (want && createHash('sha256').update(b).digest('hex') !== want) {
      throw new A2mError(`${root.display(s.rel)}: shard is corrupt or truncated (sha256 mismatch, ${b.length} bytes)`);
    }
    if (at + b.length > need) throw new A2mError(`${root.display(s.rel)}: grew while being read`);
    b.copy(buf, at);
    at += b.length;
  }
  const weights = new Map<string, HostTensor>(), optimizer = new Map<string, HostTensor>();
  let off = 0;
  for (const w of entries) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    Buffer.from(data.buffer).set(buf.subarray(off, off + 4 * n));
    off += 4 * n;
    (w.name.startsWith('optimizer/') ? optimizer : weights).set(w.name, { shape: w.shape, data });
  }
  const contentId = verified.length === shards.length
    ? createHash('sha256').update(JSON.stringify({ config: json.config, weights: entries, shards: verified })).digest('hex')
    : undefined;
  return { config, weights, optimizer: optimizer.size ? optimizer : undefined, state: json.state, thresholds, ...(contentId ? { contentId } : {}) };
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
