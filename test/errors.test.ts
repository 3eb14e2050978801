// Every bad input gets a MetricsiftError with a stable code and a message naming what was wrong.
import { describe, expect, it } from 'vitest';
import {
  correlationMatrix, entropy, miMatrix, miMatrixSync, miPairsAbove, mutualInformation, MetricsiftError, discretize,
} from '../src/index.js';

function codeOf(fn: () => unknown): { code?: string; message: string; name: string } {
  try {
    fn();
  } catch (e) {
    return e as MetricsiftError;
  }
  throw new Error('expected a throw');
}

describe('bad input', () => {
  const ok = { a: new Float64Array([1, 2, 3, 4]), b: new Float64Array([4, 3, 2, 1]) };

  it('mismatched lengths name both columns', () => {
    const e = codeOf(() => miMatrixSync({ a: new Float64Array(4), b: new Float64Array(5) }));
    expect(e.code).toBe('MS_LENGTH_MISMATCH');
    expect(e.message).toMatch(/"b" has 5 rows but column "a" has 4/);
    expect(codeOf(() => mutualInformation([1, 2], [1, 2, 3])).code).toBe('MS_LENGTH_MISMATCH');
  });
  it('duplicate column names', () => {
    const e = codeOf(() => miMatrixSync({ names: ['x', 'y', 'x'], columns: [[1, 2], [3, 4], [5, 6]] }));
    expect(e.code).toBe('MS_DUPLICATE_COLUMN');
    expect(e.message).toMatch(/"x"/);
  });
  it('zero rows and a single row', () => {
    expect(codeOf(() => miMatrixSync({ a: new Float64Array(0), b: new Float64Array(0) })).code).toBe('MS_NO_ROWS');
    expect(codeOf(() => miMatrixSync({ a: [1], b: [2] })).code).toBe('MS_TOO_FEW_ROWS');
    expect(codeOf(() => entropy([])).code).toBe('MS_NO_ROWS');
  });
  it('no columns', () => {
    expect(codeOf(() => miMatrixSync({})).code).toBe('MS_NO_COLUMNS');
  });
  it('non-numeric cells name the column and row', () => {
    const e = codeOf(() => miMatrixSync({ a: [1, 2, 'x' as unknown as number] }));
    expect(e.code).toBe('MS_NON_NUMERIC');
    expect(e.message).toMatch(/"a", row 2/);
  });
  it('bins < 2, bins too large, bad threads, unknown measure or binning', () => {
    for (const [opts, re] of [
      [{ bins: 1 }, /bins/], [{ bins: 2.5 }, /bins/], [{ bins: 5000 }, /bins/], [{ threads: 0 }, /threads/],
      [{ measure: 'ksg' }, /measure/], [{ binning: 'sturges' }, /binning/], [{ normalization: 'mean' }, /normalization/],
      [{ units: 'bans' }, /units/], [{ precision: 'float16' }, /precision/], [{ millerMadow: 'yes' }, /millerMadow/],
    ] as const) {
      const e = codeOf(() => miMatrixSync(ok, opts as object));
      expect(e.code).toBe('MS_BAD_OPTION');
      expect(e.message).toMatch(re);
    }
    expect(codeOf(() => discretize([1, 2, 3], { bins: 0 })).code).toBe('MS_BAD_OPTION');
  });
  it('bad edges', () => {
    expect(codeOf(() => discretize([1, 2], { edges: [2, 1] })).code).toBe('MS_BAD_EDGES');
    expect(codeOf(() => discretize([1, 2], { edges: [0, NaN] })).code).toBe('MS_BAD_EDGES');
    expect(codeOf(() => discretize([1, 2], { edges: [] })).code).toBe('MS_BAD_EDGES');
    expect(codeOf(() => discretize([1, 2], { edges: [1], binning: 'uniform' })).code).toBe('MS_BAD_OPTION');
  });
  it('unknown column in `columns`', () => {
    expect(codeOf(() => miMatrixSync(ok, { columns: ['a', 'nope'] })).message).toMatch(/"nope"/);
  });
  it('a detached buffer', () => {
    const a = new Float64Array([1, 2, 3, 4]);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    const e = codeOf(() => miMatrixSync({ a, b: new Float64Array(0) }));
    expect(e.code).toBe('MS_DETACHED_BUFFER');
    expect(e.message).toMatch(/"a"/);
    const c = new Float64Array([1, 2, 3]);
    const d = new Float64Array([1, 2, 3]);
    structuredClone(d.buffer, { transfer: [d.buffer] });
    expect(codeOf(() => miMatrixSync({ names: ['c', 'd'], columns: [c, d] })).code).toBe('MS_DETACHED_BUFFER');
  });
  it('wrong-typed buffers and inputs', () => {
    expect(codeOf(() => miMatrixSync({ a: new BigInt64Array(3) as unknown as Float64Array })).code).toBe('MS_BAD_INPUT');
    expect(codeOf(() => miMatrixSync('table' as never)).code).toBe('MS_BAD_INPUT');
    expect(codeOf(() => miMatrixSync({ a: 'abc' as never })).code).toBe('MS_BAD_INPUT');
  });
  it('infinite values with equal-width bins or Pearson name the column', async () => {
    // 40 distinct values, so the column is binned rather than kept as discrete.
    const good = Array.from({ length: 40 }, (_, i) => i);
    const t = { good, bad: good.map((v) => (v === 39 ? Infinity : v)) };
    const e = codeOf(() => miMatrixSync(t, { binning: 'uniform' }));
    expect(e.code).toBe('MS_BAD_INPUT');
    expect(e.message).toMatch(/"bad".*infinite/);
    await expect(correlationMatrix(t, { method: 'pearson' })).rejects.toMatchObject({ code: 'MS_BAD_INPUT' });
    expect((await correlationMatrix(t, { method: 'spearman' })).values[1]).toBeCloseTo(1, 12);
    expect(miMatrixSync(t).values[1]).toBeGreaterThan(0);  // quantile bins order infinities fine
  });
  it('threshold must be a number', async () => {
    await expect(miPairsAbove(ok, 'x' as never)).rejects.toMatchObject({ code: 'MS_BAD_OPTION' });
  });
  it('native errors are MetricsiftError with the caller in the stack', async () => {
    const err = (await miMatrix({ a: new Float64Array(0) }).catch((e: unknown) => e)) as MetricsiftError;
    expect(err).toBeInstanceOf(MetricsiftError);
    expect(err.name).toBe('MetricsiftError');
    expect(err.stack).toMatch(/errors\.test\.ts/);
  });
});
