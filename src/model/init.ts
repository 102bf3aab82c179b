/** Seeded, name-keyed parameter initialisation: the same seed gives the same weights in any order of creation. */
import type { Init } from './ops.js';

/** FNV-1a hash of a string, for per-parameter seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return h >>> 0;
}

/** mulberry32: a small, fast, seedable PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function initValues(name: string, size: number, init: Init, seed: number): Float32Array {
  const out = new Float32Array(size);
  if (init.kind === 'const') return out.fill(init.value);
  const rnd = mulberry32(hashString(name) ^ Math.imul(seed, 0x9e3779b1));
  // Truncated normal (resample beyond 2 std), as common transformer inits do.
  for (let i = 0; i < size; i++) {
    let z: number;
    do {
      const u = 1 - rnd(), v = rnd();
      z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    } while (Math.abs(z) > 2);
    out[i] = z * init.std;
  }
  return out;
}
