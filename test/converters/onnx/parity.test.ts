/** fp32 parity: our ONNX files run in ONNX Runtime (CPU) against the canonical tfjs model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepare, exportAndRun, fmt } from './helpers.js';
import { readOnnx } from '../../../converters/onnx/read.js';

// DESIGN: fp32 exports match the canonical model to atol 1e-4 + rtol 1e-4 (elementwise |a-b| <= atol + rtol*|a|).
const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;

for (const preset of ['tiny', 'tiny-logspec', 'small']) {
  test(`ONNX fp32 ${preset}: ONNX Runtime matches tfjs on every output`, async (t) => {
    const e = await prepare(preset);
    try {
      const r = await exportAndRun(e, `${preset}.onnx`, { precision: 'fp32', metadata: { tool_version: '9.9.9-test' } }, FP32_ATOL, FP32_RTOL);
      t.diagnostic(`${preset}: export ${r.exportMs.toFixed(0)} ms; ${fmt(r.diffs)}`);
      assert.deepEqual(Object.keys(r.out).sort(), Object.keys(e.ref).sort(), 'outputs by public name');
      for (const [k, d] of Object.entries(r.diffs)) {
        assert.equal(d.beyond, 0, `${preset} ${k}: ${d.beyond} elements beyond atol ${FP32_ATOL} + rtol ${FP32_RTOL} (max abs ${d.maxAbs})`);
        assert.ok(d.spread > 1e-3, `${preset} ${k}: reference is nearly constant, the comparison would prove nothing`);
      }
      const s = await readOnnx(r.paths[0]!);
      assert.equal(s.irVersion, 8);
      assert.deepEqual(s.opsets, [{ domain: '', version: 17 }]);
      assert.equal(s.producer.name, 'audio-to-midi');
      assert.equal(s.producer.version, '9.9.9-test');
      assert.equal(s.metadata.preset, preset);
      assert.equal(s.metadata.precision, 'fp32');
      assert.deepEqual(s.inputs, [{ name: 'samples', elemType: 'float', shape: [1, 2, 80000] }]);
      assert.deepEqual(s.outputs.map((o) => o.name), ['logits', 'probs', 'onset_logits', 'onset_probs', 'velocity']);
      assert.ok(s.opTypes.LayerNormalization! > 0 && !('Gelu' in s.opTypes), 'opset 17: native LayerNormalization, Gelu decomposed');
    } finally {
      await e.cleanup();
    }
  });
}

test('ONNX fp32 tiny at opset 20 uses the native Gelu (IR 9) and still matches', async (t) => {
  const e = await prepare('tiny');
  try {
    const r = await exportAndRun(e, 'tiny20.onnx', { precision: 'fp32', opset: 20 }, FP32_ATOL, FP32_RTOL);
    t.diagnostic(fmt(r.diffs));
    for (const [k, d] of Object.entries(r.diffs)) assert.equal(d.beyond, 0, `${k}: max abs ${d.maxAbs}`);
    const s = await readOnnx(r.paths[0]!);
    assert.equal(s.irVersion, 9);
    assert.ok(s.opTypes.Gelu! > 0 && !('Tanh' in s.opTypes));
  } finally {
    await e.cleanup();
  }
});
