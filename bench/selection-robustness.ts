/**
 * Issue 12's targets for the default selection on data the defaults were never tuned on: each
 * Train Ticket day's first and second half of rows, random halves of the metrics (seeded), the
 * PetShop scenarios (also halved), and the synthetic layered app the tests generate (several seeds;
 * once with faults injected and labelled by the same rule as Train Ticket's). For each variant: the
 * default selection's yardstick coverage (selected or |Spearman| > 0.8 with a selected metric, over
 * non-constant metrics), the same over the metrics labelled anomalous where faults are known, and
 * the size against the greedy set cover's for the same coverage; plus the invariants (no copy pair
 * both selected, no constant selected, every `keep` metric selected — checked in a second run with
 * two kept metrics, one of them constant where the data has one).
 *
 *   npm run build:ts && nice node --import tsx bench/selection-robustness.ts [--only tt|petshop|synthetic] [--seeds 5]
 *
 * Writes bench/results/<date>-selection-robustness.{md,json}. The library call is the one `scan`
 * makes with its defaults (`selectMetrics(table, { graph })`); scan's own wall time is bench/selection.ts's.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  CoverageScorer, anomalousMetrics, binsForRows, callGraphFromSpans, correlationMatrix, greedyCover, miMatrix, readFaultList,
  readGraphCsv, readPetshopMetrics, readTrainTicketDay, readTraces, selectColumns, selectMetrics, withoutRows,
  type CallGraph, type ColumnTable, type Fault,
} from '../src/index.js';
import { syntheticApp } from '../test/synthetic-app.js';
import { gaussian, rng } from '../test/helpers.js';
import { joinRows } from './common.js';

const DATA = '../shared/datasets';
const arg = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
const only = arg('--only');
const SEEDS = Number(arg('--seeds') ?? 5);
const YARD = 0.8;

interface Row {
  dataset: string; variant: string; rows: number; metrics: number; informative: number; anomalous: number | null;
  size: number; yard: number; yardA: number | null; greedy: number; ratio: number;
  copyPairs: number; constants: number; keepMissing: number; seconds: number;
}
const rows: Row[] = [];

async function evaluate(dataset: string, variant: string, table: ColumnTable, graph: CallGraph | undefined, anomalous: number[] | null) {
  process.stderr.write(`${dataset} / ${variant}: ${table.names.length} metrics × ${table.rows} rows\n`);
  const t0 = performance.now();
  const res = await selectMetrics(table, { graph });
  const seconds = (performance.now() - t0) / 1000;
  const index = new Map(table.names.map((n, i) => [n, i]));
  const S = res.selected.map((n) => index.get(n)!);
  const sp = await correlationMatrix(table, { method: 'spearman' });
  const H = (await miMatrix(table, { measure: 'nmi' })).columnEntropy.entropy;
  // Copies on both scales (the cover mode's duplicate): NMI at the selection's bins and |ρs|.
  const nmiSel = await miMatrix(table, { measure: 'nmi', bins: binsForRows(table.rows) });
  const n = sp.size;
  const U = table.names.map((_, i) => i).filter((i) => H[i] > 0);
  const yard = new CoverageScorer(sp, YARD, U);
  const y = yard.coverage(S);
  const byEntropy = U.slice().sort((a, b) => H[b] - H[a] || a - b);
  const g = greedyCover(yard, byEntropy, [], { level: () => 0, entropy: H }, () => false);
  const G = g.points.find((p) => p.coverage >= y - 1e-12)?.size ?? NaN;
  const UA = anomalous?.filter((i) => H[i] > 0) ?? [];
  const yA = UA.length ? new CoverageScorer(sp, YARD, UA).coverage(S) : null;
  let copyPairs = 0;
  for (const i of S) for (const j of S) {
    if (i < j && Math.min(nmiSel.values[i * n + j] || 0, Math.abs(sp.values[i * n + j]) || 0) >= res.duplicateBound) copyPairs++;
  }
  const constants = S.filter((i) => !(H[i] > 0)).length;
  // `keep`: one informative metric the default left out and, where there is one, a constant.
  const left = U.find((i) => !S.includes(i));
  const constant = table.names.findIndex((_, i) => !(H[i] > 0));
  const keep = [left, constant].filter((i): i is number => i !== undefined && i >= 0).map((i) => table.names[i]);
  const kept = await selectMetrics(table, { graph, keep: keep.map((k) => new RegExp(`^${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)) });
  const keepMissing = keep.filter((k) => !kept.selected.includes(k)).length;
  rows.push({
    dataset, variant, rows: table.rows, metrics: table.names.length, informative: U.length, anomalous: anomalous ? UA.length : null,
    size: S.length, yard: y, yardA: yA, greedy: G, ratio: S.length / G, copyPairs, constants, keepMissing, seconds,
  });
}

/** Rows [from, to) of a table (row times kept). */
function rowRange(table: ColumnTable, from: number, to: number): ColumnTable {
  return withoutRows(table, Uint8Array.from({ length: table.rows }, (_, r) => (r >= from && r < to ? 0 : 1)));
}

