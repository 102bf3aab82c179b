// Threshold tuning: on rolls where the seed's thresholds fail (a model whose
// probabilities never reach 0.5), coordinate ascent finds thresholds that
// recover the notes, scored by the mir_eval port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreThresholds, tuneThresholds, type TuningPiece } from '../../src/eval/tune.js';
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
