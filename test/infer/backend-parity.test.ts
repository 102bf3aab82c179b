/**
 * The same audio through every fp32 backend gives the same notes: the
 * committed default model, transcribed on a 9 s clip (two windows, so the
 * stitching runs) in tfjs-node (canonical) and exported fresh (a private
 * A2M_CACHE_DIR) to SavedModel, TFLite and ONNX, each run in its own runtime.
 * Every note must be identical to the tfjs ones as the MIDI file states it:
 * pitch, onset and offset exactly, velocity as the MIDI velocity (1..127). The
 * float velocity itself is the head's output read at the onset, so an fp32
 * rounding difference (~1e-7) changes its last bits without changing the note;
 * its max difference is printed with the rolls' per backend.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeFile } from '../../src/audio/decode.js';
import { writeAudioFile } from '../../src/audio/pcm.js';
import { loadModel } from '../../src/model/load.js';
import { BACKENDS, makeRunner, type Backend } from '../../src/infer/backends.js';
import { transcribeFile, type Rolls } from '../../src/infer/transcribe.js';
import type { EventThresholds } from '../../src/infer/events.js';
import { projectRoot } from '../../src/util/paths.js';
import { maxAbsError } from '../../fixtures/compare.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'a2m-backend-parity-'));
process.env.A2M_CACHE_DIR = path.join(tmp, 'cache');
after(() => rmSync(tmp, { recursive: true, force: true }));

const SOURCE = path.join(projectRoot, 'fixtures', 'tiny-set', 'proc-s7-00000.flac');
/** Two 5 s windows with their 0.5 s overlap. */
const CLIP_SECONDS = 9;

type Notes = Awaited<ReturnType<typeof transcribeFile>>['notes'];

/** The notes as the MIDI file holds them. */
const asMidi = (notes: Notes) => notes.map((n) => ({ pitch: n.pitch, onset: n.onset, offset: n.offset, velocity: Math.round(n.velocity * 127) }));

/** Max |a - b| of a roll (fixtures/compare.ts's measure; lengths must match): 0 when neither run kept it, Infinity when one did not. */
function maxAbsDiff(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (!a || !b) return a === b ? 0 : Infinity;
  return maxAbsError({ shape: [a.length], data: a }, { shape: [b.length], data: b }, { lengthOnly: true });
}

test('every fp32 backend transcribes the default model to the same notes as tfjs', async (t) => {
  const audio = await decodeFile(SOURCE);
  const clip = path.join(tmp, 'clip.flac');
  const n = CLIP_SECONDS * audio.sampleRate;
  await writeAudioFile(clip, { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.slice(0, n)) });

  const { model, state } = await loadModel('default');
  const thresholds = (state.thresholds ?? {}) as Partial<EventThresholds>;
  try {
    const results = new Map<Backend, { notes: Notes; rolls: Rolls; runtime: string }>();
    for (const backend of BACKENDS) {
      const runner = await makeRunner(model, backend);
      try {
        const r = await transcribeFile(clip, runner, { thresholds, keepRolls: true });
        results.set(backend, { notes: r.notes, rolls: r.rolls, runtime: runner.name });
      } finally {
        await runner.dispose();
      }
    }
    const ref = results.get('tfjs')!;
    assert.ok(ref.notes.length > 5, `the clip gives only ${ref.notes.length} notes with tfjs: too few to compare`);
    for (const [backend, got] of results) {
      if (backend === 'tfjs') continue;
      const diffs = (['frames', 'onsets', 'velocities'] as const).map((k) => `${k} ${maxAbsDiff(ref.rolls[k], got.rolls[k]).toExponential(1)}`);
      const velocity = got.notes.length === ref.notes.length ? Math.max(0, ...got.notes.map((n, i) => Math.abs(n.velocity - ref.notes[i]!.velocity))).toExponential(1) : 'n/a';
      t.diagnostic(`${backend} (${got.runtime}): ${got.notes.length} notes (tfjs ${ref.notes.length}); max abs diff vs tfjs: rolls ${diffs.join(', ')}; note velocity ${velocity}`);
    }
    for (const [backend, got] of results) assert.deepEqual(asMidi(got.notes), asMidi(ref.notes), `${backend}: notes differ from tfjs`);
  } finally {
    model.dispose();
  }
});
