/**
 * Drift of dependence over time (issue 7): binned MI between two series over sliding windows, each
 * with a block-bootstrap interval, and the sustained changes — at least `persist` consecutive
 * windows whose interval lies entirely above (or below) the baseline interval. A single window
 * outside is a dip, not a change, and is not flagged.
 */
import { ErrorCode, MetricsiftError, WarningCode, badOption, type AnalysisWarning } from '../errors.js';
import { DEFAULTS, RANGES, checkRange } from '../options.js';
import { type BinningOptions, type Series } from '../estimators/binned.js';
import { checkEnum, checkInt } from '../estimators/run.js';
import { columnFromArray, toColumnTable, type ColumnTable, type TableInput } from '../table.js';
import { biasCheck, type EstimateInfo } from './bias.js';
import { columnValues } from './coding.js';
import { INTERVAL_METHODS, checkLevelAndReplicates, type IntervalMethod } from './intervals.js';
import {
  ksgConfidenceInterval, ksgConfidenceIntervalSync, pairBlock, preparePair, preparePairSync, preparedMiBootstrap, preparedMiBootstrapSync,
} from './significance.js';
import type { PreparedTable } from '../estimators/prepared.js';
import type { WorkerPool } from '../pool/pool.js';
import { driftInPool } from '../pool/parallel.js';

export interface DriftOptions extends Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> {
  /** Rows per window (≥ 4). */
  window: number;
  /** Rows between window starts (default: `window`, i.e. windows side by side). */
  step?: number;
  /** Confidence level of each window's interval (default 0.95). */
  level?: number;
  /** Bootstrap replicates per window (default 1,000). */
  replicates?: number;
  /**
   * Bootstrap block length in rows: `auto` (default) chooses it per window from the data
   * (Politis–White; autocorrelated metrics need blocks), reported as each window's `block`.
   */
  block?: number | 'auto';
  /** Interval rule of the binned estimator: `bias-corrected` (default) or `percentile`. */
  method?: IntervalMethod;
  /** `binned` (default) or `ksg` (KSG MI per window with half-sample intervals; no binning loss for continuous series). */
  estimator?: 'binned' | 'ksg';
  /** KSG neighbours (default 3). */
  k?: number;
  /** Windows in a row outside the baseline before a change is flagged (default 3). */
  persist?: number;
  /**
   * Rows [first, last) of the baseline (default: the first window). The baseline is the windows
   * lying wholly inside: their mean MI and mean interval bounds (windows, not the whole stretch,
   * so that the baseline has the same small-sample bias as the windows it is compared with).
   */
  baseline?: [number, number];
  /** Seed (default 0); window k uses seed + k. */
  seed?: number;
  units?: 'bits' | 'nats';
  threads?: number;
  /** Run the pairs across this worker pool (same results, bit for bit; its thread budget replaces `threads`). */
  pool?: WorkerPool;
}

/** One window: rows [start, end), its MI and interval, and where it lies against the baseline. */
export interface DriftWindow extends EstimateInfo {
  start: number;
  end: number;
  /** Time labels of the first and last row, when the table has them. */
  time?: [string, string];
  /** Plug-in (or KSG) MI of the window. */
  mi: number;
  /** The estimate the interval is about (bias-corrected by default), inside `ci`. */
  estimate: number;
  ci: [number, number];
  /** Block length of this window's bootstrap. */
  block: number;
  /** +1 interval entirely above the baseline's, −1 entirely below, 0 overlapping (or NaN). */
  outside: -1 | 0 | 1;
  /** Part of a sustained change. */
  flagged: boolean;
}

/** A sustained change: windows firstWindow…lastWindow (rows start…end) all on one side of the baseline. */
export interface DriftChange {
  direction: 'up' | 'down';
  firstWindow: number;
  lastWindow: number;
  start: number;
  end: number;
}

export interface DriftResult {
  a: string;
  b: string;
  units: 'bits' | 'nats';
  window: number;
  step: number;
  /** `auto` (each window's `block` chosen from its data) or the fixed length. */
  block: number | 'auto';
  estimator: 'binned' | 'ksg';
  method: IntervalMethod | 'half-sampling';
  level: number;
  replicates: number;
  persist: number;
  /**
   * The windows inside the baseline rows (default: the first window): their mean MI and the mean of
   * their interval bounds.
   */
  baseline: { start: number; end: number; windows: number; mi: number; ci: [number, number] };
  windows: DriftWindow[];
  changes: DriftChange[];
  /** Summary per warning code over the windows (each window holds its own). */
  warnings: AnalysisWarning[];
}

