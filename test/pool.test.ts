import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MetricsiftError, WorkerPool, createPool, driftTable, loadTraces, parseCsvBytes, parseCsvInPool, rankToTarget, readTable, readTables,
  selectMany, selectMetrics, shareTable, tableFromShared, threadBudget, toColumnTable, transferEntropies, transferEntropy,
} from '../src/index.js';
import { columnValues } from '../src/analysis/coding.js';
import { seededRandom } from '../src/analysis/random.js';

const dir = mkdtempSync(join(tmpdir(), 'metricsift-pool-'));
const pool = createPool({ workers: 2, threads: 2 });
afterAll(() => pool.close());

/** 30 metrics × 400 rows in 3 services: some follow the target (with lags and noise), ties, missing cells. */
function table(seed = 3, n = 400) {
  const rnd = seededRandom(seed);
  const target = Float64Array.from({ length: n }, (_, r) => Math.sin(r / 9) + rnd() * 0.5);
  const cols: Record<string, Float64Array> = { 'front/latency': target };
  for (let c = 0; c < 30; c++) {
    cols[`s${c % 3}/m${c}`] = Float64Array.from({ length: n }, (_, r) => {
      if ((r * 5 + c) % 37 === 0) return NaN;
      const v = c % 2 === 0 ? target[Math.max(0, r - (c % 4))] * (1 + c / 10) + rnd() * c / 10 : rnd();
      return c % 5 === 1 ? Math.round(v * 3) : v;
    });
  }
  return toColumnTable(cols);
}

describe('thread budget', () => {
  it('splits the budget: workers × native threads per task ≤ threads, never more workers than threads', async () => {
    expect(threadBudget(2, 2)).toEqual({ workers: 2, threadsPerTask: 1, threads: 2 });
    expect(threadBudget(2)).toEqual({ workers: 2, threadsPerTask: 1, threads: 2 });
    expect(threadBudget(2, 4)).toEqual({ workers: 2, threadsPerTask: 1, threads: 2 });
    expect(threadBudget(8, 3)).toEqual({ workers: 3, threadsPerTask: 2, threads: 8 });
    expect(threadBudget(1, 1)).toEqual({ workers: 1, threadsPerTask: 1, threads: 1 });
    for (let t = 1; t <= 16; t++) for (let w = 1; w <= 20; w++) {
      const b = threadBudget(t, w);
      expect(b.workers * b.threadsPerTask).toBeLessThanOrEqual(t);
    }
    expect(() => threadBudget(0)).toThrow(expect.objectContaining({ code: 'MS_BAD_OPTION' }));
    expect(() => threadBudget(2, 1.5)).toThrow(expect.objectContaining({ code: 'MS_BAD_OPTION', message: expect.stringContaining('workers') }));
    // The tasks' native calls get the per-task share, not the whole machine.
    const p = createPool({ workers: 4, threads: 2 });
    try {
      expect([p.workers, p.threadsPerTask]).toEqual([2, 1]);
      expect(await p.run('probe', { threads: true })).toBe(1);
    } finally {
      await p.close();
    }
    expect(pool.threadsPerTask).toBe(1);
  });
});

describe('shared and moved buffers', () => {
  it('shares a table once: every task sees the very same memory, and sharing again copies nothing', async () => {
    const t = table();
    const s = shareTable(t);
    expect(s.columns[0].buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shareTable(t)).toBe(s);
    const view = tableFromShared(s);
    expect(Array.from(columnValues(view.columns[4]))).toEqual(Array.from(columnValues(t.columns[4])));
    // A worker writes into the shared memory; this thread sees it in its own view.
    const before = view.columns[4].chunks[0].values[7];
    expect(await pool.run('probe', { table: s, column: 4, row: 7, value: 12345.5 })).toBe(before);
    expect(view.columns[4].chunks[0].values[7]).toBe(12345.5);
    // Columns that already live in a SharedArrayBuffer are used in place, not copied.
    const sab = new SharedArrayBuffer(3 * 8 * 100);
    const cols = [0, 1, 2].map((k) => new Float64Array(sab, k * 800, 100).fill(k));
    const own = shareTable(toColumnTable({ names: ['a', 'b', 'c'], columns: cols }));
    expect(own.columns.map((c) => [c.buffer === sab, c.byteOffset])).toEqual([[true, 0], [true, 800], [true, 1600]]);
    await pool.run('probe', { table: own, column: 2, row: 99, value: -1 });
    expect(cols[2][99]).toBe(-1);
  });

  it('moves CSV bytes to a worker (detached here) and the parsed columns back; same table as parsing here', async () => {
    const t = table(9, 120);
    const text = ['time,' + t.names.join(','), ...Array.from({ length: t.rows }, (_, r) => [r, ...t.columns.map((c) => String(c.chunks[0].values[r]))].join(','))].join('\n') + '\n';
    const here = await parseCsvBytes(new TextEncoder().encode(text), 'x.csv');
    const bytes = new TextEncoder().encode(text);
    expect(bytes.byteLength).toBeGreaterThan(0);
    const there = await parseCsvInPool(pool, bytes, 'x.csv');
    expect(bytes.byteLength).toBe(0); // moved, not copied
    expect(bytes.buffer.byteLength).toBe(0);
    expect(there.names).toEqual(here.names);
    for (let c = 0; c < here.columns.length; c++) expect(columnValues(there.columns[c])).toEqual(columnValues(here.columns[c]));
    expect(there.columns[0].chunks[0].values.buffer).toBeInstanceOf(ArrayBuffer);
    // Copy instead of move when asked; a view into a larger buffer cannot be moved.
    const kept = new TextEncoder().encode(text);
    await parseCsvInPool(pool, kept, 'x.csv', { move: false });
    expect(kept.byteLength).toBeGreaterThan(0);
    await expect(parseCsvInPool(pool, kept.subarray(1), 'x.csv')).rejects.toMatchObject({ code: 'MS_BAD_OPTION' });
  });
});