/** A seeded random half of the metrics (column order kept). */
function metricHalf(table: ColumnTable, seed: number): { table: ColumnTable; picked: number[] } {
  const r = rng(seed);
  const order = table.names.map((_, i) => ({ i, k: r() })).sort((a, b) => a.k - b.k).map((x) => x.i);
  const picked = order.slice(0, Math.ceil(order.length / 2)).sort((a, b) => a - b);
  return { table: selectColumns(table, picked), picked };
}

if (!only || only === 'tt') {
  for (const day of ['2023-01-29', '2023-01-30']) {
    const dir = `${DATA}/trainticket/${day}`;
    const table = await readTrainTicketDay(dir);
    const { graph } = callGraphFromSpans(await readTraces(`${dir}/trace`));
    const faults = await readFaultList(`${dir}/fault_list.json`);
    const name = `Train Ticket ${day}`;
    await evaluate(name, 'whole day', table, graph, anomalousMetrics(table, faults));
    const half = Math.floor(table.rows / 2);
    for (const [v, a, b] of [['first half of rows', 0, half], ['second half of rows', half, table.rows]] as const) {
      const t = rowRange(table, a, b);
      await evaluate(name, v, t, graph, anomalousMetrics(t, faults));
    }
    const A = new Set(anomalousMetrics(table, faults));
    for (let s = 1; s <= SEEDS; s++) {
      const { table: t, picked } = metricHalf(table, 1000 + s);
      await evaluate(name, `random half of the metrics (seed ${1000 + s})`, t, graph, picked.flatMap((i, k) => (A.has(i) ? [k] : [])));
    }
  }
}

if (!only || only === 'petshop') {
  for (const sc of ['high_traffic', 'low_traffic']) {
    const table = await readPetshopMetrics(`${DATA}/petshop/${sc}/noissue/metrics.csv`);
    const graph = await readGraphCsv(`${DATA}/petshop/${sc}/graph.csv`);
    const name = `PetShop ${sc} (noissue)`;
    await evaluate(name, 'whole', table, graph, null);
    const half = Math.floor(table.rows / 2);
    await evaluate(name, 'first half of rows', rowRange(table, 0, half), graph, null);
    await evaluate(name, 'second half of rows', rowRange(table, half, table.rows), graph, null);
    for (let s = 1; s <= SEEDS; s++) await evaluate(name, `random half of the metrics (seed ${1000 + s})`, metricHalf(table, 1000 + s).table, graph, null);
  }
  for (const sc of ['temporal_traffic1', 'temporal_traffic2']) {
    const tables: ColumnTable[] = [];
    for (const part of ['train', 'test']) {
      for (const issue of readdirSync(`${DATA}/petshop/${sc}/${part}`).sort()) tables.push(await readPetshopMetrics(`${DATA}/petshop/${sc}/${part}/${issue}/metrics.csv`));
    }
    await evaluate(`PetShop ${sc}`, 'issue windows joined', joinRows(tables), await readGraphCsv(`${DATA}/petshop/${sc}/graph.csv`), null);
  }
}

if (!only || only === 'synthetic') {
  for (const seed of [7, 8, 9]) {
    const app = syntheticApp(1200, seed);
    await evaluate('synthetic layered app', `seed ${seed}`, toTable(app.columns), app.graph, null);
  }
  // Faults injected into the synthetic app and labelled by the Train Ticket rule (robust z-score in the window).
  for (const wide of [false, true]) {
    const { table, faults, graph } = faultyApp(1200, 11, wide);
    await evaluate('synthetic layered app', `seed 11, faults injected${wide ? ', 10 more independent metrics a service' : ''}`, table, graph, anomalousMetrics(table, faults));
  }
}

function toTable(columns: Record<string, Float64Array>, time?: string[]): ColumnTable {
  const names = Object.keys(columns);
  return {
    names, rows: columns[names[0]].length, time,
    columns: names.map((name) => ({ name, length: columns[name].length, chunks: [{ values: columns[name] }] })),
  } as ColumnTable;
}

/**
 * The synthetic app with 12 faults of 3 rows: each lifts one service's latency and errors and,
 * for half of the faults, its CPU (contention), over a one-minute grid. `wide`: each service also
 * has 10 metrics correlated with nothing (noise, bursts of events, slow drifts), so the per-service
 * floor leaves some uncovered; a fault also brings a burst of the first events series.
 */
