/**
 * Ranking to a target (issue 7): binned MI of every metric of a table to a target — a column of
 * the table or an external label series, numeric or categorical — sorted highest first, with
 * optional bootstrap intervals (bias-corrected by default, issue 14), permutation p-values with
 * the excess over the null and Benjamini–Hochberg q-values, the smallest top-N carrying a given
 * share of the total (optionally among the metrics significant at a q level), a conditional
 * ranking I(X; T | Z) given a confounder column, and KSG instead of bins for continuous targets.
 *
 * The plain MIs come from one native pass: the target is put first in a table with the metrics and
 * the all-pairs kernel is restricted to the pairs of that first column (the `rows: [0, 1]` shard),
 * so the binning and the histograms of all metrics run in parallel in one call.
 */
import { ErrorCode, MetricsiftError, WarningCode, badOption, type AnalysisWarning } from '../errors.js';
import { DEFAULTS, MAX_LEVELS, RANGES, checkRange } from '../options.js';
import { type BinningOptions } from '../estimators/binned.js';
import { prepare } from '../estimators/prepared.js';
import { ksgMutualInformation } from '../estimators/ksg.js';
import { checkEnum, checkInt, checkNumber } from '../estimators/run.js';
import type { ColumnTable, TableInput } from '../table.js';
import { toColumnTable } from '../table.js';
import { biasCheck, type EstimateInfo } from './bias.js';
import { binCodes, categoryCodes, codesAsSeries, completeRows, columnValues, type Categories, type Coded } from './coding.js';
import { cmiBlockBootstrap, cmiStratifiedNull, cmiOfCompact, mutualInformationNats } from './plugin.js';
import { unitFactor } from './units.js';
import {
  INTERVAL_METHODS, benjaminiHochberg, bootstrapInterval, checkLevelAndReplicates, chooseBlock, excessOverNull, permutationP, politisWhiteBlock,
  type IntervalMethod,
} from './intervals.js';
import {
  excessInterval, ksgConfidenceInterval, ksgPermutationTest, miBootstrapInterval, miPermutationTest, preparedMiBootstrap, preparedMiPermutation,
  type BootstrapResult, type PermutationResult,
} from './significance.js';
import type { WorkerPool } from '../pool/pool.js';
import { rankEntriesInPool } from '../pool/parallel.js';

/** What the ranking is ordered by (see {@link RankOptions.orderBy}). */
export type RankOrder = 'mi' | 'miller-madow' | 'estimate' | 'excess';

/**
 * A target or confounder: a column of the table (name, or index), or an external series aligned by
 * row — numbers (binned like a metric; NaN/null missing) or strings (categories, exactly; empty or
 * null missing).
 */
export type VariableInput = string | number | ArrayLike<number | null> | ArrayLike<string | null | undefined>;

