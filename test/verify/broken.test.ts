/**
 * A deliberately broken export (the A2M_VERIFY_PERTURB hook: one weight
 * nudged, or one op swapped, in the IR graph handed to the converter) fails
 * verify, the CLI exits non-zero, and bisect names the broken node. The same
 * model exported without the hook passes, so the failure is the defect's.
 * tiny-logspec: its outputs depend on the input (the tiny preset's 2-channel
 * stem hardly does), so the golden cases differ.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { sparseCheckpoint } from './helpers.js';
import { schemaErrors } from './schema.js';
import { buildGolden, writeGolden, type Golden } from '../../src/verify/golden.js';
import { verifyExport } from '../../src/verify/verify.js';
import { exportPerturbed, parsePerturbation, PERTURB_ENV } from '../../src/verify/perturb.js';
import { exportModel } from '../../src/export/export.js';
import { projectRoot } from '../../src/util/paths.js';
import type { VerifyReport } from '../../src/verify/report.js';

/** Two cases keep this file cheap: one rendered clip, one synthetic. */
const CASES = ['melody', 'white-noise'];
const WEIGHT_NODE = 'layer0/ffn/up/dense';
const SWAP_NODE = 'layer1/ffn/gelu';

let ck: Awaited<ReturnType<typeof sparseCheckpoint>>;
let golden: Golden;
let goldenDir: string;

before(async () => {
  ck = await sparseCheckpoint('tiny-logspec');
  golden = await buildGolden(ck.loaded, { cases: CASES });
  goldenDir = path.join(ck.dir, 'golden');
  await writeGolden(goldenDir, golden);
});
after(async () => { await ck?.cleanup(); });

/** Runs `fn` with A2M_VERIFY_PERTURB set (bisect's probe exports read it), restoring it after. */
async function withPerturbEnv<T>(spec: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env[PERTURB_ENV];
  process.env[PERTURB_ENV] = spec;
  try { return await fn(); } finally { if (saved === undefined) delete process.env[PERTURB_ENV]; else process.env[PERTURB_ENV] = saved; }
}

test('one nudged weight: verify fails the ONNX export, bisect names the node; the clean export passes', async (t) => {
  const clean = await verifyExport({ exportDir: await exportClean('onnx'), golden, oracles: false });
  assert.equal(clean.passed, true, clean.results[0]!.failures.join('; '));

  const spec = `onnx/weight:${WEIGHT_NODE}`;
  const dir = path.join(ck.dir, 'broken-onnx');
  await exportPerturbed(ck.loaded.model, { formats: ['onnx'], precisions: ['fp32'], out: dir }, parsePerturbation(spec));
  const rep = await withPerturbEnv(spec, () => verifyExport({ exportDir: dir, golden, oracles: false, bisect: true, model: ck.loaded.model }));
  const row = rep.results[0]!;
  t.diagnostic(`${row.failures.join('; ')} | ${row.bisect?.message}`);
  assert.equal(rep.passed, false);
  assert.equal(row.status, 'fail');
  assert.ok(row.failures.some((f) => /beyond/.test(f)), 'tensor tolerance failure reported');
  assert.equal(row.bisect?.status, 'found', row.bisect?.message ?? 'no bisect');
  assert.equal(row.bisect!.node!.name, WEIGHT_NODE);
  assert.equal(row.bisect!.node!.op, 'Dense');
  assert.ok(row.bisect!.error!.relative! > rep.tolerances.fp32.bisect);
  assert.deepEqual(schemaErrors(rep), []);
});

test('one swapped op (Gelu -> Sigmoid) in TFLite: bisect names it in LiteRT', async () => {
  const spec = `tflite/swap:${SWAP_NODE}:Sigmoid`;
  const dir = path.join(ck.dir, 'broken-tflite');
  await exportPerturbed(ck.loaded.model, { formats: ['tflite'], precisions: ['fp32'], out: dir }, parsePerturbation(spec));
  const rep = await withPerturbEnv(spec, () => verifyExport({ exportDir: dir, golden, oracles: false, bisect: true, model: ck.loaded.model }));
  const row = rep.results[0]!;
  assert.equal(row.status, 'fail');
  assert.equal(row.bisect?.status, 'found', row.bisect?.message ?? 'no bisect');
  assert.deepEqual([row.bisect!.node!.name, row.bisect!.node!.op], [SWAP_NODE, 'Gelu']);
});

test('CLI: `a2m verify --bisect` exits 1, prints the node, writes a schema-valid JSON report', async () => {
  const spec = `onnx/weight:${WEIGHT_NODE}`;
  const json = path.join(ck.dir, 'report.json'), md = path.join(ck.dir, 'report.md');
  const r = await execa(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'verify', path.join(ck.dir, 'broken-onnx'), '--golden', goldenDir,
    '--model', ck.checkpoint, '--bisect', '--no-oracles', '--quiet', '--json', json, '--markdown', md], { reject: false, env: { [PERTURB_ENV]: spec } });
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stdout, /FAIL/);
  assert.ok(r.stdout.includes(WEIGHT_NODE), r.stdout);
  const rep = JSON.parse(await readFile(json, 'utf8')) as VerifyReport;
  assert.deepEqual(schemaErrors(rep), []);
  assert.equal(rep.results[0]!.bisect!.node!.name, WEIGHT_NODE);
  assert.ok((await readFile(md, 'utf8')).includes(WEIGHT_NODE));
});

async function exportClean(format: string): Promise<string> {
  const dir = path.join(ck.dir, `clean-${format}`);
  await exportModel(ck.loaded.model, { formats: [format], precisions: ['fp32'], out: dir });
  return dir;
}
