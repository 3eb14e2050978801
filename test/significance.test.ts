// Permutation test of binned MI: p uniform under independence, tiny under dependence, the null
// independent of the thread count, and block permutations for autocorrelated series.
import { describe, expect, it } from 'vitest';
import { entropy, entropyBootstrapIntervalSync, ksgConfidenceIntervalSync, ksgMutualInformation, ksgPermutationTestSync, miBootstrapIntervalSync, miPermutationTestSync, mutualInformation } from '../src/index.js';
import { bivariate, gaussian, rng } from './helpers.js';

describe('MI permutation test', () => {
  it('gives uniform p-values under independence (200 seeded data sets)', () => {
    const r = rng(41);
    const ps: number[] = [];
    for (let rep = 0; rep < 200; rep++) {
      const x = Float64Array.from({ length: 200 }, () => Math.floor(r() * 4));
      const y = Float64Array.from({ length: 200 }, () => Math.floor(r() * 4));
      ps.push(miPermutationTestSync(x, y, { permutations: 199, seed: rep, threads: 1 }).p);
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
    const a = miPermutationTestSync(x, y, { permutations: 499, seed: 5, threads: 1 });
    const b = miPermutationTestSync(x, y, { permutations: 499, seed: 5, threads: 2 });
    expect(a.mi).toBeCloseTo(mutualInformation(x, y).value, 12);
    expect(a.p).toBe(1 / 500);
    expect(Array.from(b.null)).toEqual(Array.from(a.null));
    expect(miPermutationTestSync(x, y, { permutations: 499, seed: 6 }).null).not.toEqual(a.null);
  });
  it('block permutations keep autocorrelated but independent series from looking dependent', () => {
    // 40 pairs of independent AR(1) series (φ = 0.97): shuffling rows breaks the autocorrelation
    // the null should keep, so plain permutation calls most pairs "dependent"; blocks of 100 do not.
    const g = gaussian(rng(47));
    const ar = () => { const s = new Float64Array(2000); for (let t = 1; t < 2000; t++) s[t] = 0.97 * s[t - 1] + g(); return s; };
    let plainHits = 0, blockHits = 0;
    for (let rep = 0; rep < 40; rep++) {
      const x = ar(), y = ar();
      if (miPermutationTestSync(x, y, { permutations: 199, seed: rep, bins: 8, block: 1 }).p < 0.05) plainHits++;
      if (miPermutationTestSync(x, y, { permutations: 199, seed: rep, bins: 8, block: 100 }).p < 0.05) blockHits++;
    }
    expect(plainHits / 40).toBeGreaterThan(0.5);
    expect(blockHits / 40).toBeLessThan(0.2);
    expect(blockHits).toBeLessThan(plainHits);
  });
  it('rejects bad parameters with codes', () => {
    const x = [1, 2, 3, 4, 5, 6], y = [2, 1, 4, 3, 6, 5];
    const code = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as { code: string }).code; } return 'none'; };
    expect(code(() => miPermutationTestSync(x, y, { block: 4 }))).toBe('MS_BAD_OPTION');
    expect(code(() => miPermutationTestSync(x, y, { permutations: 0 }))).toBe('MS_BAD_OPTION');
    expect(code(() => miPermutationTestSync(x, [1, 2]))).toBe('MS_LENGTH_MISMATCH');
  });
});