export interface RankOptions extends Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> {
  /** `bits` (default) or `nats`. */
  units?: 'bits' | 'nats';
  /** Confidence level of a bootstrap interval per metric (e.g. 0.95); none by default. */
  ci?: number;
  /** Interval rule: `bias-corrected` (default) or `percentile` (see ./intervals.ts). */
  method?: IntervalMethod;
  /** Bootstrap replicates (default 1,000; KSG half-samples default 200). Fewer than 100 with `ci`: `MS_FEW_REPLICATES` warning. */
  replicates?: number;
  /** Permutations for a p-value, the excess over the null and a q-value per metric (none by default; 999 is usual). */
  permutations?: number;
  /**
   * Block length of the bootstrap and the permutations: `auto` (default) chooses it per metric
   * from the data (Politis–White; ≈ 1 for independent rows), reported as `block` of each entry;
   * a number fixes it (1: rows).
   */
  block?: number | 'auto';
  /**
   * Order of the ranking (and what `total`, `share` and `top` add up): `mi` (default: the plug-in
   * value, reproducible without resampling), `miller-madow` (plug-in minus (cells − 1)/(2N)-type
   * bias of the occupied bins: fair between metrics with different numbers of bins), `estimate`
   * (the interval's estimate; needs `ci`) or `excess` (MI above its permutation null; needs
   * `permutations`: ≈ 0 for every independent metric whatever its bins).
   */
  orderBy?: RankOrder;
  /** FDR level: `top`/`topN`/`total` use only the metrics with a Benjamini–Hochberg q-value ≤ q (needs `permutations`). */
  q?: number;
  /** `binned` (default) or `ksg` (Kraskov et al.; numeric target, no confounder): no binning loss for continuous targets. */
  estimator?: 'binned' | 'ksg';
  /** KSG neighbours (default 3; fewer than the complete rows). */
  k?: number;
  /** Seed of the bootstrap and the permutations (default 0). */
  seed?: number;
  /** Confounder Z: rank by the conditional MI I(X; T | Z) instead (plug-in over bins, computed in TypeScript). */
  given?: VariableInput;
  /** Share of the total MI the reported top-N must carry (default 0.8). */
  share?: number;
  /** Rank only these columns (names or indices); the target and confounder columns are always left out. */
  columns?: (string | number)[];
  /** Name of an external target or confounder in the result (default `target` / `given`). */
  targetName?: string;
  givenName?: string;
  /** Native threads (default: all cores). */
  threads?: number;
  /** Cancels the ranking (checked between native calls); rejects with MS_ABORTED. */
  signal?: AbortSignal;
  /**
   * Rank the metrics across this worker pool, in chunks (same entries, bit for bit: each metric's
   * estimate, resampling and seed do not depend on the others). Its thread budget replaces `threads`.
   */
  pool?: WorkerPool;
}

/** One ranked metric with what its estimate rests on (rows, bins, small-sample warning). */
export interface RankEntry extends EstimateInfo {
  metric: string;
  /** MI to the target (or conditional MI given the confounder), plug-in (or KSG), in `units`; NaN without complete rows. */
  mi: number;
  /** The estimate `ci` is about (bias-corrected by default; `mi` for percentile and KSG intervals), always inside `ci`. */
  estimate?: number;
  /** Bootstrap interval, when `ci` was asked for. */
  ci?: [number, number];
  /** Permutation p-value, when `permutations` was asked for. */
  p?: number;
  /** Benjamini–Hochberg q-value over the ranked metrics' p-values. */
  q?: number;
  /** mi − mean of the permutation null: ≈ 0 for an independent metric. */
  excess?: number;
  /** Interval of `excess` (with both `ci` and `permutations`); covers 0 for an independent metric. */
  excessCi?: [number, number];
  /** Mean MI of the permutations (what independent data of these bins and rows would score). */
  nullMean?: number;
  /** Miller–Madow corrected MI, with `orderBy: 'miller-madow'`. */
  millerMadow?: number;
  /** Block length of this metric's resampling (chosen from the data unless fixed). */
  block?: number;
  /** With a confounder: the plain MI to the target, for comparison. */
  miUnconditional?: number;
}

export interface Ranking {
  target: string;
  given?: string;
  /** `mi`, or `cmi` with a confounder. */
  measure: 'mi' | 'cmi';
  estimator: 'binned' | 'ksg';
  /** What the ranking is ordered by and `total`/`top` add up. */
  orderBy: RankOrder;
  /** Interval rule, with `ci`. */
  method?: IntervalMethod | 'half-sampling';
  /** FDR level `top` was restricted to, if any. */
  q?: number;
  units: 'bits' | 'nats';
  /** Highest first; NaN last; ties in table order. */
  ranking: RankEntry[];
  /** Sum of the positive finite values of `orderBy` (over the metrics with q-value ≤ `q`, if given). */
  total: number;
  share: number;
  /** Smallest N whose top N carry at least `share` of `total` (0 when the total is 0). */
  topN: number;
  top: string[];
  level?: number;
  replicates?: number;
  permutations?: number;
  /** `auto` (each entry's `block` was chosen from its data) or the fixed length. */
  block: number | 'auto';
  /** One summary line per warning code over all entries (each entry holds its own). */
  warnings: AnalysisWarning[];
}

