// KSG estimators: agreement with a straightforward O(n²) implementation of the same definitions,
// analytic Gaussian truths, invariances, conditional MI of a Markov chain, and bad input.
import { describe, expect, it } from 'vitest';
import { ksgConditionalMutualInformation, ksgMutualInformation } from '../src/index.js';
import { bivariate, gaussian, rng } from './helpers.js';

// ψ(m) for integers, and the estimators by brute force on standardised data (no jitter).
const psi = (m: number) => { let s = -0.5772156649015329; for (let j = 1; j < m; j++) s += 1 / j; return s; };
const standardise = (v: ArrayLike<number>) => {
  const n = v.length, mean = Array.from(v).reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(Array.from(v).reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return Array.from(v, (x) => x / sd);
};
function brute(sets: number[][][], k: number, algorithm: 1 | 2): number {
  const S = sets.map((set) => set.map(standardise));
  const n = S[0][0].length;
  const d = (set: number[][], a: number, b: number) => Math.max(...set.map((c) => Math.abs(c[a] - c[b])));
  const joint = S.flat();
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const nb = [...Array(n).keys()].filter((j) => j !== i).map((j) => [d(joint, i, j), j]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, k);
    if (sets.length === 3) {  // CMI: X, Y, Z
      const eps = nb[k - 1][0];
      const cnt = (set: number[][]) => [...Array(n).keys()].filter((j) => j !== i && d(set, i, j) < eps).length;
      acc += psi(cnt([...S[0], ...S[2]]) + 1) + psi(cnt([...S[1], ...S[2]]) + 1) - psi(cnt(S[2]) + 1);
    } else if (algorithm === 1) {
      const eps = nb[k - 1][0];
      for (const set of S) acc += psi([...Array(n).keys()].filter((j) => j !== i && d(set, i, j) < eps).length + 1);
    } else {
      for (const set of S) {
        const e = Math.max(...nb.map(([, j]) => d(set, i, j)));
        acc += psi([...Array(n).keys()].filter((j) => j !== i && d(set, i, j) <= e).length);
      }
    }
  }
  if (sets.length === 3) return psi(k) - acc / n;
  return psi(k) + psi(n) - (algorithm === 2 ? 1 / k : 0) - acc / n;
}

const opts = { jitter: 'none', units: 'nats' } as const;

describe('KSG against an O(n²) implementation of the definitions (no jitter)', () => {
  const [a, b] = bivariate(250, 0.7, 5);
  const g = gaussian(rng(8));
  const c = Float64Array.from(a, (v) => v * v + 0.3 * g());
  for (const k of [1, 3, 5]) {
    for (const algorithm of [1, 2] as const) {
      it(`scalar pair, k = ${k}, algorithm ${algorithm}`, () => {
        expect(ksgMutualInformation(a, b, { ...opts, k, algorithm }).value).toBeCloseTo(brute([[Array.from(a)], [Array.from(b)]], k, algorithm), 9);
      });
    }
  }
  it('multivariate X = (a, c) against Y = b, both algorithms', () => {
    for (const algorithm of [1, 2] as const) {
      expect(ksgMutualInformation([a, c], b, { ...opts, algorithm }).value).toBeCloseTo(brute([[Array.from(a), Array.from(c)], [Array.from(b)]], 3, algorithm), 9);
    }
  });
  it('conditional MI I(a; b | c)', () => {
    expect(ksgConditionalMutualInformation(a, b, c, opts).value).toBeCloseTo(brute([[Array.from(a)], [Array.from(b)], [Array.from(c)]], 3, 1), 9);
  });
});

