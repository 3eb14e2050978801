/**
 * Ranking to a target (issue 7): binned MI of every metric of a table to a target — a column of
 * the table or an external label series, numeric or categorical — sorted highest first, with
 * optional percentile-bootstrap intervals and permutation p-values, the smallest top-N carrying a
 * given share of the total, and a conditional ranking I(X; T | Z) given a confounder column.
 *
 * The plain MIs come from one native pass: the target is put first in a table with the metrics and
 * the all-pairs kernel is restricted to the pairs of that first column (the `rows: [0, 1]` shard),
 * so the binning and the histograms of all metrics run in parallel in one call.
 */
import { ErrorCode, MetricsiftError, WarningCode, badOption, type AnalysisWarning } from '../errors.js';
import { miPairsAbove, type BinningOptions } from '../estimators/binned.js';
import { checkEnum, checkInt } from '../estimators/run.js';
import type { ColumnTable, TableInput } from '../table.js';
import { toColumnTable } from '../table.js';
import { biasCheck, type EstimateInfo } from './bias.js';
import {
  binCodes, categoryCodes, codesAsSeries, completeRows, cmiOfCompact, columnValues, mutualInformationNats, seededRandom, unitFactor,
  type Categories, type Coded,
} from './codes.js';
import { miBootstrapInterval, miPermutationTest, percentiles } from './significance.js';

/**
 * A target or confounder: a column of the table (name, or index), or an external series aligned by
 * row — numbers (binned like a metric; NaN/null missing) or strings (categories, exactly; empty or
 * null missing).
 */
export type VariableInput = string | number | ArrayLike<number | null> | ArrayLike<string | null | undefined>;

export interface RankOptions extends Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> {
  /** `bits` (default) or `nats`. */
  units?: 'bits' | 'nats';
  /** Confidence level of a percentile bootstrap interval per metric (e.g. 0.95); none by default. */
  ci?: number;
  /** Bootstrap replicates (default 1,000). */
  replicates?: number;
  /** Permutations for a p-value per metric (none by default; 999 is usual). */
  permutations?: number;
  /** Block length of the bootstrap and the permutations (default 1: rows; use > 1 for autocorrelated series). */
  block?: number;
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
}

/** One ranked metric with what its estimate rests on (rows, bins, small-sample warning). */
export interface RankEntry extends EstimateInfo {
  metric: string;
  /** MI to the target (or conditional MI given the confounder), in `units`; NaN without complete rows. */
  mi: number;
  /** Percentile bootstrap interval, when `ci` was asked for. */
  ci?: [number, number];
  /** Permutation p-value, when `permutations` was asked for. */
  p?: number;
  /** With a confounder: the plain MI to the target, for comparison. */
  miUnconditional?: number;
}

