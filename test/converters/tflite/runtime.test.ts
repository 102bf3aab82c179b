/**
 * The LiteRT runtime (src/runtimes/litert.ts): one WASM module shared by all
 * sessions, browser shims removed after loading, clear errors for wrong
 * feeds, missing / corrupted files and dynamic shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Model } from '../../../src/model/model.js';
import { A2mError } from '../../../src/errors.js';
import { hasReference, referenceDir } from '../../../src/util/paths.js';
import { loadRuntime } from '../../../src/runtimes/index.js';
import liteRt, { loadLiteRtModule } from '../../../src/runtimes/litert.js';
import { exportTo, tempDir } from './helpers.js';

const SHIMS = ['self', 'importScripts', 'require', '__dirname', '__filename', 'Module'];
const isA2m = (re: RegExp) => (e: unknown) => e instanceof A2mError && re.test(e.message);

test('LiteRT runtime: shared module, restored globals, concurrent sessions, clear errors', async (t) => {
  const before = SHIMS.map((k) => typeof (globalThis as Record<string, unknown>)[k]);
  const first = loadLiteRtModule();
  assert.equal(loadLiteRtModule(), first, 'one load per process');
  await first;
  assert.deepEqual(SHIMS.map((k) => typeof (globalThis as Record<string, unknown>)[k]), before, 'browser shims removed after loading');
  assert.equal(await loadRuntime('tflite'), liteRt, 'registered as the tflite runtime');
  assert.match(liteRt.name, /^LiteRT\.js \d+\.\d+\.\d+/);

  const model = Model.create('tiny', 0);
  const graph = await model.graph(1);
  model.dispose();
  const dir = tempDir(t);
  const { file } = exportTo(dir, graph, { precision: 'fp32' });
  const samples = { shape: [1, 2, 80000], data: new Float32Array(160000).map((_, i) => Math.sin(i / 7)) };

  const [a, b] = await Promise.all([liteRt.load(file), liteRt.load(file)]);
  const [ra, rb] = await Promise.all([a.run({ samples }), b.run({ samples })]);
  assert.deepEqual(Object.keys(ra), ['logits', 'probs', 'onset_logits', 'onset_probs', 'velocity']);
  assert.deepEqual(ra.logits!.shape, [1, 250, 90]);
  assert.deepEqual(ra.logits!.data, rb.logits!.data, 'two sessions on one module give identical results');
  const again = await a.run({ samples });
  assert.deepEqual(again.probs!.data, ra.probs!.data, 'outputs are copies, stable across runs');

  await assert.rejects(a.run({ audio: samples }), isA2m(/inputs are \[samples\]; got \[audio\]/));
  await assert.rejects(a.run({ samples: { shape: [1, 2, 16000], data: new Float32Array(32000) } }), isA2m(/input samples has static shape \[1,2,80000\]; got \[1,2,16000\]/));
  await assert.rejects(a.run({ samples: { shape: [1, 2, 80000], data: new Float32Array(10) } }), isA2m(/has 10 values for shape/));
  a.dispose();
  b.dispose();
  a.dispose(); // idempotent

  await assert.rejects(liteRt.load(path.join(dir, 'missing.tflite')), isA2m(/missing\.tflite: no such TFLite model file/));
  const junk = path.join(dir, 'junk.tflite');
  writeFileSync(junk, new Uint8Array(4096).fill(7));
  await assert.rejects(liteRt.load(junk), isA2m(/junk\.tflite: LiteRT could not load the model/));
  const s = await liteRt.load(file);
  assert.ok((await s.run({ samples })).logits, 'the module still works after a rejected file');
  s.dispose();
});

test('LiteRT runtime rejects dynamic input shapes (the reference nmp.tflite) with a clear error', { skip: hasReference ? false : 'skipped: ../shared/reference not present' }, async () => {
  await assert.rejects(liteRt.load(path.join(referenceDir, 'basic-pitch', 'nmp.tflite')), isA2m(/input input_2 has dynamic shape \[-1,43844,1\]; LiteRT\.js runs static shapes only/));
});
