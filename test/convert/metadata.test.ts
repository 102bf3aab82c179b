/**
 * `a2m convert` on a model we did not train: what the artifacts say about it
 * and what they are called. A source that names its author and licence keeps
 * them in all five formats; one that names none gets none (never ours). Names a
 * format refuses (`x:0`, `fused:0`) are renamed for every requested format, the
 * mapping is in convert.json and in each artifact, and the renamed artifact runs
 * under the new names. No written byte holds a machine-local path.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { FORMATS } from '../../converters/index.js';
import { convertModel, type ConvertManifest } from '../../src/convert/convert.js';
import { identifierFor, makePublicNamesValid } from '../../src/convert/names.js';
import { IDENTIFIER_NAME } from '../../converters/types.js';
import { emptyGraph } from '../../src/ir/graph.js';
import { A2mError } from '../../src/errors.js';
import { projectRoot } from '../../src/util/paths.js';
import tfjsRuntime from '../../src/runtimes/tfjs-graph.js';
import onnxRuntime from '../../src/runtimes/onnxruntime.js';
import { mulberry32 } from '../../src/util/prng.js';
import { NEW_OPS_INPUT, writeNewOpsGraph } from './tf-graphs.js';
import { assertClose, diffOutputs, fmtDiffs } from '../../fixtures/compare.js';
import { localPathsIn, readModelInfo } from '../../fixtures/model-info.js';
import { tempDir } from '../../fixtures/temp-dir.js';

// ONNX Runtime vs TF's float32 kernels on O(1) values (as test/convert/convert.test.ts).
const ATOL = 1e-5;
const RTOL = 1e-5;

const tmp = tempDir('convert-metadata');
after(tmp.cleanup);
const plain = path.join(tmp.dir, 'plain');
writeNewOpsGraph(plain);
/** The same graph, as a third party might publish it: its own author and licence, tensor-style names. */
const named = path.join(tmp.dir, 'named');
cpSync(plain, named, { recursive: true });
{
  const file = path.join(named, 'model.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { signature: { inputs: Record<string, unknown>; outputs: Record<string, unknown> }; userDefinedMetadata?: Record<string, string> };
  const rekey = (m: Record<string, unknown>, from: string, to: string) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k === from ? to : k, v]));
  json.signature.inputs = rekey(json.signature.inputs, 'x', 'x:0');
  json.signature.outputs = rekey(json.signature.outputs, 'fused', 'fused:0');
  json.userDefinedMetadata = { author: 'Jane Roe', license: 'MIT' };
  writeFileSync(file, JSON.stringify(json));
}

const ARTIFACT: Record<string, string> = { savedmodel: 'savedmodel', tflite: 'model.tflite', coreml: 'model.mlpackage', onnx: 'model.onnx', tfjs: 'tfjs_model' };
/** Every place any format can keep `field`, as `format/place: value` (`-` when absent). */
async function fieldEverywhere(out: string, field: 'author' | 'license' | 'version' | 'source'): Promise<string[]> {
  const rows: string[] = [];
  for (const f of FORMATS) {
    for (const [place, { holds, info }] of Object.entries(await readModelInfo(f, path.join(out, ARTIFACT[f]!)))) {
      if (holds.includes(field)) rows.push(`${f}/${place}: ${info[field] ?? '-'}`);
    }
  }
  return rows;
}
const needles = [tmp.dir, projectRoot, ...(homedir().length > 1 ? [homedir()] : [])];

