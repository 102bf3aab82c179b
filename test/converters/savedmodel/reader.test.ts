import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../../../src/errors.js';
import { addInput, emptyGraph, type IrNode } from '../../../src/ir/graph.js';
import { hasReference, referenceDir } from '../../../src/util/paths.js';
import { buildSavedModel } from '../../../converters/savedmodel/export.js';
import { decodeBundle, readBundle } from '../../../converters/savedmodel/bundle.js';
import { FOOTER_SIZE, bundleDataPath, bundleIndexPath } from '../../../converters/savedmodel/facts.js';
import { readSavedModelSummary, summarizeSavedModel } from '../../../converters/savedmodel/reader.js';
import { TF_OPS } from '../../../converters/savedmodel/tf-ops.js';
import { UnsupportedOpsError } from '../../../converters/types.js';
import { randomizedModel } from '../../helpers/models.js';
import { mulberry32 } from '../../../src/util/prng.js';

const NO_REFERENCE = 'skipped: ../shared/reference not present';
const NMP = path.join(referenceDir, 'basic-pitch', 'nmp');
const FUZZ_ROUNDS = 100;
/** Rounds on the 1 MB reference saved_model.pb (a decode costs tens of ms). */
const REF_PB_ROUNDS = 15;

async function tinyFiles() {
  const m = await randomizedModel('tiny');
  const g = await m.graph(1);
  m.dispose();
  const f = buildSavedModel(g, { precision: 'fp32' });
  return { ...f, data: new Uint8Array(Buffer.concat(f.data)) };
}

