/**
 * Onset detection for isolated, known notes: used to measure the renderer's
 * latency and to check that rendered audio agrees with its CSV. Not a general
 * onset detector: it looks near an expected time for the first sharp rise.
 */

export interface OnsetSearch {
  /** Seconds before the expected onset to start looking (default 0.03). */
  before?: number;
  /** Seconds after the expected onset to keep looking (default 0.08). */
  after?: number;
  /** The onset is where |x| first reaches this fraction of the rise from background to peak (default 0.2). */
  fraction?: number;
}

/**
 * Time (s) of the first sample near `expected` whose magnitude reaches
 * background + fraction * (peak - background); null when nothing rises there.
 * `background` is the loudest sample in the first half of the `before` span,
 * so a decaying earlier note (or reverb) does not count as the onset.
 */
export function detectOnsetNear(x: Float32Array, sampleRate: number, expected: number, opts: OnsetSearch = {}): number | null {
  const before = opts.before ?? 0.03;
  const after = opts.after ?? 0.08;
  const fraction = opts.fraction ?? 0.2;
  const a = Math.max(0, Math.round((expected - before) * sampleRate));
  const b = Math.min(x.length, Math.round((expected + after) * sampleRate));
  if (b - a < 2) return null;
  const bgEnd = Math.min(b, a + Math.max(1, Math.round((before / 2) * sampleRate)));
  let background = 0;
  for (let i = a; i < bgEnd; i++) background = Math.max(background, Math.abs(x[i]!));
  let peak = 0;
  for (let i = a; i < b; i++) peak = Math.max(peak, Math.abs(x[i]!));
  if (peak < 1e-5 || peak < background * 2) return null;
  const threshold = background + fraction * (peak - background);
  for (let i = bgEnd; i < b; i++) if (Math.abs(x[i]!) >= threshold) return i / sampleRate;
  return null;
}

/** Mid (L+R)/2 of planar stereo. */
export function mid(left: Float32Array, right: Float32Array): Float32Array {
  const out = new Float32Array(left.length);
  for (let i = 0; i < out.length; i++) out[i] = (left[i]! + right[i]!) / 2;
  return out;
}
