/**
 * The IR ops imported models brought (Conv2D, Relu, Pad, ReduceMin/ReduceMax,
 * DivNoNan) through every converter, each file run in its format's own
 * runtime (Core ML: the coreml-ref evaluator) against the IR evaluator, and
 * the target ops each emitter chose.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { evaluateGraph } from '../../src/ir/evaluate.js';
import { loadConverter } from '../../converters/index.js';
import { loadRuntime } from '../../src/runtimes/index.js';
import { IMAGE_GRAPH_OUTPUTS, IMAGE_OPS, imageOpsGraph } from './image-op-graph.js';
import { opCountsOf } from './helpers.js';
import { assertClose, diffOutputs, fmtDiffs } from '../../fixtures/compare.js';
import { tempDir } from '../../fixtures/temp-dir.js';

// fp32 kernels vs the float64-accumulating IR evaluator on O(1) values (measured <= 1e-6).
const FP32_ATOL = 1e-5;
const FP32_RTOL = 1e-5;
// fp16 weights (and fp16 compute in ONNX / Core ML): 11-bit mantissas through four convs; measured <= 2e-3 on outputs of range ~1-30.
const FP16_ATOL = 1e-2;
const FP16_RTOL = 1e-2;

/** Target ops that prove each emitter took the intended path (e.g. SAME vs an explicit PAD, reflect vs constant). */
const EXPECTED_OPS: Record<string, Record<string, number>> = {
  savedmodel: { Conv2D: 4, DepthwiseConv2dNative: 1, Relu: 1, MirrorPad: 1, PadV2: 1, Pad: 3, Min: 1, Max: 1, DivNoNan: 2 },
  tflite: { CONV_2D: 4, DEPTHWISE_CONV_2D: 1, RELU: 1, MIRROR_PAD: 1, PADV2: 1, PAD: 3, REDUCE_MIN: 1, REDUCE_MAX: 1, EQUAL: 2, SELECT_V2: 2 },
  onnx: { Conv: 4, Relu: 1, Pad: 4, ReduceMin: 1, ReduceMax: 1, Equal: 2, Where: 2 },
  coreml: { conv: 4, relu: 1, pad: 4, reduce_min: 1, reduce_max: 1, equal: 2, select: 2 },
  tfjs: { Conv2D: 3, DepthwiseConv2dNative: 1, Relu: 1, MirrorPad: 1, PadV2: 1, Pad: 2, Min: 1, Max: 1, DivNoNan: 2 },
};

const tmp = tempDir('image-ops');
after(tmp.cleanup);

test('the shared graph uses every new op', () => {
  const used = new Set(imageOpsGraph().graph.nodes.map((n) => n.op));
  assert.deepEqual(IMAGE_OPS.filter((op) => !used.has(op)), []);
});

for (const format of ['savedmodel', 'tflite', 'onnx', 'coreml', 'tfjs']) {
  test(`${format}: Conv2D, Relu, Pad, ReduceMin/Max, DivNoNan run in the format's runtime as the IR evaluator says`, async (t) => {
    // tfjs has no grouped convolution: its graph has a dense conv in place of the 2-group one.
    const { graph, feeds } = imageOpsGraph({ grouped: format !== 'tfjs' });
    const ref = evaluateGraph(graph, feeds);
    const converter = await loadConverter(format);
    const runtime = await loadRuntime(format);
    for (const precision of ['fp32', 'fp16'] as const) {
      const file = path.join(tmp.dir, `${format}-${precision}-${converter.defaultName}`);
      await converter.write(graph, file, { precision });
      const session = await runtime.load(file);
      let got;
      try { got = await session.run(feeds); } finally { await session.dispose(); }
      const [atol, rtol] = precision === 'fp32' ? [FP32_ATOL, FP32_RTOL] : [FP16_ATOL, FP16_RTOL];
      const diffs = diffOutputs(ref, got, atol, rtol, [...IMAGE_GRAPH_OUTPUTS]);
      t.diagnostic(`${format} ${precision}: ${fmtDiffs(diffs)}`);
      assertClose(`${format} ${precision}`, diffs);
      if (precision === 'fp32') {
        const counts = await opCountsOf(format, file);
        for (const [op, n] of Object.entries(EXPECTED_OPS[format]!)) assert.equal(counts[op] ?? 0, n, `${format}: ${op} count (all: ${JSON.stringify(counts)})`);
      }
    }
    // The divisor's zeros reach DivNoNan's zero branch: the reference holds exact zeros there, so a NaN/Inf would fail above.
    assert.ok(ref.quotient!.data.some((v) => v === 0) && ref.quotient!.data.every(Number.isFinite));
  });
}
