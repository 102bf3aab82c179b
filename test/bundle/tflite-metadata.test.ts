/**
 * TFLite Metadata (converters/tflite/metadata*.ts): the ModelMetadata
 * flatbuffer round-trips through our reader, parses in Python with the
 * `flatbuffers` package and TF's own TFLite schema (an independent reader),
 * leaves the model valid for LiteRT (same outputs as the canonical model),
 * and corrupt metadata fails with one clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomizedModel, testInput } from '../helpers/models.js';
import { runPasses } from '../../src/ir/passes.js';
import { graphToTflite, readTflite } from '../../converters/tflite/index.js';
import { encodeModelMetadata, minParserVersion, tfliteMetadataEntry, type ModelMetadataSpec } from '../../converters/tflite/metadata.js';
import { decodeModelMetadata, findTfliteMetadata, readTfliteModelMetadata } from '../../converters/tflite/metadata-read.js';
import { METADATA_FILE_IDENTIFIER, TFLITE_METADATA_NAME } from '../../converters/tflite/metadata-schema.js';
import { keyLabels, tfliteAssociatedFiles, tfliteMetadataSpec, KEY_LABELS_FILE } from '../../src/bundle/android.js';
import { appendAssociatedFiles, readAssociatedFiles } from '../../converters/tflite/associated-files.js';
import { compareTensors } from '../../src/verify/metrics.js';
import { loadRuntime } from '../../src/runtimes/index.js';
import { A2mError } from '../../src/errors.js';
import { venvPython } from '../../src/util/paths.js';
import { contractFor, tempDir } from './helpers.js';

/** fp32 parity bound of the converter and verify tests. */
const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;
const ORACLE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tflite_metadata_oracle.py');

const SPEC: ModelMetadataSpec = {
  name: 'm', description: 'd', version: '7', author: 'a', license: 'MIT',
  subgraph: {
    name: 's', description: 'sd',
    inputs: [{ name: 'x', description: 'features', dimensionNames: ['batch', 'n'], content: { kind: 'feature' } }],
    outputs: [{ name: 'y', description: 'scores', stats: { min: [0, -1.5], max: [1, 2.25] } }, { name: 'z', description: '' }],
  },
};

test('ModelMetadata round trip; min_parser_version follows metadata_version.cc; deterministic bytes', () => {
  const bytes = encodeModelMetadata(SPEC);
  assert.equal(new TextDecoder().decode(bytes.subarray(4, 8)), METADATA_FILE_IDENTIFIER);
  assert.deepEqual(decodeModelMetadata(bytes), { ...SPEC, minParserVersion: '1.0.0' });
  assert.deepEqual(encodeModelMetadata(SPEC), bytes, 'same spec, same bytes');
  const audio = structuredClone(SPEC);
  audio.subgraph.inputs[0]!.content = { kind: 'audio', sampleRate: 16000, channels: 2 };
  assert.equal(minParserVersion(audio), '1.3.0', 'AudioProperties arrived in metadata schema 1.3.0');
  assert.deepEqual(decodeModelMetadata(encodeModelMetadata(audio)).subgraph.inputs[0]!.content, { kind: 'audio', sampleRate: 16000, channels: 2 });
});

