// Numbers right at every magnitude: correlations and KSG are invariant to scaling a column by any
// positive factor, so a column times 1e±200 must give the same values as the column itself.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { correlation, correlationMatrix, correlationMatrixSync, ksgConfidenceIntervalSync, ksgMatrix, ksgMutualInformation } from '../src/index.js';
import { bivariate, cli, cliBuilt, errorOf, errorOfAsync, useTempDir } from './helpers.js';

const scales = [1e200, 1e155, 1e-161, 1e-200, 1e-300];
const times = (a: Float64Array, s: number) => a.map((v) => v * s);

describe('Pearson and Spearman for any finite values', () => {
  const [x, y] = bivariate(3000, 0.8, 11);
  const withGaps = (a: Float64Array) => a.map((v, t) => (t % 13 === 0 ? NaN : v));
  for (const method of ['pearson', 'spearman'] as const) {
    const ref = correlationMatrixSync({ x, y }, { method }).values;
    const refGaps = correlationMatrixSync({ x: withGaps(x), y }, { method }).values;
    it(`${method}: a column scaled by 1e±155…300 gives the same r, diagonal 1 (complete and with missing cells)`, async () => {
      expect(ref[1]).toBeGreaterThan(0.7);
      for (const s of scales) {
        for (const t of [s, 1 / s].filter(Number.isFinite)) {
          const m = (await correlationMatrix({ x: times(x, s), y: times(y, t) }, { method })).values;
          expect(m[0]).toBe(1);
          expect(m[3]).toBe(1);
          expect(m[1]).toBeCloseTo(ref[1], 12);
          const g = correlationMatrixSync({ x: withGaps(times(x, s)), y: times(y, t) }, { method }).values;
          expect(g[0]).toBe(1);
          expect(g[1]).toBeCloseTo(refGaps[1], 12);
          expect(correlation(times(x, s), times(y, t), { method }).value).toBeCloseTo(ref[1], 12);
        }
      }
    });
  }
  it('values spanning 1e-300…1e300 in one column: finite r, diagonal 1', () => {
    const wide = x.map((v, t) => v * (t % 2 ? 1e300 : 1e-300));
    const m = correlationMatrixSync({ wide, y }).values;
    expect(m[0]).toBe(1);
    expect(Number.isFinite(m[1])).toBe(true);
  });
});

describe('KSG at every magnitude', () => {
  // I(X; Y) = −½ ln(1 − ρ²) = 1.164 nats for ρ = 0.95.
  const [x, y] = bivariate(2000, 0.95, 5);
  const truth = -0.5 * Math.log(1 - 0.95 ** 2);
  it('x·1e160 and x·1e-160 give the MI of x (≈ 1.16 nats)', () => {
    const ref = ksgMutualInformation(x, y, { units: 'nats' }).value;
    expect(ref).toBeGreaterThan(truth - 0.1);
    expect(ref).toBeLessThan(truth + 0.1);
    for (const s of [1e160, 1e-160, 1e300]) {
      expect(ksgMutualInformation(times(x, s), y, { units: 'nats' }).value).toBeCloseTo(ref, 9);
      expect(ksgMutualInformation(times(x, s), y, { units: 'nats', jitter: 'none' }).value).toBeCloseTo(ksgMutualInformation(x, y, { units: 'nats', jitter: 'none' }).value, 9);
    }
  });
  it('the matrix too', async () => {
    const a = await ksgMatrix({ x, y }, { units: 'nats' });
    const b = await ksgMatrix({ x: times(x, 1e160), y: times(y, 1e-160) }, { units: 'nats' });
    expect(b.values[1]).toBeCloseTo(a.values[1], 9);
  });
  it('rejects ±Infinity with MS_BAD_INPUT naming the column and row, like Pearson', async () => {
    for (const inf of [Infinity, -Infinity]) {
      const xi = x.slice();
      xi[17] = inf;
      let e = errorOf(() => ksgMutualInformation(xi, y));
      expect(e.code).toBe('MS_BAD_INPUT');
      expect(e.message).toMatch(/"x".*row 17/);
      e = errorOf(() => correlationMatrixSync({ a: xi, b: y }));
      expect(e.code).toBe('MS_BAD_INPUT');
      e = await errorOfAsync(ksgMatrix({ a: y, b: xi }));
      expect(e.code).toBe('MS_BAD_INPUT');
      expect(e.message).toMatch(/"b".*row 17/);
      e = errorOf(() => ksgConfidenceIntervalSync(y, xi));
      expect(e.code).toBe('MS_BAD_INPUT');
      expect(e.message).toMatch(/row 17/);
    }
  });
  it('k ≥ rows: MS_BAD_OPTION for the matrix as for the pair; a pair with too few complete rows is NaN with a warning', async () => {
    const a = x.slice(0, 5), b = y.slice(0, 5);
    expect(errorOf(() => ksgMutualInformation(a, b, { k: 5 })).code).toBe('MS_BAD_OPTION');
    const e = await errorOfAsync(ksgMatrix({ a, b }, { k: 5 }));
    expect(e.code).toBe('MS_BAD_OPTION');
    expect(e.message).toMatch(/k = 5/);
    // c has 3 values: the pairs with c have 3 complete rows ≤ k = 3; (a, b) has 5 and is computed.
    const c = Float64Array.from([1, 2, 3, NaN, NaN]);
    const m = await ksgMatrix({ a, b, c }, { k: 3 });
    expect(Number.isNaN(m.values[1])).toBe(false);
    expect(Number.isNaN(m.values[2])).toBe(true);
    expect(m.warnings.map((w) => w.code)).toEqual(['MS_TOO_FEW_ROWS']);
    expect(m.warnings[0].message).toMatch(/2 pairs .*"a" ~ "c" \(3 rows\)/);
    expect((await ksgMatrix({ x, y })).warnings).toEqual([]);
  });
});

describe.skipIf(!cliBuilt)('matrix --measure ksg on the command line (needs `npm run build:ts`)', () => {
  const dir = useTempDir('magnitude');
  it('k ≥ rows exits 2 with MS_BAD_OPTION and writes nothing', async () => {
    const f = join(dir(), 'five.csv');
    writeFileSync(f, 'time,a,b\n0,1,5\n1,2,3\n2,3,4\n3,4,1\n4,5,2\n');
    const out = join(dir(), 'ksg.csv');
    const r = await cli('matrix', f, '--measure', 'ksg', '--k', '5', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MS_BAD_OPTION/);
    expect(r.stderr).toMatch(/k = 5/);
  });
});
