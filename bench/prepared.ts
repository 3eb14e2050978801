/**
 * Issue 11's benchmark: what the prepared table saves, old and new path side by side in one run.
 *
 * - scan: the native matrices of `selectMetrics` on the shipped example (879 metrics × 741 rows,
 *   16 quantile bins). Before: an MI matrix, then an NMI matrix, each binning the table again
 *   (the one-shot miMatrix calls, still public). After: one prepare, MI and NMI from one pass.
 * - rank --ci: rankToTarget with a 95 % interval (1,000 replicates) and 999 permutations on 40
 *   metrics of the example. Before (the previous commit's sequence, rebuilt from public calls): the
 *   all-metrics pass, then per metric a discretize of it and a native bootstrap and permutation
 *   that re-bin the metric and the target (4 codings a metric, 2 of the target). After: rankToTarget.
 *
 * Repetitions alternate old/new so machine load hits both alike; medians and their ratio are
 * reported. Writes bench/results/<date>-prepared.md.
 *
 *   node --import tsx bench/prepared.ts [--reps 7]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  discretize, miBootstrapIntervalSync, miMatrix, miPairsAbove, miPermutationTestSync, openDataset, prepare, rankToTarget, type ColumnTable,
} from '../src/index.js';
import { binding } from '../src/native.js';
import { CORES } from './common.js';

const argv = process.argv.slice(2);
const reps = Number(argv[argv.indexOf('--reps') + 1] ?? 7) || 7;
const ds = await openDataset(join(import.meta.dirname, '..', 'examples', 'trainticket', 'metrics.csv.gz'));
const table = ds.table as ColumnTable;
const load0 = loadavg()[0];

async function scanOld() {
  await miMatrix(table, { measure: 'mi', units: 'bits', threads: CORES });
  await miMatrix(table, { measure: 'nmi', threads: CORES });
}
async function scanNew() {
  const p = await prepare(table, { threads: CORES });
  try {
    await p.matrices(['mi', 'nmi'], { units: 'bits', threads: CORES });
  } finally {
    p.dispose();
  }
}

// rank --ci on a slice of the example: the target and 40 metrics with distinct values.
const keep = table.names.map((_, i) => i).filter((i) => {
  const d = discretize(table.columns[i].chunks[0].values, {});
  return d.levels >= 8;
}).slice(0, 41);
const small: ColumnTable = { names: keep.map((i) => table.names[i]), columns: keep.map((i) => table.columns[i]), rows: table.rows };
const target = small.names[0];
const ci = { ci: 0.95, replicates: 1000, permutations: 999, seed: 1, threads: CORES };

async function rankOld() {
  const names = small.names, t = small.columns[0].chunks[0].values;
  await miPairsAbove(small, -Infinity, { rows: [0, 1], threads: CORES });
  const tCodes = discretize(t, {});
  const asSeries = (c: Int32Array) => Float64Array.from(c, (v) => (v < 0 ? NaN : v));
  for (let k = 1; k < names.length; k++) {
    const x = discretize(small.columns[k].chunks[0].values, {});
    const dm = Math.max(2, x.levels, tCodes.levels);
    const o = { bins: dm, discreteMax: dm, seed: 1, threads: CORES };
    miBootstrapIntervalSync(asSeries(x.codes), asSeries(tCodes.codes), { ...o, replicates: ci.replicates, level: ci.ci });
    miPermutationTestSync(asSeries(x.codes), asSeries(tCodes.codes), { ...o, permutations: ci.permutations });
  }
}
async function rankNew() {
  await rankToTarget(small, target, ci);
}

/** Columns the native binning kernel codes during one run of `fn` (binding.columnsCoded). */
async function codings(fn: () => Promise<void>): Promise<number> {
  const before = binding.columnsCoded();
  await fn();
  return binding.columnsCoded() - before;
}

