/**
 * `--exclude-pieces`: the corpus pieces (file + folk tune) that the music21
 * exports under some dataset folders list, so a new export can leave them out.
 *
 * The folders may be copied or linked in from elsewhere, so they are read
 * like any folder someone else made (src/util/confine.ts): a copied dataset
 * must not decide what we read. A link leaving a folder, a link to a folder,
 * a FIFO or device, a manifest over MAX_MANIFEST_BYTES are refused; a
 * malformed manifest is an error naming the file and field. The exporter
 * then gets the resulting list from us (--exclude-list) and reads nothing of
 * the folders itself.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { ConfinedRoot } from '../util/confine.js';

/** Largest export manifest read: ours are a few hundred kB; a bigger one is not an export manifest (and must not fill memory). */
export const MAX_MANIFEST_BYTES = 16 * 1024 ** 2;

const EXPECTED = 'expected a music21 export manifest (scripts/music21-export.py): a JSON object whose "pieces" list holds '
  + '{"source": corpus path such as "palestrina/Agnus_03.krn", "tune": tune index or null}';

export interface ExcludedPieces {
  /** Distinct (corpus file, tune index or null) pairs, sorted. */
  pieces: [source: string, tune: number | null][];
  /** Manifests read. */
  manifests: number;
}

/**
 * Reads every manifest.json under `folders` (recursively). `ownManifest` (the
 * new export's manifest path) is skipped: a re-export with other arguments
 * must not exclude its own earlier pieces. Each folder must hold a manifest.
 */
export async function readExcludedPieces(folders: readonly string[], ownManifest: string): Promise<ExcludedPieces> {
  const own = await realpath(ownManifest).catch(() => path.resolve(ownManifest));
  const pieces = new Map<string, [string, number | null]>();
  let manifests = 0;
  for (const folder of folders) {
    const where = `--exclude-pieces ${folder}`;
    const root = await ConfinedRoot.open(folder, 'dataset folder');
    let found = 0;
    for (const entry of await root.walk(undefined, where)) {
      if (path.posix.basename(entry.path) !== 'manifest.json') continue;
      if ((await root.resolve(entry.path, where)).real === own) continue;
      for (const p of await manifestPieces(root, entry.path, where)) pieces.set(JSON.stringify(p), p);
      found++;
    }
    if (found === 0) throw new A2mError(`${where}: no music21 manifest.json under it (expected a folder rendered with --music21, e.g. data/train/m1)`);
    manifests += found;
  }
  const sorted = [...pieces.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
  return { pieces: sorted, manifests };
}

/** The (source, tune) pairs one export manifest lists, checked field by field. */
async function manifestPieces(root: ConfinedRoot, rel: string, where: string): Promise<[string, number | null][]> {
  const file = root.display(rel);
  const bad = (what: string) => new A2mError(`${file}: ${what}; ${EXPECTED}`);
  let m: unknown;
  try {
    m = await root.readJson(rel, where, MAX_MANIFEST_BYTES);
  } catch (e) {
    if (e instanceof A2mError) throw new A2mError(`${e.message}; ${EXPECTED}`, { cause: e });
    throw e;
  }
  const list = (m as { pieces?: unknown } | null)?.pieces;
  if (typeof m !== 'object' || m === null || Array.isArray(m) || !Array.isArray(list)) throw bad('no "pieces" list');
  return list.map((p: unknown, i): [string, number | null] => {
    const o = (typeof p === 'object' && p !== null ? p : {}) as { source?: unknown; tune?: unknown };
    if (typeof o.source !== 'string' || o.source === '') throw bad(`pieces[${i}].source is ${JSON.stringify(o.source ?? null)}, not a corpus path`);
    const tune = 'tune' in o ? o.tune : 'missing';
    if (!(tune === null || (Number.isInteger(tune) && (tune as number) >= 0))) throw bad(`pieces[${i}].tune is ${JSON.stringify(tune)}, not a tune index or null`);
    return [o.source, tune as number | null];
  });
}
