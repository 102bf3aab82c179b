/**
 * Writing one IR graph as several format x precision artifacts: the part
 * `export` and `convert` share. Every combination is checked against what
 * each converter declares it writes before anything is written, so a refused
 * combination (Core ML int8) fails the whole request up front instead of
 * leaving half an export behind.
 */
import path from 'node:path';
import { loadConverter, FORMATS } from '../../converters/index.js';
import { PRECISIONS, type Converter, type ExportOptions, type Precision } from '../../converters/types.js';
import type { IrGraph } from '../ir/graph.js';
import { A2mError } from '../errors.js';

/** One artifact to write: its format, precision and file or folder name (relative to the output folder). */
export interface PlannedArtifact { format: string; precision: Precision; path: string; converter: Converter }

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
  for (const f of formats) if (!(FORMATS as readonly string[]).includes(f)) throw new A2mError(`unknown format "${f}" (expected: ${FORMATS.join(', ')})`);
  for (const p of precisions) if (!(PRECISIONS as readonly string[]).includes(p)) throw new A2mError(`unknown precision "${p}" (expected: ${PRECISIONS.join(', ')})`);
  const plan: PlannedArtifact[] = [];
  const refused: string[] = [];
  for (const format of formats) {
    const converter = await loadConverter(format);
    for (const precision of precisions as Precision[]) {
      if (!converter.precisions.includes(precision)) refused.push(`${format} ${precision} (${format} writes ${converter.precisions.join(', ')})`);
      else plan.push({ format, precision, path: artifactName(format, precision, converter.defaultName), converter });
    }
  }
  if (refused.length) throw new A2mError(`nothing written: not supported: ${refused.join('; ')}; drop those formats or precisions`);
  return plan;
}

/** Options every converter gets (each reads its own: `ios` Core ML, `opset` ONNX). */
export type ArtifactOptions = Omit<ExportOptions, 'precision'>;

/** Writes one planned artifact into `dir`; returns its seconds. */
export async function writeArtifact(graph: IrGraph, a: PlannedArtifact, dir: string, opts: ArtifactOptions): Promise<number> {
  const t0 = performance.now();
  await a.converter.write(graph, path.join(dir, a.path), { ...opts, precision: a.precision, metadata: { ...opts.metadata } });
  return (performance.now() - t0) / 1000;
}
