/**
 * manifest.json: what a bundle is (name, targets, artifacts, model, tool and
 * runtime versions) and the sha256 + size of every other file in it, so a
 * copied or downloaded bundle can be checked byte for byte.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
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

/** Every file under `dir` (posix paths relative to it, sorted), without the manifest itself and its signature. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((p) => p !== MANIFEST_FILE && p !== SIGNATURE_FILE)
    .sort();
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

/** Every file that is missing, changed or not listed (all at once). */
export async function checkFiles(dir: string, manifest: BundleManifest): Promise<ChecksumProblem[]> {
  const problems: ChecksumProblem[] = [];
  const present = new Set(await listFiles(dir));
  for (const f of manifest.files) {
    if (!present.has(f.path)) { problems.push({ path: f.path, problem: 'missing' }); continue; }
    const got = await hashFile(path.join(dir, ...f.path.split('/')));
    if (got.bytes !== f.bytes) problems.push({ path: f.path, problem: `${got.bytes} bytes, manifest says ${f.bytes}` });
    else if (got.sha256 !== f.sha256) problems.push({ path: f.path, problem: `sha256 ${got.sha256.slice(0, 12)}…, manifest says ${f.sha256.slice(0, 12)}…` });
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const p of present) if (!listed.has(p)) problems.push({ path: p, problem: 'not listed in manifest.json' });
  return problems;
}
