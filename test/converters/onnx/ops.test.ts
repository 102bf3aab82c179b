/**
 * Op x precision matrix: each IR op alone, exported and run in ONNX Runtime, against the IR
 * reference evaluator (src/ir). Catches a wrong emitter without a whole model in the way.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { evaluateGraph } from '../../../src/ir/evaluate.js';
import { OP_NAMES } from '../../../src/ir/ops.js';
import { writeOnnx, type OnnxExportOptions } from '../../../converters/onnx/write.js';
import onnxRuntime from '../../../src/runtimes/onnxruntime.js';
import { OP_CASES, chainGraph, type OpCase } from './op-graphs.js';
import { diffTensor } from '../../../fixtures/compare.js';
import type { Precision } from '../../../converters/types.js';

/** fp32: float32 kernels vs the evaluator's float64 accumulation on O(1) values. */
const OP_FP32_ATOL = 1e-5;
const OP_FP32_RTOL = 1e-5;
/** fp16: inputs, weights and results rounded to half (relative step 4.9e-4); values are O(1..10). */
const OP_FP16_ATOL = 2e-2;
const OP_FP16_RTOL = 1e-2;
/** int8 quantizes only weights >= 1024 elements (Dense here): step max|w|/127 over 40 products. */
const OP_INT8_ATOL = 5e-2;
const OP_INT8_RTOL = 2e-2;
const TOLERANCE: Record<Precision, [number, number]> = { fp32: [OP_FP32_ATOL, OP_FP32_RTOL], fp16: [OP_FP16_ATOL, OP_FP16_RTOL], int8: [OP_INT8_ATOL, OP_INT8_RTOL] };

const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-onnx-ops-'));
after(() => rm(dir, { recursive: true, force: true }));

async function check(name: string, c: OpCase, opts: OnnxExportOptions) {
  const [atol, rtol] = TOLERANCE[opts.precision];
  const ref = evaluateGraph(c.graph, c.feeds);
  const [file] = await writeOnnx(c.graph, path.join(dir, `${name}-${opts.precision}-${opts.opset ?? 17}.onnx`), opts);
  const session = await onnxRuntime.load(file!);
  try {
    const out = await session.run(c.feeds);
    for (const k of Object.keys(ref)) {
      assert.deepEqual(out[k]!.shape, ref[k]!.shape, `${name} ${k} shape`);
      const d = diffTensor(ref[k]!, out[k]!, atol, rtol, { name: k, lengthOnly: true });
      assert.equal(d.beyond, 0, `${name} ${opts.precision} ${k}: max abs ${d.maxAbs} beyond atol ${atol} + rtol ${rtol}`);
    }
  } finally {
    await session.dispose();
  }
}

test('every IR op has an op case here', () => {
  assert.deepEqual(Object.keys(OP_CASES).sort(), [...OP_NAMES].sort());
});

for (const precision of ['fp32', 'fp16'] as const) {
  test(`each IR op alone matches the IR evaluator in ONNX Runtime (${precision})`, async () => {
    for (const [op, make] of Object.entries(OP_CASES)) await check(op, make(), { precision });
  });
}

test('Gelu at opset 20 (native op) matches the IR evaluator', async () => {
  await check('Gelu', OP_CASES.Gelu(), { precision: 'fp32', opset: 20 });
});

test('ReduceMin / ReduceMax at opset 20 (axes as an input since opset 18) match the IR evaluator', async () => {
  await check('ReduceMin', OP_CASES.ReduceMin(), { precision: 'fp32', opset: 20 });
  await check('ReduceMax', OP_CASES.ReduceMax(), { precision: 'fp32', opset: 20 });
});

for (const precision of ['fp32', 'fp16', 'int8'] as const) {
  test(`a chain of every op with three outputs matches the IR evaluator (${precision})`, async () => {
    await check('chain', chainGraph(), { precision });
  });
}

test('intermediate values exposed as extra outputs (as bisect does) keep their names and values', async () => {
  for (const precision of ['fp32', 'fp16'] as const) {
    const c = chainGraph();
    c.graph.outputs.push(
      { name: 'ln', value: 'ln' },            // public name = its own value name
      { name: 'logpow', value: 'gelu' },      // public name of a different internal value
      { name: 'probs_again', value: 'probs_' }, // the same value twice
      { name: 'input_echo', value: 'samples' }, // a graph input
      { name: 'floor_const', value: 'floor' },  // a constant
    );
    await check(`bisect-${precision}`, c, { precision });
  }
});
