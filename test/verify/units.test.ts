/**
 * The small parts of verify: error metrics (against hand-computed values),
 * note agreement, tolerance parsing, the perturbation hook, and the schema
 * copy in docs/verify.md (must equal REPORT_SCHEMA).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorAccumulator, compareTensors, notesEqual, onsetF1, pooledOnsetF1 } from '../../src/verify/metrics.js';
import { DEFAULT_TOLERANCES, parseTolerances } from '../../src/verify/tolerances.js';
import { parsePerturbation, perturbGraph, perturbationFromEnv, PERTURB_ENV } from '../../src/verify/perturb.js';
import { REPORT_SCHEMA } from '../../src/verify/report-schema.js';
import { stackBatch, splitBatch } from '../../src/verify/run-artifact.js';
import { addConstant, addInput, addNode, emptyGraph } from '../../src/ir/graph.js';
import { evaluateGraph } from '../../src/ir/evaluate.js';
import { projectRoot } from '../../src/util/paths.js';
import { A2mError } from '../../src/errors.js';
import type { Note } from '../../src/types.js';
import { judgeRun } from '../../src/verify/check.js';
import { notesFromOutputs, type Golden } from '../../src/verify/golden.js';
import type { ArtifactRun } from '../../src/verify/run-artifact.js';
import { DEFAULT_THRESHOLDS } from '../../src/infer/events.js';

test('tensor errors: max abs / rel, mean, cosine, elements beyond tolerance (hand-computed)', () => {
  const ref = Float32Array.from([1, 2, 0, -4]), got = Float32Array.from([1, 2.5, 0.001, -4]);
  const e = compareTensors(ref, got, 1e-4, 1e-4);
  assert.equal(e.count, 4);
  assert.ok(Math.abs(e.maxAbs - 0.5) < 1e-7);
  assert.ok(Math.abs(e.maxRel - 0.25) < 1e-7, 'element 2 (ref 0) is judged by atol, not rel');
  assert.ok(Math.abs(e.meanAbs - 0.501 / 4) < 1e-7);
  assert.ok(Math.abs(e.cosine - 22.000 / Math.sqrt(21 * 23.250001)) < 1e-6);
  assert.equal(e.beyond, 2, '2.5 vs 2 and 0.001 vs 0');
  assert.equal(compareTensors(ref, got, 0.6, 0).beyond, 0);
  // Pooling over windows equals comparing the concatenation.
  const acc = new ErrorAccumulator(1e-4, 1e-4);
  acc.add(ref.subarray(0, 2), got.subarray(0, 2));
  acc.add(ref.subarray(2), got.subarray(2));
  assert.deepEqual(acc.result(), e);
});

test('non-finite outputs are counted and poison the summary numbers', () => {
  const e = compareTensors(Float32Array.from([1, 2, 3]), Float32Array.from([1, NaN, Infinity]), 1e-4, 1e-4);
  assert.equal(e.nonFinite, 2);
  assert.equal(e.beyond, 2);
  assert.equal(e.maxAbs, Infinity);
  assert.ok(Number.isNaN(e.cosine));
  const zeros = compareTensors(new Float32Array(3), new Float32Array(3), 0, 0);
  assert.deepEqual([zeros.maxAbs, zeros.cosine, zeros.beyond], [0, 1, 0]);
});

test('notes: equality up to one MIDI velocity step; onset F1 with the empty cases', () => {
  const n = (onset: number, pitch: number, velocity = 0.5): Note => ({ onset, offset: onset + 0.5, pitch, velocity });
  const ref = [n(0, 60), n(1, 62), n(2, 64), n(3, 65)];
  assert.ok(notesEqual(ref, ref.map((x) => ({ ...x, velocity: x.velocity + 0.9 / 127 }))));
  assert.ok(!notesEqual(ref, ref.map((x) => ({ ...x, velocity: x.velocity + 2 / 127 }))));
  assert.ok(!notesEqual(ref, [...ref.slice(0, 3), n(3.02, 65)]));
  assert.ok(!notesEqual(ref, ref.slice(1)));
  assert.equal(onsetF1([], []), 1);
  assert.equal(onsetF1(ref, []), 0);
  assert.equal(onsetF1([], ref), 0);
  assert.equal(onsetF1(ref, ref), 1);
  // 3 of 4 found, none extra: P = 1, R = 3/4, F1 = 2·0.75 / 1.75.
  assert.ok(Math.abs(onsetF1(ref, ref.slice(0, 3)) - 1.5 / 1.75) < 1e-12);
  // Pooling: case 2's notes must not match case 1's (same times, other case).
  assert.ok(Math.abs(pooledOnsetF1([ref, []], [[], ref]) - 0) < 1e-12);
  assert.ok(Math.abs(pooledOnsetF1([ref, ref], [ref, ref.slice(0, 3)]) - (2 * 7 / 8) / (1 + 7 / 8)) < 1e-12);
});

test('tolerance overrides: per precision, all precisions, and clear errors', () => {
  const t = parseTolerances(['fp32.atol=1e-3', 'int8.minNoteF1=0.95,rtol=0', 'fp16.tensors=true']);
  assert.equal(t.fp32.atol, 1e-3);
  assert.equal(t.int8.minNoteF1, 0.95);
  assert.deepEqual([t.fp32.rtol, t.fp16.rtol, t.int8.rtol], [0, 0, 0]);
  assert.equal(t.fp16.tensors, true);
  assert.equal(t.fp16.atol, DEFAULT_TOLERANCES.fp16.atol, 'untouched keys keep their defaults');
  assert.equal(DEFAULT_TOLERANCES.fp32.atol, 1e-4, 'defaults are not mutated');
  for (const [bad, why] of [['fp64.atol=1', /unknown precision/], ['fp32.foo=1', /unknown key/], ['atol=-1', /non-negative/], ['atol', /expected/], ['exactNotes=maybe', /true or false/]] as const) {
    assert.throws(() => parseTolerances([bad]), (e: Error) => e instanceof A2mError && why.test(e.message) && e.message.includes(bad));
  }
});

test('perturbation hook: one element of a private constant copy, or one op; the original graph is untouched', () => {
  const g = emptyGraph();
  addInput(g, 'x', [1, 3, 2]);
  addConstant(g, 'w', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
  const d1 = addNode(g, 'd1', 'Dense', ['x', 'w'], {});
  const d2 = addNode(g, 'd2', 'Dense', [d1.name, 'w'], {});
  const s = addNode(g, 'act', 'Gelu', [d2.name], {});
  g.outputs.push({ name: 'y', value: s.name });
  const x = { shape: [1, 3, 2], data: Float32Array.from([1, -1, 0.5, 2, -2, 0]) };
  const clean = evaluateGraph(g, { x }, { keep: ['d1'] });

  const p = perturbGraph(g, parsePerturbation('weight:d2:0.25'));
  assert.deepEqual([...g.constants.get('w')!.data], [1, 2, 3, 4], 'original constant untouched');
  assert.deepEqual([...p.constants.get('w__perturbed')!.data], [1, 2, 3.25, 4], 'middle element + delta');
  const broken = evaluateGraph(p, { x }, { keep: ['d1'] });
  assert.deepEqual(broken.d1!.data, clean.d1!.data, 'd1 shares w but keeps the clean copy');
  assert.notDeepEqual(broken.y!.data, clean.y!.data);

  const swapped = perturbGraph(g, parsePerturbation('onnx/swap:act:Sigmoid'));
  assert.equal(swapped.nodes.find((n) => n.name === 'act')!.op, 'Sigmoid');
  assert.equal(g.nodes.find((n) => n.name === 'act')!.op, 'Gelu');

  assert.throws(() => perturbGraph(g, parsePerturbation('weight:nope')), (e: Error) => e instanceof A2mError && /no node "nope"/.test(e.message));
  assert.throws(() => perturbGraph(g, parsePerturbation('swap:act:Add')), (e: Error) => e instanceof A2mError && /different inputs/.test(e.message));
  assert.throws(() => parsePerturbation('swap:act:NotAnOp'), (e: Error) => e instanceof A2mError && /not an IR op/.test(e.message));
  assert.throws(() => parsePerturbation('break everything'), A2mError);

  const saved = process.env[PERTURB_ENV];
  try {
    process.env[PERTURB_ENV] = 'tflite/weight:d2';
    assert.equal(perturbationFromEnv('onnx'), null, 'meant for another format');
    assert.equal(perturbationFromEnv('tflite')?.node, 'd2');
    delete process.env[PERTURB_ENV];
    assert.equal(perturbationFromEnv('tflite'), null);
  } finally { if (saved !== undefined) process.env[PERTURB_ENV] = saved; }
});

test('batching: stack pads with silence, split returns the rows', () => {
  const a = { shape: [1, 2, 2], data: Float32Array.from([1, 2, 3, 4]) }, b = { shape: [1, 2, 2], data: Float32Array.from([5, 6, 7, 8]) };
  const s = stackBatch([a, b], 3);
  assert.deepEqual(s.shape, [3, 2, 2]);
  assert.deepEqual([...s.data], [1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]);
  assert.deepEqual(splitBatch(s, 2).map((t) => [...t.data]), [[1, 2, 3, 4], [5, 6, 7, 8]]);
});

test('docs/verify.md carries exactly the report schema', async () => {
  const doc = await readFile(path.join(projectRoot, 'docs', 'verify.md'), 'utf8');
  const m = /<!-- schema:begin -->\s*```json\n([\s\S]*?)```\s*<!-- schema:end -->/.exec(doc);
  assert.ok(m, 'docs/verify.md has a ```json block between <!-- schema:begin --> and <!-- schema:end -->');
  assert.deepEqual(JSON.parse(m[1]!), JSON.parse(JSON.stringify(REPORT_SCHEMA)), 'docs/verify.md schema differs from src/verify/report-schema.ts');
});

test('notes: a difference the tolerance explains (a tie at a threshold) passes; one beyond it fails', () => {
  // One key, 10 frames: the frame prob sits at the 0.5 activation threshold in frames 3..6 (frame rule).
  const K = 90, T = 10;
  const probs = new Float32Array(T * K);
  for (let t = 3; t <= 6; t++) probs[t * K + 40] = 0.5;
  const thresholds = { ...DEFAULT_THRESHOLDS, activate: 0.5, release: 0.1 };
  const ref = { probs: { shape: [1, T, K], data: probs } };
  const notes = notesFromOutputs(ref, thresholds);
  const samples = { shape: [1, 2, 4], data: new Float32Array(8) };
  const golden: Golden = {
    model: { preset: 'tiny', sha256: 'x', source: 'test' }, producedBy: { runtime: 'test', tensorflow: '-' }, thresholds, outputs: ['probs'], dir: null,
    cases: [{ name: 'tie', description: '', samples, normalization: { applied: false, gain: 1 }, render: null, outputs: ref, notes }],
  };
  const run = (delta: number): ArtifactRun => {
    const d = Float32Array.from(probs);
    for (let t = 3; t <= 6; t++) d[t * K + 40]! += delta;
    return { runtime: 'test', outputs: [{ probs: { shape: [1, T, K], data: d } }], latency: { loadMs: 0, firstWindowMs: 0, medianWindowMs: 0 } };
  };
  const id = { format: 'onnx', precision: 'fp32' as const, artifact: 'm.onnx', oracle: false, bytes: 0 };
  const tol = DEFAULT_TOLERANCES.fp32;
  // 0.5 + 2e-5 crosses the strict "> activate" test: a note appears, but 2e-5 < atol + rtol·0.5.
  const tie = judgeRun(id, run(2e-5), golden, tol).row;
  assert.equal(notes.length, 0, 'at exactly 0.5 the canonical rolls give no note');
  assert.deepEqual([tie.status, tie.notes!.exact, tie.notes!.cases[0]!.withinTolerance], ['pass', false, true], tie.failures.join('; '));
  // 0.5 + 1e-3 is beyond the tolerance: the same note is now a real difference.
  const real = judgeRun(id, run(1e-3), golden, tol).row;
  assert.equal(real.status, 'fail');
  assert.equal(real.notes!.cases[0]!.withinTolerance, false);
  assert.ok(real.failures.some((f) => /notes differ from the canonical notes in 1 case\(s\): tie/.test(f)), real.failures.join('; '));
});
