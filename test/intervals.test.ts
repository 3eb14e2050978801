// Intervals that can be trusted (issue 14): coverage of the bias-corrected bootstrap interval of
// quantile-binned MI against the population binned MI of bivariate Gaussians (golden values from
// scipy, test/golden/intervals.json), the excess over the permutation null under independence,
// uniform p-values, block lengths chosen from the data for autocorrelated series, BH q-values.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg, bootstrapInterval, cmiBootstrapInterval, excessInterval, ksgMutualInformation, ksgPermutationTestSync, miBootstrapIntervalSync, miDrift, miPermutationTestSync, politisWhiteBlock,
  rankToTarget, transferEntropy,
} from '../src/index.js';
import { bivariate, gaussian, rng } from './helpers.js';


const golden = JSON.parse(readFileSync(new URL('./golden/intervals.json', import.meta.url), 'utf8')) as {
  cases: { rho: number; bins: number; mi_nats: number }[];
};
const truth = (rho: number, bins: number) => golden.cases.find((c) => c.rho === rho && c.bins === bins)!.mi_nats;

/** Share of seeded repetitions whose 95 % interval covers the population binned MI. */
function coverage(n: number, rho: number, bins: number, reps: number, replicates: number, method?: 'percentile') {
  const T = truth(rho, bins);
  let hit = 0, inside = 0;
  for (let rep = 0; rep < reps; rep++) {
    const [x, y] = bivariate(n, rho, 7919 * rep + Math.round(rho * 10) + n);
    const b = miBootstrapIntervalSync(x, y, { bins, replicates, seed: rep, units: 'nats', threads: 1, method });
    if (b.ci[0] <= T && T <= b.ci[1]) hit++;
    if (b.ci[0] <= b.estimate && b.estimate <= b.ci[1]) inside++;
  }
  return { covered: hit / reps, inside: inside / reps };
}

describe('bias-corrected bootstrap interval of binned MI: coverage of the population binned MI', () => {
  // Binomial sd of a 95 % coverage over 200 repetitions: 1.5 %. Bins: 8 at n = 1,000 (16 rows a
  // joint bin; 16 bins there give 4 rows a bin and the small-sample warning), 16 at n = 20,000.
  for (const [n, bins, replicates] of [[1000, 8, 300], [20000, 16, 200]] as const) {
    for (const rho of [0, 0.3, 0.8]) {
      it(`n = ${n}, ${bins} bins, ρ = ${rho}: 90–98 % of 200 repetitions`, () => {
        const c = coverage(n, rho, bins, 200, replicates);
        expect(c.inside).toBe(1);
        expect(c.covered).toBeGreaterThanOrEqual(0.9);
        expect(c.covered).toBeLessThanOrEqual(0.98);
      }, 600_000);  // ~5 s of CPU at n = 20,000; generous for a shared machine
    }
  }
  it('the percentile interval it replaces misses the truth under independence', () => {
    expect(coverage(1000, 0, 8, 40, 200, 'percentile').covered).toBeLessThan(0.1);
  });
});

