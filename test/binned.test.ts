// Binned estimators: analytic truths, hand-computed tables, invariances and options.
import { describe, expect, it } from 'vitest';
import {
  conditionalEntropy, discretize, entropy, jointEntropy, mutualInformation, normalizedMutualInformation,
} from '../src/index.js';
import { bivariate, rng } from './helpers.js';

const LN2 = Math.LN2;

describe('entropy', () => {
  it('of a uniform variable over K values is log2 K bits', () => {
    for (const K of [2, 4, 10, 16]) {
      const x = Float64Array.from({ length: K * 50 }, (_, i) => i % K);
      expect(entropy(x, { bins: 16 }).value).toBeCloseTo(Math.log2(K), 12);
      expect(entropy(x, { bins: 16, units: 'nats' }).value).toBeCloseTo(Math.log(K), 12);
    }
  });
  it('of a constant is 0, and NaN cells are left out and counted', () => {
    const r = entropy([5, 5, NaN, 5, null, 5]);
    expect(r.value).toBe(0);
    expect(r.rowsUsed).toBe(4);
  });
  it('with Miller–Madow adds (m − 1) / 2N nats', () => {
    const x = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2];  // counts 3, 2, 5
    const plug = -[0.3, 0.2, 0.5].reduce((s, p) => s + p * Math.log(p), 0);
    expect(entropy(x, { units: 'nats' }).value).toBeCloseTo(plug, 14);
    expect(entropy(x, { units: 'nats', millerMadow: true }).value).toBeCloseTo(plug + 2 / 20, 14);
  });
  it('of equal-frequency bins of a continuous variable is log2 K', () => {
    const x = Float64Array.from({ length: 1600 }, (_, i) => Math.sin(i) * 1000 + i / 7);
    expect(entropy(x, { bins: 16, binning: 'quantile' }).value).toBeCloseTo(4, 12);
  });
});

describe('mutual information', () => {
  // 2×2 table [[3, 1], [1, 3]], N = 8: I = ¾·log2(3/2) + ¼·log2(1/2) bits.
  const x = [0, 0, 0, 0, 1, 1, 1, 1];
  const y = [0, 0, 0, 1, 0, 1, 1, 1];
  const byHand = 0.75 * Math.log2(1.5) + 0.25 * Math.log2(0.5);

  it('matches a 2×2 table worked by hand, and its entropies', () => {
    expect(mutualInformation(x, y).value).toBeCloseTo(byHand, 14);
    expect(jointEntropy(x, y).value).toBeCloseTo(-(2 * (3 / 8) * Math.log2(3 / 8) + 2 * (1 / 8) * Math.log2(1 / 8)), 14);
    expect(conditionalEntropy(x, y).value).toBeCloseTo(jointEntropy(x, y).value - 1, 14);
    expect(normalizedMutualInformation(x, y).value).toBeCloseTo(byHand / 1, 14);
  });
  it('of a deterministic copy equals the entropy (any bijective relabelling too)', () => {
    const a = Float64Array.from({ length: 900 }, (_, i) => (i * 7919) % 9);
    const relabel = [5, 3, 8, 0, 1, 7, 2, 6, 4];
    const b = a.map((v) => relabel[v] * 10 - 3);
    const h = entropy(a).value;
    expect(mutualInformation(a, a).value).toBeCloseTo(h, 12);
    expect(mutualInformation(a, b).value).toBe(mutualInformation(a, a).value);
    expect(normalizedMutualInformation(a, b).value).toBeCloseTo(1, 12);
  });
  it('of exactly independent variables is 0', () => {
    const a = Float64Array.from({ length: 320 }, (_, t) => t % 4);
    const b = Float64Array.from({ length: 320 }, (_, t) => Math.floor(t / 4) % 5);
    expect(mutualInformation(a, b).value).toBeLessThan(1e-12);
    expect(normalizedMutualInformation(a, b).value).toBeLessThan(1e-12);
  });
  it('of independent noise is within the plug-in bias, which Miller–Madow removes', () => {
    const [a, b] = bivariate(20000, 0, 5);
    const bias = (8 - 1) ** 2 / (2 * 20000 * LN2);  // (K−1)² / 2N bits
    const plug = mutualInformation(a, b, { bins: 8 }).value;
    expect(plug).toBeLessThan(3 * bias);
    expect(Math.abs(mutualInformation(a, b, { bins: 8, millerMadow: true }).value)).toBeLessThan(plug);
  });
  it('of a bivariate Gaussian approaches −½·log2(1−ρ²) as bins and n grow', () => {
    for (const rho of [0.3, 0.6, 0.9]) {
      const [a, b] = bivariate(200000, rho, 17);
      const truth = -0.5 * Math.log2(1 - rho * rho);
      const est = mutualInformation(a, b, { bins: 32, millerMadow: true }).value;
      // Binning loses information (estimate below truth); at 32 bins the loss is small.
      expect(est).toBeLessThan(truth + 0.01);
      expect(est).toBeGreaterThan(truth * 0.85);
    }
  });
  it('is symmetric and invariant to row order and to monotone transforms (quantile bins)', () => {
    const [a, b] = bivariate(5000, 0.7, 3);
    const mi = mutualInformation(a, b).value;
    expect(mutualInformation(b, a).value).toBe(mi);
    const r = rng(99);
    const perm = Array.from({ length: 5000 }, (_, i) => i).sort(() => r() - 0.5);
    expect(mutualInformation(perm.map((i) => a[i]), perm.map((i) => b[i])).value).toBe(mi);
    expect(mutualInformation(a.map(Math.exp), b.map((v) => v * v * v)).value).toBe(mi);
  });
  it('excludes missing cells pairwise and reports the rows used', () => {
    const a = [0, 1, NaN, 1, 0, 1, 0, 0];
    const b = [0, 1, 1, NaN, 0, 1, 1, null];
    const r = mutualInformation(a, b);
    expect(r.rowsUsed).toBe(5);
    expect(r.value).toBeCloseTo(mutualInformation([0, 1, 0, 1, 0], [0, 1, 0, 1, 1]).value, 14);
  });
  it('offers every NMI normalisation with its own denominator', () => {
    const [a, b] = bivariate(3000, 0.8, 4);
    const hx = entropy(a).value, hy = entropy(b).value, i = mutualInformation(a, b).value;
    const hxy = jointEntropy(a, b).value;
    const expected = { arithmetic: i / ((hx + hy) / 2), geometric: i / Math.sqrt(hx * hy), min: i / Math.min(hx, hy), max: i / Math.max(hx, hy), joint: i / hxy };
    for (const [norm, v] of Object.entries(expected)) {
      expect(normalizedMutualInformation(a, b, { normalization: norm as 'min' }).value).toBeCloseTo(v, 12);
    }
  });
});

