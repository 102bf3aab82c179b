/**
 * Everything judged by the venv's Python TensorFlow, in ONE Python process
 * (importing TF takes seconds on a loaded machine): proto subsets vs TF's
 * descriptors, our TF op attr table vs TF's op registry, bundles both ways,
 * and `tf.saved_model.load(...).signatures["serving_default"]` on an export.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { type BundleTensor, encodeBundle, readBundle } from '../../../converters/savedmodel/bundle.js';
import { DT, VARIABLES_PREFIX, bundleDataPath, bundleIndexPath, dtypeName } from '../../../converters/savedmodel/facts.js';
import { protoRoot } from '../../../converters/savedmodel/proto.js';
import { type AttrSpec, TF_OPS } from '../../../converters/savedmodel/tf-ops.js';
import savedModel from '../../../converters/savedmodel/index.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { NO_PYTHON, hasPython, runOracle } from './helpers.js';
import { diffTensor } from '../../../fixtures/compare.js';

const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;
const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// ---- what we send ---------------------------------------------------------------
function protoTypes(): (protobuf.Type | protobuf.Enum)[] {
  const out: (protobuf.Type | protobuf.Enum)[] = [];
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type || o instanceof protobuf.Enum) out.push(o);
      if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) walk(o);
    }
  };
  walk(protoRoot());
  return out;
}
const fullName = (o: protobuf.ReflectionObject) => o.fullName.replace(/^\./, '');

/** Enough keys (differing up front, so prefix compression cannot shrink them) for several index blocks; every dtype we write. */
function sampleTensors(): BundleTensor[] {
  const ts: BundleTensor[] = [];
  for (let i = 0; i < 1500; i++) {
    const v = Float32Array.from({ length: 6 }, (_, j) => Math.sin(i * 7 + j));
    ts.push({ key: `${String(i).padStart(4, '0')}/${'w'.repeat(200)}`, dtype: DT.FLOAT, shape: [2, 3], data: new Uint8Array(v.buffer) });
  }
  ts.push(
    { key: 'half', dtype: DT.HALF, shape: [3], data: new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x7bff).buffer) },
    { key: 'int8', dtype: DT.INT8, shape: [2, 2], data: Uint8Array.of(0x80, 0xff, 0, 0x7f) },
    { key: 'int32', dtype: DT.INT32, shape: [2], data: new Uint8Array(Int32Array.of(-5, 1 << 30).buffer) },
    { key: 'scalar', dtype: DT.FLOAT, shape: [], data: new Uint8Array(Float32Array.of(3.5).buffer) },
    { key: 'strings', dtype: DT.STRING, shape: [3], strings: [new Uint8Array(0), enc.encode('abc'), Uint8Array.from({ length: 256 }, (_, i) => i)] },
    { key: 'empty', dtype: DT.FLOAT, shape: [0, 3], data: new Uint8Array(0) },
  );
  return ts;
}

// ---- one oracle run for the whole file ----------------------------------------------
interface Field { number: number; type: number; repeated: boolean; type_name: string }
interface Results {
  schema: { messages: Record<string, Record<string, Field>>; enums: Record<string, Record<string, number>>; ops: Record<string, { attrs: Record<string, { type: string; default: string | null }>; inputs: string[] }> };
  checkpoint: { read: Record<string, { dtype: string; shape: number[]; data: string | string[] }> };
  savedmodel: { input: string; outputs: Record<string, number[]> };
}
let dir = '';
let results: Partial<Results> = {};
let tensors: BundleTensor[] = [];
let reference: Record<string, HostTensor> = {};