interface Checked {
  window: number; step: number; level: number; replicates: number; block: number | 'auto'; persist: number; seed: number;
  units: 'bits' | 'nats'; bin: BinningOptions; threads?: number; baseline?: [number, number];
  method: IntervalMethod; estimator: 'binned' | 'ksg'; k: number; warnings: AnalysisWarning[];
}

function checkOptions(o: DriftOptions, n: number): Checked {
  if (!o || typeof o !== 'object') badOption('options', 'an object with at least window', o);
  const window = checkInt('window', o.window, 4);
  if (window === undefined) badOption('window', 'an integer ≥ 4 (rows per window)', o.window);
  if (window > n) {
    throw new MetricsiftError(`The window (${window} rows) is longer than the series (${n} rows)`, ErrorCode.WINDOW_TOO_LONG);
  }
  const step = checkInt('step', o.step, 1) ?? window;
  const estimator = checkEnum('estimator', o.estimator, ['binned', 'ksg'] as const) ?? 'binned';
  const replicates = checkInt('replicates', o.replicates, 10, RANGES.replicates[1]) ?? (estimator === 'ksg' ? DEFAULTS.ksgReplicates : DEFAULTS.replicates);
  const warnings: AnalysisWarning[] = [];
  const level = checkLevelAndReplicates(o.level ?? DEFAULTS.level, replicates, 'level', warnings);
  const method = checkEnum('method', o.method, INTERVAL_METHODS) ?? 'bias-corrected';
  if (estimator === 'ksg' && o.method !== undefined) badOption('method', 'no interval method with estimator ksg (its intervals are half-sample intervals)', o.method);
  if (estimator !== 'ksg' && o.k !== undefined) badOption('k', 'no k without estimator ksg', o.k);
  const k = checkRange('k', o.k) ?? DEFAULTS.k;
  if (estimator === 'ksg' && k >= window) badOption('k', `fewer neighbours than the ${window} rows of a window`, k);
  let block: number | 'auto' = 'auto';
  if (o.block !== undefined && o.block !== 'auto') {
    block = checkInt('block', o.block, 1)!;
    if (block >= n) badOption('block', `a block length below the ${n} rows`, block);
    if (2 * block > window) {
      throw new MetricsiftError(`A window of ${window} rows is too short for bootstrap blocks of ${block} rows (it needs at least ${2 * block})`, ErrorCode.TOO_FEW_ROWS);
    }
  }
  const bin: BinningOptions = { bins: o.bins, binning: o.binning, discreteMax: o.discreteMax };
  for (const k of Object.keys(bin) as (keyof BinningOptions)[]) if (bin[k] === undefined) delete bin[k];
  let baseline: [number, number] | undefined;
  if (o.baseline !== undefined) {
    const b = o.baseline;
    if (!Array.isArray(b) || b.length !== 2 || !b.every((v) => Number.isInteger(v)) || b[0] < 0 || b[1] > n || b[1] - b[0] < window) {
      badOption('baseline', `rows [first, last) within the ${n} rows, at least one window (${window} rows) long`, b);
    }
    baseline = [b[0], b[1]];
  }
  return {
    window, step, level, block, baseline, bin, method, estimator, k, warnings, replicates,
    persist: checkInt('persist', o.persist, 1) ?? DEFAULTS.persist,
    seed: checkInt('seed', o.seed, 0) ?? 0,
    units: checkEnum('units', o.units, ['bits', 'nats'] as const) ?? 'bits',
    threads: checkRange('threads', o.threads),
  };
}

type WindowEstimate = { mi: number; estimate: number; ci: [number, number]; block: number; info: EstimateInfo };

/**
 * The bias report of a binned window from its prepared codes (what `binnedEstimateInfo` computes
 * by binning the window again), or of a KSG window from its complete rows.
 */
function windowInfo(p: PreparedTable | undefined, xs: Float64Array, ys: Float64Array, what: string): EstimateInfo {
  if (!p) {
    let rows = 0;
    for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i]) && !Number.isNaN(ys[i])) rows++;
    return biasCheck(rows, [], what);
  }
  const cx = p.codes(0), cy = p.codes(1);
  let rows = 0;
  for (let i = 0; i < cx.codes.length; i++) if (cx.codes[i] >= 0 && cy.codes[i] >= 0) rows++;
  const info = biasCheck(rows, [cx.levels, cy.levels], 'MI(x; y)');
  info.warnings = info.warnings.map((w) => ({ ...w, message: w.message.replace('MI(x; y)', what) }));
  return info;
}

