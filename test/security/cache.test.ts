/**
 * Export cache entries (src/infer/backends.ts, cache-sums.ts): a damaged or
 * incomplete entry is rebuilt with a one-line warning instead of failing
 * `--backend onnx` on every later run (or making `auto` quietly move on),
 * and the rebuilt export gives the same outputs. `auto` says why it skipped
 * a backend through its log (--verbose). The key is the exported graph's hash:
 * a graph differing in one attribute gets another entry. A checkpoint seen
 * before is found through its content hash without recording the graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachedExport, exportCacheKey, exportCachePath, makeRunner, type RunnerOptions } from '../../src/infer/backends.js';
import { exportGraph } from '../../src/export/export.js';
import { cloneGraph } from '../../src/ir/passes.js';
import { SUMS_DIR } from '../../src/infer/cache-sums.js';
import { randomizedModel, testInput } from '../helpers/models.js';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import { loadHostModel } from '../../src/model/load.js';

function withCacheDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'a2m-cache-'));
  const before = process.env.A2M_CACHE_DIR;
  process.env.A2M_CACHE_DIR = dir;
  t.after(() => {
    if (before === undefined) delete process.env.A2M_CACHE_DIR; else process.env.A2M_CACHE_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Collects warnings and log lines instead of printing them. */
function sink(): RunnerOptions & { warnings: string[]; lines: string[] } {
  const warnings: string[] = [], lines: string[] = [];
  return { warnings, lines, warn: (m) => warnings.push(m), log: (m) => lines.push(m) };
}

