// Transfer entropy: the lagged-copy process against its closed form (exact and noisy copies), the
// reverse direction about 0, the lag that matters, uniform p-values under independence, and codes.
import { describe, expect, it } from 'vitest';
import { transferEntropy } from '../src/index.js';
import { errorOf, rng } from './helpers.js';

/** X i.i.d. uniform over m symbols; Y_t = X_{t−lag} with probability 1 − q, else uniform. */
function laggedCopy(n: number, m: number, q: number, seed: number, lag = 1): [Float64Array, Float64Array] {
  const r = rng(seed);
  const x = Float64Array.from({ length: n }, () => Math.floor(r() * m));
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) y[t] = t >= lag && r() >= q ? x[t - lag] : Math.floor(r() * m);
  return [x, y];
}

/** Closed form: Y_{t−1} is independent of (Y_t, X_{t−1}), so TE = I(Y_t; X_{t−1}) = log m − H(Y_t | X_{t−1}). */
function closedForm(m: number, q: number): number {
  const hit = 1 - q + q / m, miss = q / m;
  const h = -(hit * Math.log2(hit) + (m - 1) * (miss > 0 ? miss * Math.log2(miss) : 0));
  return Math.log2(m) - h;
}

describe('transferEntropy', () => {
  it('equals H(X) = log m for an exact lagged copy, and about 0 the other way', () => {
    const [x, y] = laggedCopy(20_000, 4, 0, 1);
    const f = transferEntropy(x, y, { permutations: 99 });
    // Plug-in bias with 4 × 4 × 4 cells is about 48 / (2N ln 2) ≈ 0.002 bits.
    expect(f.te).toBeGreaterThan(2 - 0.005);
    expect(f.te).toBeLessThanOrEqual(2 + 1e-12);
    expect(f.p).toBe(1 / 100);
    expect(f.bins).toEqual([4, 4, 4]);
    expect(f.rowsUsed).toBe(19_999);
    const b = transferEntropy(y, x, { permutations: 99 });
    expect(b.te).toBeLessThan(0.005);
    expect(b.p).toBeGreaterThan(0.01);
  });

  it('matches the closed form of a noisy lagged copy, at the right lag only', () => {
    for (const [m, q] of [[4, 0.3], [3, 0.6], [6, 0.5]] as const) {
      // Sampling SD of the estimate here is about 0.004 bits; the plug-in bias (< 0.002) is upwards.
      const [x, y] = laggedCopy(100_000, m, q, 7 + m);
      const te = transferEntropy(x, y, { permutations: 0 }).te;
      expect(te).toBeGreaterThan(closedForm(m, q) - 0.015);
      expect(te).toBeLessThan(closedForm(m, q) + 0.015);
    }
    const [x, y] = laggedCopy(50_000, 4, 0.3, 3, 3);
    const at3 = transferEntropy(x, y, { lag: 3, permutations: 0 }).te;
    expect(Math.abs(at3 - closedForm(4, 0.3))).toBeLessThan(0.02);
    expect(transferEntropy(x, y, { lag: 1, permutations: 0 }).te).toBeLessThan(0.005);
    expect(transferEntropy(x, y, { lag: 3, permutations: 0, units: 'nats' }).te).toBeCloseTo(at3 * Math.LN2, 13);
  });

  it('gives uniform p-values under independence (200 seeded pairs), with shuffles and shifts', () => {
    const r = rng(77);
    const ks = (ps: number[]) => {
      const s = [...ps].sort((a, b) => a - b);
      return Math.max(...s.map((p, i) => Math.max(Math.abs(p - i / s.length), Math.abs(p - (i + 1) / s.length))));
    };
    const shuffle: number[] = [], shift: number[] = [];
    for (let rep = 0; rep < 200; rep++) {
      const x = Float64Array.from({ length: 300 }, () => Math.floor(r() * 3));
      const y = Float64Array.from({ length: 300 }, () => Math.floor(r() * 3));
      shuffle.push(transferEntropy(x, y, { permutations: 99, seed: rep }).p);
      shift.push(transferEntropy(x, y, { permutations: 99, seed: rep, surrogate: 'shift' }).p);
    }
    for (const ps of [shuffle, shift]) {
      const below = ps.filter((p) => p <= 0.05).length / ps.length;
      expect(below).toBeGreaterThan(0.01);
      expect(below).toBeLessThan(0.1);
      // ≈ 0.096 is the 5 % Kolmogorov–Smirnov critical value at 200 samples.
      expect(ks(ps)).toBeLessThan(0.12);
    }
  });

  it('is seeded and rejects bad input with codes', () => {
    const [x, y] = laggedCopy(500, 3, 0.8, 2);
    const a = transferEntropy(x, y, { permutations: 50, seed: 4, block: 10 });
    expect(transferEntropy(x, y, { permutations: 50, seed: 4, block: 10 }).null).toEqual(a.null);
    expect(transferEntropy(x, y, { permutations: 50, seed: 5, block: 10 }).null).not.toEqual(a.null);
    expect(errorOf(() => transferEntropy(x, y.subarray(1))).code).toBe('MS_LENGTH_MISMATCH');
    expect(errorOf(() => transferEntropy([1, 2, 3], [1, 2, 3], { lag: 1 })).code).toBe('MS_TOO_FEW_ROWS');
    expect(errorOf(() => transferEntropy(x, y, { block: 400 })).code).toBe('MS_TOO_FEW_ROWS');
    expect(errorOf(() => transferEntropy(x, y, { lag: 0 })).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => transferEntropy(x, y, { surrogate: 'shift', block: 5 })).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => transferEntropy(x, ['a', 'b'] as unknown as number[])).code).toBe('MS_NON_NUMERIC');
  });
});
