/**
 * Our packages, judged by coreml-ref against the canonical tfjs model:
 * tiny, tiny-logspec and small at fp32 (atol 1e-4 + rtol 1e-4), the fp16
 * package, and the structure a Core ML loader relies on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomizedModel, testInput } from '../../helpers/models.js';
import coreml, { buildCoreML, exportCoreML } from '../../../converters/coreml/index.js';
import { readPackage } from '../../../converters/coreml/package.js';
import { decodeModel, type FeatureDescription } from '../../../converters/coreml/schema.js';
import { ARRAY_DTYPE, BLOB, IDENTIFIER, MIL_DTYPE, USER_DEFINED_KEYS } from '../../../converters/coreml/format.js';
import { BlobReader } from '../../../converters/coreml/blob.js';
import coremlRef, { loadMlPackage, runPlan } from '../../../src/runtimes/coreml-ref/index.js';
import { evaluateGraph } from '../../../src/ir/evaluate.js';
import { A2mError } from '../../../src/errors.js';
import type { IrGraph } from '../../../src/ir/graph.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import { withTempDir } from './helpers.js';
import { diffTensor } from '../../../fixtures/compare.js';

/** fp32 parity with the canonical tfjs outputs (the project-wide export gate). */
const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;
/**
 * fp16 package (weights + activations fp16, log-spectrum front end kept fp32):
 * probabilities within 1e-2 (measured ~1e-3 on tiny-logspec), logits within 5e-2.
 */
const FP16_PROBS_ATOL = 1e-2;
const FP16_LOGITS_ATOL = 5e-2;

interface Fixture { graph: IrGraph; input: HostTensor; ref: Record<string, HostTensor> }
const fixtures = new Map<string, Promise<Fixture>>();
function fixture(preset: string): Promise<Fixture> {
  let f = fixtures.get(preset);
  if (!f) {
    f = (async () => {
      const m = await randomizedModel(preset, 7, 0.2);
      const input = testInput(5);
      const ref = await m.predict(input);
      const graph = await m.graph(1);
      m.dispose();
      return { graph, input, ref };
    })();
    fixtures.set(preset, f);
  }
  return f;
}

for (const preset of ['tiny', 'tiny-logspec', 'small']) {
  test(`${preset}: fp32 .mlpackage runs in coreml-ref and matches tfjs (atol ${FP32_ATOL} + rtol ${FP32_RTOL})`, async (t) => {
    const { graph, input, ref } = await fixture(preset);
    await withTempDir(async (dir) => {
      const out = path.join(dir, 'model.mlpackage');
      const t0 = performance.now();
      const files = await coreml.write(graph, out, { precision: 'fp32' });
      const exportMs = performance.now() - t0;
      const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
      const got = await (await coremlRef.load(out)).run({ samples: input });
      assert.deepEqual(Object.keys(got).sort(), Object.keys(ref).sort());
      const report: string[] = [];
      for (const k of Object.keys(ref)) {
        const p = diffTensor(ref[k]!, got[k]!, FP32_ATOL, FP32_RTOL);
        report.push(`${k} ${p.maxAbs.toExponential(2)}`);
        assert.ok(p.ok, `${preset} ${k}: max abs ${p.maxAbs}, max rel ${p.maxRel} (${p.beyond} elements beyond tolerance)`);
        assert.ok(p.spread > 1e-3, `${preset} ${k}: output nearly constant`);
      }
      t.diagnostic(`${preset}: export ${exportMs.toFixed(0)} ms, model.mlmodel ${sizes[1]} B, weight.bin ${sizes[2]} B; max abs: ${report.join(', ')}`);
    });
  });
}

