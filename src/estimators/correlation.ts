/**
 * Correlation matrices on the same inputs as the MI matrices: Pearson, Spearman (average ranks)
 * and Kendall's tau-b (O(n log n) per pair). Missing values are excluded pairwise; a pair with a
 * constant side or fewer than two complete rows is NaN.
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { checkRange } from '../options.js';
import { binding } from '../native.js';
import { columnFromArray, type TableInput } from '../table.js';
import type { PairList, PairMatrix } from './matrix.js';
import { checkDense, checkEnum, checkInt, checkNumber, pairCount, prepareTable, rawColumns, rawRunOptions, runNative, runNativeSync, type RunOptions } from './run.js';

export type CorrelationMethod = 'pearson' | 'spearman' | 'kendall';

export interface CorrelationOptions extends RunOptions {
  /** `pearson` (default), `spearman` or `kendall` (tau-b). */
  method?: CorrelationMethod;
  /** Element type of the dense matrix (default float64). */
  precision?: 'float64' | 'float32';
}

const METHODS = ['pearson', 'spearman', 'kendall'] as const;

function call(input: TableInput, opts: CorrelationOptions, extra: object) {
  const t = prepareTable(input, opts);
  const method = checkEnum('method', opts.method, METHODS) ?? 'pearson';
  const raw = { method, ...rawRunOptions(opts), ...extra };
  return { t, method, raw, cols: rawColumns(t) };
}

function dense(opts: CorrelationOptions) {
  return { output: checkEnum('precision', opts.precision, ['float64', 'float32'] as const) ?? 'float64' };
}

/** call() for a dense matrix, refused before any work when it cannot be held (see checkDense). */
function denseCall(input: TableInput, opts: CorrelationOptions, what: string) {
  const d = dense(opts);
  const c = call(input, opts, d);
  checkDense(c.t.names.length, d.output, what);
  return c;
}

function toMatrix(c: ReturnType<typeof call>, r: { values?: Float64Array | Float32Array; rowsUsed?: Uint32Array }): PairMatrix {
  return { names: c.t.names, size: c.t.names.length, values: r.values!, rowsUsed: r.rowsUsed!, measure: c.method };
}

function toList(c: ReturnType<typeof call>, r: { i?: Uint32Array; j?: Uint32Array; value?: Float64Array; rows?: Uint32Array }, limit: { threshold: number } | { k: number }): PairList {
  return { names: c.t.names, size: c.t.names.length, measure: c.method, ...limit, i: r.i!, j: r.j!, value: r.value!, rowsUsed: r.rows! };
}

/**
 * All-pairs correlation matrix, off the main thread.
 * @example
 * const r = await correlationMatrix(table, { method: 'spearman' });
 */
export async function correlationMatrix(input: TableInput, opts: CorrelationOptions = {}): Promise<PairMatrix> {
  const c = denseCall(input, opts, 'correlationMatrix');
  return toMatrix(c, await runNative(opts, pairCount(c.t.names.length, opts.rows), (ctl) => binding.corrMatrix(c.cols, c.t.names, c.raw, ctl, true)));
}

/** {@link correlationMatrix} on the calling thread. */
export function correlationMatrixSync(input: TableInput, opts: Omit<CorrelationOptions, 'signal' | 'onProgress'> = {}): PairMatrix {
  const c = denseCall(input, opts, 'correlationMatrixSync');
  return toMatrix(c, runNativeSync(() => binding.corrMatrix(c.cols, c.t.names, c.raw, null, false)));
}

/** Only the pairs with |r| above `threshold`, without building the dense matrix. */
export async function correlationPairsAbove(input: TableInput, threshold: number, opts: CorrelationOptions = {}): Promise<PairList> {
  const th = checkNumber('threshold', threshold)!;
  const c = call(input, opts, { output: 'threshold', threshold: th, absolute: true });
  return toList(c, await runNative(opts, pairCount(c.t.names.length, opts.rows), (ctl) => binding.corrMatrix(c.cols, c.t.names, c.raw, ctl, true)), { threshold: th });
}

/** For every column, its `k` partners with the highest |r| (ties to the lower index), without the dense matrix. */
export async function correlationTopK(input: TableInput, k: number, opts: CorrelationOptions = {}): Promise<PairList> {
  const kk = checkRange('k', k)!;
  const c = call(input, opts, { output: 'topk', k: kk, absolute: true });
  return toList(c, await runNative(opts, pairCount(c.t.names.length, opts.rows), (ctl) => binding.corrMatrix(c.cols, c.t.names, c.raw, ctl, true)), { k: kk });
}

/** Correlation of two series on their pairwise-complete rows. */
export function correlation(x: ArrayLike<number | null>, y: ArrayLike<number | null>, opts: { method?: CorrelationMethod } = {}): { value: number; rowsUsed: number } {
  const a = columnFromArray('x', x), b = columnFromArray('y', y);
  if (a.values.length !== b.values.length) {
    throw new MetricsiftError(`x has ${a.values.length} values but y has ${b.values.length}`, ErrorCode.LENGTH_MISMATCH);
  }
  const method = checkEnum('method', opts.method, METHODS) ?? 'pearson';
  const r = runNativeSync(() => binding.corrMatrix([[a], [b]], ['x', 'y'], { method, threads: 1 }, null, false));
  return { value: r.values![1], rowsUsed: r.rowsUsed![1] };
}