test('a source with its own author and licence keeps them in all five formats; refused names renamed, mapped, and they run', async (t) => {
  const out = path.join(tmp.dir, 'out-named');
  const m = await convertModel(named, { formats: [...FORMATS], precisions: ['fp32'], out, batch: 2 });
  assert.deepEqual(m.names, [
    { kind: 'input', original: 'x:0', written: 'x_0', by: 'coreml, onnx' },
    { kind: 'output', original: 'fused:0', written: 'fused_0', by: 'coreml, onnx' },
  ]);
  assert.deepEqual(m.outputs.map((o) => o.name), ['padded_ratio', 'minimum', 'fused_0']);
  assert.deepEqual(m.info, { author: 'Jane Roe', license: 'MIT', source: 'named/model.json' });
  assert.deepEqual((JSON.parse(readFileSync(path.join(out, 'convert.json'), 'utf8')) as ConvertManifest).names, m.names, 'the mapping is in convert.json');

  for (const field of ['author', 'license', 'source'] as const) {
    const rows = await fieldEverywhere(out, field);
    const want = { author: 'Jane Roe', license: 'MIT', source: 'named/model.json' }[field];
    assert.deepEqual(rows.filter((r) => !r.endsWith(`: ${want}`)), [], `${field} everywhere`);
    assert.ok(rows.length >= FORMATS.length, `${field}: a place in every format`);
    t.diagnostic(`${field}: ${rows.join('; ')}`);
  }
  const tfjsJson = JSON.parse(readFileSync(path.join(out, 'tfjs_model', 'model.json'), 'utf8')) as { userDefinedMetadata: Record<string, string> };
  assert.deepEqual(JSON.parse(tfjsJson.userDefinedMetadata.sourceNames!), { x_0: 'x:0', fused_0: 'fused:0' }, 'the source names ride in each artifact');
  assert.deepEqual(localPathsIn(out, needles), [], 'no machine-local path in any written byte');

  const r = mulberry32(9);
  const x = { shape: [2, ...NEW_OPS_INPUT.slice(1)], data: Float32Array.from({ length: 2 * 6 * 10 * 3 }, () => r() * 2 - 1) };
  const src = await tfjsRuntime.load(named);
  const ref = await src.run({ 'x:0': x });
  await src.dispose();
  const session = await onnxRuntime.load(path.join(out, 'model.onnx'));
  const got = await session.run({ x_0: x });
  await session.dispose();
  const diffs = diffOutputs({ padded_ratio: ref.padded_ratio!, fused_0: ref['fused:0']! }, got, ATOL, RTOL);
  t.diagnostic(fmtDiffs(diffs));
  assertClose('onnx (renamed) vs tfjs (source names)', diffs);
});

test('a source that names no author or licence gets none in any format (never ours); --rename wins and is checked', async () => {
  const out = path.join(tmp.dir, 'out-plain');
  const m = await convertModel(plain, { formats: [...FORMATS], precisions: ['fp32'], out, batch: 2, rename: { fused: 'fused_out' } });
  assert.deepEqual(m.info, { source: 'plain/model.json' });
  assert.deepEqual(m.names, [{ kind: 'output', original: 'fused', written: 'fused_out', by: '--rename' }]);
  for (const field of ['author', 'license'] as const) assert.deepEqual((await fieldEverywhere(out, field)).filter((r) => !r.endsWith(': -')), [], `no ${field} anywhere`);
  assert.deepEqual(localPathsIn(out, needles), [], 'no machine-local path in any written byte');

  // A --rename to a name a requested format cannot write is refused by name, before anything is written.
  const bad = path.join(tmp.dir, 'out-bad');
  await assert.rejects(convertModel(plain, { formats: ['onnx', 'tflite'], precisions: ['fp32'], out: bad, rename: { fused: 'fused:1' } }),
    (e: unknown) => e instanceof A2mError && /output name "fused:1", which onnx cannot write \(a C90 identifier/.test(e.message));
});

test('names: identifiers kept, others made identifiers, unique among the graph\'s values', () => {
  assert.equal(identifierFor('Identity_1:0'), 'Identity_1_0');
  assert.equal(identifierFor('0/out'), '_0_out');
  const g = emptyGraph();
  g.inputs.push({ name: 'a:0', shape: [1] });
  g.shapes.set('a:0', [1]).set('a_0', [1]);
  g.nodes.push({ name: 'n', op: 'Relu', inputs: ['a:0'], output: 'a_0', attrs: {} } as never);
  g.outputs.push({ name: 'y', value: 'a_0' }, { name: 'y:0', value: 'a:0' });
  const changes = makePublicNamesValid(g, [{ format: 'onnx', valid: IDENTIFIER_NAME, rule: 'c' }], new Set(), 'g');
  assert.deepEqual(changes.map((c) => `${c.kind} ${c.original}->${c.written}`), ['input a:0->a_0_1', 'output y:0->y_0']);
  assert.deepEqual(g.nodes[0]!.inputs, ['a_0_1'], 'the input is renamed where it is read');
  assert.equal(g.outputs[1]!.value, 'a_0_1');
  assert.ok(g.shapes.has('a_0_1') && !g.shapes.has('a:0'));
});
