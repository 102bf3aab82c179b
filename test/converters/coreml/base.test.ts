/**
 * The base preset (11.6 M parameters, 859 IR nodes) once: export time, package
 * sizes, and fp32 parity of the package run by coreml-ref with tfjs.
 * Slow (~5 s of evaluator CPU): the only base-preset test of this area.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { exportCoreML } from '../../../converters/coreml/index.js';
import coremlRef from '../../../src/runtimes/coreml-ref/index.js';
import { withTempDir } from './helpers.js';
import { diffTensor } from '../../../fixtures/compare.js';

const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;

test('base: fp32 .mlpackage exports, runs in coreml-ref and matches tfjs (atol 1e-4 + rtol 1e-4)', async (t) => {
  // Weight std 0.05 as in test/model/forward.test.ts: larger values saturate 16 layers.
  const m = await randomizedModel('base', 7, 0.05);
  const input = testInput(5);
  const ref = await m.predict(input);
  const graph = await m.graph(1);
  m.dispose();
  await withTempDir(async (dir) => {
    const out = path.join(dir, 'base.mlpackage');
    const cpu0 = process.cpuUsage(), t0 = performance.now();
    const { files, build } = await exportCoreML(graph, out, { precision: 'fp32' });
    const wallMs = performance.now() - t0, cpu = process.cpuUsage(cpu0);
    const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
    t.diagnostic(`base export: ${wallMs.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU; ` +
      `model.mlmodel ${sizes[1]} B, weight.bin ${sizes[2]} B (${build.blobCount} blobs), ${Object.values(build.opCounts).reduce((a, b) => a + b, 0)} MIL ops`);
    const got = await (await coremlRef.load(out)).run({ samples: input });
    for (const k of Object.keys(ref)) {
      const p = diffTensor(ref[k]!, got[k]!, FP32_ATOL, FP32_RTOL);
      t.diagnostic(`${k}: max abs ${p.maxAbs.toExponential(2)}, max rel ${p.maxRel.toExponential(2)}`);
      assert.ok(p.ok, `base ${k}: max abs ${p.maxAbs} (${p.beyond} elements beyond tolerance)`);
      assert.ok(p.spread > 1e-3, `base ${k}: output nearly constant`);
    }
  });
});
