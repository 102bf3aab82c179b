/**
 * `a2m verify` on a healthy export: every fp32 and fp16 artifact of the tiny
 * preset (randomized weights), each in its own runtime (and the Python oracles
 * when the venv is here), passes against goldens made by `a2m golden`'s code;
 * the report validates against the documented schema.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sparseCheckpoint } from './helpers.js';
import { schemaErrors } from './schema.js';
import { buildGolden, writeGolden, readGolden, type Golden } from '../../src/verify/golden.js';
import { verifyExport } from '../../src/verify/verify.js';
import { formatMarkdown, formatTerminal } from '../../src/verify/format-report.js';
import { exportModel } from '../../src/export/export.js';
import { FORMATS } from '../../converters/index.js';
import { venvPython } from '../../src/util/paths.js';
import { A2mError } from '../../src/errors.js';
import type { VerifyReport } from '../../src/verify/report.js';

/** A rendered clip and the edge cases (the full set's determinism is golden.test.ts's): keeps 16 runtime rows cheap. */
const CASES = ['melody', 'silence', 'loud-clipped', 'white-noise'];

let ck: Awaited<ReturnType<typeof sparseCheckpoint>>;
let golden: Golden;
let exportDir: string;
let report: VerifyReport;

before(async () => {
  ck = await sparseCheckpoint('tiny');
  await writeGolden(path.join(ck.dir, 'golden'), await buildGolden(ck.loaded, { cases: CASES }));
  golden = await readGolden(path.join(ck.dir, 'golden'));
  exportDir = path.join(ck.dir, 'export');
  await exportModel(ck.loaded.model, { formats: [...FORMATS], precisions: ['fp32', 'fp16'], out: exportDir });
  report = await verifyExport({ exportDir, golden, oracles: existsSync(venvPython) });
});
after(async () => { await ck?.cleanup(); });

test('every fp32 and fp16 export of tiny passes in its own runtime', (t) => {
  for (const line of formatTerminal(report).trimEnd().split('\n')) t.diagnostic(line);
  for (const f of FORMATS) for (const p of ['fp32', 'fp16']) {
    assert.ok(report.results.some((r) => r.format === f && r.precision === p && !r.oracle), `${f} ${p} has a row`);
  }
  for (const r of report.results) {
    assert.equal(r.status, 'pass', `${r.format} ${r.precision} on ${r.runtime}: ${r.failures.join('; ')}`);
    assert.deepEqual(r.outputs.map((o) => o.name), golden.outputs, 'every output compared');
    assert.equal(r.notes!.cases.length, golden.cases.length);
    assert.ok(r.latencyMs!.medianWindow > 0 && r.bytes! > 0);
    if (r.precision === 'fp32') {
      assert.ok(r.notes!.exact, 'fp32: identical notes');
      for (const o of r.outputs) assert.ok(o.maxAbs! <= 1e-4 && o.cosine! > 0.999999, `${r.format} ${o.name}: ${o.maxAbs} ${o.cosine}`);
    } else {
      // fp16 is not bit-exact: a row that reports zero error would mean the fp16 artifact was never run.
      assert.ok(r.outputs.some((o) => o.maxAbs! > 1e-5), `${r.format} fp16 should differ from fp32 a little`);
    }
  }
  assert.equal(report.passed, true);
  assert.deepEqual(report.summary, { rows: report.results.length, passed: report.results.length, failed: 0, errors: 0 });
  if (existsSync(venvPython)) {
    assert.deepEqual(new Set(report.results.filter((r) => r.oracle).map((r) => r.format)), new Set(['tflite', 'savedmodel', 'onnx']), 'Python oracle rows');
  } else t.diagnostic('Python oracles skipped: no .venv');
});

test('the report validates against the documented JSON schema; Markdown lists every row', () => {
  assert.deepEqual(schemaErrors(report), []);
  const md = formatMarkdown(report);
  assert.match(md, /^# a2m verify: PASS/);
  assert.equal(md.split('\n').filter((l) => /^\| (savedmodel|tflite|onnx|coreml|tfjs) \|/.test(l)).length, report.results.length);
  // The validator is not vacuous: a wrong type is caught.
  assert.notDeepEqual(schemaErrors({ ...report, results: [{ ...report.results[0], status: 'ok' }] }), []);
});

test('goldens of another model are refused with a message naming both models', async () => {
  const other: Golden = { ...golden, model: { ...golden.model, sha256: 'f'.repeat(64) } };
  await assert.rejects(verifyExport({ exportDir, golden: other, oracles: false }), (e: Error) => e instanceof A2mError && /is not the golden's model ffffffffffff/.test(e.message) && e.message.includes('export.json'));
});

test('a batch-2 export is fed the cases in pairs (the odd one padded with silence) and passes', async () => {
  const dir = path.join(ck.dir, 'export-b2');
  await exportModel(ck.loaded.model, { formats: ['onnx'], precisions: ['fp32'], out: dir, batch: 2 });
  const rep = await verifyExport({ exportDir: dir, golden, oracles: false });
  assert.equal(rep.export.batch, 2);
  assert.equal(golden.cases.length % 2, 0, 'precondition: use an odd subset below');
  const odd: Golden = { ...golden, cases: golden.cases.slice(0, 3) };
  const repOdd = await verifyExport({ exportDir: dir, golden: odd, oracles: false });
  for (const r of [...rep.results, ...repOdd.results]) assert.equal(r.status, 'pass', r.failures.join('; '));
  assert.equal(repOdd.results[0]!.notes!.cases.length, 3);
});
