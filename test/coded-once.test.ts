// Issue 11: a pipeline codes each column once. rankToTarget with intervals and p-values, and
// miDrift, make their calls on one prepared table (per ranking, per window) instead of re-binning
// for every statistic; the numbers are those of the previous path, rebuilt here from public calls,
// and the native binning kernel's counter says how many columns were coded.
import { describe, expect, it } from 'vitest';
import {
  binnedEstimateInfo, discretize, miBootstrapInterval, miBootstrapIntervalSync, miDrift, miDriftSync, miPermutationTest, rankToTarget,
} from '../src/index.js';
import { excessInterval } from '../src/analysis/significance.js';
import { politisWhiteBlock } from '../src/analysis/intervals.js';
import { binding } from '../src/native.js';
import { gaussian, rng } from './helpers.js';

const coded = async <T>(fn: () => Promise<T> | T): Promise<{ out: T; columns: number }> => {
  const before = binding.columnsCoded();
  const out = await fn();
  return { out, columns: binding.columnsCoded() - before };
};

/** A target and metrics with a range of dependence, some missing values, one heavy-tailed. */
function table(m: number, n: number, seed: number) {
  const g = gaussian(rng(seed));
  const t = Float64Array.from({ length: n }, () => g());
  const columns = [t];
  for (let k = 0; k < m; k++) {
    const c = t.map((v, i) => (i % (11 + k) === 3 ? NaN : (k % 3) * 0.4 * v + g()));
    if (k === 2) c.forEach((v, i) => (c[i] = Math.exp(2 * v)));  // uniform bins of it leave bins empty
    columns.push(c);
  }
  return { names: ['target', ...Array.from({ length: m }, (_, k) => `m${k}`)], columns };
}

describe('rankToTarget --ci codes each column once', () => {
  for (const binning of ['quantile', 'uniform'] as const) {
    it(`${binning} bins: same intervals, p-values and blocks as re-binning every pair, one coding per column`, async () => {
      const t = table(6, 400, 31);
      const opts = { binning, bins: 8, ci: 0.9, replicates: 200, permutations: 99, seed: 5, threads: 2 };
      const { out: r, columns } = await coded(() => rankToTarget(t, 'target', opts));
      expect(columns).toBe(t.names.length);
      // The previous path: per metric, its codes and the target's re-binned one bin per code, a
      // bootstrap and a permutation test of them (each coding the pair again).
      const asSeries = (c: Int32Array) => Float64Array.from(c, (v) => (v < 0 ? NaN : v));
      const tc = discretize(t.columns[0], { binning, bins: 8 });
      const ts = asSeries(tc.codes);
      const tBlock = politisWhiteBlock(ts);
      for (const e of r.ranking) {
        const xc = discretize(t.columns[t.names.indexOf(e.metric)], { binning, bins: 8 });
        const xs = asSeries(xc.codes);
        expect(e.block).toBeGreaterThanOrEqual(tBlock);
        const dm = Math.max(2, xc.levels, tc.levels);
        const common = { block: e.block, seed: 5, threads: 2, bins: dm, discreteMax: dm };
        const b = await miBootstrapInterval(xs, ts, { ...common, replicates: 200, level: 0.9 });
        const p = await miPermutationTest(xs, ts, { ...common, permutations: 99 });
        expect(e.mi).toBeCloseTo(b.mi, 12);  // the all-pairs pass's value; the resampling kernel sums in another order
        expect([e.estimate, e.ci, e.p, e.excess, e.nullMean]).toEqual([b.estimate, b.ci, p.p, p.excess, p.nullMean]);
        expect(e.excessCi).toEqual(excessInterval(p.excess, b.replicates, p.null, 0.9));
      }
    });
  }
});

describe('miDrift codes each window once', () => {
  const g = gaussian(rng(44));
  const x = Float64Array.from({ length: 1500 }, () => g());
  const y = x.map((v, t) => (t >= 800 ? g() : v + 0.6 * g()));
  y[30] = NaN;

  it('async and Sync: the numbers of binning each window twice (bias check, then the bootstrap), one coding of each window', async () => {
    const o = { window: 300, step: 150, bins: 4, replicates: 150, seed: 3 };
    const windows = Math.floor((1500 - 300) / 150) + 1;
    const a = await coded(() => miDrift(x, y, o));
    const s = await coded(() => miDriftSync(x, y, o));
    expect(a.columns).toBe(2 * windows);
    expect(s.columns).toBe(2 * windows);
    expect(s.out).toEqual(a.out);
    expect(a.out.windows.length).toBe(windows);
    for (const [k, w] of a.out.windows.entries()) {
      const xs = x.subarray(w.start, w.end), ys = y.subarray(w.start, w.end);
      const info = binnedEstimateInfo(xs, ys, { bins: 4 });
      const ref = miBootstrapIntervalSync(xs, ys, { bins: 4, replicates: 150, level: 0.95, seed: 3 + k });
      expect([w.rowsUsed, w.bins, w.cells]).toEqual([info.rowsUsed, info.bins, info.cells]);
      expect([w.mi, w.estimate, w.ci, w.block]).toEqual([ref.mi, ref.estimate, ref.ci, ref.block]);
    }
    expect(a.out.changes.map((c) => c.direction)).toEqual(['down']);
  });
});