before(async () => {
  if (!hasPython) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-savedmodel-oracle-'));
  tensors = sampleTensors();
  const ours = path.join(dir, 'ours', 'variables');
  await mkdir(path.dirname(ours), { recursive: true });
  const b = encodeBundle(tensors);
  await writeFile(bundleIndexPath(ours), b.index);
  await writeFile(bundleDataPath(ours), b.dataChunks);

  const m = await randomizedModel('tiny');
  const x = testInput();
  reference = await m.predict(x);
  const graph = await m.graph(1);
  m.dispose();
  await savedModel.write(graph, path.join(dir, 'export'), { precision: 'fp32' });
  await writeFile(path.join(dir, 'input.bin'), x.data);
  await mkdir(path.join(dir, 'out'));

  const types = protoTypes();
  const jobs = [
    { id: 'schema', job: 'schema', args: { messages: types.map(fullName), ops: Object.keys(TF_OPS) } },
    { id: 'checkpoint', job: 'checkpoint', args: { ours, theirs: path.join(dir, 'theirs', 'ckpt') } },
    { id: 'savedmodel', job: 'savedmodel', args: { dir: path.join(dir, 'export'), input: path.join(dir, 'input.bin'), out_dir: path.join(dir, 'out'), save_prefix: path.join(dir, 'saved', 'variables') } },
  ];
  await writeFile(path.join(dir, 'jobs.json'), JSON.stringify(jobs));
  results = await runOracle<Partial<Results>>('tf_oracle.py', [path.join(dir, 'jobs.json')]);
});

after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

function result<K extends keyof Results>(k: K): Results[K] {
  const r = results[k] as Results[K] & { error?: string };
  assert.ok(r, `oracle job ${k} returned nothing`);
  assert.equal(r.error, undefined, `oracle job ${k} failed: ${r.error}`);
  return r;
}

// ---- the checks -----------------------------------------------------------------------
const PB_TYPE: Record<string, number> = {
  double: 1, float: 2, int64: 3, uint64: 4, int32: 5, fixed64: 6, fixed32: 7, bool: 8, string: 9, bytes: 12, uint32: 13, sfixed32: 15, sfixed64: 16, sint32: 17, sint64: 18,
};
const TYPE_MESSAGE = 11, TYPE_ENUM = 14;

test('proto subsets: every field has upstream\'s number, type and cardinality (TF\'s own descriptors)', (t) => {
  if (!hasPython) return t.skip(NO_PYTHON);
  const { messages, enums } = result('schema');
  const problems: string[] = [];
  assert.ok(protoTypes().length >= 25, 'the walk finds every message and enum of the subset');
  for (const o of protoTypes()) {
    const name = fullName(o);
    if (o instanceof protobuf.Enum) {
      for (const [k, v] of Object.entries(o.values)) if (enums[name]?.[k] !== v) problems.push(`${name}.${k} = ${v}, TF has ${enums[name]?.[k]}`);
      continue;
    }
    const upstream = messages[name];
    if (!upstream) { problems.push(`${name}: unknown to TF`); continue; }
    for (const f of o.fieldsArray) {
      const u = upstream[f.name];
      if (!u) { problems.push(`${name}.${f.name}: no such field upstream`); continue; }
      if (u.number !== f.id) problems.push(`${name}.${f.name} = ${f.id}, upstream ${u.number}`);
      if (f instanceof protobuf.MapField) {
        if (!u.repeated || u.type !== TYPE_MESSAGE || !u.type_name.endsWith('Entry')) problems.push(`${name}.${f.name}: map here, not upstream`);
        continue;
      }
      if (u.repeated !== f.repeated) problems.push(`${name}.${f.name}: repeated ${f.repeated}, upstream ${u.repeated}`);
      const rt = f.resolvedType;
      if (rt) {
        if (u.type !== (rt instanceof protobuf.Enum ? TYPE_ENUM : TYPE_MESSAGE) || u.type_name !== fullName(rt)) problems.push(`${name}.${f.name}: type ${fullName(rt)}, upstream ${u.type_name}`);
      } else if (PB_TYPE[f.type] !== u.type) problems.push(`${name}.${f.name}: type ${f.type}, upstream type #${u.type}`);
    }
  }
  assert.deepEqual(problems, []);
});

/** Our JS default in TF's text format (as the op registry prints AttrValue defaults). */
function defaultText(spec: AttrSpec): string | null {
  if (!('default' in spec)) return null;
  const v = spec.default;
  switch (spec.kind) {
    case 'type': return `type: ${dtypeName(v as number)}`;
    case 'bool': return `b: ${v}`;
    case 'int': return `i: ${v}`;
    case 'string': return `s: "${v}"`;
    case 'shape': return v === null ? 'shape { unknown_rank: true }' : `shape { ${(v as number[]).map((d) => `dim { size: ${d} }`).join(' ')} }`;
    case 'list(int)': return (v as number[]).length ? `list { ${(v as number[]).map((i) => `i: ${i}`).join(' ')} }` : 'list { }';
    default: return (v as unknown[]).length ? `(${JSON.stringify(v)})` : 'list { }';
  }
}