/** Too few complete rows for an interval: the window's NaN estimate with its warning; else undefined. */
function tooFew(info: EstimateInfo, c: Checked, what: string): WindowEstimate | undefined {
  const ksg = c.estimator === 'ksg';
  const fixed = c.block === 'auto' ? 1 : c.block;
  // Fewer than 20 complete rows say nothing about a window's MI whatever the interval rule.
  if (info.rowsUsed < 2 * fixed || info.rowsUsed < 20 || (ksg && info.rowsUsed <= 2 * c.k)) {
    info.warnings = info.warnings.filter((w) => w.code !== WarningCode.TOO_FEW_ROWS);
    info.warnings.push({ code: WarningCode.TOO_FEW_ROWS, message: `${what}: ${info.rowsUsed} complete rows, too few for an interval (at least 20${ksg ? `, and 2k = ${2 * c.k} for KSG half-samples` : fixed > 1 ? ` and two blocks of ${fixed}` : ''}); no estimate` });
    return { mi: NaN, estimate: NaN, ci: [NaN, NaN], block: fixed, info };
  }
  return undefined;
}

/**
 * MI, interval and bias report of rows [start, end), off the main thread: a binned window is coded
 * once (one prepared pair) and its bias report and bootstrap are calls on it.
 */
async function estimate(x: Float64Array, y: Float64Array, start: number, end: number, c: Checked, seed: number, what: string): Promise<WindowEstimate> {
  const xs = x.subarray(start, end), ys = y.subarray(start, end);
  if (c.estimator === 'ksg') {
    const info = windowInfo(undefined, xs, ys, what);
    const r = tooFew(info, c, what) ?? await ksgConfidenceInterval(xs, ys, { k: c.k, replicates: c.replicates, level: c.level, block: c.block, seed, units: c.units, threads: c.threads });
    return 'info' in r ? r : { mi: r.mi, estimate: r.estimate, ci: r.ci, block: r.block, info };
  }
  const p = await preparePair(xs, ys, c.bin);
  try {
    const info = windowInfo(p, xs, ys, what);
    const few = tooFew(info, c, what);
    if (few) return few;
    const block = pairBlock(c.block, xs, ys, info.rowsUsed);
    const r = await preparedMiBootstrap(p, 0, 1, { replicates: c.replicates, level: c.level, method: c.method, block, seed, units: c.units, threads: c.threads });
    return { mi: r.mi, estimate: r.estimate, ci: r.ci, block: r.block, info };
  } finally {
    p.dispose();
  }
}

/** {@link estimate} on the calling thread. */
function estimateSync(x: Float64Array, y: Float64Array, start: number, end: number, c: Checked, seed: number, what: string): WindowEstimate {
  const xs = x.subarray(start, end), ys = y.subarray(start, end);
  if (c.estimator === 'ksg') {
    const info = windowInfo(undefined, xs, ys, what);
    const r = tooFew(info, c, what) ?? ksgConfidenceIntervalSync(xs, ys, { k: c.k, replicates: c.replicates, level: c.level, block: c.block, seed, units: c.units, threads: c.threads });
    return 'info' in r ? r : { mi: r.mi, estimate: r.estimate, ci: r.ci, block: r.block, info };
  }
  const p = preparePairSync(xs, ys, c.bin);
  try {
    const info = windowInfo(p, xs, ys, what);
    const few = tooFew(info, c, what);
    if (few) return few;
    const block = pairBlock(c.block, xs, ys, info.rowsUsed);
    const r = preparedMiBootstrapSync(p, 0, 1, { replicates: c.replicates, level: c.level, method: c.method, block, seed, units: c.units, threads: c.threads });
    return { mi: r.mi, estimate: r.estimate, ci: r.ci, block: r.block, info };
  } finally {
    p.dispose();
  }
}

/** The windows' starts: every `step` rows while a whole window fits. */
function windowStarts(n: number, c: Checked): number[] {
  const starts: number[] = [];
  for (let s = 0; s + c.window <= n; s += c.step) starts.push(s);
  return starts;
}

function windowOf(s: number, e: WindowEstimate, c: Checked, time: string[] | undefined): DriftWindow {
  return {
    start: s, end: s + c.window, ...(time ? { time: [time[s], time[s + c.window - 1]] as [string, string] } : {}),
    mi: e.mi, estimate: e.estimate, ci: e.ci, block: e.block, outside: 0, flagged: false, ...e.info,
  };
}

