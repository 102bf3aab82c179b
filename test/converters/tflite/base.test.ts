/**
 * The seed-size model, once (slow): the base preset's fp32 export (11.6 M
 * parameters, 859 IR nodes) runs in LiteRT and matches tfjs; export time and
 * size are reported. Kept to one test: the base model takes seconds to build.
 */
import { test } from 'node:test';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { readTflite } from '../../../converters/tflite/read.js';
import { assertInformative, exportTo, runLiteRt, tempDir } from './helpers.js';
import { assertClose, diffAllOutputs, fmtDiffs } from '../../../fixtures/compare.js';

const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;
// As test/model/forward.test.ts: std 0.05 keeps 16 random transformer layers from saturating.
const BASE_WEIGHT_STD = 0.05;

test(`fp32 base: LiteRT matches tfjs to atol ${FP32_ATOL} + rtol ${FP32_RTOL}; export time`, async (t) => {
  const model = await randomizedModel('base', 1, BASE_WEIGHT_STD);
  const x = testInput();
  const ref = await model.predict(x);
  const graph = await model.graph(1);
  model.dispose();
  assertInformative(ref);
  const out = exportTo(tempDir(t), graph, { precision: 'fp32' });
  const ops = readTflite(out.bytes).subgraphs[0]!.operators.length;
  const errors = diffAllOutputs(ref, await runLiteRt(out.file, { samples: x }), FP32_ATOL, FP32_RTOL);
  t.diagnostic(`base: ${graph.nodes.length} IR nodes -> ${ops} TFLite ops, ${(out.bytes.length / 1e6).toFixed(1)} MB, ` +
    `export ${out.exportMs.toFixed(0)} ms; max abs error ${fmtDiffs(errors, 2)}`);
  assertClose('base', errors);
});
