/**
 * The reader on the real Basic Pitch nmp.tflite (made by TF's converter), and
 * the layout facts of our own files read back: TFL3, version 3, empty
 * buffers[0], activations on buffer 0, 16-byte aligned data, both builtin code
 * fields, serving_default signature, min_runtime_version metadata.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadConverter } from '../../../converters/index.js';
import { Model } from '../../../src/model/model.js';
import { hasReference, referenceDir } from '../../../src/util/paths.js';
import { A2mError } from '../../../src/errors.js';
import { graphToTflite, PROVENANCE_METADATA } from '../../../converters/tflite/convert.js';
import { readTflite, readTfliteFile } from '../../../converters/tflite/read.js';
import { BUFFER_ALIGNMENT, PLACEHOLDER_FOR_GREATER_OP_CODES } from '../../../converters/tflite/format.js';

const NMP = path.join(referenceDir, 'basic-pitch', 'nmp.tflite');

test('reads the reference Basic Pitch nmp.tflite', { skip: hasReference ? false : 'skipped: ../shared/reference not present' }, async () => {
  const s = await readTfliteFile(NMP);
  assert.equal(s.version, 3);
  assert.equal(s.subgraphs.length, 1);
  const sg = s.subgraphs[0]!;
  assert.equal(sg.name, 'main');
  const input = sg.tensors[sg.inputs[0]!]!;
  assert.deepEqual(input.shape, [1, 43844, 1]);
  assert.deepEqual(input.shapeSignature, [-1, 43844, 1]);
  assert.equal(input.type, 'FLOAT32');
  // conv1d as EXPAND_DIMS + CONV_2D (FORMATS.md), options decoded from the table.
  assert.ok(sg.opCounts.EXPAND_DIMS! > 0 && sg.opCounts.CONV_2D! > 0);
  const conv = sg.operators.find((o) => o.op === 'CONV_2D')!;
  assert.equal(conv.options?.name, 'Conv2DOptions');
  assert.equal(conv.options?.values?.stride_h, 1);
  assert.equal(sg.operators.length, 222);
  assert.equal(sg.tensors.length, 290);
  const sig = s.signatureDefs[0]!;
  assert.equal(sig.key, 'serving_default');
  assert.deepEqual(sig.inputs.map((i) => i.name), ['input_2']);
  assert.deepEqual(sig.outputs.map((o) => o.name).sort(), ['contour', 'note', 'onset']);
  assert.equal(s.minRuntimeVersion, '2.2.0');
  assert.deepEqual(s.metadata.map((m) => m.name), ['min_runtime_version', 'CONVERSION_METADATA']);
});

test('our file (through the converter registry): identifier, version, buffers, alignment, op codes, signature, metadata', async (t) => {
  const model = Model.create('tiny', 0);
  const graph = await model.graph(1);
  model.dispose();
  const converter = await loadConverter('tflite');
  assert.equal(converter.defaultName, 'model.tflite');
  const dir = mkdtempSync(path.join(tmpdir(), 'a2m-tflite-reader-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'out', converter.defaultName);
  assert.deepEqual(await converter.write(graph, file, { precision: 'fp32', metadata: { tool: 'test' } }), [file]);
  assert.deepEqual(readdirSync(path.dirname(file)), ['model.tflite'], 'no temp file left behind');
  const bytes = new Uint8Array(readFileSync(file));
  const { minRuntimeVersion } = graphToTflite(graph, { precision: 'fp32' });
  assert.equal(new TextDecoder().decode(bytes.subarray(4, 8)), 'TFL3');
  const s = await readTfliteFile(file);
  assert.equal(s.version, 3);
  assert.equal(s.buffers[0]!.size, 0, 'buffers[0] is the empty sentinel');
  const sg = s.subgraphs[0]!;
  const constantBuffers = new Set<number>();
  for (const t of sg.tensors) {
    if (t.buffer !== 0) {
      assert.ok(!constantBuffers.has(t.buffer), `buffer ${t.buffer} shared by two tensors`);
      constantBuffers.add(t.buffer);
      assert.ok(t.dataBytes > 0, `constant ${t.name} has data`);
    }
    assert.ok(t.shape.every((d) => d > 0) && t.shapeSignature === undefined, `${t.name}: static shape`);
  }
  for (const i of [...sg.inputs, ...sg.outputs]) assert.equal(sg.tensors[i]!.buffer, 0, 'inputs and outputs are activations');
  for (const b of s.buffers) if (b.size > 0) assert.equal(b.offset % BUFFER_ALIGNMENT, 0, `buffer ${b.index} at ${b.offset} is 16-byte aligned`);
  for (const c of s.operatorCodes) assert.equal(c.deprecatedBuiltinCode, Math.min(c.builtinCode, PLACEHOLDER_FOR_GREATER_OP_CODES), c.name);
  assert.equal(s.operatorCodes.find((c) => c.name === 'GELU')?.deprecatedBuiltinCode, 127, 'GELU (150) keeps the placeholder byte');

  const sig = s.signatureDefs[0]!;
  assert.equal(sig.key, 'serving_default');
  assert.deepEqual(sig.inputs, [{ name: 'samples', tensor: sg.inputs[0] }]);
  assert.deepEqual(sig.outputs.map((o) => o.name), graph.outputs.map((o) => o.name));
  assert.deepEqual(sig.outputs.map((o) => o.tensor), sg.outputs);
  assert.deepEqual(sg.tensors[sg.inputs[0]!]!.shape, [1, 2, 80000]);

  assert.equal(s.minRuntimeVersion, minRuntimeVersion);
  assert.equal(minRuntimeVersion, '2.9.0', 'GELU v1 needs TFLite 2.9');
  assert.equal(s.metadata.find((m) => m.name === 'min_runtime_version')?.size, 16);
  const prov = s.metadata.find((m) => m.name === PROVENANCE_METADATA)!;
  const provBuf = s.buffers[prov.buffer]!;
  assert.equal(JSON.parse(new TextDecoder().decode(bytes.subarray(provBuf.offset, provBuf.offset + provBuf.size))).tool, 'test');

  // Options as the emitters set them.
  const opts = (op: string) => sg.operators.find((o) => o.op === op)!.options!.values!;
  assert.equal(opts('SOFTMAX').beta, 1);
  assert.equal(opts('GELU').approximate, true);
  assert.equal(opts('FULLY_CONNECTED').keep_num_dims, true);
  assert.equal(opts('DEPTHWISE_CONV_2D').depth_multiplier, 1);
  assert.equal(opts('MEAN').keep_dims, true);
});

test('reader errors name the file', async () => {
  await assert.rejects(readTfliteFile('/nonexistent/model.tflite'), (e: Error) => e instanceof A2mError && /nonexistent\/model\.tflite: cannot read/.test(e.message));
  assert.throws(() => readTflite(new Uint8Array(16), 'zeros.tflite'), /zeros\.tflite: file identifier .* is not "TFL3"/);
  assert.throws(() => readTflite(new Uint8Array(3), 'tiny.tflite'), /tiny\.tflite: 3 bytes is too short/);
});
