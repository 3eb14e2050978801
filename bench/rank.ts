/**
 * Issue 7's ranking benchmark: binned MI of 1,000 metrics × 28,800 samples to a target metric
 * (16 quantile bins, nats), metricsift's rankToTarget on both cores against, in the same run,
 * the same estimator in numpy (quantile codes by the binning contract, one np.bincount over all
 * metrics' joint codes) and the obvious scikit-learn call, mutual_info_regression (a KSG estimator:
 * timed on 20 metrics and extrapolated). Writes bench/results/<date>-rank.md.
 *
 *   node --import tsx bench/rank.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { rankToTarget } from '../src/index.js';
import { BASE, CORES } from './common.js';
import { ensureData, loadData } from './data.js';

const PY = '/usr/bin/python3';
const M = 1001, n = BASE.n, K = 16, SK = 20;
const { bin } = ensureData(M, n);
const data = loadData(M, n);
const load = loadavg()[0];
const times: number[] = [];
let ranking: Awaited<ReturnType<typeof rankToTarget>> | undefined;
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  ranking = await rankToTarget(data, data.names[0], { bins: K, units: 'nats', threads: CORES });
  times.push((performance.now() - t0) / 1000);
}
const ours = times.sort((a, b) => a - b)[2];
process.stderr.write(`metricsift: ranking of ${M - 1} metrics in ${ours.toFixed(3)} s (median of 5)\n`);

const py = spawnSync(PY, ['-c', `
import json, sys, time, numpy as np
sys.path.insert(0, 'bench/peers')
from common import codes_of
from sklearn.feature_selection import mutual_info_regression
X = np.fromfile(${JSON.stringify(bin)}).reshape(${M}, ${n})
K, n = ${K}, ${n}
def xlogx(c):
    c = np.asarray(c, dtype=np.float64); return c * np.log(np.where(c > 0, c, 1))
def rank_numpy():
    codes = codes_of(X, K)
    t, rest = codes[0], codes[1:]
    m = rest.shape[0]
    joint = np.bincount((rest * K + t + (np.arange(m) * K * K)[:, None]).ravel(), minlength=m * K * K).reshape(m, K * K)
    hx = np.array([xlogx(np.bincount(c, minlength=K)).sum() for c in rest])
    ht = xlogx(np.bincount(t, minlength=K)).sum()
    return (xlogx(joint).sum(1) - hx - ht + n * np.log(n)) / n
ts = []
for _ in range(3):
    t0 = time.perf_counter(); mi = rank_numpy(); ts.append(time.perf_counter() - t0)
t0 = time.perf_counter(); mutual_info_regression(X[1:${SK + 1}].T, X[0], n_neighbors=3, random_state=0); sk = (time.perf_counter() - t0) / ${SK}
print(json.dumps({"numpy": sorted(ts)[1], "sklearnPerMetric": sk, "mi": mi.tolist()}))
`], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (py.status !== 0) throw new Error(py.stderr);
const peer = JSON.parse(py.stdout) as { numpy: number; sklearnPerMetric: number; mi: number[] };
const byName = new Map(ranking!.ranking.map((e) => [e.metric, e.mi]));
const diffs = peer.mi.map((v, j) => {
  const mine = byName.get(data.names[j + 1])!;
  return Number.isNaN(mine) && Number.isNaN(v) ? 0 : Math.abs(mine - v);
});
const sk = peer.sklearnPerMetric * (M - 1);
const date = new Date().toISOString().slice(0, 10);
const md = [
  `# Ranking 1,000 metrics to a target, ${date}`,
  '',
  `- ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; load average ${load.toFixed(2)} at the start; Python peers via ${PY}, same run.`,
  `- Data: bench/data.ts, ${M - 1} metrics × ${n.toLocaleString('en')} samples ranked by MI to metric 0; ${K} quantile bins, nats; times include binning.`,
  '- Command: `node --import tsx bench/rank.ts`.',
  '',
  '| | time | metricsift faster by |',
  '| --- | --- | --- |',
  `| metricsift \`rankToTarget\` (2 threads, median of 5) | ${(ours * 1000).toFixed(0)} ms | |`,
  `| numpy: quantile codes + one bincount (median of 3) | ${(peer.numpy * 1000).toFixed(0)} ms | ${(peer.numpy / ours).toFixed(1)}× |`,
  `| scikit-learn \`mutual_info_regression\` (KSG; ${SK} metrics timed, extrapolated) | ${(sk / 60).toFixed(1)} min | ${(sk / ours).toFixed(0)}× |`,
  '',
  `metricsift's binned MIs against numpy's: largest difference ${Math.max(...diffs).toExponential(1)} nats over ${diffs.length} metrics.`,
  '',
].join('\n');
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(join('bench', 'results', `${date}-rank.md`), md);
process.stdout.write(md);