/** A resolved target or confounder: its name, its column (if any) and its values. */
interface Variable {
  name: string;
  column: number;
  /** Numeric values (binned), or the categories (used exactly). */
  numeric?: Float64Array;
  categorical?: Categories;
}

function isStringSeries(v: ArrayLike<unknown>): boolean {
  if (ArrayBuffer.isView(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] === 'string') return true;
  return false;
}

/** Resolves a target/confounder against the table. @internal */
export function resolveVariable(t: ColumnTable, spec: VariableInput, role: 'target' | 'given', external: string): Variable {
  const missingCode = role === 'target' ? ErrorCode.TARGET_MISSING : ErrorCode.COLUMN_MISSING;
  if (typeof spec === 'string' || typeof spec === 'number') {
    const i = typeof spec === 'number' ? (Number.isInteger(spec) && spec >= 0 && spec < t.names.length ? spec : -1) : t.names.indexOf(spec);
    if (i < 0) {
      throw new MetricsiftError(`The ${role} column ${JSON.stringify(spec)} is not in the table${t.source ? ` ${t.source}` : ''} (${t.names.length} columns)`, missingCode);
    }
    return { name: t.names[i], column: i, numeric: columnValues(t.columns[i]) };
  }
  if (!spec || typeof spec !== 'object' || typeof (spec as ArrayLike<unknown>).length !== 'number') {
    badOption(role, 'a column name or index, or a series of numbers or strings', spec);
  }
  if (spec.length !== t.rows) {
    throw new MetricsiftError(`The ${role} series has ${spec.length} values but the table has ${t.rows} rows`, ErrorCode.LENGTH_MISMATCH);
  }
  if (isStringSeries(spec)) return { name: external, column: -1, categorical: categoryCodes(spec) };
  const numeric = new Float64Array(spec.length);
  for (let i = 0; i < spec.length; i++) {
    const v = spec[i];
    if (v === null || v === undefined) numeric[i] = NaN;
    else if (typeof v === 'number') numeric[i] = v;
    else throw new MetricsiftError(`The ${role} series, row ${i}: expected a number or a string but received ${typeof v}`, ErrorCode.BAD_INPUT);
  }
  return { name: external, column: -1, numeric };
}

/** MS_ONE_CLASS unless the variable has at least two distinct present values. @internal */
export function requireTwoClasses(v: Variable, role: string): void {
  if (v.categorical) {
    if (v.categorical.levels >= 2) return;
    throw new MetricsiftError(`The ${role} ${JSON.stringify(v.name)} has ${v.categorical.levels === 0 ? 'no value' : `one class only (${JSON.stringify(v.categorical.categories[0])})`}: MI to it is 0 by construction`, ErrorCode.ONE_CLASS);
  }
  const x = v.numeric!;
  let first = NaN;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i])) continue;
    if (Number.isNaN(first)) first = x[i];
    else if (x[i] !== first) return;
  }
  throw new MetricsiftError(`The ${role} ${JSON.stringify(v.name)} ${Number.isNaN(first) ? 'has no value' : `is constant (${first})`}: MI to it is 0 by construction`, ErrorCode.ONE_CLASS);
}

function coded(v: Variable, bin: BinningOptions): Coded {
  return v.categorical ?? binCodes(v.numeric!, bin);
}

/**
 * Resampled CMI for the conditional ranking (nats), on the native resampling engine: circular-block
 * bootstrap, and the null with X shuffled within each stratum of Z (keeps X–Z and T–Z, breaks only
 * X–T given Z). The bootstrap's generators are salted apart from the permutations', so asking for an
 * interval leaves the p-value as it was.
 */
function cmiResampling(x: Int32Array, t: Int32Array, z: Int32Array, L: [number, number, number], o: { replicates?: number; permutations?: number; block: number; seed: number }) {
  const reps = o.replicates ? cmiBlockBootstrap(x, t, z, L, o.replicates, o.block, o.seed) : undefined;
  const nul = o.permutations ? cmiStratifiedNull(x, t, z, L, o.permutations, o.seed).null : undefined;
  return { reps, nul };
}

