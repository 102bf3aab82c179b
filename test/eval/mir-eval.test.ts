// mir_eval conformance: our port against mir_eval's own regression vectors
// (../shared/reference/mir_eval) and against the Python mir_eval in .venv on
// seeded random note lists built to hit the boundary cases (exact 50 ms
// distances, ±50 cent detunings, constant velocities, empty lists).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  evaluateTranscription,
  evaluateTranscriptionVelocity,
  matchNotes,
  matchNotesVelocity,
  midiToHz,
  notesToMir,
  scoreNotes,
  type MirNotes,
} from '../../src/eval/mir-eval.js';
import { hasReference, referenceDir, venvPython } from '../../src/util/paths.js';
import { A2mError } from '../../src/errors.js';
import type { Note } from '../../src/types.js';
import { mulberry32 } from '../../src/util/prng.js';

const TOL = 1e-12;
const mirDir = path.join(referenceDir, 'mir_eval');

/** mir_eval's text format: whitespace/comma separated columns, '#' comments. */
function loadVector(file: string, withVelocity: boolean): MirNotes {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/[\s,]+/).map(Number));
  return {
    intervals: rows.map((r) => [r[0]!, r[1]!] as const),
    pitches: rows.map((r) => r[2]!),
    ...(withVelocity ? { velocities: rows.map((r) => r[3]!) } : {}),
  };
}

/**
 * Every score within 1e-12 (the contract). With `exact`, bit-identical: the
 * port replays numpy's rounding and pairwise summation, so on the stored
 * vectors (fixed inputs, deterministic arithmetic) anything else is a bug.
 */
function assertScores(actual: Record<string, number>, expected: Record<string, number>, label: string, exact = false): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${label}: score names`);
  for (const k of Object.keys(expected)) {
    const ok = exact ? actual[k] === expected[k] : Math.abs(actual[k]! - expected[k]!) <= TOL;
    assert.ok(ok, `${label} ${k}: got ${actual[k]}, mir_eval ${expected[k]}`);
  }
}

/** Pairs of (ref, est, expected-output) files in one vector folder. */
function vectors(sub: string): { id: string; ref: string; est: string; out: string }[] {
  const dir = path.join(mirDir, sub);
  return readdirSync(dir)
    .filter((f) => /^output\w*\.json$/.test(f))
    .sort()
    .map((f) => {
      const id = f.slice('output'.length, -'.json'.length);
      return { id, ref: path.join(dir, `ref${id}.txt`), est: path.join(dir, `est${id}.txt`), out: path.join(dir, f) };
    });
}

test('mir_eval.transcription vectors (../shared/reference)', (t) => {
  if (!hasReference) return t.skip('skipped: ../shared/reference not present');
  const vs = vectors('transcription');
  assert.ok(vs.length >= 10, 'expected the 10 transcription vectors');
  for (const v of vs) {
    const expected = JSON.parse(readFileSync(v.out, 'utf8')) as Record<string, number>;
    assertScores(evaluateTranscription(loadVector(v.ref, false), loadVector(v.est, false)), expected, `transcription ${v.id}`, true);
  }
});

test('mir_eval.transcription_velocity vectors (../shared/reference)', (t) => {
  if (!hasReference) return t.skip('skipped: ../shared/reference not present');
  const vs = vectors('transcription_velocity');
  assert.ok(vs.length >= 10, 'expected the 10 transcription_velocity vectors');
  for (const v of vs) {
    const expected = JSON.parse(readFileSync(v.out, 'utf8')) as Record<string, number>;
    assertScores(evaluateTranscriptionVelocity(loadVector(v.ref, true), loadVector(v.est, true)), expected, `velocity ${v.id}`, true);
  }
});

// ------------------------------------------------------------ Python cross-check

interface Case {
  ref: MirNotes;
  est: MirNotes;
}

/**
 * Reference notes on a 10 ms grid (so 50 ms distances occur exactly and
 * numpy's 4-decimal rounding decides), estimates derived from them by
 * jitter, dropping, detuning by up to ±60 cents, adding spurious notes.
 */
function randomCase(r: () => number, k: number): Case {
  const n = k % 7 === 0 ? 0 : Math.floor(r() * 120);
  const grid = k % 2 === 0;
  const t = (x: number): number => (grid ? Math.round(x * 100) / 100 : x);
  const ref: Note[] = [];
  for (let i = 0; i < n; i++) {
    const onset = t(r() * 10);
    ref.push({ onset, offset: t(onset + 0.02 + r() * 1.5) + 0.01, pitch: 40 + Math.floor(r() * 12), velocity: (1 + Math.floor(r() * 127)) / 127 });
  }
  const est: Note[] = [];
  for (const nt of ref) {
    if (r() < 0.15) continue;
    const jit = () => (grid ? Math.round((r() - 0.5) * 14) / 100 : (r() - 0.5) * 0.14);
    const onset = Math.max(0, nt.onset + jit());
    est.push({ onset, offset: Math.max(onset + 0.01, nt.offset + jit() * 3), pitch: nt.pitch, velocity: k % 3 === 0 ? 89 / 127 : Math.min(1, Math.max(0, nt.velocity + (r() - 0.5) * 0.3)) });
  }
  const extra = k % 5 === 0 ? 0 : Math.floor(r() * 20);
  for (let i = 0; i < extra; i++) {
    const onset = t(r() * 10);
    est.push({ onset, offset: onset + 0.05 + r(), pitch: 40 + Math.floor(r() * 12), velocity: k % 3 === 0 ? 89 / 127 : r() });
  }
  if (k === 1) est.splice(1); // a single estimate: rank-1 velocity regression
  const e = notesToMir(est);
  // Detune some estimates around the 50-cent boundary.
  const pitches = e.pitches.map((p) => (r() < 0.2 ? p * 2 ** ((r() - 0.5) * 120 / 1200) : p));
  return { ref: notesToMir(ref), est: { ...e, pitches } };
}

const PY = `
import sys, json, warnings
import numpy as np
import mir_eval
warnings.simplefilter('ignore')
out = []
for c in json.load(sys.stdin):
    def arr(n):
        iv = np.array(n['intervals'], dtype=float).reshape(-1, 2)
        return iv, np.array(n['pitches'], dtype=float), np.array(n['velocities'], dtype=float)
    ri, rp, rv = arr(c['ref']); ei, ep, ev = arr(c['est'])
    res = {'t': {k: float(v) for k, v in mir_eval.transcription.evaluate(ri, rp, ei, ep).items()},
           'v': {k: float(v) for k, v in mir_eval.transcription_velocity.evaluate(ri, rp, rv, ei, ep, ev).items()}}
    if len(rp) and len(ep):
        res['m'] = [[int(a), int(b)] for a, b in mir_eval.transcription.match_notes(ri, rp, ei, ep)]
        res['m0'] = [[int(a), int(b)] for a, b in mir_eval.transcription.match_notes(ri, rp, ei, ep, offset_ratio=None)]
        res['mv'] = [[int(a), int(b)] for a, b in mir_eval.transcription_velocity.match_notes(ri, rp, rv, ei, ep, ev)]
    out.append(res)
