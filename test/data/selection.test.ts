// The default selection on the shipped days (opt-in: reads ../shared/datasets). Invariants that
// must hold on any data (no duplicate pair, no constant, every kept metric, coverage as
// recomputed), and the independent yardstick of issue 12 measured and bounded where it is met.
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CoverageScorer, anomalousMetrics, binsForRows, callGraphFromSpans, correlationMatrix, greedyCover, miMatrix, readFaultList, readGraphCsv,
  readPetshopMetrics, readTrainTicketDay, readTraces, selectColumns, selectMetrics, toColumnTable, withoutRows, type CallGraph, type ColumnTable,
} from '../../src/index.js';
import { rng } from '../helpers.js';

const DATA = new URL('../../../shared/datasets/', import.meta.url).pathname;

async function check(table: ColumnTable, graph: CallGraph | undefined, anomalous: number[] | null) {
  const keep = [table.names.find((n) => /SuccessRate|availability/i.test(n)) ?? table.names[0]];
  const res = await selectMetrics(table, { graph, keep });
  const nmi = await miMatrix(table, { measure: 'nmi' });
  const H = nmi.columnEntropy.entropy;
  const idx = res.selected.map((n) => table.names.indexOf(n));
  expect(res.selected).toContain(keep[0]);
  for (const i of idx) if (table.names[i] !== keep[0]) expect(H[i]).toBeGreaterThan(0);
  const sp = await correlationMatrix(table, { method: 'spearman' });
  // No copy pair: in cover mode a duplicate is one on both scales (NMI at the selection's bins and |ρs|).
  const nmiSel = await miMatrix(table, { measure: 'nmi', bins: binsForRows(table.rows) });
  for (const i of idx) for (const j of idx) {
    // (NMI and ρs of a constant, such as a kept one, are NaN: no copy.)
    if (i < j) expect(Math.min(nmiSel.values[i * nmi.size + j] || 0, Math.abs(sp.values[i * sp.size + j]) || 0)).toBeLessThan(res.duplicateBound);
  }
  const U = table.names.map((_, i) => i).filter((i) => H[i] > 0);
  expect(res.measure).toBe('spearman');
  expect(res.coverage).toBeCloseTo(new CoverageScorer(sp, res.theta, U).coverage(idx), 12);
  expect(res.coverage).toBeGreaterThanOrEqual(res.minCoverage! - 1e-12);
  // The yardstick: |Spearman| > 0.8 over non-constant metrics, and the greedy set cover for the same coverage.
  const yard = new CoverageScorer(sp, 0.8, U);
  const y = yard.coverage(idx);
  const g = greedyCover(yard, U, [], { level: () => 0, entropy: H }, () => false);
  const G = g.points.find((p) => p.coverage >= y - 1e-12)!.size;
  const yA = anomalous ? new CoverageScorer(sp, 0.8, anomalous.filter((i) => H[i] > 0)).coverage(idx) : null;
  console.log(`${table.source}: ${idx.length} selected, yardstick ${(100 * y).toFixed(1)} %, anomalous ${yA === null ? 'n/a' : (100 * yA).toFixed(1) + ' %'}, ${(idx.length / G).toFixed(2)}× the greedy cover (${G})`);
  // The kept metric is the user's choice: the rest is what is compared with the cover.
  return { y, yA, ratio: (idx.length - 1) / G };
}

