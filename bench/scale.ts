/**
 * Scale benchmark (issue 16): a 10,000-metric × 10,080-row CSV (a week at one-minute resolution)
 * read and analysed with `matrix --measure nmi --threshold 0.3` on the machine's cores, the same
 * run through the Redis queue with 2 local workers, and the worker pool's speed-up on a ranking of
 * 1,000 metrics. Every measured command runs in a fresh process under `/usr/bin/time -v` (wall
 * time and peak RSS); sides compared are measured in the same run, one after the other.
 *
 *   node --import tsx bench/scale.ts                       # all three (about 10-20 minutes on 2 cores)
 *   node --import tsx bench/scale.ts single                # the single process alone
 *   node --import tsx bench/scale.ts queue --rounds 2 --conc   # single and queue runs alternated, 2 rounds;
 *                                                          # --conc adds one worker process with --concurrency 2
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
const singleOut = join(dir, `single-${M}.csv`);
const pairsTotal = (M * (M - 1)) / 2;
const load = () => loadavg().map((x) => +x.toFixed(2));

/** `matrix --threshold` in one fresh process (read, bin, all pairs, write). */
function single(): Timed & { cpuS: number; pairsAbove: number; cpuPerPairNs: number; loadavg: number[] } {
  const s = timed([node, bin, 'matrix', csv, ...matrixArgs, '--out', singleOut]);
  if (s.status !== 0) throw new Error(`matrix failed: ${s.stderr}`);
  const pairs = readFileSync(singleOut, 'utf8').split('\n').length - 2;
  const cpuS = s.userS + s.sysS;
  console.error(`single: ${s.wallS.toFixed(1)} s wall, ${cpuS.toFixed(1)} CPU-s, peak ${s.peakRssMiB.toFixed(0)} MiB, ${pairs} pairs`);
  return { ...s, stderr: '', stdout: undefined, cpuS, pairsAbove: pairs, cpuPerPairNs: (cpuS * 1e9) / pairsTotal, loadavg: load() };
}

/** utime + stime of a live process, in seconds (clock ticks of 1/100 s). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

/**
 * The same run through the queue: `queue submit`, local workers started beforehand (`procs`: two
 * worker processes of THREADS/2 native threads each; `conc`: one worker process with
 * `--concurrency 2`, which reads and bins once), `queue collect`. CPU is every process of the run,
 * Redis included; the output must be the single run's, byte for byte.
 */
async function queueRun(mode: 'procs' | 'conc', url: string, redisPid: number, tiles: number) {
  const env = { ...process.env, METRICSIFT_REDIS: url };
  const perWorker = mode === 'procs' ? Math.max(1, Math.floor(THREADS / 2)) : THREADS;
  const workerArgs = mode === 'procs' ? [['--threads', String(perWorker)], ['--threads', String(perWorker)]] : [['--concurrency', '2']];
  const redis0 = cpuOf(redisPid);
  const t0 = performance.now();
  const workers = workerArgs.map((a) => background([node, bin, 'worker', ...a, '--quiet'], env));
  const sub = timed([node, bin, 'queue', 'submit', csv, ...matrixArgs, '--tiles', String(tiles)], env);
  if (sub.status !== 0) throw new Error(`submit failed: ${sub.stderr}`);
  const id = sub.stdout!.trim().split('\n').pop()!;
  const submitS = (performance.now() - t0) / 1000;
  const out = join(dir, `queue-${M}.csv`);
  const col = timed([node, bin, 'queue', 'collect', id, '--quiet', '--out', out], env);
  if (col.status !== 0) throw new Error(`collect failed: ${col.stderr}`);
  const wallS = (performance.now() - t0) / 1000;
  const ws = await Promise.all(workers.map((w) => w.stop()));
  const redisCpuS = cpuOf(redisPid) - redis0;
  const same = readFileSync(out).equals(readFileSync(singleOut));
  const submitCpuS = sub.userS + sub.sysS, collectCpuS = col.userS + col.sysS;
  const cpuS = ws.reduce((a, w) => a + w.cpuS, 0) + submitCpuS + collectCpuS + redisCpuS;
  console.error(`queue (${mode}): ${wallS.toFixed(1)} s wall, ${cpuS.toFixed(1)} CPU-s (workers ${ws.map((w) => w.cpuS.toFixed(1)).join(' + ')}, submit ${submitCpuS.toFixed(1)}, collect ${collectCpuS.toFixed(1)}, redis ${redisCpuS.toFixed(1)}), identical: ${same}`);
  return {
    mode, wallS, submitS, cpuS, cpuPerPairNs: (cpuS * 1e9) / pairsTotal, tiles, workerProcesses: ws.length, threadsPerWorker: perWorker, identicalToSingle: same,
    workerCpuS: ws.map((w) => +w.cpuS.toFixed(2)), submitCpuS, collectCpuS, redisCpuS: +redisCpuS.toFixed(2), workerPeakRssMiB: ws.map((w) => +w.peakRssMiB.toFixed(0)), loadavg: load(),
  };
}

