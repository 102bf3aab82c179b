/**
 * The export as a web app loads it: tfjs's HTTP loader on the pure-JS `cpu`
 * and the `wasm` backends, each in a child process (no tfjs-node there).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { runOnWebBackend } from '../../../src/runtimes/tfjs-graph.js';
import { A2mError } from '../../../src/errors.js';
import { assertParity, exportTfjs, tempDir } from './helpers.js';

// Other kernels than TensorFlow C (JS loops, XNNPACK), same float32 math: measured 1.9e-6 (cpu), 1.8e-6 (wasm) on tiny.
const WEB_ATOL = 1e-4;
const WEB_RTOL = 1e-4;

const tmp = tempDir('web');
after(tmp.cleanup);
const x = testInput();
const prepared = (async () => {
  const m = await randomizedModel('tiny');
  const ref = await m.predict(x);
  const dir = await exportTfjs(await m.graph(1), tmp.dir);
  m.dispose();
  return { ref, dir };
})();

for (const backend of ['cpu', 'wasm'] as const) {
  test(`tiny export runs on the ${backend} backend and equals model.predict`, async (t) => {
    const { ref, dir } = await prepared;
    const r = await runOnWebBackend(dir, { samples: x }, backend);
    assert.match(r.backend, new RegExp(`tfjs 4\\.\\d+\\.\\d+ ${backend}$`));
    const errs = assertParity(`tiny ${backend}`, ref, r.outputs, WEB_ATOL, WEB_RTOL);
    t.diagnostic(`${r.backend}: load ${r.loadMs.toFixed(0)} ms, run ${r.runMs.toFixed(0)} ms, max abs error ${JSON.stringify(errs)}`);
  });
}

test('a missing shard is a clear error from the web loader too', async () => {
  await assert.rejects(runOnWebBackend(`${tmp.dir}/nowhere`, { samples: x }, 'cpu'), A2mError);
  const { dir } = await prepared;
  const { mkdtempSync, copyFileSync } = await import('node:fs');
  const broken = mkdtempSync(`${tmp.dir}/broken-`);
  copyFileSync(`${dir}/model.json`, `${broken}/model.json`); // no shard beside it
  await assert.rejects(runOnWebBackend(broken, { samples: x }, 'cpu'), (e: unknown) => e instanceof A2mError && /404|shard|fetch/i.test(e.message));
});