test('associated files archive: names checked, damage is one A2mError naming the file, a plain appended zip also reads', () => {
  const model = new Uint8Array(100).fill(7);
  const files = [{ name: 'a.txt', data: new TextEncoder().encode('A0\nA#0\n') }, { name: 'b.txt', data: new Uint8Array([1, 2, 3]) }];
  const packed = appendAssociatedFiles(model, files);
  assert.deepEqual([...readAssociatedFiles(packed).entries()].map(([n, d]) => [n, Array.from(d)]), files.map((f) => [f.name, Array.from(f.data)]));
  assert.equal(readAssociatedFiles(model).size, 0, 'no archive: no files');
  assert.throws(() => appendAssociatedFiles(model, [{ name: '../x', data: new Uint8Array() }]), /associated file "\.\.\/x": expected a plain file name/);
  assert.throws(() => appendAssociatedFiles(model, [files[0]!, files[0]!]), /"a\.txt" is listed twice/);
  // A flipped data byte fails the CRC, by name.
  const damaged = packed.slice();
  damaged[100 + 30 + 5]! ^= 0xff;
  assert.throws(() => readAssociatedFiles(damaged, 'x.tflite'), (e) => e instanceof A2mError && /x\.tflite: associated files archive: a\.txt: CRC-32 does not match/.test(e.message));
  // Offsets counted from the archive's start (a zip made on its own, then appended) read the same.
  const standalone = appendAssociatedFiles(new Uint8Array(0), files);
  const concatenated = new Uint8Array(model.length + standalone.length);
  concatenated.set(model);
  concatenated.set(standalone, model.length);
  assert.deepEqual([...readAssociatedFiles(concatenated).keys()], ['a.txt', 'b.txt']);
  // Every truncation of the tail: no archive found, or one A2mError.
  for (let n = packed.length - 1; n > 100; n -= 7) {
    try { readAssociatedFiles(packed.subarray(0, n)); } catch (e) { assert.ok(e instanceof A2mError, `truncated to ${n}: ${(e as Error).message}`); }
  }
});

test('corrupt ModelMetadata: one A2mError naming what is wrong, never a crash', () => {
  const bytes = encodeModelMetadata(SPEC);
  const wrongId = bytes.slice();
  wrongId.set(new TextEncoder().encode('M002'), 4);
  assert.throws(() => decodeModelMetadata(wrongId, 'x.meta'), (e) => e instanceof A2mError && /x\.meta: file identifier "M002" is not "M001"/.test(e.message));
  assert.throws(() => decodeModelMetadata(bytes.subarray(0, 6)), (e) => e instanceof A2mError && /too short/.test(e.message));
  // Every truncation and every single-byte corruption either decodes or throws A2mError.
  for (let n = 8; n < bytes.length; n += 3) {
    try { decodeModelMetadata(bytes.subarray(0, n)); } catch (e) { assert.ok(e instanceof A2mError, `truncated to ${n}: ${(e as Error).message}`); }
  }
  for (let i = 8; i < bytes.length; i++) {
    const b = bytes.slice();
    b[i] = b[i]! ^ 0xa5;
    try { decodeModelMetadata(b); } catch (e) { assert.ok(e instanceof A2mError, `byte ${i} flipped: ${(e as Error).message}`); }
  }
});

