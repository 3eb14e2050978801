/**
 * Kraskov–Stögbauer–Grassberger (KSG) mutual information between continuous variables, scalar or
 * multivariate, and conditional MI by the Frenzel–Pompe construction; exact neighbour search in
 * the native core. Values in bits unless `units: 'nats'` (scikit-learn reports nats).
 *
 * Ties (discrete values, repeated readings): by default, as scikit-learn, a tiny seeded jitter
 * (1e-10 · max(1, mean |v|) · N(0, 1) after scaling) breaks them reproducibly; `jitter: 'none'`
 * keeps the data exact and applies the estimator's definitions to ties as they are (counts use
 * strict < ε for algorithm 1, ≤ for algorithm 2, so ε may be 0 when points coincide).
 */
import { ErrorCode, MetricsiftError, WarningCode, badOption, type AnalysisWarning } from '../errors.js';
import { DEFAULTS, checkRange } from '../options.js';
import { binding } from '../native.js';
import { columnFromArray, type ColumnChunk } from '../table.js';
import type { Estimate, Series } from './binned.js';
import type { PairList, PairMatrix } from './matrix.js';
import { checkDense, checkEnum, checkInt, checkNumber, pairCount, prepareTable, rawColumns, rawRunOptions, runNative, runNativeSync, type RunOptions } from './run.js';
import type { TableInput } from '../table.js';

export interface KsgOptions {
  /** Neighbours (default 3). */
  k?: number;
  /** KSG algorithm 1 (default) or 2. */
  algorithm?: 1 | 2;
  /** Jitter seed (default 0), or `none` for no jitter. */
  jitter?: number | 'none';
  /** Scale every dimension to unit variance first (default true, as scikit-learn). */
  standardize?: boolean;
  /** `bits` (default) or `nats`. */
  units?: 'bits' | 'nats';
}

type Vars = Series | Series[];

function columnsOf(name: string, v: Vars): Series[] {
  const list = Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null ? (v as Series[]) : [v as Series];
  if (list.length === 0 || (Array.isArray(v) && v.length === 0)) {
    throw new MetricsiftError(`${name} is an empty set of variables`, ErrorCode.BAD_INPUT);
  }
  return list;
}

/** The checked options and what the addon reads of them (shared with the resampling calls). */
export function checkedKsgOptions(opts: KsgOptions) {
  const k = checkRange('k', opts.k) ?? DEFAULTS.k;
  const algorithm = opts.algorithm ?? 1;
  if (algorithm !== 1 && algorithm !== 2) badOption('algorithm', '1 or 2', algorithm);
  const jitter = opts.jitter ?? 0;
  if (jitter !== 'none' && !(Number.isInteger(jitter) && (jitter as number) >= 0)) badOption('jitter', 'a seed (integer ≥ 0) or "none"', jitter);
  const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
  if (opts.standardize !== undefined && typeof opts.standardize !== 'boolean') badOption('standardize', 'a boolean', opts.standardize);
  const native = { k, algorithm, standardize: opts.standardize ?? true, jitter: jitter !== 'none', seed: jitter === 'none' ? 0 : (jitter as number) };
  return { k, units, native };
}

function run(sets: [string, Vars][], opts: KsgOptions): Estimate {
  const { k, units, native } = checkedKsgOptions(opts);
  const cols: ColumnChunk[][] = [], names: string[] = [], idx: number[][] = [];
  for (const [name, v] of sets) {
    const list = columnsOf(name, v);
    idx.push(list.map((_, i) => cols.length + i));
    list.forEach((s, i) => {
      names.push(list.length > 1 ? `${name}[${i}]` : name);
      cols.push([columnFromArray(names[names.length - 1], s)]);
    });
  }
  const n = cols[0][0].values.length;
  cols.forEach((c, i) => {
    if (c[0].values.length !== n) throw new MetricsiftError(`${names[i]} has ${c[0].values.length} values but ${names[0]} has ${n}`, ErrorCode.LENGTH_MISMATCH);
  });
  if (n <= k) throw new MetricsiftError(`k = ${k} needs more than k rows but the data has ${n}`, ErrorCode.BAD_OPTION);
  const r = runNativeSync(() => binding.ksg(cols, names, { x: idx[0], y: idx[1], z: idx[2], ...native, threads: 1 }));
  return { value: units === 'bits' ? r.value / Math.LN2 : r.value, rowsUsed: r.rowsUsed };
}

/** KSG estimate of I(X; Y); X and Y are one series or several (multivariate). Rows missing in any are left out. */
export function ksgMutualInformation(x: Vars, y: Vars, opts: KsgOptions = {}): Estimate {
  return run([['x', x], ['y', y]], opts);
}

