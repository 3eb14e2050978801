// MI drift over sliding windows: each window's interval is the block bootstrap of that window, a
// sustained loss of dependence is flagged where it starts, a single-window dip is not, and bad
// windows are rejected with codes.
import { describe, expect, it } from 'vitest';
import { driftTable, miBootstrapIntervalSync, miDrift, miDriftSync } from '../src/index.js';
import { errorOf, errorOfAsync, gaussian, rng } from './helpers.js';

/** y follows x except on rows [from, to), where it is independent noise. */
function series(n: number, from: number, to: number, seed = 21): [Float64Array, Float64Array] {
  const g = gaussian(rng(seed));
  const x = Float64Array.from({ length: n }, () => g());
  const y = x.map((v, t) => (t >= from && t < to ? g() : v + 0.5 * g()));
  return [x, y];
}

describe('miDrift', () => {
  it('flags a sustained loss of dependence from where it starts, with each window its own bootstrap', async () => {
    const [x, y] = series(3000, 1500, 3000);
    const d = await miDrift(x, y, { window: 300, step: 150, bins: 4, replicates: 200, seed: 2 });
    expect(d.windows.length).toBe(19);
    expect(d.block).toBe('auto');  // chosen per window from the data (Politis–White): short blocks for i.i.d. rows
    expect(d.windows.every((w) => w.block >= 1 && w.block <= 8)).toBe(true);
    expect(d.baseline).toEqual({ start: 0, end: 300, windows: 1, mi: d.windows[0].mi, ci: d.windows[0].ci });
    // Window k is the bootstrap of its rows with seed + k.
    const w5 = d.windows[5];
    const ref = miBootstrapIntervalSync(x.subarray(750, 1050), y.subarray(750, 1050), { bins: 4, replicates: 200, level: 0.95, seed: 7 });
    expect([w5.start, w5.end, w5.mi, w5.estimate, w5.ci, w5.block]).toEqual([750, 1050, ref.mi, ref.estimate, ref.ci, ref.block]);
    expect(w5.rowsUsed).toBe(300);
    expect(w5.bins).toEqual([4, 4]);
    expect(w5.warnings).toEqual([]);  // 16 cells ≤ 300 / 5
    // Windows starting at or after row 1500 are independent: all below the baseline, one change
    // (window 9, rows 1350–1649, is half dependent and may or may not be below).
    expect(d.changes.length).toBe(1);
    expect(d.changes[0]).toMatchObject({ direction: 'down', lastWindow: 18, end: 3000 });
    expect([1350, 1500]).toContain(d.changes[0].start);
    expect(d.windows.slice(0, 9).every((w) => w.outside === 0 && !w.flagged)).toBe(true);
    expect(d.windows.slice(10).every((w) => w.outside === -1 && w.flagged)).toBe(true);
  });

  it('does not flag a single dip, unless persist is 1', async () => {
    const [x, y] = series(3000, 1200, 1500);
    const d = await miDrift(x, y, { window: 300, bins: 4, replicates: 200 });
    expect(d.step).toBe(300);
    expect(d.windows.map((w) => w.outside)).toEqual([0, 0, 0, 0, -1, 0, 0, 0, 0, 0]);
    expect(d.changes).toEqual([]);
    expect(d.windows.some((w) => w.flagged)).toBe(false);
    const one = await miDrift(x, y, { window: 300, bins: 4, replicates: 200, persist: 1 });
    expect(one.changes).toEqual([{ direction: 'down', firstWindow: 4, lastWindow: 4, start: 1200, end: 1500 }]);
  });

  it('compares with a baseline row range, flags a rise, and reports small samples and empty windows', async () => {
    const [x, y] = series(2400, 0, 1200);  // independent first, dependent from row 1200
    const d = await miDrift(x, y, { window: 200, bins: 4, replicates: 200, baseline: [0, 1000] });
    expect(d.baseline).toMatchObject({ start: 0, end: 1000, windows: 5 });
    expect(d.baseline.ci[0]).toBeCloseTo(d.windows.slice(0, 5).reduce((s, w) => s + w.ci[0], 0) / 5, 14);
    expect(d.changes).toEqual([{ direction: 'up', firstWindow: 6, lastWindow: 11, start: 1200, end: 2400 }]);
    // 16 × 16 bins on 200 rows: every window carries the small-sample warning.
    const big = await miDrift(x, y, { window: 200, replicates: 50 });
    expect(big.windows[0].bins).toEqual([16, 16]);
    expect(big.windows.every((w) => w.warnings.some((q) => q.code === 'MS_SMALL_SAMPLE'))).toBe(true);
    expect(big.warnings.map((q) => q.code)).toEqual(['MS_FEW_REPLICATES', 'MS_SMALL_SAMPLE']);  // 50 replicates < 100
    // A window with almost no complete rows gives NaN and a warning, not a number.
    const holes = y.map((v, t) => (t >= 400 && t < 595 ? NaN : v));
    const h = await miDrift(x, holes, { window: 200, bins: 4, replicates: 50 });
    expect(h.windows[2].mi).toBeNaN();
    expect(h.windows[2].outside).toBe(0);
    expect(h.windows[2].warnings.map((q) => q.code)).toContain('MS_TOO_FEW_ROWS');
  });

  it('rejects windows longer than the series, too short for the blocks, and bad baselines (async and Sync alike)', async () => {
    const [x, y] = series(100, 0, 0);
    expect(errorOf(() => miDriftSync(x, y, { window: 101 })).code).toBe('MS_WINDOW_TOO_LONG');
    expect((await errorOfAsync(miDrift(x, y, { window: 101 }))).code).toBe('MS_WINDOW_TOO_LONG');
    expect(errorOf(() => miDriftSync(x, y, { window: 20, block: 11 })).code).toBe('MS_TOO_FEW_ROWS');
    expect((await errorOfAsync(miDrift(x, y, { window: 20, block: 11 }))).code).toBe('MS_TOO_FEW_ROWS');
    expect(errorOf(() => miDriftSync(x, y, { window: 3 })).code).toBe('MS_BAD_OPTION');
    expect((await errorOfAsync(miDrift(x, y, { window: 3 }))).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => miDriftSync(x, y, { window: 20, baseline: [90, 120] })).code).toBe('MS_BAD_OPTION');
    expect((await errorOfAsync(miDrift(x, y, { window: 20, baseline: [90, 120] }))).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => miDriftSync(x, y, { window: 20, baseline: [5, 30] })).code).toBe('MS_BAD_OPTION');  // no whole window inside
    expect((await errorOfAsync(miDrift(x, y, { window: 20, baseline: [5, 30] }))).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => miDriftSync(x, y, { window: 20, level: 1.5 })).code).toBe('MS_BAD_OPTION');
    expect((await errorOfAsync(miDrift(x, y, { window: 20, level: 1.5 }))).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => miDriftSync(x, y.subarray(1), { window: 20 })).code).toBe('MS_LENGTH_MISMATCH');
    expect((await errorOfAsync(miDrift(x, y.subarray(1), { window: 20 }))).code).toBe('MS_LENGTH_MISMATCH');
    const allMissingStart = y.map((v, t) => (t < 20 ? NaN : v));
    expect(errorOf(() => miDriftSync(x, allMissingStart, { window: 20, replicates: 20 })).code).toBe('MS_TOO_FEW_ROWS');
    expect((await errorOfAsync(miDrift(x, allMissingStart, { window: 20, replicates: 20 }))).code).toBe('MS_TOO_FEW_ROWS');
  });
});

