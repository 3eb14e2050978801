// Ranking to a target: agreement with the one-pair estimators, the top-N share, categorical labels
// (few and many classes), intervals and p-values identical to the resampling calls on the same
// bins, conditional MI against a hand-computed case, the bias report, and bad input.
import { describe, expect, it } from 'vitest';
import {
  biasCheck, conditionalMutualInformation, miBootstrapIntervalSync, miPermutationTestSync, mutualInformation, rankToTarget,
} from '../src/index.js';
import { errorOf, errorOfAsync, gaussian, rng } from './helpers.js';

/** A target and metrics carrying less and less of it, an independent one and a constant one. */
function table(n: number, seed = 5) {
  const g = gaussian(rng(seed));
  const target = Float64Array.from({ length: n }, () => g());
  const names = ['svc/target'], columns: Float64Array[] = [target];
  for (const a of [3, 1, 0.3]) {
    names.push(`svc/a${a}`);
    columns.push(target.map((t) => a * t + g()));
  }
  names.push('svc/noise', 'svc/const');
  columns.push(Float64Array.from({ length: n }, () => g()), new Float64Array(n).fill(7));
  return { names, columns };
}

describe('bias check', () => {
  it('warns when the joint bins exceed rows / 5, and not at the boundary', () => {
    const w = biasCheck(300, [16, 16], 'MI(a; b)');
    expect(w.cells).toBe(256);
    expect(w.warnings.map((x) => x.code)).toEqual(['MS_SMALL_SAMPLE']);
    expect(w.warnings[0].message).toMatch(/MI\(a; b\).*256 joint bins.*300 complete rows/);
    expect(biasCheck(1280, [16, 16]).warnings).toEqual([]);  // 256 cells = 1280 / 5
    expect(biasCheck(1279, [16, 16]).warnings.length).toBe(1);
    expect(biasCheck(1000, [4, 4, 4]).cells).toBe(64);
    expect(biasCheck(0, [4, 4]).warnings.map((x) => x.code)).toEqual(['MS_TOO_FEW_ROWS']);
  });
});

describe('conditional MI (binned, plug-in)', () => {
  it('matches a hand-computed case: X = T given Z = 0, independent given Z = 1', () => {
    // Z = 0: (x, t) = (0,0), (1,1), (0,0), (1,1) → I(X; T | Z = 0) = 1 bit.
    // Z = 1: (0,0), (0,1), (1,0), (1,1) → 0 bits. P(Z = 0) = 1/2, so I(X; T | Z) = 0.5 bit.
    const x = [0, 1, 0, 1, 0, 0, 1, 1], t = [0, 1, 0, 1, 0, 1, 0, 1], z = [0, 0, 0, 0, 1, 1, 1, 1];
    const r = conditionalMutualInformation(x, t, z);
    expect(r.value).toBeCloseTo(0.5, 14);
    expect(r.rowsUsed).toBe(8);
    expect(conditionalMutualInformation(x, t, z, { units: 'nats' }).value).toBeCloseTo(0.5 * Math.LN2, 14);
    // A missing z drops its row from every term: rows 0 and 4 gone leaves 3 + 3 rows,
    // z = 0: (1,1), (0,0), (1,1) → H(X|Z=0) = H(1/3) and X = T; z = 1: independent-looking 3 rows.
    const zm = [NaN, 0, 0, 0, NaN, 1, 1, 1];
    const h = (p: number[]) => -p.reduce((s, q) => s + (q > 0 ? q * Math.log2(q) : 0), 0);
    // z = 1 rows: (0,1), (1,0), (1,1): I = H(X) + H(T) − H(X,T) = 2·h(1/3, 2/3) − log2 3.
    const expected = 0.5 * h([1 / 3, 2 / 3]) + 0.5 * (2 * h([1 / 3, 2 / 3]) - Math.log2(3));
    expect(conditionalMutualInformation(x, t, zm).value).toBeCloseTo(expected, 13);
    expect(conditionalMutualInformation(x, t, zm).rowsUsed).toBe(6);
  });
});