test('package structure: spec 7 / CoreML6, named I/O described as FLOAT32 arrays, metadata, blob consts', async () => {
  const { graph } = await fixture('tiny');
  await withTempDir(async (dir) => {
    const out = path.join(dir, 'tiny.mlpackage');
    const { build } = await exportCoreML(graph, out, { precision: 'fp32', metadata: { author: 'tester', license: 'MIT' } });
    const manifest = JSON.parse(await readFile(path.join(out, 'Manifest.json'), 'utf8'));
    const items = Object.values(manifest.itemInfoEntries) as { path: string }[];
    assert.deepEqual(items.map((i) => i.path).sort(), ['com.apple.CoreML/model.mlmodel', 'com.apple.CoreML/weights']);
    assert.equal(manifest.itemInfoEntries[manifest.rootModelIdentifier].path, 'com.apple.CoreML/model.mlmodel');
    assert.match(manifest.rootModelIdentifier, /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);

    const pkg = await readPackage(out);
    const m = pkg.model;
    assert.equal(m.specificationVersion, 7);
    const fn = m.mlProgram!.functions!.main!;
    assert.equal(fn.opset, 'CoreML6');
    assert.equal(m.mlProgram!.version, 1);
    const io = (fs: FeatureDescription[] | undefined) => fs!.map((f) => [f.name, f.type!.multiArrayType!.dataType, f.type!.multiArrayType!.shape]);
    assert.deepEqual(io(m.description!.input), [['samples', ARRAY_DTYPE.FLOAT32, [1, 2, 80000]]]);
    const outNames = ['logits', 'probs', 'onset_logits', 'onset_probs', 'velocity'];
    assert.deepEqual(io(m.description!.output), outNames.map((n) => [n, ARRAY_DTYPE.FLOAT32, [1, 250, 90]]));
    assert.ok(m.description!.output!.every((o) => o.shortDescription));
    const md = m.description!.metadata!;
    assert.equal(md.author, 'tester');
    assert.equal(md.license, 'MIT');
    assert.ok(md.versionString);
    assert.equal(md.userDefined![USER_DEFINED_KEYS.preset], 'tiny');
    assert.equal(md.userDefined![USER_DEFINED_KEYS.precision], 'fp32');
    assert.ok(md.userDefined![USER_DEFINED_KEYS.version]);

    const block = fn.block_specializations!.CoreML6!;
    assert.deepEqual(block.outputs, outNames);
    const weights = new BlobReader(new Uint8Array(await readFile(path.join(out, 'Data/com.apple.CoreML/weights/weight.bin'))), 'weight.bin');
    let blobConsts = 0;
    for (const op of block.operations!) {
      const name = op.outputs![0]!.name!;
      assert.match(name, IDENTIFIER);
      assert.equal(op.attributes!.name!.immediateValue!.tensor!.strings!.values![0], name, 'attributes["name"] is the output name');
      const blob = op.attributes?.val?.blobFileValue;
      if (blob) {
        blobConsts++;
        assert.equal(blob.fileName, BLOB.fileName);
        assert.equal(weights.entry(blob.offset!).dtype, BLOB.dtype.Float32);
      }
    }
    assert.equal(blobConsts, weights.count, 'every blob is referenced by exactly one const');
    assert.equal(blobConsts, build.blobCount);
    // Every weight tensor of the IR lives in weight.bin (parameters: const ops with blobFileValue).
    assert.ok(blobConsts >= [...graph.constants.keys()].length);
    // The model's own NCL->NLC input transpose and the conv's NLC->NCL transpose cancel: the stem conv reads `samples`.
    const stem = block.operations!.find((o) => o.type === 'conv')!;
    assert.equal(stem.inputs!.x!.arguments![0]!.name, 'samples');
  });
});

test('deployment targets: ios 15..18 -> spec 6..9 and opsets CoreML5..CoreML8; bad targets and precisions fail clearly', async () => {
  const { graph } = await fixture('tiny');
  for (const [ios, spec, opset] of [[15, 6, 'CoreML5'], [16, 7, 'CoreML6'], [17, 8, 'CoreML7'], [18, 9, 'CoreML8']] as const) {
    const b = buildCoreML(graph, { precision: 'fp32', ios });
    const m = decodeModel(b.model);
    assert.equal(m.specificationVersion, spec);
    assert.equal(m.mlProgram!.functions!.main!.opset, opset);
    assert.ok(m.mlProgram!.functions!.main!.block_specializations![opset]);
  }
  assert.throws(() => buildCoreML(graph, { precision: 'fp32', ios: 14 }), (e: unknown) => e instanceof A2mError && /iOS target 14/.test(e.message));
  assert.throws(() => buildCoreML(graph, { precision: 'int8' }), (e: unknown) => e instanceof A2mError && /precision int8/.test(e.message));
});