/** Occupied levels of aligned complete-row codes. */
function occupied(c: Int32Array): number {
  const seen = new Set<number>();
  for (let i = 0; i < c.length; i++) seen.add(c[i]);
  return seen.size;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MetricsiftError('The ranking was cancelled', ErrorCode.ABORTED);
}

/**
 * Ranks every metric of a table by its binned MI to a target, highest first.
 *
 * The target is a column (left out of the ranking) or an external series aligned by row: numbers
 * are binned like the metrics, strings are categories used exactly. Each entry reports the rows
 * and bins its estimate used and `MS_SMALL_SAMPLE` when the joint bins exceed rows / 5. With `ci`
 * each entry gets a bootstrap interval ({@link miBootstrapInterval} on the same bins: by default
 * the bias-corrected interval around `estimate`), with `permutations` a p-value, the excess over
 * the permutation null ({@link miPermutationTest}) and a Benjamini–Hochberg q-value across the
 * ranked metrics; `block` (default `auto`, chosen per metric) resamples circular blocks.
 * With `given` the ranking is by I(X; T | Z) = H(X,Z) + H(T,Z) − H(X,T,Z) − H(Z) (plug-in, rows
 * where all three are present); its interval bootstraps those rows and its p-value permutes X
 * within the strata of Z (rows only). With `estimator: 'ksg'` the values are KSG estimates, the
 * intervals half-sample intervals ({@link ksgConfidenceInterval}) and the p-values KSG permutation
 * tests.
 *
 * @throws MetricsiftError `MS_TARGET_MISSING` (no such column), `MS_COLUMN_MISSING` (confounder),
 *   `MS_ONE_CLASS` (constant target, one label class), `MS_LENGTH_MISMATCH` (external series),
 *   `MS_NO_COLUMNS` (nothing left to rank), `MS_TOO_FEW_ROWS` (a metric with fewer complete rows
 *   than two blocks), `MS_BAD_OPTION` (naming the option: block ≥ rows, `q` without
 *   `permutations`, `k` out of range, …).
 * @example
 * const r = await rankToTarget(table, 'front/LatencyP90(s)', { ci: 0.95, permutations: 999, q: 0.05 });
 * r.ranking[0]; // { metric, mi, estimate, ci: [lo, hi], p, q, excess, excessCi, block, rowsUsed, bins, warnings }
 */