describe('rankToTarget', () => {
  it('ranks every metric by its binned MI to a target column, highest first, equal to mutualInformation', async () => {
    const t = table(3000);
    const r = await rankToTarget(t, 'svc/target', { threads: 2 });
    expect(r.target).toBe('svc/target');
    expect(r.measure).toBe('mi');
    expect(r.ranking.map((e) => e.metric)).toEqual(['svc/a3', 'svc/a1', 'svc/a0.3', 'svc/noise', 'svc/const']);
    for (const e of r.ranking) {
      const x = t.columns[t.names.indexOf(e.metric)];
      expect(e.mi).toBeCloseTo(mutualInformation(x, t.columns[0]).value, 13);  // the same sums, another order
      expect(e.rowsUsed).toBe(3000);
    }
    expect(r.ranking.at(-1)!.mi).toBe(0);  // the constant metric
    expect(r.ranking.at(-1)!.bins).toEqual([1, 16]);
    expect(r.ranking[0].bins).toEqual([16, 16]);
    expect(r.ranking[0].warnings).toEqual([]);  // 256 cells ≤ 3000 / 5
    // Same numbers on one thread and in nats.
    const one = await rankToTarget(t, 0, { threads: 1, units: 'nats' });
    expect(one.ranking.map((e) => e.metric)).toEqual(r.ranking.map((e) => e.metric));
    one.ranking.forEach((e, i) => expect(e.mi).toBeCloseTo(r.ranking[i].mi * Math.LN2, 13));
  });

  it('puts a metric without rows in common with the target last, as NaN with a warning', async () => {
    const t = table(500);
    t.names.push('svc/empty');
    t.columns.push(new Float64Array(500).fill(NaN));
    const r = await rankToTarget(t, 'svc/target');
    const last = r.ranking.at(-1)!;
    expect(last.metric).toBe('svc/empty');
    expect(last.mi).toBeNaN();
    expect(last.rowsUsed).toBe(0);
    expect(last.warnings.map((w) => w.code)).toEqual(['MS_TOO_FEW_ROWS']);
    expect(Number.isFinite(r.total)).toBe(true);
  });

  it('reports the smallest top N carrying the share of the total', async () => {
    const r = await rankToTarget(table(3000), 'svc/target');
    const v = r.ranking.map((e) => e.mi);
    const total = v.reduce((s, x) => s + x, 0);
    expect(r.total).toBeCloseTo(total, 12);
    for (const share of [0.3, 0.8, 0.95, 1]) {
      const s = await rankToTarget(table(3000), 'svc/target', { share });
      const sum = (k: number) => v.slice(0, k).reduce((a, b) => a + b, 0);
      expect(sum(s.topN)).toBeGreaterThanOrEqual(share * total * (1 - 1e-12));
      expect(sum(s.topN - 1)).toBeLessThan(share * total);
      expect(s.top).toEqual(s.ranking.slice(0, s.topN).map((e) => e.metric));
    }
    // The first metric alone carries well over 30 % here, the constant never counts.
    expect((await rankToTarget(table(3000), 'svc/target', { share: 0.3 })).topN).toBe(1);
    expect((await rankToTarget(table(3000), 'svc/target', { share: 1 })).topN).toBe(4);
  });

  it('takes external labels: strings as exact categories, also with more classes than bins', async () => {
    const t = table(4000);
    const x = t.columns[1];
    const labels = Array.from(x, (v) => (v > 2 ? 'slow' : v < -2 ? 'fast' : 'ok'));
    const r = await rankToTarget({ names: t.names.slice(1), columns: t.columns.slice(1) }, labels, { targetName: 'sla' });
    expect(r.target).toBe('sla');
    const codes = labels.map((l) => ['fast', 'ok', 'slow'].indexOf(l));
    expect(r.ranking[0].metric).toBe('svc/a3');
    expect(r.ranking[0].mi).toBeCloseTo(mutualInformation(x, codes).value, 13);
    expect(r.ranking[0].bins).toEqual([16, 3]);
    // 40 classes: more than the 16 bins, so counted exactly rather than binned.
    const many = Array.from(t.columns[0], (v) => `c${Math.min(39, Math.max(0, Math.floor((v + 3) * 6.5)))}`);
    const classes = [...new Set(many)].sort();
    expect(classes.length).toBeGreaterThan(16);
    const m = await rankToTarget({ names: t.names.slice(1), columns: t.columns.slice(1) }, many);
    const e = m.ranking.find((q) => q.metric === 'svc/a1')!;
    // Same value as the pair estimator told to keep every class (the metric has far more than 64 values).
    expect(e.mi).toBeCloseTo(mutualInformation(t.columns[2], many.map((c) => classes.indexOf(c)), { discreteMax: 64 }).value, 12);
    expect(e.bins).toEqual([16, classes.length]);
    // The same exact count as the plain value of a conditional ranking (a constant confounder: CMI = MI).
    const c = await rankToTarget({ names: t.names.slice(1), columns: t.columns.slice(1) }, many, { given: new Float64Array(4000).fill(1) });
    const ce = c.ranking.find((q) => q.metric === 'svc/a1')!;
    expect(ce.miUnconditional).toBe(e.mi);
    expect(ce.mi).toBeCloseTo(e.mi, 12);
    // Missing labels ('' or null) drop their rows.
    const holes = labels.map((l, i) => (i % 10 === 0 ? (i % 20 === 0 ? '' : null) : l));
    const h = await rankToTarget({ names: t.names.slice(1), columns: t.columns.slice(1) }, holes);
    expect(h.ranking[0].rowsUsed).toBe(3600);
  });

  it('intervals and p-values are those of the resampling calls on the same bins', async () => {
    const t = table(800);
    const r = await rankToTarget(t, 'svc/target', { ci: 0.9, replicates: 300, permutations: 199, seed: 3, block: 4, threads: 2 });
    expect(r.level).toBe(0.9);
    for (const e of r.ranking.slice(0, 3)) {
      const x = t.columns[t.names.indexOf(e.metric)];
      const boot = miBootstrapIntervalSync(x, t.columns[0], { replicates: 300, level: 0.9, seed: 3, block: 4 });
      expect(e.ci).toEqual(boot.ci);
      expect(boot.mi).toBeCloseTo(e.mi, 12);
      expect(e.p).toBe(miPermutationTestSync(x, t.columns[0], { permutations: 199, seed: 3, block: 4 }).p);
    }
    expect(r.ranking[0].p).toBe(1 / 200);
    expect(r.ranking.find((e) => e.metric === 'svc/noise')!.p).toBeGreaterThan(0.01);
  });

  it('ranks by conditional MI given a confounder: a metric explained by the confounder drops', async () => {
    const g = gaussian(rng(9));
    const n = 5000;
    const z = Float64Array.from({ length: n }, () => Math.floor(g() > 0 ? 1 : 0) + (g() > 1 ? 2 : 0));  // 4-level load regime
    const target = z.map((v) => v + 0.5 * g());
    const viaZ = z.map((v) => v + 0.5 * g());            // shares only Z with the target
    const direct = target.map((v) => v + 0.7 * g());     // reads the target itself
    const tbl = { names: ['load', 'lat', 'viaZ', 'direct'], columns: [z, target, viaZ, direct] };
    const plain = await rankToTarget(tbl, 'lat', { columns: ['viaZ', 'direct'] });
    const cond = await rankToTarget(tbl, 'lat', { given: 'load', bins: 8 });
    expect(cond.measure).toBe('cmi');
    expect(cond.given).toBe('load');
    expect(cond.ranking.map((e) => e.metric)).toEqual(['direct', 'viaZ']);  // load itself is the confounder, left out
    const viaZc = cond.ranking.find((e) => e.metric === 'viaZ')!;
    expect(viaZc.mi).toBeLessThan(0.1 * viaZc.miUnconditional!);
    expect(viaZc.mi).toBeCloseTo(conditionalMutualInformation(viaZ, target, z, { bins: 8 }).value, 12);
    expect(viaZc.bins).toEqual([8, 8, 4]);
    expect(plain.ranking.find((e) => e.metric === 'viaZ')!.mi).toBeGreaterThan(0.3);
    // Intervals and p-values of the conditional estimate (TypeScript resampling): viaZ is noise given Z.
    const ci = await rankToTarget(tbl, 'lat', { given: 'load', bins: 8, ci: 0.95, replicates: 100, permutations: 99, seed: 1 });
    const d = ci.ranking.find((e) => e.metric === 'direct')!, v = ci.ranking.find((e) => e.metric === 'viaZ')!;
    expect(d.p).toBe(1 / 100);
    expect(v.p).toBeGreaterThan(0.01);
    expect(d.ci![0]).toBeGreaterThan(v.ci![1]);
  });

  it('hand-computed conditional ranking on a discrete table', async () => {
    const tbl = { names: ['x', 't', 'z'], columns: [[0, 1, 0, 1, 0, 0, 1, 1], [0, 1, 0, 1, 0, 1, 0, 1], [0, 0, 0, 0, 1, 1, 1, 1]] };
    const r = await rankToTarget(tbl, 't', { given: 'z' });
    expect(r.ranking[0].metric).toBe('x');
    expect(r.ranking[0].mi).toBeCloseTo(0.5, 14);
    // Unconditional: counts (0,0) 3, (1,1) 3, (0,1) 1, (1,0) 1 → 2 − H(3/8, 3/8, 1/8, 1/8).
    const hxt = -(2 * (3 / 8) * Math.log2(3 / 8) + 2 * (1 / 8) * Math.log2(1 / 8));
    expect(r.ranking[0].miUnconditional).toBeCloseTo(2 - hxt, 14);
    expect(r.ranking[0].warnings.map((w) => w.code)).toEqual(['MS_SMALL_SAMPLE']);  // 8 cells, 8 rows
  });

  it('rejects bad input with codes', async () => {
    const t = table(200);
    expect((await errorOfAsync(rankToTarget(t, 'svc/latency'))).code).toBe('MS_TARGET_MISSING');
    expect((await errorOfAsync(rankToTarget(t, 99))).code).toBe('MS_TARGET_MISSING');
    expect((await errorOfAsync(rankToTarget(t, 'svc/const'))).code).toBe('MS_ONE_CLASS');
    expect((await errorOfAsync(rankToTarget(t, new Array(200).fill('ok')))).code).toBe('MS_ONE_CLASS');
    expect((await errorOfAsync(rankToTarget(t, new Array(200).fill(null)))).code).toBe('MS_ONE_CLASS');
    expect((await errorOfAsync(rankToTarget(t, ['a', 'b']))).code).toBe('MS_LENGTH_MISMATCH');
    expect((await errorOfAsync(rankToTarget(t, 'svc/target', { given: 'svc/region' }))).code).toBe('MS_COLUMN_MISSING');
    expect((await errorOfAsync(rankToTarget(t, 'svc/target', { given: 'svc/target' }))).code).toBe('MS_BAD_OPTION');
    expect((await errorOfAsync(rankToTarget(t, 'svc/target', { share: 0 }))).code).toBe('MS_BAD_OPTION');
    expect((await errorOfAsync(rankToTarget(t, 'svc/target', { ci: 95 }))).code).toBe('MS_BAD_OPTION');
    expect((await errorOfAsync(rankToTarget({ names: ['t'], columns: [t.columns[0]] }, 't'))).code).toBe('MS_NO_COLUMNS');
    expect((await errorOfAsync(rankToTarget(t, 'svc/target', { ci: 0.9, block: 150 }))).code).toBe('MS_TOO_FEW_ROWS');
    expect(errorOf(() => biasCheck(-1, [2])).code).toBe('MS_BAD_OPTION');
  });
});
