// All-pairs matrices: agreement with the single-pair calls, thread-count determinism, async
// cancellation and progress, thresholded output, float32, and Arrow / typed-array inputs.
import { Float64, Table, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  correlation, correlationMatrix, correlationMatrixSync, correlationPairsAbove, entropies, miMatrix, miMatrixSync,
  miPairsAbove, miTopK, correlationTopK, mutualInformation, normalizedMutualInformation, toColumnTable,
} from '../src/index.js';
import { mixedTable, rng } from './helpers.js';

const table = mixedTable(40, 3000);

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe('MI matrix', () => {
  it('equals the single-pair estimates, symmetric, diagonal H(X)', async () => {
    const m = await miMatrix(table, { bins: 8 });
    const h = await entropies(table, { bins: 8 });
    for (const [i, j] of [[0, 1], [1, 4], [3, 10], [5, 6], [38, 39]]) {
      const single = mutualInformation(table.columns[i], table.columns[j], { bins: 8 });
      expect(m.values[i * m.size + j]).toBe(single.value);
      expect(m.values[j * m.size + i]).toBe(single.value);
      expect(m.rowsUsed[i * m.size + j]).toBe(single.rowsUsed);
    }
    for (let i = 0; i < m.size; i++) expect(m.values[i * m.size + i]).toBe(h.entropy[i]);
    const nmi = await miMatrix(table, { bins: 8, measure: 'nmi', normalization: 'max' });
    expect(nmi.values[1 * m.size + 2]).toBe(normalizedMutualInformation(table.columns[1], table.columns[2], { bins: 8, normalization: 'max' }).value);
  });
  it('is bit-identical for 1, 2 and 3 threads, async and sync', async () => {
    const ref = miMatrixSync(table, { threads: 1 });
    for (const threads of [2, 3]) {
      expect(bytes((await miMatrix(table, { threads })).values).equals(bytes(ref.values))).toBe(true);
    }
    const c1 = correlationMatrixSync(table, { method: 'pearson', threads: 1 });
    const c3 = await correlationMatrix(table, { method: 'pearson', threads: 3 });
    expect(bytes(c3.values).equals(bytes(c1.values))).toBe(true);
  });
  it('returns only the pairs above a threshold, equal to the dense values', async () => {
    const dense = await miMatrix(table, { measure: 'nmi' });
    const list = await miPairsAbove(table, 0.01, { measure: 'nmi' });
    const expected: [number, number][] = [];
    for (let i = 0; i < dense.size; i++) for (let j = i + 1; j < dense.size; j++) if (dense.values[i * dense.size + j] > 0.01) expected.push([i, j]);
    expect(expected.length).toBeGreaterThan(10);
    expect(Array.from(list.i, (i, k) => [i, list.j[k]])).toEqual(expected);
    list.i.forEach((i, k) => expect(list.value[k]).toBe(dense.values[i * dense.size + list.j[k]]));
    const corr = await correlationPairsAbove(table, 0.3, { method: 'spearman' });
    for (let k = 0; k < corr.value.length; k++) expect(Math.abs(corr.value[k])).toBeGreaterThan(0.3);
  });
  it('top-k lists each column\'s best partners, as sorting the dense matrix would', async () => {
    const dense = await miMatrix(table, { measure: 'nmi' });
    const k = 3;
    const top = await miTopK(table, k, { measure: 'nmi', threads: 3 });
    expect(top.k).toBe(k);
    const M = dense.size;
    const expected: [number, number][] = [];
    for (let i = 0; i < M; i++) {
      const partners = [...Array(M).keys()].filter((j) => j !== i && !Number.isNaN(dense.values[i * M + j]));
      partners.sort((a, b) => dense.values[i * M + b] - dense.values[i * M + a] || a - b);
      for (const j of partners.slice(0, k)) expected.push([i, j]);
    }
    expect(Array.from(top.i, (i, x) => [i, top.j[x]])).toEqual(expected);
    top.i.forEach((i, x) => expect(top.value[x]).toBe(dense.values[i * M + top.j[x]]));
    const corr = await correlationTopK(table, 2, { method: 'pearson' });
    const r = await correlationMatrix(table, { method: 'pearson' });
    for (let x = 0; x < corr.i.length; x += 2) {
      const i = corr.i[x];
      const best = Math.max(...[...Array(M).keys()].filter((j) => j !== i).map((j) => Math.abs(r.values[i * M + j])).filter((v) => !Number.isNaN(v)));
      expect(Math.abs(corr.value[x])).toBe(best);
    }
  });
  it('shards over disjoint row ranges give every pair exactly once', async () => {
    const all = await miPairsAbove(table, -1);
    const parts = await Promise.all([[0, 7], [7, 25], [25, 40]].map((rows) => miPairsAbove(table, -1, { rows: rows as [number, number] })));
    expect(parts.flatMap((p) => Array.from(p.i, (i, x) => [i, p.j[x], p.value[x]]))).toEqual(Array.from(all.i, (i, x) => [i, all.j[x], all.value[x]]));
    expect(all.i.length).toBe((40 * 39) / 2);
    await expect(miPairsAbove(table, -1, { rows: [5, 2] })).rejects.toMatchObject({ code: 'MS_BAD_OPTION' });
  });
  it('float32 output agrees with float64', async () => {
    const a = await miMatrix(table), b = await miMatrix(table, { precision: 'float32' });
    expect(b.values).toBeInstanceOf(Float32Array);
    a.values.forEach((v, k) => expect(b.values[k]).toBeCloseTo(v, 5));
  });
  it('can be cancelled with an AbortSignal and reports progress', async () => {
    const big = mixedTable(300, 20000, 8);
    const ac = new AbortController();
    const seen: number[] = [];
    const p = miMatrix(big, { signal: ac.signal, threads: 1, onProgress: (d) => seen.push(d) });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'MS_ABORTED', name: 'MetricsiftError' });
    const pre = new AbortController();
    pre.abort();
    await expect(miMatrix(table, { signal: pre.signal })).rejects.toMatchObject({ code: 'MS_ABORTED' });
    const total = (40 * 39) / 2;
    const done: number[] = [];
    await miMatrix(table, { onProgress: (d, t) => { expect(t).toBe(total); done.push(d); } });
    expect(done.at(-1)).toBe(total);
  });
  it('keeps the event loop free while it runs', async () => {
    const big = mixedTable(200, 20000, 9);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await miMatrix(big, { threads: 1 });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('correlation matrix', () => {
  it('equals the single-pair calls for every method, with missing cells', async () => {
    for (const method of ['pearson', 'spearman', 'kendall'] as const) {
      const m = await correlationMatrix(table, { method });
      for (const [i, j] of [[0, 1], [1, 2], [2, 6], [9, 13]]) {
        const r = correlation(table.columns[i], table.columns[j], { method });
        expect(m.values[i * m.size + j]).toBeCloseTo(r.value, 12);
        expect(m.rowsUsed[i * m.size + j]).toBe(r.rowsUsed);
      }
      expect(m.values[5 * m.size + 1]).toBeNaN();  // column 5 is constant
    }
  });
  it('Spearman with missing cells: average ranks on each pair\'s common rows, then Pearson (a plain reference, ties and -0 included)', async () => {
    const r = rng(23);
    const n = 300;
    // Complete and gappy columns, tied and untied, some sharing a gap pattern, one with ±0.
    const gaps = [0, 0.05, 0.3];
    const cols: number[][] = [];
    for (let c = 0; c < 12; c++) {
      const tied = c % 3 === 0;
      const gap = gaps[c % 3];
      cols.push(Array.from({ length: n }, (_, t) => (r() < gap || (c === 7 && t % 9 === 0) ? NaN : tied ? Math.floor(r() * 5) : r())));
    }
    cols.push(cols[1].map((v, t) => (Number.isNaN(v) ? NaN : t % 2 ? -0 : 0) + (t % 4 < 2 ? 1 : 0)));
    const ranks = (v: number[]) => {
      const idx = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
      const out = new Array<number>(v.length);
      for (let s = 0; s < idx.length;) {
        let e = s + 1;
        while (e < idx.length && v[idx[e]] === v[idx[s]]) e++;
        for (let k = s; k < e; k++) out[idx[k]] = (s + e + 1) / 2;
        s = e;
      }
      return out;
    };
    const pearson = (a: number[], b: number[]) => {
      const ma = a.reduce((x, y) => x + y, 0) / a.length, mb = b.reduce((x, y) => x + y, 0) / b.length;
      let sab = 0, saa = 0, sbb = 0;
      for (let k = 0; k < a.length; k++) { sab += (a[k] - ma) * (b[k] - mb); saa += (a[k] - ma) ** 2; sbb += (b[k] - mb) ** 2; }
      return sab / Math.sqrt(saa * sbb);
    };
    const m = await correlationMatrix({ names: cols.map((_, c) => `c${c}`), columns: cols }, { method: 'spearman' });
    for (let i = 0; i < cols.length; i++) {
      for (let j = i + 1; j < cols.length; j++) {
        const rows = cols[i].map((_, t) => t).filter((t) => !Number.isNaN(cols[i][t]) && !Number.isNaN(cols[j][t]));
        const want = pearson(ranks(rows.map((t) => cols[i][t])), ranks(rows.map((t) => cols[j][t])));
        expect(m.rowsUsed[i * m.size + j]).toBe(rows.length);
        expect(Math.abs(m.values[i * m.size + j] - want), `${i},${j}`).toBeLessThan(1e-12);
      }
    }
  });
  it('Kendall tau-b agrees with the O(n²) definition on tied data', () => {
    const r = rng(7);
    const n = 700;
    const x = Array.from({ length: n }, () => Math.floor(r() * 6));
    const y = x.map((v) => (r() < 0.6 ? v : Math.floor(r() * 9)));
    let conc = 0, disc = 0, tx = 0, ty = 0;
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) {
      const dx = Math.sign(x[a] - x[b]), dy = Math.sign(y[a] - y[b]);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tx++; else if (dy === 0) ty++; else if (dx === dy) conc++; else disc++;
    }
    const brute = (conc - disc) / Math.sqrt((conc + disc + tx) * (conc + disc + ty));
    expect(correlation(x, y, { method: 'kendall' }).value).toBeCloseTo(brute, 13);
  });
  it('Kendall matrix: every path (untied x, y complete or not; tied x; three radix levels) equals the O(n²) definition', async () => {
    const r = rng(11);
    const n = 2500;  // ranks above 2^10: the inversion count runs all three 5-bit levels
    const base = Array.from({ length: n }, () => r());
    const cols = [
      base.map((v) => v + 0.3 * r()),                                     // untied, complete
      base.map((v) => v * v - 0.5 * r()),                                 // untied, complete
      base.map((v, t) => (t % 13 === 5 ? NaN : v + r())),                 // untied, missing cells
      base.map((v) => Math.floor(v * 40 + 8 * r())),                       // tied (~50 levels), complete
      base.map((v, t) => (t % 7 === 2 ? NaN : Math.round((v + r()) * 400))),  // lightly tied, missing
    ];
    const brute = (x: number[], y: number[]) => {
      let conc = 0, disc = 0, tx = 0, ty = 0;
      for (let a = 0; a < n; a++) {
        if (Number.isNaN(x[a]) || Number.isNaN(y[a])) continue;
        for (let b = a + 1; b < n; b++) {
          if (Number.isNaN(x[b]) || Number.isNaN(y[b])) continue;
          const dx = Math.sign(x[a] - x[b]), dy = Math.sign(y[a] - y[b]);
          if (dx === 0 && dy === 0) continue;
          if (dx === 0) tx++; else if (dy === 0) ty++; else if (dx === dy) conc++; else disc++;
        }
      }
      return (conc - disc) / Math.sqrt((conc + disc + tx) * (conc + disc + ty));
    };
    const m = await correlationMatrix({ names: cols.map((_, i) => `c${i}`), columns: cols.map((c) => Float64Array.from(c)) }, { method: 'kendall', threads: 2 });
    for (let i = 0; i < cols.length; i++) {
      for (let j = 0; j < cols.length; j++) {
        if (i === j) continue;
        expect(m.values[i * m.size + j]).toBeCloseTo(brute(cols[i], cols[j]), 13);
        expect(m.values[i * m.size + j]).toBe(correlation(cols[i], cols[j], { method: 'kendall' }).value);
      }
    }
  });
});

describe('inputs', () => {
  it('reads Arrow columns in place, honouring nulls and sliced offsets', async () => {
    const n = 1000;
    const xs = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : Math.sin(i)));
    const ys = Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : Math.sin(i) + Math.cos(i * 3)));
    const arrow = new Table({ x: vectorFromArray(xs, new Float64()), y: vectorFromArray(ys, new Float64()) });
    const t = toColumnTable(arrow);
    const chunk = arrow.getChild('x')!.data[0];
    expect(t.columns[0].chunks[0].values.buffer).toBe(chunk.values.buffer);  // no copy
    const asNaN = { x: Float64Array.from(xs, (v) => v ?? NaN), y: Float64Array.from(ys, (v) => v ?? NaN) };
    const a = await miMatrix(arrow), b = await miMatrix(asNaN);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(a.rowsUsed[1]).toBe(n - Math.ceil(n / 13) - Math.ceil(n / 17) + Math.ceil(n / 221));
    // A slice starting mid-byte of the validity bitmap, and several record batches.
    const sliced = arrow.slice(3, 803);
    const s = await miMatrix(sliced);
    const ref = await miMatrix({ x: asNaN.x.subarray(3, 803), y: asNaN.y.subarray(3, 803) });
    expect(Array.from(s.values)).toEqual(Array.from(ref.values));
    const batches = new Table([...arrow.slice(0, 500).batches, ...arrow.slice(500).batches]);
    expect(Array.from((await miMatrix(batches)).values)).toEqual(Array.from(b.values));
  });
  it('accepts every numeric typed array and plain arrays', async () => {
    const base = Array.from({ length: 200 }, (_, i) => (i * 37) % 50);
    const ref = mutualInformation(base, base.map((v) => v % 7)).value;
    for (const C of [Float32Array, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array]) {
      const m = await miMatrix({ a: C.from(base), b: C.from(base.map((v) => v % 7)) });
      expect(m.values[1]).toBe(ref);
    }
  });
});
