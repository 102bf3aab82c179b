/**
 * Real music for training and evaluation: pieces of the music21 corpus (pip
 * `music21`), exported by scripts/music21-export.py as humanised solo-piano
 * MIDI (tempo drift, onset jitter, voice and phrase dynamics, transposition,
 * sustain pedal in part of the pieces, generated accompaniment under folk
 * melodies) into `<out>/music21-s<seed>/`, then rendered by the render
 * pipeline like any MIDI file (src/data/render.ts).
 *
 * Data rules (DESIGN.md): the folders in RESERVED_MUSIC21_FOLDERS are held-out
 * evaluation material. They are refused unless the render is `--held-out`
 * (held-out timbres only, every CSV marked so that `a2m train` refuses it).
 * `excludePieces` keeps a split's pieces apart from other renders' (a
 * real-music validation split disjoint from the training pieces): their
 * manifests are read here, confined like every folder we are given
 * (src/data/exclude-pieces.ts), and the exporter gets the list of pieces.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { ConfinedRoot } from '../util/confine.js';
import { projectRoot, venvPython } from '../util/paths.js';
import { MAX_MANIFEST_BYTES, readExcludedPieces } from './exclude-pieces.js';

/** Corpus folders reserved for held-out evaluation: never trained or tuned on, rendered only in the held-out timbre. */
export const RESERVED_MUSIC21_FOLDERS = ['bach', 'beach', 'chopin', 'cpebach', 'handel', 'joplin', 'mozart', 'schoenberg', 'schubert', 'schumann_clara', 'schumann_robert'] as const;

/** Folk-melody collections: the exporter sets their tunes over a generated accompaniment. */
export const MUSIC21_FOLK_FOLDERS = ['essenFolksong', 'oneills1850', 'ryansMammoth', 'nottingham-dataset', 'airdsAirs', 'miscFolk'] as const;

/** The exporter (a clone of the repository has it; the npm package does not ship it). */
export const MUSIC21_SCRIPT = path.join(projectRoot, 'scripts', 'music21-export.py');

/** The exporter's exit codes (scripts/music21-export.py). */
const EXIT_NO_MUSIC21 = 3;
const EXIT_RESERVED = 4;
/** The exporter's default --max-pieces (no limit in practice). */
const MAX_PIECES = 100000;

export interface Music21Options {
  /** Corpus folders (or paths inside the corpus, e.g. "haydn/opus74no1" or "bach/bwv66.6.mxl"). */
  folders: string[];
  /** Hours of music to export (pieces are taken round-robin over the folders until this is reached). */
  hours: number;
  /** Longest excerpt in seconds; longer pieces are cut at bar lines (default 90). */
  maxSeconds?: number;
  /** Most consecutive excerpts taken from one piece (default 3; 1 for a held-out render). */
  excerpts?: number;
  /** Share of pieces played with the sustain pedal (default 0.4). */
  pedalFraction?: number;
  /** Random transposition of up to half an octave (default: on, off for a held-out render). */
  transpose?: boolean;
  /** Stop after this many pieces (tests). */
  maxPieces?: number;
  /**
   * Dataset folders whose music21 exports (every manifest.json under them) list
   * pieces to leave out: same corpus file and folk tune. Each must hold one.
   */
  excludePieces?: string[];
}

/** What --exclude-pieces left out, as the export manifest records it. */
export interface Music21Excluded {
  /** Manifests read under the folders. */
  manifests: number;
  /** Distinct pieces (corpus file + tune) they list. */
  listed: number;
  /** Pieces of this export's corpus folders left out because they are listed. */
  removed: number;
}

/** An export: its pieces in order, and what --exclude-pieces left out (null without it). */
export interface Music21Export {
  pieces: Music21Piece[];
  excluded: Music21Excluded | null;
}

/** One exported piece, as the exporter's manifest.json describes it. */
export interface Music21Piece {
  name: string;
  /** The MIDI file (absolute path). */
  file: string;
  /** Corpus file, e.g. "palestrina/Agnus_03.krn". */
  source: string;
  /** Tune index inside a folk ABC collection, else null. */
  tune: number | null;
  folder: string;
  reserved: boolean;
  excerpt: number;
  excerpts: number;
  seconds: number;
  notes: number;
  pedal: boolean;
  transpose: number;
  quarter_bpm: number;
  accompaniment: string | null;
}