describe('errors across threads', () => {
  it('keep their class, name and code', async () => {
    const fail = (f: object) => pool.run('probe', { fail: f }).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    const m = await fail({ name: 'MetricsiftError', code: 'MS_BAD_INPUT', message: 'bad thing' });
    expect(m).toBeInstanceOf(MetricsiftError);
    expect([m!.name, m!.code, m!.message]).toEqual(['MetricsiftError', 'MS_BAD_INPUT', 'bad thing']);
    expect(m!.stack).toContain('pool.test.ts'); // the caller's frame, then the worker's
    expect(m!.stack).toContain('in a pool worker');
    const te = await fail({ name: 'TypeError', message: 'not a thing' });
    expect(te).toBeInstanceOf(TypeError);
    const re = await fail({ name: 'RangeError', code: 'ERR_X', message: 'too far' });
    expect(re).toBeInstanceOf(RangeError);
    expect(re!.code).toBe('ERR_X');
  });

  it('from real tasks: a missing file, a ragged CSV', async () => {
    const ragged = join(dir, 'ragged.csv');
    writeFileSync(ragged, 'time,a,b\n0,1,2\n1,3\n');
    await expect(readTables(pool, [join(dir, 'nope.csv')])).rejects.toSatisfy((e: unknown) => e instanceof MetricsiftError && e.code === 'MS_FILE_NOT_FOUND');
    const here = await readTable(ragged).catch((e: MetricsiftError) => e);
    const there = await readTables(pool, [ragged]).catch((e: MetricsiftError) => e);
    expect(there).toBeInstanceOf(MetricsiftError);
    expect([(there as MetricsiftError).code, (there as Error).message]).toEqual([(here as MetricsiftError).code, (here as Error).message]);
  });
});

