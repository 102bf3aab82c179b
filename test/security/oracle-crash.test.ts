/**
 * A corrupt .tflite segfaults TensorFlow's tf.lite.Interpreter, killing the
 * Python oracle process. The crash, with its signal, is that artifact's error
 * only: the other artifacts' oracle rows still run (in a fresh process), and
 * an ordinary Python error stays an ordinary per-artifact error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportModel } from '../../src/export/export.js';
import { hasOracles, runOracles, type OracleJob } from '../../src/verify/oracles.js';
import type { ArtifactRun } from '../../src/verify/run-artifact.js';
import { randomizedModel, testInput } from '../helpers/models.js';
import { tempDir } from '../bundle/helpers.js';

test('oracles: a segfaulting artifact is reported with its signal, the others still run', { skip: !hasOracles() && 'no Python venv (.venv)' }, async (t) => {
  const dir = tempDir(t, 'a2m-oracle-crash-');
  const model = await randomizedModel('tiny');
  t.after(() => model.dispose());
  await exportModel(model, { formats: ['onnx', 'tflite'], precisions: ['fp32'], out: dir, batch: 1 });
  // Cut to its first kilobyte, tf.lite.Interpreter reads past the end and dies of SIGSEGV (checked by hand: exit 139).
  writeFileSync(path.join(dir, 'bad.tflite'), readFileSync(path.join(dir, 'model.tflite')).subarray(0, 1000));
  copyFileSync(path.join(dir, 'model.onnx'), path.join(dir, 'copy.onnx'));

  const input = testInput();
  const job = (id: string, format: string, file: string): OracleJob => ({ id, format, file: path.join(dir, file), batch: 1, inputs: [input], inputName: 'samples' });
  // The crash comes first, so nothing after it would have run in the old single process.
  const results = await runOracles([
    job('bad', 'tflite', 'bad.tflite'),
    job('onnx', 'onnx', 'model.onnx'),
    job('missing', 'onnx', 'missing.onnx'),
    job('copy', 'onnx', 'copy.onnx'),
  ]);

  const bad = results.get('bad')!;
  assert.ok('error' in bad, 'the corrupt tflite has an error');
  assert.match(bad.error, /^oracle\.py crashed on this artifact: killed by SIGSEGV/);

  const missing = results.get('missing')!;
  assert.ok('error' in missing, 'a missing file is an error');
  assert.doesNotMatch(missing.error, /crashed|killed/, 'a Python exception is not a crash');
  assert.match(missing.error, /NoSuchFile|No such file|missing\.onnx/);

  const expected = await model.predict(input);
  for (const id of ['onnx', 'copy']) {
    const r = results.get(id)!;
    assert.ok(!('error' in r), `${id} ran: ${'error' in r ? r.error : ''}`);
    const run = r as ArtifactRun;
    assert.match(run.runtime, /onnxruntime .* \(Python, CPU\)/);
    const probs = run.outputs[0]!.probs!;
    assert.deepEqual(probs.shape, expected.probs!.shape);
    let worst = 0;
    probs.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - expected.probs!.data[i]!)); });
    assert.ok(worst < 1e-4, `${id}: onnxruntime's probs match the canonical model (max abs ${worst})`);
  }
});
