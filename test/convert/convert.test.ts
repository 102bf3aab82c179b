/**
 * The importer on the TF ops Basic Pitch needed (judged by tfjs-node running the
 * same files), and `convertModel` (what `a2m convert` runs): renames, the
 * manifest, every unsupported op reported at once with its node name (from the
 * importer and from the targets), nothing written on failure, clear errors for
 * sources it does not take.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { evaluateGraph } from '../../src/ir/evaluate.js';
import { importTfjsGraphModel } from '../../converters/tfjs/import.js';
import { UnsupportedOpsError } from '../../converters/types.js';
import { A2mError } from '../../src/errors.js';
import tfjsRuntime from '../../src/runtimes/tfjs-graph.js';
import onnxRuntime from '../../src/runtimes/onnxruntime.js';
import { convertModel, type ConvertManifest } from '../../src/convert/convert.js';
import { mulberry32 } from '../../src/util/prng.js';
import { NEW_OPS_INPUT, NEW_OPS_OUTPUTS, UNSUPPORTED_NODES, writeGroupedConvGraph, writeNewOpsGraph, writeUnsupportedGraph } from './tf-graphs.js';
import { assertClose, diffOutputs, fmtDiffs } from '../../fixtures/compare.js';
import { tempDir } from '../../fixtures/temp-dir.js';

// IR evaluator (float64 accumulation) and ONNX Runtime vs TF's float32 kernels on O(1) values.
const ATOL = 1e-5;
const RTOL = 1e-5;

const tmp = tempDir('convert');
after(tmp.cleanup);
const newOps = path.join(tmp.dir, 'new-ops');
writeNewOpsGraph(newOps);
const batch = 2;
const r = mulberry32(9);
const x = { shape: [batch, ...NEW_OPS_INPUT.slice(1)], data: Float32Array.from({ length: batch * 6 * 10 * 3 }, () => r() * 2 - 1) };

test('MirrorPad, 2-D _FusedConv2D (BiasAdd, Relu), 2-D depthwise, EXPLICIT Conv2D, Min, Max, DivNoNan, PadV2 import to IR that equals tfjs-node', async (t) => {
  const session = await tfjsRuntime.load(newOps);
  const ref = await session.run({ x });
  await session.dispose();
  const g = await importTfjsGraphModel(newOps, { batch });
  const ops = new Set(g.nodes.map((n) => n.op));
  for (const op of ['Pad', 'Conv2D', 'Relu', 'ReduceMin', 'ReduceMax', 'DivNoNan']) assert.ok(ops.has(op as never), `expected an IR ${op}`);
  const got = evaluateGraph(g, { x }, { keep: ['max'] });
  const diffs = diffOutputs(ref, got, ATOL, RTOL, [...NEW_OPS_OUTPUTS]);
  t.diagnostic(fmtDiffs(diffs));
  assertClose('imported', diffs);
  // Max is 0 where every channel of a pixel is <= 0 after Relu: DivNoNan's 0/0 branch is exercised (and finite above).
  assert.ok(got.max!.data.some((v) => v === 0) && got.padded_ratio!.data.every(Number.isFinite));
});

test('convertModel: renamed outputs, convert.json, artifacts that run (ONNX Runtime = tfjs-node on the source)', async (t) => {
  const out = path.join(tmp.dir, 'out-ok');
  const m = await convertModel(newOps, { formats: ['onnx', 'tflite'], precisions: ['fp32'], out, batch, rename: { padded_ratio: 'ratio', minimum: 'min' } });
  assert.deepEqual(m.outputs.map((o) => o.name), ['ratio', 'min', 'fused']);
  assert.deepEqual(m.inputs, [{ name: 'x', shape: [batch, 6, 10, 3], dtype: 'float32' }]);
  assert.deepEqual(m.artifacts.map((a) => a.path), ['model.onnx', 'model.tflite']);
  assert.ok(m.artifacts.every((a) => a.bytes > 0 && a.seconds >= 0));
  assert.match(m.source.sha256, /^[0-9a-f]{64}$/);
  const onDisk = JSON.parse(readFileSync(path.join(out, 'convert.json'), 'utf8')) as ConvertManifest;
  assert.deepEqual(onDisk.artifacts.map((a) => a.path), ['model.onnx', 'model.tflite']);
  assert.deepEqual(readdirSync(out).sort(), ['convert.json', 'model.onnx', 'model.tflite'], 'no staging folder left behind');
  // No machine-local path ships: not the source's absolute folder, not even the temp root, in any written byte.
  for (const f of readdirSync(out)) {
    const bytes = readFileSync(path.join(out, f)).toString('latin1');
    for (const local of [path.resolve(newOps), tmp.dir]) assert.ok(!bytes.includes(local), `${f} holds the local path ${local}`);
  }
  assert.equal(m.source.path, `${path.basename(newOps)}/model.json`);
  const source = await tfjsRuntime.load(newOps);
  const ref = await source.run({ x });
  await source.dispose();
  const session = await onnxRuntime.load(path.join(out, 'model.onnx'));
  const got = await session.run({ x });
  await session.dispose();
  const diffs = diffOutputs({ ratio: ref.padded_ratio!, min: ref.minimum!, fused: ref.fused! }, got, ATOL, RTOL);
  t.diagnostic(fmtDiffs(diffs));
  assertClose('onnx vs tfjs', diffs);
});

test('every TF node the IR cannot express is reported at once, with its node name and a reason', async () => {
  const dir = path.join(tmp.dir, 'unsupported');
  writeUnsupportedGraph(dir);
  const out = path.join(tmp.dir, 'out-unsupported');
  await assert.rejects(convertModel(dir, { formats: ['onnx'], precisions: ['fp32'], out }), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOpsError, String(e));
    assert.deepEqual(e.problems.map((p) => `${p.node} ${p.op}`), UNSUPPORTED_NODES.map(([n, op]) => `${n} ${op}`));
    const reason = Object.fromEntries(e.problems.map((p) => [p.node, p.reason]));
    assert.match(reason.symmetric!, /mode SYMMETRIC/);
    assert.match(reason.dilated!, /dilations \[1,2,2,1\]/);
    assert.match(reason.pool!, /MaxPool/);
    for (const p of e.problems) assert.ok(e.message.includes(p.node));
    return true;
  });
  assert.equal(existsSync(path.join(out, 'model.onnx')), false);
});

test('an op a target cannot write is reported for that target, and nothing is written for any target', async () => {
  const dir = path.join(tmp.dir, 'grouped');
  writeGroupedConvGraph(dir);
  const out = path.join(tmp.dir, 'out-grouped');
  await assert.rejects(convertModel(dir, { formats: ['onnx', 'tfjs'], precisions: ['fp32', 'fp16'], out }), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOpsError, String(e));
    assert.deepEqual(e.problems.map((p) => `${p.node} ${p.op} ${p.target}`), ['grouped Conv2D tfjs', 'grouped Conv2D tfjs']);
    assert.match(e.problems[0]!.reason, /grouped conv \(groups 2 of 4 channels\)/);
    return true;
  });
  assert.deepEqual(readdirSync(out), [], 'the ONNX files that could be written were not kept');
});

test('sources it does not take are named with what was expected', async () => {
  const out = path.join(tmp.dir, 'out-bad');
  const opts = { formats: ['onnx'], precisions: ['fp32' as const], out };
  await assert.rejects(convertModel(path.join(tmp.dir, 'nope'), opts), (e: unknown) => e instanceof A2mError && /nope: no such file or directory \(expected a tfjs graph model/.test(e.message));
  await assert.rejects(convertModel(tmp.dir, opts), (e: unknown) => e instanceof A2mError && /no model.json in this directory/.test(e.message));
  await assert.rejects(convertModel(path.join(newOps, 'model.json'), { ...opts, formats: ['caffe'] }), (e: unknown) => e instanceof A2mError && /unknown format "caffe"/.test(e.message));
  await assert.rejects(convertModel(newOps, { ...opts, rename: { logits: 'y' } }), (e: unknown) => e instanceof A2mError && /no output logits \(outputs: padded_ratio, minimum, fused\)/.test(e.message));
  await assert.rejects(convertModel(newOps, { ...opts, rename: { minimum: 'fused' } }), (e: unknown) => e instanceof A2mError && /two outputs are named fused/.test(e.message));
});
