// The seed's metrics: BCE summed per window (checked against tfjs' Keras
// binaryCrossentropy), hit rate and eventized diff on rolls made from known
// notes through the training-target rule, with known misses / extras.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeedMetricsAccumulator, eventizedDiff, frameHits, seedMetrics, windowBce } from '../../src/eval/frame-metrics.js';
import { windowTargets } from '../../src/data/targets.js';
import { NUM_KEYS as K, type Note } from '../../src/types.js';
import { mulberry32 } from '../../src/util/prng.js';

const T = 250;
const target = (notes: Note[]) => windowTargets(notes, 0, { frames: T, keys: K }).frames;

/** Non-overlapping notes, one per key, on distinct keys (so each stands alone). */
function notesOnKeys(seed: number, n: number): Note[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const on = Math.floor(r() * 200) / 50;
    return { onset: on, offset: on + 0.1 + Math.floor(r() * 40) / 50, pitch: 21 + i * 2, velocity: 0.5 };
  });
}

test('windowBce: summed over the window = Keras BCE (tfjs) × elements', async () => {
  const tf = await import('@tensorflow/tfjs-node');
  const r = mulberry32(3);
  const tgt = target(notesOnKeys(1, 30));
  // Away from 0 and 1 except two cells: tfjs clamps at float32 1 - 1e-7 (= 1 - 1.19e-7), we in float64.
  const probs = tgt.map((z) => Math.min(0.99, Math.max(0.01, z + (r() - 0.5) * 0.8)));
  probs[5] = 0; // saturated: clamped, not infinite
  probs[7] = 1;
  const ours = windowBce(probs, tgt);
  const keras = tf.tidy(() => tf.metrics.binaryCrossentropy(tf.tensor1d(tgt), tf.tensor1d(probs)).dataSync()[0]!) * probs.length;
  assert.ok(Number.isFinite(ours));
  assert.ok(Math.abs(ours - keras) / keras < 1e-4, `ours ${ours}, keras ${keras}`);
  // Averaged over windows, not summed.
  assert.ok(Math.abs(seedMetrics([{ probs, target: tgt }, { probs, target: tgt }]).loss - ours) < 1e-9 * ours);
});

test('hit rate: active target cells recovered by the prediction, pooled over windows', () => {
  const notes = notesOnKeys(5, 20);
  const tgt = target(notes);
  const kept = notes.filter((_, i) => i % 3 !== 0);
  const pred = target(kept); // a prediction that misses every third note
  const activeAll = tgt.filter((v) => v > 0.5).length;
  const activeKept = pred.filter((v) => v > 0.5).length;
  assert.deepEqual(frameHits(pred, tgt), { hits: activeKept, active: activeAll });
  const m = seedMetrics([{ probs: pred, target: tgt }, { probs: tgt, target: tgt }]);
  assert.equal(m.hitRate, (activeKept + activeAll) / (2 * activeAll));
  // Hit rate ignores false positives.
  assert.equal(seedMetrics([{ probs: new Float32Array(T * K).fill(1), target: tgt }]).hitRate, 1);
});

test('eventized diff: missed + spurious events, onsets within one frame pair up', () => {
  const notes = notesOnKeys(9, 24);
  const tgt = target(notes);
  assert.deepEqual(eventizedDiff(tgt, tgt), { target: 24, predicted: 24, matched: 24, diff: 0 });

  const missed = notes.filter((_, i) => i % 4 === 0);
  const spurious: Note[] = [{ onset: 1, offset: 1.5, pitch: 100, velocity: 0.5 }, { onset: 2, offset: 2.5, pitch: 102, velocity: 0.5 }];
  const pred = target([...notes.filter((n) => !missed.includes(n)), ...spurious]);
  assert.equal(eventizedDiff(pred, tgt).diff, missed.length + spurious.length);

  const shift = (d: number) => target(notes.map((n) => ({ ...n, onset: n.onset + d, offset: n.offset + d })));
  assert.equal(eventizedDiff(shift(0.02), tgt).diff, 0, 'one frame late still pairs');
  assert.equal(eventizedDiff(shift(0.04), tgt).diff, 2 * notes.filter((n) => n.onset + 0.04 < 5 - 0.04).length, 'two frames late does not');

  const acc = new SeedMetricsAccumulator();
  acc.add(pred, tgt);
  acc.add(tgt, tgt);
  assert.equal(acc.result().eventizedDiff, (missed.length + spurious.length) / 2);
});

test('mismatched shapes are an error', () => {
  assert.throws(() => windowBce(new Float32Array(3), new Float32Array(4)), /prediction has 3 values, target 4/);
});
