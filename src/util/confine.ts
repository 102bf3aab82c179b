/**
 * The one confinement rule every reader of someone else's folder uses
 * (model checkpoints, exports, goldens, bundles, imported models).
 *
 * A folder we were given is a root. A path declared inside it (a manifest's
 * shard list, export.json's artifact paths, a golden's tensor files) may only
 * name something inside that root:
 *   - relative, posix-style, no empty or `..` segments, no absolute paths;
 *   - after resolving symlinks it is still inside the root (a link that stays
 *     inside is fine, one that leaves is refused);
 *   - a regular file or a folder: FIFOs, devices and sockets are refused
 *     (a FIFO would hang the reader, /dev/zero would fill memory);
 *   - a file's size is checked against a bound before it is read.
 * Every refusal is an A2mError that names the file and the field that
 * declared the path, and what was expected.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../errors.js';

/** Largest file a reader takes unless it says otherwise (the biggest real artifact is ~50 MB). */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3;
/** Largest JSON manifest we parse (ours are a few hundred kB). */
export const MAX_MANIFEST_BYTES = 64 * 1024 ** 2;
/** Most entries a folder walk visits before it gives up (a bundle has a few hundred). */
export const MAX_TREE_ENTRIES = 100_000;

export type EntryKind = 'file' | 'dir';

/** What kind of thing a stat describes, in the words an error message uses. */
function kindOf(s: Stats): string {
  if (s.isFile()) return 'regular file';
  if (s.isDirectory()) return 'folder';
  if (s.isFIFO()) return 'FIFO';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'device';
  if (s.isSocket()) return 'socket';
  if (s.isSymbolicLink()) return 'symlink';
  return 'special file';
}

const isInside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** `where` names the field that declared a path, e.g. `models/x/model.json: weightsManifest[0].paths[1]`. */
function refuse(where: string, value: string, why: string): never {
  throw new A2mError(`${where} = ${JSON.stringify(value)}: ${why}`);
}

/**
 * Checks a declared relative path lexically (before touching the disk) and
 * returns its segments. Both `/` and the platform separator split segments.
 */
export function checkRelativePath(rel: unknown, where: string): string[] {
  if (typeof rel !== 'string' || rel.length === 0) throw new A2mError(`${where}: expected a relative path (a non-empty string), got ${JSON.stringify(rel)}`);
  if (rel.includes('\0')) refuse(where, rel, 'contains a NUL byte');
  if (path.isAbsolute(rel) || path.posix.isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.startsWith('\\')) refuse(where, rel, 'is an absolute path; only paths inside the folder are read');
  const segments = rel.split(/[\\/]/);
  if (segments.includes('..')) refuse(where, rel, 'uses ".." to leave the folder; only paths inside the folder are read');
  const parts = segments.filter((s) => s !== '' && s !== '.');
  if (parts.length === 0) refuse(where, rel, 'names the folder itself, expected a path inside it');
  return parts;
}

/** A folder someone else made, which every read stays inside. */
export class ConfinedRoot {
  private constructor(
    /** As given (for messages). */
    readonly dir: string,
    /** Its real path (every resolved path must stay under it). */
    readonly real: string,
  ) {}

  /** Opens `dir` (which must be a folder; the root itself may be a link the user chose). */
  static async open(dir: string, what = 'folder'): Promise<ConfinedRoot> {
    let real: string;
    try { real = await realpath(dir); } catch (e) {
      throw new A2mError(`${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such' : 'cannot open the'} ${what}`);
    }
    const s = await stat(real);
    if (!s.isDirectory()) throw new A2mError(`${dir}: expected a ${what}, found a ${kindOf(s)}`);
    return new ConfinedRoot(dir, real);
  }

  /** `dir/rel` as shown in messages. */
  display(rel: string): string { return path.join(this.dir, rel); }

  /**
   * Resolves a declared path to a real path inside the root, refusing links
   * that leave it and anything that is not a regular file or folder.
   * `expect` narrows it to one kind. Missing paths throw ENOENT-worded errors.
   */
  async resolve(rel: unknown, where: string, expect?: EntryKind): Promise<{ real: string; stats: Stats }> {
    const parts = checkRelativePath(rel, where);
    const lexical = path.join(this.real, ...parts);
    let real: string;
    try { real = await realpath(lexical); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new A2mError(`${where}: ${this.display(parts.join('/'))} is missing`);
      if (code === 'ELOOP') refuse(where, rel as string, 'is a symlink loop');
      throw new A2mError(`${where}: ${this.display(parts.join('/'))}: cannot read (${code ?? (e as Error).message})`);
    }
    if (!isInside(this.real, real)) refuse(where, rel as string, `is a link to ${real}, outside the folder ${this.dir}; only files inside it are read`);
    const stats = await stat(real);
    const kind = kindOf(stats);
    if (!stats.isFile() && !stats.isDirectory()) refuse(where, rel as string, `is a ${kind}; expected a regular file or folder`);
    if (expect === 'file' && !stats.isFile()) refuse(where, rel as string, `is a ${kind}; expected a regular file`);
    if (expect === 'dir' && !stats.isDirectory()) refuse(where, rel as string, `is a ${kind}; expected a folder`);
    return { real, stats };
  }

