/**
 * `a2m bundle verify <dir>`: re-checks a bundle where it lies — every file
 * against manifest.json (missing, changed, unlisted), then every artifact in
 * its runtime against the canonical outputs stored in parity/ (no checkpoint
 * needed), and, when a model is given, that the bundle was made from it.
 * Reports every problem at once.
 */
import { ConfinedRoot } from '../util/confine.js';
import path from 'node:path';
import { A2mError } from '../errors.js';
import type { Model } from '../model/model.js';
import { modelHash } from '../export/export.js';
import { readGolden } from '../verify/golden.js';
import type { VerifyReport } from '../verify/report.js';
import type { Tolerances } from '../verify/tolerances.js';
import { BUNDLE_FORMAT, MANIFEST_FILE, checkFiles, type BundleManifest, type ChecksumProblem } from './manifest.js';
import { goldenDirOf, verifyBundleParity } from './parity.js';

export interface BundleVerification {
  dir: string;
  manifest: BundleManifest;
  checksums: ChecksumProblem[];
  /** `a2m verify` on the bundle (absent when parity was not re-run). */
  parity?: VerifyReport;
  /** Set when a model was given and its hash differs from the manifest's. */
  modelMismatch?: string;
  ok: boolean;
}

export interface VerifyOptions { parity?: boolean; oracles?: boolean; tolerances?: Tolerances; model?: Model; onProgress?: (msg: string) => void }

export async function readBundleManifest(dir: string): Promise<BundleManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  const root = await ConfinedRoot.open(dir, 'bundle folder');
  if (!(await root.has(MANIFEST_FILE, file))) throw new A2mError(`${file}: missing (not an a2m bundle folder?)`);
  const m = await root.readJson<BundleManifest>(MANIFEST_FILE, file);
  if (m?.format !== BUNDLE_FORMAT || !Array.isArray(m.files) || !Array.isArray(m.artifacts)) {
    throw new A2mError(`${file}: expected an ${BUNDLE_FORMAT} manifest with files and artifacts`);
  }
  return m;
}

export async function verifyBundle(dir: string, opts: VerifyOptions = {}): Promise<BundleVerification> {
  const manifest = await readBundleManifest(dir);
  const checksums = await checkFiles(dir, manifest);
  const out: BundleVerification = { dir, manifest, checksums, ok: checksums.length === 0 };
  if (opts.model) {
    const sha = await modelHash(opts.model);
    if (sha !== manifest.model.sha256) out.modelMismatch = `the model's sha256 ${sha.slice(0, 12)}… is not the bundle's ${manifest.model.sha256.slice(0, 12)}…`;
  }
  if (opts.parity !== false) {
    // readGolden checks every golden file's sha256 itself: a tampered golden is an error, not a silent pass.
    out.parity = await verifyBundleParity(dir, await readGolden(goldenDirOf(dir)), { oracles: opts.oracles, tolerances: opts.tolerances, onProgress: opts.onProgress });
  }
  out.ok = checksums.length === 0 && !out.modelMismatch && (out.parity?.passed ?? true);
  return out;
}
