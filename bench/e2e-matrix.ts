/**
 * `node bin/metricsift.js matrix` end to end on the 253 × 28,800 CSV (bench/csv-data.ts), wall
 * and CPU time (user + system, all threads, from /usr/bin/time) of each fresh process, beside the
 * CLI's start-up alone (`--version`: Node, the imports, commander). CPU time is what a shared
 * machine cannot inflate much; wall time on 2 quiet cores is about CPU / 2 for the parallel parts.
 * Writes bench/results/<date>-e2e-matrix.md.
 *
 *   node --import tsx bench/e2e-matrix.ts [reps]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE } from './common.js';
import { ensureCsv } from './csv-data.js';

const REPS = Number(process.argv[2] ?? 5);
const file = ensureCsv(BASE.M, BASE.n);
const dir = mkdtempSync(join(tmpdir(), 'ms-e2e-'));
const loadBefore = loadavg()[0];

interface Run { wall: number; cpu: number }
function timed(args: string[]): Run {
  const p = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (p.status !== 0) throw new Error(p.stderr);
  const [wall, user, sys] = p.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: user + sys };
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
function series(args: string[]): { wall: number[]; cpu: number[] } {
  timed(args); // warm-up: the file in the page cache
  const runs = Array.from({ length: REPS }, () => timed(args));
  return { wall: runs.map((r) => r.wall), cpu: runs.map((r) => r.cpu) };
}

const startup = series(['bin/metricsift.js', '--version']);
const matrix = series(['bin/metricsift.js', 'matrix', file, '-q', '-o', join(dir, 'm.csv')]);
rmSync(dir, { recursive: true, force: true });
const loadAfter = loadavg()[0];

const row = (what: string, s: { wall: number[]; cpu: number[] }) =>
  `| ${what} | ${median(s.wall).toFixed(2)} s (min ${Math.min(...s.wall).toFixed(2)}) | ${median(s.cpu).toFixed(2)} s (min ${Math.min(...s.cpu).toFixed(2)}) |`;
const date = new Date().toISOString().slice(0, 10);
const md = `# \`metricsift matrix\` end to end, ${date}

- ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after (shared machine).
- Data: \`bench/csv-data.ts\`, ${BASE.M} metrics × ${BASE.n.toLocaleString('en')} rows, ~98 MB CSV. Command: \`node --import tsx bench/e2e-matrix.ts ${REPS}\`; each run a fresh process after one warm-up, ${REPS} runs, medians.

| command | wall | CPU (user + system, all threads) |
| --- | --- | --- |
${row('`node bin/metricsift.js --version` (start-up alone)', startup)}
${row('`node bin/metricsift.js matrix <csv> -q -o m.csv` (read, 16-bin MI of all pairs, CSV out)', matrix)}
`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/${date}-e2e-matrix.md`, md);
process.stdout.write(md);
