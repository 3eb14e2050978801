// Redundancy index on a hand-built matrix and on real NMI.
import { describe, expect, it } from 'vitest';
import { miMatrix, redundancyIndex, type PairMatrix } from '../src/index.js';

describe('redundancy index', () => {
  it('counts metrics carried by another above θ, per service, leaving constant ones out', () => {
    // a/x ~ a/y (0.9), b/z ~ a/x (0.5), b/w alone, b/c constant (diagonal 0).
    const names = ['a/x', 'a/y', 'b/z', 'b/w', 'b/c'];
    const v = [
      1, 0.9, 0.5, 0.1, 0,
      0.9, 1, 0.2, 0.1, 0,
      0.5, 0.2, 1, 0.05, 0,
      0.1, 0.1, 0.05, 1, 0,
      0, 0, 0, 0, 0,
    ];
    const m: PairMatrix = { names, size: 5, values: Float64Array.from(v), rowsUsed: new Uint32Array(25), measure: 'nmi' };
    const r = redundancyIndex(m, 0.4);
    expect(r.overall).toEqual({ share: 3 / 4, redundant: 3, metrics: 4 });
    expect(r.byService.a).toEqual({ share: 1, withinService: 1, redundant: 2, metrics: 2 });
    expect(r.byService.b).toEqual({ share: 0.5, withinService: 0, redundant: 1, metrics: 2 });
    expect(r.carriedBy['b/z']).toEqual({ by: 'a/x', value: 0.5 });
    expect(r.carriedBy['b/w']).toBeUndefined();
    expect(redundancyIndex(m, 0.95).overall.redundant).toBe(0);
    expect(() => redundancyIndex(m, 1.5)).toThrow(expect.objectContaining({ code: 'MS_BAD_OPTION' }));
  });
  it('uses |r| for correlations and works on a real NMI matrix', async () => {
    const m: PairMatrix = { names: ['s/a', 's/b'], size: 2, values: Float64Array.from([1, -0.8, -0.8, 1]), rowsUsed: new Uint32Array(4), measure: 'pearson' };
    expect(redundancyIndex(m, 0.5).overall.share).toBe(1);
    const x = Float64Array.from({ length: 500 }, (_, i) => i % 7);
    const nmi = await miMatrix({ 'p/x': x, 'p/copy': x.map((v) => v * 3 + 1), 'q/other': Float64Array.from({ length: 500 }, (_, i) => Math.floor(i / 100)) }, { measure: 'nmi' });
    const r = redundancyIndex(nmi, 0.9);
    expect(Object.keys(r.carriedBy).sort()).toEqual(['p/copy', 'p/x']);
    expect(r.byService.q.share).toBe(0);
  });
});
