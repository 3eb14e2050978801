// The native boundary owns what it reads: views over a SharedArrayBuffer are read like any other,
// and an input buffer transferred away (and collected) while an async call runs changes nothing,
// whether the call copied it (JS memory) or borrows it (the native CSV reader's buffer).
// Also run by test/sanitize.sh against the AddressSanitizer build.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  correlationMatrix, correlationMatrixSync, entropies, entropiesSync, ksgMatrix, ksgMutualInformation, miMatrix, miMatrixSync,
  mutualInformation, readCsv, type ColumnTable,
} from '../src/index.js';
import { rng } from './helpers.js';

// gc() without starting the worker with --expose-gc: the flag set now applies to new contexts.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** m columns × n rows of dependent noise, every column in its own buffer (shared or not). */
function columns(m: number, n: number, shared: boolean, seed = 7): Float64Array[] {
  const r = rng(seed);
  const base = Array.from({ length: n }, () => r());
  return Array.from({ length: m }, (_, c) => {
    const a = new Float64Array(shared ? new SharedArrayBuffer(8 * n) : new ArrayBuffer(8 * n));
    for (let t = 0; t < n; t++) a[t] = base[t] * (c % 3) + r() + (c === 2 && t % 17 === 0 ? NaN : 0);
    return a;
  });
}
const table = (cols: Float64Array[]) => ({ names: cols.map((_, c) => `c${c}`), columns: cols });

/** A column table whose chunks carry Arrow validity bitmaps (every 5th row null), offset by 3 bits. */
function withValidity(cols: Float64Array[], shared: boolean): ColumnTable {
  const n = cols[0].length;
  return {
    names: cols.map((_, c) => `c${c}`),
    rows: n,
    columns: cols.map((values, c) => {
      const validity = new Uint8Array(shared ? new SharedArrayBuffer(Math.ceil((n + 3) / 8)) : new ArrayBuffer(Math.ceil((n + 3) / 8)));
      for (let t = 0; t < n; t++) if ((t + c) % 5 !== 0) validity[(t + 3) >> 3] |= 1 << ((t + 3) & 7);
      return { name: `c${c}`, length: n, chunks: [{ values, validity, validityOffset: 3 }] };
    }),
  };
}

describe('SharedArrayBuffer inputs', () => {
  const n = 2000;
  const plain = columns(4, n, false), shared = columns(4, n, true);
  it('read like ArrayBuffer inputs by every entry point, sync and async', async () => {
    expect(shared[0].buffer).toBeInstanceOf(SharedArrayBuffer);
    expect((await entropies(table(shared))).entropy).toEqual((await entropies(table(plain))).entropy);
    expect(entropiesSync(table(shared)).entropy).toEqual(entropiesSync(table(plain)).entropy);
    expect((await miMatrix(table(shared))).values).toEqual((await miMatrix(table(plain))).values);
    expect(miMatrixSync(table(shared)).values).toEqual(miMatrixSync(table(plain)).values);
    expect((await correlationMatrix(table(shared))).values).toEqual((await correlationMatrix(table(plain))).values);
    expect(correlationMatrixSync(table(shared), { method: 'spearman' }).values).toEqual(correlationMatrixSync(table(plain), { method: 'spearman' }).values);
    expect(mutualInformation(shared[0], shared[1])).toEqual(mutualInformation(plain[0], plain[1]));
    expect(ksgMutualInformation(shared[0], shared[1])).toEqual(ksgMutualInformation(plain[0], plain[1]));
    expect((await ksgMatrix(table(shared.slice(0, 3)))).values).toEqual((await ksgMatrix(table(plain.slice(0, 3)))).values);
  });
  it('validity bitmaps in a SharedArrayBuffer too', async () => {
    const a = await miMatrix(withValidity(shared, true));
    const b = await miMatrix(withValidity(plain, false));
    expect(a.values).toEqual(b.values);
    expect(a.rowsUsed).toEqual(b.rowsUsed);
    expect(a.rowsUsed[1]).toBeLessThan(n);
  });
});