  /** The real path of a declared regular file, its size checked against `maxBytes`. */
  async file(rel: unknown, where: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<{ real: string; size: number }> {
    const { real, stats } = await this.resolve(rel, where, 'file');
    if (stats.size > maxBytes) refuse(where, rel as string, `is ${stats.size} bytes, more than the ${maxBytes} this file may hold`);
    return { real, size: stats.size };
  }

  /**
   * Reads a declared regular file whole. It is opened non-blocking and
   * checked again on the open handle, so a file swapped for a FIFO or a
   * bigger file between the check and the read is still refused.
   */
  async read(rel: unknown, where: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<Buffer> {
    const { real } = await this.file(rel, where, maxBytes);
    const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    try {
      const s = await handle.stat();
      if (!s.isFile()) refuse(where, rel as string, `is a ${kindOf(s)}; expected a regular file`);
      if (s.size > maxBytes) refuse(where, rel as string, `is ${s.size} bytes, more than the ${maxBytes} this file may hold`);
      const buf = Buffer.alloc(s.size);
      let off = 0;
      while (off < buf.length) {
        const { bytesRead } = await handle.read(buf, off, buf.length - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      if (off !== buf.length) throw new A2mError(`${where}: ${this.display(rel as string)} shrank while being read (${off} of ${buf.length} bytes)`);
      return buf;
    } finally {
      await handle.close();
    }
  }

  async readText(rel: unknown, where: string, maxBytes = MAX_MANIFEST_BYTES): Promise<string> {
    return (await this.read(rel, where, maxBytes)).toString('utf8');
  }

  /** Parses a declared JSON file; a parse failure names the file. */
  async readJson<T = unknown>(rel: unknown, where: string, maxBytes = MAX_MANIFEST_BYTES): Promise<T> {
    const text = await this.readText(rel, where, maxBytes);
    try { return JSON.parse(text) as T; } catch (e) {
      throw new A2mError(`${this.display(rel as string)}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
    }
  }

  /**
   * True when a path exists inside the root (a path that could not be inside it, a link leaving it, a
   * special file, or with `expect` another kind of entry still throws).
   */
  async has(rel: string, where: string, expect?: EntryKind): Promise<boolean> {
    const parts = checkRelativePath(rel, where);
    try { await lstat(path.join(this.real, ...parts)); } catch { return false; }
    await this.resolve(rel, where, expect);
    return true;
  }

  /** A sub-folder as a root of its own (declared paths inside it stay inside it). */
  async sub(rel: unknown, where: string): Promise<ConfinedRoot> {
    const { real } = await this.resolve(rel, where, 'dir');
    return new ConfinedRoot(this.display(rel as string), real);
  }

  /**
   * Every regular file under `rel` (default: the root), as posix paths
   * relative to the root, sorted, with sizes. Any link that leaves the root
   * and any special file is refused; the walk stops at `maxEntries`.
   */
  async walk(rel?: string, where = this.dir, maxEntries = MAX_TREE_ENTRIES): Promise<{ path: string; size: number }[]> {
    const start = rel === undefined ? this.real : (await this.resolve(rel, where, 'dir')).real;
    const out: { path: string; size: number }[] = [];
    let seen = 0;
    const visit = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (++seen > maxEntries) throw new A2mError(`${where}: more than ${maxEntries} entries under ${this.dir}; refusing to walk further`);
        const abs = path.join(dir, e.name);
        const relPath = path.relative(this.real, abs).split(path.sep).join('/');
        const { real, stats } = await this.resolve(relPath, `${where}: entry`);
        if (stats.isDirectory()) {
          // A link to a folder inside the root is followed once, as its own path; its
          // target is walked separately, so only walk real folders to avoid cycles.
          if (e.isDirectory()) await visit(real);
          else throw new A2mError(`${where}: entry = ${JSON.stringify(relPath)}: is a link to a folder; links to folders are not followed (copy the files instead)`);
        } else {
          out.push({ path: relPath, size: stats.size });
        }
      }
    };
    await visit(start);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/**
 * An artifact someone else made that is a single path: a file or a folder
 * (a SavedModel, an .mlpackage, a tfjs model). Returns the real path after
 * checking that it is a regular file, or a folder whose whole tree stays
 * inside it, so a runtime handed this path reads only what it was given.
 */
export async function checkArtifactPath(root: ConfinedRoot, rel: unknown, where: string): Promise<string> {
  const { real, stats } = await root.resolve(rel, where);
  if (stats.isDirectory()) await root.walk(rel as string, where);
  return real;
}

/** A path given on the command line (not declared by a file): a file or a folder, confined to itself. */
export async function checkGivenArtifact(p: string, what: string): Promise<string> {
  let s: Stats;
  try { s = await stat(p); } catch { throw new A2mError(`${p}: no such ${what}`); }
  if (s.isDirectory()) { await (await ConfinedRoot.open(p, what)).walk(); return p; }
  if (!s.isFile()) throw new A2mError(`${p}: is a ${kindOf(s)}; expected a ${what} (a regular file or a folder)`);
  return p;
}
