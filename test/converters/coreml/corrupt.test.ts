/**
 * Corrupted packages end in one clear A2mError naming the file, never a crash
 * or a hang: targeted cases (truncated proto, bad sentinel, wrong offsets,
 * missing files, undefined values, unknown ops) and a seeded fuzz loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { addConstant, addInput, addNode, emptyGraph, type IrGraph } from '../../../src/ir/graph.js';
import { buildCoreML } from '../../../converters/coreml/index.js';
import { writePackage } from '../../../converters/coreml/package.js';
import { decodeModel, encodeModel, type CoreMLModel } from '../../../converters/coreml/schema.js';
import coremlRef from '../../../src/runtimes/coreml-ref/index.js';
import { A2mError } from '../../../src/errors.js';
import { randomTensor, withTempDir } from './helpers.js';
import { mulberry32 } from '../../../src/util/prng.js';

const FUZZ_ROUNDS = 150;
const MODEL = 'Data/com.apple.CoreML/model.mlmodel';
const WEIGHTS = 'Data/com.apple.CoreML/weights/weight.bin';
const MANIFEST = 'Manifest.json';

/** A small graph touching conv, linear, layer_norm, softmax: loads and runs in milliseconds. */
function smallGraph(): IrGraph {
  const g = emptyGraph(), rnd = mulberry32(5);
  const c = (n: string, s: number[]) => addConstant(g, n, randomTensor(s, rnd, 0.5)).name;
  const x = addInput(g, 'x', [1, 12, 3]).name;
  const conv = addNode(g, 'conv', 'Conv1D', [x, c('w', [3, 3, 4]), c('b', [4])], { stride: 1, padBegin: 1, padEnd: 1, groups: 1 });
  const ln = addNode(g, 'ln', 'LayerNorm', [conv.name, c('g', [4]), c('be', [4])], { epsilon: 1e-5 });
  const fc = addNode(g, 'fc', 'Dense', [ln.name, c('fw', [4, 5]), c('fb', [5])], {});
  g.outputs.push({ name: 'y', value: addNode(g, 'sm', 'Softmax', [fc.name], {}).name });
  return g;
}

interface Files { model: Uint8Array; weights: Uint8Array; manifest: Uint8Array }

async function pristine(dir: string): Promise<Files> {
  const b = buildCoreML(smallGraph(), { precision: 'fp32' });
  const pkg = path.join(dir, 'ok.mlpackage');
  await writePackage(pkg, b.model, b.weights);
  return { model: await readFile(path.join(pkg, MODEL)), weights: await readFile(path.join(pkg, WEIGHTS)), manifest: await readFile(path.join(pkg, MANIFEST)) };
}

async function writeFiles(pkg: string, f: Partial<Files>): Promise<void> {
  await rm(pkg, { recursive: true, force: true });
  await mkdir(path.dirname(path.join(pkg, WEIGHTS)), { recursive: true });
  if (f.manifest) await writeFile(path.join(pkg, MANIFEST), f.manifest);
  if (f.model) await writeFile(path.join(pkg, MODEL), f.model);
  if (f.weights) await writeFile(path.join(pkg, WEIGHTS), f.weights);
}

const input = { x: randomTensor([1, 12, 3], mulberry32(9)) };

async function loadAndRun(pkg: string): Promise<void> {
  const s = await coremlRef.load(pkg);
  await s.run(input);
}