/** The reserved folder a corpus path lies in (first path component, any case), or null. */
export function reservedFolder(spec: string): string | null {
  const first = spec.trim().replace(/\\/g, '/').replace(/^\/+/, '').split('/')[0]!.toLowerCase();
  return (RESERVED_MUSIC21_FOLDERS as readonly string[]).find((f) => f === first) ?? null;
}

/**
 * Checks corpus paths against the data rules and splits comma lists:
 * relative paths inside the corpus only, and the reserved folders only in a
 * held-out render. Returns the cleaned list.
 */
export function checkMusic21Folders(specs: readonly string[], heldOut: boolean): string[] {
  const folders = splitFolderList(specs);
  if (folders.length === 0) throw new A2mError('--music21: expected corpus folders such as palestrina,haydn');
  for (const f of folders) {
    if (path.isAbsolute(f) || f.replace(/\\/g, '/').split('/').includes('..')) {
      throw new A2mError(`--music21 ${f}: expected a folder of the music21 corpus (e.g. palestrina or haydn/opus74no1), not a file-system path; use --from-midi for MIDI files`);
    }
  }
  const reserved = folders.filter((f) => reservedFolder(f) !== null);
  if (reserved.length > 0 && !heldOut) {
    throw new A2mError(
      `--music21 ${reserved.join(',')}: reserved for held-out evaluation (DESIGN.md: never train or tune on ${RESERVED_MUSIC21_FOLDERS.join(', ')}); `
      + 'render them only as an evaluation split with --held-out (the MuseScore timbre), e.g. a2m dataset render --held-out --music21 bach --out data/heldout-repertoire',
    );
  }
  return folders;
}

