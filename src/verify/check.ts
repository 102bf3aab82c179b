/**
 * Judges one artifact run against the golden: tensor errors per output
 * (pooled over every case), note agreement per case, the precision's
 * tolerances; returns the report row and which case erred most (where
 * bisect should look).
 */
import type { Precision } from '../../converters/types.js';
import type { Golden } from './golden.js';
import { notesFromOutputs } from './golden.js';
import { ErrorAccumulator, notesEqual, onsetF1, pooledOnsetF1 } from './metrics.js';
import type { ArtifactRun } from './run-artifact.js';
import type { PrecisionTolerance } from './tolerances.js';
import { finiteOrNull, type CaseNotes, type OutputResult, type ResultRow } from './report.js';
import type { Note } from '../types.js';
import type { HostTensor } from '../ir/tensor.js';

export interface RowIdentity { format: string; precision: Precision; artifact: string; oracle: boolean; bytes: number | null }

export interface JudgedRow { row: ResultRow; worstCase: number }

const pct = (n: number, of: number) => (of ? (100 * n) / of : 0);
const sci = (v: number | null) => (v === null ? 'not finite' : v.toExponential(2));

export function judgeRun(id: RowIdentity, run: ArtifactRun, golden: Golden, tol: PrecisionTolerance): JudgedRow {
  const failures: string[] = [];
  const outputs: OutputResult[] = [];
  // Per case: max over outputs of |d| / (atol + rtol·|ref|), to pick bisect's case.
  const caseWorst = golden.cases.map(() => 0);
  for (const name of golden.outputs) {
    const acc = new ErrorAccumulator(tol.atol, tol.rtol);
    let missing = false;
    golden.cases.forEach((c, i) => {
      const got = run.outputs[i]?.[name], ref = c.outputs[name]!;
      if (!got || got.shape.join() !== ref.shape.join()) { missing = true; return; }
      acc.add(ref.data, got.data);
      for (let j = 0; j < ref.data.length; j++) {
        const d = Math.abs(got.data[j]! - ref.data[j]!) / (tol.atol + tol.rtol * Math.abs(ref.data[j]!));
        if (!(d <= caseWorst[i]!)) caseWorst[i] = Number.isNaN(d) ? Infinity : d;
      }
    });
    if (missing) {
      const got = run.outputs[0]?.[name];
      failures.push(got ? `${name}: shape [${got.shape}], expected [${golden.cases[0]!.outputs[name]!.shape}]` : `${name}: missing from the artifact's outputs`);
      outputs.push({ name, maxAbs: null, maxRel: null, meanAbs: null, cosine: null, pctBeyond: 100, nonFinite: 0, withinTolerance: false });
      continue;
    }
    const e = acc.result();
    const within = e.beyond === 0;
    outputs.push({
      name, maxAbs: finiteOrNull(e.maxAbs), maxRel: finiteOrNull(e.maxRel), meanAbs: finiteOrNull(e.meanAbs), cosine: finiteOrNull(e.cosine),
      pctBeyond: pct(e.beyond, e.count), nonFinite: e.nonFinite, withinTolerance: within,
    });
    if (e.nonFinite) failures.push(`${name}: ${e.nonFinite} non-finite value(s)`);
    else if (tol.tensors && !within) failures.push(`${name}: ${pct(e.beyond, e.count).toFixed(3)} % of elements beyond ${tol.atol} + ${tol.rtol}·|ref| (max abs ${sci(finiteOrNull(e.maxAbs))})`);
  }

  let notes: ResultRow['notes'] = null;
  const decodable = golden.cases.every((c, i) => c.outputs.probs && run.outputs[i]?.probs?.shape.join() === c.outputs.probs.shape.join());
  if (decodable) {
    const est: Note[][] = run.outputs.map((o) => notesFromOutputs(o, golden.thresholds));
    const cases: CaseNotes[] = golden.cases.map((c, i) => {
      const exact = notesEqual(c.notes, est[i]!);
      const row: CaseNotes = { case: c.name, goldenNotes: c.notes.length, notes: est[i]!.length, f1: onsetF1(c.notes, est[i]!), exact };
      if (!exact) row.withinTolerance = notesEqual(c.notes, notesFromOutputs(snapWithinTolerance(c.outputs, run.outputs[i]!, tol), golden.thresholds));
      return row;
    });
    notes = { f1: pooledOnsetF1(golden.cases.map((c) => c.notes), est), exact: cases.every((c) => c.exact), cases };
    // A difference the tolerance explains (every value that moved a decision is within atol + rtol·|ref| of the
    // canonical one) is a tie at a threshold, not a converter error: judge the notes the tolerance allows.
    const judged = golden.cases.map((c, i) => (cases[i]!.withinTolerance ? c.notes : est[i]!));
    const differ = cases.filter((c) => !c.exact && !c.withinTolerance).map((c) => c.case);
    if (tol.exactNotes && differ.length) failures.push(`notes differ from the canonical notes in ${differ.length} case(s): ${differ.join(', ')}`);
    const judgedF1 = pooledOnsetF1(golden.cases.map((c) => c.notes), judged);
    if (judgedF1 < tol.minNoteF1) failures.push(`note onset F1 ${judgedF1.toFixed(4)} < ${tol.minNoteF1}`);
  } else failures.push('no "probs" output to decode notes from');

  const worstCase = caseWorst.reduce((best, v, i) => (v > caseWorst[best]! ? i : best), 0);
  return {
    worstCase,
    row: {
      ...id, runtime: run.runtime, status: failures.length ? 'fail' : 'pass', failures, error: null,
      latencyMs: { load: run.latency.loadMs, firstWindow: run.latency.firstWindowMs, medianWindow: run.latency.medianWindowMs },
      outputs, notes, bisect: null,
    },
  };
}

/**
 * The artifact's outputs with every value that is within tolerance of the canonical one replaced by the
 * canonical value: what is left are the differences the tolerance does not allow. Decoding these gives the
 * canonical notes exactly when every note difference came from values within tolerance of a threshold.
 */
function snapWithinTolerance(ref: Record<string, HostTensor>, got: Record<string, HostTensor>, tol: PrecisionTolerance): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, g] of Object.entries(got)) {
    const r = ref[name];
    if (!r || r.data.length !== g.data.length) { out[name] = g; continue; }
    const data = Float32Array.from(g.data, (v, j) => (Math.abs(v - r.data[j]!) <= tol.atol + tol.rtol * Math.abs(r.data[j]!) ? r.data[j]! : v));
    out[name] = { shape: g.shape, data };
  }
  return out;
}

/** The row of an artifact that could not be run at all. */
export function errorRow(id: RowIdentity, runtime: string, error: string): ResultRow {
  return { ...id, runtime, status: 'error', failures: [`could not run: ${error}`], error, latencyMs: null, outputs: [], notes: null, bisect: null };
}
