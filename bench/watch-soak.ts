/**
 * Issue 18's soak: `watch`'s resident memory over 24 h of 1,000 metrics at 15 s. A synthetic
 * Prometheus (bench/peers/fake-prometheus.ts, its own process: its memory is not counted) answers
 * query_range for 1,000 series and a target, from a deterministic function of (series, time).
 * The Watch runs in this process on a simulated clock: the start-up read of the whole 24-h window
 * (5,760 rows), then `--ticks` intervals (default 5,760: another 24 h, every row of the window
 * replaced), each a real HTTP read of the new grid point, the update, the refresh and, every 5
 * simulated minutes, the state saved. RSS is sampled every 288 intervals (72 simulated minutes).
 *
 *   node --expose-gc --import tsx bench/watch-soak.ts [--ticks 5760] [--metrics 1000]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Watch } from '../src/watch/service.js';

const arg = (k: string, d: number) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const M = arg('--metrics', 1000), TICKS = arg('--ticks', 5760), STEP = 15, WINDOW = 86_400;
const peer = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'peers/fake-prometheus.ts'), String(M)], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => peer.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
const state = mkdtempSync(join(tmpdir(), 'metricsift-soak-'));
let now = Math.floor(Date.UTC(2026, 11, 1) / 1000 / STEP) * STEP;
const gc = (globalThis as { gc?: () => void }).gc;
const rss = () => {
  gc?.();
  return process.memoryUsage().rss / 2 ** 20;
};
const samples: [string, number, number][] = [['before start-up', 0, rss()]];
const w = new Watch({ url: `http://127.0.0.1:${port}`, queries: ['{job="soak"}'], targets: ['slo'], interval: STEP, window: WINDOW, lag: 0, stateDir: state, listen: '127.0.0.1:0', now: () => now, log: () => {} });
const t0 = performance.now();
await w.init();
const initS = (performance.now() - t0) / 1000;
samples.push(['after start-up (window full)', 0, rss()]);
const tickMs: number[] = [];
for (let k = 1; k <= TICKS; k++) {
  now += STEP;
  const a = performance.now();
  await w.tick();
  tickMs.push(performance.now() - a);
  if (k % 288 === 0) samples.push([`${((k * STEP) / 3600).toFixed(1)} h simulated`, k, rss()]);
}
await w.stop();
peer.kill('SIGTERM');
rmSync(state, { recursive: true, force: true });
tickMs.sort((a, b) => a - b);
const errors = /metricsift_errors_total\{[^}]*\} (\d+)/.exec(await w.registry.metrics())?.[1] ?? '0';
const date = new Date().toISOString().slice(0, 10);
const text = [
  `# Continuous mode: watch's resident memory over a soak, ${date}`, '',
  `- ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; load average ${loadavg()[0].toFixed(2)} at the end.`,
  `- ${M} metrics + 1 target at ${STEP} s, 24-h window (${WINDOW / STEP} rows), 16 bins, defaults otherwise; a synthetic Prometheus in its own process; simulated clock.`,
  `- Start-up (read and fill the whole window, first selection): ${initS.toFixed(1)} s. Then ${TICKS} intervals: median ${tickMs[tickMs.length >> 1].toFixed(1)} ms, p99 ${tickMs[Math.floor(tickMs.length * 0.99)].toFixed(1)} ms each; failed intervals: ${errors}.`,
  `- Command: \`node --expose-gc --import tsx bench/watch-soak.ts --ticks ${TICKS} --metrics ${M}\` (RSS after a forced GC).`, '',
  '| when | intervals | RSS MiB |', '| --- | --- | --- |', ...samples.map(([s, k, m]) => `| ${s} | ${k} | ${m.toFixed(0)} |`), '',
].join('\n');
process.stdout.write(text + '\n');
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', `${date}-watch-soak.md`), text);
