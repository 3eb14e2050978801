/**
 * Runs the benchmark suites, each in a fresh child process (Node suites and Python peers alike),
 * and writes bench/results/<date>-<suite>.json plus the readable bench/results/<date>.md.
 *
 *   node --import tsx bench/run.ts [filter] [--quick] [--sizes 253,1000,4000]
 *
 * `filter` is a regular expression on suite names (`^mi$`, `corr`, `sweep`); --quick and --sizes
 * go to the MI sweep (--quick: M = 253, 1000 only). --report-only rebuilds today's report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE } from './common.js';
import { ensureData } from './data.js';
import { checks, report, type Env, type SuiteResult } from './report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const PY = '/usr/bin/python3';
const NODE = [process.execPath, '--import', 'tsx'];

interface Suite {
  name: string;
  what: string;
  cmd: string[];
  /** Reads the bench data file (the sweep generates its own in memory). */
  data: boolean;
}

const argv = process.argv.slice(2);
const flagsWithValue = new Set(['--sizes', '--n']);
const sweepArgs = argv.filter((a, i) => a.startsWith('--') || flagsWithValue.has(argv[i - 1]));
const filter = new RegExp(argv.find((a, i) => !a.startsWith('--') && !flagsWithValue.has(argv[i - 1])) ?? '.');

const SUITES: Suite[] = [
  { name: 'mi', what: 'metricsift all-pairs MI', cmd: [...NODE, 'bench/suites/mi.ts'], data: true },
  { name: 'mi-numpy', what: 'numpy all-pairs MI (bincount, BLAS gram)', cmd: [PY, 'bench/peers/mi_numpy.py'], data: true },
  { name: 'mi-sklearn', what: 'sklearn mutual_info_score loop (sampled)', cmd: [PY, 'bench/peers/mi_sklearn.py', '1500'], data: true },
  { name: 'corr', what: 'metricsift Pearson / Spearman / Kendall', cmd: [...NODE, 'bench/suites/corr.ts'], data: true },
  { name: 'corr-peers', what: 'numpy / scipy / pandas correlations', cmd: [PY, 'bench/peers/corr.py', '20'], data: true },
  { name: 'mi-sweep', what: 'metricsift MI size and thread sweep', cmd: [...NODE, 'bench/suites/mi-sweep.ts', ...sweepArgs], data: false },
];

function environment(): Env {
  const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
  const py = spawnSync(PY, ['bench/peers/common.py'], { cwd: ROOT, encoding: 'utf8' });
  return {
    cpu: cpus()[0].model, cores: cpus().length, mhz: Number(mhz), memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version, python: py.status === 0 ? JSON.parse(py.stdout) : { error: py.stderr.trim() },
  };
}

/** Keeps an earlier same-day sweep's points that this run did not redo (e.g. --quick, then --sizes 4000). */
function mergeSweep(now: SuiteResult, before: SuiteResult): void {
  type Point = { M: number; n: number; threads: number };
  const key = (p: Point) => `${p.M}/${p.n}/${p.threads}`;
  const redone = new Set(now.result.points.map(key));
  now.result.points = [...before.result.points.filter((p: Point) => !redone.has(key(p))), ...now.result.points]
    .sort((a: Point, b: Point) => a.n - b.n || a.M - b.M || a.threads - b.threads);
}

const date = new Date().toISOString().slice(0, 10);
const selected = SUITES.filter((s) => filter.test(s.name));
if (selected.length === 0) {
  console.error(`No suite matches ${filter}; suites: ${SUITES.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
mkdirSync(RESULTS, { recursive: true });
const env = environment();
if (selected.some((s) => s.data)) ensureData(BASE.M, BASE.n);

let failed = 0;
for (const s of argv.includes('--report-only') ? [] : selected) {
  console.error(`\n# ${s.name}: ${s.what}`);
  const load = loadavg()[0];
  const t0 = Date.now();
  const p = spawnSync(s.cmd[0], s.cmd.slice(1), { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  const line = p.stdout?.trim().split('\n').pop();
  if (p.status !== 0 || !line) {
    console.error(`  FAILED (exit ${p.status}${p.error ? `, ${p.error.message}` : ''})`);
    failed++;
    continue;
  }
  const result: SuiteResult = { date, suite: s.name, what: s.what, command: s.cmd.join(' '), wallSeconds: (Date.now() - t0) / 1000, loadBefore: load, env, result: JSON.parse(line) };
  const file = join(RESULTS, `${date}-${s.name}.json`);
  if (s.name === 'mi-sweep' && existsSync(file)) mergeSweep(result, JSON.parse(readFileSync(file, 'utf8')));
  writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
}

// The report covers every suite that has a result today, so separate runs (quick, then M = 4000) add up.
const c = checks();
writeFileSync(join(RESULTS, `${date}-checks.json`), JSON.stringify(c, null, 1) + '\n');
const md = report(RESULTS, date, c);
writeFileSync(join(RESULTS, `${date}.md`), md);
console.log('\n' + md);
process.exit(failed ? 1 : 0);
