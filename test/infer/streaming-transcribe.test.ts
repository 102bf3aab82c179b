// transcribeFile streams (StitchStream -> NoteStream) instead of keeping every
// window's outputs: with the committed default model on the rendered fixture,
//  - the kept rolls are bit-identical to `stitch` over the recorded per-window
//    outputs and the notes equal `extractNotes` on them (the pre-streaming pipeline);
//  - without keepRolls it returns the same notes and no rolls;
//  - NoteStream on these real rolls, in chunks of 1 / 7 / 250 / all frames,
//    gives extractNotes' notes (onset rule and frame rule).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadModel, type LoadedModel } from '../../src/model/load.js';
import { tfjsRunner, type WindowRunner } from '../../src/infer/backends.js';
import { transcribeFile, type Rolls } from '../../src/infer/transcribe.js';
import { NoteStream, compareNotes, extractNotes, type EventInputs, type EventThresholds } from '../../src/infer/events.js';
import { frameCount, stitch, WINDOW_FRAMES } from '../../src/audio/window.js';
import { projectRoot } from '../../src/util/paths.js';
import type { Note } from '../../src/types.js';

const FIXTURE = path.join(projectRoot, 'fixtures', 'tiny-set', 'proc-s7-00000.flac');
const KEYS = 90;

let loaded: LoadedModel;
let thresholds: Partial<EventThresholds>;
/** The window outputs the model produced, per output name, one [250, 90] array per window. */
const perWindow: Record<string, Float32Array[]> = {};
let kept: Awaited<ReturnType<typeof transcribeFile>> & { rolls: Rolls };

/** A runner that passes through and records each window's outputs (copies: the stream must not depend on them). */
function recording(inner: WindowRunner): WindowRunner {
  return {
    ...inner,
    async run(windows, count) {
      const out = await inner.run(windows, count);
      const size = WINDOW_FRAMES * KEYS;
      for (const [k, v] of Object.entries(out)) for (let i = 0; i < count; i++) (perWindow[k] ??= []).push(v.slice(i * size, (i + 1) * size));
      return out;
    },
  };
}

before(async () => {
  loaded = await loadModel('default');
  thresholds = (loaded.state.thresholds ?? {}) as Partial<EventThresholds>;
  kept = await transcribeFile(FIXTURE, recording(await tfjsRunner(loaded.model)), { thresholds, keepRolls: true });
});
after(() => loaded?.model.dispose());

function sameBits(a: Float32Array | undefined, b: Float32Array | undefined, what: string): void {
  assert.ok(a && b, `${what}: both present`);
  assert.equal(a.length, b.length, `${what}: length`);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) assert.fail(`${what}: value ${i} differs: ${a[i]} vs ${b[i]}`);
}

test('streamed transcription = the whole-roll pipeline: stitch over all window outputs, then extractNotes', () => {
  const total = frameCount(Math.round(kept.seconds * 16000));
  const whole = {
    frames: stitch(perWindow.probs!, KEYS, total),
    onsets: stitch(perWindow.onset_probs!, KEYS, total),
    velocities: stitch(perWindow.velocity!, KEYS, total),
  };
  sameBits(kept.rolls.frames, whole.frames, 'frame roll');
  sameBits(kept.rolls.onsets, whole.onsets, 'onset roll');
  sameBits(kept.rolls.velocities, whole.velocities, 'velocity roll');
  const want = extractNotes({ ...whole, keys: KEYS }, thresholds);
  assert.ok(want.length > 20, `the fixture gives notes (${want.length})`);
  assert.deepStrictEqual(kept.notes, want);
});

test('without keepRolls: the same notes, no rolls', async () => {
  const lean = await transcribeFile(FIXTURE, await tfjsRunner(loaded.model), { thresholds });
  assert.equal(lean.rolls, undefined);
  assert.deepStrictEqual(lean.notes, kept.notes);
  assert.equal(lean.seconds, kept.seconds);
  assert.equal(lean.gain, kept.gain);
});

function streamNotes(input: EventInputs, th: Partial<EventThresholds>, size: number): Note[] {
  const s = new NoteStream({ onsets: Boolean(input.onsets), velocities: Boolean(input.velocities), keys: KEYS }, th);
  const notes: Note[] = [];
  const total = input.frames.length / KEYS;
  const rows = (a: Float32Array | undefined, t: number) => a?.subarray(t * KEYS, Math.min(total, t + size) * KEYS);
  for (let t = 0; t < total; t += size) notes.push(...s.push({ frames: rows(input.frames, t)!, onsets: rows(input.onsets, t), velocities: rows(input.velocities, t), keys: KEYS }));
  return [...notes, ...s.finish()].sort(compareNotes);
}

test('NoteStream on real model rolls, chunks of 1 / 7 / 250 / all frames = extractNotes (onset rule and frame rule)', () => {
  const r = kept.rolls;
  const cases: [string, EventInputs][] = [
    ['all heads', { frames: r.frames, onsets: r.onsets, velocities: r.velocities, keys: KEYS }],
    ['frame head + velocity', { frames: r.frames, velocities: r.velocities, keys: KEYS }],
  ];
  for (const [name, input] of cases) {
    for (const th of [thresholds, {}, { velocityFrames: 3, riseDelta: 0.1 }]) {
      const want = extractNotes(input, th);
      assert.ok(want.length > 20, `${name}: notes to compare (${want.length})`);
      for (const size of [1, 7, 250, r.frames.length / KEYS]) {
        assert.deepStrictEqual(streamNotes(input, th, size), want, `${name}, thresholds ${JSON.stringify(th)}, chunks of ${size}`);
      }
    }
  }
});
