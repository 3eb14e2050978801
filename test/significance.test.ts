// Permutation test of binned MI: p uniform under independence, tiny under dependence, the null
// independent of the thread count, and block permutations for autocorrelated series.
import { describe, expect, it } from 'vitest';
import { miPermutationTest, mutualInformation } from '../src/index.js';
import { gaussian, rng } from './helpers.js';

describe('MI permutation test', () => {
  it('gives uniform p-values under independence (200 seeded data sets)', () => {
    const r = rng(41);
    const ps: number[] = [];
    for (let rep = 0; rep < 200; rep++) {
      const x = Float64Array.from({ length: 200 }, () => Math.floor(r() * 4));
      const y = Float64Array.from({ length: 200 }, () => Math.floor(r() * 4));
      ps.push(miPermutationTest(x, y, { permutations: 199, seed: rep, threads: 1 }).p);
    }
    const below = (t: number) => ps.filter((p) => p <= t).length / ps.length;
    expect(below(0.05)).toBeGreaterThan(0.01);
    expect(below(0.05)).toBeLessThan(0.1);
    expect(below(0.5)).toBeGreaterThan(0.4);
    expect(below(0.5)).toBeLessThan(0.6);
    // Kolmogorov–Smirnov distance to the uniform: ≈ 0.096 is the 5 % critical value at 200 samples.
    const sorted = [...ps].sort((a, b) => a - b);
    const ks = Math.max(...sorted.map((p, i) => Math.max(Math.abs(p - i / 200), Math.abs(p - (i + 1) / 200))));
    expect(ks).toBeLessThan(0.12);
  });
  it('reports the observed MI, a minimal p under dependence, and the same null on 1 or 2 threads', () => {
    const g = gaussian(rng(43));
    const x = Float64Array.from({ length: 1000 }, () => g());
    const y = x.map((v) => v + 0.5 * g());
    const a = miPermutationTest(x, y, { permutations: 499, seed: 5, threads: 1 });
    const b = miPermutationTest(x, y, { permutations: 499, seed: 5, threads: 2 });
    expect(a.mi).toBeCloseTo(mutualInformation(x, y).value, 12);
    expect(a.p).toBe(1 / 500);
    expect(Array.from(b.null)).toEqual(Array.from(a.null));
    expect(miPermutationTest(x, y, { permutations: 499, seed: 6 }).null).not.toEqual(a.null);
  });
  it('block permutations keep autocorrelated but independent series from looking dependent', () => {
    // 40 pairs of independent AR(1) series (φ = 0.97): shuffling rows breaks the autocorrelation
    // the null should keep, so plain permutation calls most pairs "dependent"; blocks of 100 do not.
    const g = gaussian(rng(47));
    const ar = () => { const s = new Float64Array(2000); for (let t = 1; t < 2000; t++) s[t] = 0.97 * s[t - 1] + g(); return s; };
    let plainHits = 0, blockHits = 0;
    for (let rep = 0; rep < 40; rep++) {
      const x = ar(), y = ar();
      if (miPermutationTest(x, y, { permutations: 199, seed: rep, bins: 8 }).p < 0.05) plainHits++;
      if (miPermutationTest(x, y, { permutations: 199, seed: rep, bins: 8, block: 100 }).p < 0.05) blockHits++;
    }
    expect(plainHits / 40).toBeGreaterThan(0.5);
    expect(blockHits / 40).toBeLessThan(0.2);
    expect(blockHits).toBeLessThan(plainHits);
  });
  it('rejects bad parameters with codes', () => {
    const x = [1, 2, 3, 4, 5, 6], y = [2, 1, 4, 3, 6, 5];
    const code = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as { code: string }).code; } return 'none'; };
    expect(code(() => miPermutationTest(x, y, { block: 4 }))).toBe('MS_BAD_OPTION');
    expect(code(() => miPermutationTest(x, y, { permutations: 0 }))).toBe('MS_BAD_OPTION');
    expect(code(() => miPermutationTest(x, [1, 2]))).toBe('MS_LENGTH_MISMATCH');
  });
});