test('tiny .tflite with TFLITE_METADATA: our reader, Python flatbuffers + TF schema, and LiteRT all accept it', async (t) => {
  const model = await randomizedModel('tiny');
  const graph = runPasses(await model.graph(1));
  const contract = await contractFor(model, graph);
  const spec = tfliteMetadataSpec(contract, { version: 'v1', author: 'tests', license: 'Apache-2.0' });
  const files = tfliteAssociatedFiles(contract);
  const { bytes } = graphToTflite(graph, { precision: 'fp32', extraMetadata: [tfliteMetadataEntry(spec)], associatedFiles: files });
  const bare = graphToTflite(graph, { precision: 'fp32', extraMetadata: [tfliteMetadataEntry(spec)] }).bytes;
  const dir = tempDir(t);
  const file = path.join(dir, 'model.tflite');
  writeFileSync(file, bytes);

  // Our reader: the model validates, the entry is there, the metadata decodes to what was written.
  const summary = readTflite(bytes);
  assert.ok(summary.metadata.some((m) => m.name === TFLITE_METADATA_NAME));
  const meta = readTfliteModelMetadata(bytes);
  assert.deepEqual(meta, { ...spec, minParserVersion: '1.3.0' });
  assert.deepEqual(meta.subgraph.inputs.map((i) => i.name), summary.subgraphs[0]!.inputs.map((i) => summary.subgraphs[0]!.tensors[i]!.name), 'input metadata follows SubGraph.inputs');
  assert.deepEqual(meta.subgraph.outputs.map((o) => o.name), summary.subgraphs[0]!.outputs.map((i) => summary.subgraphs[0]!.tensors[i]!.name), 'output metadata follows SubGraph.outputs');
  assert.equal(findTfliteMetadata(graphToTflite(graph, { precision: 'fp32' }).bytes), null, 'no entry without the hook');
  // The key labels: named on every output, packed after the flatbuffer.
  assert.deepEqual(bytes.subarray(0, bare.length), bare, 'the flatbuffer is unchanged; the archive follows it');
  for (const o of meta.subgraph.outputs) assert.deepEqual(o.associatedFiles, [{ name: KEY_LABELS_FILE, description: `key names of the last axis, one per line: index k is MIDI note k + 21`, type: 'TENSOR_AXIS_LABELS' }], o.name);
  const labels = new TextDecoder().decode(readAssociatedFiles(bytes).get(KEY_LABELS_FILE));
  assert.equal(labels, keyLabels(contract));
  const lines = labels.trimEnd().split('\n');
  assert.deepEqual([lines.length, lines[0], lines[39], lines[87]], [contract.keys.count, 'A0', 'C4', 'C8'], 'one name per key index: 0 = A0 (MIDI 21), 39 = middle C, 87 = C8');

  // Python: TF's generated TFLite schema finds the buffer, flatbuffers' Table reads the ModelMetadata.
  if (!existsSync(venvPython)) t.diagnostic(`Python oracle skipped: no ${venvPython}`);
  else {
    const py = spawnSync(venvPython, [ORACLE, file], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
    assert.equal(py.status, 0, py.stderr);
    const o = JSON.parse(py.stdout.trim().split('\n').at(-1)!);
    assert.ok(o.metadata_entries.includes(TFLITE_METADATA_NAME));
    assert.deepEqual([o.name, o.description, o.version, o.author, o.license, o.min_parser_version], [spec.name, spec.description, 'v1', 'tests', 'Apache-2.0', '1.3.0']);
    assert.deepEqual(o.subgraph.inputs[0], { name: 'samples', description: spec.subgraph.inputs[0]!.description, dimension_names: ['batch', 'channel', 'sample'], content: { type: 'AudioProperties', sample_rate: 16000, channels: 2 } });
    assert.deepEqual(o.subgraph.outputs.map((x: { name: string }) => x.name), o.model_outputs, 'Python: output metadata in SubGraph.outputs order');
    const probs = o.subgraph.outputs.find((x: { name: string }) => x.name === 'probs');
    assert.deepEqual([probs.content, probs.stats], [{ type: 'FeatureProperties' }, { min: [0], max: [1] }]);
    assert.equal(o.subgraph.outputs.find((x: { name: string }) => x.name === 'logits').stats, undefined, 'logits carry no range');
    assert.deepEqual(probs.associated_files, [{ name: KEY_LABELS_FILE, description: `key names of the last axis, one per line: index k is MIDI note k + 21`, type: 'TENSOR_AXIS_LABELS' }], 'Python: the labels file is named on the output');
    assert.deepEqual(Object.keys(o.packed_files), [KEY_LABELS_FILE], 'Python zipfile: the archive after the model holds the labels');
    assert.equal(o.packed_files[KEY_LABELS_FILE].text, keyLabels(contract));
    assert.equal(o.packed_files[KEY_LABELS_FILE].header_offset, bare.length, 'offsets count from the start of the .tflite, as the populator writes them');
  }

  // LiteRT still runs the file, and it still matches the canonical model.
  const input = testInput();
  const expected = await model.predict(input);
  const session = await (await loadRuntime('tflite')).load(file);
  try {
    const got = await session.run({ samples: input });
    for (const [k, v] of Object.entries(expected)) {
      const e = compareTensors(v.data, got[k]!.data, FP32_ATOL, FP32_RTOL);
      assert.equal(e.beyond, 0, `${k}: max abs ${e.maxAbs}`);
    }
  } finally { await session.dispose(); }
  model.dispose();
});
