/**
 * Exported backends at reduced precision: each (format, precision) has its own
 * cached artifact, really written at that precision (smaller than fp32) and
 * reused on the next call; the canonical tfjs backend refuses fp16/int8; and
 * `a2m validate --backend tflite --precision fp16` scores a real piece with
 * the fp16 export, close to the canonical fp32 model on the same piece.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Model } from '../../src/model/model.js';
import { loadModel } from '../../src/model/load.js';
import { cachedExport, exportCachePath, makeRunner, PRECISIONS } from '../../src/infer/backends.js';
import { validateDataset, type ValidationReport } from '../../src/eval/validate.js';
import type { EventThresholds } from '../../src/infer/events.js';
import { projectRoot } from '../../src/util/paths.js';

const cache = mkdtempSync(path.join(tmpdir(), 'a2m-backends-precision-'));
process.env.A2M_CACHE_DIR = cache;
after(() => rmSync(cache, { recursive: true, force: true }));

/** One piece (25 s) keeps the CLI run short. */
const FIXTURE_SET = path.join(projectRoot, 'fixtures', 'tiny-set');

test('each precision has its own cached artifact, written at that precision and reused', async () => {
  const model = Model.create('tiny-logspec', 0);
  try {
    const where = await Promise.all(PRECISIONS.map((p) => exportCachePath(model, 'tflite', p)));
    assert.equal(new Set(where.map((w) => w.dir)).size, 1, 'one cache folder per model');
    assert.equal(new Set(where.map((w) => w.rel)).size, PRECISIONS.length, `artifact names: ${where.map((w) => w.rel).join(', ')}`);

    const fp32 = await cachedExport(model, 'tflite', 'fp32');
    const fp16 = await cachedExport(model, 'tflite', 'fp16');
    assert.notEqual(fp16.file, fp32.file);
    // Half the bytes per weight: the precision reached the converter, not just the file name.
    assert.ok(statSync(fp16.file).size < 0.75 * statSync(fp32.file).size, `fp16 ${statSync(fp16.file).size} B vs fp32 ${statSync(fp32.file).size} B`);
    assert.deepEqual(fp16.manifest.artifacts.map((a) => a.precision).sort(), ['fp16', 'fp32']);

    const written = statSync(fp16.file).mtimeMs;
    const again = await cachedExport(model, 'tflite', 'fp16');
    assert.equal(again.file, fp16.file);
    assert.equal(statSync(again.file).mtimeMs, written, 'the second call reuses the cached export');

    const runner = await makeRunner(model, 'tflite', 'fp16');
    assert.match(runner.name, /fp16/);
    await runner.dispose();
    await assert.rejects(makeRunner(model, 'tfjs', 'int8'), /int8 needs an exported backend/);
    await assert.rejects(makeRunner(model, 'onnx', 'fp8' as never), /unknown precision "fp8"/);
  } finally {
    model.dispose();
  }
});

test('a2m validate --backend tflite --precision fp16 reports on a real piece, close to the canonical model', async () => {
  const json = path.join(cache, 'fp16.json');
  const r = await execa(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'validate', FIXTURE_SET,
    '--backend', 'tflite', '--precision', 'fp16', '--no-seed-metrics', '--json', json], { reject: false, env: { A2M_CACHE_DIR: cache } });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^mean\s/m);
  const fp16 = JSON.parse(await readFile(json, 'utf8')) as ValidationReport;
  assert.equal(fp16.pieces.length, 1);
  assert.match(fp16.runtime, /LiteRT.*fp16/i);
  assert.ok(fp16.pieces[0]!.refNotes > 0 && fp16.pieces[0]!.estNotes > 0);

  // The same piece through the canonical fp32 model: fp16 may move a note, not the score.
  const { model, source, state } = await loadModel('default');
  try {
    const canonical = await validateDataset(model, source, await makeRunner(model, 'tfjs'), FIXTURE_SET, {
      thresholds: (state.thresholds ?? {}) as Partial<EventThresholds>, seedMetrics: false, tune: false, breakdown: true,
    });
    assert.ok(Math.abs(fp16.mean.onsetF1 - canonical.mean.onsetF1) <= 0.05, `fp16 onset F1 ${fp16.mean.onsetF1} vs fp32 ${canonical.mean.onsetF1}`);
    // The breakdown re-counts the same mir_eval matching: every axis adds up to the piece's recall, false alarms to its precision.
    const b = canonical.breakdown!, p = canonical.pieces[0]!;
    assert.equal(b.refNotes, p.refNotes);
    for (const { axis, cells } of b.recall) {
      assert.equal(cells.reduce((s, c) => s + c.notes, 0), p.refNotes, axis);
      assert.ok(Math.abs(cells.reduce((s, c) => s + c.hits, 0) / p.refNotes - p.onset.recall) < 1e-12, axis);
    }
    const falseAlarms = Object.values(b.falseAlarms).reduce((s, n) => s + n, 0);
    assert.ok(Math.abs((p.estNotes - falseAlarms) / p.estNotes - p.onset.precision) < 1e-12);
  } finally {
    model.dispose();
  }
});