describe.skipIf(!existsSync(DATA))('default selection on the shipped data', () => {
  for (const day of ['2023-01-29', '2023-01-30']) {
    it(`Train Ticket ${day} with traces`, async () => {
      const dir = `${DATA}trainticket/${day}`;
      const table = await readTrainTicketDay(dir);
      const { graph } = callGraphFromSpans(await readTraces(`${dir}/trace`));
      const r = await check(table, graph, anomalousMetrics(table, await readFaultList(`${dir}/fault_list.json`)));
      expect(r.y).toBeGreaterThanOrEqual(0.9);
      expect(r.ratio).toBeLessThanOrEqual(1.25);
      // Anomalous-labelled metrics (never seen by the selection): 94.3 % and 93.7 % with the per-service floor
      // and the least-explained order at gain 1 (90.8 % and 96.2 % before it, 77–87 % without the floor;
      // bench/results/2026-12-01-selection.md, bench/results/2026-12-01-selection-robustness.md).
      expect(r.yA!).toBeGreaterThanOrEqual(0.9);
    });
  }
  for (const sc of ['high_traffic', 'low_traffic']) {
    it(`PetShop ${sc}`, async () => {
      const table = await readPetshopMetrics(`${DATA}petshop/${sc}/noissue/metrics.csv`);
      const r = await check(table, await readGraphCsv(`${DATA}petshop/${sc}/graph.csv`), null);
      expect(r.y).toBeGreaterThanOrEqual(0.9);
      expect(r.ratio).toBeLessThanOrEqual(1.25);
    });
  }
});

// The same targets on data the defaults were never tuned on (bench/selection-robustness.ts runs more):
// halves of a day's rows, a seeded random half of its metrics, and PetShop's issue windows joined.
describe.skipIf(!existsSync(DATA))('default selection on variants of the shipped data', () => {
  const targets = (r: { y: number; yA: number | null; ratio: number }) => {
    expect(r.y).toBeGreaterThanOrEqual(0.9);
    if (r.yA !== null) expect(r.yA).toBeGreaterThanOrEqual(0.9);
    expect(r.ratio).toBeLessThanOrEqual(1.25);
  };
  for (const day of ['2023-01-29', '2023-01-30']) {
    it(`Train Ticket ${day}: each half of the rows, and a random half of the metrics`, async () => {
      const dir = `${DATA}trainticket/${day}`;
      const table = await readTrainTicketDay(dir);
      const { graph } = callGraphFromSpans(await readTraces(`${dir}/trace`));
      const faults = await readFaultList(`${dir}/fault_list.json`);
      const half = table.rows >> 1;
      for (const first of [true, false]) {
        const part = withoutRows(table, Uint8Array.from({ length: table.rows }, (_, r) => ((r < half) === first ? 0 : 1)));
        const A = anomalousMetrics(part, faults);
        targets(await check(part, graph, A.length ? A : null));
      }
      const r = rng(1001);
      const picked = table.names.map((_, i) => ({ i, k: r() })).sort((a, b) => a.k - b.k).slice(0, table.names.length >> 1).map((x) => x.i).sort((a, b) => a - b);
      const sub = selectColumns(table, picked);
      targets(await check(sub, graph, anomalousMetrics(sub, faults)));
    });
  }
  for (const sc of ['temporal_traffic1', 'temporal_traffic2']) {
    it(`PetShop ${sc}: the 5-row issue windows joined`, async () => {
      const cols: Record<string, number[]> = {};
      let rows = 0;
      for (const part of ['train', 'test']) {
        for (const issue of readdirSync(`${DATA}petshop/${sc}/${part}`).sort()) {
          const t = await readPetshopMetrics(`${DATA}petshop/${sc}/${part}/${issue}/metrics.csv`);
          for (const n of t.names) cols[n] ??= new Array<number>(rows).fill(NaN);
          t.names.forEach((n, i) => cols[n].push(...t.columns[i].chunks[0].values));
          rows += t.rows;
          for (const n of Object.keys(cols)) while (cols[n].length < rows) cols[n].push(NaN);
        }
      }
      const names = Object.keys(cols).sort();
      const table = { ...toColumnTable(Object.fromEntries(names.map((n) => [n, Float64Array.from(cols[n])]))), source: `petshop/${sc} (issue windows joined)` };
      targets(await check(table, await readGraphCsv(`${DATA}petshop/${sc}/graph.csv`), null));
    });
  }
});