const rowsOf = (s: number, c: Checked) => `rows ${s}–${s + c.window - 1}`;

/** `strict`: a baseline without an estimate is an error; otherwise a warning and no flags. */
async function driftOf(x: Float64Array, y: Float64Array, a: string, b: string, c: Checked, time: string[] | undefined, strict: boolean): Promise<DriftResult> {
  const windows: DriftWindow[] = [];
  for (const [k, s] of windowStarts(x.length, c).entries()) {
    windows.push(windowOf(s, await estimate(x, y, s, s + c.window, c, c.seed + k, rowsOf(s, c)), c, time));
  }
  return summarize(windows, a, b, c, strict);
}

/** {@link driftOf} on the calling thread. */
function driftOfSync(x: Float64Array, y: Float64Array, a: string, b: string, c: Checked, time: string[] | undefined, strict: boolean): DriftResult {
  const windows = windowStarts(x.length, c).map((s, k) => windowOf(s, estimateSync(x, y, s, s + c.window, c, c.seed + k, rowsOf(s, c)), c, time));
  return summarize(windows, a, b, c, strict);
}

/** The baseline, each window's side of it and the sustained changes. */
function summarize(windows: DriftWindow[], a: string, b: string, c: Checked, strict: boolean): DriftResult {
  // The baseline is made of whole windows: plug-in MI is biased by about (cells − 1)/(2N), so an
  // interval from a longer stretch would sit lower than any window's and flag them all.
  const inBase = c.baseline ? windows.filter((w) => w.start >= c.baseline![0] && w.end <= c.baseline![1]) : [windows[0]];
  if (inBase.length === 0) {
    badOption('baseline', `rows [first, last) holding at least one whole window (windows start every ${c.step} rows and are ${c.window} long)`, c.baseline);
  }
  const mean = (f: (w: DriftWindow) => number) => inBase.reduce((s, w) => s + f(w), 0) / inBase.length;
  const base: DriftResult['baseline'] = {
    start: inBase[0].start, end: inBase[inBase.length - 1].end, windows: inBase.length,
    mi: mean((w) => w.mi), ci: [mean((w) => w.ci[0]), mean((w) => w.ci[1])],
  };
  const warnings: AnalysisWarning[] = [...c.warnings];
  if (Number.isNaN(base.mi)) {
    const msg = `${a} ~ ${b}: a baseline window (rows ${base.start}–${base.end - 1}) has too few complete rows for bootstrap blocks of ${c.block}`;
    if (strict) throw new MetricsiftError(msg, ErrorCode.TOO_FEW_ROWS);
    warnings.push({ code: WarningCode.TOO_FEW_ROWS, message: `${msg}; no change can be flagged` });
  }
  for (const w of windows) w.outside = w.ci[0] > base.ci[1] ? 1 : w.ci[1] < base.ci[0] ? -1 : 0;
  // Runs of at least `persist` windows on the same side: sustained changes.
  const changes: DriftChange[] = [];
  for (let k = 0; k < windows.length;) {
    const d = windows[k].outside;
    let e = k;
    while (e + 1 < windows.length && windows[e + 1].outside === d) e++;
    if (d !== 0 && e - k + 1 >= c.persist) {
      for (let j = k; j <= e; j++) windows[j].flagged = true;
      changes.push({ direction: d > 0 ? 'up' : 'down', firstWindow: k, lastWindow: e, start: windows[k].start, end: windows[e].end });
    }
    k = e + 1;
  }
  for (const code of [WarningCode.SMALL_SAMPLE, WarningCode.TOO_FEW_ROWS]) {
    const hit = windows.filter((w) => w.warnings.some((x) => x.code === code)).length;
    if (hit) warnings.push({ code, message: `${a} ~ ${b}: ${hit} of ${windows.length} windows ${code === WarningCode.SMALL_SAMPLE ? 'have fewer than 5 complete rows per joint bin' : 'have too few complete rows for an estimate'}` });
  }
  return {
    a, b, units: c.units, window: c.window, step: c.step, block: c.block, estimator: c.estimator, method: c.estimator === 'ksg' ? 'half-sampling' : c.method, level: c.level, replicates: c.replicates, persist: c.persist,
    baseline: base, windows, changes, warnings,
  };
}

