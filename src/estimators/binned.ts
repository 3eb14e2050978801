/**
 * The binned (plug-in) estimator family: discretisation, entropy, joint and conditional entropy,
 * mutual information and normalised MI for single pairs, and all-pairs MI/NMI matrices computed
 * natively in parallel tiles. Values are in bits unless `units: 'nats'`.
 */
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { checkRange } from '../options.js';
import type { Device, DeviceReport } from '../device.js';
import { binding } from '../native.js';
import { columnFromArray, toColumnTable, type ColumnTable, type TableInput } from '../table.js';
import type { PairList, PairMatrix } from './matrix.js';
import { checkDense, checkEnum, checkInt, checkNumber, rawRunOptions, runNativeSync, type RunOptions } from './run.js';
import { rawInfoOptions, withPrepared, withPreparedSync } from './prepared.js';

/** How continuous values become bins. See the README's "Binning" section for the exact rules. */
export type Binning = 'quantile' | 'uniform' | 'auto';
/** Denominators for normalised MI: mean, geometric mean, min or max of H(X), H(Y), or H(X,Y). */
export type Normalization = 'arithmetic' | 'geometric' | 'min' | 'max' | 'joint';

export interface BinningOptions {
  /** `quantile` (equal frequency, default), `uniform` (equal width) or `auto` (Freedman–Diaconis, capped by `bins`). */
  binning?: Binning;
  /** Number of bins (default 16; for `auto` the cap, default 64), in `RANGES.bins` (src/options.ts). */
  bins?: number;
  /** Interior cut points c1 < … < c(K−1) instead of a rule: bin = number of cuts ≤ x. */
  edges?: ArrayLike<number>;
  /** Columns with at most this many distinct values keep one bin per value (default: the number of bins). */
  discreteMax?: number;
}

export interface InfoOptions extends BinningOptions {
  /** `bits` (default) or `nats`. */
  units?: 'bits' | 'nats';
  /** Add the Miller–Madow bias correction (m − 1)/(2N) to each entropy, m = occupied bins. */
  millerMadow?: boolean;
}

export interface NmiOptions extends InfoOptions {
  /** Denominator of normalised MI (default `arithmetic`, as scikit-learn). */
  normalization?: Normalization;
}

export interface MiMatrixOptions extends NmiOptions, RunOptions {
  /** `mi` (default) or `nmi`. */
  measure?: 'mi' | 'nmi';
  /** Element type of the dense matrix (default float64). */
  precision?: 'float64' | 'float32';
  /**
   * Where the pair counts run: `cpu` (default), `cuda` (the CUDA backend; MS_NO_DEVICE where it
   * is not available), `gpujs` (gpu.js, an optional dependency; below 2^24 rows) or `auto` (CUDA,
   * then gpu.js on a hardware GPU, then the CPU). Values are byte-identical on every device; the
   * result's `device` says which one ran.
   */
  device?: Device;
}

/** Per-column entropies and how each column was binned. */
export interface EntropyTable {
  names: string[];
  /** H(column) over its non-missing rows, in `units`; NaN for a column with no value. */
  entropy: Float64Array;
  /** Non-missing rows of each column. */
  rowsUsed: Uint32Array;
  /** Bins (codes) each column uses. */
  levels: Int32Array;
  /** 1 where the column had few distinct values and kept one bin per value. */
  discrete: Int32Array;
  units: 'bits' | 'nats';
}

/** An all-pairs MI or NMI matrix with the per-column entropies (the diagonal of MI). */
export interface MiMatrix extends PairMatrix {
  units: 'bits' | 'nats';
  columnEntropy: EntropyTable;
  /** The device that computed the pair counts (set when the call asked for one). */
  device?: DeviceReport;
}

export interface MiPairList extends PairList {
  units: 'bits' | 'nats';
  columnEntropy: EntropyTable;
  /** The device that computed the pair counts (set when the call asked for one). */
  device?: DeviceReport;
}

/** One estimate with the number of complete rows it used. */
export interface Estimate {
  value: number;
  rowsUsed: number;
}

/** Checks a one-shot call's options as the prepared calls will, before any native work. */
function checked(opts: MiMatrixOptions) {
  rawInfoOptions(opts);
  rawRunOptions(opts);
  const { onProgress: _p, rows: _r, ...prep } = opts;
  return { prep, units: opts.units ?? 'bits', measure: opts.measure ?? 'mi' };
}

function denseOutput(opts: MiMatrixOptions): 'float64' | 'float32' {
  return checkEnum('precision', opts.precision, ['float64', 'float32'] as const) ?? 'float64';
}

/**
 * All-pairs mutual information (or normalised MI) of a table's columns, off the main thread.
 * Each pair is computed once on its pairwise-complete rows; the diagonal holds H(X) (MI) or 1 (NMI).
 * @example
 * const m = await miMatrix(table, { bins: 16, binning: 'quantile', measure: 'nmi' });
 */
/** Columns of the dense matrix asked for (the `columns` option, else the table's). */
function denseSize(input: TableInput, opts: { columns?: unknown[] }): number {
  return opts.columns ? opts.columns.length : toColumnTable(input).names.length;
}

export async function miMatrix(input: TableInput, opts: MiMatrixOptions = {}): Promise<MiMatrix> {
  const precision = denseOutput(opts);
  checkDense(denseSize(input, opts), precision, 'miMatrix');
  const c = checked(opts);
  return withPrepared(input, c.prep, async (p) => (await p.matrices([c.measure], { ...opts, precision }))[0]);
}

