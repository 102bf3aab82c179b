/**
 * Batched windows change nothing: the committed default model, exported fresh
 * (a private A2M_CACHE_DIR) to ONNX with a dynamic batch, transcribes a 25 s
 * clip (6 windows) at --batch 1, 4 (a short last batch of 2) and 8 (one call
 * for every window) to the same notes as the MIDI file states them: pitch,
 * onset and offset exactly, velocity as the MIDI velocity (1..127). The float
 * velocity is the head's output read at the onset: ORT's batched kernels sum
 * in another order, which moves its last bits (measured: 1.8e-7 at batch 4 and 8) without
 * changing the note, as between backends (backend-parity.test.ts). The rolls'
 * and velocities' max differences per batch are printed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadHostModel } from '../../src/model/load.js';
import { makeRunner } from '../../src/infer/backends.js';
import { transcribeFile, type Rolls } from '../../src/infer/transcribe.js';
import type { Note } from '../../src/types.js';
import { projectRoot } from '../../src/util/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'a2m-batched-'));
process.env.A2M_CACHE_DIR = path.join(tmp, 'cache');
after(() => rmSync(tmp, { recursive: true, force: true }));

const SOURCE = path.join(projectRoot, 'fixtures', 'tiny-set', 'proc-s7-00000.flac');
const BATCHES = [1, 4, 8];

/** The notes as the MIDI file holds them. */
const asMidi = (notes: Note[]) => notes.map((n) => ({ pitch: n.pitch, onset: n.onset, offset: n.offset, velocity: Math.round(n.velocity * 127) }));

test('ONNX Runtime: the same notes at batch 1, 4 and 8', async () => {
  const { model, thresholds } = await loadHostModel('default');
  const results = new Map<number, { notes: Note[]; rolls: Rolls; calls: number; windows: number }>();
  for (const batch of BATCHES) {
    const runner = await makeRunner(model, 'onnx', 'fp32', { batch });
    assert.equal(runner.batch, batch);
    let calls = 0, windows = 0;
    try {
      const r = await transcribeFile(SOURCE, runner, { thresholds, keepRolls: true, onWindow: (done) => { calls++; windows = done; } });
      results.set(batch, { notes: r.notes, rolls: r.rolls, calls, windows });
    } finally {
      await runner.dispose();
    }
  }
  const one = results.get(1)!;
  assert.ok(one.notes.length > 0, 'the clip has notes');
  for (const batch of BATCHES) {
    const r = results.get(batch)!;
    assert.equal(r.calls, Math.ceil(r.windows / batch), `batch ${batch}: one model call per batch of windows`);
    let max = 0;
    for (let i = 0; i < one.rolls.frames.length; i++) max = Math.max(max, Math.abs(r.rolls.frames[i]! - one.rolls.frames[i]!));
    const vel = r.notes.length === one.notes.length ? Math.max(0, ...r.notes.map((n, i) => Math.abs(n.velocity - one.notes[i]!.velocity))) : NaN;
    console.log(`batch ${batch}: ${r.windows} windows in ${r.calls} calls, ${r.notes.length} notes, vs batch 1: frame roll max abs diff ${max.toExponential(2)}, float velocity ${vel.toExponential(2)}`);
    assert.deepEqual(asMidi(r.notes), asMidi(one.notes), `batch ${batch}`);
  }
  model.dispose();
});