/** CPU time of this process (main and native threads), ms: less sensitive than wall time to other processes on a shared machine. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function pairTimes(old: () => Promise<void>, neu: () => Promise<void>) {
  await old();
  await neu();  // warm-up
  const a: number[] = [], b: number[] = [], ca: number[] = [], cb: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now(), c0 = cpuMs();
    await old();
    a.push(performance.now() - t0);
    ca.push(cpuMs() - c0);
    t0 = performance.now();
    c0 = cpuMs();
    await neu();
    b.push(performance.now() - t0);
    cb.push(cpuMs() - c0);
  }
  const med = (v: number[]) => v.slice().sort((x, y) => x - y)[Math.floor(v.length / 2)];
  return { old: med(a), new: med(b), ratio: med(b) / med(a), oldAll: a, newAll: b, cpuOld: med(ca), cpuNew: med(cb), cpuRatio: med(cb) / med(ca) };
}

const coded = {
  scanOld: await codings(scanOld), scanNew: await codings(scanNew), rankOld: await codings(rankOld), rankNew: await codings(rankNew),
};
const perCol = (v: number, cols: number) => (v / cols).toFixed(2);
process.stderr.write(`codings: scan ${coded.scanOld} → ${coded.scanNew} (${table.names.length} columns); rank --ci ${coded.rankOld} → ${coded.rankNew} (${small.names.length} columns)\n`);
const scan = await pairTimes(scanOld, scanNew);
process.stderr.write(`scan matrices: ${scan.old.toFixed(0)} ms → ${scan.new.toFixed(0)} ms (${(100 * scan.ratio).toFixed(0)} %), CPU ${(100 * scan.cpuRatio).toFixed(0)} %\n`);
const rank = await pairTimes(rankOld, rankNew);
process.stderr.write(`rank --ci: ${rank.old.toFixed(0)} ms → ${rank.new.toFixed(0)} ms (${(100 * rank.ratio).toFixed(0)} %)\n`);

const date = new Date().toISOString().slice(0, 10);
const f = (v: number[]) => v.map((x) => x.toFixed(0)).join(', ');
const md = `# Prepared table: before and after (${date})

${cpus()[0].model}, ${CORES} cores, Node ${process.version}; load average ${load0.toFixed(1)} at the start,
${loadavg()[0].toFixed(1)} at the end (a shared machine: medians of ${reps} alternating repetitions).

| what | before (ms) | after (ms) | after / before | CPU before (ms) | CPU after (ms) | CPU after / before |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| scan's native matrices, shipped example (879 × 741): MI then NMI, each binning again → one prepare, one pass for both | ${scan.old.toFixed(0)} | ${scan.new.toFixed(0)} | ${(100 * scan.ratio).toFixed(0)} % | ${scan.cpuOld.toFixed(0)} | ${scan.cpuNew.toFixed(0)} | ${(100 * scan.cpuRatio).toFixed(0)} % |
| rank --ci (95 %, 1,000 replicates, 999 permutations), 40 metrics of the example → one prepared table | ${rank.old.toFixed(0)} | ${rank.new.toFixed(0)} | ${(100 * rank.ratio).toFixed(0)} % | ${rank.cpuOld.toFixed(0)} | ${rank.cpuNew.toFixed(0)} | ${(100 * rank.cpuRatio).toFixed(0)} % |

Times are wall-clock medians; CPU is this process's user + system time (main and native threads),
medians too.

Columns coded by the native binning kernel in one run (\`binding.columnsCoded()\`, a counter in
\`discretize\`):

| what | columns | codings before | after | per column before → after |
| --- | ---: | ---: | ---: | ---: |
| scan's native matrices | ${table.names.length} | ${coded.scanOld} | ${coded.scanNew} | ${perCol(coded.scanOld, table.names.length)} → ${perCol(coded.scanNew, table.names.length)} |
| rank --ci | ${small.names.length} | ${coded.rankOld} | ${coded.rankNew} | ${perCol(coded.rankOld, small.names.length)} → ${perCol(coded.rankNew, small.names.length)} |

All repetitions (ms): scan before ${f(scan.oldAll)}; after ${f(scan.newAll)}. rank before ${f(rank.oldAll)}; after ${f(rank.newAll)}.

Before is the previous commit's sequence of native calls, still reachable through public functions
(\`miMatrix\` twice; \`miPairsAbove\` then per metric \`discretize\`, \`miBootstrapInterval\` and
\`miPermutationTest\` on the codes, which bin them again); after is \`prepare\` + \`matrices(['mi', 'nmi'])\`
and \`rankToTarget\`. Run: \`node --import tsx bench/prepared.ts\`.
`;
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', `${date}-prepared.md`), md);
console.log(JSON.stringify({ scan: { old: scan.old, new: scan.new, ratio: scan.ratio, cpuRatio: scan.cpuRatio }, rank: { old: rank.old, new: rank.new, ratio: rank.ratio, cpuRatio: rank.cpuRatio }, coded }));
