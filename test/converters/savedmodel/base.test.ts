/** The base preset (11.6 M parameters), once: fp32 parity in TensorFlow, export time and file sizes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import savedModel from '../../../converters/savedmodel/index.js';
import runtime from '../../../src/runtimes/tf-savedmodel.js';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { withTempDir } from './helpers.js';
import { diffTensor } from '../../../fixtures/compare.js';

const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;

test('base: fp32 SavedModel run by TensorFlow equals tfjs; export time and sizes', async (t) => {
  // std 0.05 as in test/model/forward.test.ts: 0.2 saturates the 250-layer-deep base network.
  const m = await randomizedModel('base', 7, 0.05);
  const x = testInput();
  const ref = await m.predict(x);
  const graph = await m.graph(1);
  m.dispose();
  await withTempDir(async (dir) => {
    const out = path.join(dir, 'base');
    const t0 = performance.now();
    const files = await savedModel.write(graph, out, { precision: 'fp32' });
    const exportMs = performance.now() - t0;
    const sizes = Object.fromEntries(await Promise.all(files.map(async (f) => [path.relative(out, f), (await stat(f)).size])));
    const session = await runtime.load(out);
    try {
      const got = await session.run({ samples: x });
      const errors: Record<string, number> = {};
      for (const k of Object.keys(ref)) {
        const e = diffTensor(ref[k]!, got[k]!, FP32_ATOL, FP32_RTOL, { name: k });
        errors[k] = e.maxAbs;
        assert.ok(e.ok, `base ${k}: max abs ${e.maxAbs}, ${e.beyond} elements beyond tolerance`);
      }
      t.diagnostic(`base export ${exportMs.toFixed(0)} ms; sizes ${JSON.stringify(sizes)}; max abs ${JSON.stringify(errors)}`);
    } finally {
      await session.dispose();
    }
  });
});