describe('KSG scalar search (x strips in y order) against the definitions and the k-d tree', () => {
  const n = 251;  // not a multiple of the 4-query groups or of the strip size
  const g = gaussian(rng(41));
  const x = Float64Array.from({ length: n }, () => g());
  const cases: Record<string, [Float64Array, Float64Array]> = {
    'near-duplicate (ρ ≈ 0.9999)': [x, x.map((v) => v + 0.01 * g())],
    'exact copy': [x, x.slice()],
    'heavy tail with an outlier': [x.map((v, i) => (i === 7 ? 1e6 : Math.exp(2 * v))), x.map(() => g())],
    'ties: a 3-level x against a 5-level y': [Float64Array.from(x, (v) => Math.round(v)), Float64Array.from(x, (v) => Math.round(2 * v + g()))],
  };
  for (const [name, [a, b]] of Object.entries(cases)) {
    it(`${name}: every k with a specialised path and a few without, both algorithms`, () => {
      for (const k of [1, 2, 3, 4, 5, 6, 7, 8, 10, 12]) {
        for (const algorithm of [1, 2] as const) {
          if (algorithm === 2 && k > 3) continue;
          const want = brute([[Array.from(a)], [Array.from(b)]], k, algorithm);
          expect(ksgMutualInformation(a, b, { ...opts, k, algorithm }).value, `k = ${k}, algorithm ${algorithm}`).toBeCloseTo(want, 9);
        }
      }
    });
  }
  it('equals the k-d tree path at n = 20,000 (X = (a, a) has the same max-norm geometry as a): Gaussian, heavy-tailed and tied, with and without jitter', () => {
    const [a, b] = bivariate(20000, 0.8, 43);
    const heavy = a.map((v) => Math.exp(3 * v));
    const tied = b.map((v) => Math.round(3 * v));  // 20-odd levels: window ends found from the previous ones
    for (const o of [opts, { units: 'nats' } as const]) {
      for (const k of [3, 7]) {
        expect(ksgMutualInformation(a, b, { ...o, k }).value).toBeCloseTo(ksgMutualInformation([a, a], b, { ...o, k }).value, 9);
        expect(ksgMutualInformation(heavy, b, { ...o, k }).value).toBeCloseTo(ksgMutualInformation([heavy, heavy], b, { ...o, k }).value, 9);
        expect(ksgMutualInformation(a, tied, { ...o, k }).value).toBeCloseTo(ksgMutualInformation(a, [tied, tied], { ...o, k }).value, 9);
      }
    }
  });
  it('does not depend on argument order (the jitter follows each variable)', () => {
    const d = Float64Array.from({ length: 3000 }, (_, i) => i % 7);
    const e = Float64Array.from(d, (v) => (v * 3) % 5 + (v > 3 ? 1 : 0));
    expect(ksgMutualInformation(e, d).value).toBe(ksgMutualInformation(d, e).value);
  });
});

describe('KSG truths and invariances', () => {
  it('bivariate Gaussian: within the known small bias of −½·ln(1−ρ²) at n = 1,000 and 28,800', () => {
    for (const n of [1000, 28800]) {
      for (const rho of [0, 0.3, 0.6, 0.9, 0.99]) {
        const [x, y] = bivariate(n, rho, 11);
        const truth = -0.5 * Math.log(1 - rho * rho);
        const est = ksgMutualInformation(x, y, { units: 'nats' }).value;
        expect(Math.abs(est - truth)).toBeLessThan(n === 1000 ? 0.06 : 0.02);
      }
    }
  });
  it('multivariate Gaussian: I((x1, x2); y) = ½·ln(det Σx · det Σy / det Σ)', () => {
    const n = 5000, g = gaussian(rng(13));
    const x1 = new Float64Array(n), x2 = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { x1[i] = g(); x2[i] = g(); y[i] = 0.6 * x1[i] + 0.5 * x2[i] + 0.6 * g(); }
    // Var y = 0.36 + 0.25 + 0.36 = 0.97; Cov(x1, y) = 0.6, Cov(x2, y) = 0.5; det Σ = 0.97 − 0.36 − 0.25 = 0.36.
    const truth = 0.5 * Math.log(0.97 / 0.36);
    expect(ksgMutualInformation([x1, x2], y, { units: 'nats' }).value).toBeCloseTo(truth, 1);
  });
  it('is symmetric, ≈ 0 for independent data, and invariant to a strictly monotone transform (no standardising, no ties)', () => {
    const [x, y] = bivariate(3000, 0.8, 17);
    const xy = ksgMutualInformation(x, y, opts).value;
    expect(ksgMutualInformation(y, x, opts).value).toBeCloseTo(xy, 10);
    const [u, v] = bivariate(3000, 0, 19);
    expect(Math.abs(ksgMutualInformation(u, v, opts).value)).toBeLessThan(0.02);
    // Ranks are invariant to monotone maps; KSG on exp(x) vs x differs only through the geometry: close, not equal.
    expect(ksgMutualInformation(x.map(Math.exp), y, { ...opts, standardize: false }).value).toBeCloseTo(xy, 1);
  });
  it('Markov chain X → Y → Z: I(X; Z | Y) ≈ 0 while I(X; Z) is not', () => {
    const n = 4000, g = gaussian(rng(23));
    const x = Float64Array.from({ length: n }, () => g());
    const y = x.map((v) => v + 0.5 * g());
    const z = y.map((v) => v + 0.5 * g());
    expect(Math.abs(ksgConditionalMutualInformation(x, z, y, { units: 'nats' }).value)).toBeLessThan(0.03);
    expect(ksgMutualInformation(x, z, { units: 'nats' }).value).toBeGreaterThan(0.5);
  });
  it('the seeded jitter is reproducible and breaks ties in discrete data', () => {
    const d = Float64Array.from({ length: 600 }, (_, i) => i % 4);
    const e = d.map((v, i) => (i % 7 === 0 ? (v + 1) % 4 : v));
    const a1 = ksgMutualInformation(d, e, { jitter: 1 }).value;
    expect(ksgMutualInformation(d, e, { jitter: 1 }).value).toBe(a1);
    expect(a1).toBeGreaterThan(0.5);
  });
});

