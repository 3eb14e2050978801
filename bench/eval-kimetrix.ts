/**
 * KIMetrix evaluation in the shape of the paper's Tables II and IV: topology and flat KIMetrix
 * with each coverage measure, and the baselines at the same subset size, on both Train Ticket days
 * ("Mix": all rows, "Healthy": fault windows removed) and PetShop (high traffic, no faults: no
 * labels, so no C_A and no supervised baselines). Writes bench/results/<date>-kimetrix.{md,json}.
 *
 *   node --import tsx bench/eval-kimetrix.ts [--iterations 500] [--theta 0.2]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  anomalousMetrics, callGraphFromSpans, candidates, correlationMatrix, coverage, faultRows, maxWeightClique, miMatrix, mrmr,
  readFaultList, readGraphCsv, readPetshopMetrics, readTrainTicketDay, readTraces, relevanceTo, selectKBest, selectMetrics,
  withoutRows, type CallGraph, type ColumnTable, type PairMatrix,
} from '../src/index.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ITER = arg('iterations', 500), THETA = arg('theta', 0.2);
const MEASURES = ['mi', 'pearson', 'spearman', 'kendall'] as const;

interface Row { dataset: string; variant: string; method: string; measure: string; size: number; epsilon: string; C: number; CA: number | null; seconds: number; note: string }
const rows: Row[] = [];

async function evaluate(dataset: string, variant: string, table: ColumnTable, graph: CallGraph, anomalous: string[] | null, label: Uint8Array | null) {
  const t0 = performance.now();
  const mi = await miMatrix(table, { units: 'bits' });
  const universe = candidates({ names: table.names, service: [], entropy: mi.columnEntropy.entropy, redundancy: mi }, table.names.map((_, i) => i)).sort((a, b) => a - b);
  const sigmaA = anomalous ? anomalous.map((n) => table.names.indexOf(n)).filter((i) => universe.includes(i)) : null;
  const matrixSeconds = (performance.now() - t0) / 1000;
  let reference: { size: number; epsilon: number } | undefined;
  let nmi: PairMatrix | undefined;  // the MI measure's coverage matrix, also what scores the baselines
  for (const measure of MEASURES) {
    const red = measure === 'mi' ? (nmi = await miMatrix(table, { measure: 'nmi' })) : await correlationMatrix(table, { method: measure });
    for (const mode of ['topology', 'flat'] as const) {
      const t1 = performance.now();
      const r = await selectMetrics(table, { mode, graph, measure, theta: THETA, iterations: ITER });
      const idx = r.selected.map((n) => table.names.indexOf(n));
      rows.push({
        dataset, variant, method: `KIMetrix ${mode}`, measure, size: idx.length, epsilon: (r.epsilon ?? NaN).toPrecision(3),
        C: r.coverage, CA: sigmaA ? coverage(idx, red, THETA, sigmaA) : null, seconds: (performance.now() - t1) / 1000,
        note: `matrices ${(r.timing.matricesMs / 1000).toFixed(2)} s + ${ITER} iterations ${(r.timing.iterationsMs / 1000).toFixed(2)} s`,
      });
      if (measure === 'mi' && mode === 'topology') reference = { size: idx.length, epsilon: r.epsilon ?? NaN };
    }
  }
  // Baselines at the topology/MI subset size (and ε for the clique), scored with NMI coverage.
  const red = nmi!;
  const score = (idx: number[]) => ({ C: coverage(idx, red, THETA, universe), CA: sigmaA ? coverage(idx, red, THETA, sigmaA) : null });
  const k = reference!.size;
  if (label && label.some((x) => x) && label.some((x) => !x)) {
    const t1 = performance.now();
    const rel = relevanceTo(table, label);
    const relSeconds = (performance.now() - t1) / 1000;
    for (const [method, pick] of [['SelectKBest', () => selectKBest(rel, k)], ['mRMR', () => mrmr(rel, mi, k)]] as const) {
      const t2 = performance.now();
      const idx = pick();
      rows.push({ dataset, variant, method, measure: 'mi', size: idx.length, epsilon: '–', ...score(idx), seconds: relSeconds + matrixSeconds + (performance.now() - t2) / 1000, note: 'label: fault rows' });
    }
  }
  const t3 = performance.now();
  const clique = maxWeightClique(mi.columnEntropy.entropy, mi, reference!.epsilon, universe, 10_000);
  rows.push({
    dataset, variant, method: 'max-weight clique', measure: 'mi', size: clique.clique.length, epsilon: reference!.epsilon.toPrecision(3),
    ...score(clique.clique), seconds: matrixSeconds + (performance.now() - t3) / 1000, note: clique.optimal ? 'optimal' : 'time cap (10 s) hit: best found',
  });
}

const TT = '../shared/datasets/trainticket';
for (const day of ['2023-01-29', '2023-01-30']) {
  const table = await readTrainTicketDay(`${TT}/${day}`);
  const { graph } = callGraphFromSpans(await readTraces(`${TT}/${day}/trace`));
  const faults = await readFaultList(`${TT}/${day}/fault_list.json`);
  const label = faultRows(table, faults);
  const anomalous = anomalousMetrics(table, faults).map((i) => table.names[i]);
  process.stderr.write(`${day}: ${table.names.length} metrics, ${table.rows} rows, ${faults.length} faults, ${anomalous.length} anomalous metrics\n`);
  await evaluate(`Train Ticket ${day}`, 'Mix', table, graph, anomalous, label);
  await evaluate(`Train Ticket ${day}`, 'Healthy', withoutRows(table, label), graph, anomalous, null);
}
const pet = await readPetshopMetrics('../shared/datasets/petshop/high_traffic/noissue/metrics.csv');
await evaluate('PetShop high traffic', 'no faults', pet, await readGraphCsv('../shared/datasets/petshop/high_traffic/graph.csv'), null, null);

const date = new Date().toISOString().slice(0, 10);
const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)} %`);
const md = [
  `# KIMetrix evaluation, ${date}`,
  '',
  `- ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; θ = ${THETA}, ${ITER} AIMD iterations (ε0 = 0.5, α = 0.4, β = 0.005, τ = 1, compare = previous).`,
  '- C: coverage over the informative metrics (H > 0); C_A: over the metrics labelled anomalous (README "KIMetrix", anomaly labels). Baselines are scored with NMI coverage at the KIMetrix topology/MI subset size (clique: at its ε).',
  '- Data: ../shared/datasets (Train Ticket from the Nezha study, MIT; PetShop, CC-BY-4.0). Command: `node --import tsx bench/eval-kimetrix.ts`.',
  '',
  '| dataset | variant | method | measure | size | ε | C | C_A | time (s) | note |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.dataset} | ${r.variant} | ${r.method} | ${r.measure} | ${r.size} | ${r.epsilon} | ${pct(r.C)} | ${pct(r.CA)} | ${r.seconds.toFixed(2)} | ${r.note} |`),
  '',
].join('\n');
const dir = join('bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${date}-kimetrix.md`), md);
writeFileSync(join(dir, `${date}-kimetrix.json`), JSON.stringify({ date, theta: THETA, iterations: ITER, rows }, null, 1));
process.stdout.write(md);
