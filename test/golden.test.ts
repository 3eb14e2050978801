// Native estimators against scikit-learn / scipy on the shipped Train Ticket example.
// The reference values and the command that made them are in test/golden/ (README.md there).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { correlationMatrix, discretize, miMatrix, selectColumns, type ColumnTable } from '../src/index.js';
import { readCsv } from '../src/io/csv.js';

interface GoldPair { i: number; j: number; mi_nats: number; h_x: number; h_y: number; h_xy: number; rows_used: number; nmi: Record<string, number> }
interface GoldCase {
  binning: 'quantile' | 'uniform'; bins: number; codes: { column: number; codes: number[] }[];
  entropy: { column: number; nats: number; rows_used: number }[]; pairs: GoldPair[]; skipped_pairs: [number, number][];
}
interface GoldSubset { columns: string[]; cases: GoldCase[] }
const binned = JSON.parse(readFileSync(new URL('./golden/binned.json', import.meta.url), 'utf8')) as GoldSubset & { missing_subset: GoldSubset };
const corr = JSON.parse(readFileSync(new URL('./golden/correlation.json', import.meta.url), 'utf8'));

let example: ColumnTable;
beforeAll(async () => {
  example = await readCsv(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url).pathname);
});

const TOL = 1e-10;

function checkSubset(label: string, subset: () => GoldSubset) {
  describe(label, () => {
    for (const k of [0, 1, 2, 3]) {
      it(`binned case ${k}: codes, entropies, MI and every NMI match`, async () => {
        const s = subset();
        const c = s.cases[k];
        const t = selectColumns(example, s.columns);
        for (const { column, codes } of c.codes) {
          const d = discretize(t.columns[column].chunks[0].values, { binning: c.binning, bins: c.bins });
          expect(Array.from(d.codes)).toEqual(codes);
        }
        const opts = { binning: c.binning, bins: c.bins, units: 'nats' } as const;
        const mi = await miMatrix(t, opts);
        for (const e of c.entropy) {
          expect(mi.columnEntropy.entropy[e.column]).toBeCloseTo(e.nats, 10);
          expect(mi.columnEntropy.rowsUsed[e.column]).toBe(e.rows_used);
        }
        const M = mi.size;
        for (const p of c.pairs) {
          expect(Math.abs(mi.values[p.i * M + p.j] - p.mi_nats)).toBeLessThan(TOL);
          expect(mi.rowsUsed[p.i * M + p.j]).toBe(p.rows_used);
        }
        for (const [i, j] of c.skipped_pairs) expect(mi.rowsUsed[i * M + j]).toBeLessThan(2);
        for (const norm of ['arithmetic', 'geometric', 'min', 'max'] as const) {
          const nmi = await miMatrix(t, { ...opts, measure: 'nmi', normalization: norm });
          for (const p of c.pairs) expect(Math.abs(nmi.values[p.i * M + p.j] - p.nmi[norm])).toBeLessThan(1e-9);
        }
      });
    }
  });
}
checkSubset('golden binned values (complete columns)', () => binned);
checkSubset('golden binned values (columns with missing cells)', () => binned.missing_subset);

describe('golden correlations', () => {
  const methods = [['pearson', 'pearson'], ['spearman', 'spearman'], ['kendall', 'kendall_b']] as const;
  for (const [method, key] of methods) {
    it(`${method} matches scipy on real data, with missing cells and undefined pairs`, async () => {
      for (const s of [corr, corr.missing_subset]) {
        const t = selectColumns(example, s.columns ?? corr.columns);
        const m = await correlationMatrix(t, { method });
        for (const p of s.pairs) {
          expect(Math.abs(m.values[p.i * m.size + p.j] - p[key])).toBeLessThan(1e-9);
          expect(m.rowsUsed[p.i * m.size + p.j]).toBe(p.rows_used);
        }
        for (const p of s.undefined_pairs) expect(m.values[p.i * m.size + p.j]).toBeNaN();
      }
    });
    it(`${method} matches scipy on heavily tied data`, async () => {
      const syn = corr.synthetic;
      const table = { names: syn.columns as string[], columns: (syn.data as (number | null)[][]).map((c) => c.map((v) => v ?? NaN)) };
      const m = await correlationMatrix(table, { method });
      expect(syn.pairs.length).toBe(10);
      for (const p of syn.pairs) expect(Math.abs(m.values[p.i * m.size + p.j] - p[key])).toBeLessThan(1e-12);
    });
  }
});