if (run('queue')) {
  // Single and queue runs alternate (ROUNDS each), so a change in the machine's load hits both sides.
  const rounds = opt('rounds', 1), tiles = opt('tiles', 32);
  const modes = (args.includes('--conc') ? ['procs', 'conc'] : ['procs']) as ('procs' | 'conc')[];
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const url = `redis://127.0.0.1:${port}`;
  const singles: ReturnType<typeof single>[] = [], queues: Awaited<ReturnType<typeof queueRun>>[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      singles.push(single());
      for (const mode of modes) queues.push(await queueRun(mode, url, redis.pid!, tiles));
    }
  } finally {
    redis.kill('SIGTERM');
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const sCpu = sum(singles.map((x) => x.cpuS)), sWall = sum(singles.map((x) => x.wallS));
  const summary = Object.fromEntries(modes.map((mode) => {
    const qs = queues.filter((q) => q.mode === mode);
    return [mode, {
      cpuOverhead: sum(qs.map((q) => q.cpuS)) / sCpu - 1, wallOverhead: sum(qs.map((q) => q.wallS)) / sWall - 1,
      perRound: qs.map((q, k) => ({ cpu: q.cpuS / singles[k].cpuS - 1, wall: q.wallS / singles[k].wallS - 1 })), identical: qs.every((q) => q.identicalToSingle),
    }];
  }));
  results.queueRounds = { rounds, tiles, pairs: pairsTotal, singles, queues, summary };
  for (const [mode, v] of Object.entries(summary)) console.error(`queue ${mode} over ${rounds} rounds: CPU overhead ${(100 * v.cpuOverhead).toFixed(1)} %, wall ${(100 * v.wallOverhead).toFixed(1)} %`);
} else if (run('single')) {
  results.single = single();
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
  // The first RANK_M + 1 columns (a target and RANK_M metrics) of a file of the same shape. The
  // sides alternate (ROUNDS each) and must print the same ranking.
  const small = join(dir, `${RANK_M + 1}x${N}.csv`);
  writeCsv(small, RANK_M + 1, N);
  const rankArgs = ['rank', small, '--target', 'svc0/m0', '--permutations', String(opt('permutations', 99)), '--ci', '0.95', '--replicates', String(opt('replicates', 100)), '--threads', String(THREADS), '--json'];
  const rounds = opt('rounds', 1);
  const sides: Record<string, (Omit<Timed, 'stdout'> & { cpuS: number; loadavg: number[] })[]> = { single: [], pool: [] };
  let reference: string | undefined, identical = true;
  for (let r = 0; r < rounds; r++) {
    for (const side of ['single', 'pool'] as const) {
      const t = timed([node, bin, ...rankArgs, ...(side === 'pool' ? ['--workers', String(THREADS)] : [])]);
      if (t.status !== 0) throw new Error(`rank failed: ${t.stderr}`);
      reference ??= t.stdout;
      identical &&= t.stdout === reference;
      sides[side].push({ ...t, stdout: undefined, stderr: '', cpuS: t.userS + t.sysS, loadavg: load() } as never);
      console.error(`rank ${RANK_M} metrics, ${side}: ${t.wallS.toFixed(1)} s wall, ${(t.userS + t.sysS).toFixed(1)} CPU-s`);
    }
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const wall = (k: string) => sum(sides[k].map((x) => x.wallS)), cpu = (k: string) => sum(sides[k].map((x) => x.cpuS));
  results.poolRounds = {
    metrics: RANK_M, args: rankArgs.slice(2).join(' '), workers: THREADS, threadsPerTask: Math.max(1, Math.floor(THREADS / THREADS)), rounds, sides, identicalOutput: identical,
    speedupWall: wall('single') / wall('pool'), cpuRatio: cpu('pool') / cpu('single'),
    // CPU-s per wall-s: how many cores each side kept busy (on a shared machine, bounded by its share).
    coresBusy: { single: cpu('single') / wall('single'), pool: cpu('pool') / wall('pool') },
  };
  console.error(`pool: speed-up ${(wall('single') / wall('pool')).toFixed(2)}x wall, CPU ratio ${(cpu('pool') / cpu('single')).toFixed(2)}, identical output: ${identical}`);
}

writeFileSync(join(resDir, `${name}.json`), JSON.stringify({ ...prev, ...results }, null, 1) + '\n');
console.log(JSON.stringify(results, null, 1));
