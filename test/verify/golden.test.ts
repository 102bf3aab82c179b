/**
 * `a2m golden`'s contract: deterministic files (twice -> identical bytes), a
 * manifest that describes and checksums them, inputs prepared as inference
 * prepares audio, and a reader that refuses edited or missing files.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { sparseCheckpoint } from './helpers.js';
import { buildGolden, readGolden, writeGolden, type Golden, type GoldenManifest } from '../../src/verify/golden.js';
import { modelHash } from '../../src/export/export.js';
import { extractNotes } from '../../src/infer/events.js';
import { A2mError } from '../../src/errors.js';
import { Model } from '../../src/model/model.js';
import { staleGoldenProblems } from '../../src/verify/stale.js';

let ck: Awaited<ReturnType<typeof sparseCheckpoint>>;
let first: Golden;
let dirA: string, dirB: string;

before(async () => {
  ck = await sparseCheckpoint('tiny');
  dirA = path.join(ck.dir, 'golden-a');
  dirB = path.join(ck.dir, 'golden-b');
  first = await buildGolden(ck.loaded);
  await writeGolden(dirA, first);
});
after(async () => { await ck?.cleanup(); });

async function filesOf(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(path.relative(dir, path.join(e.parentPath, e.name)), createHash('sha256').update(await readFile(path.join(e.parentPath, e.name))).digest('hex'));
  }
  return out;
}

test('golden is deterministic: a second run (rendering included) writes identical files', async () => {
  await writeGolden(dirB, await buildGolden(ck.loaded));
  const [a, b] = [await filesOf(dirA), await filesOf(dirB)];
  assert.ok(a.size >= 1 + 3 * first.cases.length, `expected manifest + inputs + outputs + notes, got ${a.size} files`);
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [f, h] of a) assert.equal(b.get(f), h, `${f} differs between two runs`);
});

test('manifest: model hash, producer runtime, shapes, dtypes and a sha256 per file', async () => {
  const m = JSON.parse(await readFile(path.join(dirA, 'manifest.json'), 'utf8')) as GoldenManifest;
  assert.equal(m.model.sha256, await modelHash(ck.loaded.model));
  assert.equal(m.model.preset, 'tiny');
  assert.equal(m.producedBy.runtime, `tfjs-node ${tf.version['tfjs-node']}`);
  assert.match(m.producedBy.tensorflow, /^\d+\.\d+/);
  assert.deepEqual(m.outputs, ['logits', 'probs', 'onset_logits', 'onset_probs', 'velocity']);
  assert.deepEqual(m.cases.map((c) => c.name), ['melody', 'chords', 'runs', 'extremes', 'silence', 'loud-clipped', 'white-noise', 'batch-3']);
  for (const c of m.cases) {
    const entries = [c.input, ...Object.values(c.outputs)];
    const n = c.name === 'batch-3' ? 3 : 1;
    assert.deepEqual(c.rows, n > 1 ? ['melody', 'chords', 'runs'] : undefined, `${c.name}: rows`);
    assert.deepEqual(c.input.shape, [n, 2, 80000]);
    for (const o of Object.values(c.outputs)) assert.deepEqual(o.shape, [n, 250, 90]);
    for (const e of [...entries, c.notes]) {
      const bytes = await readFile(path.join(dirA, e.file));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), e.sha256, e.file);
    }
    for (const e of entries) {
      assert.equal(e.dtype, 'float32');
      assert.equal((await readFile(path.join(dirA, e.file))).length, 4 * e.shape.reduce((x, y) => x * y, 1), `${e.file}: raw float32`);
    }
  }
});

test('inputs are prepared as inference prepares audio; outputs are the model\'s, notes are what they decode to', async () => {
  const g = await readGolden(dirA);
  for (const c of g.cases) {
    const d = c.samples.data;
    let sumSq = 0, peak = 0;
    for (const v of d) { sumSq += v * v; peak = Math.max(peak, Math.abs(v)); }
    const rms = Math.sqrt(sumSq / d.length);
    if (c.name === 'silence') assert.equal(peak, 0, 'silence is all zeros');
    else if (c.name === 'loud-clipped') { assert.equal(peak, 1, 'clipped at full scale'); assert.ok(rms > 0.5, `clipped rms ${rms}`); }
    else assert.ok(Math.abs(rms - 0.1) < 1e-4, `${c.name}: whole-window RMS ${rms}, expected the inference target 0.1`);
    // Independent of the golden code path: run the model again and decode with extractNotes directly.
    const out = await ck.loaded.model.predict(c.samples);
    for (const name of g.outputs) assert.deepEqual(c.outputs[name]!.data, out[name]!.data, `${c.name}/${name}`);
    if (c.rows) continue; // a batched case: its own test below
    const notes = extractNotes({ frames: out.probs!.data, onsets: out.onset_probs!.data, velocities: out.velocity!.data });
    assert.deepEqual(c.notes, notes, `${c.name}: notes`);
  }
  const distinct = new Set(g.cases.map((c) => createHash('sha256').update(c.samples.data).digest('hex')));
  assert.equal(distinct.size, g.cases.length, 'every case is a different window');
});

/** The canonical model at batch 3 against the same windows one at a time (tfjs-node kernels may block differently per batch). */
const BATCHED_ATOL = 1e-5;