json.dump(out, sys.stdout)
`;

test('agrees with Python mir_eval on seeded random note lists', (t) => {
  if (!existsSync(venvPython)) return t.skip(`skipped: ${venvPython} not present`);
  const r = mulberry32(20240607);
  const cases = Array.from({ length: 60 }, (_, k) => randomCase(r, k));
  const py = spawnSync(venvPython, ['-c', PY], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (py.status !== 0 && /No module named/.test(py.stderr)) return t.skip(`skipped: mir_eval missing in the venv`);
  assert.equal(py.status, 0, py.stderr);
  const expected = JSON.parse(py.stdout) as { t: Record<string, number>; v: Record<string, number>; m?: number[][]; m0?: number[][]; mv?: number[][] }[];
  let matched = 0;
  cases.forEach((c, k) => {
    assertScores(evaluateTranscription(c.ref, c.est), expected[k]!.t, `case ${k}`);
    assertScores(evaluateTranscriptionVelocity(c.ref, c.est), expected[k]!.v, `case ${k} velocity`);
    if (expected[k]!.m) {
      // Same pairs, not just the same count.
      assert.deepEqual(matchNotes(c.ref, c.est), expected[k]!.m, `case ${k} matching`);
      assert.deepEqual(matchNotes(c.ref, c.est, { offsetRatio: null }), expected[k]!.m0, `case ${k} onset matching`);
      assert.deepEqual(matchNotesVelocity(c.ref, c.est), expected[k]!.mv, `case ${k} velocity matching`);
      matched += expected[k]!.m0!.length;
    }
  });
  assert.ok(matched > 1000, `the cases should produce many matches (got ${matched})`);
});

test('notesToMir: MIDI -> Hz, velocity 0..1 -> MIDI scale', () => {
  assert.equal(midiToHz(69), 440);
  assert.ok(Math.abs(midiToHz(60) - 261.6255653005986) < 1e-12);
  const m = notesToMir([{ onset: 0.5, offset: 1, pitch: 81, velocity: 1 }]);
  assert.deepEqual(m.intervals, [[0.5, 1]]);
  assert.equal(m.pitches[0], 880);
  assert.equal(m.velocities![0], 127);
});

test('scoreNotes: identical lists score 1; empty estimate scores 0', () => {
  const notes: Note[] = [
    { onset: 0.1, offset: 0.5, pitch: 60, velocity: 0.5 },
    { onset: 0.3, offset: 0.9, pitch: 64, velocity: 0.7 },
  ];
  const s = scoreNotes(notes, notes, { velocity: true });
  for (const v of [s.onset, s.onsetOffset, s.onsetVelocity!, s.onsetOffsetVelocity!]) {
    assert.deepEqual(v, { precision: 1, recall: 1, f1: 1, averageOverlapRatio: 1 });
  }
  assert.equal(scoreNotes(notes, []).onset.f1, 0);
});

test('invalid intervals raise A2mError naming the note', () => {
  const bad = { intervals: [[0, 1], [2, 2]] as const, pitches: [440, 440] } as unknown as MirNotes;
  const ok: MirNotes = { intervals: [[0, 1]], pitches: [440] };
  assert.throws(() => evaluateTranscription(ok, bad), (e: unknown) => e instanceof A2mError && /estimated note 1/.test(e.message));
});