test('TF op table: attrs, kinds, defaults and inputs equal the installed TensorFlow\'s op registry', (t) => {
  if (!hasPython) return t.skip(NO_PYTHON);
  const { ops } = result('schema');
  for (const [op, def] of Object.entries(TF_OPS)) {
    const reg = ops[op]!;
    const ours = Object.fromEntries(Object.entries(def.attrs as Record<string, AttrSpec>).map(([k, s]) => [k, { type: s.kind, default: defaultText(s) }]));
    assert.deepEqual(ours, reg.attrs, `${op} attrs`);
    assert.deepEqual(def.inputs.map((i) => i.replace('...', '')), reg.inputs, `${op} inputs`);
  }
});

test('bundles cross both ways: TF reads ours; we read TF\'s SaveV2 output and rewrite it byte-identically', async (t) => {
  if (!hasPython) return t.skip(NO_PYTHON);
  const { read } = result('checkpoint');
  const TF_DTYPE: Record<number, string> = { [DT.FLOAT]: 'float32', [DT.HALF]: 'float16', [DT.INT8]: 'int8', [DT.INT32]: 'int32', [DT.STRING]: 'string' };
  assert.equal(Object.keys(read).length, tensors.length);
  for (const ts of tensors) {
    const r = read[ts.key];
    assert.ok(r, `TF does not see ${ts.key}`);
    assert.equal(r.dtype, TF_DTYPE[ts.dtype]);
    assert.deepEqual(r.shape, ts.shape);
    assert.deepEqual(r.data, 'strings' in ts ? ts.strings.map(hex) : hex(ts.data), ts.key);
  }
  const theirs = path.join(dir, 'theirs', 'ckpt');
  const tb = await readBundle(theirs);
  assert.equal(tb.entries.length, 1506);
  assert.ok(tb.dataBlocks >= 2, `TF's index has ${tb.dataBlocks} data block(s)`);
  assert.deepEqual([...new Int32Array(tb.bytes('int32').slice().buffer)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(tb.strings('strings').map(hex), ['', hex(enc.encode('abc')), hex(Uint8Array.from({ length: 256 }, (_, i) => i))]);
  const ordered = [...tb.entries].sort((x, y) => x.offset - y.offset || (x.size === 0 ? -1 : 1));
  const again = encodeBundle(ordered.map((e): BundleTensor => (e.dtype === DT.STRING
    ? { key: e.key, dtype: DT.STRING, shape: e.shape, strings: tb.strings(e.key) }
    : { key: e.key, dtype: e.dtype, shape: e.shape, data: tb.bytes(e.key) })));
  assert.deepEqual(Buffer.from(again.index), await readFile(bundleIndexPath(theirs)));
  assert.deepEqual(Buffer.concat(again.dataChunks), await readFile(bundleDataPath(theirs)));
});

test('Python tf.saved_model.load runs the export at fp32 parity; TF\'s saver in our graph rewrites our variables byte-identically', async (t) => {
  if (!hasPython) return t.skip(NO_PYTHON);
  const sm = result('savedmodel');
  assert.equal(sm.input, 'samples');
  assert.deepEqual(Object.keys(sm.outputs).sort(), Object.keys(reference).sort());
  for (const [k, shape] of Object.entries(sm.outputs)) {
    const data = new Float32Array(new Uint8Array(await readFile(path.join(dir, 'out', `${k}.bin`))).buffer);
    const e = diffTensor(reference[k]!, { shape, data }, FP32_ATOL, FP32_RTOL, { name: k });
    assert.ok(e.ok, `${k}: max abs ${e.maxAbs}, ${e.beyond} elements beyond tolerance`);
  }
  // save_tensor_name ran SaveV2 over every restored variable: TF's bundle = ours, byte for byte.
  const saved = path.join(dir, 'saved', 'variables'), ours = path.join(dir, 'export', VARIABLES_PREFIX);
  assert.deepEqual(await readFile(bundleIndexPath(saved)), await readFile(bundleIndexPath(ours)));
  assert.deepEqual(await readFile(bundleDataPath(saved)), await readFile(bundleDataPath(ours)));
});
