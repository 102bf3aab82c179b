/**
 * The verify report: what `a2m verify --json` writes. The shape is a public
 * contract (users' CI parses it): REPORT_SCHEMA in report-schema.ts is its
 * JSON Schema, docs/verify.md documents it, and a test proves both agree with
 * what verify writes. Adding a field keeps `version`; renaming, removing or
 * changing the meaning of one bumps it.
 */
import type { BatchParityRow } from './batch-parity.js';
import type { Precision } from '../../converters/types.js';
import type { Tolerances } from './tolerances.js';

export const REPORT_SCHEMA_NAME = 'a2m-verify-report';
export const REPORT_VERSION = 1;

export type RowStatus = 'pass' | 'fail' | 'error';

export interface OutputResult {
  name: string;
  /** null when not finite (NaN / Infinity do not exist in JSON). */
  maxAbs: number | null;
  maxRel: number | null;
  meanAbs: number | null;
  cosine: number | null;
  /** Percent of elements beyond atol + rtol·|ref| (or not finite). */
  pctBeyond: number;
  nonFinite: number;
  withinTolerance: boolean;
}

export interface CaseNotes {
  case: string;
  goldenNotes: number;
  notes: number;
  f1: number;
  exact: boolean;
  /** Only when not exact: whether every differing note comes from values within the tolerance (a tie at a decision threshold; not a failure). */
  withinTolerance?: boolean;
}

export interface NotesResult {
  /** Onset F1 pooled over every case. */
  f1: number;
  /** Every case decoded to exactly the canonical notes. */
  exact: boolean;
  cases: CaseNotes[];
}

export interface BisectNode {
  name: string;
  op: string;
  inputs: { name: string; shape: number[]; kind: 'input' | 'constant' | 'node' }[];
  outputShape: number[];
}

export interface BisectReport {
  status: 'found' | 'not-found' | 'error';
  message: string;
  /** The golden case the search ran on (the one with the largest error). */
  case: string;
  /** The first node whose output diverges while its inputs agree. */
  node: BisectNode | null;
  /** That node's error: max |d|, max |ref|, and their ratio (what the threshold judges). */
  error: { maxAbs: number | null; maxRef: number; relative: number | null } | null;
  threshold: number;
  /** Probe exports built and intermediate values compared. */
  exports: number;
  probes: number;
  seconds: number;
}

export interface ResultRow {
  format: string;
  precision: Precision;
  /** Relative to the export folder. */
  artifact: string;
  runtime: string;
  /** A Python second opinion (tf.lite.Interpreter, tf.saved_model.load, onnxruntime) rather than the format's Node runtime. */
  oracle: boolean;
  status: RowStatus;
  /** Every failed check, one line each (empty when passing). */
  failures: string[];
  /** Why the artifact could not be run (status "error"). */
  error: string | null;
  bytes: number | null;
  latencyMs: { load: number; firstWindow: number; medianWindow: number } | null;
  outputs: OutputResult[];
  notes: NotesResult | null;
  bisect: BisectReport | null;
}

export interface VerifyReport {
  schema: typeof REPORT_SCHEMA_NAME;
  version: typeof REPORT_VERSION;
  tool: 'audio-to-midi';
  toolVersion: string;
  passed: boolean;
  exportDir: string;
  export: { preset: string; modelSha256: string; batch: number };
  golden: { dir: string | null; modelSha256: string; producedBy: string; cases: string[] };
  tolerances: Tolerances;
  summary: { rows: number; passed: number; failed: number; errors: number };
  results: ResultRow[];
  /** Dynamic-batch artifacts at PARITY_BATCHES (batch-parity.ts); absent when the export has none. */
  batchParity?: BatchParityRow[];
}

/** JSON has no NaN / Infinity: those become null. */
export const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