test('export cache: damaged entries are rebuilt, with a warning, to the same outputs', async (t) => {
  withCacheDir(t);
  const model = await randomizedModel('tiny');
  t.after(() => model.dispose());
  const input = testInput();
  const outputsOf = async (o: RunnerOptions) => {
    const r = await makeRunner(model, 'onnx', 'fp32', o);
    try { return await r.run(input.data, 1); } finally { await r.dispose(); }
  };

  const first = sink();
  const reference = await outputsOf(first);
  assert.deepEqual(first.warnings, [], 'a first export is no warning');
  const { dir, rel } = await exportCachePath(model, 'onnx', 'fp32');
  const file = path.join(dir, rel);
  const written = readFileSync(file);
  assert.ok(existsSync(path.join(dir, SUMS_DIR, `${rel}.json`)), 'checksums are recorded with the export');

  const again = sink();
  await cachedExport(model, 'onnx', 'fp32', again);
  assert.deepEqual(again.warnings, [], 'a whole entry is reused silently');

  const damages: [string, () => void, RegExp][] = [
    ['a flipped byte', () => { const b = Buffer.from(written); b[b.length >> 1]! ^= 0xff; writeFileSync(file, b); }, /model\.onnx changed since it was written \(sha256 /],
    ['a truncated file', () => writeFileSync(file, written.subarray(0, written.length >> 1)), /model\.onnx has \d+ bytes, \d+ were written/],
    ['an unparsable export.json', () => writeFileSync(path.join(dir, 'export.json'), '{'), /export\.json is missing or damaged/],
    ['no checksums (killed before they were written)', () => rmSync(path.join(dir, SUMS_DIR), { recursive: true }), /no checksums recorded/],
  ];
  for (const [what, damage, message] of damages) {
    await t.test(what, async () => {
      damage();
      const s = sink();
      const out = await outputsOf(s);
      assert.equal(s.warnings.length, 1, 'one warning');
      assert.match(s.warnings[0]!, new RegExp(`^export cache ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      assert.match(s.warnings[0]!, message);
      assert.match(s.warnings[0]!, /; rebuilding it$/);
      assert.deepEqual(readFileSync(file), written, 'the rebuilt export is byte-identical');
      for (const [name, v] of Object.entries(reference)) assert.deepEqual(out[name], v, `${name}: same outputs after the rebuild`);
      const quiet = sink();
      await cachedExport(model, 'onnx', 'fp32', quiet);
      assert.deepEqual(quiet.warnings, [], 'the rebuilt entry is whole again');
    });
  }

  await t.test('auto uses the repaired onnx entry instead of moving on', async () => {
    const b = Buffer.from(written); b[b.length >> 1]! ^= 0xff; writeFileSync(file, b);
    const s = sink();
    const r = await makeRunner(model, 'auto', 'fp32', s);
    await r.dispose();
    assert.match(r.name, /onnxruntime/i);
    assert.equal(s.warnings.length, 1);
    assert.deepEqual(s.lines, [], 'nothing skipped');
  });

  await t.test('leftover files of an entry are refused: a file that was not written', async () => {
    // An extra file beside the artifact that export would have claimed (ONNX external data is <rel>.data).
    writeFileSync(`${file}.data`, 'stray');
    const s = sink();
    await cachedExport(model, 'onnx', 'fp32', s);
    assert.match(s.warnings[0] ?? '', /model\.onnx\.data was not written by the export; rebuilding it/);
    assert.ok(!existsSync(`${file}.data`), 'the rebuild starts from a clean entry');
    assert.ok(!readdirSync(dir).some((n) => n.includes('.tmp-')), 'no temps left behind');
  });
});

test('auto: the log says why each backend was skipped', async (t) => {
  const root = withCacheDir(t);
  // A cache "folder" that is a file: every export fails, so auto falls back to tfjs.
  const asFile = path.join(root, 'not-a-folder');
  writeFileSync(asFile, '');
  process.env.A2M_CACHE_DIR = asFile;
  const model = await randomizedModel('tiny');
  t.after(() => model.dispose());
  const s = sink();
  const r = await makeRunner(model, 'auto', 'fp32', s);
  await r.dispose();
  assert.match(r.name, /tfjs/);
  assert.equal(s.lines.length, 3, s.lines.join('\n'));
  for (const [i, b] of ['onnx', 'savedmodel', 'tflite'].entries()) assert.match(s.lines[i]!, new RegExp(`^backend auto: skipped ${b} \\(ENOTDIR: not a directory`));
  const fp16 = sink();
  await assert.rejects(makeRunner(model, 'auto', 'fp16', fp16), /auto: no exported backend could run the fp16 model \(onnx failed: .*; savedmodel failed: .*; tflite failed: /);
});

test('export cache key: a graph differing only in one attribute gets another entry', async (t) => {
  const model = await randomizedModel('tiny');
  t.after(() => model.dispose());
  const graph = await exportGraph(model, 1);
  const key = await exportCacheKey(graph);
  assert.equal(await exportCacheKey(await exportGraph(model, 1)), key, 'the same model, the same key');
  const changed = cloneGraph(graph);
  const node = changed.nodes.find((n) => typeof (n.attrs as Record<string, unknown>).epsilon === 'number');
  assert.ok(node, 'the tiny preset has a LayerNorm (epsilon attribute)');
  (node.attrs as Record<string, number>).epsilon! *= 10;
  assert.notEqual(await exportCacheKey(changed), key, `${node.name}.epsilon changed: a forward-pass change must miss the cache`);
});

test('checkpoint index: a checkpoint seen before finds its export without recording the graph; a changed checkpoint or a junk index does not', async (t) => {
  const cache = withCacheDir(t);
  const model = await randomizedModel('tiny');
  t.after(() => model.dispose());
  const ckDir = path.join(cache, 'ck');
  await saveCheckpoint(ckDir, { config: model.config, weights: await model.weights() });
  /** The checkpoint as the CLI loads it, counting how often its graph is recorded. */
  const load = async (dir: string) => {
    const m = (await loadHostModel(dir)).model;
    let recorded = 0;
    const graph = m.graph.bind(m);
    m.graph = (b?: number) => { recorded++; return graph(b); };
    return { m, recorded: () => recorded };
  };
  const first = await load(ckDir);
  assert.ok(first.m.contentId, 'a checkpoint with verified shard hashes has a content id');
  const a = await cachedExport(first.m, 'onnx');
  assert.ok(first.recorded() >= 1, 'the first export records the graph');
  const index = readdirSync(path.join(cache, 'exports', 'by-checkpoint'));
  assert.equal(index.length, 1);
  assert.equal(readFileSync(path.join(cache, 'exports', 'by-checkpoint', index[0]!), 'utf8').trim(), path.basename(path.dirname(a.file)));

  const again = await load(ckDir);
  assert.equal((await cachedExport(again.m, 'onnx')).file, a.file);
  assert.equal(again.recorded(), 0, 'found through the index: no graph recorded');

  // The same index entry with another precision: the folder is right, the artifact is new, so the graph is recorded to write it.
  const fp16 = await load(ckDir);
  assert.equal(path.dirname((await cachedExport(fp16.m, 'onnx', 'fp16')).file), path.dirname(a.file));
  assert.ok(fp16.recorded() >= 1);

  // Junk in the index is ignored: the graph is recorded and the right folder found.
  writeFileSync(path.join(cache, 'exports', 'by-checkpoint', index[0]!), '../../elsewhere\n');
  const junk = await load(ckDir);
  assert.equal((await cachedExport(junk.m, 'onnx')).file, a.file);
  assert.ok(junk.recorded() >= 1);

  // Other weights: another content id, so another index key and another entry.
  const w = await model.weights();
  const changed = new Map(w);
  const [name, t0] = [...w].find(([, v]) => v.data.length > 1)!;
  changed.set(name, { shape: t0.shape, data: t0.data.map((v, i) => (i === 0 ? v + 0.5 : v)) });
  const otherDir = path.join(cache, 'ck2');
  await saveCheckpoint(otherDir, { config: model.config, weights: changed });
  const other = await load(otherDir);
  assert.notEqual(other.m.contentId, first.m.contentId);
  assert.notEqual((await cachedExport(other.m, 'onnx')).file, a.file);
  assert.ok(other.recorded() >= 1);
  assert.equal(readdirSync(path.join(cache, 'exports', 'by-checkpoint')).length, 2);
});