/** Runs `fn` on a corrupted copy: it must return or throw an A2mError with a one-line message, never anything else. */
function survives(what: string, fn: () => unknown): 'ok' | 'error' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof A2mError, `${what}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
    assert.ok(!e.message.includes('\n') && e.message.length < 400, `${what}: message is not one line: ${e.message}`);
    return 'error';
  }
}

function flipBits(src: Uint8Array, rnd: () => number, lo = 0, hi = src.length): { bytes: Uint8Array; at: number[] } {
  const bytes = src.slice();
  const at: number[] = [];
  for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
    const i = lo + Math.floor(rnd() * (hi - lo));
    bytes[i]! ^= 1 << Math.floor(rnd() * 8);
    at.push(i);
  }
  return { bytes, at };
}

test('summarizes the TF-written Basic Pitch saved_model.pb', async (t) => {
  if (!hasReference) return t.skip(NO_REFERENCE);
  const s = await readSavedModelSummary(NMP);
  assert.equal(s.schemaVersion, 1);
  const mg = s.metaGraphs[0]!;
  assert.deepEqual(mg.tags, ['serve']);
  assert.equal(mg.tensorflowVersion, '2.4.1');
  assert.ok(mg.strippedDefaultAttrs && mg.hasObjectGraph);
  assert.equal(mg.producer, 561);
  assert.equal(mg.functionCount, 104);
  assert.equal(mg.opCounts.VarHandleOp, 73);
  assert.ok(mg.functionOpCounts.Conv2D! > 0 && mg.functionOpCounts.RestoreV2 === 1);
  assert.deepEqual(mg.saver, { filenameTensor: 'saver_filename:0', saveTensor: 'StatefulPartitionedCall_1:0', restoreOp: 'StatefulPartitionedCall_2', version: 2 });
  const sig = mg.signatures.serving_default!;
  assert.equal(sig.method, 'tensorflow/serving/predict');
  assert.deepEqual(sig.inputs.input_2, { name: 'serving_default_input_2:0', dtype: 'DT_FLOAT', shape: [-1, 43844, 1] });
  assert.deepEqual(Object.keys(sig.outputs).sort(), ['contour', 'note', 'onset']);
  assert.deepEqual(sig.outputs.note!.shape, [-1, 172, 88]);
});

test('summarizes our export: serve tag, predict signature by public names, V2 saver, only tabled TF ops', async () => {
  const f = await tinyFiles();
  const mg = summarizeSavedModel(f.savedModel, 'tiny/saved_model.pb').metaGraphs[0]!;
  assert.deepEqual(mg.tags, ['serve']);
  assert.ok(mg.strippedDefaultAttrs && !mg.hasObjectGraph && mg.functionCount === 0);
  const sig = mg.signatures.serving_default!;
  assert.equal(sig.method, 'tensorflow/serving/predict');
  assert.deepEqual(sig.inputs, { samples: { name: 'samples:0', dtype: 'DT_FLOAT', shape: [1, 2, 80000] } });
  assert.deepEqual(Object.keys(sig.outputs).sort(), ['logits', 'onset_logits', 'onset_probs', 'probs', 'velocity']);
  assert.deepEqual(sig.outputs.logits, { name: 'logits:0', dtype: 'DT_FLOAT', shape: [1, 250, 90] });
  assert.deepEqual(mg.saver, { filenameTensor: 'saver_filename:0', saveTensor: 'save/control_dependency:0', restoreOp: 'save/restore_all', version: 2 });
  for (const op of Object.keys(mg.opCounts)) assert.ok(op in TF_OPS, `${op} is not in the TF op table`);
  for (const op of ['Conv2D', 'DepthwiseConv2dNative', 'MatMul', 'BatchMatMulV2', 'RestoreV2', 'AssignVariableOp']) assert.ok(mg.opCounts[op]! > 0, op);
  assert.equal(mg.opCounts.VarHandleOp, decodeBundle(f.index, f.data, 'tiny').entries.length);
});

test('every unsupported op is reported at once, naming node, op and target', () => {
  const g = emptyGraph();
  addInput(g, 'samples', [1, 4]);
  g.nodes.push({ name: 'a/fancy', op: 'Fancy', inputs: ['samples'], output: 'a/fancy', attrs: {} } as unknown as IrNode);
  g.nodes.push({ name: 'b/fancier', op: 'Fancier', inputs: ['a/fancy'], output: 'b/fancier', attrs: {} } as unknown as IrNode);
  assert.throws(() => buildSavedModel(g, { precision: 'fp32' }), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOpsError);
    assert.deepEqual(e.problems.map((p) => `${p.node} ${p.op} ${p.target}`), ['a/fancy Fancy TF SavedModel', 'b/fancier Fancier TF SavedModel']);
    return true;
  });
});

test('fuzz: corrupted saved_model.pb (truncated, bit-flipped, foreign bytes) ends in a clear error or a valid summary', async () => {
  const ours = (await tinyFiles()).savedModel;
  const inputs: [Uint8Array, number][] = [[ours, FUZZ_ROUNDS]];
  if (hasReference) inputs.push([new Uint8Array(await readFile(path.join(NMP, 'saved_model.pb'))), REF_PB_ROUNDS]);
  const rnd = mulberry32(20240601);
  let errors = 0;
  for (const [src, rounds] of inputs) {
    for (let r = 0; r < rounds; r++) {
      const cut = src.subarray(0, Math.floor(rnd() * src.length));
      if (survives(`truncated to ${cut.length}`, () => summarizeSavedModel(cut, 'x.pb')) === 'error') errors++;
      const { bytes, at } = flipBits(src, rnd);
      if (survives(`bits flipped at ${at}`, () => summarizeSavedModel(bytes, 'x.pb')) === 'error') errors++;
    }
  }
  assert.ok(errors > FUZZ_ROUNDS / 2, `only ${errors} corruptions were noticed`);
  assert.throws(() => summarizeSavedModel(new Uint8Array(0), 'empty.pb'), /empty\.pb: .*schema_version/);
  assert.throws(() => summarizeSavedModel(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff), 'junk.pb'), A2mError);
  await assert.rejects(readSavedModelSummary('/nonexistent/dir'), /nonexistent\/dir\/saved_model\.pb: cannot read \(ENOENT\)/);
});

test('fuzz: corrupted bundles (truncated, bit-flipped, wrong magic) always end in a clear error', async () => {
  const { index, data } = await tinyFiles();
  const rnd = mulberry32(7);
  for (let r = 0; r < FUZZ_ROUNDS; r++) {
    // Every byte before the footer is covered by a block CRC; every data byte by an entry CRC.
    const fi = flipBits(index, rnd, 0, index.length - FOOTER_SIZE);
    assert.equal(survives(`index bits ${fi.at}`, () => decodeBundle(fi.bytes, data, 'v')), 'error', `index flip at ${fi.at} went unnoticed`);
    const fd = flipBits(data, rnd);
    assert.equal(survives(`data bits ${fd.at}`, () => decodeBundle(index, fd.bytes, 'v')), 'error', `data flip at ${fd.at} went unnoticed`);
    const ff = flipBits(index, rnd, index.length - FOOTER_SIZE);
    survives(`footer bits ${ff.at}`, () => decodeBundle(ff.bytes, data, 'v'));
    const ti = index.subarray(0, Math.floor(rnd() * index.length));
    assert.equal(survives(`index cut at ${ti.length}`, () => decodeBundle(ti, data, 'v')), 'error');
    const td = data.subarray(0, Math.floor(rnd() * data.length));
    assert.equal(survives(`data cut at ${td.length}`, () => decodeBundle(index, td, 'v')), 'error');
  }
  const badMagic = index.slice();
  badMagic[badMagic.length - 1]! ^= 0xff;
  assert.throws(() => decodeBundle(badMagic, data, 'model/variables/variables'), /^A2mError: model\/variables\/variables\.index: not a LevelDB table \(bad magic number/);
  const flipped = data.slice();
  flipped[100]! ^= 4;
  assert.throws(() => decodeBundle(index, flipped, 'v'), /checksum mismatch/);
  await assert.rejects(readBundle('/nonexistent/variables'), /\/nonexistent\/variables\.(index|data-00000-of-00001): cannot read TensorBundle file \(ENOENT\)/);
});

test('fuzz: the reference bundle corrupted is caught too', async (t) => {
  if (!hasReference) return t.skip(NO_REFERENCE);
  const prefix = path.join(NMP, 'variables', 'variables');
  const index = new Uint8Array(await readFile(bundleIndexPath(prefix))), data = new Uint8Array(await readFile(bundleDataPath(prefix)));
  const rnd = mulberry32(11);
  for (let r = 0; r < 50; r++) {
    const fi = flipBits(index, rnd, 0, index.length - FOOTER_SIZE);
    assert.equal(survives(`index bits ${fi.at}`, () => decodeBundle(fi.bytes, data, 'nmp')), 'error');
    const fd = flipBits(data, rnd);
    assert.equal(survives(`data bits ${fd.at}`, () => decodeBundle(index, fd.bytes, 'nmp')), 'error');
  }
});
