/**
 * Freeverb (Jezar at Dreampoint's public-domain design, the one FluidSynth
 * uses): 8 parallel lowpass-feedback combs into 4 series allpasses per
 * channel, delay lengths scaled from 44.1 kHz to the audio's rate. Used for
 * timbres rendered in JS (the Salamander sampler). The dry signal passes
 * unchanged, so reverb never moves an onset.
 */

const COMB_TUNING = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
const ALLPASS_TUNING = [556, 441, 341, 225];
const STEREO_SPREAD = 23;
const FIXED_GAIN = 0.015;
const ALLPASS_FEEDBACK = 0.5;

export interface ReverbParams {
  /** 0..1: comb feedback 0.7..0.98 (longer tail). */
  roomSize: number;
  /** 0..1: high-frequency damping in the tail. */
  damp: number;
  /** 0..1: stereo width of the tail. */
  width: number;
  /** Wet level (0..1, FluidSynth's reverb level). */
  level: number;
}

/** Adds reverb to planar stereo audio in place. */
export function applyFreeverb(channels: [Float32Array, Float32Array], sampleRate: number, p: ReverbParams): void {
  const scale = sampleRate / 44100;
  const feedback = p.roomSize * 0.28 + 0.7;
  const damp = p.damp * 0.4;
  const wet = p.level * 3; // Freeverb's wet scale
  const wet1 = wet * (p.width / 2 + 0.5);
  const wet2 = wet * ((1 - p.width) / 2);
  const n = channels[0].length;
  const input = new Float32Array(n);
  for (let i = 0; i < n; i++) input[i] = (channels[0][i]! + channels[1][i]!) * FIXED_GAIN;
  const outs = [0, STEREO_SPREAD].map((spread) => {
    const acc = new Float32Array(n);
    for (const t of COMB_TUNING) comb(input, acc, Math.max(1, Math.round((t + spread) * scale)), feedback, damp);
    for (const t of ALLPASS_TUNING) allpass(acc, Math.max(1, Math.round((t + spread) * scale)));
    return acc;
  });
  const [l, r] = outs as [Float32Array, Float32Array];
  for (let i = 0; i < n; i++) {
    channels[0][i]! += l[i]! * wet1 + r[i]! * wet2;
    channels[1][i]! += r[i]! * wet1 + l[i]! * wet2;
  }
}

/** Lowpass-feedback comb: acc += y, y[n] = x[n - d] + feedback * lowpass(y[n - d]). */
function comb(x: Float32Array, acc: Float32Array, delay: number, feedback: number, damp: number): void {
  const buf = new Float32Array(delay);
  let idx = 0;
  let store = 0;
  for (let i = 0; i < x.length; i++) {
    const out = buf[idx]!;
    store = out * (1 - damp) + store * damp;
    buf[idx] = x[i]! + store * feedback;
    if (++idx === delay) idx = 0;
    acc[i]! += out;
  }
}

/** Schroeder allpass (in place), as in Freeverb. */
function allpass(x: Float32Array, delay: number): void {
  const buf = new Float32Array(delay);
  let idx = 0;
  for (let i = 0; i < x.length; i++) {
    const bufout = buf[idx]!;
    const input = x[i]!;
    x[i] = -input + bufout;
    buf[idx] = input + bufout * ALLPASS_FEEDBACK;
    if (++idx === delay) idx = 0;
  }
}
