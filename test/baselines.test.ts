// Baselines: SelectKBest, mRMR and the exact max-weight clique (checked exhaustively on small graphs).
import { describe, expect, it } from 'vitest';
import { maxWeightClique, mrmr, relevanceTo, selectKBest } from '../src/select/baselines.js';
import { miMatrix, toColumnTable } from '../src/index.js';
import { rng } from './helpers.js';

describe('SelectKBest and mRMR', () => {
  it('SelectKBest keeps both copies of the best feature; mRMR swaps the copy for new information', async () => {
    const r = rng(4);
    const n = 3000;
    const label = Float64Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
    const noisy = (p: number) => Float64Array.from(label, (y) => (r() < p ? y : 1 - y) * 3 + Math.floor(r() * 2));
    const best = noisy(0.95);
    const cols = { best, copy: best.slice(), other: noisy(0.8), junk: Float64Array.from({ length: n }, () => Math.floor(r() * 4)) };
    const table = toColumnTable(cols);
    const rel = relevanceTo(table, label);
    expect(rel[0]).toBe(rel[1]);
    expect(rel[2]).toBeGreaterThan(rel[3]);
    expect(selectKBest(rel, 2)).toEqual([0, 1]);
    const mi = await miMatrix(cols, { units: 'bits' });
    expect(mrmr(rel, mi, 2)).toEqual([0, 2]);
    expect(mrmr(rel, mi, 10)).toHaveLength(4);
    expect(() => selectKBest(rel, -1)).toThrow(expect.objectContaining({ code: 'MS_BAD_OPTION' }));
  });
});

describe('max-weight clique', () => {
  function brute(w: number[], adj: boolean[][]): number {
    let best = 0;
    for (let mask = 1; mask < 1 << w.length; mask++) {
      const vs = w.map((_, i) => i).filter((i) => mask & (1 << i));
      if (vs.every((a) => vs.every((b) => a === b || adj[a][b]))) best = Math.max(best, vs.reduce((s, v) => s + w[v], 0));
    }
    return best;
  }
  it('is optimal on random graphs (exhaustive check), as a clique of the MI ≤ ε graph', () => {
    const r = rng(9);
    for (let trial = 0; trial < 20; trial++) {
      const n = 13;
      const w = Array.from({ length: n }, () => Math.round(r() * 100) / 10);
      const mi = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) mi[i * n + j] = mi[j * n + i] = r();
      const eps = 0.3 + 0.4 * r();
      const adj = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => mi[i * n + j] <= eps));
      const res = maxWeightClique(w, { size: n, values: mi }, eps, w.map((_, i) => i));
      expect(res.optimal).toBe(true);
      expect(res.weight).toBeCloseTo(brute(w, adj), 9);
      for (const a of res.clique) for (const b of res.clique) if (a !== b) expect(mi[a * n + b]).toBeLessThanOrEqual(eps);
    }
  });
  it('says when the time cap stopped it', () => {
    const n = 400;
    const r = rng(2);
    const mi = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) mi[i * n + j] = mi[j * n + i] = r();
    const res = maxWeightClique(Array.from({ length: n }, () => 1 + r()), { size: n, values: mi }, 0.5, [...Array(n).keys()], 5);
    expect(res.optimal).toBe(false);
    expect(res.clique.length).toBeGreaterThan(1);
  });
});
