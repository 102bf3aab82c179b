/**
 * The .mlpackage directory layout:
 *   <name>.mlpackage/Manifest.json
 *   <name>.mlpackage/Data/com.apple.CoreML/model.mlmodel      (Model protobuf)
 *   <name>.mlpackage/Data/com.apple.CoreML/weights/weight.bin (MIL blob storage v2)
 * Manifest item keys are UUIDs; ours are derived from the content's hash so the
 * same model always gives byte-identical packages.
 */
import { createHash } from 'node:crypto';
import { readFile, mkdir, writeFile, stat, open } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../../src/errors.js';
import { writeDirAtomic } from '../../src/util/atomic.js';
import { PACKAGE } from './format.js';
import { decodeModel, type CoreMLModel } from './schema.js';
import { BlobReader, BlobWriter } from './blob.js';

interface ManifestItem { author: string; description: string; name: string; path: string }
export interface Manifest { fileFormatVersion: string; itemInfoEntries: Record<string, ManifestItem>; rootModelIdentifier: string }

/** A name-based UUID (v5 layout over a sha256 digest), upper case as Apple writes them. */
function digestUuid(label: string, digest: Buffer): string {
  const h = createHash('sha256').update(label).update(digest).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex').toUpperCase();
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** The manifest, its item keys derived from the sha256 of the model and weight files. */
export function buildManifest(modelSha: Buffer, weightsSha: Buffer): Manifest {
  const modelId = digestUuid('model', modelSha);
  const weightsId = digestUuid('weights', weightsSha);
  return {
    fileFormatVersion: PACKAGE.fileFormatVersion,
    itemInfoEntries: {
      [modelId]: { author: PACKAGE.author, description: PACKAGE.modelDescription, name: PACKAGE.modelName, path: PACKAGE.modelPath },
      [weightsId]: { author: PACKAGE.author, description: PACKAGE.weightsDescription, name: PACKAGE.weightsName, path: PACKAGE.weightsPath },
    },
    rootModelIdentifier: modelId,
  };
}

// Small chunks (blob metadata, padding) are gathered into writes of about this size.
const COALESCE_BYTES = 1 << 20;

/** Streams weight.bin to `file`; returns the sha256 of what was written. */
async function writeWeights(file: string, weights: BlobWriter | Uint8Array): Promise<Buffer> {
  const hash = createHash('sha256');
  const fh = await open(file, 'w');
  try {
    if (weights instanceof Uint8Array) {
      await fh.write(weights);
      hash.update(weights);
    } else {
      let pending: Uint8Array[] = [], pendingBytes = 0;
      const flush = async () => {
        if (!pendingBytes) return;
        const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        await fh.write(buf);
        pending = []; pendingBytes = 0;
      };
      for (const chunk of weights.chunks()) {
        hash.update(chunk);
        if (chunk.byteLength >= COALESCE_BYTES) { await flush(); await fh.write(chunk); continue; }
        // Chunks from a producer live in a reused scratch buffer: copy before holding on.
        pending.push(Uint8Array.prototype.slice.call(chunk));
        pendingBytes += chunk.byteLength;
        if (pendingBytes >= COALESCE_BYTES) await flush();
      }
      await flush();
    }
  } finally {
    await fh.close();
  }
  return hash.digest();
}

/** Writes a whole package atomically (temp dir + rename); returns the written file paths. */
export async function writePackage(dir: string, model: Uint8Array, weights: BlobWriter | Uint8Array): Promise<string[]> {
  const rel = [PACKAGE.manifest, path.join(PACKAGE.dataDir, PACKAGE.modelPath), path.join(PACKAGE.dataDir, PACKAGE.weightsPath, PACKAGE.weightFile)];
  await writeDirAtomic(dir, async (tmp) => {
    const [manifestPath, modelPath, weightPath] = rel.map((r) => path.join(tmp, r)) as [string, string, string];
    await mkdir(path.dirname(weightPath), { recursive: true });
    const weightsSha = await writeWeights(weightPath, weights);
    await writeFile(modelPath, model);
    const modelSha = createHash('sha256').update(model).digest();
    // Apple's manifests are 4-space indented JSON.
    await writeFile(manifestPath, JSON.stringify(buildManifest(modelSha, weightsSha), null, 4) + '\n');
  });
  return rel.map((r) => path.join(dir, r));
}

export interface LoadedPackage {
  dir: string;
  manifest: Manifest;
  modelFile: string;
  model: CoreMLModel;
  /** Resolves a blobFileValue.fileName ("@model_path/weights/weight.bin") to a checked reader. */
  blobFile(fileName: string): Promise<BlobReader>;
}

async function readOrFail(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new A2mError(`${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function parseManifest(text: string, file: string): Manifest {
  let m: unknown;
  try { m = JSON.parse(text); } catch (e) { throw new A2mError(`${file}: not valid JSON (${(e as Error).message})`); }
  const man = m as Partial<Manifest>;
  if (typeof man !== 'object' || man === null || typeof man.itemInfoEntries !== 'object' || man.itemInfoEntries === null || typeof man.rootModelIdentifier !== 'string')
    throw new A2mError(`${file}: expected {fileFormatVersion, itemInfoEntries, rootModelIdentifier}`);
  const root = man.itemInfoEntries[man.rootModelIdentifier];
  if (!root || typeof root.path !== 'string') throw new A2mError(`${file}: rootModelIdentifier ${man.rootModelIdentifier} has no item with a path`);
  if (path.isAbsolute(root.path) || root.path.split(/[\\/]/).includes('..')) throw new A2mError(`${file}: root model path "${root.path}" escapes the package`);
  return man as Manifest;
}

/** Reads an .mlpackage directory: manifest, Model protobuf, and lazily its weight files. */
export async function readPackage(dir: string): Promise<LoadedPackage> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new A2mError(`${dir}: not an .mlpackage directory`);
  const manifestFile = path.join(dir, PACKAGE.manifest);
  const manifest = parseManifest((await readOrFail(manifestFile, 'the package manifest')).toString('utf8'), manifestFile);
  const modelItem = manifest.itemInfoEntries[manifest.rootModelIdentifier]!;
  const modelFile = path.join(dir, PACKAGE.dataDir, modelItem.path);
  const bytes = await readOrFail(modelFile, 'the Core ML model specification');
  let model: CoreMLModel;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new A2mError(`${modelFile}: not a Core ML Model protobuf (${(e as Error).message})`);
  }
  const readers = new Map<string, Promise<BlobReader>>();
  const modelDir = path.dirname(modelFile);
  return {
    dir, manifest, modelFile, model,
    blobFile(fileName: string) {
      const prefix = '@model_path/';
      if (!fileName.startsWith(prefix) || fileName.split('/').includes('..'))
        throw new A2mError(`${modelFile}: blob file "${fileName}" is not under @model_path/`);
      let r = readers.get(fileName);
      if (!r) {
        const file = path.join(modelDir, fileName.slice(prefix.length));
        r = readOrFail(file, 'MIL blob storage').then((b) => new BlobReader(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), file));
        readers.set(fileName, r);
      }
      return r;
    },
  };
}
