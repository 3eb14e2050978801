/**
 * Turns the suites' results into bench/results/<date>.md: times, ratios against the peers, the
 * issue's targets, histogram increments per cycle, the sweeps, and the numerical agreement between
 * metricsift and the peers (a fast wrong answer is worthless).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT_DIR } from './common.js';

export interface Env {
  cpu: string;
  cores: number;
  mhz: number;
  memGiB: number;
  node: string;
  python: Record<string, string>;
}

export interface SuiteResult {
  date: string;
  suite: string;
  what: string;
  command: string;
  wallSeconds: number;
  /** 1-minute load average when the suite started: the machine is shared. */
  loadBefore: number;
  env: Env;
  result: any;
}

export interface Check {
  what: string;
  entries: number;
  maxAbsDiff: number;
  /** Entries NaN on one side only. */
  nanMismatch: number;
}

function read(name: string): Float64Array | undefined {
  const p = join(OUT_DIR, `${name}.f64`);
  if (!existsSync(p)) return undefined;
  const b = readFileSync(p);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

/** Compares a[idxA(k)] with b[k] for every k of b. */
function compare(what: string, a: Float64Array, b: Float64Array, idxA: (k: number) => number = (k) => k): Check {
  let maxAbsDiff = 0, nanMismatch = 0;
  for (let k = 0; k < b.length; k++) {
    const x = a[idxA(k)], y = b[k];
    if (Number.isNaN(x) || Number.isNaN(y)) nanMismatch += Number(Number.isNaN(x) !== Number.isNaN(y));
    else maxAbsDiff = Math.max(maxAbsDiff, Math.abs(x - y));
  }
  return { what, entries: b.length, maxAbsDiff, nanMismatch };
}

/** metricsift's matrices (bench/.data/out/) against the peers', where both exist. */
export function checks(): Check[] {
  const out: Check[] = [];
  const mi = read('mi-metricsift');
  if (mi) {
    const M = Math.round(Math.sqrt(mi.length));
    for (const v of ['bincount', 'gram']) {
      const b = read(`mi-numpy-${v}`);
      if (b) out.push(compare(`MI matrix vs numpy ${v}`, mi, b));
    }
    const s = read('mi-sklearn-sample'); // (i, j, value) triples
    if (s) {
      const vals = s.filter((_, k) => k % 3 === 2);
      out.push(compare(`MI vs sklearn mutual_info_score (${vals.length} sampled pairs)`, mi, vals, (k) => s[3 * k] * M + s[3 * k + 1]));
    }
  }
  for (const [method, peer] of [['pearson', 'numpy'], ['spearman', 'scipy'], ['kendall', 'pandas']]) {
    const a = read(`corr-${method}-metricsift`), b = read(`corr-${method}-${peer}`);
    if (!a || !b) continue;
    const M = Math.round(Math.sqrt(a.length)), m = Math.round(Math.sqrt(b.length)); // pandas: top-left m x m block
    out.push(compare(`${method} vs ${peer}${m < M ? ` (first ${m} columns)` : ''}`, a, b, (k) => Math.floor(k / m) * M + (k % m)));
  }
  return out;
}

const sec = (s: number) => (s >= 100 ? `${s.toFixed(0)} s` : s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`);
const times = (t: { median: number; min: number; times: number[] }) => (t.times.length > 1 ? `${sec(t.median)} (min ${sec(t.min)}, ${t.times.length} runs)` : sec(t.median));
const x = (r: number) => `${r >= 100 ? r.toFixed(0) : r.toFixed(1)}×`;
const g = (v: number) => v.toPrecision(3);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

export function report(dir: string, date: string, checkList: Check[]): string {
  const r: Record<string, SuiteResult> = {};
  for (const f of readdirSync(dir)) {
    const m = new RegExp(`^${date}-(.+)\\.json$`).exec(f);
    if (!m || m[1] === 'checks') continue;
    // Other scripts' results share the directory (e.g. <date>-selection.json): only run.ts's suites.
    const s = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Partial<SuiteResult>;
    if (s.suite && s.env && typeof s.loadBefore === 'number') r[m[1]] = s as SuiteResult;
  }
  const env = Object.values(r)[0]?.env;
  if (!env) return `# metricsift benchmarks, ${date}\n\nNo results.\n`;
  const py = env.python;
  const lines = [
    `# metricsift benchmarks, ${date}`, '',
    `- CPU: ${env.cpu}, ${env.cores} cores at ${env.mhz} MHz (/proc/cpuinfo), ${env.memGiB} GiB`,
    `- Node ${env.node}; Python ${py.python}, numpy ${py.numpy}, scipy ${py.scipy}, scikit-learn ${py.sklearn}, pandas ${py.pandas}, BLAS ${py.blas}`,
    `- Times are medians (after one warm-up run) unless marked extrapolated. The machine is shared and noisy (1-minute load average before each suite: ${Object.values(r).map((s) => `${s.suite} ${s.loadBefore.toFixed(1)}`).join(', ')}), so read the ratios, which come from the same run, more than the absolute times.`,
    '',
  ];

  const mi = r['mi']?.result, np = r['mi-numpy']?.result, sk = r['mi-sklearn']?.result;
  if (mi) {
    const inc = (mi.M * mi.M * mi.n) / 2, t = mi.time.median, limit = env.mhz * 1e6 * mi.threads;
    lines.push(`## All-pairs binned MI: ${mi.M} metrics × ${mi.n} samples, ${mi.bins} quantile bins, nats`, '');
    const rows: (string | number)[][] = [[`metricsift (${mi.threads} threads)`, times(mi.time), '1×']];
    if (np) for (const v of ['bincount', 'gram']) rows.push([`numpy ${v === 'gram' ? 'one-hot Gram (BLAS ssyrk)' : 'bincount per row'}${np.best === v ? ' (best numpy)' : ''}`, times(np[v].time), x(np[v].time.median / t)]);
    if (sk) rows.push([`scikit-learn mutual_info_score loop: ${sk.sampledPairs} of ${sk.pairs} pairs timed (${(sk.perPairSeconds * 1e3).toFixed(2)} ms a pair), extrapolated`, sec(sk.time.median), x(sk.time.median / t)]);
    lines.push(table(['implementation', 'time', 'metricsift faster by'], rows), '');
    lines.push(`Histogram increments: M²·n/2 = ${g(inc)}; metricsift does ${g(inc / t)} a second = ${(inc / t / limit).toFixed(2)} per cycle per core (${(limit / (inc / t)).toFixed(1)} cycles per increment), against a limit of 1 per cycle per core, i.e. ${sec(inc / limit)} on ${mi.threads} cores at ${env.mhz} MHz.`, '');
    const target: (string | number)[][] = [['MI matrix ≤ 0.3 s', sec(t), t <= 0.3 ? 'yes' : 'no']];
    if (sk) target.push(['≥ 400× scikit-learn', x(sk.time.median / t), sk.time.median / t >= 400 ? 'yes' : 'no']);
    if (np) target.push(['≥ 12× best numpy', x(np.time.median / t), np.time.median / t >= 12 ? 'yes' : 'no']);
    lines.push('Targets from the issue:', '', table(['target', 'measured', 'met'], target), '');
  }

  const corr = r['corr']?.result, cp = r['corr-peers']?.result;
  if (corr) {
    lines.push(`## Correlation matrices: ${corr.M} × ${corr.n}, metricsift on ${corr.threads} threads`, '');
    const peers: Record<string, string> = { pearson: 'np.corrcoef', spearman: 'scipy rankdata + np.corrcoef', kendall: 'pandas DataFrame.corr' };
    lines.push(table(['method', 'metricsift', 'peer', 'peer time', 'metricsift faster by'], ['pearson', 'spearman', 'kendall'].map((k) => {
      const p = cp?.[k];
      const note = p?.extrapolated ? ` (${p.sampledColumns} columns = ${p.sampledPairs} pairs timed, ${(p.perPairSeconds * 1e3).toFixed(2)} ms a pair, extrapolated)` : '';
      return [k, times(corr[k].time), peers[k] + note, p ? times(p.time) : '—', p ? x(p.time.median / corr[k].time.median) : '—'];
    })), '');
    const kc = corr.kendall?.cpuSeconds, pc = cp?.kendall?.cpuSeconds;
    if (kc && pc) {
      lines.push(`Kendall in CPU time (user + system, all threads; what a shared machine inflates least): metricsift ${sec(kc)}, pandas ${sec(pc)} (extrapolated from the same pairs): ${x(pc / kc)} less CPU. pandas runs one thread, so on ${corr.threads} otherwise idle cores the wall-time ratio would be about ${corr.threads}× that if metricsift's threads scale.`, '');
    }
  }

  if (checkList.length) {
    lines.push('## Agreement with the peers (same data, same binning rule)', '');
    lines.push(table(['compared', 'entries', 'max abs diff', 'NaN on one side only'], checkList.map((c) => [c.what, c.entries, c.maxAbsDiff.toExponential(1), c.nanMismatch])), '');
  }

  const sw = r['mi-sweep']?.result;
  if (sw) {
    lines.push(`## MI sweep: 16 quantile bins (${sw.cores} cores)`, '');
    lines.push('Work is M²·n/2 histogram increments, so ns per increment should stay flat across M and cycles per increment per thread flat across threads.', '');
    type Point = { M: number; n: number; threads: number; increments: number; time: { median: number; min: number; times: number[] } };
    const one = (q: Point) => sw.points.find((p: Point) => p.M === q.M && p.n === q.n && p.threads === 1)?.time.median;
    lines.push(table(['M', 'n', 'threads', 'time', 'M²·n/2', 'ns per increment', 'cycles per increment per thread', 'speed-up vs 1 thread'],
      sw.points.map((p: Point) => {
        const t = p.time.median, t1 = one(p);
        return [p.M, p.n, p.threads, times(p.time), g(p.increments), ((t / p.increments) * 1e9).toFixed(3), ((t * env.mhz * 1e6 * p.threads) / p.increments).toFixed(2), t1 ? x(t1 / t) : '—'];
      })), '');
  }

  lines.push('## Suites', '', table(['suite', 'what', 'command', 'wall'], Object.values(r).map((s) => [s.suite, s.what, `\`${s.command.replace(/^\S*node /, 'node ')}\``, sec(s.wallSeconds)])), '');
  return lines.join('\n');
}
