/**
 * Dynamic batch in every format that writes one (converters/index.ts
 * DYNAMIC_BATCH_FORMATS): a tiny-logspec model with random weights exported
 * with `batch: 'dynamic'`, each artifact run in its own runtime at batch 1, 3
 * and 8 (one call; LiteRT.js: one window per call, it cannot resize), every
 * row against the IR reference evaluator's batch-1 output for that window.
 * Also the format facts that make the batch free: ONNX dim_param, SavedModel
 * and tfjs -1 in the signature, TFLite's -1 shape operands and activation
 * shape_signatures; Core ML's enumerated batches (1..8) on the input, unknown
 * dim 0 in the program, and coreml-ref refusing a batch it does not list.
 * Prints the parity table (format x runtime x batch: max abs error).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportModel, recordGraph } from '../../src/export/export.js';
import { evaluateGraph } from '../../src/ir/evaluate.js';
import { runPasses } from '../../src/ir/passes.js';
import { loadRuntime } from '../../src/runtimes/index.js';
import { splitBatch, stackBatch } from '../../src/verify/run-artifact.js';
import { readOnnx } from '../../converters/onnx/read.js';
import { readSavedModelSummary } from '../../converters/savedmodel/reader.js';
import { readTfliteFile } from '../../converters/tflite/read.js';
import { DYNAMIC_BATCH_FORMATS } from '../../converters/index.js';
import { readPackage } from '../../converters/coreml/package.js';
import { ENUMERATED_BATCHES } from '../../converters/coreml/format.js';
import { loadMlPackage, runPlan } from '../../src/runtimes/coreml-ref/index.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import { maxAbsError } from '../../fixtures/compare.js';
import { randomizedModel, testInput } from '../helpers/models.js';

/** fp32 parity, as verify's (src/verify/tolerances.ts fp32 atol). */
const TOLERANCE = 1e-4;
const BATCHES = [1, 3, 8];

const tmp = mkdtempSync(path.join(tmpdir(), 'a2m-dynamic-batch-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('dynamic-batch exports run at batch 1, 3 and 8 in every runtime, each row equal to batch 1', async () => {
  const model = await randomizedModel('tiny-logspec');
  try {
    const manifest = await exportModel(model, { formats: ['onnx', 'savedmodel', 'tflite', 'tfjs', 'coreml'], precisions: ['fp32'], out: tmp, batch: 'dynamic' });
    assert.equal(manifest.dynamicBatch, true);
    assert.equal(manifest.batch, 1);
    for (const a of manifest.artifacts) assert.equal(Boolean(a.dynamicBatch), DYNAMIC_BATCH_FORMATS.includes(a.format as never), a.format);

    // Eight different windows; the reference is each alone at batch 1.
    const windows: HostTensor[] = Array.from({ length: 8 }, (_, i) => testInput(10 + i));
    const g1 = runPasses(await model.graph(1));
    const refs = windows.map((w) => evaluateGraph(g1, { samples: w }));
    // The IR itself, batch-polymorphic, at batch 8.
    const dyn = runPasses(await recordGraph(model, 'dynamic'));
    const table: string[] = ['| format | runtime | ' + BATCHES.map((b) => `batch ${b}`).join(' | ') + ' |', '| --- | --- |' + BATCHES.map(() => ' --- |').join('')];
    const cells: string[] = [];
    for (const b of BATCHES) {
      const out = evaluateGraph(dyn, { samples: stackBatch(windows.slice(0, b), b) });
      cells.push(maxRowError(out, refs, b).toExponential(1));
    }
    table.push(`| IR | reference evaluator | ${cells.join(' | ')} |`);

    for (const a of manifest.artifacts.filter((x) => x.dynamicBatch)) {
      const runtime = await loadRuntime(a.format);
      const session = await runtime.load(path.join(tmp, a.path));
      const row: string[] = [];
      try {
        for (const b of BATCHES) {
          const out = await session.run({ samples: stackBatch(windows.slice(0, b), b) });
          for (const [name, t] of Object.entries(out)) assert.equal(t.shape[0], b, `${a.format} ${name} at batch ${b}: shape [${t.shape}]`);
          const err = maxRowError(out, refs, b);
          row.push(err.toExponential(1));
          assert.ok(err <= TOLERANCE, `${a.format} (${runtime.name}) batch ${b}: max abs ${err}`);
        }
      } finally {
        await session.dispose();
      }
      table.push(`| ${a.format} | ${runtime.name}${runtime.batchNote ? ` (${runtime.batchNote})` : ''} | ${row.join(' | ')} |`);
    }
    console.log(table.join('\n'));

    // The facts that make dim 0 free, read back from the files.
    const onnx = await readOnnx(path.join(tmp, 'model.onnx'));
    assert.equal(onnx.inputs[0]!.shape[0], 'batch');
    for (const o of onnx.outputs) assert.equal(o.shape[0], 'batch', o.name);
    const sm = await readSavedModelSummary(path.join(tmp, 'savedmodel'));
    const sig = sm.metaGraphs[0]!.signatures.serving_default!;
    assert.equal(sig.inputs.samples!.shape![0], -1);
    for (const [name, o] of Object.entries(sig.outputs)) assert.equal(o.shape![0], -1, name);
    const tfl = await readTfliteFile(path.join(tmp, 'model.tflite'));
    const sg = tfl.subgraphs[0]!;
    assert.equal(sg.tensors[sg.inputs[0]!]!.shapeSignature, undefined, 'no -1 on the input: LiteRT.js would refuse it');
    for (const o of sg.outputs) assert.equal(sg.tensors[o]!.shapeSignature?.[0], -1, sg.tensors[o]!.name);
    const tfjsDir = manifest.artifacts.find((a) => a.format === 'tfjs')!.path;
    const tfjs = JSON.parse(readFileSync(path.join(tmp, tfjsDir, 'model.json'), 'utf8'));
    assert.equal(tfjs.signature.inputs.samples.tensorShape.dim[0].size, '-1');
    const mlpackage = path.join(tmp, manifest.artifacts.find((a) => a.format === 'coreml')!.path);
    const { model: ml } = await readPackage(mlpackage);
    const input = ml.description!.input![0]!.type!.multiArrayType!;
    assert.deepEqual(input.shape, [1, 2, 80000], 'the default shape is batch 1');
    assert.deepEqual(input.enumeratedShapes!.shapes!.map((x) => x.shape![0]), [...ENUMERATED_BATCHES]);
    for (const o of ml.description!.output!) assert.equal(o.type!.multiArrayType!.shape, undefined, `${o.name}: a symbolic output declares no shape`);
    const fnInput = ml.mlProgram!.functions!.main!.inputs![0]!.type!.tensorType!;
    assert.deepEqual(fnInput.dimensions![0], { unknown: {} }, 'dim 0 of the program input is unknown');
    const plan = await loadMlPackage(mlpackage);
    assert.throws(() => runPlan(plan, { samples: stackBatch(windows.slice(0, 1), 9) }), /shape \[9,2,80000\]: the model's enumerated shapes are \[1,2,80000\]/);
  } finally {
    model.dispose();
  }
});

/** Max |out row i - refs[i]| over every output and the first `b` rows (fixtures/compare.ts's measure; element counts must match). */
function maxRowError(out: Record<string, HostTensor>, refs: Record<string, HostTensor>[], b: number): number {
  let max = 0;
  for (const [name, t] of Object.entries(out)) {
    splitBatch(t, b).forEach((row, i) => { max = Math.max(max, maxAbsError(refs[i]![name]!, row, { name, lengthOnly: true })); });
  }
  return max;
}
