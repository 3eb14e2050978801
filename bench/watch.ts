/**
 * Issue 18's benchmark: continuous mode's per-interval update against recomputing the window.
 * 1,000 metrics (a shared factor per group of 10, noise), a 1,440-row window (24 h at 1 min),
 * 16 quantile bins, each metric's 5 best partners tracked (by NMI, chosen natively once) plus
 * every metric's pair with one target: one interval = one new row in, one old row out, then every
 * metric's entropy, every tracked pair's MI/NMI and every target pair's interval read.
 * The peers, in the same process and run: (a) recomputeWindow, the same window binned with the
 * same edges and counted from scratch in TypeScript (what the update must equal); (b) the batch
 * path, prepare() of the window natively (quantile bins) and the all-pairs MI matrix.
 * --soak: resident memory over 24 h of 1,000 metrics at 15 s (5,760-row window) fed twice over.
 *
 *   node --import tsx bench/watch.ts [--soak] [--metrics 1000] [--window 1440]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../src/index.js';
import { SlidingWindow, recomputeWindow } from '../src/watch/window.js';

const arg = (k: string, d: number) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const soak = process.argv.includes('--soak');
const M = arg('--metrics', 1000), W = arg('--window', soak ? 5760 : 1440), K = 16, TOP = 5;

let seed = 7;
const unif = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
const gauss = () => Math.sqrt(-2 * Math.log(1 - unif())) * Math.cos(2 * Math.PI * unif());
const factors = new Float64Array(Math.ceil(M / 10));
function nextRow(): Float64Array {
  for (let f = 0; f < factors.length; f++) factors[f] = 0.9 * factors[f] + gauss();
  const row = new Float64Array(M);
  for (let m = 0; m < M; m++) row[m] = factors[Math.floor(m / 10)] * ((m % 10) / 10) + gauss();
  return row;
}

const names = Array.from({ length: M }, (_, m) => `svc${Math.floor(m / 10)}/metric${m}`);
const w = new SlidingWindow(names, { capacity: W, bins: K });
let t = 0;
const tFill = performance.now();
for (; t < W; t++) w.push(nextRow(), t);
const fillS = (performance.now() - tFill) / 1000;

// Tracked pairs: each metric's TOP best partners by NMI (native, once), plus metric × target 0.
const cols: Record<string, Float64Array> = {};
names.forEach((n, m) => (cols[n] = w.values(m)));
const p = await prepare({ names, columns: names.map((n) => cols[n]) }, { bins: K });
const [top] = await p.topK(['nmi'], TOP);
p.dispose();
const seen = new Set<string>(), pairs: [number, number][] = [];
for (let k = 0; k < top.i.length; k++) {
  const a = Math.min(top.i[k], top.j[k]), b = Math.max(top.i[k], top.j[k]);
  if (!seen.has(`${a},${b}`)) seen.add(`${a},${b}`), pairs.push([a, b]);
}
const targetPairs: number[] = [];
for (let m = 1; m < M; m++) if (!seen.has(`0,${m}`)) targetPairs.push(pairs.push([m, 0]) - 1);
const tTrack = performance.now();
w.track(pairs);
const trackS = (performance.now() - tTrack) / 1000;

function readAll(): number {
  let s = 0;
  for (let m = 0; m < M; m++) s += w.entropy(m).value;
  for (let q = 0; q < pairs.length; q++) s += w.pairValue(q).mi;
  for (const q of targetPairs) s += w.miInterval(q).upper;
  return s;
}

function time(fn: () => unknown, reps: number): number {
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const a = performance.now();
    fn();
    ts.push(performance.now() - a);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

const out: string[] = [];
const date = new Date().toISOString().slice(0, 10);
const env = `${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; load average ${loadavg()[0].toFixed(2)} at the start`;
if (!soak) {
  for (let r = 0; r < 20; r++) w.push(nextRow(), t++), readAll(); // warm-up
  let rebins = w.rebins;
  const update = time(() => {
    w.push(nextRow(), t++);
    readAll();
  }, 200);
  rebins = w.rebins - rebins;
  const recount = time(() => recomputeWindow(w), 3);
  const batch = await (async () => {
    const ts: number[] = [];
    for (let r = 0; r < 3; r++) {
      const a = performance.now();
      const cs = names.map((_, m) => w.values(m));
      const pt = await prepare({ names, columns: cs }, { bins: K });
      await pt.matrices(['mi']);
      pt.dispose();
      ts.push(performance.now() - a);
    }
    return ts.sort((a, b) => a - b)[1];
  })();
  out.push(
    `# Continuous mode: per-interval update vs recomputing the window, ${date}`, '',
    `- ${env}.`,
    `- ${M} metrics × ${W}-row window, ${K} quantile bins; ${pairs.length} tracked pairs (${pairs.length - targetPairs.length} top-${TOP} NMI partner pairs + ${targetPairs.length} target pairs); one interval = 1 row in, 1 row out, then all entropies, all pair MI/NMI and all target intervals read.`,
    `- Filling the window: ${fillS.toFixed(2)} s (${W} pushes); tracking the pairs (counted from the codes): ${trackS.toFixed(2)} s; re-binnings during the 200 timed intervals: ${rebins}.`,
    `- Command: \`node --import tsx bench/watch.ts\`. Median of 200 updates, 3 recomputes.`, '',
    '| | per interval | update cheaper by |', '| --- | --- | --- |',
    `| incremental update (SlidingWindow.push + reads) | ${update.toFixed(2)} ms | |`,
    `| recomputeWindow (same edges, from scratch, TypeScript) | ${recount.toFixed(1)} ms | ${(recount / update).toFixed(0)}× |`,
    `| batch: native prepare() + all-pairs MI matrix | ${batch.toFixed(1)} ms | ${(batch / update).toFixed(0)}× |`, '',
  );
} else {
  const rss: [number, number][] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let r = 0; r < 2 * W; r++) {
    w.push(nextRow(), t++);
    if (r % 60 === 0) readAll();
    if (r % 576 === 0) {
      gc?.();
      rss.push([r, process.memoryUsage().rss / 2 ** 20]);
    }
  }
  out.push(
    `# Continuous mode: resident memory over a soak, ${date}`, '',
    `- ${env}.`,
    `- ${M} metrics, ${W}-row window (24 h at 15 s), ${K} bins, ${pairs.length} tracked pairs; ${2 * W} intervals (48 h) pushed after the fill, reads every 60.`,
    `- Command: \`node --expose-gc --import tsx bench/watch.ts --soak\`.`, '',
    '| rows after fill | RSS MiB |', '| --- | --- |', ...rss.map(([r, m]) => `| ${r} | ${m.toFixed(0)} |`), '',
  );
}
const text = out.join('\n');
process.stdout.write(text + '\n');
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${date}-watch${soak ? '-soak' : ''}.md`), text);
