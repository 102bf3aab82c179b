/**
 * A small sample player for the Salamander Grand Piano V3 (Yamaha C5,
 * CC BY 3.0, Alexander Holm) from the npm packages @audio-samples/piano-velocityN:
 * a third piano timbre beside the two SoundFonts. Salamander is sampled every
 * 3 keys (A0, C1, D#1, ... C8) in 16 velocity layers; we ship layers 4, 8, 12
 * and 16. A note plays the nearest sampled key, repitched by at most a
 * semitone, from the layer nearest its velocity (scaled in between), and is
 * released with a key-dependent damper fade.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { AudioCache } from '../audio/cache.js';
import { PIANO_HIGH, PIANO_LOW, type Note } from '../types.js';
import { noteName } from '../util/note-name.js';

/** The timbre name used in render settings (in place of a .sf2 path). */
export const SALAMANDER = 'salamander';
export const SALAMANDER_LAYERS = [4, 8, 12, 16] as const;
/** Samples longer than this are cut (with a fade): no note in our material rings longer, and memory stays bounded. */
const MAX_SAMPLE_SECONDS = 10;
const require = createRequire(import.meta.url);

/** Folder of a layer's .ogg files, or null when its package is not installed. */
function layerDir(layer: number): string | null {
  try {
    return path.join(path.dirname(require.resolve(`@audio-samples/piano-velocity${layer}/package.json`)), 'audio');
  } catch {
    return null;
  }
}

export function salamanderAvailable(): boolean {
  return SALAMANDER_LAYERS.every((l) => layerDir(l) !== null);
}

/** Something that identifies the installed samples (for caches keyed on the timbre). */
export function salamanderIdentity(): string {
  return SALAMANDER_LAYERS.map((l) => layerDir(l) ?? 'missing').join('|');
}

/** Sampled key nearest to `pitch` (A0 + 3k). */
function sampledKey(pitch: number): number {
  const k = Math.round((pitch - PIANO_LOW) / 3);
  return PIANO_LOW + 3 * Math.max(0, Math.min((PIANO_HIGH - PIANO_LOW) / 3, k));
}

function sampleFile(key: number, layer: number): string {
  const dir = layerDir(layer);
  if (!dir) throw new A2mError(`@audio-samples/piano-velocity${layer}: not installed (npm install @audio-samples/piano-velocity${layer}) — needed for the Salamander timbre`);
  const file = path.join(dir, `${noteName(key)}v${layer}.ogg`);
  if (!existsSync(file)) throw new A2mError(`${file}: Salamander sample missing`);
  return file;
}

type Sample = [Float32Array, Float32Array];
/** Decoded samples, per process (and on disk through the audio cache: 120 ffmpeg runs cost seconds). */
const loaded = new Map<string, Promise<Sample>>();

function loadSample(key: number, layer: number, sampleRate: number): Promise<Sample> {
  const id = `${key}/${layer}/${sampleRate}`;
  let p = loaded.get(id);
  if (!p) {
    p = new AudioCache().decode(sampleFile(key, layer), { sampleRate }).then((d) => {
      // The recordings start 10-40 ms before the hammer (varying by file): start each at its attack,
      // so every key and layer has the same small latency instead of a table per (key, layer).
      const from = Math.max(0, attackIndex(d.channels, sampleRate) - Math.round(PRE_ROLL * sampleRate));
      const max = MAX_SAMPLE_SECONDS * sampleRate;
      const fade = sampleRate; // the last second of a cut sample fades out
      return d.channels.map((ch) => {
        const c = ch.slice(from, from + max);
        if (c.length === max) for (let i = 0; i < fade; i++) c[max - fade + i]! *= 1 - i / fade;
        return c;
      }) as Sample;
    });
    loaded.set(id, p);
  }
  return p;
}

/** Seconds kept before a sample's detected attack: the very start of the rise is below the detector's threshold. */
const PRE_ROLL = 0.002;

/**
 * First sample (in the first 0.5 s) where the mid signal (L+R)/2 reaches 5% of
 * that span's peak: the same rule the latency probe and the alignment test use.
 */
function attackIndex(channels: Float32Array[], sampleRate: number): number {
  const span = Math.min(channels[0]!.length, Math.round(0.5 * sampleRate));
  const [l, r] = channels as [Float32Array, Float32Array];
  let peak = 0;
  for (let i = 0; i < span; i++) peak = Math.max(peak, Math.abs(l[i]! + r[i]!) / 2);
  for (let i = 0; i < span; i++) if (Math.abs(l[i]! + r[i]!) / 2 >= 0.05 * peak) return i;
  return 0;
}

/** Layer for a MIDI velocity and the gain that bridges to it: layer L is taken as velocity 8L. */
function layerFor(velocity127: number): { layer: number; gain: number } {
  let best: number = SALAMANDER_LAYERS[0];
  for (const l of SALAMANDER_LAYERS) if (Math.abs(l * 8 - velocity127) < Math.abs(best * 8 - velocity127)) best = l;
  return { layer: best, gain: Math.min(1.5, velocity127 / (best * 8)) };
}

/** Damper fade time constant after release: bass strings ring longer. */
function releaseTau(pitch: number): number {
  return 0.08 + (0.25 * (PIANO_HIGH - pitch)) / (PIANO_HIGH - PIANO_LOW);
}

/**
 * Renders notes to planar stereo at `sampleRate`, `tail` seconds past the last
 * release. Sample-accurate: a note starts at round(onset * rate).
 */
export async function renderSalamander(notes: readonly Note[], sampleRate: number, tail: number): Promise<[Float32Array, Float32Array]> {
  const end = notes.reduce((m, n) => Math.max(m, n.offset), 0) + tail; // no spread: a piece may hold 100k+ notes
  const len = Math.ceil(end * sampleRate);
  const out: [Float32Array, Float32Array] = [new Float32Array(len), new Float32Array(len)];
  const plans = notes.map((n) => ({ n, key: sampledKey(n.pitch), ...layerFor(Math.round(n.velocity * 127)) }));
  const samples = await Promise.all(plans.map((p) => loadSample(p.key, p.layer, sampleRate)));
  plans.forEach((p, idx) => {
    const s = samples[idx]!;
    const ratio = 2 ** ((p.n.pitch - p.key) / 12);
    const start = Math.round(p.n.onset * sampleRate);
    const releaseAt = Math.round((p.n.offset - p.n.onset) * sampleRate);
    const tau = releaseTau(p.n.pitch) * sampleRate;
    const stop = Math.min(len - start, Math.floor((s[0].length - 1) / ratio), releaseAt + Math.ceil(tau * 7));
    for (let i = 0; i < stop; i++) {
      const pos = i * ratio;
      const j = Math.floor(pos);
      const f = pos - j;
      const env = p.gain * (i < releaseAt ? 1 : Math.exp(-(i - releaseAt) / tau));
      for (let c = 0; c < 2; c++) {
        const src = s[c]!;
        out[c]![start + i]! += env * (src[j]! + f * (src[j + 1]! - src[j]!));
      }
    }
  });
  return out;
}