describe('discretisation', () => {
  it('quantile: cut k is the order statistic s[floor(k·n/K)], bin = cuts ≤ x', () => {
    const d = discretize([10, 20, 30, 40, 50, 60, 70, 80], { bins: 4, discreteMax: 0 });
    expect(Array.from(d.cuts)).toEqual([30, 50, 70]);
    expect(Array.from(d.codes)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });
  it('quantile: when every cut is the minimum they move to the next value, so a column of many values never has entropy 0', () => {
    // A latency at its floor with rare spikes, on a short table (2 bins): the median is the floor.
    const x = Array.from({ length: 40 }, (_, t) => (t % 8 === 3 ? 1 + t : 0.0048));
    const d = discretize(x, { bins: 2 });
    expect(d.discrete).toBe(false);
    expect(Array.from(d.cuts)).toEqual([4]);
    expect(Array.from(d.codes)).toEqual(x.map((v) => (v > 0.0048 ? 1 : 0)));
    expect(entropy(x, { bins: 2 }).value).toBeCloseTo(-(0.875 * Math.log2(0.875) + 0.125 * Math.log2(0.125)), 12);
    // Constant after all: still exactly 0.
    expect(entropy(Array.from({ length: 40 }, () => 0.0048), { bins: 2 }).value).toBe(0);
  });
  it('uniform: equal widths from min to max, the max in the last bin', () => {
    const d = discretize([0, 1, 2.5, 5, 7.49, 7.5, 10], { bins: 4, binning: 'uniform', discreteMax: 0 });
    expect(Array.from(d.codes)).toEqual([0, 0, 1, 2, 2, 3, 3]);
  });
  it('keeps columns with few distinct values as they are', () => {
    const d = discretize([3, 1, 3, 2, 1, 1000], { bins: 16 });
    expect(d.discrete).toBe(true);
    expect(Array.from(d.codes)).toEqual([2, 0, 2, 1, 0, 3]);
  });
  it('auto: Freedman–Diaconis, capped by bins', () => {
    const [a] = bivariate(10000, 0, 2);
    const d = discretize(a, { binning: 'auto' });
    // FD width 2·IQR·n^(−1/3) ≈ 2·1.35/21.5 ≈ 0.125 over a range of ≈ 7.5 → ≈ 60 bins, under the cap of 64.
    expect(d.levels).toBeGreaterThan(40);
    expect(d.levels).toBeLessThanOrEqual(64);
    expect(discretize(a, { binning: 'auto', bins: 10 }).levels).toBe(10);
  });
  it('user edges: bin = number of cut points ≤ x, values outside kept', () => {
    const d = discretize([-5, 0, 0.5, 1, 99], { edges: [0, 1] });
    expect(Array.from(d.codes)).toEqual([0, 1, 1, 2, 2]);
  });
  it('marks missing as −1 and reports rows used', () => {
    const d = discretize([1, NaN, 2, null, 3]);
    expect(Array.from(d.codes)).toEqual([0, -1, 1, -1, 2]);
    expect(d.rowsUsed).toBe(3);
  });
});
