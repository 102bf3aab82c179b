/**
 * manifest.json: what a bundle is (name, targets, artifacts, model, tool and
 * runtime versions) and the sha256 + size of every other file in it, so a
 * copied or downloaded bundle can be checked byte for byte.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { A2mError } from '../errors.js';
import { ConfinedRoot, checkRelativePath } from '../util/confine.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import { toolVersion } from '../util/version.js';
import type { Artifact, Target } from './targets.js';

export const MANIFEST_FILE = 'manifest.json';
/** The detached ed25519 signature of manifest.json (signature.ts): it cannot list itself, so it is not in `files`. */
export const SIGNATURE_FILE = 'manifest.sig';
export const BUNDLE_FORMAT = 'audio-to-midi/bundle';
export const BUNDLE_VERSION = 1;

export interface FileEntry { path: string; bytes: number; sha256: string }

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: number;
  name: string;
  targets: Target[];
  model: { preset: string; sha256: string; parameters: number };
  versions: Record<string, string>;
  artifacts: Artifact[];
  parity: string;
  files: FileEntry[];
}

/**
 * Every file under `dir` (posix paths relative to it, sorted), without the
 * manifest itself and its signature. The walk is confined (src/util/confine):
 * a link out of the bundle, a FIFO or a device is an error, not a file.
 */
export async function listFiles(dir: string): Promise<string[]> {
  const root = await ConfinedRoot.open(dir, 'bundle folder');
  return (await root.walk()).map((f) => f.path).filter((p) => p !== MANIFEST_FILE && p !== SIGNATURE_FILE);
}

export async function hashFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const b = await readFile(file);
  return { bytes: b.length, sha256: createHash('sha256').update(b).digest('hex') };
}

export async function fileEntries(dir: string): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for (const p of await listFiles(dir)) out.push({ path: p, ...(await hashFile(path.join(dir, ...p.split('/')))) });
  return out;
}

const require = createRequire(import.meta.url);
/** Packages whose code made or judged the files. */
const VERSIONED_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-node', 'onnxruntime-node', '@litertjs/core', 'flatbuffers', 'protobufjs', 'esbuild'];

export function toolVersions(): Record<string, string> {
  const v: Record<string, string> = { 'audio-to-midi': toolVersion(), node: process.versions.node };
  for (const p of VERSIONED_PACKAGES) {
    try { v[p] = (require(`${p}/package.json`) as { version: string }).version; } catch { v[p] = 'not installed'; }
  }
  return v;
}

export interface ChecksumProblem { path: string; problem: string }

/**
 * Every file that is missing, changed or not listed (all at once). Paths in
 * the manifest are confined to the bundle, and a file's size is compared with
 * the manifest before it is read, so a listed /dev/zero or FIFO is never read.
 */
export async function checkFiles(dir: string, manifest: BundleManifest): Promise<ChecksumProblem[]> {
  const root = await ConfinedRoot.open(dir, 'bundle folder');
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const problems: ChecksumProblem[] = [];
  const present = new Set(await listFiles(dir));
  for (const [i, f] of manifest.files.entries()) {
    const where = `${manifestFile}: files[${i}].path`;
    checkRelativePath(f?.path, where);
    if (!Number.isInteger(f.bytes) || f.bytes < 0) throw new A2mError(`${manifestFile}: files[${i}].bytes: expected a byte count, got ${JSON.stringify(f.bytes)}`);
    if (!present.has(f.path)) { problems.push({ path: f.path, problem: 'missing' }); continue; }
    const { size } = await root.file(f.path, where);
    if (size !== f.bytes) { problems.push({ path: f.path, problem: `${size} bytes, manifest says ${f.bytes}` }); continue; }
    const sha = createHash('sha256').update(await root.read(f.path, where, f.bytes)).digest('hex');
    if (sha !== f.sha256) problems.push({ path: f.path, problem: `sha256 ${sha.slice(0, 12)}…, manifest says ${String(f.sha256).slice(0, 12)}…` });
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const p of present) if (!listed.has(p)) problems.push({ path: p, problem: 'not listed in manifest.json' });
  return problems;
}
