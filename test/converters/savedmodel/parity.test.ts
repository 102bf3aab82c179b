import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import savedModel from '../../../converters/savedmodel/index.js';
import { readBundle } from '../../../converters/savedmodel/bundle.js';
import { readSavedModelSummary } from '../../../converters/savedmodel/reader.js';
import { DT, VARIABLES_PREFIX } from '../../../converters/savedmodel/facts.js';
import type { Precision } from '../../../converters/types.js';
import runtime from '../../../src/runtimes/tf-savedmodel.js';
import { A2mError } from '../../../src/errors.js';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { withTempDir } from './helpers.js';
import { diffTensor } from '../../../fixtures/compare.js';

// fp32 parity, judged by real TensorFlow against the canonical tfjs outputs (issue 6).
const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;
// Weights-only quantization of randomized weights, measured on tiny: fp16 moves logits by ~1.5e-3 and
// probs by ~4e-4; int8 (per-channel) by ~2e-2 and ~4e-3. The bounds leave 3-5x margin; note-level
// accuracy of quantized exports is judged by `a2m verify`, not here.
const FP16_PROBS_ATOL = 2e-3;
const INT8_PROBS_ATOL = 2e-2;

async function exportAndRun(preset: string, precision: Precision, dir: string) {
  const m = await randomizedModel(preset);
  const x = testInput();
  const ref = await m.predict(x);
  const graph = await m.graph(1);
  m.dispose();
  const out = path.join(dir, `${preset}-${precision}`);
  const files = await savedModel.write(graph, out, { precision, metadata: { model: preset } });
  const session = await runtime.load(out);
  try {
    return { ref, got: await session.run({ samples: x }), out, files, graph };
  } finally {
    await session.dispose();
  }
}

for (const preset of ['tiny', 'tiny-logspec', 'small']) {
  test(`${preset}: fp32 SavedModel run by TensorFlow equals tfjs (atol ${FP32_ATOL} + rtol ${FP32_RTOL})`, async () => {
    await withTempDir(async (dir) => {
      const { ref, got, files } = await exportAndRun(preset, 'fp32', dir);
      assert.deepEqual(Object.keys(got).sort(), Object.keys(ref).sort(), 'signature outputs = model outputs by public name');
      for (const k of Object.keys(ref)) {
        const e = diffTensor(ref[k]!, got[k]!, FP32_ATOL, FP32_RTOL, { name: k });
        assert.ok(e.ok, `${preset} ${k}: max abs ${e.maxAbs}, ${e.beyond} elements beyond tolerance`);
      }
      assert.equal(files.length, 4);
    });
  });
}

test('fp16 and int8 weight storage: bundle dtypes, sizes, and TensorFlow runs them close to fp32', async () => {
  await withTempDir(async (dir) => {
    for (const [precision, atol, stored, bytes] of [['fp32', FP32_ATOL, DT.FLOAT, 4], ['fp16', FP16_PROBS_ATOL, DT.HALF, 2], ['int8', INT8_PROBS_ATOL, DT.INT8, 1]] as const) {
      const { ref, got, out } = await exportAndRun('tiny', precision, dir);
      for (const k of ['probs', 'onset_probs', 'velocity']) {
        const e = diffTensor(ref[k]!, got[k]!, atol, 0, { name: k });
        assert.ok(e.ok, `${precision} ${k}: max abs ${e.maxAbs} > ${atol}`);
      }
      const bundle = await readBundle(path.join(out, VARIABLES_PREFIX));
      const w = bundle.entries.find((e) => e.key === 'layer0/ffn/up/w')!;
      assert.equal(w.dtype, stored, `${precision}: dense weight stored as ${stored}`);
      assert.equal(w.size, bytes * 16 * 32, `${precision}: ${bytes} byte(s) per weight`);
      assert.equal(bundle.entries.find((e) => e.key === 'layer0/ffn/up/b')!.dtype, DT.FLOAT, 'biases stay fp32');
      if (precision === 'int8') assert.ok(bundle.entries.some((e) => e.key === 'layer0/ffn/up/w/scale' && e.shape.join() === '32'));
      const ops = (await readSavedModelSummary(out)).metaGraphs[0]!.opCounts;
      if (precision !== 'fp32') assert.ok((ops.Cast ?? 0) > 0, 'reduced weights are cast back to float');
    }
  });
});

test('the same graph exports byte-identical files (deterministic bundles)', async () => {
  const m = await randomizedModel('tiny');
  const graph = await m.graph(1);
  m.dispose();
  await withTempDir(async (dir) => {
    const a = await savedModel.write(graph, path.join(dir, 'a'), { precision: 'fp16' });
    const b = await savedModel.write(graph, path.join(dir, 'b'), { precision: 'fp16' });
    for (let i = 0; i < a.length; i++) assert.deepEqual(await readFile(a[i]!), await readFile(b[i]!), path.basename(a[i]!));
    // Re-export over an existing directory replaces it whole.
    await savedModel.write(graph, path.join(dir, 'a'), { precision: 'fp32' });
    assert.equal((await readBundle(path.join(dir, 'a', VARIABLES_PREFIX))).entries.find((e) => e.key === 'layer0/ffn/up/w')!.dtype, DT.FLOAT);
  });
});

test('batch 2 exports run in TensorFlow; the runtime reports missing inputs and unloadable dirs clearly', async () => {
  const m = await randomizedModel('tiny');
  const x = testInput(3, 2);
  const ref = await m.predict(x);
  const graph = await m.graph(2);
  m.dispose();
  await withTempDir(async (dir) => {
    await savedModel.write(graph, path.join(dir, 'b2'), { precision: 'fp32' });
    const session = await runtime.load(path.join(dir, 'b2'));
    try {
      const got = await session.run({ samples: x });
      for (const k of Object.keys(ref)) {
        const e = diffTensor(ref[k]!, got[k]!, FP32_ATOL, FP32_RTOL, { name: k });
        assert.ok(e.ok, `batch 2 ${k}: max abs ${e.maxAbs}`);
      }
      await assert.rejects(session.run({}), /missing input\(s\) samples/);
    } finally {
      await session.dispose();
    }
    await assert.rejects(runtime.load(path.join(dir, 'nothing')), (e: Error) => e instanceof A2mError && /nothing: TensorFlow could not load the SavedModel/.test(e.message));
  });
});