export interface Ranking {
  target: string;
  given?: string;
  /** `mi`, or `cmi` with a confounder. */
  measure: 'mi' | 'cmi';
  units: 'bits' | 'nats';
  /** Highest first; NaN last; ties in table order. */
  ranking: RankEntry[];
  /** Sum of the finite values. */
  total: number;
  share: number;
  /** Smallest N whose top N carry at least `share` of `total` (0 when the total is 0). */
  topN: number;
  top: string[];
  level?: number;
  replicates?: number;
  permutations?: number;
  block: number;
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

/** Resampled CMI for the conditional ranking: circular-block bootstrap and within-stratum permutation. */
function cmiResampling(x: Int32Array, t: Int32Array, z: Int32Array, L: [number, number, number], o: { replicates?: number; permutations?: number; block: number; seed: number }) {
  const n = x.length;
  const rnd = seededRandom(o.seed);
  let reps: Float64Array | undefined, p: number | undefined;
  if (o.replicates) {
    reps = new Float64Array(o.replicates);
    const bx = new Int32Array(n), bt = new Int32Array(n), bz = new Int32Array(n);
    for (let r = 0; r < o.replicates; r++) {
      for (let k = 0; k < n;) {
        const start = Math.floor(rnd() * n);
        for (let j = 0; j < o.block && k < n; j++, k++) {
          const s = (start + j) % n;
          bx[k] = x[s]; bt[k] = t[s]; bz[k] = z[s];
        }
      }
      reps[r] = cmiOfCompact(bx, bt, bz, L[0], L[1], L[2]);
    }
  }
  if (o.permutations) {
    // Shuffling X within each stratum of Z keeps X–Z and T–Z and breaks only X–T given Z.
    const observed = cmiOfCompact(x, t, z, L[0], L[1], L[2]);
    const strata: number[][] = Array.from({ length: L[2] }, () => []);
    for (let r = 0; r < n; r++) strata[z[r]].push(r);
    const px = Int32Array.from(x);
    let ge = 0;
    for (let b = 0; b < o.permutations; b++) {
      for (const rows of strata) {
        for (let k = rows.length - 1; k > 0; k--) {
          const j = Math.floor(rnd() * (k + 1));
          const a = px[rows[k]]; px[rows[k]] = px[rows[j]]; px[rows[j]] = a;
        }
      }
      if (cmiOfCompact(px, t, z, L[0], L[1], L[2]) >= observed - 1e-12) ge++;
    }
    p = (1 + ge) / (1 + o.permutations);
  }
  return { reps, p };
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
 * each entry gets a percentile bootstrap interval ({@link miBootstrapInterval} on the same bins),
 * with `permutations` a p-value ({@link miPermutationTest}); `block` > 1 resamples circular blocks.
 * With `given` the ranking is by I(X; T | Z) = H(X,Z) + H(T,Z) − H(X,T,Z) − H(Z) (plug-in, rows
 * where all three are present); its interval bootstraps those rows and its p-value permutes X
 * within the strata of Z (rows only).
 *
 * @throws MetricsiftError `MS_TARGET_MISSING` (no such column), `MS_COLUMN_MISSING` (confounder),
 *   `MS_ONE_CLASS` (constant target, one label class), `MS_LENGTH_MISMATCH` (external series),
 *   `MS_NO_COLUMNS` (nothing left to rank), `MS_BAD_OPTION`.
 * @example
 * const r = await rankToTarget(table, 'front/LatencyP90(s)', { ci: 0.95, permutations: 999 });
 * r.ranking[0]; // { metric, mi, ci: [lo, hi], p, rowsUsed, bins, warnings }
 */
export async function rankToTarget(input: TableInput, target: VariableInput, opts: RankOptions = {}): Promise<Ranking> {
  const t = toColumnTable(input);
  const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
  const share = opts.share ?? 0.8;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) badOption('share', 'a number in (0, 1]', share);
  const level = opts.ci;
  if (level !== undefined && (typeof level !== 'number' || !(level > 0 && level < 1))) badOption('ci', 'a confidence level in (0, 1)', level);
  const replicates = level === undefined ? undefined : (checkInt('replicates', opts.replicates, 1, 10_000_000) ?? 1000);
  const permutations = checkInt('permutations', opts.permutations, 1, 10_000_000);
  const block = checkInt('block', opts.block, 1) ?? 1;
  const seed = checkInt('seed', opts.seed, 0) ?? 0;
  const bin: BinningOptions = { bins: opts.bins, binning: opts.binning, discreteMax: opts.discreteMax };
  for (const k of Object.keys(bin) as (keyof BinningOptions)[]) if (bin[k] === undefined) delete bin[k];

  const tv = resolveVariable(t, target, 'target', opts.targetName ?? 'target');
  requireTwoClasses(tv, 'target');
  const zv = opts.given === undefined ? undefined : resolveVariable(t, opts.given, 'given', opts.givenName ?? 'given');
  if (zv && zv.column >= 0 && zv.column === tv.column) badOption('given', 'a column other than the target', opts.given);
  if (zv?.categorical?.levels === 0 || (zv?.numeric && zv.numeric.every((v) => Number.isNaN(v)))) {
    throw new MetricsiftError(`The confounder ${JSON.stringify(zv!.name)} has no value`, ErrorCode.NO_ROWS);
  }
  if (zv && permutations !== undefined && block > 1) {
    badOption('block', '1 with a confounder (its permutation test shuffles rows within the strata of the confounder)', block);
  }

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

  // One native pass: target first, pairs (0, j) only.
  const tValues = tv.categorical ? codesAsSeries(tv.categorical) : tv.numeric!;
  const names = ['\u0000target', ...metrics.map((i) => t.names[i])];
  const columns = [{ name: names[0], chunks: [{ values: tValues }], length: t.rows }, ...metrics.map((i) => ({ ...t.columns[i], name: t.names[i] }))];
  const pass = await miPairsAbove({ names, columns, rows: t.rows }, -Infinity, { ...bin, units, threads: opts.threads, rows: [0, 1], signal: opts.signal });
  const mi = new Float64Array(metrics.length).fill(NaN);
  const rows = new Uint32Array(metrics.length);
  for (let k = 0; k < pass.i.length; k++) {
    mi[pass.j[k] - 1] = pass.value[k];
    rows[pass.j[k] - 1] = pass.rowsUsed[k];
  }
  const lev = pass.columnEntropy.levels;
  // More categories than discreteMax would be binned natively: count them exactly in TypeScript.
  const exactTarget = tv.categorical && !(lev[0] === tv.categorical.levels && pass.columnEntropy.discrete[0] === 1);
  const f = unitFactor(units);
  const tCoded = coded(tv, bin);
  const zCoded = zv ? coded(zv, bin) : undefined;
  if (tCoded.levels > 1024 && (level !== undefined || (permutations !== undefined && !zv))) {
    badOption(level !== undefined ? 'ci' : 'permutations', `a target with at most 1,024 classes (it has ${tCoded.levels})`, level ?? permutations);
  }

  const entries: RankEntry[] = [];
  for (let k = 0; k < metrics.length; k++) {
    checkAbort(opts.signal);
    const name = t.names[metrics[k]];
    const needCodes = exactTarget || zv || level !== undefined || permutations !== undefined;
    const xCoded = needCodes ? binCodes(columnValues(t.columns[metrics[k]]), bin) : undefined;
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
      const v = n ? cmiOfCompact(codes[0], codes[1], codes[2], ...L) * f : NaN;
      e = { metric: name, mi: v, miUnconditional: plain, ...biasCheck(n, L, `I(${name}; ${tv.name} | ${zv!.name})`) };
      if (n > 0 && (level !== undefined || permutations !== undefined)) {
        if (n < 2 * block) throw new MetricsiftError(`${name}: ${n} complete rows are too few for blocks of ${block} rows`, ErrorCode.TOO_FEW_ROWS);
        const r = cmiResampling(codes[0], codes[1], codes[2], L, { replicates, permutations, block, seed });
        if (r.reps && level !== undefined) e.ci = percentiles(r.reps.map((x) => x * f), level);
        if (r.p !== undefined) e.p = r.p;
      }
    } else {
      const v = plain, n = plainRows;
      const bins = [exactTarget ? xCoded!.levels : lev[k + 1], tCoded.levels];
      e = { metric: name, mi: v, ...biasCheck(n, bins, `MI(${name}; ${tv.name})`) };
      if (n > 0 && (level !== undefined || permutations !== undefined)) {
        if (n < 2 * block) throw new MetricsiftError(`${name}: ${n} complete rows are too few for blocks of ${block} rows`, ErrorCode.TOO_FEW_ROWS);
        // Resample the codes themselves (one bin per code), so the intervals are of this very estimate.
        const xs = codesAsSeries(xCoded!), ts = codesAsSeries(tCoded);
        // discreteMax just above the codes: the kernel sizes its histograms by it.
        const dm = Math.max(2, xCoded!.levels, tCoded.levels);
        const common = { block, seed, threads: opts.threads, units, discreteMax: dm, bins: dm };
        if (level !== undefined) e.ci = miBootstrapInterval(xs, ts, { ...common, replicates, level }).ci;
        if (permutations !== undefined) e.p = miPermutationTest(xs, ts, { ...common, permutations }).p;
      }
    }
    entries.push(e);
    // Let the event loop breathe between the per-metric resampling calls.
    if ((level !== undefined || permutations !== undefined) && k % 16 === 15) await new Promise((r) => setImmediate(r));
  }

