/**
 * What makes coreml-ref a credible judge: it reads the Core ML package Apple's
 * converter made for Basic Pitch and computes what ONNX Runtime computes from
 * Spotify's ONNX export of the same network, on the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readPackage } from '../../../converters/coreml/package.js';
import { ARRAY_DTYPE } from '../../../converters/coreml/format.js';
import coremlRef, { loadMlPackage } from '../../../src/runtimes/coreml-ref/index.js';
import { hasReference, referenceDir } from '../../../src/util/paths.js';
import { diffTensor } from '../../../fixtures/compare.js';

const BP = path.join(referenceDir, 'basic-pitch');
/** The evaluator against ONNX Runtime on Basic Pitch (issue 6 asks for 1e-4; measured ~1e-6). */
const BP_EVALUATOR_VS_ORT_ATOL = 1e-4;
const SAMPLES = 43844; // Basic Pitch: 2 s at 22050 Hz minus its overlap

/** Deterministic audio: two tones and a bit of noise. */
function audio(): Float32Array {
  const x = new Float32Array(SAMPLES);
  let s = 12345;
  for (let i = 0; i < SAMPLES; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / 22050) + 0.3 * Math.sin((2 * Math.PI * 110 * i) / 22050) + 0.05 * (s / 2147483648 - 0.5);
  }
  return x;
}

test('our reader parses Apple\'s nmp.mlpackage: spec 6, opset CoreML5, 471 ops', async (t) => {
  if (!hasReference) return t.skip('skipped: ../shared/reference not present');
  const pkg = await readPackage(path.join(BP, 'nmp.mlpackage'));
  const m = pkg.model;
  assert.equal(m.specificationVersion, 6);
  assert.deepEqual(m.description!.input!.map((i) => [i.name, i.type!.multiArrayType!.shape, i.type!.multiArrayType!.dataType]), [['input_2', [1, 43844, 1], ARRAY_DTYPE.FLOAT32]]);
  assert.deepEqual(m.description!.output!.map((o) => [o.name, o.type!.multiArrayType!.shape]), [['Identity', [1, 172, 264]], ['Identity_1', [1, 172, 88]], ['Identity_2', [1, 172, 88]]]);
  assert.equal(m.description!.metadata!.userDefined!['com.github.apple.coremltools.version'], '7.0');
  const plan = await loadMlPackage(path.join(BP, 'nmp.mlpackage'));
  assert.equal(plan.opset, 'CoreML5');
  assert.equal(Object.values(plan.opCounts).reduce((a, b) => a + b, 0), 471);
  assert.equal(plan.opCounts.const, 358);
  assert.equal(plan.opCounts.conv, 32);
  assert.equal(plan.opCounts.pad, 24);
  assert.equal(plan.consts.size, 358);
});

test('coreml-ref runs Apple\'s Basic Pitch package and matches ONNX Runtime on nmp.onnx', async (t) => {
  if (!hasReference) return t.skip('skipped: ../shared/reference not present');
  const x = audio();
  const session = await coremlRef.load(path.join(BP, 'nmp.mlpackage'));
  const ours = await session.run({ input_2: { shape: [1, SAMPLES, 1], data: x } });
  const ortSession = await ort.InferenceSession.create(path.join(BP, 'nmp.onnx'));
  const theirs = await ortSession.run({ 'serving_default_input_2:0': new ort.Tensor('float32', x, [1, SAMPLES, 1]) });
  // TF's Identity_k is output k of StatefulPartitionedCall: contours (264 bins), notes, onsets.
  for (const [name, ortName] of [['Identity', 'StatefulPartitionedCall:0'], ['Identity_1', 'StatefulPartitionedCall:1'], ['Identity_2', 'StatefulPartitionedCall:2']] as const) {
    const o = theirs[ortName]!;
    const p = diffTensor({ shape: [...o.dims], data: o.data as Float32Array }, ours[name]!, BP_EVALUATOR_VS_ORT_ATOL, 0);
    t.diagnostic(`${name}: max abs ${p.maxAbs.toExponential(2)} (range ${p.spread.toFixed(3)})`);
    assert.ok(p.ok, `${name}: max abs diff ${p.maxAbs} > ${BP_EVALUATOR_VS_ORT_ATOL}`);
    assert.ok(p.spread > 0.05, `${name}: output nearly constant (${p.spread}); the comparison would prove little`);
  }
  await ortSession.release();
});
