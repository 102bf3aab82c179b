/** Seeded, name-keyed parameter initialisation: the same seed gives the same weights in any order of creation. */
import type { Init } from './ops.js';
import { mulberry32 } from '../util/prng.js';

/** FNV-1a hash of a string, for per-parameter seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return h >>> 0;
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
