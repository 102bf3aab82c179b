/**
 * The op-case catalogue (test/converters/onnx/op-graphs.ts OP_CASES: one small graph per IR op)
 * through every converter, each file run in its format's own runtime against the IR evaluator.
 * All cases go into one graph per format (each case's values prefixed by its op, one output
 * each), so each runtime loads one file. A new op's case runs everywhere with no edit here.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { addConstant, addInput, addNode, emptyGraph, type IrGraph } from '../../src/ir/graph.js';
import { evaluateGraph } from '../../src/ir/evaluate.js';
import { OP_NAMES, type OpName } from '../../src/ir/ops.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import { loadConverter } from '../../converters/index.js';
import { loadRuntime } from '../../src/runtimes/index.js';
import { UnsupportedOpsError } from '../../converters/types.js';
import { OP_CASES } from './onnx/op-graphs.js';
import { assertClose, diffOutputs, fmtDiffs } from '../../fixtures/compare.js';
import { tempDir } from '../../fixtures/temp-dir.js';

// fp32 kernels vs the float64-accumulating IR evaluator on O(1) values (as each format's own op test).
const FP32_ATOL = 1e-5;
const FP32_RTOL = 1e-5;

/** What a format refuses in the catalogue, and why it is expected (anything else refused fails). */
const EXPECTED_REFUSALS: Record<string, OpName[]> = {
  // tfjs has no grouped convolution; the cases use groups 2 (depthwise and dense convs run in the model tests).
  tfjs: ['Conv1D', 'Conv2D'],
};

/** The cases of `ops` as one graph: values `<op>_<name>`, output `y_<op>` per case. */
function catalogueGraph(ops: readonly OpName[]): { graph: IrGraph; feeds: Record<string, HostTensor> } {
  const g = emptyGraph();
  const feeds: Record<string, HostTensor> = {};
  for (const op of ops) {
    const c = OP_CASES[op]();
    const name = (v: string) => `${op}_${v}`;
    for (const i of c.graph.inputs) { addInput(g, name(i.name), i.shape); feeds[name(i.name)] = c.feeds[i.name]!; }
    for (const [k, t] of c.graph.constants) addConstant(g, name(k), t);
    for (const n of c.graph.nodes) addNode(g, name(n.name), n.op, n.inputs.map(name), n.attrs as never);
    for (const o of c.graph.outputs) g.outputs.push({ name: `${o.name}_${op}`, value: name(o.value) });
  }
  g.metadata.preset = 'op-cases';
  return { graph: g, feeds };
}

/** The ops whose case nodes `format` refuses (the converter reports every refused node at once). */
async function refusedOps(format: string, dir: string): Promise<OpName[]> {
  const converter = await loadConverter(format);
  try {
    await converter.write(catalogueGraph(OP_NAMES).graph, path.join(dir, `${format}-probe-${converter.defaultName}`), { precision: 'fp32' });
    return [];
  } catch (e) {
    if (!(e instanceof UnsupportedOpsError)) throw e;
    return [...new Set(e.problems.map((p) => p.node.slice(0, p.node.indexOf('_')) as OpName))].sort();
  }
}

const tmp = tempDir('op-cases');
after(tmp.cleanup);

for (const format of ['onnx', 'coreml', 'tflite', 'savedmodel', 'tfjs']) {
  test(`${format}: every op case runs in the format's runtime as the IR evaluator says (fp32)`, async (t) => {
    const refused = await refusedOps(format, tmp.dir);
    assert.deepEqual(refused, [...(EXPECTED_REFUSALS[format] ?? [])].sort(), `${format} refuses these op cases`);
    const { graph, feeds } = catalogueGraph(OP_NAMES.filter((op) => !refused.includes(op)));
    const ref = evaluateGraph(graph, feeds);
    const converter = await loadConverter(format);
    const file = path.join(tmp.dir, `${format}-${converter.defaultName}`);
    await converter.write(graph, file, { precision: 'fp32' });
    const session = await (await loadRuntime(format)).load(file);
    let got: Record<string, HostTensor>;
    try { got = await session.run(feeds); } finally { await session.dispose(); }
    const diffs = diffOutputs(ref, got, FP32_ATOL, FP32_RTOL);
    t.diagnostic(`${format}: ${fmtDiffs(diffs)}`);
    assertClose(format, diffs);
  });
}
