/**
 * metricsift's Pearson, Spearman and Kendall (tau-b) correlation matrices at the size,
 * all cores. Saves each matrix for the agreement checks against numpy / scipy / pandas.
 */
import { correlationMatrix, type CorrelationMethod } from '../../src/index.js';
import { BASE, CORES, emit, log, saveMatrix, time, type Timing } from '../common.js';
import { loadData } from '../data.js';

const { M, n } = BASE;
const data = loadData(M, n);
// Kendall is O(n log n) a pair and takes seconds: three timed runs (the median) after a small warm-up.
const reps: Record<CorrelationMethod, number> = { pearson: 5, spearman: 3, kendall: 3 };
const out: Record<string, { time: Timing; cpuSeconds: number; matrix: string }> = {};
for (const method of ['pearson', 'spearman', 'kendall'] as const) {
  await correlationMatrix(data, { method, threads: CORES, columns: [0, 1, 2] }); // warm-up
  let values: Float64Array | Float32Array = new Float64Array(0);
  // CPU time of all threads (user + system) as well: a shared machine inflates wall time far more.
  const c0 = process.cpuUsage();
  const t = await time(async () => { values = (await correlationMatrix(data, { method, threads: CORES })).values; }, reps[method], false);
  const c1 = process.cpuUsage(c0);
  const cpu = (c1.user + c1.system) / 1e6 / reps[method];
  log(`metricsift ${method} ${M}x${n}: median ${t.median.toFixed(3)} s, ${cpu.toFixed(3)} s of CPU a run`);
  out[method] = { time: t, cpuSeconds: cpu, matrix: saveMatrix(`corr-${method}-metricsift`, values) };
}
emit({ suite: 'corr', M, n, threads: CORES, ...out });
