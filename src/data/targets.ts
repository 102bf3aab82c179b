/**
 * Training targets for one window, on the model's grid: 50 frames/s, column
 * k = MIDI note k + 21 (90 columns; the 88 keys use 0..87). An event at time t
 * belongs to frame round((t - start) * 50), i.e. frame f is centred on
 * start + f/50: the convention src/infer/events.ts decodes with (onset = f/50)
 * and quantises reference notes with, so decoded times are unbiased.
 * A note sounds on frames [round(onset*50), max(that + 1, round(offset*50))).
 *
 * - frames:     the seed's target: 1.0 at the onset frame, decaying
 *               exp(-0.05 * frames since onset) to a 0.6 floor, on every
 *               frame the note sounds on; the frame just before a re-attack
 *               of the same key is 0, so repeated notes stay separable.
 * - onsets:     1 at each note's onset frame.
 * - offsets:    1 at each note's last active frame.
 * - velocities: the note's velocity (0..1) on every frame where `frames` is
 *               > 0 for it, 0 elsewhere: train the velocity head masked by
 *               frames > 0 (or by onsets, to learn only at attacks).
 * A note that began before the window keeps decaying from its real onset.
 * All arrays are [frames, keys] row-major (index f * keys + k).
 */
import { FRAMES_PER_SECOND, MIDI_OFFSET, NUM_KEYS, type Note } from '../types.js';
import { WINDOW_FRAMES } from '../audio/window.js';

export const FRAME_DECAY = 0.05;
export const FRAME_FLOOR = 0.6;

/** The target rolls, by name: every batch, augmentation and loss input carries each of them. */
export const TARGET_ROLLS = ['frames', 'onsets', 'velocities', 'offsets'] as const;
export type WindowTargets = Record<(typeof TARGET_ROLLS)[number], Float32Array>;

export interface TargetGrid {
  frames?: number;
  keys?: number;
  fps?: number;
}

/** Frame of time t (s) relative to the window start: the nearest frame centre. */
function frameOf(t: number, fps: number): number {
  return Math.round(t * fps);
}

/** The seed's frame value `age` frames after the onset. */
export function frameValue(age: number): number {
  return Math.max(FRAME_FLOOR, Math.exp(-FRAME_DECAY * age));
}

export function windowTargets(notes: readonly Note[], start: number, grid: TargetGrid = {}): WindowTargets {
  const F = grid.frames ?? WINDOW_FRAMES;
  const K = grid.keys ?? NUM_KEYS;
  const fps = grid.fps ?? FRAMES_PER_SECOND;
  const t: WindowTargets = {
    frames: new Float32Array(F * K),
    onsets: new Float32Array(F * K),
    offsets: new Float32Array(F * K),
    velocities: new Float32Array(F * K),
  };
  const end = start + F / fps;
  // Per key, in onset order, so each note knows where its key is struck next.
  const byKey = new Map<number, Note[]>();
  for (const n of notes) {
    const k = n.pitch - MIDI_OFFSET;
    if (k < 0 || k >= K || n.onset >= end) continue;
    let list = byKey.get(k);
    if (!list) byKey.set(k, (list = []));
    list.push(n);
  }
  for (const [k, list] of byKey) {
    list.sort((a, b) => a.onset - b.onset);
    for (let i = 0; i < list.length; i++) {
      const n = list[i]!;
      const on = frameOf(n.onset - start, fps);
      // Exclusive end frame of the release; at least the onset frame sounds.
      let stop = Math.max(on + 1, frameOf(n.offset - start, fps));
      const next = list[i + 1];
      if (next) {
        const nextOn = frameOf(next.onset - start, fps);
        // Leave the frame before the re-attack empty, unless it is this note's own onset frame.
        if (stop >= nextOn) stop = Math.max(on + 1, nextOn - 1);
      }
      if (stop <= 0 || on >= F) continue;
      for (let f = Math.max(0, on); f < Math.min(stop, F); f++) {
        const idx = f * K + k;
        const v = frameValue(f - on);
        if (v >= t.frames[idx]!) {
          t.frames[idx] = v;
          t.velocities[idx] = n.velocity;
        }
      }
      if (on >= 0) t.onsets[on * K + k] = 1;
      if (stop - 1 < F && stop - 1 >= 0) t.offsets[(stop - 1) * K + k] = 1;
    }
  }
  return t;
}
