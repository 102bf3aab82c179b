/** fp32 TFLite exports run in LiteRT (the format's runtime) equal the canonical tfjs model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { readTflite } from '../../../converters/tflite/read.js';
import { assertInformative, exportTo, runLiteRt, tempDir } from './helpers.js';
import { assertClose, diffAllOutputs, fmtDiffs } from '../../../fixtures/compare.js';

// The project's fp32 parity bar (DESIGN.md): tfjs-node (TF C kernels) vs LiteRT WASM (XNNPack).
const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;

// small (the default model's preset) is in small.test.ts with its fp16 / int8 exports and the Python oracle.
for (const preset of ['tiny', 'tiny-logspec']) {
  test(`fp32 ${preset}: LiteRT matches tfjs to atol ${FP32_ATOL} + rtol ${FP32_RTOL}`, async (t) => {
    const model = await randomizedModel(preset);
    const x = testInput();
    const ref = await model.predict(x);
    const graph = await model.graph(1);
    model.dispose();
    assertInformative(ref);

    const out = exportTo(tempDir(t), graph, { precision: 'fp32' });
    const summary = readTflite(out.bytes);
    assert.deepEqual(summary.signatureDefs[0]!.outputs.map((o) => o.name), Object.keys(ref), 'signature outputs by public name, in order');
    const got = await runLiteRt(out.file, { samples: x });
    const errors = diffAllOutputs(ref, got, FP32_ATOL, FP32_RTOL);
    t.diagnostic(`${preset}: export ${out.exportMs.toFixed(0)} ms, ${(out.bytes.length / 1e6).toFixed(2)} MB, ` +
      `${summary.subgraphs[0]!.operators.length} ops; max abs error ${fmtDiffs(errors, 2)}`);
    assertClose(preset, errors);
  });
}

test('batch 2 (the export batch is the graph\'s static batch): LiteRT matches tfjs', async (t) => {
  const model = await randomizedModel('tiny');
  const x = testInput(3, 2);
  const ref = await model.predict(x);
  const graph = await model.graph(2);
  model.dispose();
  const out = exportTo(tempDir(t), graph, { precision: 'fp32' });
  assert.deepEqual(readTflite(out.bytes).subgraphs[0]!.tensors[0]!.shape, [2, 2, 80000]);
  const errors = diffAllOutputs(ref, await runLiteRt(out.file, { samples: x }), FP32_ATOL, FP32_RTOL);
  t.diagnostic(`tiny batch 2: max abs error ${fmtDiffs(errors, 2)}`);
  assertClose('tiny batch 2', errors);
});
