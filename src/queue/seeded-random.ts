/**
 * mulberry32: a 32-bit seeded generator of uniforms in [0, 1). Math.random cannot be seeded, and the
 * estimator's sample paths and the ETA bench's simulated days must come out the same on every run.
 */

// Jest runs modules in a vm context where every lookup of a global (Math) is ~70× slower.
const { imul } = Math;
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
