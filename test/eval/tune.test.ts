// Threshold tuning: on rolls where the seed's thresholds fail (a model whose
// probabilities never reach 0.5), coordinate ascent finds thresholds that
// recover the notes, scored by the mir_eval port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreThresholds, tuneOffsets, tuneThresholds, type TuningPiece } from '../../src/eval/tune.js';
import { DEFAULT_THRESHOLDS } from '../../src/infer/events.js';
import { windowTargets } from '../../src/data/targets.js';
import { NUM_KEYS as K, type Note } from '../../src/types.js';

const T = 250;

function piece(seed: number, scale: number): TuningPiece {
  const notes: Note[] = [];
  for (let i = 0; i < 12; i++) {
    const on = ((seed * 7 + i * 37) % 200) / 50;
    notes.push({ onset: on, offset: on + 0.3 + (i % 4) * 0.1, pitch: 40 + ((seed + i * 5) % 30), velocity: 0.5 });
  }
  const tg = windowTargets(notes, 0, { frames: T, keys: K });
  return { inputs: { frames: tg.frames.map((v) => v * scale) }, notes };
}

test('tuning recovers notes that the default thresholds miss', () => {
  const pieces = [1, 2, 3].map((s) => piece(s, 0.45)); // never above 0.5
  assert.equal(scoreThresholds(pieces, DEFAULT_THRESHOLDS), 0);
  const r = tuneThresholds(pieces);
  assert.equal(r.baseline, 0);
  assert.equal(r.score, 1);
  assert.ok(r.thresholds.activate < 0.45, `activate ${r.thresholds.activate}`);
  assert.ok(r.evaluations > 5);
});

test('tuning keeps the defaults when they are already perfect', () => {
  const pieces = [4, 5].map((s) => piece(s, 1));
  const r = tuneThresholds(pieces);
  assert.equal(r.baseline, 1);
  assert.deepEqual(r.thresholds, { ...DEFAULT_THRESHOLDS });
});

/**
 * Rolls of an onset-head model whose frame prob lingers at 0.3 for 200 ms
 * after each note's real end (a damper still ringing): release 0.1 (the
 * default) ends every note 200 ms late, past mir_eval's offset tolerance
 * (max(50 ms, 20 % of the note)) for these 0.3-0.6 s notes.
 */
function lingeringPiece(seed: number): TuningPiece {
  const notes: Note[] = [];
  for (let i = 0; i < 8; i++) {
    const on = 0.1 + i * 0.55 + (seed % 3) * 0.02;
    notes.push({ onset: on, offset: on + 0.3 + (i % 3) * 0.1, pitch: 45 + ((seed + i * 7) % 30), velocity: 0.5 });
  }
  const frames = new Float32Array(T * K), onsets = new Float32Array(T * K);
  for (const n of notes) {
    const k = n.pitch - 21, a = Math.round(n.onset * 50), b = Math.round(n.offset * 50);
    onsets[a * K + k] = 1;
    for (let t = a; t < b; t++) frames[t * K + k] = 1;
    for (let t = b; t < b + 10; t++) frames[t * K + k] = 0.3;
  }
  return { inputs: { frames, onsets }, notes };
}

test('the offset stage tunes release for onset+offset F1 and keeps onset F1', () => {
  const pieces = [1, 2, 3].map(lingeringPiece);
  const start = { ...DEFAULT_THRESHOLDS, onset: 0.5, release: 0.1 };
  assert.equal(scoreThresholds(pieces, start, 'onset'), 1);
  assert.equal(scoreThresholds(pieces, start, 'onsetOffset'), 0, 'every note ends 200 ms late');
  const r = tuneOffsets(pieces, start);
  assert.equal(r.baseline, 0);
  assert.equal(r.score, 1);
  assert.ok(r.thresholds.release > 0.3, `release ${r.thresholds.release} must cut the 0.3 tail`);
  assert.equal(r.onset, 1);
  assert.equal(r.onsetBaseline, 1);
  // Everything but release is left as it was.
  assert.deepEqual({ ...r.thresholds, release: start.release }, start);
});

/**
 * Rolls of an offset-head model where no release threshold works: the frame prob is weak (0.35) while
 * the key is down and rings stronger (0.5) for 200 ms after, while the offset head peaks (0.8) on each
 * note's last frame.
 */
function ringingPiece(seed: number): TuningPiece {
  const base = lingeringPiece(seed);
  const frames = new Float32Array(T * K), offsets = new Float32Array(T * K);
  for (const n of base.notes) {
    const k = n.pitch - 21, a = Math.round(n.onset * 50), b = Math.round(n.offset * 50);
    for (let t = a; t < b; t++) frames[t * K + k] = 0.35;
    for (let t = b; t < b + 10; t++) frames[t * K + k] = 0.5;
    offsets[(b - 1) * K + k] = 0.8;
  }
  return { inputs: { frames, onsets: base.inputs.onsets, offsets }, notes: base.notes };
}

test('the offset stage turns the offset head on where no release threshold can end the notes', () => {
  const pieces = [1, 2, 3].map(ringingPiece);
  const start = { ...DEFAULT_THRESHOLDS, onset: 0.5, release: 0.1 };
  assert.equal(scoreThresholds(pieces, start, 'onsetOffset'), 0, 'every note rings 200 ms past its end');
  const r = tuneOffsets(pieces, start);
  assert.equal(r.score, 1);
  assert.equal(r.onset, 1);
  assert.ok(r.thresholds.offset > 0 && r.thresholds.offset < 0.8, `offset ${r.thresholds.offset}`);
  // The same rolls without the offset roll: the stage cannot fix them, and the offset threshold stays off.
  const without = pieces.map((p) => ({ ...p, inputs: { frames: p.inputs.frames, onsets: p.inputs.onsets } }));
  const w = tuneOffsets(without, start);
  assert.ok(w.score < 1, `score ${w.score}`);
  assert.equal(w.thresholds.offset, 0);
});
