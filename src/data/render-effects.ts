/**
 * Effects applied to rendered pieces so the model meets more than clean
 * SoundFont audio: loudness, EQ tilt / bumps, noise, lossy codecs, and the
 * release tail trimmed to where it fades out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { ffmpegBin, lastLine, runTool } from '../audio/ffmpeg.js';
import { deinterleave, interleave, type PlanarAudio } from '../audio/pcm.js';
import type { Rng } from './random.js';

export interface NoiseSettings {
  color: 'white' | 'pink';
  /** Signal RMS over noise RMS, dB. */
  snrDb: number;
}

export interface CodecSettings {
  codec: 'mp3' | 'aac';
  kbps: number;
}

export interface EqSettings {
  /** Low shelf gets +tilt dB, high shelf -tilt dB: positive = darker. */
  tiltDb: number;
  /** An optional peaking bump/notch. */
  peak: { freq: number; gainDb: number } | null;
}

/** The EQ as ffmpeg filters (shelving biquads: a few samples of group delay, far below the ±5 ms budget). */
export function eqFilters(eq: EqSettings): string[] {
  const out: string[] = [];
  if (Math.abs(eq.tiltDb) > 0.05) {
    out.push(`bass=g=${eq.tiltDb.toFixed(2)}:f=300:w=0.7`, `treble=g=${(-eq.tiltDb).toFixed(2)}:f=3000:w=0.7`);
  }
  if (eq.peak) out.push(`equalizer=f=${eq.peak.freq.toFixed(0)}:t=o:w=1:g=${eq.peak.gainDb.toFixed(2)}`);
  return out;
}

/** Scales all channels so the loudest sample sits at `peakDb` dBFS (the random-gain augmentation). */
export function scaleToPeak(audio: PlanarAudio, peakDb: number): void {
  let peak = 0;
  for (const ch of audio.channels) for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]!));
  if (peak === 0) return;
  const g = 10 ** (peakDb / 20) / peak;
  for (const ch of audio.channels) for (let i = 0; i < ch.length; i++) ch[i]! *= g;
}

/** Adds seeded white or pink noise at the given SNR (relative to the signal's whole-file RMS), then keeps peaks below 0 dBFS. */
export function addNoise(audio: PlanarAudio, noise: NoiseSettings, rng: Rng): void {
  let sum = 0;
  let n = 0;
  for (const ch of audio.channels) for (let i = 0; i < ch.length; i++, n++) sum += ch[i]! * ch[i]!;
  const rms = Math.sqrt(sum / Math.max(1, n));
  if (rms === 0) return;
  const target = rms / 10 ** (noise.snrDb / 20);
  for (const ch of audio.channels) {
    const buf = noise.color === 'white' ? whiteNoise(ch.length, rng) : pinkNoise(ch.length, rng);
    let s = 0;
    for (let i = 0; i < buf.length; i++) s += buf[i]! * buf[i]!;
    const g = target / Math.sqrt(s / Math.max(1, buf.length));
    for (let i = 0; i < ch.length; i++) ch[i]! += g * buf[i]!;
  }
  limitPeak(audio, 0.99);
}

function whiteNoise(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

/** Paul Kellet's economy pink filter over white noise (within 0.5 dB of 1/f above 10 Hz). */
function pinkNoise(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.next() * 2 - 1;
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    out[i] = b0 + b1 + b2 + w * 0.1848;
  }
  return out;
}

/** Scales down (never up) so no sample exceeds `limit`. */
export function limitPeak(audio: PlanarAudio, limit: number): void {
  let peak = 0;
  for (const ch of audio.channels) for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]!));
  if (peak <= limit) return;
  const g = limit / peak;
  for (const ch of audio.channels) for (let i = 0; i < ch.length; i++) ch[i]! *= g;
}

/** Level below the peak at which the release tail counts as faded out. */
const TAIL_FLOOR_DB = -60;

/**
 * Cuts the audio after the last release, where the tail fades below -60 dB of
 * the peak (at least `minEnd` s, at most `maxEnd` s). Returns new arrays.
 */