describe('MI bootstrap interval', () => {
  it('a 95 % interval covers the analytic MI in about 95 % of seeded repetitions', () => {
    // X uniform on 4 values, Y = X with probability 0.7, else uniform: I = ln 4 − H(0.775, 0.075 × 3).
    const r = rng(53);
    const pSame = 0.7 + 0.3 * 0.25, pOther = 0.3 * 0.25;
    const truth = Math.log(4) + (pSame * Math.log(pSame) + 3 * pOther * Math.log(pOther));
    let hit = 0;
    for (let rep = 0; rep < 200; rep++) {
      const x = Float64Array.from({ length: 400 }, () => Math.floor(r() * 4));
      const y = x.map((v) => (r() < 0.7 ? v : Math.floor(r() * 4)));
      const b = miBootstrapIntervalSync(x, y, { replicates: 500, seed: rep, units: 'nats' });
      expect(b.ci[0]).toBeLessThanOrEqual(b.mi + 1e-12);
      if (b.ci[0] <= truth && truth <= b.ci[1]) hit++;
    }
    expect(hit / 200).toBeGreaterThan(0.9);   // 0.935 with these seeds (0.95 at n = 1,000)
    expect(hit / 200).toBeLessThan(0.99);
  });
  it('is the same on any number of threads; blocks and bad input', () => {
    const g = gaussian(rng(59));
    const x = Float64Array.from({ length: 800 }, () => g());
    const y = x.map((v) => v + g());
    const a = miBootstrapIntervalSync(x, y, { replicates: 300, seed: 3, threads: 1 });
    const b = miBootstrapIntervalSync(x, y, { replicates: 300, seed: 3, threads: 2 });
    expect(Array.from(b.replicates)).toEqual(Array.from(a.replicates));
    expect(a.mi).toBeCloseTo(mutualInformation(x, y).value, 12);
    const blocks = miBootstrapIntervalSync(x, y, { replicates: 300, seed: 3, block: 40 });
    expect(blocks.ci[1] - blocks.ci[0]).toBeGreaterThan(0);
    const code = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as { code: string }).code; } return 'none'; };
    expect(code(() => miBootstrapIntervalSync(x, y, { level: 1 }))).toBe('MS_BAD_OPTION');
    expect(code(() => miBootstrapIntervalSync(x, y, { block: 500 }))).toBe('MS_BAD_OPTION');
    expect(code(() => miBootstrapIntervalSync(x, y.subarray(1)))).toBe('MS_LENGTH_MISMATCH');
  });
});

describe('entropy bootstrap interval', () => {
  it('is centred on the plug-in entropy and covers the analytic H in about 95 % of seeded repetitions', () => {
    // p = (0.5, 0.25, 0.15, 0.1): H = −Σ p ln p.
    const p = [0.5, 0.25, 0.15, 0.1];
    const truth = -p.reduce((s, q) => s + q * Math.log(q), 0);
    const r = rng(61);
    const draw = () => { const u = r(); return u < 0.5 ? 0 : u < 0.75 ? 1 : u < 0.9 ? 2 : 3; };
    let hit = 0;
    for (let rep = 0; rep < 150; rep++) {
      const x = Float64Array.from({ length: 1000 }, draw);
      const b = entropyBootstrapIntervalSync(x, { replicates: 300, seed: rep, units: 'nats' });
      expect(b.entropy).toBeCloseTo(entropy(x, { units: 'nats' }).value, 12);
      if (b.ci[0] <= truth && truth <= b.ci[1]) hit++;
    }
    expect(hit / 150).toBeGreaterThan(0.88);  // binomial sd at 95 %: 1.8 %
    expect(hit / 150).toBeLessThan(0.99);
  });
});

