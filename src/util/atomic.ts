import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temp path beside `target` (same filesystem, so rename is atomic). */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
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
