// The planted example of issue 14: n = 20,000, y = 2·x1 + sin(3·x2) + x3² + 0.3·x4 + 0.5·noise and
// 16 independent x5…x20, ranked as `metricsift rank data.csv --target y --ci 0.95` does (defaults:
// 16 quantile bins, 1,000 replicates, bias-corrected intervals, block length chosen per metric).
import { describe, expect, it } from 'vitest';
import { rankToTarget } from '../src/index.js';
import { gaussian, rng } from './helpers.js';

function planted(n: number, seed: number) {
  const g = gaussian(rng(seed));
  const cols: Float64Array[] = Array.from({ length: 20 }, () => Float64Array.from({ length: n }, () => g()));
  const y = Float64Array.from({ length: n }, (_, i) => 2 * cols[0][i] + Math.sin(3 * cols[1][i]) + cols[2][i] ** 2 + 0.3 * cols[3][i] + 0.5 * g());
  return { names: ['y', ...cols.map((_, j) => `x${j + 1}`)], columns: [y, ...cols] };
}

describe('planted example (issue 14)', () => {
  it('the four planted features rank first with intervals excluding 0; ≥ 12 of 16 independent ones reach 0; every interval holds its estimate', async () => {
    const r = await rankToTarget(planted(20000, 14), 'y', { ci: 0.95 });
    expect(r.method).toBe('bias-corrected');
    expect(new Set(r.ranking.slice(0, 4).map((e) => e.metric))).toEqual(new Set(['x1', 'x2', 'x3', 'x4']));
    for (const e of r.ranking) {
      expect(e.ci![0]).toBeLessThanOrEqual(e.estimate!);
      expect(e.estimate!).toBeLessThanOrEqual(e.ci![1]);
    }
    for (const e of r.ranking.slice(0, 4)) expect(e.ci![0]).toBeGreaterThan(0);
    const noise = r.ranking.filter((e) => !['x1', 'x2', 'x3', 'x4'].includes(e.metric));
    expect(noise.filter((e) => e.ci![0] <= 0).length).toBeGreaterThanOrEqual(12);
    // The plug-in values of the independent features are their bias, (15 · 15)/(2N ln 2) ≈ 0.008 bits; the estimates are near 0.
    for (const e of noise) expect(e.estimate!).toBeLessThan(0.002);
  }, 300_000);
  it('with permutations: excess ≈ 0 and q-values; --fdr restricts the top to significant metrics', async () => {
    const r = await rankToTarget(planted(5000, 15), 'y', { ci: 0.95, replicates: 200, permutations: 199, q: 0.05, orderBy: 'excess' });
    expect(r.orderBy).toBe('excess');
    expect(new Set(r.ranking.slice(0, 4).map((e) => e.metric))).toEqual(new Set(['x1', 'x2', 'x3', 'x4']));
    for (const e of r.ranking.slice(0, 4)) expect(e.q!).toBeLessThanOrEqual(0.05);
    for (const t of r.top) expect(['x1', 'x2', 'x3', 'x4']).toContain(t);
    const noise = r.ranking.filter((e) => !['x1', 'x2', 'x3', 'x4'].includes(e.metric));
    expect(noise.filter((e) => e.excessCi![0] <= 0 && 0 <= e.excessCi![1]).length).toBeGreaterThanOrEqual(14);
    for (const e of r.ranking) expect(e.excessCi![0] <= e.excess! && e.excess! <= e.excessCi![1]).toBe(true);
  });
});