describe('KSG half-sample interval and permutation test', () => {
  it('a 95 % interval covers −½·ln(1−ρ²) in about 95 % of seeded repetitions (n = 400, ρ = 0.6) and is not trivially wide', () => {
    const truth = -0.5 * Math.log(1 - 0.36);
    let covered = 0, width = 0;
    const R = 200;
    for (let rep = 0; rep < R; rep++) {
      const [x, y] = bivariate(400, 0.6, 1000 + rep);
      const { ci } = ksgConfidenceIntervalSync(x, y, { units: 'nats', replicates: 100, seed: rep });
      if (ci[0] <= truth && truth <= ci[1]) covered++;
      width += ci[1] - ci[0];
    }
    // Measured: 96 %. Binomial sd at 95 % over 200 repetitions is 1.5 %.
    expect(covered / R).toBeGreaterThan(0.9);
    expect(covered / R).toBeLessThan(0.99);
    // A normal-theory interval of the plug-in estimator is ±1.96·ρ/√n = ±0.059: the same order.
    expect(width / R).toBeLessThan(0.3);
  });
  it('a with-replacement bootstrap would not do: its repeated rows inflate KSG, the halves do not', () => {
    const [x, y] = bivariate(1000, 0.6, 7);
    const r = ksgConfidenceIntervalSync(x, y, { units: 'nats', replicates: 50 });
    const draw = rng(8);
    const idx = Array.from({ length: 1000 }, () => Math.floor(draw() * 1000));  // one bootstrap draw
    const boot = ksgMutualInformation(idx.map((i) => x[i]), idx.map((i) => y[i]), { units: 'nats' }).value;
    expect(boot - r.mi).toBeGreaterThan(0.1);
    const mean = r.replicates.reduce((s, v) => s + v, 0) / r.replicates.length;
    expect(Math.abs(mean - r.mi)).toBeLessThan(0.03);
  });
  it('permutation p-values are uniform under independence and minimal under dependence; same draws on 1 or 2 threads', () => {
    let below = 0;
    for (let rep = 0; rep < 150; rep++) {
      const [x, y] = bivariate(300, 0, 5000 + rep);
      if (ksgPermutationTestSync(x, y, { permutations: 99, seed: rep }).p <= 0.05) below++;
    }
    expect(below / 150).toBeGreaterThan(0.01);  // binomial sd at 5 %: 1.8 %
    expect(below / 150).toBeLessThan(0.11);
    const [x, y] = bivariate(500, 0.5, 9);
    const one = ksgPermutationTestSync(x, y, { permutations: 99, threads: 1 });
    const two = ksgPermutationTestSync(x, y, { permutations: 99, threads: 2 });
    expect(one.p).toBe(0.01);
    expect(Buffer.from(one.null.buffer).equals(Buffer.from(two.null.buffer))).toBe(true);
    const i1 = ksgConfidenceIntervalSync(x, y, { replicates: 20, threads: 1, block: 10 });
    const i2 = ksgConfidenceIntervalSync(x, y, { replicates: 20, threads: 2, block: 10 });
    expect(Buffer.from(i1.replicates.buffer).equals(Buffer.from(i2.replicates.buffer))).toBe(true);
    expect(i1.mi).toBe(ksgMutualInformation(x, y).value);
    // The jitter keeps its own seed, apart from the draws' (tied data, where the jitter matters).
    const d = Float64Array.from({ length: 400 }, (_, i) => i % 5), e = Float64Array.from(d, (v, i) => (v + (i % 3)) % 4);
    const j5 = ksgConfidenceIntervalSync(d, e, { replicates: 4, jitter: 5, seed: 1 });
    expect(j5.mi).toBe(ksgMutualInformation(d, e, { jitter: 5 }).value);
    expect(j5.mi).not.toBe(ksgMutualInformation(d, e, { jitter: 1 }).value);
  });
  it('rejects bad parameters with codes', () => {
    const [x, y] = bivariate(40, 0.5, 3);
    const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as { code?: string }).code; } return 'no error'; };
    expect(code(() => ksgConfidenceIntervalSync(x, y, { block: 30 }))).toBe('MS_BAD_OPTION');
    expect(code(() => ksgConfidenceIntervalSync(x.slice(0, 6), y.slice(0, 6), { k: 3 }))).toBe('MS_TOO_FEW_ROWS');
    expect(code(() => ksgConfidenceIntervalSync(x, y, { level: 1 }))).toBe('MS_BAD_OPTION');
    expect(code(() => ksgPermutationTestSync(x, y.slice(1)))).toBe('MS_LENGTH_MISMATCH');
    expect(code(() => ksgPermutationTestSync(x, y.map(() => 2)))).toBe('MS_BAD_INPUT');
  });
});
