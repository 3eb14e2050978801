/**
 * KSG MI for one pair, metricsift against scikit-learn's mutual_info_regression (k = 3) on the
 * same bivariate Gaussian data (ρ = 0.6) at n = 10⁴ … 10⁶, in the same run: metricsift in this
 * process (one core), scikit-learn in a fresh Python process. Writes bench/results/<date>-ksg.md.
 *
 *   node --import tsx bench/ksg.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ksgMutualInformation } from '../src/index.js';

const PY = '/usr/bin/python3';
const SIZES = [10_000, 28_800, 100_000, 300_000, 1_000_000];
const dir = join(tmpdir(), `metricsift-ksg-bench-${process.pid}`);
mkdirSync(dir, { recursive: true });

// Seeded Park–Miller + Box–Muller, so the data are the same for every run.
let s = 12345;
const u = () => (s = (s * 48271) % 2147483647) / 2147483647;
const g = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

const rows: string[] = [];
for (const n of SIZES) {
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) { x[i] = g(); y[i] = 0.6 * x[i] + 0.8 * g(); }
  writeFileSync(join(dir, 'x.f64'), x);
  writeFileSync(join(dir, 'y.f64'), y);
  const reps = n >= 1_000_000 ? 3 : n >= 100_000 ? 5 : 15;
  ksgMutualInformation(x, y);  // warm-up at this size: per-thread workspaces, page faults
  const times: number[] = [];
  let ours = NaN;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    ours = ksgMutualInformation(x, y, { units: 'nats' }).value;
    times.push((performance.now() - t0) / 1000);
  }
  const py = spawnSync(PY, ['-c', `
import json, time, numpy as np
from sklearn.feature_selection import mutual_info_regression
x = np.fromfile(${JSON.stringify(join(dir, 'x.f64'))}); y = np.fromfile(${JSON.stringify(join(dir, 'y.f64'))})
ts = []
for _ in range(${reps}):
    t0 = time.perf_counter(); v = mutual_info_regression(x.reshape(-1, 1), y, n_neighbors=3, random_state=0)[0]; ts.append(time.perf_counter() - t0)
print(json.dumps({"value": float(v), "time": sorted(ts)[len(ts) // 2]}))
`], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(py.stderr);
  const peer = JSON.parse(py.stdout) as { value: number; time: number };
  const mine = times.sort((a, b) => a - b)[times.length >> 1];
  // Time per n·log₂n: flat when the growth is n log n.
  const perNlogN = (mine * 1e9) / (n * Math.log2(n));
  rows.push(`| ${n.toLocaleString('en')} | ${(mine * 1000).toFixed(1)} ms | ${perNlogN.toFixed(2)} ns | ${(peer.time * 1000).toFixed(0)} ms | ${(peer.time / mine).toFixed(1)}× | ${Math.abs(ours - peer.value).toExponential(1)} |`);
  process.stderr.write(`n=${n}: metricsift ${(mine * 1000).toFixed(1)} ms, sklearn ${(peer.time * 1000).toFixed(0)} ms\n`);
}
const date = new Date().toISOString().slice(0, 10);
const md = [
  `# KSG MI, one pair, ${date}`,
  '',
  `- ${cpus()[0].model}, ${cpus().length} cores (metricsift on one thread), Node ${process.version}; scikit-learn via ${PY}.`,
  '- Bivariate Gaussian, ρ = 0.6, k = 3, KSG algorithm 1, both with unit-variance scaling and a 1e-10-relative jitter (different generators); median of 15 runs (5 at n ≥ 10⁵, 3 at 10⁶) after one warm-up call of the same size, each a whole call (copy in, scaling, jitter, sorting, search).',
  '- Command: `node --import tsx bench/ksg.ts`.',
  '',
  '| n | metricsift | per n·log₂n | scikit-learn | faster by | value difference (nats) |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows,
  '',
].join('\n');
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(join('bench', 'results', `${date}-ksg.md`), md);
process.stdout.write(md);
