/** Lowering, passes and helpers of the ONNX converter, on small hand-built graphs (no tfjs, no runtime). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toOnnxGraph, buildOnnx, writeOnnx } from '../../../converters/onnx/write.js';
import { validateForOnnx } from '../../../converters/onnx/lower.js';
import { cancelTransposes, runPasses } from '../../../converters/onnx/passes.js';
import { attr, type OnnxGraph } from '../../../converters/onnx/model.js';
import { toHalfBits, fromHalfBits, toHalfArray } from '../../../converters/onnx/half.js';
import { mulberry32 } from '../../../src/util/prng.js';
import { quantizeInt8 } from '../../../converters/onnx/precision.js';
import { concatChunks } from '../../../converters/onnx/serialize.js';
import { UnsupportedOpsError } from '../../../converters/types.js';
import onnxConverter from '../../../converters/onnx/index.js';
import { A2mError } from '../../../src/errors.js';
import { chainGraph } from './op-graphs.js';

test('the converter registers as format "onnx" writing model.onnx', () => {
  assert.equal(onnxConverter.format, 'onnx');
  assert.equal(onnxConverter.defaultName, 'model.onnx');
});

test('ONNX node names come from the IR node names; helper nodes are <ir node>/<role>', () => {
  const { graph } = chainGraph();
  const g = toOnnxGraph(graph, { precision: 'fp32' });
  const names = new Set(g.nodes.map((n) => n.name));
  for (const n of graph.nodes) if (n.name !== 'to_nlc') assert.ok(names.has(n.name), `no ONNX node named ${n.name}`);
  assert.ok(names.has('stem/conv') && names.has('gelu/tanh') && names.has('qk/transpose_b'));
  assert.deepEqual(g.outputs.map((o) => o.name), ['logits', 'probs', 'features']);
});

test('cancelTransposes: the input transpose meets the conv transpose to NCL and both vanish', () => {
  const { graph } = chainGraph();
  const g = toOnnxGraph(graph, { precision: 'fp32' });
  const conv = g.nodes.find((n) => n.opType === 'Conv')!;
  assert.equal(conv.inputs[0], 'samples', 'Conv reads the channels-first input directly');
  // IR transposes (to_nlc, heads, back) + 2 per Conv1D + 1 transposeB, less the cancelled pair.
  assert.equal(g.nodes.filter((n) => n.opType === 'Transpose').length, 3 + 2 + 1 - 2);
});

test('cancelTransposes composes non-inverse pairs and keeps graph outputs by name', () => {
  const g: OnnxGraph = {
    name: 't', initializers: new Map(),
    inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }],
    outputs: [{ name: 'y', type: 'float32', shape: [4, 2, 3] }, { name: 'z', type: 'float32', shape: [2, 3, 4] }],
    nodes: [
      { name: 'a', opType: 'Transpose', inputs: ['x'], outputs: ['a'], attrs: { perm: attr.ints([1, 2, 0]) } }, // [3,4,2]
      { name: 'b', opType: 'Transpose', inputs: ['a'], outputs: ['y'], attrs: { perm: attr.ints([1, 2, 0]) } }, // [4,2,3]
      { name: 'c', opType: 'Transpose', inputs: ['a'], outputs: ['z'], attrs: { perm: attr.ints([2, 0, 1]) } }, // identity overall
    ],
  };
  runPasses(g);
  assert.deepEqual(g.nodes.map((n) => [n.name, n.opType, n.inputs[0]]), [['b', 'Transpose', 'x'], ['c', 'Identity', 'x']]);
  assert.deepEqual((g.nodes[0]!.attrs.perm as { ints: number[] }).ints, [2, 0, 1]);
  cancelTransposes.run(g); // idempotent
  assert.equal(g.nodes.length, 2);
});

test('ops a target opset lacks are all reported at once, with node names', () => {
  const { graph } = chainGraph();
  assert.throws(() => validateForOnnx(graph, 16), (e: Error) => {
    assert.ok(e instanceof UnsupportedOpsError);
    assert.deepEqual(e.problems.map((p) => [p.node, p.op]), [['ln', 'LayerNorm']]);
    assert.match(e.message, /ln \(LayerNorm\) -> onnx \(opset 16\): needs opset >= 17/);
    return true;
  });
  assert.throws(() => toOnnxGraph(graph, { precision: 'fp32', opset: 18 as never }), /opset 18 is not supported \(expected one of: 17, 20\)/);
  assert.throws(() => toOnnxGraph(graph, { precision: 'bf16' as never }), A2mError);
});

test('exports are deterministic: the same graph gives byte-identical files', () => {
  const a = concatChunks(buildOnnx(chainGraph().graph, { precision: 'fp16', metadata: { tool_version: '1' } }).model);
  const b = concatChunks(buildOnnx(chainGraph().graph, { precision: 'fp16', metadata: { tool_version: '1' } }).model);
  assert.ok(Buffer.compare(a, b) === 0);
});

test('a failed write leaves nothing behind (temp files removed, no partial model)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-onnx-atomic-'));
  try {
    const target = path.join(dir, 'model.onnx');
    await mkdir(target); // a directory where the file should go: the final rename fails
    await assert.rejects(writeOnnx(chainGraph().graph, target, { precision: 'fp32' }));
    assert.deepEqual(await readdir(dir), ['model.onnx']);
    assert.deepEqual(await readdir(target), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('float16 conversion rounds to nearest even and handles subnormals, overflow, inf and NaN', () => {
  const cases: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], [2 ** -25, 0x0000], [1.5 * 2 ** -24, 0x0002], [2 ** -14, 0x0400], [0.1, 0x2e66],
    [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [-0, 0x8000],
  ];
  for (const [v, bits] of cases) assert.equal(toHalfBits(v), bits, `${v} -> 0x${toHalfBits(v).toString(16)}`);
  assert.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))));
  for (const v of [0.333, -7.5, 1234.5, 3e-5]) assert.ok(Math.abs(fromHalfBits(toHalfBits(v)) - v) <= Math.abs(v) * 2 ** -11 + 2 ** -25);
  // The bulk converter agrees with the scalar one everywhere, edge cases and random magnitudes.
  const r = mulberry32(9);
  const values = Float32Array.from([...cases.map(([v]) => v), NaN, Infinity, 65519.99, 2 ** -14 * (1 - 2 ** -12),
    ...Array.from({ length: 20000 }, () => (r() - 0.5) * 2 ** (Math.floor(r() * 60) - 30))]);
  const bulk = toHalfArray(values);
  values.forEach((v, i) => assert.equal(bulk[i], toHalfBits(v), `toHalfArray(${v})`));
});

test('int8 quantization is symmetric per channel with error at most half a step', () => {
  const w = { shape: [3, 4], data: Float32Array.from([0.5, -1, 0, 2, 0.25, 0.1, 0, -4, -0.5, 1, 0, 0]) };
  const { q, scale } = quantizeInt8(w, 1);
  assert.deepEqual([...scale], [0.5 / 127, 1 / 127, 1, 4 / 127].map((v) => Math.fround(v)));
  w.data.forEach((v, i) => assert.ok(Math.abs(q[i]! * scale[i % 4]! - v) <= scale[i % 4]! / 2 + 1e-9));
  assert.ok(q.every((v) => v >= -127 && v <= 127));
});