async function expectError(pkg: string, re: RegExp, fileHint: string): Promise<void> {
  await assert.rejects(loadAndRun(pkg), (e: unknown) => {
    assert.ok(e instanceof A2mError, `not an A2mError: ${(e as Error).stack}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    assert.ok(e.message.includes(fileHint), `message names ${fileHint}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

/** Applies `edit` to the decoded model and re-encodes it. */
const editModel = (bytes: Uint8Array, edit: (m: CoreMLModel) => void) => { const m = decodeModel(bytes); edit(m); return encodeModel(m); };
const ops = (m: CoreMLModel) => m.mlProgram!.functions!.main!.block_specializations!.CoreML6!.operations!;
const blobConsts = (m: CoreMLModel) => ops(m).filter((o) => o.attributes?.val?.blobFileValue);

test('targeted corruptions of a package give one-line errors naming the file', async () => {
  await withTempDir(async (dir) => {
    const ok = await pristine(dir);
    const pkg = path.join(dir, 'bad.mlpackage');
    await writeFiles(pkg, ok);
    await loadAndRun(pkg); // the pristine copy runs

    await writeFiles(pkg, { ...ok, model: ok.model.subarray(0, ok.model.length >> 1) });
    await expectError(pkg, /not a Core ML Model protobuf|malformed|problem/, 'model.mlmodel');

    const w = Uint8Array.from(ok.weights);
    const firstBlob = blobConsts(decodeModel(ok.model))[0]!.attributes!.val!.blobFileValue!.offset!;
    w[firstBlob]! ^= 0xff;
    await writeFiles(pkg, { ...ok, weights: w });
    await expectError(pkg, /sentinel/, 'weight.bin');

    await writeFiles(pkg, { ...ok, model: editModel(ok.model, (m) => { blobConsts(m)[1]!.attributes!.val!.blobFileValue!.offset! += 64; }) });
    await expectError(pkg, /sentinel|outside|past the end/, 'weight.bin');
    await writeFiles(pkg, { ...ok, model: editModel(ok.model, (m) => { blobConsts(m)[0]!.attributes!.val!.blobFileValue!.offset = Math.ceil(ok.weights.length / 64) * 64 + 640; }) });
    await expectError(pkg, /past the end/, 'weight.bin');
    await writeFiles(pkg, { ...ok, model: editModel(ok.model, (m) => { blobConsts(m)[0]!.attributes!.val!.blobFileValue!.offset = 100; }) });
    await expectError(pkg, /64-aligned/, 'weight.bin');
    await writeFiles(pkg, { ...ok, model: editModel(ok.model, (m) => { blobConsts(m)[0]!.attributes!.val!.type!.tensorType!.dimensions![0]!.constant!.size = 99; }) });
    await expectError(pkg, /holds \d+ values/, 'model.mlmodel');
    await writeFiles(pkg, { ...ok, model: editModel(ok.model, (m) => { ops(m).find((o) => o.type === 'softmax')!.type = 'softmax_v9'; }) });
    await expectError(pkg, /unsupported op "softmax_v9"/, 'model.mlmodel');
    await writeFiles(pkg, { ...ok, model: editModel(ok.model, (m) => { ops(m).find((o) => o.type === 'linear')!.inputs!.x!.arguments![0]!.name = 'nowhere'; }) });
    await expectError(pkg, /uses "nowhere" before it is defined/, 'model.mlmodel');
    await writeFiles(pkg, { ...ok, model: editModel(ok.model, (m) => { ops(m).find((o) => o.type === 'linear')!.outputs![0]!.type!.tensorType!.dimensions![2]!.constant!.size = 7; }) });
    await expectError(pkg, /the file declares/, 'model.mlmodel');
    await writeFiles(pkg, { ...ok, model: editModel(ok.model, (m) => { delete m.mlProgram; }) });
    await expectError(pkg, /not an ML Program/, 'model.mlmodel');

    await writeFiles(pkg, { model: ok.model, weights: ok.weights });
    await expectError(pkg, /cannot read the package manifest/, 'Manifest.json');
    await writeFiles(pkg, { ...ok, manifest: new TextEncoder().encode('{"itemInfoEntries": ') });
    await expectError(pkg, /not valid JSON/, 'Manifest.json');
    const man = JSON.parse(new TextDecoder().decode(ok.manifest));
    man.itemInfoEntries[man.rootModelIdentifier].path = '../../etc/passwd';
    await writeFiles(pkg, { ...ok, manifest: new TextEncoder().encode(JSON.stringify(man)) });
    await expectError(pkg, /escapes the package/, 'Manifest.json');
    await writeFiles(pkg, { manifest: ok.manifest, model: ok.model });
    await expectError(pkg, /cannot read MIL blob storage/, 'weight.bin');
  });
});

test(`fuzz: ${FUZZ_ROUNDS} seeded mutations of model.mlmodel, weight.bin and Manifest.json never crash or hang the evaluator`, async () => {
  await withTempDir(async (dir) => {
    const ok = await pristine(dir);
    const pkg = path.join(dir, 'fuzz.mlpackage');
    const rnd = mulberry32(77);
    let detected = 0;
    for (let round = 0; round < FUZZ_ROUNDS; round++) {
      const which = (['model', 'model', 'weights', 'manifest'] as const)[round % 4]!;
      let b = Uint8Array.from(ok[which]);
      const kind = Math.floor(rnd() * 3);
      if (kind === 0) b = b.subarray(0, Math.floor(rnd() * b.length));
      else if (kind === 1) for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) { const i = Math.floor(rnd() * b.length); b[i]! ^= 1 << Math.floor(rnd() * 8); }
      else { const i = Math.floor(rnd() * b.length); for (let k = 0; k < 6 && i + k < b.length; k++) b[i + k] = Math.floor(rnd() * 256); }
      await writeFiles(pkg, { ...ok, [which]: b });
      try {
        await loadAndRun(pkg);
      } catch (e) {
        assert.ok(e instanceof A2mError, `round ${round} (${which}, mutation ${kind}): ${(e as Error).stack}`);
        assert.ok(!e.message.includes('\n') && e.message.includes(pkg), `round ${round}: ${e.message}`);
        detected++;
      }
    }
    assert.ok(detected > FUZZ_ROUNDS / 3, `only ${detected} of ${FUZZ_ROUNDS} mutations were detected`);
  });
});
