/**
 * The binned (plug-in) estimator family: discretisation, entropy, joint and conditional entropy,
 * mutual information and normalised MI for single pairs, and all-pairs MI/NMI matrices computed
 * natively in parallel tiles. Values are in bits unless `units: 'nats'`.
 */
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { binding, type RawMiOptions, type RawRunOptions } from '../native.js';
import { columnFromArray, type TableInput } from '../table.js';
import type { PairList, PairMatrix } from './matrix.js';
import { checkEnum, checkInt, checkNumber, pairCount, prepareTable, rawColumns, rawRunOptions, runNative, runNativeSync, type RunOptions } from './run.js';

/** How continuous values become bins. See the README's "Binning" section for the exact rules. */
export type Binning = 'quantile' | 'uniform' | 'auto';
/** Denominators for normalised MI: mean, geometric mean, min or max of H(X), H(Y), or H(X,Y). */
export type Normalization = 'arithmetic' | 'geometric' | 'min' | 'max' | 'joint';

export interface BinningOptions {
  /** `quantile` (equal frequency, default), `uniform` (equal width) or `auto` (Freedman–Diaconis, capped by `bins`). */
  binning?: Binning;
  /** Number of bins (default 16; for `auto` the cap, default 64). 2 to 1024. */
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
}

export interface MiPairList extends PairList {
  units: 'bits' | 'nats';
  columnEntropy: EntropyTable;
}

/** One estimate with the number of complete rows it used. */
export interface Estimate {
  value: number;
  rowsUsed: number;
}

const BINNINGS = ['quantile', 'uniform', 'auto'] as const;
const NORMS = ['arithmetic', 'geometric', 'min', 'max', 'joint'] as const;

function rawInfoOptions(o: NmiOptions & { measure?: string }): RawMiOptions {
  const raw: RawMiOptions = {
    binning: checkEnum('binning', o.binning, BINNINGS),
    bins: checkInt('bins', o.bins, 2, 1024),
    discreteMax: checkInt('discreteMax', o.discreteMax, 0, 1024),
    units: checkEnum('units', o.units, ['bits', 'nats'] as const),
    normalization: checkEnum('normalization', o.normalization, NORMS),
    measure: checkEnum('measure', o.measure, ['mi', 'nmi'] as const),
  };
  if (o.millerMadow !== undefined) {
    if (typeof o.millerMadow !== 'boolean') badOption('millerMadow', 'a boolean', o.millerMadow);
    raw.millerMadow = o.millerMadow;
  }
  if (o.edges !== undefined) {
    if (o.binning !== undefined) badOption('binning', 'no binning rule when edges are given', o.binning);
    const e = Float64Array.from(o.edges as ArrayLike<number>);
    for (let k = 0; k < e.length; k++) {
      if (!Number.isFinite(e[k]) || (k > 0 && !(e[k] > e[k - 1]))) {
        throw new MetricsiftError(`edges must be finite and strictly increasing, but edge ${k} is ${e[k]}`, ErrorCode.BAD_EDGES);
      }
    }
    if (e.length === 0) throw new MetricsiftError('edges must hold at least one cut point', ErrorCode.BAD_EDGES);
    raw.binning = 'edges';
    raw.edges = e;
  }
  // Drop undefined keys: the addon treats a present key as set.
  for (const k of Object.keys(raw) as (keyof RawMiOptions)[]) if (raw[k] === undefined) delete raw[k];
  return raw;
}

function entropyTable(names: string[], r: { entropy: Float64Array; entropyRows: Uint32Array; levels: Int32Array; discrete: Int32Array }, units: 'bits' | 'nats'): EntropyTable {
  return { names, entropy: r.entropy, rowsUsed: r.entropyRows, levels: r.levels, discrete: r.discrete, units };
}

function matrixCall(input: TableInput, opts: MiMatrixOptions, output: RawRunOptions) {
  const t = prepareTable(input, opts);
  const raw = { ...rawInfoOptions(opts), ...rawRunOptions(opts), ...output };
  return { t, raw, cols: rawColumns(t), units: opts.units ?? 'bits', measure: opts.measure ?? 'mi' };
}

function toMiMatrix(c: ReturnType<typeof matrixCall>, r: Awaited<ReturnType<typeof binding.miMatrix>>): MiMatrix {
  return {
    names: c.t.names, size: c.t.names.length, values: r.values!, rowsUsed: r.rowsUsed!, measure: c.measure, units: c.units,
    columnEntropy: entropyTable(c.t.names, r, c.units),
  };
}

function toPairList(c: ReturnType<typeof matrixCall>, r: Awaited<ReturnType<typeof binding.miMatrix>>, limit: { threshold: number } | { k: number }): MiPairList {
  return {
    names: c.t.names, size: c.t.names.length, measure: c.measure, units: c.units, ...limit,
    i: r.i!, j: r.j!, value: r.value!, rowsUsed: r.rows!, columnEntropy: entropyTable(c.t.names, r, c.units),
  };
}