export async function rankToTarget(input: TableInput, target: VariableInput, opts: RankOptions = {}): Promise<Ranking> {
  const t = toColumnTable(input);
  const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
  const share = opts.share ?? DEFAULTS.share;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) badOption('share', 'a number in (0, 1]', share);
  const estimator = checkEnum('estimator', opts.estimator, ['binned', 'ksg'] as const) ?? 'binned';
  const ksg = estimator === 'ksg';
  const warnings: AnalysisWarning[] = [];
  const level = opts.ci;
  const replicates = level === undefined ? undefined : (checkInt('replicates', opts.replicates, ksg ? 2 : 1, RANGES.replicates[1]) ?? (ksg ? DEFAULTS.ksgReplicates : DEFAULTS.replicates));
  if (level !== undefined) checkLevelAndReplicates(level, replicates!, 'ci', warnings);
  const method = checkEnum('method', opts.method, INTERVAL_METHODS) ?? 'bias-corrected';
  if (ksg && opts.method !== undefined) badOption('method', 'no interval method with estimator ksg (its intervals are half-sample intervals)', opts.method);
  const permutations = checkRange('permutations', opts.permutations);
  const fdr = checkNumber('q', opts.q);
  if (fdr !== undefined && !(fdr > 0 && fdr <= 1)) badOption('q', 'a false discovery rate in (0, 1]', fdr);
  if (fdr !== undefined && permutations === undefined) badOption('q', 'permutations as well (q-values are computed from permutation p-values)', fdr);
  const orderBy = checkEnum('orderBy', opts.orderBy, ['mi', 'miller-madow', 'estimate', 'excess'] as const) ?? 'mi';
  if (orderBy === 'estimate' && level === undefined) badOption('orderBy', '"estimate" only with ci (the estimate comes with the interval)', orderBy);
  if (orderBy === 'excess' && permutations === undefined) badOption('orderBy', '"excess" only with permutations', orderBy);
  if (orderBy === 'miller-madow' && ksg) badOption('orderBy', '"miller-madow" only with the binned estimator', orderBy);
  const blockOpt = opts.block ?? 'auto';
  if (blockOpt !== 'auto') {
    const b = checkInt('block', blockOpt, 1)!;
    if (b >= t.rows) badOption('block', `a block length below the ${t.rows} rows`, b);
  }
  const seed = checkInt('seed', opts.seed, 0) ?? 0;
  if (!ksg && opts.k !== undefined) badOption('k', 'no k without estimator ksg', opts.k);
  const k = ksg ? (checkRange('k', opts.k) ?? DEFAULTS.k) : 0;
  if (ksg && k >= t.rows) badOption('k', `fewer neighbours than the ${t.rows} rows`, k);
  const bin: BinningOptions = { bins: opts.bins, binning: opts.binning, discreteMax: opts.discreteMax };
  for (const key of Object.keys(bin) as (keyof BinningOptions)[]) if (bin[key] === undefined) delete bin[key];

  const tv = resolveVariable(t, target, 'target', opts.targetName ?? 'target');
  requireTwoClasses(tv, 'target');
  const zv = opts.given === undefined ? undefined : resolveVariable(t, opts.given, 'given', opts.givenName ?? 'given');
  if (zv && zv.column >= 0 && zv.column === tv.column) badOption('given', 'a column other than the target', opts.given);
  if (zv?.categorical?.levels === 0 || (zv?.numeric && zv.numeric.every((v) => Number.isNaN(v)))) {
    throw new MetricsiftError(`The confounder ${JSON.stringify(zv!.name)} has no value`, ErrorCode.NO_ROWS);
  }
  if (zv && permutations !== undefined && blockOpt !== 'auto' && blockOpt > 1) {
    badOption('block', '1 with a confounder (its permutation test shuffles rows within the strata of the confounder)', blockOpt);
  }
  if (ksg && zv) badOption('estimator', 'binned with a confounder (the KSG ranking has no conditional form here)', estimator);
  if (ksg && tv.categorical) badOption('estimator', 'binned for a categorical target (KSG needs numbers)', estimator);

  const skip = new Set([tv.column, zv?.column ?? -1]);
  let metrics: number[];
  if (opts.columns) {
    if (!Array.isArray(opts.columns)) badOption('columns', 'an array of column names or indices', opts.columns);
    metrics = opts.columns.map((c) => {
      const i = typeof c === 'number' ? (Number.isInteger(c) && c >= 0 && c < t.names.length ? c : -1) : t.names.indexOf(c);
      if (i < 0) throw new MetricsiftError(`Unknown column ${JSON.stringify(c)} in columns`, ErrorCode.COLUMN_MISSING);
      return i;
    }).filter((i) => !skip.has(i));
  } else {
    metrics = t.names.map((_, i) => i).filter((i) => !skip.has(i));
  }
  if (metrics.length === 0) throw new MetricsiftError('No metric column to rank (the table holds only the target and confounder)', ErrorCode.NO_COLUMNS);
  checkAbort(opts.signal);

  const f = unitFactor(units);
  const entries: RankEntry[] = opts.pool
    ? await rankEntriesInPool(opts.pool, t, target, opts, metrics)
    : ksg
    ? await ksgEntries(t, metrics, tv, { units, k, level, replicates, permutations, blockOpt, seed, threads: opts.threads, signal: opts.signal })
    : await binnedEntries(t, metrics, tv, zv, bin, { units, f, level, replicates, permutations, blockOpt, seed, method, orderBy, threads: opts.threads, signal: opts.signal });

  if (permutations !== undefined) {
    const q = benjaminiHochberg(entries.map((e) => e.p ?? NaN));
    entries.forEach((e, i) => { if (!Number.isNaN(q[i])) e.q = q[i]; });
  }
  const value = (e: RankEntry) => (orderBy === 'mi' ? e.mi : orderBy === 'miller-madow' ? e.millerMadow : orderBy === 'estimate' ? e.estimate : e.excess) ?? NaN;
  const order = entries.map((_, i) => i);
  const score = (i: number) => (Number.isNaN(value(entries[i])) ? -Infinity : value(entries[i]));
  order.sort((a, b) => score(b) - score(a) || a - b);
  const ranking = order.map((i) => entries[i]);
  // With a q level, only the metrics significant at it make up the total and the top.
  const eligible = ranking.filter((e) => fdr === undefined || (e.q !== undefined && e.q <= fdr));
  let total = 0;
  for (const e of eligible) if (Number.isFinite(value(e))) total += Math.max(0, value(e));
  let topN = 0;
  if (total > 0) {
    let acc = 0;
    // A relative tolerance, so a share of exactly 1 is reached despite rounding in the sum.
    while (topN < eligible.length && acc < share * total * (1 - 1e-12)) {
      const v = value(eligible[topN++]);
      if (v > 0) acc += v;
    }
  }
  const small = ranking.filter((e) => e.warnings.some((w) => w.code === WarningCode.SMALL_SAMPLE)).length;
  if (small) warnings.unshift({ code: WarningCode.SMALL_SAMPLE, message: `${small} of ${ranking.length} estimates have fewer than 5 complete rows per joint bin; their values are dominated by bias` });
  return {
    target: tv.name, ...(zv ? { given: zv.name } : {}), measure: zv ? 'cmi' : 'mi', estimator, orderBy, units, ranking, total, share, topN,
    top: eligible.slice(0, topN).map((e) => e.metric), ...(level !== undefined ? { level, replicates, method: ksg ? 'half-sampling' as const : method } : {}),
    ...(permutations !== undefined ? { permutations } : {}), ...(fdr !== undefined ? { q: fdr } : {}), block: blockOpt, warnings,
  };
}

