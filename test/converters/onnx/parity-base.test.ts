/** The base preset (11.6 M parameters, 859 IR nodes), once: fp32 parity in ONNX Runtime and the export time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { prepare, exportAndRun, fmt } from './helpers.js';

const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;
/**
 * Issue 6 allows 5 s for all five formats on base. Alone, the ONNX export takes 0.3-0.8 s here
 * (the diagnostic prints it); the shared 2-core machine makes any tighter bound flaky, so this
 * only catches gross regressions (the first protobufjs-only writer took 1.5-2.7 s unloaded).
 */
// The 5 s all-format budget is a benchmark figure on a quiet machine; here it only
// catches pathological slowness on a shared, loaded one (seen: 5.8 s under load 10).
const BASE_EXPORT_BUDGET_MS = 15_000;

test('ONNX fp32 base: ONNX Runtime matches tfjs; export time within budget', async (t) => {
  const e = await prepare('base');
  try {
    const r = await exportAndRun(e, 'base.onnx', { precision: 'fp32' }, FP32_ATOL, FP32_RTOL);
    const size = (await stat(r.paths[0]!)).size;
    t.diagnostic(`base: export ${r.exportMs.toFixed(0)} ms, ${(size / 2 ** 20).toFixed(1)} MiB; ${fmt(r.diffs)}`);
    for (const [k, d] of Object.entries(r.diffs)) {
      assert.equal(d.beyond, 0, `base ${k}: ${d.beyond} elements beyond tolerance (max abs ${d.maxAbs})`);
      assert.ok(d.spread > 1e-3, `base ${k}: reference is nearly constant`);
    }
    assert.ok(r.exportMs < BASE_EXPORT_BUDGET_MS, `base export took ${r.exportMs.toFixed(0)} ms`);
  } finally {
    await e.cleanup();
  }
});