function denseOutput(opts: MiMatrixOptions): RawRunOptions {
  return { output: checkEnum('precision', opts.precision, ['float64', 'float32'] as const) ?? 'float64' };
}

/**
 * All-pairs mutual information (or normalised MI) of a table's columns, off the main thread.
 * Each pair is computed once on its pairwise-complete rows; the diagonal holds H(X) (MI) or 1 (NMI).
 * @example
 * const m = await miMatrix(table, { bins: 16, binning: 'quantile', measure: 'nmi' });
 */
export async function miMatrix(input: TableInput, opts: MiMatrixOptions = {}): Promise<MiMatrix> {
  const c = matrixCall(input, opts, denseOutput(opts));
  const r = await runNative(opts, pairCount(c.t.names.length, opts.rows), (ctl) => binding.miMatrix(c.cols, c.t.names, c.raw, ctl, true));
  return toMiMatrix(c, r);
}

/** {@link miMatrix} on the calling thread (for worker threads; blocks the event loop). */
export function miMatrixSync(input: TableInput, opts: Omit<MiMatrixOptions, 'signal' | 'onProgress'> = {}): MiMatrix {
  const c = matrixCall(input, opts, denseOutput(opts));
  return toMiMatrix(c, runNativeSync(() => binding.miMatrix(c.cols, c.t.names, c.raw, null, false)));
}

/** Only the pairs whose MI/NMI is above `threshold`, without building the dense matrix (for large M). */
export async function miPairsAbove(input: TableInput, threshold: number, opts: MiMatrixOptions = {}): Promise<MiPairList> {
  const th = checkNumber('threshold', threshold)!;
  const c = matrixCall(input, opts, { output: 'threshold', threshold: th });
  const r = await runNative(opts, pairCount(c.t.names.length, opts.rows), (ctl) => binding.miMatrix(c.cols, c.t.names, c.raw, ctl, true));
  return toPairList(c, r, { threshold: th });
}

/** {@link miPairsAbove} on the calling thread. */
export function miPairsAboveSync(input: TableInput, threshold: number, opts: Omit<MiMatrixOptions, 'signal' | 'onProgress'> = {}): MiPairList {
  const th = checkNumber('threshold', threshold)!;
  const c = matrixCall(input, opts, { output: 'threshold', threshold: th });
  return toPairList(c, runNativeSync(() => binding.miMatrix(c.cols, c.t.names, c.raw, null, false)), { threshold: th });
}

/**
 * For every column, its `k` partners with the highest MI/NMI (ties to the lower index), without
 * building the dense matrix: per-thread bounded heaps, merged deterministically.
 */
export async function miTopK(input: TableInput, k: number, opts: MiMatrixOptions = {}): Promise<MiPairList> {
  const kk = checkInt('k', k, 1, 1 << 20)!;
  const c = matrixCall(input, opts, { output: 'topk', k: kk });
  const r = await runNative(opts, pairCount(c.t.names.length, opts.rows), (ctl) => binding.miMatrix(c.cols, c.t.names, c.raw, ctl, true));
  return toPairList(c, r, { k: kk });
}

/** Entropy of every column (binned, over each column's non-missing rows), off the main thread. */
export async function entropies(input: TableInput, opts: InfoOptions & RunOptions = {}): Promise<EntropyTable> {
  const c = matrixCall(input, opts, {});
  const r = await runNative(opts, 0, (ctl) => binding.entropyVector(c.cols, c.t.names, c.raw, ctl, true));
  return entropyTable(c.t.names, r, c.units);
}

/** {@link entropies} on the calling thread. */
export function entropiesSync(input: TableInput, opts: InfoOptions & Omit<RunOptions, 'signal' | 'onProgress'> = {}): EntropyTable {
  const c = matrixCall(input, opts, {});
  return entropyTable(c.t.names, runNativeSync(() => binding.entropyVector(c.cols, c.t.names, c.raw, null, false)), c.units);
}

/** Numbers for one column: a typed array or an array of numbers (null/NaN = missing). */
export type Series = ArrayLike<number | null>;

function pairStats(x: Series, y: Series, opts: NmiOptions) {
  const cols = [[columnFromArray('x', x)], [columnFromArray('y', y)]];
  if (cols[0][0].values.length !== cols[1][0].values.length) {
    throw new MetricsiftError(`x has ${cols[0][0].values.length} values but y has ${cols[1][0].values.length}`, ErrorCode.LENGTH_MISMATCH);
  }
  return runNativeSync(() => binding.miPair(cols, ['x', 'y'], rawInfoOptions(opts)));
}

/** Entropy H(X) of one series over its non-missing values. */
export function entropy(x: Series, opts: InfoOptions = {}): Estimate {
  const r = runNativeSync(() => binding.entropyVector([[columnFromArray('x', x)]], ['x'], { ...rawInfoOptions(opts), threads: 1 }, null, false));
  return { value: r.entropy[0], rowsUsed: r.entropyRows[0] };
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
