/**
 * Parity holds for initialised models too, not only trained ones: a fresh fp32
 * export of each preset, straight from its seed, passes `verify` at the default
 * tolerance (1e-4) in every runtime. Before the front ends' first bias was given
 * a random init, a silent frame reached LayerNorm as a constant row and each LN
 * scaled the runtime's rounding of log(1 + g·power) by 1/sqrt(eps): the small
 * preset's LiteRT.js export was off by 4.4e-2 (33 % of elements) and ONNX by 2.4e-4.
 *
 * tiny and tiny-logspec run in every format; small (the default model's preset)
 * in ONNX Runtime and LiteRT.js, the two that failed; base (47 MB) is measured in
 * the issue note, too slow for the suite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { exportModel, verify } from '../../src/index.js';
import { tempDir } from '../bundle/helpers.js';

const CASES: { preset: string; formats: string[] }[] = [
  { preset: 'tiny', formats: ['onnx', 'tflite', 'savedmodel', 'coreml', 'tfjs'] },
  { preset: 'tiny-logspec', formats: ['onnx', 'tflite', 'savedmodel', 'coreml', 'tfjs'] },
  { preset: 'small', formats: ['onnx', 'tflite'] },
];

for (const { preset, formats } of CASES) {
  test(`preset:${preset} initialised: fresh fp32 export passes verify in ${formats.join(', ')}`, async (t) => {
    const out = path.join(tempDir(t), preset);
    await exportModel(`preset:${preset}`, { formats, precisions: ['fp32'], out });
    const report = await verify(out, { model: `preset:${preset}`, oracles: false });
    for (const r of report.results) {
      const worst = Math.max(...r.outputs.map((o) => o.maxAbs ?? Infinity));
      t.diagnostic(`${r.format} on ${r.runtime}: ${r.status}, max abs ${worst.toExponential(1)}, notes ${r.notes?.exact ? 'exact' : 'ties within tolerance'}`);
    }
    assert.deepEqual(report.results.map((r) => r.format).sort(), [...formats].sort(), 'a row per format');
    const failed = report.results.filter((r) => r.status !== 'pass');
    assert.deepEqual(failed.map((r) => `${r.format}: ${r.failures.join('; ')}`), [], 'every runtime within 1e-4');
  });
}
