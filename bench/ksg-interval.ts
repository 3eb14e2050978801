/**
 * Issue 7's interval benchmark: 1,000 resampled KSG estimates of one pair at n = 28,800 (k = 3), the
 * half-sampling interval metricsift computes natively on both cores, against the obvious Python way
 * — a loop of scikit-learn's mutual_info_regression over the same kind of draws (half the rows,
 * without replacement) — timed on 20 draws in the same run and extrapolated to 1,000.
 * Writes bench/results/<date>-ksg-interval.md.
 *
 *   node --import tsx bench/ksg-interval.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ksgConfidenceInterval } from '../src/index.js';
import { CORES } from './common.js';

const PY = '/usr/bin/python3';
const n = 28_800, R = 1000, PEER_R = 20;
let s = 4242;
const u = () => (s = (s * 48271) % 2147483647) / 2147483647;
const g = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
const x = new Float64Array(n), y = new Float64Array(n);
for (let i = 0; i < n; i++) { x[i] = g(); y[i] = 0.6 * x[i] + 0.8 * g(); }
const dir = join(tmpdir(), `metricsift-ksg-interval-${process.pid}`);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'x.f64'), x);
writeFileSync(join(dir, 'y.f64'), y);

const load = loadavg()[0];
const t0 = performance.now();
const ci = await ksgConfidenceInterval(x, y, { replicates: R, units: 'nats', threads: CORES });
const ours = (performance.now() - t0) / 1000;
process.stderr.write(`metricsift: ${R} half-samples in ${ours.toFixed(2)} s, CI [${ci.ci[0].toFixed(4)}, ${ci.ci[1].toFixed(4)}]\n`);

const py = spawnSync(PY, ['-c', `
import json, time, numpy as np
from sklearn.feature_selection import mutual_info_regression
x = np.fromfile(${JSON.stringify(join(dir, 'x.f64'))}); y = np.fromfile(${JSON.stringify(join(dir, 'y.f64'))})
rng = np.random.default_rng(0); vals = []
t0 = time.perf_counter()
for r in range(${PEER_R}):
    idx = rng.choice(len(x), len(x) // 2, replace=False)
    vals.append(float(mutual_info_regression(x[idx].reshape(-1, 1), y[idx], n_neighbors=3, random_state=r)[0]))
print(json.dumps({"perDraw": (time.perf_counter() - t0) / ${PEER_R}, "mean": float(np.mean(vals)), "sd": float(np.std(vals))}))
`], { encoding: 'utf8' });
if (py.status !== 0) throw new Error(py.stderr);
const peer = JSON.parse(py.stdout) as { perDraw: number; mean: number; sd: number };
const mean = ci.replicates.reduce((a, v) => a + v, 0) / R;
const sd = Math.sqrt(ci.replicates.reduce((a, v) => a + (v - mean) ** 2, 0) / R);
const date = new Date().toISOString().slice(0, 10);
const md = [
  `# KSG interval (1,000 half-samples), ${date}`,
  '',
  `- ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; load average ${load.toFixed(2)} at the start; scikit-learn via ${PY}, same run.`,
  `- Bivariate Gaussian, ρ = 0.6, n = ${n.toLocaleString('en')}, k = 3; each draw is KSG on half the rows drawn without replacement (truth ${(-0.5 * Math.log(1 - 0.36)).toFixed(4)} nats).`,
  '- Command: `node --import tsx bench/ksg-interval.ts`.',
  '',
  '| | metricsift (ksgConfidenceInterval, 2 threads) | scikit-learn loop (1 process) | ratio |',
  '| --- | --- | --- | --- |',
  `| ${R.toLocaleString('en')} draws | ${ours.toFixed(2)} s | ${((peer.perDraw * R) / 60).toFixed(1)} min (${(peer.perDraw * 1000).toFixed(0)} ms a draw over ${PEER_R}, extrapolated) | ${((peer.perDraw * R) / ours).toFixed(0)}× |`,
  `| half-sample estimates: mean, sd | ${mean.toFixed(4)}, ${sd.toFixed(4)} | ${peer.mean.toFixed(4)}, ${peer.sd.toFixed(4)} (${PEER_R} draws) | |`,
  '',
  `Interval (95 %): [${ci.ci[0].toFixed(4)}, ${ci.ci[1].toFixed(4)}] around ${ci.mi.toFixed(4)} nats.`,
  '',
].join('\n');
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(join('bench', 'results', `${date}-ksg-interval.md`), md);
process.stdout.write(md);