test('the batched case stacks its rows\' windows; its outputs are the model at batch 3, each row equal to that window alone; notes decode row by row', async () => {
  const g = await readGolden(dirA);
  const b = g.cases.find((c) => c.name === 'batch-3')!;
  assert.deepEqual(b.rows, ['melody', 'chords', 'runs']);
  const per = 2 * 80000, frames = 250 * 90;
  const expected: typeof b.notes = [];
  b.rows!.forEach((name, r) => {
    const single = g.cases.find((c) => c.name === name)!;
    assert.deepEqual(b.samples.data.subarray(r * per, (r + 1) * per), single.samples.data, `row ${r} is ${name}'s window`);
    for (const o of g.outputs) {
      const row = b.outputs[o]!.data.subarray(r * frames, (r + 1) * frames), ref = single.outputs[o]!.data;
      let max = 0;
      for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(row[i]! - ref[i]!));
      assert.ok(max <= BATCHED_ATOL, `${name} ${o}: batch-3 row vs alone, max abs ${max}`);
    }
    expected.push(...single.notes.map((x) => ({ ...x, onset: x.onset + 5 * r, offset: x.offset + 5 * r })));
  });
  const key = (x: { onset: number; pitch: number }) => `${x.pitch}@${x.onset.toFixed(3)}`;
  assert.deepEqual(b.notes.map(key).sort(), expected.map(key).sort(), 'notes = each row\'s notes, 5 s apart');
  assert.ok(b.notes.every((x) => Math.floor(x.onset / 5) === Math.floor((x.offset - 1e-9) / 5)), 'no note crosses a row boundary');
});

test('readGolden refuses edited, missing or foreign files, naming the file', async () => {
  const g = await readGolden(dirB);
  const probsFile = path.join(dirB, 'outputs', g.cases[0]!.name, 'probs.f32');
  const bytes = await readFile(probsFile);
  bytes[100]! ^= 1;
  await writeFile(probsFile, bytes);
  await assert.rejects(readGolden(dirB), (e: Error) => e instanceof A2mError && e.message.includes(probsFile) && /sha256/.test(e.message));
  await writeFile(probsFile, bytes.subarray(0, 1000));
  await assert.rejects(readGolden(dirB), (e: Error) => e instanceof A2mError && e.message.includes(probsFile) && /bytes, expected/.test(e.message));
  await rm(probsFile);
  await assert.rejects(readGolden(dirB), (e: Error) => e instanceof A2mError && e.message.includes(probsFile) && /missing/.test(e.message));
  const manifest = path.join(dirB, 'manifest.json');
  await writeFile(manifest, JSON.stringify({ format: 'something-else', version: 1 }));
  await assert.rejects(readGolden(dirB), (e: Error) => e instanceof A2mError && e.message.includes(manifest) && /a2m-golden/.test(e.message));
  await rm(manifest);
  await assert.rejects(readGolden(dirB), (e: Error) => e instanceof A2mError && e.message.includes(manifest) && /missing/.test(e.message));
});

test('stale goldens are detected: another weight, other thresholds; matching goldens give no problem', async () => {
  const g = await readGolden(dirA);
  assert.deepEqual(await staleGoldenProblems(g, ck.loaded), []);
  const weights = await ck.loaded.model.weights();
  const w = weights.get('head_frame/w')!;
  weights.set('head_frame/w', { shape: w.shape, data: w.data.map((v, i) => (i === 0 ? v + 0.5 : v)) });
  const retrained = Model.fromWeights(ck.loaded.model.config, weights);
  try {
    const problems = await staleGoldenProblems(g, { ...ck.loaded, model: retrained });
    assert.ok(problems.some((p) => /made for model/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /output logits: max abs error/.test(p)), problems.join('\n'));
  } finally { retrained.dispose(); }
  const retuned = await staleGoldenProblems(g, { ...ck.loaded, state: { thresholds: { activate: 0.6 } } });
  assert.ok(retuned.some((p) => /activate 0.5 vs 0.6/.test(p)), retuned.join('\n'));
});