/** Folder lists as the options take them: repeated and/or comma-separated. */
export function splitFolderList(specs: readonly string[]): string[] {
  return specs.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

interface Manifest {
  folders: string[];
  seed: number;
  hours: number;
  max_seconds: number;
  excerpts: number;
  pedal_fraction: number;
  transpose: boolean;
  held_out: boolean;
  max_pieces: number;
  exclude_pieces: string[];
  /** Null (or absent, in older exports) without --exclude-pieces. */
  excluded?: Music21Excluded | null;
  /** Files relative to the manifest's folder. */
  pieces: Music21Piece[];
}

export interface ExportMusic21Options extends Music21Options {
  /** Folder the MIDI files and manifest.json go to. */
  dir: string;
  seed: number;
  heldOut: boolean;
  /** Progress lines from the exporter (stderr). */
  log?: (line: string) => void;
}

/** The exporter's arguments: what a manifest must match to be reused. */
function exportArgs(o: ExportMusic21Options): { args: string[]; expect: Omit<Manifest, 'pieces'> } {
  const expect = {
    folders: o.folders, seed: o.seed, hours: o.hours, max_seconds: o.maxSeconds ?? 90, excerpts: o.excerpts ?? (o.heldOut ? 1 : 3),
    pedal_fraction: o.pedalFraction ?? 0.4, transpose: o.transpose ?? !o.heldOut, held_out: o.heldOut, max_pieces: o.maxPieces ?? MAX_PIECES,
    exclude_pieces: splitFolderList(o.excludePieces ?? []),
  };
  const args = [
    MUSIC21_SCRIPT, '--folders', o.folders.join(','), '--out', o.dir, '--seed', String(o.seed), '--hours', String(o.hours),
    '--max-seconds', String(expect.max_seconds), '--excerpts', String(expect.excerpts), '--pedal-fraction', String(expect.pedal_fraction),
    expect.transpose ? '--transpose' : '--no-transpose', ...(o.heldOut ? ['--held-out'] : []), '--max-pieces', String(expect.max_pieces),
  ];
  return { args, expect };
}

/**
 * Exports the pieces (or reuses an export made with the same arguments, so a
 * render resumes without re-parsing scores) and returns them in order. A
 * reused export keeps the exclusions it was made with, even if the excluded
 * folders changed since: a split stays as it was first drawn.
 */
export async function exportMusic21(o: ExportMusic21Options): Promise<Music21Export> {
  checkMusic21Folders(o.folders, o.heldOut);
  const { args, expect } = exportArgs(o);
  const previous = await readManifest(o.dir);
  const reusable = previous !== null && Array.isArray(previous.pieces)
    && Object.entries(expect).every(([k, v]) => JSON.stringify(previous[k as keyof typeof expect]) === JSON.stringify(v))
    && (await allPresent(o.dir, previous.pieces));
  const manifest = reusable ? previous : await exportWithExclusions(o, args, expect.exclude_pieces);
  return { pieces: manifest.pieces.map((p) => ({ ...p, file: path.join(o.dir, p.file) })), excluded: manifest.excluded ?? null };
}

/**
 * Whether every piece a previous export lists is still there. The out folder may
 * have been copied from someone else, so its manifest's paths go through the
 * confinement rules: `..`, absolute paths and links leaving the folder are
 * refused with the field named (a missing file only means "export again").
 */
async function allPresent(dir: string, pieces: readonly Music21Piece[]): Promise<boolean> {
  const root = await ConfinedRoot.open(dir, 'music21 export folder');
  for (const [i, p] of pieces.entries()) {
    const where = `${path.join(dir, 'manifest.json')}: pieces[${i}].file`;
    if (!(await root.has(p.file, where, 'file'))) return false;
  }
  return true;
}

/**
 * Runs the exporter, first reading the pieces to leave out (so a refused
 * folder stops us before anything is written to `o.dir`) and handing them
 * over in a file of our own (--exclude-list).
 */
async function exportWithExclusions(o: ExportMusic21Options, args: string[], folders: string[]): Promise<Manifest> {
  if (folders.length === 0) return runExporter(args, o);
  const { pieces, manifests } = await readExcludedPieces(folders, path.join(o.dir, 'manifest.json'));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'a2m-exclude-'));
  try {
    const list = path.join(tmp, 'exclude.json');
    await writeFile(list, JSON.stringify({ folders, manifests, pieces }));
    return await runExporter([...args, '--exclude-list', list], o);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The previous export's manifest, or null when there is none (read with a size cap: the folder may have been copied in). */
async function readManifest(dir: string): Promise<Manifest | null> {
  if (!existsSync(dir)) return null;
  const where = `music21 export ${dir}`;
  const root = await ConfinedRoot.open(dir, 'music21 export folder');
  if (!(await root.has('manifest.json', where))) return null;
  // Exports made before --exclude-pieces existed excluded nothing (and stay reusable).
  return { exclude_pieces: [], ...(await root.readJson<Partial<Manifest>>('manifest.json', where, MAX_MANIFEST_BYTES)) } as Manifest;
}

/** The Python that runs the exporter: the project venv's, else python3 on PATH. */
export function music21Python(): string {
  return process.env.A2M_PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3');
}

async function runExporter(args: string[], { dir, log }: ExportMusic21Options): Promise<Manifest> {
  if (!existsSync(MUSIC21_SCRIPT)) {
    throw new A2mError(`${MUSIC21_SCRIPT}: the music21 exporter is missing (it lives in the repository's scripts/, which the npm package does not ship): render from a clone of the repository`);
  }
  const python = music21Python();
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l.trim()) log?.(l);
    });
    child.on('error', (e) => reject(new A2mError(`${python}: cannot run the music21 exporter (${(e as NodeJS.ErrnoException).code ?? e.message}): create the project venv with npm install, or set A2M_PYTHON`, { cause: e })));
    child.on('close', (c, signal) => resolve({ code: c ?? (signal ? 128 : -1), stderr: err }));
  });
  const last = stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? 'no message';
  const message = last.replace(/^music21-export: /, '');
  if (code === EXIT_NO_MUSIC21) throw new A2mError(`music21 is missing: ${message}`);
  if (code === EXIT_RESERVED) throw new A2mError(message);
  if (code !== 0) throw new A2mError(`${MUSIC21_SCRIPT} failed (exit ${code}): ${message}`);
  const manifest = await readManifest(dir);
  if (!manifest) throw new A2mError(`${path.join(dir, 'manifest.json')}: the music21 exporter wrote no readable manifest`);
  return manifest;
}

/** One line for the CSV header: where the piece comes from and how it was played. */
export function describeMusic21(p: Music21Piece): string {
  return [
    `music21 ${p.source}${p.tune !== null ? ` tune ${p.tune}` : ''}, excerpt ${p.excerpt + 1} of ${p.excerpts}`,
    p.pedal ? 'sustain pedal (a note lasts until key and pedal are up)' : 'no pedal',
    `transposed ${p.transpose >= 0 ? '+' : ''}${p.transpose}`,
    `base tempo quarter = ${p.quarter_bpm}`,
    ...(p.accompaniment ? [`accompaniment generated on ${p.accompaniment}`] : []),
    ...(p.reserved ? ['reserved folder: evaluation only'] : []),
  ].join('; ');
}