export function trimTail(audio: PlanarAudio, minEnd: number, maxEnd: number): PlanarAudio {
  const sr = audio.sampleRate;
  const len = audio.channels[0]!.length;
  let peak = 0;
  for (const ch of audio.channels) for (let i = 0; i < len; i++) peak = Math.max(peak, Math.abs(ch[i]!));
  const floor = peak * 10 ** (TAIL_FLOOR_DB / 20);
  let last = 0;
  for (const ch of audio.channels) for (let i = len - 1; i > last; i--) if (Math.abs(ch[i]!) > floor) { last = i; break; }
  const end = Math.round(Math.min(Math.max(last / sr + 0.05, minEnd), maxEnd) * sr);
  return {
    sampleRate: sr,
    channels: audio.channels.map((ch) => {
      if (end <= ch.length) return ch.slice(0, end);
      const padded = new Float32Array(end);
      padded.set(ch);
      return padded;
    }),
  };
}

/** Encoder arguments per codec: what the lossy round trip writes. */
const CODEC_ARGS: Record<CodecSettings['codec'], { ext: string; args: (kbps: number) => string[] }> = {
  mp3: { ext: '.mp3', args: (k) => ['-c:a', 'libmp3lame', '-b:a', `${k}k`, '-f', 'mp3'] },
  aac: { ext: '.m4a', args: (k) => ['-c:a', 'aac', '-b:a', `${k}k`, '-f', 'ipod'] },
};

/**
 * Encodes to mp3/aac and decodes back, returning audio of the original length.
 * ffmpeg removes encoder delay using the LAME header / MP4 edit list; the
 * remaining shift is measured by cross-correlation and undone, so CSV times
 * stay valid (the alignment test covers it).
 */
export async function codecRoundTrip(audio: PlanarAudio, c: CodecSettings): Promise<PlanarAudio> {
  const spec = CODEC_ARGS[c.codec];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-codec-'));
  try {
    const file = path.join(dir, `x${spec.ext}`);
    const enc = await runTool(ffmpegBin(), [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'f32le', '-ar', String(audio.sampleRate), '-ac', String(audio.channels.length),
      '-i', 'pipe:0', ...spec.args(c.kbps), '-bitexact', file,
    ], { input: interleave(audio.channels) });
    if (enc.exitCode !== 0) throw new A2mError(`${c.codec} ${c.kbps}k: ffmpeg could not encode: ${lastLine(enc.stderr)}`);
    const dec = await runTool(ffmpegBin(), ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file, '-ac', String(audio.channels.length), '-ar', String(audio.sampleRate), '-f', 'f32le', 'pipe:1']);
    if (dec.exitCode !== 0) throw new A2mError(`${c.codec} ${c.kbps}k: ffmpeg could not decode its own output: ${lastLine(dec.stderr)}`);
    const decoded = deinterleave(dec.stdout, audio.channels.length);
    const lag = estimateLag(audio.channels[0]!, decoded[0]!, audio.sampleRate);
    const len = audio.channels[0]!.length;
    return {
      sampleRate: audio.sampleRate,
      channels: decoded.map((ch) => {
        const out = new Float32Array(len);
        for (let i = 0; i < len; i++) {
          const j = i + lag;
          out[i] = j >= 0 && j < ch.length ? ch[j]! : 0;
        }
        return out;
      }),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Lag (samples) of `y` behind `x`, searched within ±maxLag samples by
 * cross-correlation over the loudest second of `x`. The default covers LAME's
 * 1105-sample and AAC's 1024-sample encoder delays, should a decoder keep them
 * (ffmpeg 5 trims both: 0 measured).
 */
export function estimateLag(x: Float32Array, y: Float32Array, sampleRate: number, maxLag = 1200): number {
  const win = Math.min(x.length, sampleRate);
  // Start where x is loudest (in 0.1 s hops) so the correlation has something to lock onto.
  const hop = Math.max(1, Math.floor(sampleRate / 10));
  let best = 0;
  let bestE = -1;
  for (let s = 0; s + win <= x.length; s += hop) {
    let e = 0;
    for (let i = s; i < s + win; i += 4) e += x[i]! * x[i]!;
    if (e > bestE) { bestE = e; best = s; }
  }
  let lagBest = 0;
  let cBest = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let c = 0;
    for (let i = best; i < best + win; i += 2) {
      const j = i + lag;
      if (j >= 0 && j < y.length) c += x[i]! * y[j]!;
    }
    if (c > cBest) { cBest = c; lagBest = lag; }
  }
  return lagBest;
}
