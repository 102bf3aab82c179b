/**
 * Whole-file RMS normalisation, as the seed did before windowing: scale so the
 * file's RMS (over both channels) is TARGET_RMS, unless its peak is at most
 * SILENCE_PEAK (a near-silent file would only have its noise amplified).
 * Training and inference both call this, so the model always sees one level.
 */
export const TARGET_RMS = 0.1;
export const SILENCE_PEAK = 0.05;

export interface RmsStats { sumSquares: number; count: number; peak: number }

export function emptyStats(): RmsStats { return { sumSquares: 0, count: 0, peak: 0 }; }

/** Accumulates statistics chunk by chunk (streaming decode). */
export function accumulate(stats: RmsStats, ...channels: Float32Array[]): RmsStats {
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i]!;
      stats.sumSquares += v * v;
      const a = Math.abs(v);
      if (a > stats.peak) stats.peak = a;
    }
    stats.count += ch.length;
  }
  return stats;
}

/** The gain to apply for given statistics (1 when skipped). */
export function normalizationGain(stats: RmsStats): number {
  if (stats.peak <= SILENCE_PEAK || stats.count === 0) return 1;
  const rms = Math.sqrt(stats.sumSquares / stats.count);
  return rms > 0 ? TARGET_RMS / rms : 1;
}

/** Normalises channels in place; returns the gain applied. */
export function rmsNormalize(channels: Float32Array[]): number {
  const g = normalizationGain(accumulate(emptyStats(), ...channels));
  if (g !== 1) for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i]! *= g;
  return g;
}
