// The native resampling engine for conditional MI and transfer entropy (issues 11 and 14: one
// engine, one generator per draw, one p-value rule): observed values equal the TypeScript plug-in,
// draws do not depend on the thread count, async equals sync, nulls are calibrated, bad input has
// a code.
import { describe, expect, it } from 'vitest';
import { cmiOfCompact } from '../src/analysis/plugin.js';
import { permutationP } from '../src/analysis/intervals.js';
import { binding } from '../src/native.js';
import { errorOf, rng } from './helpers.js';

function codes(n: number, levels: number, r: () => number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(r() * levels));
}

/** X and T both depend on Z only (conditionally independent given Z). */
function condIndependent(n: number, seed: number): [Int32Array, Int32Array, Int32Array] {
  const r = rng(seed);
  const z = codes(n, 3, r);
  const x = Int32Array.from(z, (v) => (r() < 0.6 ? v : Math.floor(r() * 3)));
  const t = Int32Array.from(z, (v) => (r() < 0.6 ? v : Math.floor(r() * 3)));
  return [x, t, z];
}

function ksDistanceToUniform(p: number[]): number {
  const s = [...p].sort((a, b) => a - b);
  let d = 0;
  for (let i = 0; i < s.length; i++) d = Math.max(d, Math.abs(s[i] - (i + 1) / s.length), Math.abs(s[i] - i / s.length));
  return d;
}

describe('cmiResample', () => {
  it('observes the TypeScript plug-in CMI; draws are the same on 1 or 2 threads and async equals sync', async () => {
    const [x, t, z] = condIndependent(2_000, 5);
    const o = { la: 3, lb: 3, lc: 3, count: 200, block: 5, seed: 42 } as const;
    for (const mode of ['bootstrap', 'stratified'] as const) {
      const one = binding.cmiResample(x, t, z, { ...o, mode, threads: 1 }, false);
      const two = binding.cmiResample(x, t, z, { ...o, mode, threads: 2 }, false);
      const later = await binding.cmiResample(x, t, z, { ...o, mode, threads: 2 }, true);
      expect(one.observed).toBeCloseTo(cmiOfCompact(x, t, z, 3, 3, 3), 12);
      expect(Array.from(two.draws)).toEqual(Array.from(one.draws));
      expect(Array.from(later.draws)).toEqual(Array.from(one.draws));
      expect(one.draws.length).toBe(200);
      expect(new Set(one.draws).size).toBeGreaterThan(50);
      if (mode === 'stratified') expect(one.p).toBe(permutationP(one.observed, one.draws));
    }
  });

  it('stratified null: p-values uniform under conditional independence, minimal under dependence', () => {
    const ps: number[] = [];
    for (let s = 0; s < 150; s++) {
      const [x, t, z] = condIndependent(300, 100 + s);
      ps.push(binding.cmiResample(x, t, z, { la: 3, lb: 3, lc: 3, mode: 'stratified', count: 199, seed: s, threads: 2 }, false).p!);
    }
    // 1.36/√n: the 5 % critical value of the KS distance; p-values of 199 permutations are discrete.
    expect(ksDistanceToUniform(ps)).toBeLessThan(1.36 / Math.sqrt(ps.length) + 1 / 200);
    const [x, , z] = condIndependent(300, 7);
    const dep = binding.cmiResample(x, x, z, { la: 3, lb: 3, lc: 3, mode: 'stratified', count: 199, seed: 1, threads: 2 }, false);
    expect(dep.p).toBeCloseTo(1 / 200, 12);
  });

  it('bootstrap of a CMI sits around the plug-in value', () => {
    const r = rng(9);
    const z = codes(5_000, 4, r);
    const x = Int32Array.from(z, (v) => (v + Math.floor(r() * 2)) % 4);
    const t = Int32Array.from(x, (v) => (r() < 0.7 ? v : Math.floor(r() * 4)));
    const b = binding.cmiResample(x, t, z, { la: 4, lb: 4, lc: 4, mode: 'bootstrap', count: 400, seed: 3, threads: 2 }, false);
    const mean = b.draws.reduce((a, v) => a + v, 0) / b.draws.length;
    expect(Math.abs(mean - b.observed)).toBeLessThan(0.05 * b.observed);
  });

  it('bad input: lengths, codes out of range, not Int32Array, bad options', () => {
    const a = new Int32Array([0, 1, 0, 1]);
    expect(errorOf(() => binding.cmiResample(a, a, new Int32Array(3), { la: 2, lb: 2, lc: 2, mode: 'bootstrap', count: 10, seed: 0, threads: 1 }, false)).code).toBe('MS_LENGTH_MISMATCH');
    expect(errorOf(() => binding.cmiResample(a, new Int32Array([0, 5, 0, 1]), a, { la: 2, lb: 2, lc: 2, mode: 'bootstrap', count: 10, seed: 0, threads: 1 }, false)).code).toBe('MS_BAD_INPUT');
    expect(errorOf(() => binding.cmiResample(new Float64Array(4) as unknown as Int32Array, a, a, { la: 2, lb: 2, lc: 2, mode: 'bootstrap', count: 10, seed: 0, threads: 1 }, false)).code).toBe('MS_BAD_INPUT');
    expect(errorOf(() => binding.cmiResample(a, a, a, { la: 2, lb: 2, lc: 2, mode: 'bootstrap', count: 10, block: 3, seed: 0, threads: 1 }, false)).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => binding.cmiResample(a, a, a, { la: 2, lb: 2, lc: 2, mode: 'bootstrap', count: 10, seed: -1, threads: 1 }, false)).code).toBe('MS_BAD_OPTION');
  });
});

describe('teNull', () => {
  it('a lagged copy is found at its lag (p minimal), surrogates of independent series give uniform p-values', () => {
    const r = rng(11);
    const x = codes(1_000, 4, r);
    const y = new Int32Array(1_000);
    for (let t = 1; t < 1_000; t++) y[t] = x[t - 1];
    const hit = binding.teNull(x, y, { lx: 4, ly: 4, lag: 1, count: 99, block: 1, shift: false, seed: 0, threads: 2 }, false);
    expect(hit.observed).toBeCloseTo(Math.log(4), 1);
    expect(hit.p).toBeCloseTo(1 / 100, 12);
    expect(hit.rowsUsed).toBe(999);
    for (const shift of [false, true]) {
      const ps: number[] = [];
      for (let s = 0; s < 120; s++) {
        const q = rng(500 + s);
        ps.push(binding.teNull(codes(300, 3, q), codes(300, 3, q), { lx: 3, ly: 3, lag: 1, count: 99, block: 1, shift, seed: s, threads: 2 }, false).p!);
      }
      expect(ksDistanceToUniform(ps)).toBeLessThan(1.36 / Math.sqrt(ps.length) + 1 / 100);
    }
  });

  it('skips rows with a missing code; the same draws on 1 or 2 threads', () => {
    const r = rng(4);
    const x = codes(400, 3, r), y = codes(400, 3, r);
    x[10] = -1; y[20] = -1;
    const one = binding.teNull(x, y, { lx: 3, ly: 3, lag: 2, count: 50, block: 4, shift: false, seed: 8, threads: 1 }, false);
    const two = binding.teNull(x, y, { lx: 3, ly: 3, lag: 2, count: 50, block: 4, shift: false, seed: 8, threads: 2 }, false);
    expect(Array.from(two.draws)).toEqual(Array.from(one.draws));
    // rows t = 2…399 with y_t, x_{t−2}, y_{t−1} present: x[10] removes t = 12, y[20] removes t = 20 and 21.
    expect(one.rowsUsed).toBe(398 - 3);
  });
});
