/**
 * Training targets for one window, on the model's grid (50 fps x 90 keys,
 * index k = MIDI k + 21), as the seed defined them:
 *   frames: 1.0 at the onset frame, decaying exp(-0.05 * frames since onset)
 *           to a 0.6 floor, until the release frame; the frame before a
 *           re-attack of the same key is 0 so a repeated note shows a dip.
 *   onsets: 1 at each onset frame (for the onset head).
 *   velocities: the note's velocity (0..1) at its onset frame, 0 elsewhere.
 */
import { FRAMES_PER_SECOND, MIDI_OFFSET, type Note } from '../types.js';

export const DECAY_PER_FRAME = 0.05;
export const SUSTAIN_FLOOR = 0.6;

export interface WindowTargets {
  frames: Float32Array;
  onsets: Float32Array;
  velocities: Float32Array;
}

export interface TargetGrid { frames: number; keys: number; fps?: number }

/** Targets for the window starting at `start` seconds. `notes` need not be sorted or clipped. */
export function windowTargets(notes: readonly Note[], start: number, grid: TargetGrid): WindowTargets {
  const { frames: T, keys: K } = grid;
  const fps = grid.fps ?? FRAMES_PER_SECOND;
  const frames = new Float32Array(T * K), onsets = new Float32Array(T * K), velocities = new Float32Array(T * K);
  const end = start + T / fps;
  // Per key, notes in onset order, so each knows the next re-attack.
  const byKey = new Map<number, Note[]>();
  for (const n of notes) {
    const k = n.pitch - MIDI_OFFSET;
    if (k < 0 || k >= K || n.offset <= start || n.onset >= end + 1 / fps) continue;
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(n);
  }
  for (const [k, list] of byKey) {
    list.sort((a, b) => a.onset - b.onset);
    list.forEach((n, i) => {
      const f0 = Math.round((n.onset - start) * fps);
      let f1 = Math.max(f0 + 1, Math.round((n.offset - start) * fps));
      const next = list[i + 1];
      if (next) {
        const g0 = Math.round((next.onset - start) * fps);
        f1 = Math.min(f1, g0 - 1); // the frame before a re-attack stays 0
      }
      for (let f = Math.max(0, f0); f < Math.min(T, f1); f++) {
        frames[f * K + k] = Math.max(SUSTAIN_FLOOR, Math.exp(-DECAY_PER_FRAME * (f - f0)));
      }
      if (f0 >= 0 && f0 < T) {
        onsets[f0 * K + k] = 1;
        velocities[f0 * K + k] = n.velocity;
      }
    });
  }
  return { frames, onsets, velocities };
}