describe('conditional MI interval', () => {
  it('covers an analytic I(X; Y | Z) in 90–98 % of 150 repetitions, and 0 for conditionally independent series', () => {
    // Z uniform on {0, 1}; given Z = 0, Y = X with probability 0.7, else uniform (X uniform on 4 values);
    // given Z = 1, Y independent of X: I(X; Y | Z) = ½·(ln 4 + 0.775·ln 0.775 + 3 · 0.075·ln 0.075).
    const truth = 0.5 * (Math.log(4) + 0.775 * Math.log(0.775) + 3 * 0.075 * Math.log(0.075));
    const r = rng(211);
    let hit = 0, zero = 0;
    const R = 150;
    for (let rep = 0; rep < R; rep++) {
      const z = Float64Array.from({ length: 2000 }, () => (r() < 0.5 ? 0 : 1));
      const x = Float64Array.from({ length: 2000 }, () => Math.floor(r() * 4));
      const y = x.map((v, i) => (z[i] === 0 && r() < 0.7 ? v : Math.floor(r() * 4)));
      const b = cmiBootstrapInterval(x, y, z, { replicates: 200, seed: rep, units: 'nats' });
      expect(b.ci[0] <= b.estimate && b.estimate <= b.ci[1]).toBe(true);
      if (b.ci[0] <= truth && truth <= b.ci[1]) hit++;
      const w = Float64Array.from({ length: 2000 }, () => Math.floor(r() * 4));
      const c = cmiBootstrapInterval(x, w, z, { replicates: 200, seed: rep, units: 'nats' });
      if (c.ci[0] <= 0) zero++;
    }
    expect(hit / R).toBeGreaterThanOrEqual(0.9);
    expect(hit / R).toBeLessThanOrEqual(0.98);
    expect(zero / R).toBeGreaterThanOrEqual(0.9);
    expect(zero / R).toBeLessThanOrEqual(0.99);
  }, 300_000);
});

describe('significance under independence', () => {
  it('excess over the permutation null: its interval holds 0 in ≥ 90 % of 200 repetitions; p-values uniform (KS)', () => {
    const ps: number[] = [];
    let zero = 0, inside = 0;
    for (let rep = 0; rep < 200; rep++) {
      const [x, y] = bivariate(1000, 0, 31 * rep + 5);
      const b = miBootstrapIntervalSync(x, y, { bins: 8, replicates: 200, seed: rep, threads: 1 });
      const p = miPermutationTestSync(x, y, { bins: 8, permutations: 199, seed: rep + 1, threads: 1 });
      const ci = excessInterval(p.excess, b.replicates, p.null, 0.95);
      if (ci[0] <= 0 && 0 <= ci[1]) zero++;
      if (ci[0] <= p.excess && p.excess <= ci[1]) inside++;
      ps.push(p.p);
    }
    expect(zero / 200).toBeGreaterThanOrEqual(0.9);
    expect(inside).toBe(200);
    // Kolmogorov–Smirnov distance to the uniform: 1.36/√200 = 0.096 is the 5 % critical value.
    const sorted = [...ps].sort((a, b) => a - b);
    const ks = Math.max(...sorted.map((p, i) => Math.max(Math.abs(p - i / 200), Math.abs(p - (i + 1) / 200))));
    expect(ks).toBeLessThan(0.096);
  });
  it('independent AR(1) pairs (φ = 0.9): ≤ 10 % false positives at 5 % with the data-chosen block length, most without blocks', () => {
    const g = gaussian(rng(101));
    const ar = (n: number) => { const s = new Float64Array(n); s[0] = g() / Math.sqrt(1 - 0.81); for (let t = 1; t < n; t++) s[t] = 0.9 * s[t - 1] + g(); return s; };
    let auto = 0, rows = 0, blocks = 0;
    const R = 200;
    for (let rep = 0; rep < R; rep++) {
      const x = ar(1000), y = ar(1000);
      const r = miPermutationTestSync(x, y, { bins: 8, permutations: 199, seed: rep, threads: 1 });
      blocks += r.block;
      if (r.p <= 0.05) auto++;
      if (rep < 40 && miPermutationTestSync(x, y, { bins: 8, permutations: 199, seed: rep, block: 1, threads: 1 }).p <= 0.05) rows++;
    }
    expect(auto / R).toBeLessThanOrEqual(0.1);
    expect(rows / 40).toBeGreaterThan(0.3);
    // Politis–White for AR(1) φ = 0.9 at n = 1,000: about 40 rows (the autocorrelation reaches ~30 lags).
    expect(blocks / R).toBeGreaterThan(15);
    expect(blocks / R).toBeLessThan(100);
  });
});

