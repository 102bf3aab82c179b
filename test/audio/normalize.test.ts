import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LevelMeter, MIN_PEAK, TARGET_RMS, normalizationGain, rmsNormalize } from '../../src/audio/normalize.js';

const rmsOf = (chs: Float32Array[]): number => {
  let s = 0;
  let n = 0;
  for (const c of chs) for (const v of c) { s += v * v; n++; }
  return Math.sqrt(s / n);
};

test('normalises the whole file (both channels) to the target RMS with one gain', () => {
  const l = Float32Array.from({ length: 16000 }, (_, i) => 0.8 * Math.sin(i / 5));
  const r = Float32Array.from({ length: 16000 }, (_, i) => 0.2 * Math.sin(i / 7));
  const ratio = l[100]! / r[100]!;
  const gain = rmsNormalize([l, r]);
  assert.ok(Math.abs(rmsOf([l, r]) - TARGET_RMS) < 1e-6);
  assert.ok(gain > 0);
  assert.ok(Math.abs(l[100]! / r[100]! - ratio) < 1e-4); // same gain on both channels
});

test('quiet files (peak <= 0.05) are left alone', () => {
  const x = Float32Array.from({ length: 1000 }, (_, i) => MIN_PEAK * Math.sin(i));
  const copy = x.slice();
  assert.equal(rmsNormalize([x, x.slice()]), 1);
  assert.deepEqual(x, copy);
  assert.equal(normalizationGain(0, 0), 1);
  assert.equal(normalizationGain(0.01, 0.0501), TARGET_RMS / 0.01);
});

test('the streaming meter agrees with the whole-file measure', () => {
  const l = Float32Array.from({ length: 10007 }, (_, i) => Math.sin(i / 3) * (i % 7) / 7);
  const r = Float32Array.from({ length: 10007 }, (_, i) => Math.cos(i / 11) * 0.3);
  const m = new LevelMeter();
  for (let s = 0; s < l.length; s += 999) m.push([l.subarray(s, s + 999), r.subarray(s, s + 999)]);
  assert.ok(Math.abs(m.rms - rmsOf([l, r])) < 1e-9);
  const peak = Math.max(...l.map(Math.abs), ...r.map(Math.abs));
  assert.equal(m.peak, peak);
});
