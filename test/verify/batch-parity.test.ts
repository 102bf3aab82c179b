/**
 * verify's batch parity (#21): a dynamic-batch export of a sparse tiny model,
 * every artifact that writes a free batch run at batch 1, 3 and 8 in its own
 * runtime (and, with the venv, its Python oracle: tf.lite.Interpreter resizes
 * the .tflite), every row within fp32 tolerance of the batch-1 golden; Core ML
 * (enumerated batches 1..8) in coreml-ref among them. The report validates against its
 * schema and prints the table; a static export gets no parity section.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sparseCheckpoint } from './helpers.js';
import { schemaErrors } from './schema.js';
import { buildGolden, type Golden } from '../../src/verify/golden.js';
import { verifyExport } from '../../src/verify/verify.js';
import { formatMarkdown } from '../../src/verify/format-report.js';
import { PARITY_BATCHES, batchParityTable } from '../../src/verify/batch-parity.js';
import { exportModel } from '../../src/export/export.js';
import { DYNAMIC_BATCH_FORMATS, FORMATS } from '../../converters/index.js';
import { venvPython } from '../../src/util/paths.js';

// batch-3 (a batched golden case: melody, chords, runs) makes every dynamic-batch artifact's main row run it in one call at batch 3.
const CASES = ['melody', 'silence', 'white-noise', 'batch-3'];
let ck: Awaited<ReturnType<typeof sparseCheckpoint>>;
let golden: Golden;

before(async () => {
  ck = await sparseCheckpoint('tiny');
  golden = await buildGolden(ck.loaded, { cases: CASES });
});
after(() => ck.cleanup());

test('a dynamic-batch export passes batch parity at 1, 3 and 8 in every runtime', { timeout: 900_000 }, async () => {
  const exportDir = path.join(ck.dir, 'dynamic');
  await exportModel(ck.loaded.model, { formats: [...FORMATS], precisions: ['fp32'], out: exportDir, batch: 'dynamic' });
  const oracles = existsSync(venvPython);
  const report = await verifyExport({ exportDir, golden, oracles });
  assert.deepEqual(schemaErrors(report), []);
  const rows = report.batchParity ?? [];
  console.log(batchParityTable(rows));
  for (const format of DYNAMIC_BATCH_FORMATS) {
    for (const batch of PARITY_BATCHES) {
      const r = rows.find((x) => x.format === format && x.batch === batch && !x.oracle);
      assert.ok(r, `${format} batch ${batch}: no parity row`);
      assert.equal(r.status, 'pass', `${format} batch ${batch}: ${r.status} ${r.note ?? ''} max abs ${r.maxAbsError}`);
    }
  }
  assert.ok(DYNAMIC_BATCH_FORMATS.includes('coreml'), 'Core ML writes its batch free too (enumerated)');
  if (oracles) assert.ok(rows.some((r) => r.oracle && r.format === 'tflite' && r.batch === 8 && r.status === 'pass'), 'tf.lite.Interpreter resizes the .tflite to batch 8');
  for (const r of report.results.filter((x) => !x.oracle)) assert.equal(r.status, 'pass', `${r.format} ${r.runtime}: the golden cases, batch-3 whole, ${r.status} ${r.error ?? r.failures.join('; ')}`);
  assert.ok(report.passed, 'every row passes');
  assert.match(formatMarkdown(report), /## Batch parity/);
});

test('a static export has no batch-parity section', { timeout: 300_000 }, async () => {
  const exportDir = path.join(ck.dir, 'static');
  await exportModel(ck.loaded.model, { formats: ['onnx'], precisions: ['fp32'], out: exportDir });
  const report = await verifyExport({ exportDir, golden, oracles: false });
  assert.equal(report.batchParity, undefined);
  assert.doesNotMatch(formatMarkdown(report), /Batch parity/);
});