test('exports are deterministic: the same graph gives byte-identical packages', async () => {
  const { graph } = await fixture('tiny');
  await withTempDir(async (dir) => {
    const a = path.join(dir, 'a.mlpackage'), b = path.join(dir, 'b.mlpackage');
    await exportCoreML(graph, a, { precision: 'fp32' });
    await exportCoreML(graph, b, { precision: 'fp32' });
    for (const f of ['Manifest.json', 'Data/com.apple.CoreML/model.mlmodel', 'Data/com.apple.CoreML/weights/weight.bin'])
      assert.ok((await readFile(path.join(a, f))).equals(await readFile(path.join(b, f))), f);
    // Re-exporting over an existing package replaces it whole.
    await exportCoreML(graph, a, { precision: 'fp16' });
    assert.equal((await readPackage(a)).model.description!.metadata!.userDefined![USER_DEFINED_KEYS.precision], 'fp16');
  });
});

test('tiny-logspec: fp16 package (fp16 weights, casts at I/O, log-spectrum kept fp32) runs and stays close', async (t) => {
  const { graph, input, ref } = await fixture('tiny-logspec');
  await withTempDir(async (dir) => {
    const f32 = path.join(dir, 'fp32.mlpackage'), f16 = path.join(dir, 'fp16.mlpackage');
    await exportCoreML(graph, f32, { precision: 'fp32' });
    await exportCoreML(graph, f16, { precision: 'fp16' });
    const w = (d: string) => stat(path.join(d, 'Data/com.apple.CoreML/weights/weight.bin')).then((s) => s.size);
    const [s32, s16] = [await w(f32), await w(f16)];
    t.diagnostic(`weight.bin fp32 ${s32} B, fp16 ${s16} B`);
    assert.ok(s16 < 0.8 * s32, 'fp16 weights are smaller');
    const plan = await loadMlPackage(f16);
    const casts = plan.steps.filter((s) => s.type === 'cast');
    assert.ok(casts.some((s) => s.outputs[0]!.type.dtype === MIL_DTYPE.FLOAT16), 'the fp32 island is cast to fp16');
    assert.deepEqual(casts.filter((s) => plan.outputs.includes(s.outputs[0]!.name)).map((s) => [s.outputs[0]!.name, s.outputs[0]!.type.dtype]),
      plan.outputs.map((o) => [o, MIL_DTYPE.FLOAT32]), 'every public output is an fp32 cast named by its public name');
    const log = plan.steps.find((s) => s.type === 'log')!;
    assert.equal(log.outputs[0]!.type.dtype, MIL_DTYPE.FLOAT32, 'log stays fp32');
    assert.ok(plan.steps.some((s) => s.outputs[0]!.type.dtype === MIL_DTYPE.FLOAT16 && s.type === 'linear'), 'the transformer runs in fp16');
    const got = await (await coremlRef.load(f16)).run({ samples: input });
    for (const k of Object.keys(ref)) {
      const p = diffTensor(ref[k]!, got[k]!, 0, 0);
      const tol = k.endsWith('logits') ? FP16_LOGITS_ATOL : FP16_PROBS_ATOL;
      t.diagnostic(`${k}: fp16 max abs ${p.maxAbs.toExponential(2)}`);
      assert.ok(p.maxAbs <= tol, `${k}: fp16 max abs ${p.maxAbs} > ${tol}`);
    }
  });
});

test('intermediate values are reachable by IR name (bisect): valueNames + runPlan keep', async () => {
  const { graph, input } = await fixture('tiny');
  await withTempDir(async (dir) => {
    const out = path.join(dir, 'tiny.mlpackage');
    const { build } = await exportCoreML(graph, out, { precision: 'fp32' });
    const picks = ['LayerNorm', 'BatchMatMul', 'Conv1D', 'Softmax'].map((op) => graph.nodes.find((n) => n.op === op)!.output);
    for (const v of picks) assert.ok(build.valueNames.has(v), `${v} has a MIL name`);
    const ir = evaluateGraph(graph, { samples: input }, { keep: picks });
    const ml = runPlan(await loadMlPackage(out), { samples: input }, { keep: picks.map((v) => build.valueNames.get(v)!) });
    for (const v of picks) {
      const got = ml[build.valueNames.get(v)!]!;
      const p = diffTensor(ir[v]!, { shape: got.shape, data: got.data as Float32Array }, FP32_ATOL, FP32_RTOL);
      assert.ok(p.ok, `${v}: max abs ${p.maxAbs}`);
    }
  });
});