describe('driftTable', () => {
  it('follows named pairs or every metric against a target, with time labels', async () => {
    const [x, y] = series(600, 300, 600);
    const z = x.map((v) => -v);
    const t = { names: ['a', 'b', 'c'], columns: [x, y, z].map((c) => ({ name: '', chunks: [{ values: c }], length: 600 })), rows: 600, time: Array.from({ length: 600 }, (_, i) => `t${i}`) };
    t.columns.forEach((c, i) => (c.name = t.names[i]));
    const pairs = await driftTable(t, { pairs: [['a', 'b'], ['a', 'c']] }, { window: 100, bins: 4, replicates: 100 });
    expect(pairs.map((p) => [p.a, p.b])).toEqual([['a', 'b'], ['a', 'c']]);
    expect(pairs[0].windows[1].time).toEqual(['t100', 't199']);
    expect(pairs[0].changes.map((c) => c.direction)).toEqual(['down']);
    expect(pairs[1].changes).toEqual([]);
    const byTarget = await driftTable(t, { target: 'a' }, { window: 100, bins: 4, replicates: 100 });
    expect(byTarget.map((p) => [p.a, p.b])).toEqual([['b', 'a'], ['c', 'a']]);
    // A metric without rows in the baseline window: one warning among many pairs, an error for a named pair.
    const holes = { names: ['a', 'b', 'late'], columns: [x, y, y.map((v, i) => (i < 100 ? NaN : v))] };
    const late = (await driftTable(holes, { target: 'a' }, { window: 100, bins: 4, replicates: 50 }))[1];
    expect(late.b).toBe('a');
    expect(late.warnings.map((w) => w.code)).toContain('MS_TOO_FEW_ROWS');
    expect(late.changes).toEqual([]);
    expect((await errorOfAsync(driftTable(holes, { pairs: [['late', 'a']] }, { window: 100, replicates: 50 }))).code).toBe('MS_TOO_FEW_ROWS');
    expect((await errorOfAsync(driftTable(t, { pairs: [['a', 'nope']] }, { window: 100 }))).code).toBe('MS_COLUMN_MISSING');
    expect((await errorOfAsync(driftTable(t, { target: 'nope' }, { window: 100 }))).code).toBe('MS_TARGET_MISSING');
    expect((await errorOfAsync(driftTable(t, { target: 'a' }, { window: 1000 }))).code).toBe('MS_WINDOW_TOO_LONG');
  });
});