describe('an input transferred away during an async call', () => {
  // Long columns: coding them (a sort each) takes the job long enough that the buffers go while
  // it still reads them.
  const m = 40, n = 200_000;
  // Transfers every buffer away, collects the receiving clones (freeing the memory), then fills
  // fresh buffers of the same sizes with other numbers: the allocator hands the freed blocks out
  // again, so a job still reading the old pointers would see these values (or crash).
  const scribbled: Float64Array[] = [];
  const transferAll = (cols: Float64Array[], bitmaps: Uint8Array[] = []) => {
    for (const a of [...cols, ...bitmaps]) structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
    for (const a of cols) expect(a.length).toBe(0); // detached
    gc();
    gc();
    scribbled.length = 0;
    for (const a of cols) scribbled.push(new Float64Array(n).fill(1e9));
  };

  it('miMatrix: results unchanged, no crash', async () => {
    const ref = await miMatrix(table(columns(m, n, false)), { threads: 2 });
    const cols = columns(m, n, false);
    const pending = miMatrix(table(cols), { threads: 2 });
    transferAll(cols);
    const got = await pending;
    expect(got.values).toEqual(ref.values);
    expect(got.columnEntropy.entropy).toEqual(ref.columnEntropy.entropy);
  });
  it('miMatrix with validity bitmaps: results unchanged', async () => {
    const ref = await miMatrix(withValidity(columns(m, n, false), false), { threads: 2 });
    const t = withValidity(columns(m, n, false), false);
    const pending = miMatrix(t, { threads: 2 });
    transferAll(t.columns.map((c) => c.chunks[0].values as Float64Array), t.columns.map((c) => c.chunks[0].validity!));
    expect((await pending).values).toEqual(ref.values);
  });
  it('entropies, correlationMatrix and ksgMatrix: results unchanged', async () => {
    const refE = await entropies(table(columns(m, n, false)));
    const refC = await correlationMatrix(table(columns(m, n, false)), { method: 'spearman' });
    const refK = await ksgMatrix(table(columns(3, 20_000, false)));
    const a = columns(m, n, false), b = columns(m, n, false), c = columns(3, 20_000, false);
    const pe = entropies(table(a));
    const pc = correlationMatrix(table(b), { method: 'spearman' });
    const pk = ksgMatrix(table(c));
    transferAll([...a, ...b, ...c]);
    expect((await pe).entropy).toEqual(refE.entropy);
    expect((await pc).values).toEqual(refC.values);
    expect((await pk).values).toEqual(refK.values);
  });
});

describe('a table from the native CSV reader', () => {
  // Its values are one native buffer that async calls read in place (no copy): the call keeps the
  // memory alive, so a transfer and a collection while it runs change nothing.
  it('transferred away during miMatrix and correlationMatrix: results unchanged, no crash', async () => {
    const m = 16, n = 40_000;
    const cols = columns(m, n, false);
    const dir = mkdtempSync(join(tmpdir(), 'ms-boundary-'));
    try {
      const file = join(dir, 't.csv');
      const lines = [['time', ...cols.map((_, c) => `c${c}`)].join(',')];
      for (let t = 0; t < n; t++) lines.push([t, ...cols.map((a) => (Number.isNaN(a[t]) ? '' : a[t].toPrecision(6)))].join(','));
      writeFileSync(file, lines.join('\n') + '\n');
      const ref = await readCsv(file);
      const refMi = await miMatrix(ref, { threads: 2 });
      const refC = await correlationMatrix(ref, { method: 'spearman' });
      const t = await readCsv(file);
      const values = t.columns.map((c) => c.chunks[0].values as Float64Array);
      expect(new Set(values.map((v) => v.buffer)).size).toBe(1); // one buffer, column by column
      const pm = miMatrix(t, { threads: 2 });
      const pc = correlationMatrix(t, { method: 'spearman' });
      // Node may copy an external buffer instead of detaching it; either way nothing changes below.
      transferAllOnce(values[0].buffer as ArrayBuffer, values.length * n);
      expect([0, n]).toContain(values[0].length);
      expect((await pm).values).toEqual(refMi.values);
      expect((await pc).values).toEqual(refC.values);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Transfers one buffer away (or clones it), collects the clone, and fills fresh buffers of its size with other numbers. */
function transferAllOnce(buffer: ArrayBuffer, count: number): void {
  structuredClone(buffer, { transfer: [buffer] });
  gc();
  gc();
  const scribble = new Float64Array(count).fill(1e9);
  expect(scribble[0]).toBe(1e9);
}
