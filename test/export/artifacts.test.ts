/**
 * export, convert and bundle plan every format x precision before writing
 * anything (a refused combination used to leave half an export and no
 * export.json), and per-format options reach their converter (ONNX's opset,
 * read back from the written file by our reader and checked by Python's onnx.checker).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { randomizedModel } from '../helpers/models.js';
import { exportModel } from '../../src/export/export.js';
import { planArtifactList, planArtifacts } from '../../src/export/artifacts.js';
import { convertModel } from '../../src/convert/convert.js';
import { buildBundle } from '../../src/bundle/build.js';
import { writeNewOpsGraph } from '../convert/tf-graphs.js';
import { readOnnx } from '../../converters/onnx/read.js';
import { venvPython } from '../../src/util/paths.js';
import type { Model } from '../../src/model/model.js';

let tmp: string;
let model: Model;
before(async () => { tmp = await mkdtemp(path.join(os.tmpdir(), 'a2m-artifacts-')); model = await randomizedModel('tiny'); });
after(async () => { model?.dispose(); await rm(tmp, { recursive: true, force: true }); });

test('a refused combination (Core ML int8) fails the whole export before anything is written', async () => {
  const out = path.join(tmp, 'refused');
  await assert.rejects(exportModel(model, { formats: ['onnx', 'tflite', 'coreml'], precisions: ['fp32', 'int8'], out }),
    /nothing written: not supported: coreml int8 \(coreml writes fp32, fp16\)/);
  assert.equal(existsSync(out), false, 'no folder, no partial artifacts, no export.json');
});

test('convert and bundle refuse a combination before writing anything too', async () => {
  const source = path.join(tmp, 'source');
  writeNewOpsGraph(source);
  const convertOut = path.join(tmp, 'convert-refused');
  await assert.rejects(convertModel(source, { formats: ['onnx', 'coreml'], precisions: ['fp32', 'int8'], out: convertOut }),
    /nothing written: not supported: coreml int8 \(coreml writes fp32, fp16\)/);
  assert.equal(existsSync(convertOut), false, 'convert: no folder, no convert.json');

  const bundleOut = path.join(tmp, 'bundle-refused');
  const before = readdirSync(tmp).sort();
  await assert.rejects(buildBundle(model, {}, { targets: ['android', 'ios'], iosPrecision: 'int8', out: bundleOut }),
    /nothing written: not supported: coreml int8 \(coreml writes fp32, fp16\)/);
  assert.deepEqual(readdirSync(tmp).sort(), before, 'bundle: no folder and no temp folder beside it');
});

test('the plan names every artifact; unknown formats and precisions are named', async () => {
  const plan = await planArtifacts(['onnx', 'savedmodel'], ['fp32', 'fp16']);
  assert.deepEqual(plan.map((a) => a.path), ['model.onnx', 'model.fp16.onnx', 'savedmodel', 'savedmodel_fp16']);
  await assert.rejects(planArtifacts(['caffe'], ['fp32']), /unknown format "caffe"/);
  await assert.rejects(planArtifacts(['onnx'], ['bf16']), /unknown precision "bf16"/);
  await assert.rejects(planArtifacts([], ['fp32']), /no format given/);
  await assert.rejects(planArtifactList([{ format: 'onnx', precision: 'fp32', path: 'm' }, { format: 'tflite', precision: 'fp32', path: 'm' }]), /two artifacts would be written to m/);
});

test('--opset reaches the ONNX writer: opset 20 / IR 9 in the file, accepted by onnx.checker', async () => {
  const out = path.join(tmp, 'opset20');
  await exportModel(model, { formats: ['onnx'], precisions: ['fp32'], out, onnx: { opset: 20 } });
  const summary = await readOnnx(path.join(out, 'model.onnx'));
  assert.deepEqual(summary.opsets.filter((o) => o.domain === '').map((o) => o.version), [20]);
  assert.ok(existsSync(venvPython), `onnx.checker needs ${venvPython} (npm install creates it)`);
  const r = spawnSync(venvPython, ['-c', `import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.ir_version)`, path.join(out, 'model.onnx')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '9');
  await assert.rejects(exportModel(model, { formats: ['onnx'], precisions: ['fp32'], out: path.join(tmp, 'opset18'), onnx: { opset: 18 } }), /opset 18 is not supported \(expected one of: 17, 20\)/);
});
