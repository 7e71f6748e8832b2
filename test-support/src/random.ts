/**
 * A seeded PRNG for fuzz and property tests: the same seed gives the same sequence on every machine, so a failing
 * seed printed by a test reproduces the failure. mulberry32: 32-bit state, fast, good enough for test data (not
 * for anything secret).
 */
export type Random = () => number;

/** A generator of floats in [0, 1) from `seed` (any number; only its low 32 bits count). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
