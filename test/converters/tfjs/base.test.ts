/** The base preset (11.6 M parameters, 859 IR nodes), once: export time, shard sizes, parity in tfjs-node. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomizedModel, testInput } from '../../helpers/models.js';
import tfjsRuntime from '../../../src/runtimes/tfjs-graph.js';
import { SHARD_BYTES, type GraphModelJson } from '../../../converters/tfjs/format.js';
import { assertParity, exportTfjs, tempDir } from './helpers.js';

// Same float32 kernels as the canonical model (measured max error 0).
const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;
// Catches pathological regressions only (measured 0.7 s quiet, 1.9 s at load 20 on 2 cores); the issue's
// 5 s all-format budget belongs to the benchmark on a quiet machine, not to a test on a shared one.
const EXPORT_BUDGET_MS = 15_000;

const tmp = tempDir('base');
after(tmp.cleanup);

test('base preset: export time, 4 MiB shards, parity with model.predict in tfjs-node', async (t) => {
  // std 0.05 as the forward test does for base: 21 deep blocks at 0.2 would saturate the outputs.
  const m = await randomizedModel('base', 7, 0.05);
  const x = testInput(5);
  const ref = await m.predict(x);
  const g = await m.graph(1);
  m.dispose();
  const t0 = performance.now();
  const dir = await exportTfjs(g, tmp.dir);
  const exportMs = performance.now() - t0;
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as GraphModelJson;
  const sizes = json.weightsManifest[0]!.paths.map((s) => statSync(path.join(dir, s)).size);
  for (const s of sizes) assert.ok(s <= SHARD_BYTES);
  const t1 = performance.now();
  const session = await tfjsRuntime.load(dir);
  const loadMs = performance.now() - t1;
  const t2 = performance.now();
  const got = await session.run({ samples: x });
  const runMs = performance.now() - t2;
  await session.dispose();
  const errs = assertParity('base fp32', ref, got, FP32_ATOL, FP32_RTOL);
  const total = sizes.reduce((a, b) => a + b, 0);
  t.diagnostic(`base: export ${exportMs.toFixed(0)} ms; ${json.modelTopology.node.length} TF nodes; model.json ${statSync(path.join(dir, 'model.json')).size} B; weights ${total} B in ${sizes.length} shards; load ${loadMs.toFixed(0)} ms, run ${runMs.toFixed(0)} ms; max abs error ${JSON.stringify(errs)}`);
  assert.ok(exportMs < EXPORT_BUDGET_MS, `export took ${exportMs} ms`);
});
