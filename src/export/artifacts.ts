/**
 * Writing one IR graph as several format x precision artifacts: what export,
 * convert, bundle, bisect and the export cache share. It runs in two steps
 * so that nothing is written for a request that cannot be met:
 *   1. `planArtifacts` / `planArtifactList` check every combination against
 *      what each converter declares it writes (a refused combination, Core ML
 *      int8, fails the whole request before any graph is built);
 *   2. `writeArtifacts` writes the plan into a staging folder inside the
 *      output folder, collecting every unsupported op of every target, and
 *      moves the artifacts into place only once all of them were written.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isFormat, loadConverter, FORMATS } from '../../converters/index.js';
import { PRECISIONS, UnsupportedOpsError, type Converter, type ExportOptions, type FormatOptions, type Precision, type UnsupportedOp } from '../../converters/types.js';
import type { IrGraph } from '../ir/graph.js';
import { A2mError } from '../errors.js';

/** One artifact to write: its format, precision and file or folder name (relative to the output folder). */
export interface PlannedArtifact { format: string; precision: Precision; path: string; converter: Converter }

/** An artifact asked for by format and precision; `path` (relative, `/`-separated) defaults to `artifactName`. */
export interface ArtifactSpec { format: string; precision: string; path?: string }

/** `model.onnx` -> `model.fp16.onnx`; a folder `savedmodel` -> `savedmodel_fp16`; fp32 keeps the name. */
export function artifactName(format: string, precision: Precision, defaultName: string): string {
  if (precision === 'fp32') return defaultName;
  const ext = path.extname(defaultName);
  return ext ? `${defaultName.slice(0, -ext.length)}.${precision}${ext}` : `${defaultName}_${precision}`;
}

/** Every format x precision, each checked; all refusals are reported at once. */
export async function planArtifacts(formats: readonly string[], precisions: readonly string[]): Promise<PlannedArtifact[]> {
  if (formats.length === 0) throw new A2mError(`no format given (expected some of: ${FORMATS.join(', ')})`);
  if (precisions.length === 0) throw new A2mError(`no precision given (expected some of: ${PRECISIONS.join(', ')})`);
  return planArtifactList(formats.flatMap((format) => precisions.map((precision) => ({ format, precision }))));
}

/** The given artifacts, in order, each checked; all refusals are reported at once. */
export async function planArtifactList(specs: readonly ArtifactSpec[]): Promise<PlannedArtifact[]> {
  for (const s of specs) {
    if (!isFormat(s.format)) throw new A2mError(`unknown format "${s.format}" (expected: ${FORMATS.join(', ')})`);
    if (!(PRECISIONS as readonly string[]).includes(s.precision)) throw new A2mError(`unknown precision "${s.precision}" (expected: ${PRECISIONS.join(', ')})`);
  }
  const plan: PlannedArtifact[] = [];
  const refused: string[] = [];
  for (const s of specs) {
    const converter = await loadConverter(s.format);
    const precision = s.precision as Precision;
    if (!converter.precisions.includes(precision)) refused.push(`${s.format} ${precision} (${s.format} writes ${converter.precisions.join(', ')})`);
    else plan.push({ format: s.format, precision, path: s.path ?? artifactName(s.format, precision, converter.defaultName), converter });
  }
  if (refused.length) throw new A2mError(`nothing written: not supported: ${[...new Set(refused)].join('; ')}; drop those formats or precisions`);
  const paths = plan.map((a) => a.path);
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup !== undefined) throw new A2mError(`two artifacts would be written to ${dup}`);
  return plan;
}

/** What every converter gets, with each format's own block (`coreml.ios`, `onnx.opset`, `tflite.extraMetadata`). */
export type ArtifactOptions = Omit<ExportOptions, 'precision'>;

/** The per-format blocks of a request (which also holds formats, paths, callbacks): what drivers pass on to the converters. */
export function formatOptionsOf(o: FormatOptions): FormatOptions {
  // `satisfies` makes a block added to FormatOptions a compile error here until it is passed on.
  return { coreml: o.coreml, onnx: o.onnx, tflite: o.tflite } satisfies Record<keyof FormatOptions, unknown>;
}

export interface WriteArtifactsOptions extends ArtifactOptions {
  /** Called before each artifact is written. */
  onProgress?: (msg: string) => void;
}

/** A written artifact: where it is (relative to the output folder), how long it took, how big it is. */
export interface WrittenArtifact { format: string; precision: Precision; path: string; seconds: number; bytes: number }

/**
 * Writes every planned artifact of `graph` into `out`. Nothing lands in `out`
 * unless every artifact was written: they are staged in a folder inside `out`
 * (same file system, so each move is a rename), every target's unsupported ops
 * are reported together, and an artifact already at a path is replaced only
 * once its successor is complete.
 */
export async function writeArtifacts(graph: IrGraph, plan: readonly PlannedArtifact[], out: string, opts: WriteArtifactsOptions = {}): Promise<WrittenArtifact[]> {
  const { onProgress, ...converterOpts } = opts;
  await mkdir(out, { recursive: true });
  const staging = path.join(out, `.a2m-staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  const written: WrittenArtifact[] = [];
  const problems: UnsupportedOp[] = [];
  try {
    for (const a of plan) {
      onProgress?.(`${a.format} ${a.precision} -> ${a.path}`);
      const staged = path.join(staging, ...a.path.split('/'));
      await mkdir(path.dirname(staged), { recursive: true });
      const t0 = performance.now();
      try {
        await a.converter.write(graph, staged, { ...converterOpts, precision: a.precision, metadata: { ...converterOpts.metadata } });
      } catch (e) {
        // Keep going: the report lists what every target lacks, not just the first target's.
        if (e instanceof UnsupportedOpsError) { problems.push(...e.problems); continue; }
        throw e;
      }
      written.push({ format: a.format, precision: a.precision, path: a.path, seconds: (performance.now() - t0) / 1000, bytes: await bytesUnder(staged) });
    }
    if (problems.length) throw new UnsupportedOpsError(problems);
    for (const a of written) await replace(path.join(staging, ...a.path.split('/')), path.join(out, ...a.path.split('/')));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return written;
}

/** Bytes of a file, or of every file under a folder. */
async function bytesUnder(p: string): Promise<number> {
  const s = await stat(p);
  if (!s.isDirectory()) return s.size;
  let n = 0;
  for (const e of await readdir(p)) n += await bytesUnder(path.join(p, e));
  return n;
}

/** Moves `from` onto `to`, replacing what was there only once the move can happen. */
async function replace(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  const old = `${to}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  let moved = false;
  if (existsSync(to)) { await rename(to, old); moved = true; }
  await rename(from, to);
  if (moved) await rm(old, { recursive: true, force: true });
}