interface EntryOptions {
  units: 'bits' | 'nats';
  level?: number;
  replicates?: number;
  permutations?: number;
  blockOpt: number | 'auto';
  seed: number;
  threads?: number;
  signal?: AbortSignal;
}

/** Let the event loop breathe between the per-metric resampling calls. */
async function breathe(k: number, resampling: boolean): Promise<void> {
  if (resampling && k % 16 === 15) await new Promise((r) => setImmediate(r));
}

async function binnedEntries(
  t: ColumnTable, metrics: number[], tv: Variable, zv: Variable | undefined, bin: BinningOptions,
  o: EntryOptions & { f: number; method: IntervalMethod; orderBy: RankOrder },
): Promise<RankEntry[]> {
  const { units, f, level, replicates, permutations, blockOpt, seed } = o;
  // One native pass: target first, pairs (0, j) only.
  const tValues = tv.categorical ? codesAsSeries(tv.categorical) : tv.numeric!;
  const names = ['\u0000target', ...metrics.map((i) => t.names[i])];
  const columns = [{ name: names[0], chunks: [{ values: tValues }], length: t.rows }, ...metrics.map((i) => ({ ...t.columns[i], name: t.names[i] }))];
  // Prepared once: every metric and the target are coded once; the codes serve the plain MIs, the
  // conditional MIs and the Miller–Madow values below. On an error the handle is left to its finalizer.
  const prepared = await prepare({ names, columns, rows: t.rows }, { ...bin, threads: o.threads, signal: o.signal });
  const [pass] = await prepared.pairsAbove(['mi'], -Infinity, { units, threads: o.threads, rows: [0, 1], signal: o.signal });
  const mi = new Float64Array(metrics.length).fill(NaN);
  const rows = new Uint32Array(metrics.length);
  for (let k = 0; k < pass.i.length; k++) {
    mi[pass.j[k] - 1] = pass.value[k];
    rows[pass.j[k] - 1] = pass.rowsUsed[k];
  }
  const lev = pass.columnEntropy.levels;
  // More categories than discreteMax would be binned natively: count them exactly in TypeScript.
  const exactTarget = tv.categorical && !(lev[0] === tv.categorical.levels && pass.columnEntropy.discrete[0] === 1);
  const tCoded = tv.categorical ?? prepared.codes(0);
  const zCoded = zv ? coded(zv, bin) : undefined;
  if (tCoded.levels > MAX_LEVELS && (level !== undefined || (permutations !== undefined && !zv))) {
    badOption(level !== undefined ? 'ci' : 'permutations', `a target with at most ${MAX_LEVELS} classes (it has ${tCoded.levels})`, level ?? permutations);
  }
  const resampling = level !== undefined || permutations !== undefined;
  let tBlock: number | undefined;

  const entries: RankEntry[] = [];
  for (let k = 0; k < metrics.length; k++) {
    checkAbort(o.signal);
    const name = t.names[metrics[k]];
    const needCodes = exactTarget || zv || resampling || o.orderBy === 'miller-madow';
    const xCoded = needCodes ? prepared.codes(k + 1) : undefined;
    let plain = mi[k], plainRows = rows[k];
    if (exactTarget) {
      const m = mutualInformationNats(xCoded!, tCoded);
      plain = m.value * f;
      plainRows = m.rowsUsed;
    }
    let e: RankEntry;
    if (zCoded && xCoded) {
      const { codes, rows: n } = completeRows([xCoded, tCoded, zCoded]);
      const L: [number, number, number] = [xCoded.levels, tCoded.levels, zCoded.levels];
      const observed = n ? cmiOfCompact(codes[0], codes[1], codes[2], ...L) : NaN;
      e = { metric: name, mi: observed * f, miUnconditional: plain, ...biasCheck(n, L, `I(${name}; ${tv.name} | ${zv!.name})`) };
      if (n > 0 && resampling) {
        const block = blockFor(blockOpt, [codes[0], codes[1]], n, name);
        const r = cmiResampling(codes[0], codes[1], codes[2], L, { replicates, permutations, block, seed });
        e.block = block;
        const lx = occupied(codes[0]), lt = occupied(codes[1]), lz = occupied(codes[2]);
        if (r.reps && level !== undefined) {
          const iv = bootstrapInterval({
            observed, draws: r.reps, level, method: o.method, rows: n, df: Math.max(1, (lx - 1) * (lt - 1) * lz),
            range: [0, Math.log(Math.max(1, Math.min(L[0], L[1])))],
          });
          e.estimate = iv.estimate * f;
          e.ci = [iv.ci[0] * f, iv.ci[1] * f];
        }
        if (r.nul) {
          e.p = permutationP(observed, r.nul);
          const { excess, nullMean } = excessOverNull(observed, r.nul);
          e.excess = excess * f;
          e.nullMean = nullMean * f;
          if (r.reps && level !== undefined) {
            const ci = excessInterval(excess, r.reps, r.nul, level);
            e.excessCi = [ci[0] * f, ci[1] * f];
          }
        }
      }
    } else {
      const n = plainRows;
      const bins = [exactTarget ? xCoded!.levels : lev[k + 1], tCoded.levels];
      e = { metric: name, mi: plain, ...biasCheck(n, bins, `MI(${name}; ${tv.name})`) };
      if (o.orderBy === 'miller-madow') e.millerMadow = n > 0 ? mutualInformationNats(xCoded!, tCoded, true).value * f : NaN;
      if (n > 0 && resampling) {
        // Resample the codes themselves, so the intervals are of this very estimate: on the prepared
        // table (coded once) unless the target's exact categories are not its column 0.
        const xs = codesAsSeries(xCoded!), ts = codesAsSeries(tCoded);
        tBlock ??= politisWhiteBlock(ts);
        const block = blockFor(blockOpt, [xs], n, name, tBlock);
        e.block = block;
        let reps: Float64Array | undefined;
        let boot: BootstrapResult | undefined, perm: PermutationResult | undefined;
        if (!exactTarget) {
          const common = { block, seed, threads: o.threads, units, codes: [xCoded!, tCoded] as [Coded, Coded], bins: 'distinct' as const };
          if (level !== undefined) boot = await preparedMiBootstrap(prepared, k + 1, 0, { ...common, replicates, level, method: o.method });
          if (permutations !== undefined) perm = await preparedMiPermutation(prepared, k + 1, 0, { ...common, permutations });
        } else {
          // discreteMax just above the codes: the kernel sizes its histograms by it.
          const dm = Math.max(2, xCoded!.levels, tCoded.levels);
          const common = { block, seed, threads: o.threads, units, discreteMax: dm, bins: dm };
          if (level !== undefined) boot = await miBootstrapInterval(xs, ts, { ...common, replicates, level, method: o.method });
          if (permutations !== undefined) perm = await miPermutationTest(xs, ts, { ...common, permutations });
        }
        if (boot) {
          e.estimate = boot.estimate;
          e.ci = boot.ci;
          reps = boot.replicates;
        }
        if (perm) {
          e.p = perm.p;
          e.excess = perm.excess;
          e.nullMean = perm.nullMean;
          if (reps) e.excessCi = excessInterval(perm.excess, reps, perm.null, level!);
        }
      }
    }
    entries.push(e);
    await breathe(k, resampling);
  }
  prepared.dispose();
  return entries;
}

