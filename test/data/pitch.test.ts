// Every timbre must play the key the CSV names: render single notes, find the
// strongest partial near the expected fundamental (a window wide enough to
// catch a semitone or an octave slip), and compare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DEFAULT_SOUNDFONTS, renderNotes, type RenderSettings } from '../../src/data/render.js';
import { SALAMANDER, salamanderAvailable } from '../../src/data/sampler.js';
import { mid } from '../../src/data/onsets.js';

/** Keys from A2 to A#5: sampled keys and ones the sampler repitches up or down a semitone. */
const KEYS = [45, 57, 60, 69, 70, 71, 82];
const SPACING = 0.8;

/** Hann-windowed DFT magnitude of x at frequency f (Hz). */
function magnitude(x: Float32Array, sampleRate: number, f: number): number {
  let re = 0;
  let im = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const ph = (2 * Math.PI * f * i) / sampleRate;
    re += w * x[i]! * Math.cos(ph);
    im += w * x[i]! * Math.sin(ph);
  }
  return Math.hypot(re, im);
}

/** The frequency of the strongest partial between f0/2.5 and 1.5 f0, on a 0.1% grid. */
function strongestNear(x: Float32Array, sampleRate: number, f0: number): number {
  let best = 0;
  let bestMag = -1;
  for (let f = f0 / 2.5; f <= f0 * 1.5; f *= 1.001) {
    const m = magnitude(x, sampleRate, f);
    if (m > bestMag) { bestMag = m; best = f; }
  }
  return best;
}

const TIMBRES: [string, string, string | false][] = [
  ['FluidR3 grand', DEFAULT_SOUNDFONTS[0]!, !existsSync(DEFAULT_SOUNDFONTS[0]!) && 'SoundFont not installed'],
  ['TimGM6mb grand', DEFAULT_SOUNDFONTS[1]!, !existsSync(DEFAULT_SOUNDFONTS[1]!) && 'SoundFont not installed'],
  ['Salamander sampler', SALAMANDER, !salamanderAvailable() && 'Salamander samples not installed'],
];

for (const [name, timbre, skip] of TIMBRES) {
  test(`${name} plays the right pitch`, { skip }, async () => {
    const notes = KEYS.map((pitch, i) => ({ onset: 0.2 + i * SPACING, offset: 0.2 + i * SPACING + 0.6, pitch, velocity: 90 / 127 }));
    const settings: RenderSettings = { soundfont: timbre, program: 0, reverb: null, eq: { tiltDb: 0, peak: null }, peakDb: -6, noise: null, codec: null };
    const r = await renderNotes(notes, settings);
    const x = mid(r.audio.channels[0]!, r.audio.channels[1]!);
    for (const n of r.notes) {
      // 0.25 s of the sustained part, after the attack transient.
      const from = Math.round((n.onset + 0.1) * 16000);
      const seg = x.subarray(from, from + 4000);
      const expected = 440 * 2 ** ((n.pitch - 69) / 12);
      const found = strongestNear(seg, 16000, expected);
      const cents = 1200 * Math.log2(found / expected);
      assert.ok(Math.abs(cents) < 30, `key ${n.pitch}: strongest partial ${found.toFixed(1)} Hz, expected ${expected.toFixed(1)} Hz (${cents.toFixed(0)} cents)`);
    }
  });
}
