/**
 * mulberry32: a small, fast, seedable PRNG, uniform in [0, 1). The one definition: weight
 * initialisation, dataset rendering (src/data/random.ts) and the tests' random cases all draw
 * from it, so a seed means the same stream everywhere.
 */
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
