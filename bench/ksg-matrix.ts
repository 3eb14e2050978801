/**
 * All-pairs KSG MI at the issue's size — 253 metrics × 28,800 samples, k = 3, algorithm 1, both
 * cores — with its peak RSS, against scikit-learn's mutual_info_regression (the obvious way: each
 * column against the ones after it) timed on a sample of pairs in the same run and extrapolated to
 * the M(M−1)/2 pairs. Writes bench/results/<date>-ksg-matrix.md.
 *
 *   node --import tsx bench/ksg-matrix.ts [M]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ksgMatrix } from '../src/index.js';
import { BASE, CORES } from './common.js';
import { ensureData, loadData } from './data.js';

const PY = '/usr/bin/python3';
const M = Number(process.argv[2] ?? BASE.M), n = BASE.n;
const SAMPLE = [0, 1, 2, 3].map((q) => Math.floor((q * M) / 4));  // sampled target columns, 16 partners each for scikit-learn
const data = loadData(M, n);
const rssBefore = process.resourceUsage().maxRSS;
const load = loadavg()[0];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const m = await ksgMatrix(data, { k: 3, threads: CORES, units: 'nats' });
const seconds = (performance.now() - t0) / 1000;
const cpuUsed = process.cpuUsage(cpu0);
const cpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;  // all threads: on a shared machine, the work itself
const rss = process.resourceUsage().maxRSS;  // KiB
process.stderr.write(`metricsift KSG ${M}x${n}, ${CORES} threads: ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} s CPU), peak RSS ${(rss / 1024).toFixed(0)} MiB\n`);

const { bin } = ensureData(M, n);
const py = spawnSync(PY, ['-c', `
import json, time, numpy as np
from sklearn.feature_selection import mutual_info_regression
X = np.fromfile(${JSON.stringify(bin)}).reshape(${M}, ${n})
pairs, t, c, vals = 0, 0.0, 0.0, []
for j in ${JSON.stringify(SAMPLE)}:
    rest = [c for c in range(j + 1, ${M}) if np.ptp(X[c]) > 0][:16]
    t0, c0 = time.perf_counter(), time.process_time(); v = mutual_info_regression(X[rest].T, X[j], n_neighbors=3, random_state=0); t += time.perf_counter() - t0; c += time.process_time() - c0
    pairs += len(rest); vals += [[j, c, float(x)] for c, x in zip(rest, v)]
print(json.dumps({"perPair": t / pairs, "cpuPerPair": c / pairs, "pairs": pairs, "values": vals}))
`], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (py.status !== 0) throw new Error(py.stderr);
const peer = JSON.parse(py.stdout) as { perPair: number; cpuPerPair: number; pairs: number; values: [number, number, number][] };
const total = (M * (M - 1)) / 2;
const peerSeconds = peer.perPair * total;
// scikit-learn clips negative estimates to 0 and jitters with another generator: compare clipped.
const diffs = peer.values.map(([i, j, v]) => Math.abs(Math.max(0, m.values[i * M + j]) - v));
const date = new Date().toISOString().slice(0, 10);
const loadAfter = loadavg()[0];
const md = [
  `# KSG MI matrix, ${date}`,
  '',
  `- ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; load average ${load.toFixed(2)} at the start and ${loadAfter.toFixed(2)} at the end (other jobs share the cores: CPU seconds are the steadier measure); scikit-learn via ${PY}, same run.`,
  `- Data: bench/data.ts, ${M} synthetic metrics × ${n.toLocaleString('en')} samples (ties, heavy tails and constant columns included); k = 3, algorithm 1, unit-variance scaling and a 1e-10-relative jitter.`,
  `- Command: \`node --import tsx bench/ksg-matrix.ts${M === BASE.M ? '' : ` ${M}`}\`.`,
  '',
  '| | metricsift (2 threads) | scikit-learn `mutual_info_regression` | ratio |',
  '| --- | --- | --- | --- |',
  `| all ${total.toLocaleString('en')} pairs | ${seconds.toFixed(1)} s | ${(peerSeconds / 60).toFixed(0)} min (${(peer.perPair * 1000).toFixed(0)} ms a pair over ${peer.pairs} sampled pairs, extrapolated) | ${(peerSeconds / seconds).toFixed(0)}× |`,
  `| per pair | ${((seconds * 1000 * CORES) / total).toFixed(2)} ms of one core | ${(peer.perPair * 1000).toFixed(0)} ms | |`,
  `| CPU, all threads | ${cpuSeconds.toFixed(1)} s (${((cpuSeconds * 1000) / total).toFixed(2)} ms a pair) | ${(peer.cpuPerPair * 1000).toFixed(0)} ms a pair | ${(peer.cpuPerPair / (cpuSeconds / total)).toFixed(0)}× per CPU second |`,
  '',
  `Peak RSS of the whole process (data ${(M * n * 8 / 2 ** 20).toFixed(0)} MiB, output ${(M * M * 8 / 2 ** 20).toFixed(1)} MiB): ${(rss / 1024).toFixed(0)} MiB (${(rssBefore / 1024).toFixed(0)} MiB before the matrix).`,
  `Largest difference from scikit-learn on the sampled pairs (both clipped at 0; the jitter differs): ${Math.max(...diffs).toExponential(1)} nats, median ${diffs.sort((a, b) => a - b)[diffs.length >> 1].toExponential(1)}.`,
  '',
].join('\n');
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(join('bench', 'results', `${date}-ksg-matrix.md`), md);
process.stdout.write(md);
