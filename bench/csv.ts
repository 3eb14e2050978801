/**
 * A whole run as fast as its core (issue 13): wide-CSV ingestion of 253 metrics × 28,800 rows
 * (bench/csv-data.ts, ~98 MB) against pandas' read_csv and DuckDB's read_csv, plain and gzip; the
 * end-to-end `node bin/metricsift.js matrix` on that file; the matrix writers. Every side runs in a
 * fresh process, all in the same run. Writes bench/results/<date>-csv.md.
 *
 *   node --import tsx bench/csv.ts [reps]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, CORES } from './common.js';
import { csvPath, ensureCsv } from './csv-data.js';

const PY = '/usr/bin/python3';
const REPS = Number(process.argv[2] ?? 5);
const file = ensureCsv(BASE.M, BASE.n);
const gz = csvPath(BASE.M, BASE.n, true);
const load = loadavg()[0];

interface Timing { times: number[]; median: number; min: number; shape?: string; threads?: unknown; error?: string }

function run(cmd: string, args: string[]): Timing {
  const p = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (p.status !== 0) return { times: [], median: NaN, min: NaN, error: (p.stderr || p.stdout).trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(p.stdout.trim().split('\n').pop()!) as Timing;
}
const node = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'bench/suites/csv-read.ts', ...args]);
const pandas = (f: string) => run(PY, ['-c', `
import json, time, pandas as pd
pd.read_csv(${JSON.stringify(f)})
ts = []
for _ in range(${REPS}):
    t0 = time.perf_counter(); df = pd.read_csv(${JSON.stringify(f)}); ts.append(time.perf_counter() - t0)
s = sorted(ts)
print(json.dumps({"times": ts, "median": s[len(s) // 2], "min": s[0], "shape": f"{df.shape[0]}x{df.shape[1] - 1}", "version": pd.__version__}))
`]);

process.stderr.write(`csv: ${file}\n`);
const rows: [string, string, Timing][] = [
  ['plain', 'metricsift readCsv', node('metricsift', file, String(REPS))],
  ['plain', 'pandas read_csv', pandas(file)],
  ['plain', 'DuckDB read_csv (@duckdb/node-api, into a table)', existsSync('node_modules/@duckdb/node-api') ? node('duckdb', file, String(REPS)) : { times: [], median: NaN, min: NaN, error: 'not installed' }],
  ['gzip', 'metricsift readCsv', node('metricsift', gz, String(REPS))],
  ['gzip', 'pandas read_csv', pandas(gz)],
  ['gzip', 'DuckDB read_csv (@duckdb/node-api, into a table)', existsSync('node_modules/@duckdb/node-api') ? node('duckdb', gz, String(REPS)) : { times: [], median: NaN, min: NaN, error: 'not installed' }],
];

// End to end: the CLI as a user runs it, a fresh process each time (Node start-up, imports, read,
// 16-bin MI over all pairs, CSV output).
const dir = mkdtempSync(join(tmpdir(), 'ms-e2e-'));
const e2e: number[] = [];
for (let r = 0; r < REPS + 1; r++) {
  const t0 = performance.now();
  const p = spawnSync(process.execPath, ['bin/metricsift.js', 'matrix', file, '-q', '-o', join(dir, 'm.csv')], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(p.stderr);
  if (r > 0) e2e.push((performance.now() - t0) / 1000);
}
rmSync(dir, { recursive: true, force: true });
const e2eSorted = [...e2e].sort((a, b) => a - b);
const writers = node('writers', String(REPS)) as unknown as { csv: Timing; arrow: Timing; csvBytes: number; arrowBytes: number; error?: string };

const fmt = (t: Timing) => (t.error ? `failed: ${t.error}` : `${(t.median * 1000).toFixed(0)} ms (min ${(t.min * 1000).toFixed(0)} ms, ${t.times.length} runs)`);
const ratio = (peer: Timing, ms: Timing) => (peer.error || ms.error ? '—' : `${(peer.median / ms.median).toFixed(1)}×`);
const date = new Date().toISOString().slice(0, 10);
const lines = [
  `# Wide-CSV ingestion and a whole matrix run, ${date}`,
  '',
  `- ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; 1-minute load average ${load.toFixed(1)} at the start (shared machine: read the same-run ratios).`,
  `- Data: \`bench/csv-data.ts\`, ${BASE.M} metrics × ${BASE.n.toLocaleString('en')} rows + an ISO time column, cells at 7-17 significant digits, a few missing; plain and gzip.`,
  `- Command: \`node --import tsx bench/csv.ts ${REPS}\`. Medians after one warm-up; each side in a fresh process. metricsift uses ${CORES} threads, pandas one (its C parser), DuckDB its default.`,
  '',
  '| file | reader | time | metricsift faster by |',
  '| --- | --- | --- | --- |',
  ...rows.map(([kind, who, t]) => {
    const ms = rows.find(([k, w]) => k === kind && w === 'metricsift readCsv')![2];
    return `| ${kind} | ${who} | ${fmt(t)} | ${who.startsWith('metricsift') ? '' : ratio(t, ms)} |`;
  }),
  '',
  `End to end, \`node bin/metricsift.js matrix <csv> -q -o m.csv\` (253² binned MI, 16 quantile bins, CSV out), fresh process each: median ${e2eSorted[e2eSorted.length >> 1].toFixed(2)} s (min ${e2eSorted[0].toFixed(2)} s, ${e2e.length} runs; target ≤ 0.7 s).`,
  '',
  writers.error ? `Writers: failed (${writers.error}).` : `Writers: CSV of a 253² matrix ${fmt(writers.csv)} (${(writers.csvBytes / 2 ** 20).toFixed(1)} MiB); Arrow IPC of a 4,000² matrix ${fmt(writers.arrow)} (${(writers.arrowBytes / 2 ** 20).toFixed(0)} MiB).`,
  '',
];
const md = lines.join('\n');
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(join('bench', 'results', `${date}-csv.md`), md);
process.stdout.write(md);