describe('the pieces', () => {
  it('Benjamini–Hochberg q-values match a hand computation (R p.adjust(method = "BH"))', () => {
    // p.adjust(c(0.01, 0.04, 0.03, 0.2, NA), "BH") = 0.04, 0.05333, 0.05333, 0.2, NA
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.2, NaN]);
    expect(q[0]).toBeCloseTo(0.04, 12);
    expect(q[1]).toBeCloseTo(0.16 / 3, 12);
    expect(q[2]).toBeCloseTo(0.16 / 3, 12);
    expect(q[3]).toBeCloseTo(0.2, 12);
    expect(Number.isNaN(q[4])).toBe(true);
    expect(Array.from(benjaminiHochberg([0.5, 0.9, 1]))).toEqual([1, 1, 1]);
  });
  it('Politis–White: about 1 for independent rows, long for persistent series, the same as arch for an AR(1)', () => {
    const g = gaussian(rng(3));
    const iid = Float64Array.from({ length: 5000 }, () => g());
    expect(politisWhiteBlock(iid)).toBeLessThanOrEqual(4);
    const ar = new Float64Array(5000);
    for (let t = 1; t < 5000; t++) ar[t] = 0.9 * ar[t - 1] + g();
    const b = politisWhiteBlock(ar);
    // Theory for AR(1): b = (2G²/D)^{1/3} n^{1/3} with G/g = 2φ/(1 − φ²): (1.5 · 9.47²)^{1/3} · 17.1 ≈ 88.
    expect(b).toBeGreaterThan(50);
    expect(b).toBeLessThan(130);
    expect(politisWhiteBlock(new Float64Array(100).fill(3))).toBe(1);
  });
  it('the interval holds its estimate and stays in the range; percentile keeps the plug-in value', () => {
    const draws = Float64Array.from({ length: 400 }, (_, i) => 0.1 + 0.0001 * i);
    const b = bootstrapInterval({ observed: 0.05, draws, level: 0.95, rows: 1000, df: 49 });
    expect(b.bias).toBeCloseTo(0.06995, 6);
    expect(b.estimate).toBe(0);  // 0.05 − 0.07 < 0: clipped to the range
    expect(b.ci[0]).toBe(0);
    const p = bootstrapInterval({ observed: 0.05, draws, level: 0.95, rows: 1000, df: 49, method: 'percentile' });
    expect(p.estimate).toBe(0.05);
    expect(p.ci[0]).toBe(0.05);
  });
});

