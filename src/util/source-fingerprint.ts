/**
 * A fingerprint of the code that writes an export: the tool version plus the
 * contents of the given source folders. The export cache is keyed by it as
 * well as by the model, so a converter change (a release, or a local edit in
 * a checkout) never reuses an artifact an older converter wrote.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { toolVersion } from './version.js';

async function listFiles(dir: string): Promise<string[]> {
  if ((await stat(dir)).isFile()) return [dir];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

/**
 * The compiled package's file hashes (dist/file-hashes.json, written by
 * scripts/build.mjs): with them a fingerprint costs a directory listing
 * instead of reading ~300 files (about 0.09 s at every `a2m transcribe`
 * start). A file the list lacks is read and hashed as in a clone.
 */
export const FILE_HASHES = 'file-hashes.json';

const manifests = new Map<string, Promise<Record<string, string>>>();
function builtHashes(root: string): Promise<Record<string, string>> {
  let p = manifests.get(root);
  if (!p) {
    p = readFile(path.join(root, FILE_HASHES), 'utf8').then((t) => (JSON.parse(t) as { files?: Record<string, string> }).files ?? {}, () => ({}));
    manifests.set(root, p);
  }
  return p;
}

const memo = new Map<string, Promise<string>>();

/** sha256 (hex) over the tool version and every file under `dirs` (paths relative to `root`, and each file's sha256). */
export function sourceFingerprint(root: string, dirs: readonly string[]): Promise<string> {
  const key = [root, ...dirs].join('\0');
  let p = memo.get(key);
  if (!p) {
    p = (async () => {
      const built = await builtHashes(root);
      const h = createHash('sha256').update(`audio-to-midi ${toolVersion()}\0`);
      for (const d of dirs) {
        for (const f of await listFiles(path.join(root, d))) {
          const rel = path.relative(root, f);
          const sum = built[rel.split(path.sep).join('/')] ?? createHash('sha256').update(await readFile(f)).digest('hex');
          h.update(rel).update('\0').update(sum).update('\0');
        }
      }
      return h.digest('hex');
    })();
    memo.set(key, p);
  }
  return p;
}
