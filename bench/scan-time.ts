/**
 * The whole default `scan` as a user runs it (issue 12: ≤ 3 s on 2 cores), on the six shipped days:
 * a fresh `metricsift scan` process each time (trace reading and every output included), timed by
 * wall clock and by CPU (user + system over all threads, from the kernel's account of finished
 * children). The machine these results come from is shared: the load average is recorded, and the
 * CPU time is the better guide there (on 2 idle cores the wall time is at most about the CPU time,
 * and less where the native matrices and trace reading overlap).
 *
 *   npm run build:ts && node --import tsx bench/scan-time.ts [--rounds 5] [--peer DIR [--peer-label L]] [--only tt|petshop]
 *
 * `--peer DIR`: another built checkout (its `bin/metricsift.js`), run alternately with this one in
 * the same rounds, so a before/after comparison sees the same load; the results name it by
 * `--peer-label` (a commit, say) or the directory's last part, never by its path. Writes
 * bench/results/<date>-scan-time.{md,json}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { readPetshopMetrics, type ColumnTable } from '../src/index.js';
import { childCpu, joinRows } from './common.js';

const DATA = '../shared/datasets';
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const rounds = Number(arg('--rounds') ?? 5);
const peer = arg('--peer');
const peerLabel = arg('--peer-label') ?? (peer ? basename(resolve(peer)) : undefined);
const only = arg('--only');

/** The inputs as `scan` takes them: a Train Ticket day (its traces found beside it), a PetShop CSV, the temporal windows joined. */
async function inputs(): Promise<{ dataset: string; args: string[] }[]> {
  const out: { dataset: string; args: string[] }[] = [];
  if (only !== 'petshop') {
    for (const day of ['2023-01-29', '2023-01-30']) out.push({ dataset: `Train Ticket ${day} (with traces)`, args: [resolve(`${DATA}/trainticket/${day}`)] });
  }
  if (only !== 'tt') {
    for (const sc of ['high_traffic', 'low_traffic']) {
      out.push({ dataset: `PetShop ${sc} (noissue)`, args: [resolve(`${DATA}/petshop/${sc}/noissue/metrics.csv`), '--format', 'petshop'] });
    }
    // As bench/selection.ts: the temporal scenarios' 5-row issue windows joined into one CSV (40 rows).
    for (const sc of ['temporal_traffic1', 'temporal_traffic2']) {
      const tables: ColumnTable[] = [];
      for (const part of ['train', 'test']) {
        for (const issue of readdirSync(`${DATA}/petshop/${sc}/${part}`).sort()) tables.push(await readPetshopMetrics(`${DATA}/petshop/${sc}/${part}/${issue}/metrics.csv`));
      }
      const joined = joinRows(tables);
      const file = join(mkdtempSync(join(tmpdir(), 'ms-scan-time-')), 'joined.csv');
      writeFileSync(file, ['time,' + joined.names.join(','), ...joined.time!.map((t, r) => [t, ...joined.columns.map((c) => { const v = c.chunks[0].values[r]; return Number.isNaN(v) ? '' : String(v); })].join(','))].join('\n'));
      out.push({ dataset: `PetShop ${sc} (issue windows joined)`, args: [file, '--graph', resolve(`${DATA}/petshop/${sc}/graph.csv`)] });
    }
  }
  return out;
}



interface Run { wall: number; cpu: number }
function scanOnce(root: string, args: string[]): Run {
  const out = mkdtempSync(join(tmpdir(), 'ms-scan-out-'));
  rmSync(out, { recursive: true });
  const t = performance.now(), c = childCpu();
  execFileSync(process.execPath, [join(root, 'bin/metricsift.js'), 'scan', ...args, '--out', out, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const run = { wall: (performance.now() - t) / 1000, cpu: childCpu() - c };
  rmSync(out, { recursive: true, force: true });
  return run;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const summary = (runs: Run[]) => ({ cpuMin: Math.min(...runs.map((r) => r.cpu)), cpuMedian: median(runs.map((r) => r.cpu)), wallMin: Math.min(...runs.map((r) => r.wall)), wallMedian: median(runs.map((r) => r.wall)) });

const loadStart = loadavg();
const sides = [{ name: 'this checkout', root: process.cwd() }, ...(peer ? [{ name: `peer ${peerLabel}`, root: resolve(peer) }] : [])];
const results: { dataset: string; sides: { name: string; runs: Run[]; summary: ReturnType<typeof summary> }[] }[] = [];
for (const { dataset, args } of await inputs()) {
  const runs = sides.map(() => [] as Run[]);
  for (const s of sides) scanOnce(s.root, args);  // first runs pay the page cache
  for (let r = 0; r < rounds; r++) for (const [k, s] of sides.entries()) runs[k].push(scanOnce(s.root, args));
  results.push({ dataset, sides: sides.map((s, k) => ({ name: s.name, runs: runs[k], summary: summary(runs[k]) })) });
  process.stderr.write(`${dataset}: ${sides.map((s, k) => `${s.name} CPU min ${summary(runs[k]).cpuMin.toFixed(2)} s`).join(', ')}\n`);
}
const loadEnd = loadavg();

const date = new Date().toISOString().slice(0, 10);
const hw = `${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}`;
const fmt = (x: number) => x.toFixed(2);
const md = [
  `# Whole \`scan\` time, ${date}`,
  '',
  `- ${hw}; load average ${loadStart.map((x) => x.toFixed(1)).join(' ')} at the start, ${loadEnd.map((x) => x.toFixed(1)).join(' ')} at the end (the machine is shared with other jobs).`,
  `- Command: \`node --import tsx bench/scan-time.ts --rounds ${rounds}${peer ? ` --peer DIR --peer-label ${peerLabel}` : ''}\`. Each run is a fresh \`metricsift scan <input> --out DIR --quiet\` process with the default options; one warm-up run per input first, then ${rounds} rounds${peer ? ', this checkout and the peer alternately' : ''}.`,
  '- CPU: user + system seconds over all threads (what 2 cores have to do); wall: elapsed seconds on this loaded machine. Target (issue 12): ≤ 3 s on 2 cores.',
  ...(peer ? [`- Peer: ${peerLabel}.`] : []),
  '',
  `| dataset | ${sides.map((s) => `${s.name}: CPU min / median (s) | wall min / median (s)`).join(' | ')}${peer ? ' | CPU ratio (min) |' : ''}`,
  `| --- | ${sides.map(() => '--- | ---').join(' | ')}${peer ? ' | --- |' : ''}`,
  ...results.map((r) => `| ${r.dataset} | ${r.sides.map((s) => `${fmt(s.summary.cpuMin)} / ${fmt(s.summary.cpuMedian)} | ${fmt(s.summary.wallMin)} / ${fmt(s.summary.wallMedian)}`).join(' | ')}${peer ? ` | ${(r.sides[0].summary.cpuMin / r.sides[1].summary.cpuMin).toFixed(2)} |` : ''}`),
  '',
];
const dir = join('bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${date}-scan-time.md`), md.join('\n'));
writeFileSync(join(dir, `${date}-scan-time.json`), JSON.stringify({ date, hardware: hw, loadStart, loadEnd, rounds, peer: peerLabel ?? null, results }, null, 1));
process.stdout.write(md.join('\n'));