/** {@link miMatrix} on the calling thread (for worker threads; blocks the event loop). */
export function miMatrixSync(input: TableInput, opts: Omit<MiMatrixOptions, 'signal' | 'onProgress'> = {}): MiMatrix {
  const precision = denseOutput(opts);
  checkDense(denseSize(input, opts), precision, 'miMatrixSync');
  const c = checked(opts);
  return withPreparedSync(input, c.prep, (p) => p.matricesSync([c.measure], { ...opts, precision })[0]);
}

/** Only the pairs whose MI/NMI is above `threshold`, without building the dense matrix (for large M). */
export async function miPairsAbove(input: TableInput, threshold: number, opts: MiMatrixOptions = {}): Promise<MiPairList> {
  const th = checkNumber('threshold', threshold)!;
  const c = checked(opts);
  return withPrepared(input, c.prep, async (p) => (await p.pairsAbove([c.measure], th, opts))[0]);
}

/** {@link miPairsAbove} on the calling thread. */
export function miPairsAboveSync(input: TableInput, threshold: number, opts: Omit<MiMatrixOptions, 'signal' | 'onProgress'> = {}): MiPairList {
  const th = checkNumber('threshold', threshold)!;
  const c = checked(opts);
  return withPreparedSync(input, c.prep, (p) => p.pairsAboveSync([c.measure], th, opts)[0]);
}

/**
 * For every column, its `k` partners with the highest MI/NMI (ties to the lower index), without
 * building the dense matrix: per-thread bounded heaps, merged deterministically.
 */
export async function miTopK(input: TableInput, k: number, opts: MiMatrixOptions = {}): Promise<MiPairList> {
  const kk = checkRange('k', k)!;
  const c = checked(opts);
  return withPrepared(input, c.prep, async (p) => (await p.topK([c.measure], kk, opts))[0]);
}

/** Entropy of every column (binned, over each column's non-missing rows), off the main thread. */
export async function entropies(input: TableInput, opts: InfoOptions & RunOptions = {}): Promise<EntropyTable> {
  const c = checked(opts);
  return withPrepared(input, c.prep, async (p) => p.entropies(c.units));
}

/** {@link entropies} on the calling thread. */
export function entropiesSync(input: TableInput, opts: InfoOptions & Omit<RunOptions, 'signal' | 'onProgress'> = {}): EntropyTable {
  const c = checked(opts);
  return withPreparedSync(input, c.prep, (p) => p.entropies(c.units));
}

/** Numbers for one column: a typed array or an array of numbers (null/NaN = missing). */
export type Series = ArrayLike<number | null>;

/** A table of the given series (one chunk each), for the single-series and single-pair calls. */
function seriesTable(series: Record<string, Series>): ColumnTable {
  const names = Object.keys(series);
  const columns = names.map((name) => {
    const chunk = columnFromArray(name, series[name]);
    return { name, chunks: [chunk], length: chunk.values.length };
  });
  return { names, columns, rows: columns[0].length };
}

function pairStats(x: Series, y: Series, opts: NmiOptions) {
  const t = seriesTable({ x, y });
  if (t.columns[0].length !== t.columns[1].length) {
    throw new MetricsiftError(`x has ${t.columns[0].length} values but y has ${t.columns[1].length}`, ErrorCode.LENGTH_MISMATCH);
  }
  rawInfoOptions(opts);
  return withPreparedSync(t, { ...opts, threads: 1 }, (p) => p.pair(0, 1, { units: opts.units, normalization: opts.normalization }));
}

/** Entropy H(X) of one series over its non-missing values. */
export function entropy(x: Series, opts: InfoOptions = {}): Estimate {
  rawInfoOptions(opts);
  const e = withPreparedSync(seriesTable({ x }), { ...opts, threads: 1 }, (p) => p.entropies(opts.units ?? 'bits'));
  return { value: e.entropy[0], rowsUsed: e.rowsUsed[0] };
}

/** Joint entropy H(X, Y) over the rows where both are present. */
export function jointEntropy(x: Series, y: Series, opts: InfoOptions = {}): Estimate {
  const r = pairStats(x, y, opts);
  return { value: r.hxy, rowsUsed: r.rowsUsed };
}

/** Conditional entropy H(X | Y) = H(X, Y) − H(Y) over the rows where both are present. */
export function conditionalEntropy(x: Series, y: Series, opts: InfoOptions = {}): Estimate {
  const r = pairStats(x, y, opts);
  return { value: r.rowsUsed ? Math.max(0, r.hxy - r.hy) : NaN, rowsUsed: r.rowsUsed };
}

/** Mutual information I(X; Y) over the rows where both are present. */
export function mutualInformation(x: Series, y: Series, opts: InfoOptions = {}): Estimate {
  const r = pairStats(x, y, opts);
  return { value: r.mi, rowsUsed: r.rowsUsed };
}

/** Normalised MI in [0, 1] with the chosen denominator (default arithmetic mean of H(X), H(Y)). */
export function normalizedMutualInformation(x: Series, y: Series, opts: NmiOptions = {}): Estimate {
  const r = pairStats(x, y, opts);
  return { value: r.nmi, rowsUsed: r.rowsUsed };
}

/** How one series is binned: codes (−1 = missing), the cut points used, and the number of bins. */
export interface Discretized {
  codes: Int32Array;
  cuts: Float64Array;
  levels: number;
  discrete: boolean;
  rowsUsed: number;
}

/** Bins one series with the same rules as the estimators. */
export function discretize(x: Series, opts: BinningOptions = {}): Discretized {
  return runNativeSync(() => binding.discretize([[columnFromArray('x', x)]], ['x'], rawInfoOptions(opts)));
}
