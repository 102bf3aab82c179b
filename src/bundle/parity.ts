/**
 * A bundle's parity: `a2m verify` (src/verify) run on exactly the bundle's
 * files. The bundle is itself an export folder — export.json at its root
 * lists the artifacts, golden/ holds the golden inputs with the canonical
 * model's outputs and notes — so `a2m verify <bundle>` works on it too, and
 * `a2m bundle verify` re-checks without the checkpoint. The stored report
 * (parity.json / parity.md) drops what differs from run to run (latencies,
 * absolute paths) so the same model gives a byte-identical bundle.
 */
import path from 'node:path';
import type { ExportManifest } from '../export/export.js';
import type { Golden } from '../verify/golden.js';
import { verifyExport } from '../verify/verify.js';
import type { VerifyReport } from '../verify/report.js';
import type { Tolerances } from '../verify/tolerances.js';
import type { Artifact } from './targets.js';
import { DYNAMIC_BATCH_FORMATS, type Format } from '../../converters/index.js';

export const EXPORT_FILE = 'export.json';
export const GOLDEN_DIR = 'golden';
export const PARITY_JSON = 'parity.json';
export const PARITY_MD = 'parity.md';

export interface BundleExportInputs {
  toolVersion: string;
  preset: string;
  modelSha256: string;
  input: { name: string; shape: number[] };
  outputs: { name: string; shape: number[] }[];
  artifacts: Artifact[];
  /** The artifacts were written from a batch-polymorphic graph: the formats that can take it say so (verify then checks batches 3 and 8). */
  dynamicBatch?: boolean;
}

/**
 * export.json for the bundle's artifacts (paths relative to the bundle root).
 * `seconds` (export time) is left out: it differs on every build and nothing
 * that reads the manifest needs it.
 */
export function bundleExportManifest(b: BundleExportInputs): Omit<ExportManifest, 'artifacts'> & { artifacts: { format: string; precision: string; path: string }[] } {
  return {
    tool: 'audio-to-midi', toolVersion: b.toolVersion, preset: b.preset, modelSha256: b.modelSha256, batch: 1,
    input: { name: b.input.name, shape: b.input.shape, dtype: 'float32' },
    outputs: b.outputs.map((o) => ({ name: o.name, shape: o.shape, dtype: 'float32' as const })),
    ...(b.dynamicBatch ? { dynamicBatch: true } : {}),
    artifacts: b.artifacts.map((a) => ({
      format: a.format, precision: a.precision, path: a.path,
      ...(b.dynamicBatch && DYNAMIC_BATCH_FORMATS.includes(a.format as Format) ? { dynamicBatch: true } : {}),
    })),
  };
}

export interface BundleParityOptions { oracles?: boolean; tolerances?: Tolerances; onProgress?: (msg: string) => void }

/** Runs `a2m verify` on the bundle folder `dir` against `golden`; returns the report as stored in the bundle. */
export async function verifyBundleParity(dir: string, golden: Golden, o: BundleParityOptions = {}): Promise<VerifyReport> {
  const report = await verifyExport({ exportDir: dir, golden, oracles: o.oracles ?? false, tolerances: o.tolerances, onProgress: o.onProgress });
  return storable(report);
}

/** The report without run-to-run noise: latencies, and the folders' absolute paths (the bundle may be moved). */
export function storable(r: VerifyReport): VerifyReport {
  return {
    ...r,
    exportDir: '.',
    golden: { ...r.golden, dir: r.golden.dir ? GOLDEN_DIR : null },
    results: r.results.map((row) => ({ ...row, latencyMs: null })),
  };
}

/** One line per failing row, for errors. */
export function failureSummary(r: VerifyReport): string {
  return r.results.filter((x) => x.status !== 'pass')
    .map((x) => `${x.artifact} (${x.format} ${x.precision}${x.oracle ? ', Python oracle' : ''}): ${x.failures.join('; ')}`)
    .join(' | ');
}

export const goldenDirOf = (bundle: string) => path.join(bundle, GOLDEN_DIR);
