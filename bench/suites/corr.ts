/**
 * metricsift's Pearson, Spearman and Kendall (tau-b) correlation matrices at the size,
 * all cores. Saves each matrix for the agreement checks against numpy / scipy / pandas.
 */
import { correlationMatrix, type CorrelationMethod } from '../../src/index.js';
import { BASE, CORES, emit, log, saveMatrix, time, type Timing } from '../common.js';
import { loadData } from '../data.js';

const { M, n } = BASE;
const data = loadData(M, n);
// Kendall is O(n log n) a pair and takes tens of seconds: one timed run after a small warm-up.
const reps: Record<CorrelationMethod, number> = { pearson: 5, spearman: 3, kendall: 1 };
const out: Record<string, { time: Timing; matrix: string }> = {};
for (const method of ['pearson', 'spearman', 'kendall'] as const) {
  await correlationMatrix(data, { method, threads: CORES, columns: [0, 1, 2] }); // warm-up
  let values: Float64Array | Float32Array = new Float64Array(0);
  const t = await time(async () => { values = (await correlationMatrix(data, { method, threads: CORES })).values; }, reps[method], false);
  log(`metricsift ${method} ${M}x${n}: median ${t.median.toFixed(3)} s`);
  out[method] = { time: t, matrix: saveMatrix(`corr-${method}-metricsift`, values) };
}
emit({ suite: 'corr', M, n, threads: CORES, ...out });