  const order = entries.map((_, k) => k);
  const score = (k: number) => (Number.isNaN(entries[k].mi) ? -Infinity : entries[k].mi);
  order.sort((a, b) => score(b) - score(a) || a - b);
  const ranking = order.map((k) => entries[k]);
  let total = 0;
  for (const e of ranking) if (Number.isFinite(e.mi)) total += Math.max(0, e.mi);
  let topN = 0;
  if (total > 0) {
    let acc = 0;
    // A relative tolerance, so a share of exactly 1 is reached despite rounding in the sum.
    while (topN < ranking.length && acc < share * total * (1 - 1e-12)) {
      const v = ranking[topN++].mi;
      if (v > 0) acc += v;
    }
  }
  const small = ranking.filter((e) => e.warnings.some((w) => w.code === WarningCode.SMALL_SAMPLE)).length;
  const warnings: AnalysisWarning[] = small
    ? [{ code: WarningCode.SMALL_SAMPLE, message: `${small} of ${ranking.length} estimates have fewer than 5 complete rows per joint bin; their values are dominated by bias` }]
    : [];
  return {
    target: tv.name, ...(zv ? { given: zv.name } : {}), measure: zv ? 'cmi' : 'mi', units, ranking, total, share, topN,
    top: ranking.slice(0, topN).map((e) => e.metric), ...(level !== undefined ? { level, replicates } : {}),
    ...(permutations !== undefined ? { permutations } : {}), block, warnings,
  };
}
