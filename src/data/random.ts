/**
 * A small seeded PRNG (mulberry32) and helpers. Dataset rendering must be
 * reproducible from one seed, so nothing in src/data uses Math.random.
 */
import { mulberry32 } from '../util/prng.js';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal (Box-Muller). */
  normal(mean?: number, sd?: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks from a table of [weight, item]. */
  weighted<T>(table: readonly (readonly [number, T])[]): T;
}

export function createRng(seed: number): Rng {
  const next = mulberry32((hashSeed(seed) >>> 0) || 0x9e3779b9);
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: (mean = 0, sd = 1) => {
      const u = Math.max(next(), 1e-12);
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    weighted: (table) => {
      const total = table.reduce((s, [w]) => s + w, 0);
      let r = next() * total;
      for (const [w, item] of table) {
        r -= w;
        if (r < 0) return item;
      }
      return table[table.length - 1]![1];
    },
  };
  return rng;
}

/**
 * Mixes numbers into one 32-bit seed, so piece i of seed s gets its own
 * independent stream. Each part goes through murmur3's finaliser: neighbouring
 * inputs (i, i + 1) must give unrelated seeds, or the first draws of
 * consecutive pieces come out correlated.
 */
export function deriveSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = fmix32((h ^ fmix32(p >>> 0)) + 0x632be5ab);
    h = fmix32((h ^ fmix32(Math.floor(p / 4294967296) >>> 0)) + 0x85157af5);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: full avalanche, every input bit flips each output bit with p ~ 1/2. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashSeed(seed: number): number {
  return deriveSeed(seed, 0x5eed);
}