describe('pool results equal the single-thread results, bit for bit', () => {
  const t = table();

  it('ranking: plain, with intervals, permutations and q-values, categorical target, confounder, KSG', async () => {
    const labels = Array.from({ length: t.rows }, (_, r) => (r % 40 < 10 ? 'fault' : r % 40 < 12 ? 'slow' : 'ok'));
    const cases: [unknown, object][] = [
      ['front/latency', {}],
      ['front/latency', { ci: 0.9, replicates: 120, permutations: 60, q: 0.2, seed: 4 }],
      ['front/latency', { orderBy: 'miller-madow', bins: 6 }],
      [labels, { permutations: 40, block: 3, orderBy: 'excess', targetName: 'faults' }],
      ['front/latency', { given: 's0/m0', permutations: 30, ci: 0.9, replicates: 60, block: 1 }],
      ['front/latency', { estimator: 'ksg', ci: 0.9, replicates: 20, permutations: 20, columns: ['s0/m0', 's1/m1', 's2/m2', 's0/m3', 's1/m4'] }],
    ];
    for (const [target, opts] of cases) {
      const one = await rankToTarget(t, target as string, { ...opts, threads: 1 });
      const many = await rankToTarget(t, target as string, { ...opts, pool });
      expect(many, JSON.stringify(opts)).toEqual(one);
    }
  }, 120_000);

  it('drift: against a target and for named pairs', async () => {
    const opts = { window: 80, step: 40, replicates: 80, seed: 2 };
    expect(await driftTable(t, { target: 'front/latency' }, { ...opts, pool })).toEqual(await driftTable(t, { target: 'front/latency' }, { ...opts, threads: 1 }));
    const pairs: [string, string][] = [['s0/m0', 's1/m1'], ['s2/m2', 'front/latency'], ['s0/m3', 's0/m6']];
    expect(await driftTable(t, { pairs }, { ...opts, estimator: 'ksg', replicates: 20, pool })).toEqual(await driftTable(t, { pairs }, { ...opts, estimator: 'ksg', replicates: 20 }));
    await expect(driftTable(t, { pairs: [['s0/m0', 'ghost']] }, { ...opts, pool })).rejects.toMatchObject({ code: 'MS_COLUMN_MISSING' });
  }, 120_000);

  it('transfer entropy over many pairs', async () => {
    const pairs: [string, string][] = t.names.slice(1, 9).map((n) => [n, 'front/latency']);
    const opts = { permutations: 50, lag: 2, seed: 1, ci: 0.9, replicates: 50 };
    const many = await transferEntropies(pool, t, pairs, opts);
    const one = pairs.map(([a, b]) => transferEntropy(columnValues(t.columns[t.names.indexOf(a)]), columnValues(t.columns[t.names.indexOf(b)]), opts));
    expect(many).toEqual(one);
    await expect(transferEntropies(pool, t, [['nope', 'front/latency']])).rejects.toMatchObject({ code: 'MS_COLUMN_MISSING' });
  }, 60_000);

  it('selection runs: several option sets and several days', async () => {
    const days = [table(3), table(4), table(5)];
    const strip = (r: Awaited<ReturnType<typeof selectMetrics>>) => ({ ...r, timing: undefined });
    const sets = [{ epsilon: 0.05 }, { epsilon: 0.2 }, { minCoverage: 0.9 }, { mode: 'flat' as const, theta: 0.6 }];
    const many = await selectMany(pool, days[0], sets);
    for (let k = 0; k < sets.length; k++) expect(strip(many[k])).toEqual(strip(await selectMetrics(days[0], sets[k])));
    const byDay = await selectMany(pool, days, { maxMetrics: 6 });
    for (let k = 0; k < days.length; k++) expect(strip(byDay[k])).toEqual(strip(await selectMetrics(days[k], { maxMetrics: 6 })));
    await expect(selectMany(pool, days[0], { serviceOf: () => 'x' })).rejects.toMatchObject({ code: 'MS_BAD_OPTION' });
  }, 120_000);

  it('reading many metric files and a directory of trace files', async () => {
    const paths = [0, 1, 2].map((k) => {
      const d = table(10 + k, 90);
      const p = join(dir, `day${k}.csv`);
      writeFileSync(p, ['time,' + d.names.join(','), ...Array.from({ length: d.rows }, (_, r) => [r, ...d.columns.map((c) => String(c.chunks[0].values[r]))].join(','))].join('\n') + '\n');
      return p;
    });
    const many = await readTables(pool, paths);
    for (let k = 0; k < paths.length; k++) {
      const one = await readTable(paths[k]);
      expect(many[k].names).toEqual(one.names);
      expect(many[k].time).toEqual(one.time);
      for (let c = 0; c < one.columns.length; c++) expect(columnValues(many[k].columns[c])).toEqual(columnValues(one.columns[c]));
    }
    // The fixtures directory holds traces of every shape and files that are not traces (skipped, with MetricsiftError reasons).
    const traces = join(import.meta.dirname, 'fixtures', 'traces');
    const one = await loadTraces(traces, { lenient: true });
    const there = await loadTraces(traces, { lenient: true, pool });
    expect(there).toEqual(one);
    expect(one.skipped.length).toBeGreaterThan(0);
    expect(one.spans.length).toBeGreaterThan(0);
    await expect(loadTraces(traces, { pool })).rejects.toMatchObject({ code: (await loadTraces(traces).catch((e: MetricsiftError) => e) as MetricsiftError).code });
  }, 60_000);

  it('a closed pool refuses work', async () => {
    const p = new WorkerPool({ workers: 1, threads: 1 });
    await p.close();
    await expect(p.run('probe', { threads: true })).rejects.toMatchObject({ code: 'MS_DISPOSED' });
  });
});

describe('metricsift rank|drift --workers', () => {
  it('writes the same output with and without a pool; a bad count is MS_BAD_OPTION, exit 2', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = join(import.meta.dirname, '..', 'bin', 'metricsift.js');
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    const t = table(21, 200);
    const csv = join(dir, 'cli.csv');
    writeFileSync(csv, ['time,' + t.names.join(','), ...Array.from({ length: t.rows }, (_, r) => [r, ...t.columns.map((c) => String(c.chunks[0].values[r]))].join(','))].join('\n') + '\n');
    for (const args of [['rank', csv, '--target', 'front/latency', '--permutations', '30', '--ci', '0.9', '--replicates', '50'], ['drift', csv, '--target', 'front/latency', '--window', '50', '--replicates', '40']]) {
      const one = run(...args, '--json', '--threads', '2');
      const two = run(...args, '--json', '--threads', '2', '--workers', '2');
      expect(one.status, one.stderr).toBe(0);
      expect(two.status, two.stderr).toBe(0);
      expect(two.stdout).toBe(one.stdout);
    }
    const bad = run('rank', csv, '--target', 'front/latency', '--workers', '0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--workers.*MS_BAD_OPTION/);
  }, 120_000);
});
