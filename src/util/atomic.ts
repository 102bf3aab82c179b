import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * A temp path beside `target` (same filesystem, so rename is atomic). Every
 * atomic write into a folder asks for one first, so this is also where the
 * temps of earlier, killed writes of the same target are removed (below).
 */
export function tempPathFor(target: string): string {
  removeStaleTemps(target);
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** `.<target>.tmp-<pid>-<8 hex>`, and writeDirAtomic's `...-old` for the replaced target: what tempPathFor makes. */
const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}(-old)?$/;

/** Only ESRCH says "no such process"; EPERM means it exists but is someone else's, so its temp is kept. */
function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code !== 'ESRCH'; }
}

/**
 * Stale temps per folder, by target name, listed once per process: a dataset
 * render writes thousands of files into one folder, and listing it on every
 * write would cost O(files^2). A temp whose writer is alive is never listed.
 */
const staleByDir = new Map<string, Map<string, string[]>>();

function staleTemps(dir: string): Map<string, string[]> {
  let byTarget = staleByDir.get(dir);
  if (byTarget) return byTarget;
  byTarget = new Map();
  staleByDir.set(dir, byTarget);
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { /* no folder yet: nothing stale */ }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    const pid = m ? Number(m[2]) : NaN;
    if (!m || pid === process.pid || !(pid > 0) || pidAlive(pid)) continue;
    byTarget.set(m[1]!, [...(byTarget.get(m[1]!) ?? []), name]);
  }
  return byTarget;
}

/**
 * Removes what killed earlier writes of `target` left beside it: temp files
 * and folders (a killed bundle leaves ~67 MB) whose pid is no longer running.
 * Only names of our exact pattern for this target are touched. A stale `-old`
 * folder is the previous target moved aside; it is kept while `target` is
 * missing, as then it is the last copy. Best effort: cleanup never fails a write.
 */
export function removeStaleTemps(target: string): void {
  const abs = path.resolve(target);
  const dir = path.dirname(abs), base = path.basename(abs);
  const byTarget = staleTemps(dir);
  const names = byTarget.get(base);
  if (!names?.length) return;
  const targetExists = existsSync(abs);
  const kept = names.filter((name) => {
    if (name.endsWith('-old') && !targetExists) return true;
    try { rmSync(path.join(dir, name), { recursive: true, force: true }); return false; } catch { return true; }
  });
  if (kept.length) byTarget.set(base, kept); else byTarget.delete(base);
}

/** Writes a file via temp + rename: readers see the old file or the whole new one, never half. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Builds a directory atomically: `fill` writes into a temp dir, which is then
 * renamed onto `target` (an existing target is replaced only after success).
 */
export async function writeDirAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(path.resolve(target)), { recursive: true });
  const tmp = tempPathFor(path.resolve(target));
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    const old = tempPathFor(path.resolve(target)) + '-old';
    let moved = false;
    try { await rename(target, old); moved = true; } catch { /* no previous target */ }
    await rename(tmp, target);
    if (moved) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