function asFloat64(name: string, s: Series): Float64Array {
  const v = columnFromArray(name, s).values;
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

/**
 * MI drift between two series: binned MI per window (each window binned on its own rows, as an
 * estimate on that period alone would be), a percentile block-bootstrap interval per window, and
 * the sustained changes against the baseline (the first window, or `baseline` rows).
 *
 * With overlapping windows (step < window) neighbouring windows share rows, so `persist` windows
 * in a row span window + (persist − 1)·step rows; choose `persist` with that in mind.
 *
 * @throws MetricsiftError `MS_WINDOW_TOO_LONG` (window longer than the series), `MS_TOO_FEW_ROWS`
 *   (window shorter than two blocks, or a baseline without enough complete rows),
 *   `MS_LENGTH_MISMATCH`, `MS_BAD_OPTION`.
 * @example
 * const d = miDrift(cpu, latency, { window: 240, step: 60 });
 * d.changes; // [{ direction: 'down', firstWindow: 7, lastWindow: 11, start: 420, end: 900 }]
 */
export async function miDrift(x: Series, y: Series, opts: DriftOptions): Promise<DriftResult> {
  const [xs, ys, c] = driftInput(x, y, opts);
  return driftOf(xs, ys, 'x', 'y', c, undefined, true);
}

/** {@link miDrift} on the calling thread (for worker threads; blocks the event loop). */
export function miDriftSync(x: Series, y: Series, opts: DriftOptions): DriftResult {
  const [xs, ys, c] = driftInput(x, y, opts);
  return driftOfSync(xs, ys, 'x', 'y', c, undefined, true);
}

function driftInput(x: Series, y: Series, opts: DriftOptions): [Float64Array, Float64Array, Checked] {
  const xs = asFloat64('x', x), ys = asFloat64('y', y);
  if (xs.length !== ys.length) throw new MetricsiftError(`x has ${xs.length} values but y has ${ys.length}`, ErrorCode.LENGTH_MISMATCH);
  return [xs, ys, checkOptions(opts, xs.length)];
}

/** Which pairs of a table {@link driftTable} follows. */
export type DriftPairs = { pairs: [string, string][] } | { target: string };

function columnIndex(t: ColumnTable, name: string, role: string): number {
  const i = t.names.indexOf(name);
  if (i < 0) throw new MetricsiftError(`The ${role} column ${JSON.stringify(name)} is not in the table${t.source ? ` ${t.source}` : ''}`, role === 'target' ? ErrorCode.TARGET_MISSING : ErrorCode.COLUMN_MISSING);
  return i;
}

/**
 * {@link miDrift} for named pairs of a table, or for each metric against a target column. Window
 * bounds carry the table's time labels when it has them. Against a target, a metric whose baseline
 * has too few complete rows gets an `MS_TOO_FEW_ROWS` warning and no flags instead of an error.
 */
export async function driftTable(input: TableInput, which: DriftPairs, opts: DriftOptions): Promise<DriftResult[]> {
  const t = toColumnTable(input);
  checkOptions(opts, t.rows); // a bad option fails here, before any pair (or pool task) starts
  let pairs: [number, number][];
  // Named pairs were chosen: an unusable one is an error. Against a target, it is one warning among many pairs.
  const strict = !(which && 'target' in which);
  if (which && 'pairs' in which && Array.isArray(which.pairs)) {
    if (which.pairs.length === 0) badOption('pairs', 'at least one pair of column names', which.pairs);
    pairs = which.pairs.map((p) => {
      if (!Array.isArray(p) || p.length !== 2) badOption('pairs', 'pairs [a, b] of column names', p);
      return [columnIndex(t, p[0], 'pair'), columnIndex(t, p[1], 'pair')];
    });
  } else if (which && 'target' in which && typeof which.target === 'string') {
    const ti = columnIndex(t, which.target, 'target');
    pairs = t.names.map((_, i) => [i, ti] as [number, number]).filter(([i]) => i !== ti);
  } else {
    badOption('which', '{ pairs: [[a, b], …] } or { target: column }', which);
  }
  if (opts.pool) return driftInPool(opts.pool, t, pairs, opts, strict);
  return driftIndexPairs(t, pairs, opts, strict);
}

/** {@link driftTable} over pairs of column indices: what each pool task computes. @internal */
export async function driftIndexPairs(t: ColumnTable, pairs: [number, number][], opts: DriftOptions, strict: boolean): Promise<DriftResult[]> {
  const c = checkOptions(opts, t.rows);
  const values = new Map<number, Float64Array>();
  const get = (i: number) => values.get(i) ?? values.set(i, columnValues(t.columns[i])).get(i)!;
  const out: DriftResult[] = [];
  for (const [i, j] of pairs) {
    out.push(await driftOf(get(i), get(j), t.names[i], t.names[j], c, t.time, strict));
  }
  return out;
}
