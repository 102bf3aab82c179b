/**
 * Checksums of export-cache entries (backends.ts). An artifact in the cache is
 * written once and reused by every later run, so a damaged one (a disk error,
 * a half-copied cache, a stray edit) would fail `--backend onnx` on every run
 * and make `auto` quietly pick a slower backend. Each artifact's files are
 * hashed when written (checksums/<artifact>.json) and re-hashed before use;
 * a mismatch means "rebuild", never "use". This guards against accident, not
 * against someone who can write the cache (they can re-hash too).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';

export const SUMS_DIR = 'checksums';

interface FileSum { path: string; bytes: number; sha256: string }
interface ArtifactSums { artifact: string; files: FileSum[] }

const sumsFile = (dir: string, rel: string) => path.join(dir, SUMS_DIR, `${rel}.json`);

/**
 * The files that make up artifact `rel` in `dir` (posix paths, sorted): every
 * file under it when it is a folder (SavedModel), else the file and its
 * `<rel>.*` siblings (ONNX external data is `model.onnx.data`). Temps start
 * with a dot, so they never match.
 */
async function artifactFiles(dir: string, rel: string): Promise<string[]> {
  const abs = path.join(dir, rel);
  if ((await stat(abs)).isDirectory()) {
    const entries = await readdir(abs, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/')).sort();
  }
  const siblings = (await readdir(dir)).filter((n) => n.startsWith(`${rel}.`));
  return [rel, ...siblings].sort();
}

async function hash(file: string): Promise<{ bytes: number; sha256: string }> {
  const b = await readFile(file);
  return { bytes: b.length, sha256: createHash('sha256').update(b).digest('hex') };
}

/** Hashes artifact `rel` as it is now and records it: call right after writing it. */
export async function recordSums(dir: string, rel: string): Promise<void> {
  const files: FileSum[] = [];
  for (const f of await artifactFiles(dir, rel)) files.push({ path: f, ...(await hash(path.join(dir, f))) });
  await writeFileAtomic(sumsFile(dir, rel), JSON.stringify({ artifact: rel, files } satisfies ArtifactSums, null, 1) + '\n');
}

/** What is wrong with artifact `rel` (missing, incomplete, changed), or null when it is whole. */
export async function checkSums(dir: string, rel: string): Promise<string | null> {
  if (!existsSync(path.join(dir, rel))) return 'missing';
  let sums: ArtifactSums;
  try { sums = JSON.parse(await readFile(sumsFile(dir, rel), 'utf8')) as ArtifactSums; } catch {
    return 'no checksums recorded (an interrupted write, or an older a2m)';
  }
  if (!Array.isArray(sums?.files) || sums.artifact !== rel) return `${SUMS_DIR}/${rel}.json is damaged`;
  const present = new Set(await artifactFiles(dir, rel));
  for (const f of sums.files) {
    if (!present.delete(f.path)) return `${f.path} is missing`;
    const got = await hash(path.join(dir, f.path));
    if (got.bytes !== f.bytes) return `${f.path} has ${got.bytes} bytes, ${f.bytes} were written`;
    if (got.sha256 !== f.sha256) return `${f.path} changed since it was written (sha256 ${got.sha256.slice(0, 12)}…, was ${f.sha256.slice(0, 12)}…)`;
  }
  if (present.size) return `${[...present][0]} was not written by the export`;
  return null;
}

/** Removes artifact `rel`, its siblings and its checksums, so a rebuild starts clean. */
export async function removeArtifact(dir: string, rel: string): Promise<void> {
  const files = existsSync(path.join(dir, rel)) ? await artifactFiles(dir, rel) : [];
  await rm(path.join(dir, rel), { recursive: true, force: true });
  for (const f of files) await rm(path.join(dir, f), { force: true });
  await rm(sumsFile(dir, rel), { force: true });
}