/**
 * The block length of one metric: chosen from its data (the larger Politis–White length of the
 * metric and the target, the target's computed once), or the fixed one (MS_TOO_FEW_ROWS when two
 * blocks exceed its rows).
 */
function blockFor(blockOpt: number | 'auto', series: ArrayLike<number>[], n: number, name: string, targetBlock?: number): number {
  if (blockOpt === 'auto') return Math.max(1, Math.min(Math.max(targetBlock ?? 1, chooseBlock('auto', series, n)), Math.floor(n / 2)));
  if (n < 2 * blockOpt) throw new MetricsiftError(`${name}: ${n} complete rows are too few for blocks of ${blockOpt} rows`, ErrorCode.TOO_FEW_ROWS);
  return blockOpt;
}

async function ksgEntries(t: ColumnTable, metrics: number[], tv: Variable, o: EntryOptions & { k: number }): Promise<RankEntry[]> {
  const { units, level, replicates, permutations, blockOpt, seed, k } = o;
  const y = tv.numeric!;
  const resampling = level !== undefined || permutations !== undefined;
  const tBlock = blockOpt === 'auto' && resampling ? politisWhiteBlock(y) : undefined;
  const entries: RankEntry[] = [];
  for (let m = 0; m < metrics.length; m++) {
    checkAbort(o.signal);
    const name = t.names[metrics[m]];
    const x = columnValues(t.columns[metrics[m]]);
    let n = 0;
    for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]) && !Number.isNaN(y[i])) n++;
    // KSG has no bins: the bias check counts rows only.
    const e: RankEntry = { metric: name, mi: NaN, ...biasCheck(n, [], `KSG MI(${name}; ${tv.name})`) };
    if (n > k) {
      e.mi = ksgMutualInformation(x, y, { k, units }).value;
      if (resampling) {
        const block = blockFor(blockOpt, [x], n, name, tBlock);
        e.block = block;
        const common = { k, units, block, seed, threads: o.threads };
        let reps: Float64Array | undefined;
        if (level !== undefined) {
          const r = await ksgConfidenceInterval(x, y, { ...common, replicates, level });
          e.estimate = r.estimate;
          e.ci = r.ci;
          // Half-sample deviations from their mean stand for the estimator's spread.
          const mean = r.replicates.reduce((s, v) => s + v, 0) / r.replicates.length;
          reps = r.replicates.map((v) => v - mean + e.mi);
        }
        if (permutations !== undefined) {
          const r = await ksgPermutationTest(x, y, { ...common, permutations });
          e.p = r.p;
          e.excess = r.excess;
          e.nullMean = r.nullMean;
          if (reps) e.excessCi = excessInterval(r.excess, reps, r.null, level!);
        }
      }
    } else if (n > 0) {
      e.warnings.push({ code: WarningCode.TOO_FEW_ROWS, message: `KSG MI(${name}; ${tv.name}): ${n} complete rows, not more than k = ${k}; no estimate` });
    }
    entries.push(e);
    await breathe(m, resampling);
  }
  return entries;
}
