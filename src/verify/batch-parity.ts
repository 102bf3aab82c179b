/**
 * Batch parity: a dynamic-batch artifact (export.json `dynamicBatch`, a
 * converter that writes a free dim 0) run at several batch sizes in its
 * runtime, each output row judged against the golden's batch-1 canonical
 * outputs with the precision's tensor tolerance. The golden cases are cycled
 * to fill every row of a batch (no padding rows), so batch 8 on 3 cases
 * compares 8 windows. A kernel that mixes rows, or a shape pinned to batch 1
 * somewhere inside the file, shows here and not in the batch-1 rows.
 */
import type { Precision } from '../../converters/types.js';
import type { HostTensor } from '../ir/tensor.js';
import { goldenWindows, type Golden } from './golden.js';
import { ErrorAccumulator } from './metrics.js';
import type { ArtifactRun } from './run-artifact.js';
import type { PrecisionTolerance } from './tolerances.js';
import { finiteOrNull } from './report.js';

/** The batch sizes verify checks (#21): 1, an odd size that is no power of two, and 8. */
export const PARITY_BATCHES = [1, 3, 8] as const;

export interface BatchParityRow {
  format: string;
  precision: Precision;
  artifact: string;
  /** The runtime that ran it (a Python oracle's name when `oracle`). */
  runtime: string;
  oracle: boolean;
  batch: number;
  /** max |got - ref| over every output and row (null when not finite or not run). */
  maxAbsError: number | null;
  /** Elements beyond atol + rtol·|ref|. */
  beyond: number;
  /** pass: within tolerance (or the precision only reports tensors); fail; error: it did not run. */
  status: 'pass' | 'fail' | 'error';
  /** How the runtime ran the batch when not as one call, or the error. */
  note?: string;
}

/** `inputs` cycled to whole batches: every row of every call is a golden window (none is padding). */
export function cycledInputs(inputs: readonly HostTensor[], batch: number): HostTensor[] {
  const n = Math.ceil(inputs.length / batch) * batch;
  return Array.from({ length: n }, (_, i) => inputs[i % inputs.length]!);
}

/** Judges a run over cycledInputs(golden windows, batch): row i against golden window i mod windows (goldenWindows: a batched case gives its rows). */
export function judgeBatch(id: Omit<BatchParityRow, 'maxAbsError' | 'beyond' | 'status' | 'runtime'>, run: ArtifactRun, golden: Golden, tol: PrecisionTolerance): BatchParityRow {
  const acc = new ErrorAccumulator(tol.atol, tol.rtol);
  let problem: string | null = null;
  const windows = goldenWindows(golden);
  run.outputs.forEach((outs, i) => {
    const c = windows[i % windows.length]!;
    for (const name of golden.outputs) {
      const got = outs[name], ref = c.outputs[name]!;
      if (!got || got.shape.join() !== ref.shape.join()) { problem ??= `${name}: ${got ? `shape [${got.shape}]` : 'missing'}, expected [${ref.shape}]`; continue; }
      acc.add(ref.data, got.data);
    }
  });
  const r = acc.result();
  if (problem) return { ...id, runtime: run.runtime, maxAbsError: null, beyond: r.beyond, status: 'error', note: problem };
  const ok = r.beyond === 0 || !tol.tensors;
  return { ...id, runtime: run.runtime, maxAbsError: finiteOrNull(r.maxAbs), beyond: r.beyond, status: ok ? 'pass' : 'fail' };
}

/** The parity rows as a markdown table: one line per format x precision x runtime, a column per batch. */
export function batchParityTable(rows: readonly BatchParityRow[]): string {
  const batches = [...new Set(rows.map((r) => r.batch))].sort((a, b) => a - b);
  const key = (r: BatchParityRow) => `${r.format}\0${r.precision}\0${r.runtime}`;
  const groups = new Map<string, BatchParityRow[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const cell = (r: BatchParityRow | undefined) => !r ? '—' : r.status === 'error' ? `error: ${r.note ?? ''}` : `${r.maxAbsError === null ? 'not finite' : r.maxAbsError.toExponential(1)}${r.status === 'fail' ? ` FAIL (${r.beyond} beyond)` : ''}`;
  const lines = [`| format | precision | runtime | ${batches.map((b) => `batch ${b}`).join(' | ')} |`, `| --- | --- | --- | ${batches.map(() => '---').join(' | ')} |`];
  for (const g of groups.values()) {
    const notes = [...new Set(g.map((r) => r.note).filter((n) => n && g.every((x) => x.status !== 'error')))];
    lines.push(`| ${g[0]!.format} | ${g[0]!.precision} | ${g[0]!.runtime}${notes.length ? ` (${notes.join('; ')})` : ''} | ${batches.map((b) => cell(g.find((r) => r.batch === b))).join(' | ')} |`);
  }
  return lines.join('\n');
}
