/**
 * Scale benchmark (issue 16): a 10,000-metric × 10,080-row CSV (a week at one-minute resolution)
 * read and analysed with `matrix --measure nmi --threshold 0.3` on the machine's cores, the same
 * run through the Redis queue with 2 local workers, and the worker pool's speed-up on a ranking of
 * 1,000 metrics. Every measured command runs in a fresh process under `/usr/bin/time -v` (wall
 * time and peak RSS); sides compared are measured in the same run, one after the other.
 *
 *   node --import tsx bench/scale.ts                       # all three (about 10-20 minutes on 2 cores)
 *   node --import tsx bench/scale.ts single queue          # some of them
 *   node --import tsx bench/scale.ts --metrics 2000        # a smaller file (quick check)
 *   node --import tsx bench/scale.ts gen                   # only write the CSV
 *   node --import tsx bench/scale.ts jsread                # the JS parser (fallback path) over the same file, in pieces
 *
 * The CSV is written once under $TMPDIR/metricsift-scale/ (about 0.8 GB; not in the repository).
 * Results: bench/results/<date>-scale.json and .md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'metricsift.js');
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const M = opt('metrics', 10_000), N = opt('rows', 10_080), RANK_M = opt('rank-metrics', 1_000);
const THREADS = opt('threads', cpus().length);
const wanted = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const run = (s: string) => wanted.length === 0 || wanted.includes(s);
const dir = join(tmpdir(), 'metricsift-scale');
mkdirSync(dir, { recursive: true });

/** xorshift-style seeded uniform in [0, 1). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * Writes an M × N wide CSV: metrics in groups of 10 sharing an AR(1) latent factor with a daily
 * cycle, each with its own signal-to-noise ratio; every 7th metric a rounded counter-like series
 * (ties), every 10th independent noise. Names `svc<g>/m<k>` (services of 10 metrics).
 */
function writeCsv(path: string, m: number, n: number): void {
  if (existsSync(path)) return;
  const t0 = performance.now();
  const r = rng(20261201);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const groups = Math.ceil(m / 10);
  const latent = new Float64Array(groups);
  const snr = Float64Array.from({ length: m }, (_, k) => (k % 10 === 9 ? 0 : 0.2 + 3 * r()));
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, `time,${Array.from({ length: m }, (_, k) => `svc${Math.floor(k / 10)}/m${k}`).join(',')}\n`);
  const start = Date.UTC(2026, 10, 23);
  const parts: string[] = new Array(m + 1);
  for (let i = 0; i < n; i++) {
    const day = Math.sin((2 * Math.PI * i) / 1440);
    for (let g = 0; g < groups; g++) latent[g] = 0.95 * latent[g] + 0.3 * gauss() + 0.05 * day;
    parts[0] = new Date(start + i * 60_000).toISOString();
    for (let k = 0; k < m; k++) {
      const v = snr[k] * latent[Math.floor(k / 10)] + gauss();
      parts[k + 1] = k % 7 === 3 ? String(Math.round(v * 2 + 10)) : (Math.round(v * 1000) / 1000).toString();
    }
    writeSync(fd, parts.join(',') + '\n');
  }
  closeSync(fd);
  renameSync(tmp, path);
  console.error(`wrote ${path} (${(statSync(path).size / 1e9).toFixed(2)} GB) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

interface Timed { wallS: number; peakRssMiB: number; userS: number; sysS: number; status: number; stderr: string; stdout?: string }

/** A command under /usr/bin/time -v: wall time, peak RSS, CPU. */
function timed(cmd: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', ...cmd], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const wallS = (performance.now() - t0) / 1000;
  const get = (re: RegExp) => Number(re.exec(r.stderr)?.[1] ?? NaN);
  return { wallS, peakRssMiB: get(/Maximum resident set size \(kbytes\): (\d+)/) / 1024, userS: get(/User time \(seconds\): ([\d.]+)/), sysS: get(/System time \(seconds\): ([\d.]+)/), status: r.status ?? -1, stderr: r.stderr.slice(0, 2000), stdout: r.stdout };
}

/** A long-running process (a queue worker): its peak RSS read from /proc just before it is stopped. */
function background(cmd: string[], env: NodeJS.ProcessEnv): { stop: () => Promise<{ peakRssMiB: number; cpuS: number }> } {
  const p = spawn(cmd[0], cmd.slice(1), { env, stdio: ['ignore', 'ignore', 'ignore'] });
  return {
    stop: async () => {
      const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
      const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      const cpuS = (Number(stat[11]) + Number(stat[12])) / 100; // utime + stime, in clock ticks of 1/100 s
      const exited = new Promise((r) => p.on('exit', r));
      p.kill('SIGTERM');
      await exited;
      return { peakRssMiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024, cpuS };
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const results: Record<string, unknown> = {
  date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, memGiB: +(totalmem() / 2 ** 30).toFixed(1),
  loadavgAtStart: loadavg().map((x) => +x.toFixed(2)), metrics: M, rows: N, threads: THREADS,
};
const csv = join(dir, `${M}x${N}.csv`);
writeCsv(csv, M, N);
if (wanted.length === 1 && wanted[0] === 'gen') process.exit(0); // only write the file
results.csvBytes = statSync(csv).size;
const matrixArgs = ['--measure', 'nmi', '--threshold', '0.3', '--threads', String(THREADS), '--quiet'];
const node = process.execPath;

const resDir = join(root, 'bench', 'results');
const name = M === 10_000 && N === 10_080 ? `${new Date().toISOString().slice(0, 10)}-scale` : `${new Date().toISOString().slice(0, 10)}-scale-${M}x${N}`;
const prev = existsSync(join(resDir, `${name}.json`)) ? JSON.parse(readFileSync(join(resDir, `${name}.json`), 'utf8')) as Record<string, unknown> : {};
// The queue is compared with this run's single process, or with the day's earlier one.
if (run('single') || (run('queue') && !prev.single)) {
  const out = join(dir, 'single.csv');
  const s = timed([node, bin, 'matrix', csv, ...matrixArgs, '--out', out]);
  if (s.status !== 0) throw new Error(`matrix failed: ${s.stderr}`);
  const pairs = readFileSync(out, 'utf8').split('\n').length - 2;
  results.single = { ...s, stderr: undefined, pairsAbove: pairs, perPairNs: (s.wallS * 1e9) / ((M * (M - 1)) / 2), loadavg: loadavg().map((x) => +x.toFixed(2)) };
  console.error(`single: ${s.wallS.toFixed(1)} s, peak ${s.peakRssMiB.toFixed(0)} MiB, ${pairs} pairs`);
}

if (run('queue')) {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const url = `redis://127.0.0.1:${port}`;
  const env = { ...process.env, METRICSIFT_REDIS: url };
  try {
    const tiles = opt('tiles', 32);
    const perWorker = Math.max(1, Math.floor(THREADS / 2));
    const t0 = performance.now();
    const workers = [0, 1].map(() => background([node, bin, 'worker', '--threads', String(perWorker), '--quiet'], env));
    const sub = timed([node, bin, 'queue', 'submit', csv, ...matrixArgs, '--tiles', String(tiles)], env);
    if (sub.status !== 0) throw new Error(`submit failed: ${sub.stderr}`);
    const id = sub.stdout!.trim().split('\n').pop()!;
    const subCpu = { cpuS: sub.userS + sub.sysS };
    const submitS = (performance.now() - t0) / 1000;
    const out = join(dir, 'queue.csv');
    const col = timed([node, bin, 'queue', 'collect', id, '--quiet', '--out', out], env);
    if (col.status !== 0) throw new Error(`collect failed: ${col.stderr}`);
    const colCpu = { cpuS: col.userS + col.sysS };
    const wallS = (performance.now() - t0) / 1000;
    const ws = await Promise.all(workers.map((w) => w.stop()));
    const same = readFileSync(out).equals(readFileSync(join(dir, 'single.csv')));
    const single = (results.single ?? prev.single) as Timed;
    const cpuS = ws.reduce((a, w) => a + w.cpuS, 0) + subCpu.cpuS + colCpu.cpuS;
    results.queue = {
      wallS, submitS, cpuS, singleCpuS: single.userS + single.sysS, cpuOverhead: cpuS / (single.userS + single.sysS) - 1, tiles, workers: 2, threadsPerWorker: perWorker, identicalToSingle: same, overhead: wallS / single.wallS - 1,
      workerPeakRssMiB: ws.map((w) => +w.peakRssMiB.toFixed(0)), workerCpuS: ws.map((w) => +w.cpuS.toFixed(1)), loadavg: loadavg().map((x) => +x.toFixed(2)),
    };
    console.error(`queue: ${wallS.toFixed(1)} s (single ${single.wallS.toFixed(1)} s, overhead ${(100 * (wallS / single.wallS - 1)).toFixed(1)} %), identical: ${same}`);
  } finally {
    redis.kill('SIGTERM');
  }
}

