/**
 * Emitters the model presets do not reach (grouped conv, explicit padding,
 * depth multiplier, Concat, Div, Sqrt, Sub, Tanh, -1 slice sizes, outputs that are
 * inputs or repeated) on a small hand-built IR graph, in LiteRT against the IR
 * reference evaluator; op x precision; and whole-graph validation reporting
 * every problem at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addConstant, addInput, addNode, emptyGraph, type IrGraph } from '../../../src/ir/graph.js';
import { evaluateGraph } from '../../../src/ir/evaluate.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import { UnsupportedOpsError } from '../../../converters/types.js';
import { graphToTflite } from '../../../converters/tflite/convert.js';
import { readTflite } from '../../../converters/tflite/read.js';
import { float16Bits } from '../../../converters/tflite/quantize.js';
import { exportTo, runLiteRt, tempDir } from './helpers.js';
import { assertClose, diffAllOutputs, fmtDiffs } from '../../../fixtures/compare.js';

// fp32 kernels vs the float64-accumulating IR evaluator on O(1) values.
const FP32_ATOL = 1e-5, FP32_RTOL = 1e-5;
// fp16 export vs the IR evaluator fed the same fp16-rounded constants: only fp32 rounding differs.
const FP16_SIM_ATOL = 1e-5, FP16_SIM_RTOL = 1e-5;
// int8 hybrid kernels also quantize their float inputs per row at run time (asymmetric int8):
// about 1 % of each input's range per product, on outputs of magnitude ~1-3.
const INT8_ATOL = 0.1, INT8_RTOL = 0.05;

function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; out[i] = (s / 2 ** 32) * 2 - 1; }
  return out;
}
const c = (g: IrGraph, name: string, shape: number[], seed: number) => addConstant(g, name, { shape, data: seeded(shape.reduce((a, b) => a * b, 1), seed) }).name;

function opsGraph(): IrGraph {
  const g = emptyGraph();
  const x = addInput(g, 'x', [1, 12, 4]).name;
  // Grouped conv (groups 2 < Cin 4), SAME-equivalent pads [1, 1], with bias.
  const grouped = addNode(g, 'grouped', 'Conv1D', [x, c(g, 'gw', [3, 2, 6], 1), c(g, 'gb', [6], 2)], { stride: 1, padBegin: 1, padEnd: 1, groups: 2 }).name;
  // Explicit padding [2, 0] with stride 2, no bias: PAD + VALID.
  const padded = addNode(g, 'padded', 'Conv1D', [grouped, c(g, 'pw', [3, 6, 5], 3)], { stride: 2, padBegin: 2, padEnd: 0, groups: 1 }).name;
  // Depthwise with depth multiplier 2.
  const dw = addNode(g, 'dw', 'Conv1D', [x, c(g, 'dww', [5, 1, 8], 4), c(g, 'dwb', [8], 5)], { stride: 1, padBegin: 2, padEnd: 2, groups: 4 }).name;
  const cat = addNode(g, 'cat', 'Concat', [dw, x], { axis: 2 }).name; // [1,12,12]
  const tail = addNode(g, 'tail', 'Slice', [cat], { begin: [0, 3, 0], size: [-1, -1, 5] }).name; // [1,9,5]
  const sq = addNode(g, 'sq', 'Mul', [tail, tail], {}).name;
  const pos = addNode(g, 'pos', 'Add', [sq, addConstant(g, 'one', { shape: [1], data: Float32Array.of(1) }).name], {}).name;
  const root = addNode(g, 'root', 'Sqrt', [pos], {}).name;
  const ratio = addNode(g, 'ratio', 'Div', [tail, root], {}).name;
  const diff = addNode(g, 'tanh', 'Tanh', [addNode(g, 'sub', 'Sub', [ratio, addNode(g, 'logp', 'Log', [pos], {}).name], {}).name], {}).name;
  const fc = addNode(g, 'fc', 'Dense', [addNode(g, 'r4', 'Reshape', [padded], { shape: [1, 2, 3, 5] }).name, c(g, 'fw', [5, 7], 6)], {}).name;
  const mm = addNode(g, 'mm', 'BatchMatMul', [fc, addNode(g, 'tr', 'Transpose', [fc], { perm: [0, 1, 3, 2] }).name], { transposeB: false }).name;
  g.outputs.push({ name: 'diff', value: diff }, { name: 'mm', value: mm }, { name: 'again', value: mm }, { name: 'echo', value: x });
  return g;
}

const feeds = (): Record<string, HostTensor> => ({ x: { shape: [1, 12, 4], data: seeded(48, 42) } });

test('uncommon emitters run in LiteRT and match the IR evaluator (fp32)', async (t) => {
  const g = opsGraph();
  const ref = evaluateGraph(g, feeds());
  const out = exportTo(tempDir(t), g, { precision: 'fp32' });
  const ops = readTflite(out.bytes).subgraphs[0]!.opCounts;
  assert.ok(ops.PAD === 1 && ops.CONCATENATION === 2 && ops.DEPTHWISE_CONV_2D === 1 && ops.CONV_2D === 3, JSON.stringify(ops));
  const errors = diffAllOutputs(ref, await runLiteRt(out.file, feeds()), FP32_ATOL, FP32_RTOL);
  t.diagnostic(fmtDiffs(errors, 2));
  assertClose('fp32', errors);
});

test('fp16: LiteRT equals the IR evaluator on fp16-rounded constants', async (t) => {
  const g = opsGraph();
  const half = (v: number) => {
    const h = float16Bits(v), e = (h >>> 10) & 0x1f, m = h & 0x3ff, s = h & 0x8000 ? -1 : 1;
    return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
  };
  const g16: IrGraph = { ...g, constants: new Map([...g.constants].map(([k, v]) => [k, { shape: v.shape, data: v.data.map(half) }])) };
  const out = exportTo(tempDir(t), g, { precision: 'fp16' });
  const s = readTflite(out.bytes);
  const sg = s.subgraphs[0]!;
  const fp16Tensors = sg.tensors.filter((x) => x.type === 'FLOAT16');
  assert.ok(fp16Tensors.length >= g.constants.size);
  assert.deepEqual(sg.tensors.filter((x) => x.type === 'FLOAT32' && x.buffer !== 0).map((x) => x.name), [], 'no float32 constant left');
  assert.equal(sg.opCounts.DEQUANTIZE, fp16Tensors.length);
  for (const x of fp16Tensors) assert.equal(x.dataBytes, 2 * x.shape.reduce((a, b) => a * b, 1));
  assert.equal(s.operatorCodes.find((x) => x.name === 'DEQUANTIZE')?.version, 3);
  const errors = diffAllOutputs(evaluateGraph(g16, feeds()), await runLiteRt(out.file, feeds()), FP16_SIM_ATOL, FP16_SIM_RTOL);
  t.diagnostic(fmtDiffs(errors, 2));
  assertClose('fp16', errors);
});

test('int8: hybrid CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED with per-channel scales run in LiteRT', async (t) => {
  const g = opsGraph();
  const out = exportTo(tempDir(t), g, { precision: 'int8', int8MinElements: 0 });
  const s = readTflite(out.bytes);
  const sg = s.subgraphs[0]!;
  for (const op of ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']) {
    const users = sg.operators.filter((o) => o.op === op);
    for (const o of users) {
      const w = sg.tensors[o.inputs[1]!]!;
      assert.equal(w.type, 'INT8', `${op} weight ${w.name}`);
      const axis = op === 'DEPTHWISE_CONV_2D' ? 3 : 0;
      assert.equal(w.quantization?.quantizedDimension, axis);
      assert.equal(w.quantization?.scale.length, w.shape[axis]);
      assert.ok(w.quantization!.zeroPoint.every((z) => z === 0), 'symmetric');
      assert.equal(sg.tensors[o.inputs[0]!]!.type, 'FLOAT32', 'hybrid: float activations');
    }
  }
  const versions = Object.fromEntries(s.operatorCodes.map((x) => [x.name, x.version]));
  assert.deepEqual([versions.CONV_2D, versions.DEPTHWISE_CONV_2D, versions.FULLY_CONNECTED], [5, 6, 12], 'per-channel hybrid op versions');
  assert.equal(s.minRuntimeVersion, '2.17.0');
  const ref = evaluateGraph(g, feeds());
  const errors = diffAllOutputs(ref, await runLiteRt(out.file, feeds()), INT8_ATOL, INT8_RTOL);
  t.diagnostic(fmtDiffs(errors, 2));
  assertClose('int8', errors);
  for (const e of errors) assert.ok(e.cosine > 0.99, `${e.name}: cosine ${e.cosine}`);
});

test('validation reports every unsupported node at once, naming node, op and reason', () => {
  const g = emptyGraph();
  const x = addInput(g, 'x', [1, 8, 3]).name;
  const w = addInput(g, 'w', [3, 4]).name;
  addNode(g, 'negpad', 'Conv1D', [x, c(g, 'cw', [3, 3, 2], 1)], { stride: 1, padBegin: -1, padEnd: 1, groups: 1 });
  addNode(g, 'dyn_dense', 'Dense', [x, w], {});
  g.outputs.push({ name: 'y', value: 'dyn_dense' });
  assert.throws(() => graphToTflite(g, { precision: 'fp32' }), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOpsError);
    assert.deepEqual(e.problems.map((p) => [p.node, p.op, p.target]), [['negpad', 'Conv1D', 'tflite'], ['dyn_dense', 'Dense', 'tflite']]);
    assert.match(e.message, /negpad \(Conv1D\) -> tflite: negative padding/);
    assert.match(e.message, /dyn_dense \(Dense\) -> tflite: weight w is not a constant/);
    return true;
  });
});
