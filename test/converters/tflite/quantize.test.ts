/** The weight encodings on their own: float16 rounding and per-channel int8. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float16Bits, quantizeInt8PerChannel, toFloat16Bytes } from '../../../converters/tflite/quantize.js';

/** Independent half -> float decode (the definition, not the encoder's inverse). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

test('float16: every half round-trips exactly; floats round to the nearest half, ties to even', () => {
  for (let h = 0; h < 0x10000; h++) {
    const f = halfToFloat(h);
    if (Number.isNaN(f)) assert.ok(Number.isNaN(halfToFloat(float16Bits(f))), `NaN ${h}`);
    else assert.equal(float16Bits(f), h, `half 0x${h.toString(16)} = ${f}`);
  }
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 20000; i++) {
    const x = Math.fround((rnd() * 2 - 1) * 2 ** (Math.floor(rnd() * 44) - 28)); // subnormal to 2^16
    const got = halfToFloat(float16Bits(x));
    // No half is closer than the chosen one.
    const h = float16Bits(x);
    for (const n of [h - 1, h + 1]) if ((n & 0x7c00) !== 0x7c00 && n >= 0 && n < 0x10000 && ((n ^ h) & 0x8000) === 0) {
      assert.ok(Math.abs(halfToFloat(n) - x) >= Math.abs(got - x), `${x}: 0x${h.toString(16)} is not the nearest half`);
    }
  }
  assert.equal(float16Bits(1 + 2 ** -11), 0x3c00, 'tie between 1 and 1+2^-10 goes to even (1)');
  assert.equal(float16Bits(1 + 3 * 2 ** -11), 0x3c02, 'tie goes to even (1+2^-9)');
  assert.equal(float16Bits(65520), 0x7c00, 'rounds past max half to +inf');
  assert.equal(float16Bits(-1e-9), 0x8000, 'underflow keeps the sign');
  assert.deepEqual(Array.from(new Uint16Array(toFloat16Bytes(Float32Array.of(1, -2, 0.5)).buffer)), [0x3c00, 0xc000, 0x3800]);
});

test('int8 per channel: scale = max|w| / 127 along the axis, symmetric, error <= scale / 2', () => {
  // [2, 3, 4] weights; quantize along axis 1 (3 channels), channel 2 all zero.
  const shape = [2, 3, 4];
  const w = new Float32Array(24).map((_, i) => (Math.floor(i / 4) % 3 === 2 ? 0 : Math.sin(i * 1.7) * (1 + (Math.floor(i / 4) % 3))));
  const q = quantizeInt8PerChannel(w, shape, 1);
  assert.equal(q.scale.length, 3);
  assert.equal(q.axis, 1);
  for (let ch = 0; ch < 3; ch++) {
    let max = 0;
    for (let i = 0; i < 24; i++) if (Math.floor(i / 4) % 3 === ch) max = Math.max(max, Math.abs(w[i]!));
    assert.equal(q.scale[ch], Math.fround(max > 0 ? max / 127 : 1));
  }
  for (let i = 0; i < 24; i++) {
    const ch = Math.floor(i / 4) % 3;
    assert.ok(q.data[i]! >= -127 && q.data[i]! <= 127);
    assert.ok(Math.abs(q.data[i]! * q.scale[ch]! - w[i]!) <= q.scale[ch]! / 2 + 1e-7, `element ${i}`);
  }
  assert.ok(q.data.some((v) => Math.abs(v) === 127), 'each channel max maps to +-127');
});