/** Conditional MI I(X; Y | Z) (Frenzel–Pompe, KSG algorithm 1). */
export function ksgConditionalMutualInformation(x: Vars, y: Vars, z: Vars, opts: Omit<KsgOptions, 'algorithm'> = {}): Estimate {
  return run([['x', x], ['y', y], ['z', z]], { ...opts, algorithm: 1 });
}

/**
 * All-pairs KSG MI matrix of a table's columns, off the main thread, each pair on its
 * pairwise-complete rows exactly as {@link ksgMutualInformation}; the diagonal is NaN (I(X; X) is
 * infinite for a continuous X) and so is a pair with a constant side or at most k complete rows
 * (one `MS_TOO_FEW_ROWS` warning counts those). `k` ≥ the table's rows is `MS_BAD_OPTION`, as for
 * the single pair; an infinite value is `MS_BAD_INPUT` naming its column.
 */
export async function ksgMatrix(
  input: TableInput,
  opts: KsgOptions & RunOptions & { precision?: 'float64' | 'float32' } = {},
): Promise<PairMatrix & { units: 'bits' | 'nats'; warnings: AnalysisWarning[] }> {
  const t = prepareTable(input, opts);
  const { k, units, native } = checkedKsgOptions(opts);
  const output = checkEnum('precision', opts.precision, ['float64', 'float32'] as const) ?? 'float64';
  checkDense(t.names.length, output, 'ksgMatrix');
  const raw = { ...native, ...rawRunOptions(opts), output };
  const r = await runNative(opts, pairCount(t.names.length, opts.rows), (ctl) => binding.ksgMatrix(rawColumns(t), t.names, raw, ctl, true));
  const values = r.values!;
  if (units === 'bits') for (let i = 0; i < values.length; i++) values[i] /= Math.LN2;
  const M = t.names.length, rowsUsed = r.rowsUsed!;
  return { names: t.names, size: M, values, rowsUsed, measure: 'ksg', units, warnings: fewRowsWarning(t.names, rowsUsed, k) };
}

/** One warning counting the pairs i < j with at most k complete rows (NaN in the matrix), naming the first. */
function fewRowsWarning(names: string[], rowsUsed: Uint32Array, k: number): AnalysisWarning[] {
  const M = names.length;
  let count = 0, first = '';
  for (let i = 0; i < M; i++) {
    for (let j = i + 1; j < M; j++) {
      const rows = rowsUsed[i * M + j];
      if (rows > k) continue;
      if (count++ === 0) first = `"${names[i]}" ~ "${names[j]}" (${rows} rows)`;
    }
  }
  if (count === 0) return [];
  return [{ code: WarningCode.TOO_FEW_ROWS, message: `${count} pair${count > 1 ? 's have' : ' has'} at most k = ${k} complete rows, too few for KSG; NaN in the matrix (first: ${first})` }];
}

/** Only the pairs whose KSG MI is above `threshold` (in `units`), without the dense matrix. */
export async function ksgPairsAbove(input: TableInput, threshold: number, opts: KsgOptions & RunOptions = {}): Promise<PairList & { units: 'bits' | 'nats' }> {
  const t = prepareTable(input, opts);
  const { units, native } = checkedKsgOptions(opts);
  const th = checkNumber('threshold', threshold)!;
  // The native side works in nats.
  const raw = { ...native, ...rawRunOptions(opts), output: 'threshold' as const, threshold: units === 'bits' ? th * Math.LN2 : th };
  const r = await runNative(opts, pairCount(t.names.length, opts.rows), (ctl) => binding.ksgMatrix(rawColumns(t), t.names, raw, ctl, true));
  const value = r.value!;
  if (units === 'bits') for (let i = 0; i < value.length; i++) value[i] /= Math.LN2;
  return { names: t.names, size: t.names.length, measure: 'ksg', units, threshold: th, i: r.i!, j: r.j!, value, rowsUsed: r.rows! };
}

/** For every column, its `k` partners with the highest KSG MI (ties to the lower index), without the dense matrix. */
export async function ksgTopK(input: TableInput, k: number, opts: KsgOptions & RunOptions = {}): Promise<PairList & { units: 'bits' | 'nats' }> {
  const t = prepareTable(input, opts);
  const { units, native } = checkedKsgOptions(opts);
  const kk = checkRange('k', k)!;
  const raw = { ...native, ...rawRunOptions(opts), output: 'topk' as const, k: kk };
  const r = await runNative(opts, pairCount(t.names.length, opts.rows), (ctl) => binding.ksgMatrix(rawColumns(t), t.names, raw, ctl, true));
  const value = r.value!;
  // Ranked in nats natively; dividing by ln 2 keeps the order.
  if (units === 'bits') for (let i = 0; i < value.length; i++) value[i] /= Math.LN2;
  return { names: t.names, size: t.names.length, measure: 'ksg', units, k: kk, i: r.i!, j: r.j!, value, rowsUsed: r.rows! };
}
