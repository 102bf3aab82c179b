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

const memo = new Map<string, Promise<string>>();

/** sha256 (hex) over the tool version and every file under `dirs` (paths relative to `root`, and contents). */
export function sourceFingerprint(root: string, dirs: readonly string[]): Promise<string> {
  const key = [root, ...dirs].join('\0');
  let p = memo.get(key);
  if (!p) {
    p = (async () => {
      const h = createHash('sha256').update(`audio-to-midi ${toolVersion()}\0`);
      for (const d of dirs) {
        for (const f of await listFiles(path.join(root, d))) h.update(path.relative(root, f)).update('\0').update(await readFile(f)).update('\0');
      }
      return h.digest('hex');
    })();
    memo.set(key, p);
  }
  return p;
}
