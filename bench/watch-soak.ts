/**
 * Issue 18's soak: `watch`'s resident memory over 24 h of 1,000 metrics at 15 s. A synthetic
 * Prometheus (bench/peers/fake-prometheus.ts, its own process: its memory is not counted) answers
 * query_range for 1,000 series and a target, from a deterministic function of (series, time).
 * The Watch runs in this process on a simulated clock: the start-up read of the whole 24-h window
 * (5,760 rows), then `--ticks` intervals (default 5,760: another 24 h, every row of the window
 * replaced), each a real HTTP read of the new grid point, the update, the refresh and, every 5
 * simulated minutes, the state saved. The start-up read goes through the reader in time slices of
 * at most 250,000 samples (watch's `maxSamples`). RSS, V8 heap and array buffers (after a forced GC)
 * are sampled every `--every` intervals (default 240: an hour simulated), and the results file is
 * rewritten at each sample, so a run stopped by `--budget` minutes of wall time (or killed) still
 * leaves its table; the file says how many intervals ran.
 *
 *   node --expose-gc --import tsx bench/watch-soak.ts [--ticks 5760] [--metrics 1000] [--every 240] [--budget 90] [--verbose]
 *
 * `--verbose` prints watch's log lines (selections and why) to stderr.
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
const M = arg('--metrics', 1000), TICKS = arg('--ticks', 5760), EVERY = arg('--every', 240), BUDGET = arg('--budget', Infinity), STEP = 15, WINDOW = 86_400;
const VERBOSE = process.argv.includes('--verbose');
const peer = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'peers/fake-prometheus.ts'), String(M)], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => peer.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
const state = mkdtempSync(join(tmpdir(), 'metricsift-soak-'));
let now = Math.floor(Date.UTC(2026, 11, 1) / 1000 / STEP) * STEP;
const gc = (globalThis as { gc?: () => void }).gc;
const mib = (x: number) => x / 2 ** 20;
const mem = (): [number, number, number] => {
  gc?.();
  const u = process.memoryUsage();
  return [mib(u.rss), mib(u.heapUsed), mib(u.arrayBuffers)];
};
const samples: [string, number, [number, number, number]][] = [['before start-up', 0, mem()]];
const date = new Date().toISOString().slice(0, 10);
const wallStart = performance.now();
const tickMs: number[] = [];
let initS = NaN, ticks = 0, stopped = '';
let selections = '';
const write = (errors: string) => {
  const sorted = [...tickMs].sort((a, b) => a - b);
  const q = (f: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * f))].toFixed(1) : 'n/a');
  const text = [
    `# Continuous mode: watch's resident memory over a soak, ${date}`, '',
    `- ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; load average ${loadavg()[0].toFixed(2)} at the last sample (the machine is shared).`,
    `- ${M} metrics + 1 target at ${STEP} s, 24-h window (${WINDOW / STEP} rows), 16 bins, defaults otherwise; a synthetic Prometheus in its own process; simulated clock.`,
    `- Start-up (read the whole window in slices of ≤ 250,000 samples, fill it, first selection): ${initS.toFixed(1)} s.`,
    `- Intervals run: ${ticks} of ${TICKS} asked (${((ticks * STEP) / 3600).toFixed(1)} h simulated, ${(ticks / (WINDOW / STEP)).toFixed(2)} window turnovers)${stopped}; per interval median ${q(0.5)} ms, p99 ${q(0.99)} ms; failed intervals: ${errors}; selections (first included): ${selections}. Wall time ${((performance.now() - wallStart) / 60_000).toFixed(1)} min.`,
    `- Command: \`node --expose-gc --import tsx bench/watch-soak.ts --ticks ${TICKS} --metrics ${M} --every ${EVERY}${Number.isFinite(BUDGET) ? ` --budget ${BUDGET}` : ''}\` (memory after a forced GC).`, '',
    '| when | intervals | RSS MiB | V8 heap used MiB | array buffers MiB |', '| --- | --- | --- | --- | --- |',
    ...samples.map(([s, k, [r, h, a]]) => `| ${s} | ${k} | ${r.toFixed(0)} | ${h.toFixed(0)} | ${a.toFixed(0)} |`), '',
  ].join('\n');
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', `${date}-watch-soak.md`), text);
  return text;
};
// Selections run since start-up, by reason (each reads the whole window: the slow intervals).
const selectionsNow = async () => {
  const m = [...(await w.registry.metrics()).matchAll(/metricsift_selections_total\{reason="([^"]*)"\} (\d+)/g)];
  return m.length ? m.map((x) => `${x[2]} ${x[1]}`).join(', ') : 'none';
};
const errorsNow = async () => /metricsift_errors_total\{[^}]*\} (\d+)/.exec(await w.registry.metrics())?.[1] ?? '0';
const w = new Watch({ url: `http://127.0.0.1:${port}`, queries: ['{job="soak"}'], targets: ['slo'], interval: STEP, window: WINDOW, lag: 0, stateDir: state, listen: '127.0.0.1:0', now: () => now, log: VERBOSE ? (l) => process.stderr.write(`[interval ${ticks}] ${l}\n`) : () => {} });
const t0 = performance.now();
await w.init();
initS = (performance.now() - t0) / 1000;
samples.push(['after start-up (window full)', 0, mem()]);
write('0');
for (let k = 1; k <= TICKS; k++) {
  now += STEP;
  const a = performance.now();
  await w.tick();
  tickMs.push(performance.now() - a);
  ticks = k;
  if (k % EVERY === 0) {
    samples.push([`${((k * STEP) / 3600).toFixed(2)} h simulated`, k, mem()]);
    selections = await selectionsNow();
    write(await errorsNow());
  }
  if ((performance.now() - wallStart) / 60_000 > BUDGET) {
    stopped = `, stopped by the ${BUDGET}-min wall-time budget`;
    break;
  }
}
if (ticks % EVERY !== 0) samples.push([`${((ticks * STEP) / 3600).toFixed(1)} h simulated (end)`, ticks, mem()]);
const errors = await errorsNow();
selections = await selectionsNow();
await w.stop();
peer.kill('SIGTERM');
rmSync(state, { recursive: true, force: true });
process.stdout.write(write(errors) + '\n');
