import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, deriveSeed } from '../../src/data/random.js';

test('streams of neighbouring pieces are unrelated: first draws uniform and uncorrelated', () => {
  // Piece i's settings come from createRng(deriveSeed(seed, 0, i)): its first draw picks the SoundFont.
  const n = 4000;
  const xs = Array.from({ length: n }, (_, i) => createRng(deriveSeed(1, 0, i)).next());
  const mean = xs.reduce((a, b) => a + b) / n;
  let cov = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    v += (xs[i]! - mean) ** 2;
    if (i > 0) cov += (xs[i]! - mean) * (xs[i - 1]! - mean);
  }
  // For independent uniforms: mean 0.5 +- 0.0046 (1 sd), lag-1 correlation 0 +- 0.016.
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(cov / v) < 0.06, `lag-1 correlation ${cov / v}`);
  const firstTen = xs.slice(0, 10).filter((x) => x < 0.5).length;
  assert.ok(firstTen > 0 && firstTen < 10);
});

test('rng helpers stay in range and are reproducible', () => {
  const a = createRng(42);
  const b = createRng(42);
  for (let i = 0; i < 1000; i++) {
    const k = a.int(3, 7);
    assert.equal(k, b.int(3, 7));
    assert.ok(k >= 3 && k <= 7 && Number.isInteger(k));
    const u = a.uniform(-2, 2);
    assert.equal(u, b.uniform(-2, 2));
    assert.ok(u >= -2 && u < 2);
  }
  assert.notEqual(deriveSeed(1, 2), deriveSeed(2, 1));
  assert.notEqual(deriveSeed(2 ** 33), deriveSeed(2 ** 34));
});