describe('KSG in ranking and drift, TE intervals, bad input', () => {
  it('rank --estimator ksg: the continuous signal first, half-sample intervals holding the estimate, q-values', async () => {
    const g = gaussian(rng(77));
    const n = 1500;
    const x1 = Float64Array.from({ length: n }, () => g()), x2 = Float64Array.from({ length: n }, () => g());
    const y = x1.map((v) => Math.sin(2 * v) + 0.3 * g());
    const r = await rankToTarget({ names: ['y', 'x1', 'x2'], columns: [y, x1, x2] }, 'y', { estimator: 'ksg', ci: 0.95, replicates: 50, permutations: 49, threads: 1 });
    expect(r.estimator).toBe('ksg');
    expect(r.ranking[0].metric).toBe('x1');
    expect(r.ranking[0].mi).toBeCloseTo(ksgMutualInformation(x1, y).value, 12);
    for (const e of r.ranking) expect(e.ci![0] <= e.estimate! && e.estimate! <= e.ci![1]).toBe(true);
    expect(r.ranking[0].p).toBe(1 / 50);
    expect(r.ranking[1].ci![0]).toBeLessThanOrEqual(0.01);
    expect(r.warnings.map((w) => w.code)).toContain('MS_FEW_REPLICATES');
  });
  it('drift --estimator ksg: KSG per window, a sustained change where the coupling stops', async () => {
    const g = gaussian(rng(78));
    const x = Float64Array.from({ length: 1200 }, () => g());
    const y = x.map((v, t) => (t < 600 ? v + 0.3 * g() : g()));
    const d = await miDrift(x, y, { window: 200, estimator: 'ksg', replicates: 40, persist: 2 });
    expect(d.estimator).toBe('ksg');
    expect(d.windows[0].mi).toBeCloseTo(ksgMutualInformation(x.subarray(0, 200), y.subarray(0, 200)).value, 12);
    expect(d.changes.map((c) => c.direction)).toEqual(['down']);
    expect(d.changes[0].start).toBe(600);
  });
  it('transfer entropy: a bias-corrected interval around its estimate, excluding 0 for a coupled pair, reaching 0 the other way (calibrated)', () => {
    const pair = (seed: number) => {
      const g = gaussian(rng(seed));
      const x = Float64Array.from({ length: 3000 }, () => g());
      const y = new Float64Array(3000);
      for (let t = 1; t < 3000; t++) y[t] = 0.8 * x[t - 1] + 0.6 * g();
      return [x, y];
    };
    const [x, y] = pair(79);
    const fwd = transferEntropy(x, y, { bins: 4, permutations: 99, ci: 0.95, replicates: 200 });
    expect(fwd.ci![0]).toBeGreaterThan(0.1);
    // TE(Y → X) is 0 (X is i.i.d.): the lower limit is above 0 in about 2.5 % of data sets (3.75 % of 80 measured).
    let reach = 0;
    for (let rep = 0; rep < 20; rep++) {
      const [a, b] = pair(200 + rep);
      const back = transferEntropy(b, a, { bins: 4, permutations: 19, ci: 0.95, replicates: 200, seed: rep });
      if (back.ci![0] === 0) reach++;
      expect(back.ci![0] <= back.estimate! && back.estimate! <= back.ci![1]).toBe(true);
      expect(Math.abs(back.excess)).toBeLessThan(0.01);
    }
    expect(reach).toBeGreaterThanOrEqual(18);
    expect(fwd.ci![0] <= fwd.estimate! && fwd.estimate! <= fwd.ci![1]).toBe(true);
  });
  it('bad input: MS_BAD_OPTION naming the option; few replicates warn', async () => {
    const [x, y] = bivariate(200, 0.5, 3);
    const t = { names: ['y', 'x'], columns: [y, x] };
    const err = (fn: () => unknown) => { try { fn(); } catch (e) { return e as { code: string; message: string }; } throw new Error('no error'); };
    const errA = async (p: Promise<unknown>) => { try { await p; } catch (e) { return e as { code: string; message: string }; } throw new Error('no error'); };
    for (const [e, name] of [
      [await errA(rankToTarget(t, 'y', { ci: 0.9, block: 200 })), 'block'],
      [await errA(rankToTarget(t, 'y', { q: 0.05 })), 'q'],
      [await errA(rankToTarget(t, 'y', { estimator: 'ksg', k: 0 })), 'k'],
      [await errA(rankToTarget(t, 'y', { estimator: 'ksg', k: 500 })), 'k'],
      [await errA(rankToTarget(t, 'y', { orderBy: 'excess' })), 'orderBy'],
      [err(() => miBootstrapIntervalSync(x, y, { block: 200 })), 'block'],
      [err(() => ksgPermutationTestSync(x, y, { k: 200 })), 'k'],
      [await errA(miDrift(x, y, { window: 50, block: 200 })), 'block'],
      [err(() => transferEntropy(x, y, { block: 200 })), 'block'],
    ] as const) {
      expect(e.code).toBe('MS_BAD_OPTION');
      expect(e.message).toContain(name);
    }
    expect(miBootstrapIntervalSync(x, y, { replicates: 50 }).warnings.map((w) => w.code)).toEqual(['MS_FEW_REPLICATES']);
    expect(miBootstrapIntervalSync(x, y, { replicates: 100 }).warnings).toEqual([]);
    expect((await rankToTarget(t, 'y', { ci: 0.9, replicates: 20 })).warnings.map((w) => w.code)).toContain('MS_FEW_REPLICATES');
  });
});