function faultyApp(n: number, seed: number, wide: boolean): { table: ColumnTable; faults: Fault[]; graph: CallGraph } {
  const app = syntheticApp(n, seed);
  const r = rng(seed + 1), g = gaussian(r);
  if (wide) {
    for (const s of app.services) {
      for (let i = 0; i < 5; i++) app.columns[`${s}/noise${i}`] = Float64Array.from({ length: n }, () => 50 + 5 * g());
      for (let i = 0; i < 3; i++) app.columns[`${s}/events${i}`] = Float64Array.from({ length: n }, () => (r() < 0.05 ? 1 + Math.floor(4 * r()) : 0));
      for (let i = 0; i < 2; i++) {
        let w = 0;
        app.columns[`${s}/drift${i}`] = Float64Array.from({ length: n }, () => (w += g()));
      }
    }
  }
  const t0 = Date.UTC(2026, 0, 1);
  const time = Array.from({ length: n }, (_, i) => new Date(t0 + i * 60_000).toISOString());
  const faults: Fault[] = [];
  for (let k = 0; k < 12; k++) {
    const s = app.services[Math.floor(r() * app.services.length)];
    const at = 60 + Math.floor(((n - 120) * (k + r())) / 12);
    faults.push({ start: t0 + at * 60_000, end: t0 + (at + 3) * 60_000, service: s, type: k % 2 ? 'cpu_contention' : 'network_delay' });
    for (let i = at; i < at + 3; i++) {
      app.columns[`${s}/latency_p50`][i] *= 3 + g() * 0.2;
      app.columns[`${s}/latency_p99`][i] = app.columns[`${s}/latency_p50`][i] ** 1.5 + 1;
      app.columns[`${s}/errors`][i] += 10;
      if (wide) app.columns[`${s}/events0`][i] += 5;
      if (k % 2) {
        app.columns[`${s}/cpu`][i] += 50;
        app.columns[`${s}/cpu_rate`][i] = app.columns[`${s}/cpu`][i] / 2;
      }
    }
  }
  return { table: toTable(app.columns, time), faults, graph: app.graph };
}

// ---- report ----
const date = new Date().toISOString().slice(0, 10);
const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)} %`);
const hw = `${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end`;
const ok = (r: Row) => r.yard >= 0.9 && (r.yardA === null || r.yardA >= 0.9) && r.ratio <= 1.25 && r.copyPairs === 0 && r.constants === 0 && r.keepMissing === 0;
const md: string[] = [
  `# Selection on data the defaults never saw, ${date}`,
  '',
  `- ${hw}. Command: \`npm run build:ts && node --import tsx bench/selection-robustness.ts\`.`,
  '- The default selection (`selectMetrics(table, { graph })`, what `scan` runs with its defaults) on variants of the shipped data and of the synthetic app: halves of the rows, seeded random halves of the metrics, the PetShop scenarios, the layered app of test/synthetic-app.ts (and a copy with 12 injected faults of 3 rows, labelled by anomalousMetrics()). Train Ticket halves use the whole day\'s call graph and label the faults that fall in the half.',
  `- yard: selected or |Spearman| > ${YARD} with a selected metric, over non-constant metrics; yard_A: the same over the metrics labelled anomalous; G: the greedy set cover's size for the same coverage; ratio = size / G. copies: pairs both selected at or above the duplicate bound on both scales (NMI at the selection's bins and |ρs|); constants: constant metrics selected; keep: kept metrics missing from a second run with \`keep\` = one metric the default left out and one constant (where there is one).`,
  '- Targets: yard ≥ 90 %, yard_A ≥ 90 %, ratio ≤ 1.25, no copies, no constants, keep honoured.',
  '',
  '| dataset | variant | rows | metrics | informative | anomalous | size | yard | yard_A | G | ratio | copies | constants | keep missing | select (s) | targets |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const r of rows) {
  md.push(`| ${r.dataset} | ${r.variant} | ${r.rows} | ${r.metrics} | ${r.informative} | ${r.anomalous ?? 'n/a'} | ${r.size} | ${pct(r.yard)} | ${pct(r.yardA)} | ${r.greedy} | ${r.ratio.toFixed(2)} | ${r.copyPairs} | ${r.constants} | ${r.keepMissing} | ${r.seconds.toFixed(2)} | ${ok(r) ? 'met' : 'MISSED'} |`);
}
const worst = (f: (r: Row) => number | null, min = true) => {
  const v = rows.map(f).filter((x): x is number => x !== null);
  return v.length ? (min ? Math.min(...v) : Math.max(...v)) : null;
};
md.push('', `Worst over ${rows.length} variants: yard ${pct(worst((r) => r.yard))}, yard_A ${pct(worst((r) => r.yardA))}, ratio ${worst((r) => r.ratio, false)?.toFixed(2)}; ${rows.filter(ok).length} of ${rows.length} meet every target.`, '');
const dir = join('bench', 'results');
mkdirSync(dir, { recursive: true });
const suffix = only ? `-${only}` : '';
writeFileSync(join(dir, `${date}-selection-robustness${suffix}.md`), md.join('\n'));
writeFileSync(join(dir, `${date}-selection-robustness${suffix}.json`), JSON.stringify({ date, hardware: hw, rows }, null, 1));
process.stdout.write(md.join('\n'));
