/**
 * Note-level validation during training: each validation piece is cut into
 * consecutive (non-overlapping) windows, run through the model, the frame /
 * onset / velocity rolls concatenated, decoded to notes and scored with the
 * mir_eval-exact metrics. (Inference proper overlaps and cross-fades windows;
 * for tracking training progress the plain cut is close enough and cheaper.)
 */
import type { Model } from '../model/model.js';
import type { Piece } from '../data/loader.js';
import { validationBatches } from '../data/loader.js';
import { extractNotes, type EventThresholds } from '../infer/events.js';
import { scoreNotes } from './mir-eval.js';

export interface PieceRolls { frames: Float32Array; onsets?: Float32Array; velocities?: Float32Array; offsets?: Float32Array }

/** Runs the model over each piece in consecutive windows; returns the concatenated rolls per piece. */
export async function pieceRolls(model: Model, pieces: Piece[], batch = 8): Promise<PieceRolls[]> {
  const c = model.config;
  const grid = { sampleRate: c.sampleRate, windowSamples: c.windowSamples, frames: c.frames, keys: c.keys };
  const per = c.frames * c.keys;
  const rolls: { frames: Float32Array[]; onsets: Float32Array[]; velocities: Float32Array[]; offsets: Float32Array[] }[] = pieces.map(() => ({ frames: [], onsets: [], velocities: [], offsets: [] }));
  // validationBatches yields windows piece by piece, in order; track which piece each belongs to.
  const owners: number[] = [];
  pieces.forEach((p, i) => { for (let s = 0; s < p.channels[0].length; s += c.windowSamples) owners.push(i); });
  let w = 0;
  for (const b of validationBatches(pieces, grid, batch)) {
    const out = await model.predict({ shape: [b.batch, 2, b.samples], data: b.audio });
    for (let j = 0; j < b.batch; j++, w++) {
      const r = rolls[owners[w]!]!;
      r.frames.push(out.probs!.data.slice(j * per, (j + 1) * per));
      if (out.onset_probs) r.onsets.push(out.onset_probs.data.slice(j * per, (j + 1) * per));
      if (out.velocity) r.velocities.push(out.velocity.data.slice(j * per, (j + 1) * per));
      if (out.offset_probs) r.offsets.push(out.offset_probs.data.slice(j * per, (j + 1) * per));
    }
  }
  const cat = (xs: Float32Array[]) => { const o = new Float32Array(xs.reduce((n, x) => n + x.length, 0)); let off = 0; for (const x of xs) { o.set(x, off); off += x.length; } return o; };
  const some = (xs: Float32Array[]) => (xs.length ? cat(xs) : undefined);
  return rolls.map((r) => ({ frames: cat(r.frames), onsets: some(r.onsets), velocities: some(r.velocities), offsets: some(r.offsets) }));
}

export function scoreRolls(rolls: PieceRolls[], pieces: Piece[], thresholds: Partial<EventThresholds> = {}, velocity = false) {
  const per = rolls.map((r, i) => {
    const est = extractNotes(r, thresholds);
    return scoreNotes(pieces[i]!.notes, est, { velocity: velocity && !!r.velocities });
  });
  const mean = (f: (s: (typeof per)[number]) => number | undefined) => per.reduce((a, s) => a + (f(s) ?? 0), 0) / Math.max(1, per.length);
  return {
    f1: mean((s) => s.onset.f1),
    precision: mean((s) => s.onset.precision),
    recall: mean((s) => s.onset.recall),
    f1_onset_offset: mean((s) => s.onsetOffset.f1),
    ...(velocity ? { f1_onset_velocity: mean((s) => s.onsetVelocity?.f1) } : {}),
  };
}

/** The trainer's `scoreNotes` hook: mean onset-only F1 (plus P/R and onset+offset F1) over validation pieces. */
export async function scoreValidationNotes(model: Model, pieces: Piece[]): Promise<Record<string, number>> {
  model.ops.setTraining(false);
  const rolls = await pieceRolls(model, pieces);
  return scoreRolls(rolls, pieces, {}, model.config.heads.includes('velocity'));
}
