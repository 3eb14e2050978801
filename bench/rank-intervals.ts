/**
 * Issue 14's benchmark: ranking 1,000 metrics × 28,800 samples to a target WITH intervals and
 * p-values (16 quantile bins, nats; B bootstrap replicates and B − 1 permutations per metric),
 * metricsift's rankToTarget (defaults: bias-corrected intervals, block length chosen per metric)
 * against, in the same run, the obvious Python loop: per metric, B numpy resamples of the codes
 * (np.bincount MI), the percentile interval and the permutation p-value; and scikit-learn's
 * mutual_info_score in the same loop. The Python loops are timed on a few metrics and
 * extrapolated to 1,000. Writes bench/results/<date>-rank-intervals.md.
 *
 *   node --import tsx bench/rank-intervals.ts [B]       (default B = 200; PYTHON=/usr/bin/python3)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { rankToTarget } from '../src/index.js';
import { BASE, CORES } from './common.js';
import { ensureData, loadData } from './data.js';

const PY = process.env.PYTHON ?? '/usr/bin/python3';
const B = Number(process.argv[2] ?? 200);
const M = 1001, n = BASE.n, K = 16, NP = 5, SK = 2;
const { bin } = ensureData(M, n);
const data = loadData(M, n);
const load = loadavg()[0];
const t0 = performance.now();
const r = await rankToTarget(data, data.names[0], { bins: K, units: 'nats', ci: 0.95, replicates: B, permutations: B - 1, threads: CORES });
const ours = (performance.now() - t0) / 1000;
const blocks = r.ranking.map((e) => e.block ?? 1);
process.stderr.write(`metricsift: ${M - 1} metrics with intervals and p-values in ${ours.toFixed(1)} s\n`);

const py = spawnSync(PY, ['-c', `
import json, sys, time, numpy as np
sys.path.insert(0, 'bench/peers')
from common import codes_of
from sklearn.metrics import mutual_info_score
X = np.fromfile(${JSON.stringify(bin)}).reshape(${M}, ${n})
K, n, B = ${K}, ${n}, ${B}
def xlogx(c):
    c = np.asarray(c, dtype=np.float64); return c * np.log(np.where(c > 0, c, 1))
def mi(a, b):
    j = np.bincount(a * K + b, minlength=K * K)
    return (xlogx(j).sum() - xlogx(np.bincount(a, minlength=K)).sum() - xlogx(np.bincount(b, minlength=K)).sum() + n * np.log(n)) / n
rng = np.random.default_rng(0)
def one(a, t, f):
    obs = f(a, t)
    boot = [f(a[i], t[i]) for i in (rng.integers(0, n, n) for _ in range(B))]
    lo, hi = np.percentile(boot, [2.5, 97.5])
    null = [f(rng.permutation(a), t) for _ in range(B - 1)]
    return obs, lo, hi, (1 + sum(v >= obs for v in null)) / B
codes = codes_of(X[:${NP + 1}], K)
t0 = time.perf_counter()
for j in range(1, ${NP + 1}): one(codes[j], codes[0], mi)
npy = (time.perf_counter() - t0) / ${NP}
t0 = time.perf_counter()
for j in range(1, ${SK + 1}): one(codes[j], codes[0], mutual_info_score)
sk = (time.perf_counter() - t0) / ${SK}
print(json.dumps({"numpyPerMetric": npy, "sklearnPerMetric": sk, "numpy": np.__version__}))
`], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (py.status !== 0) throw new Error(py.stderr);
const peer = JSON.parse(py.stdout) as { numpyPerMetric: number; sklearnPerMetric: number; numpy: string };
const npAll = peer.numpyPerMetric * (M - 1), skAll = peer.sklearnPerMetric * (M - 1);
const date = new Date().toISOString().slice(0, 10);
const sortedBlocks = [...blocks].sort((a, b) => a - b);
const md = [
  `# Ranking 1,000 metrics to a target with intervals and p-values, ${date}`,
  '',
  `- ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; load average ${load.toFixed(2)} at the start (the machine was shared); Python ${PY} (numpy ${peer.numpy}), same run.`,
  `- Data: bench/data.ts, ${M - 1} metrics × ${n.toLocaleString('en')} samples ranked by MI to metric 0; ${K} quantile bins, nats; ${B} bootstrap replicates and ${B - 1} permutations per metric, 95 % intervals.`,
  `- metricsift: \`rankToTarget(…, { ci: 0.95, replicates: ${B}, permutations: ${B - 1} })\` with its defaults (bias-corrected intervals, excess and q-values, block length chosen per metric: median ${sortedBlocks[Math.floor(blocks.length / 2)]}, max ${sortedBlocks[blocks.length - 1]} rows — these metrics are autocorrelated), ${CORES} threads, one run.`,
  `- Python: the obvious loop per metric (row resampling with numpy, percentile interval, permutation p-value), timed on ${NP} metrics (numpy bincount MI) and ${SK} (scikit-learn \`mutual_info_score\`), extrapolated to ${M - 1}.`,
  '- Command: `node --import tsx bench/rank-intervals.ts ' + B + '`.',
  '',
  '| | time | metricsift faster by |',
  '| --- | --- | --- |',
  `| metricsift \`rankToTarget\` with intervals and p-values | ${ours.toFixed(1)} s | |`,
  `| numpy loop (extrapolated) | ${npAll.toFixed(0)} s | ${(npAll / ours).toFixed(0)}× |`,
  `| scikit-learn \`mutual_info_score\` loop (extrapolated) | ${skAll.toFixed(0)} s | ${(skAll / ours).toFixed(0)}× |`,
  '',
].join('\n');
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(join('bench', 'results', `${date}-rank-intervals.md`), md);
process.stdout.write(md);