if (wanted.includes('jsread')) {
  // The JS parser (the fallback for files the native reader hands back) over the same file, which
  // is beyond V8's string limit: streamed in pieces, never one string.
  const script = `import { createReadStream } from 'node:fs'; import { parseCsvPieces } from ${JSON.stringify(join(root, 'src', 'io', 'csv.ts'))};
const t = await parseCsvPieces(createReadStream(${JSON.stringify(csv)}, { highWaterMark: 8 << 20 }), 'x.csv');
console.log(t.rows, t.names.length, t.columns[0].chunks.length);`;
  const t = timed([node, '--import', 'tsx', '--input-type=module', '-e', script]);
  if (t.status !== 0) throw new Error(`JS parse failed: ${t.stderr}`);
  results.jsRead = { ...t, stderr: undefined, loadavg: loadavg().map((x) => +x.toFixed(2)) };
  console.error(`JS parser in pieces: ${t.wallS.toFixed(1)} s, peak ${t.peakRssMiB.toFixed(0)} MiB`);
}

if (run('pool')) {
  // The first RANK_M + 1 columns (a target and RANK_M metrics) of a file of the same shape.
  const small = join(dir, `${RANK_M + 1}x${N}.csv`);
  writeCsv(small, RANK_M + 1, N);
  const rankArgs = ['rank', small, '--target', 'svc0/m0', '--permutations', String(opt('permutations', 99)), '--ci', '0.95', '--replicates', String(opt('replicates', 100)), '--threads', String(THREADS), '--json'];
  const sides: Record<string, Timed & { md5?: string }> = {};
  for (const w of [1, THREADS]) {
    const t = timed([node, bin, ...rankArgs, ...(w > 1 ? ['--workers', String(w)] : [])]);
    if (t.status !== 0) throw new Error(`rank failed: ${t.stderr}`);
    sides[`workers${w}`] = { ...t, stderr: '' };
    console.error(`rank ${RANK_M} metrics, workers ${w}: ${t.wallS.toFixed(1)} s`);
  }
  const one = sides.workers1, many = sides[`workers${THREADS}`];
  results.pool = { metrics: RANK_M, args: rankArgs.slice(2).join(' '), sides, speedup: one.wallS / many.wallS, loadavg: loadavg().map((x) => +x.toFixed(2)) };
}

writeFileSync(join(resDir, `${name}.json`), JSON.stringify({ ...prev, ...results }, null, 1) + '\n');
console.log(JSON.stringify(results, null, 1));