describe('KSG bad input', () => {
  const x = [1, 2, 3, 4, 5], y = [2, 1, 4, 3, 5];
  it('k out of range, too few rows, constant, infinite, mismatched, empty sets: codes', () => {
    const code = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as { code: string }).code; } return 'none'; };
    expect(code(() => ksgMutualInformation(x, y, { k: 5 }))).toBe('MS_BAD_OPTION');
    expect(code(() => ksgMutualInformation(x, y, { k: 0 }))).toBe('MS_BAD_OPTION');
    expect(code(() => ksgMutualInformation([1, NaN, NaN, NaN, 2], y, { k: 3 }))).toBe('MS_TOO_FEW_ROWS');
    expect(code(() => ksgMutualInformation([1, 1, 1, 1, 1], y, { k: 2 }))).toBe('MS_BAD_INPUT');
    expect(code(() => ksgMutualInformation([1, Infinity, 3, 4, 5], y, { k: 2 }))).toBe('MS_BAD_INPUT');
    expect(code(() => ksgMutualInformation([1, 2, 3], y, { k: 1 }))).toBe('MS_LENGTH_MISMATCH');
    expect(code(() => ksgMutualInformation([], y))).toBe('MS_BAD_INPUT');
    expect(code(() => ksgMutualInformation(x, y, { jitter: -1 }))).toBe('MS_BAD_OPTION');
  });
});

describe('KSG matrix', () => {
  it('equals the single-pair calls (pairwise-complete rows), bit-identical for 1 and 3 threads', async () => {
    const { ksgMatrix } = await import('../src/index.js');
    const g = gaussian(rng(31));
    const n = 400;
    const base = Float64Array.from({ length: n }, () => g());
    const cols = [0, 1, 2, 3].map((c) => Float64Array.from(base, (v) => v * (c / 3) + g() + (c === 2 && g() > 1.5 ? NaN : 0)));
    const table = { names: ['a', 'b', 'c', 'd'], columns: cols };
    const m1 = await ksgMatrix(table, { threads: 1 });
    const m3 = await ksgMatrix(table, { threads: 3, k: 3 });
    expect(Buffer.from(m1.values.buffer).equals(Buffer.from(m3.values.buffer))).toBe(true);
    for (const [i, j] of [[0, 1], [1, 2], [2, 3], [0, 3]]) {
      const single = ksgMutualInformation(cols[i], cols[j]);
      expect(m1.values[i * 4 + j]).toBe(single.value);  // the jitter follows the values, so bit for bit
      expect(m1.values[j * 4 + i]).toBe(m1.values[i * 4 + j]);
      expect(m1.rowsUsed[i * 4 + j]).toBe(single.rowsUsed);
    }
    expect(m1.values[0]).toBeNaN();
    const { ksgPairsAbove } = await import('../src/index.js');
    const above = await ksgPairsAbove(table, 0.3);
    const expected = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]].filter(([i, j]) => m1.values[i * 4 + j] > 0.3);
    expect(Array.from(above.i, (i, x) => [i, above.j[x]])).toEqual(expected);
    above.i.forEach((i, x) => expect(above.value[x]).toBeCloseTo(m1.values[i * 4 + above.j[x]], 12));
    expect(m1.rowsUsed[2 * 4 + 3]).toBeLessThan(n);
  });
});

describe('KSG against scikit-learn (test/golden/ksg.json, with the command that made it)', () => {
  it('mutual_info_regression values agree to rounding', async () => {
    const { readFileSync } = await import('node:fs');
    const golden = JSON.parse(readFileSync(new URL('./golden/ksg.json', import.meta.url), 'utf8'));
    expect(golden.cases).toHaveLength(5);
    for (const c of golden.cases) {
      expect(ksgMutualInformation(c.x, c.y, { k: c.k, units: 'nats' }).value).toBeCloseTo(c.sklearn_nats, 9);
    }
  });
});
