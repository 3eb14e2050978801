/**
 * Is an MI score real or small-sample noise? A permutation test against independence for binned
 * MI (issue 7): the pairing of the two series is shuffled (whole rows, or circular blocks for
 * autocorrelated series, whose neighbouring samples are not independent), computed natively in
 * parallel; p = (1 + #{null ≥ observed}) / (1 + permutations). Bootstrap intervals built by the
 * bias-aware rule of ./intervals.ts (issue 14); block lengths chosen from the data by default.
 */
import { ErrorCode, MetricsiftError, badOption, type AnalysisWarning } from '../errors.js';
import { DEFAULTS, RANGES, checkRange } from '../options.js';
import { cudaStatus, type DeviceReport } from '../device.js';
import { binding } from '../native.js';
import { columnFromArray } from '../table.js';
import { type BinningOptions, type Series } from '../estimators/binned.js';
import { checkEnum, checkInt, defaultThreads, runNative, runNativeSync } from '../estimators/run.js';
import { prepare, prepareSync, type Draws, type PreparedTable } from '../estimators/prepared.js';
import { checkedKsgOptions, type KsgOptions } from '../estimators/ksg.js';
import { binCodes, completeRows, type Coded } from './coding.js';
import { cmiBlockBootstrap, cmiOfCompact } from './plugin.js';
import {
  INTERVAL_METHODS, bootstrapInterval, checkLevelAndReplicates, chooseBlock, excessOverNull, percentiles, permutationP,
  spreadInterval, type IntervalMethod,
} from './intervals.js';

export { percentiles };

export interface PermutationOptions extends Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> {
  /** Permutations (default 999). */
  permutations?: number;
  /**
   * `auto` (default): circular blocks of the Politis–White length of the two series (≈ 1 for
   * independent rows); 1 shuffles rows; L > 1 shuffles circular blocks of L rows (time series).
   */
  block?: number | 'auto';
  /** Seed (default 0): the same seed gives the same null distribution on any number of threads. */
  seed?: number;
  threads?: number;
  units?: 'bits' | 'nats';
}

export interface PermutationResult {
  /** MI of the data as paired. */
  mi: number;
  p: number;
  /** MI of each permutation. */
  null: Float64Array;
  /** Mean of the null draws: what independent series with these margins and rows would score. */
  nullMean: number;
  /** mi − nullMean: ≈ 0 under independence, whatever the bins and rows. */
  excess: number;
  /** Block length used (chosen from the data unless given). */
  block: number;
  rowsUsed: number;
  units: 'bits' | 'nats';
  /** The device that computed the draws (KSG calls that asked for one). */
  device?: DeviceReport;
}

/** Options both resampling calls share, as their options type names them. */
type ResamplingOptions = Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> & { block?: number | 'auto'; seed?: number; threads?: number; units?: 'bits' | 'nats' };

/**
 * Bins (occupied on the complete rows, and of the rule) and complete rows of a binned pair, from its
 * codes. `distinct`: the bins of each variable are its distinct codes (what re-binning codes with
 * one bin per code gives), not the rule's.
 */
function shapeOf(dx: Coded, dy: Coded, distinct = false) {
  const cx = dx.codes, cy = dy.codes;
  const n = cx.length;
  const sx = new Set<number>(), sy = new Set<number>();
  let rows = 0;
  for (let i = 0; i < n; i++) {
    if (cx[i] < 0 || cy[i] < 0) continue;
    rows++;
    sx.add(cx[i]);
    sy.add(cy[i]);
  }
  const present = (c: Int32Array) => {
    const seen = new Set<number>();
    for (let i = 0; i < c.length; i++) if (c[i] >= 0) seen.add(c[i]);
    return seen.size;
  };
  // Occupied bins give the degrees of freedom; the bins of the rule bound the population value
  // (not the sample's entropies, which are themselves biased down).
  return {
    lx: sx.size, ly: sy.size, rows,
    binsX: Math.max(1, distinct ? present(cx) : dx.levels), binsY: Math.max(1, distinct ? present(cy) : dy.levels),
  };
}

/**
 * Block length of a pair's resampling: `auto` (or undefined) chooses it from the complete rows of
 * both series (Politis–White), a number is checked against the rows. @internal
 */
export function pairBlock(block: number | 'auto' | undefined, x: ArrayLike<number>, y: ArrayLike<number>, rows: number): number {
  if (block !== undefined && block !== 'auto') return chooseBlock(block, [], rows);
  const complete = (v: ArrayLike<number>, w: ArrayLike<number>) => Float64Array.from(v).filter((_, i) => !Number.isNaN(v[i]) && !Number.isNaN(w[i]));
  return chooseBlock('auto', x === y ? [complete(x, x)] : [complete(x, y), complete(y, x)], rows);
}

/**
 * The pair prepared once (its codes serve the shape, the block choice's rows and the draws of the
 * one native resampling engine), the checked options and the block length. The caller disposes `p`.
 */
function resamplingInput(x: Series, y: Series, opts: ResamplingOptions) {
  const a = columnFromArray('x', x), b = x === y ? a : columnFromArray('y', y);
  if (a.values.length !== b.values.length) {
    throw new MetricsiftError(`x has ${a.values.length} values but y has ${b.values.length}`, ErrorCode.LENGTH_MISMATCH);
  }
  const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
  const bin = {
    bins: checkRange('bins', opts.bins), binning: checkEnum('binning', opts.binning, ['quantile', 'uniform', 'auto'] as const),
    discreteMax: checkRange('discreteMax', opts.discreteMax),
  };
  const table = { names: ['x', 'y'], columns: [{ name: 'x', chunks: [a], length: a.values.length }, { name: 'y', chunks: [b], length: b.values.length }], rows: a.values.length };
  return { a, b, units, table, bin: { ...bin, threads: 1 } };
}

type ResamplingInput = ReturnType<typeof resamplingInput>;

function resamplingOn(p: PreparedTable, inp: ResamplingInput, x: Series, y: Series, opts: ResamplingOptions, countKey: 'permutations' | 'replicates', count: number | undefined, countDefault: number) {
  try {
    return resamplingChecked(p, inp, x, y, opts, countKey, count, countDefault);
  } catch (e) {
    p.dispose();
    throw e;
  }
}

function resamplingChecked(p: PreparedTable, inp: ResamplingInput, x: Series, y: Series, opts: ResamplingOptions, countKey: 'permutations' | 'replicates', count: number | undefined, countDefault: number) {
  const { a, b, units } = inp;
  const shape = shapeOf(p.codes(0), p.codes(1));
  const block = pairBlock(opts.block, a.values, x === y ? a.values : b.values, shape.rows);
  const draw = { block, seed: checkInt('seed', opts.seed, 0) ?? 0, threads: checkRange('threads', opts.threads) ?? defaultThreads(), units };
  const n = checkRange(countKey, count) ?? countDefault;
  return { p, draw, units, shape, block, count: n };
}

type Resampling = ReturnType<typeof resamplingOn>;

function resampling(x: Series, y: Series, opts: ResamplingOptions, countKey: 'permutations' | 'replicates', count: number | undefined, countDefault: number): Resampling {
  const inp = resamplingInput(x, y, opts);
  return resamplingOn(prepareSync(inp.table, inp.bin), inp, x, y, opts, countKey, count, countDefault);
}

/** {@link resampling} with the pair coded off the main thread. */
async function resamplingAsync(x: Series, y: Series, opts: ResamplingOptions, countKey: 'permutations' | 'replicates', count: number | undefined, countDefault: number): Promise<Resampling> {
  const inp = resamplingInput(x, y, opts);
  return resamplingOn(await prepare(inp.table, inp.bin), inp, x, y, opts, countKey, count, countDefault);
}

/** Runs `fn` on the prepared pair and disposes it, also when `fn` throws (sync or async). */
function using<T>(p: PreparedTable, fn: () => T): T {
  let async = false;
  try {
    const r = fn();
    if (r instanceof Promise) {
      async = true;
      return r.finally(() => p.dispose()) as T;
    }
    return r;
  } finally {
    if (!async) p.dispose();
  }
}

function permutationResult(r: Draws, block: number): PermutationResult {
  const { excess, nullMean } = excessOverNull(r.observed, r.draws);
  return { mi: r.observed, p: r.p!, null: r.draws, nullMean, excess, block, rowsUsed: r.rowsUsed, units: r.units };
}

/** Permutation test of binned MI between x and y against independence, off the main thread. */
export async function miPermutationTest(x: Series, y: Series, opts: PermutationOptions = {}): Promise<PermutationResult> {
  const c = await resamplingAsync(x, y, opts, 'permutations', opts.permutations, DEFAULTS.permutations);
  return using(c.p, async () => permutationResult(await c.p.permutation(0, 1, c.count, c.draw), c.block));
}

/** {@link miPermutationTest} on the calling thread (for worker threads; blocks the event loop). */
export function miPermutationTestSync(x: Series, y: Series, opts: PermutationOptions = {}): PermutationResult {
  const c = resampling(x, y, opts, 'permutations', opts.permutations, DEFAULTS.permutations);
  return using(c.p, () => permutationResult(c.p.permutationSync(0, 1, c.count, c.draw), c.block));
}

export interface BootstrapOptions extends Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> {
  /** Replicates (default 1,000; fewer than 100 gives an `MS_FEW_REPLICATES` warning). */
  replicates?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** `bias-corrected` (default) or `percentile`; see ./intervals.ts and the README. */
  method?: IntervalMethod;
  /**
   * `auto` (default): circular blocks of the Politis–White length of the series (≈ 1 for
   * independent rows); 1 resamples rows; L > 1 resamples circular blocks of L rows (time series).
   */
  block?: number | 'auto';
  /** Seed (default 0): the same seed gives the same replicates on any number of threads. */
  seed?: number;
  threads?: number;
  units?: 'bits' | 'nats';
}

export interface BootstrapResult {
  /** MI of the data (binned, plug-in). */
  mi: number;
  /**
   * The estimate the interval is about, always inside it: bias-corrected (mi − bootstrap bias,
   * at least 0) by default, the plug-in `mi` with `method: 'percentile'`.
   */
  estimate: number;
  /** Interval of level `level` (see `method`). */
  ci: [number, number];
  /** Bootstrap estimate of the plug-in's bias (mean of the replicates − mi). */
  bias: number;
  method: IntervalMethod | 'half-sampling';
  level: number;
  replicates: Float64Array;
  /** Block length used (chosen from the data unless given). */
  block: number;
  rowsUsed: number;
  units: 'bits' | 'nats';
  /** `MS_FEW_REPLICATES` when fewer than 100 replicates. */
  warnings: AnalysisWarning[];
}

function checkLevel(level: unknown, replicates: number, warnings: AnalysisWarning[]): number {
  return checkLevelAndReplicates(level, replicates, 'level', warnings);
}

/**
 * Bootstrap interval of binned MI (rows, or circular blocks, resampled natively in parallel), by
 * default bias-corrected: see {@link bootstrapInterval}. The plug-in MI is `mi`; the interval is
 * about `estimate`.
 */
export async function miBootstrapInterval(x: Series, y: Series, opts: BootstrapOptions = {}): Promise<BootstrapResult> {
  const c = bootstrapOf(await resamplingAsync(x, y, opts, 'replicates', opts.replicates, DEFAULTS.replicates), opts, false);
  return using(c.p, async () => c.finish(await c.p.bootstrap(0, 1, c.count, c.draw)));
}

/** {@link miBootstrapInterval} on the calling thread. */
export function miBootstrapIntervalSync(x: Series, y: Series, opts: BootstrapOptions = {}): BootstrapResult {
  const c = bootstrapOf(resampling(x, y, opts, 'replicates', opts.replicates, DEFAULTS.replicates), opts, false);
  return using(c.p, () => c.finish(c.p.bootstrapSync(0, 1, c.count, c.draw)));
}

function bootstrapOf(c: Resampling, opts: BootstrapOptions, isEntropy: boolean) {
  try {
    return { p: c.p, draw: c.draw, count: c.count, finish: bootstrapFinisher(opts, c, isEntropy) };
  } catch (e) {
    c.p.dispose();
    throw e;
  }
}

/** Checks the interval options and returns what turns the draws into the result. */
function bootstrapFinisher(opts: Pick<BootstrapOptions, 'method' | 'level'>, c: { count: number; units: 'bits' | 'nats'; shape: Shape; block: number }, isEntropy: boolean) {
  const method = checkEnum('method', opts.method, INTERVAL_METHODS) ?? 'bias-corrected';
  const warnings: AnalysisWarning[] = [];
  const level = checkLevel(opts.level ?? 0.95, c.count, warnings);
  const { units, shape, block } = c;
  const f = units === 'bits' ? 1 / Math.LN2 : 1;
  return (r: Draws): BootstrapResult => finishBootstrap(r, { method, level, warnings, shape, block, units, f, isEntropy });
}

type Shape = ReturnType<typeof shapeOf>;

/**
 * Options of the resampling calls on two columns of a prepared table that a pipeline owns
 * (ranking, drift): the block is the caller's. @internal
 */
export interface PreparedPairResampling {
  block: number;
  seed?: number;
  threads?: number;
  units?: 'bits' | 'nats';
  /** The pair's codes when the caller has them already (else read from the table). */
  codes?: [Coded, Coded];
  /** Bins bounding the interval: the rule's (default) or the distinct codes of each column. */
  bins?: 'rule' | 'distinct';
}

function onPrepared(p: PreparedTable, i: number, j: number, o: PreparedPairResampling, countKey: 'permutations' | 'replicates', count: number | undefined, countDefault: number) {
  const units = checkEnum('units', o.units, ['bits', 'nats'] as const) ?? 'bits';
  const [dx, dy] = o.codes ?? [p.codes(i), p.codes(j)];
  const shape = shapeOf(dx, dy, o.bins === 'distinct');
  const block = checkInt('block', o.block, 1)!;
  const draw = { block, seed: checkInt('seed', o.seed, 0) ?? 0, threads: checkRange('threads', o.threads) ?? defaultThreads(), units };
  return { draw, units, shape, block, count: checkRange(countKey, count) ?? countDefault };
}

type PreparedBootstrapOptions = PreparedPairResampling & Pick<BootstrapOptions, 'replicates' | 'level' | 'method'>;

/**
 * {@link miBootstrapInterval} of columns i and j of a prepared table, without coding them again:
 * one of the calls a pipeline makes on its one prepared table. The caller disposes `p`. @internal
 */
export async function preparedMiBootstrap(p: PreparedTable, i: number, j: number, o: PreparedBootstrapOptions): Promise<BootstrapResult> {
  const c = onPrepared(p, i, j, o, 'replicates', o.replicates, DEFAULTS.replicates);
  const finish = bootstrapFinisher(o, c, false);
  return finish(await p.bootstrap(i, j, c.count, c.draw));
}

/** {@link preparedMiBootstrap} on the calling thread. @internal */
export function preparedMiBootstrapSync(p: PreparedTable, i: number, j: number, o: PreparedBootstrapOptions): BootstrapResult {
  const c = onPrepared(p, i, j, o, 'replicates', o.replicates, DEFAULTS.replicates);
  return bootstrapFinisher(o, c, false)(p.bootstrapSync(i, j, c.count, c.draw));
}

/** {@link miPermutationTest} of columns i and j of a prepared table, without coding them again. @internal */
export async function preparedMiPermutation(p: PreparedTable, i: number, j: number, o: PreparedPairResampling & { permutations?: number }): Promise<PermutationResult> {
  const c = onPrepared(p, i, j, o, 'permutations', o.permutations, DEFAULTS.permutations);
  return permutationResult(await p.permutation(i, j, c.count, c.draw), c.block);
}

/**
 * The two series as a two-column table prepared (coded) once, off the main thread (`x === y`: one
 * column, twice): what the per-window and per-pair pipelines make their calls on. @internal
 */
export async function preparePair(x: Series, y: Series, bin: Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'>): Promise<PreparedTable> {
  const inp = resamplingInput(x, y, bin);
  return prepare(inp.table, inp.bin);
}

/** {@link preparePair} on the calling thread. @internal */
export function preparePairSync(x: Series, y: Series, bin: Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'>): PreparedTable {
  const inp = resamplingInput(x, y, bin);
  return prepareSync(inp.table, inp.bin);
}

function finishBootstrap(r: Draws, o: { method: IntervalMethod; level: number; warnings: AnalysisWarning[]; shape: Shape; block: number; units: 'bits' | 'nats'; f: number; isEntropy: boolean }): BootstrapResult {
  const { method, level, warnings, shape, block, units, f, isEntropy } = o;
  const reps = r.draws;
  const observed = r.observed;
  const iv = bootstrapInterval({
    observed, draws: reps, level, method, rows: r.rowsUsed,
    df: isEntropy ? Math.max(1, shape.lx - 1) : Math.max(1, (shape.lx - 1) * (shape.ly - 1)),
    range: [0, Math.log(Math.min(shape.binsX, shape.binsY)) * f],
    boundary: isEntropy ? 'none' : 'zero',
  });
  return { mi: observed, estimate: iv.estimate, ci: iv.ci, bias: iv.bias, method, level, replicates: reps, block, rowsUsed: r.rowsUsed, units, warnings };
}

export interface EntropyBootstrapResult extends Omit<BootstrapResult, 'mi'> {
  /** Binned (plug-in) entropy of the data. */
  entropy: number;
}

/**
 * Bootstrap interval of binned entropy H(X): rows (or circular blocks of `block` rows) resampled
 * natively in parallel. It is the MI bootstrap of the pair (X, X), since the plug-in I(X; X) is
 * exactly H(X): one kernel, the same seeds and thread-count independence. The plug-in entropy is
 * biased downwards; the default interval is the basic one around the bias-corrected estimate,
 * clipped to [0, ln K] (an entropy of K bins cannot exceed ln K).
 */
export async function entropyBootstrapInterval(x: Series, opts: BootstrapOptions = {}): Promise<EntropyBootstrapResult> {
  const c = bootstrapOf(await resamplingAsync(x, x, opts, 'replicates', opts.replicates, DEFAULTS.replicates), opts, true);
  const { mi, ...rest } = await using(c.p, async () => c.finish(await c.p.bootstrap(0, 1, c.count, c.draw)));
  return { entropy: mi, ...rest };
}

/** {@link entropyBootstrapInterval} on the calling thread. */
export function entropyBootstrapIntervalSync(x: Series, opts: BootstrapOptions = {}): EntropyBootstrapResult {
  const c = bootstrapOf(resampling(x, x, opts, 'replicates', opts.replicates, DEFAULTS.replicates), opts, true);
  const { mi, ...rest } = using(c.p, () => c.finish(c.p.bootstrapSync(0, 1, c.count, c.draw)));
  return { entropy: mi, ...rest };
}

export interface KsgResamplingOptions extends KsgOptions {
  /** `auto` (default): the Politis–White length of the series; 1 draws rows; L > 1 draws circular blocks of L rows (time series). */
  block?: number | 'auto';
  /** Seed of the draws (default 0; the jitter has its own, `jitter`): same seed, same draws on any number of threads. */
  seed?: number;
  threads?: number;
  /**
   * Where the draws are estimated: `cpu` (default), `cuda` (algorithm 1, k ≤ 10; MS_NO_DEVICE where
   * the CUDA backend is not available) or `auto` (CUDA when available). The draws, the neighbour
   * definition and the tie rule are the CPU's: device estimates agree with it to 1e-12 nats.
   */
  device?: 'cpu' | 'cuda' | 'auto';
}

export interface KsgIntervalOptions extends KsgResamplingOptions {
  /** Half-samples (default 200). */
  replicates?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

export interface KsgIntervalResult extends BootstrapResult {
  /** KSG MI of all rows (also `estimate`). */
  mi: number;
  /** mi plus the (1 − level)/2 and (1 + level)/2 quantiles of the half-sample estimates' deviations from their mean. */
  ci: [number, number];
  /** The half-sample estimates. */
  replicates: Float64Array;
  method: 'half-sampling';
  /** The device that computed the draws (set when the call asked for one). */
  device?: DeviceReport;
}

/** The device a KSG resampling call runs on (gpu.js has no KSG path). */
function ksgDevice(requested: unknown): DeviceReport | undefined {
  if (requested === undefined) return undefined;
  if (requested !== 'cpu' && requested !== 'cuda' && requested !== 'auto') badOption('device', 'one of cpu, cuda, auto (KSG resampling has no gpu.js path)', requested);
  if (requested === 'cpu') return { requested, used: 'cpu', detail: 'CPU kernels' };
  const cuda = cudaStatus();
  if (requested === 'cuda' || cuda.available) return { requested, used: 'cuda', detail: cuda.name ?? 'CUDA' };
  return { requested, used: 'cpu', detail: 'CPU kernels', note: `no CUDA (${cuda.reason})` };
}

function ksgResampleCall(x: Series, y: Series, opts: KsgResamplingOptions, mode: 'half' | 'permutation', count: number) {
  const a = columnFromArray('x', x), b = columnFromArray('y', y);
  if (a.values.length !== b.values.length) {
    throw new MetricsiftError(`x has ${a.values.length} values but y has ${b.values.length}`, ErrorCode.LENGTH_MISMATCH);
  }
  const { units, native } = checkedKsgOptions(opts);
  let rows = 0;
  for (let i = 0; i < a.values.length; i++) if (!Number.isNaN(a.values[i]) && !Number.isNaN(b.values[i])) rows++;
  if (rows <= native.k) badOption('k', `fewer neighbours than the ${rows} complete rows`, native.k);
  const block = opts.block === undefined || opts.block === 'auto' ? chooseBlock('auto', [a.values, b.values], rows) : chooseBlock(opts.block, [], rows);
  const device = ksgDevice(opts.device);
  const raw = {
    ...native, mode, count, block, drawSeed: checkInt('seed', opts.seed, 0) ?? 0,
    threads: checkRange('threads', opts.threads) ?? defaultThreads(), device: device?.used === 'cuda' ? ('cuda' as const) : ('cpu' as const),
  };
  const f = units === 'bits' ? 1 / Math.LN2 : 1;
  const convert = (r: { observed: number; draws: Float64Array; rowsUsed: number }) => ({
    observed: r.observed * f, draws: r.draws.map((v) => v * f), rowsUsed: r.rowsUsed, units, block, ...(device ? { device } : {}),
  });
  return { cols: [[a], [b]], raw, convert };
}

function ksgResampleSync(x: Series, y: Series, opts: KsgResamplingOptions, mode: 'half' | 'permutation', count: number) {
  const c = ksgResampleCall(x, y, opts, mode, count);
  return c.convert(runNativeSync(() => binding.ksgResample(c.cols, ['x', 'y'], c.raw, null, false)));
}

/** The draws on a libuv thread: the event loop stays free. */
async function ksgResample(x: Series, y: Series, opts: KsgResamplingOptions, mode: 'half' | 'permutation', count: number) {
  const c = ksgResampleCall(x, y, opts, mode, count);
  return c.convert(await runNative({}, 0, () => binding.ksgResample(c.cols, ['x', 'y'], c.raw, null, true)));
}

/**
 * Confidence interval of a KSG MI estimate by half-sampling: KSG on many random halves of the rows
 * (or of circular blocks of `block` rows, for time series), drawn without replacement natively in
 * parallel. Not the with-replacement bootstrap: its repeated rows are neighbours at distance zero,
 * which KSG reads as unbounded density (the estimates blow up). Halves drawn without replacement
 * spread as the full-sample estimate does (finite-population correction 1 − m/n = ½), and centring
 * them on their own mean removes the extra small-sample bias of n/2 rows.
 */
export async function ksgConfidenceInterval(x: Series, y: Series, opts: KsgIntervalOptions = {}): Promise<KsgIntervalResult> {
  const count = checkInt('replicates', opts.replicates, 2, RANGES.replicates[1]) ?? DEFAULTS.ksgReplicates;
  const warnings: AnalysisWarning[] = [];
  const level = checkLevel(opts.level ?? 0.95, count, warnings);
  const r = await ksgResample(x, y, opts, 'half', count);
  const mean = r.draws.reduce((s, v) => s + v, 0) / r.draws.length;
  const [lo, hi] = percentiles(r.draws.map((v) => v - mean), level);
  return {
    mi: r.observed, estimate: r.observed, ci: [r.observed + Math.min(0, lo), r.observed + Math.max(0, hi)], bias: 0, level, replicates: r.draws,
    block: r.block, rowsUsed: r.rowsUsed, units: r.units, method: 'half-sampling', warnings,
    ...(r.device ? { device: r.device } : {}),
  };
}

/** {@link ksgConfidenceInterval} on the calling thread. */
export function ksgConfidenceIntervalSync(x: Series, y: Series, opts: KsgIntervalOptions = {}): KsgIntervalResult {
  const count = checkInt('replicates', opts.replicates, 2, RANGES.replicates[1]) ?? DEFAULTS.ksgReplicates;
  const warnings: AnalysisWarning[] = [];
  const level = checkLevel(opts.level ?? 0.95, count, warnings);
  const r = ksgResampleSync(x, y, opts, 'half', count);
  const mean = r.draws.reduce((s, v) => s + v, 0) / r.draws.length;
  const [lo, hi] = percentiles(r.draws.map((v) => v - mean), level);
  return {
    mi: r.observed, estimate: r.observed, ci: [r.observed + Math.min(0, lo), r.observed + Math.max(0, hi)], bias: 0, level, replicates: r.draws,
    block: r.block, rowsUsed: r.rowsUsed, units: r.units, method: 'half-sampling', warnings,
    ...(r.device ? { device: r.device } : {}),
  };
}

/** Permutation test of KSG MI against independence (rows, or circular blocks of `block` rows); p as in miPermutationTest. */
export async function ksgPermutationTest(x: Series, y: Series, opts: KsgResamplingOptions & { permutations?: number } = {}): Promise<PermutationResult> {
  const count = checkRange('permutations', opts.permutations) ?? DEFAULTS.permutations;
  const r = await ksgResample(x, y, opts, 'permutation', count);
  const { excess, nullMean } = excessOverNull(r.observed, r.draws);
  return { mi: r.observed, p: permutationP(r.observed, r.draws), null: r.draws, nullMean, excess, block: r.block, rowsUsed: r.rowsUsed, units: r.units, ...(r.device ? { device: r.device } : {}) };
}

/** {@link ksgPermutationTest} on the calling thread. */
export function ksgPermutationTestSync(x: Series, y: Series, opts: KsgResamplingOptions & { permutations?: number } = {}): PermutationResult {
  const count = checkRange('permutations', opts.permutations) ?? DEFAULTS.permutations;
  const r = ksgResampleSync(x, y, opts, 'permutation', count);
  const { excess, nullMean } = excessOverNull(r.observed, r.draws);
  return { mi: r.observed, p: permutationP(r.observed, r.draws), null: r.draws, nullMean, excess, block: r.block, rowsUsed: r.rowsUsed, units: r.units, ...(r.device ? { device: r.device } : {}) };
}

/**
 * Interval of the excess over the permutation null (observed − null mean): the bootstrap
 * replicates' spread around their mean, centred on the excess, lower limit test-inverted with the
 * null's own variance. Under independence it covers 0.
 */
export function excessInterval(excess: number, replicates: ArrayLike<number>, nullDraws: ArrayLike<number>, level: number): [number, number] {
  let m = 0, q = 0;
  for (let i = 0; i < nullDraws.length; i++) m += nullDraws[i];
  m /= Math.max(1, nullDraws.length);
  for (let i = 0; i < nullDraws.length; i++) q += (nullDraws[i] - m) ** 2;
  return spreadInterval(excess, replicates, level, nullDraws.length > 1 ? q / (nullDraws.length - 1) : 0);
}

export interface CmiIntervalOptions extends Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> {
  /** Replicates (default 1,000). */
  replicates?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** `bias-corrected` (default) or `percentile`. */
  method?: IntervalMethod;
  /** `auto` (default: the largest Politis–White length of the three series), or a fixed length (1: rows). */
  block?: number | 'auto';
  seed?: number;
  units?: 'bits' | 'nats';
}

export interface CmiIntervalResult extends Omit<BootstrapResult, 'mi' | 'method'> {
  /** Plug-in I(X; Y | Z) of the data (as {@link conditionalMutualInformation}). */
  cmi: number;
  method: IntervalMethod;
}

/**
 * Bootstrap interval of the binned conditional MI I(X; Y | Z) (each series binned as `discretize`
 * does, rows where all three are present): rows or circular blocks resampled, by default the
 * bias-corrected interval about `estimate` (the G statistic of conditional independence has
 * (Lx − 1)(Ly − 1)Lz degrees of freedom).
 */
export function cmiBootstrapInterval(x: Series, y: Series, z: Series, opts: CmiIntervalOptions = {}): CmiIntervalResult {
  const method = checkEnum('method', opts.method, INTERVAL_METHODS) ?? 'bias-corrected';
  const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
  const replicates = checkRange('replicates', opts.replicates) ?? DEFAULTS.replicates;
  const warnings: AnalysisWarning[] = [];
  const level = checkLevel(opts.level ?? 0.95, replicates, warnings);
  const bin = { bins: opts.bins, binning: opts.binning, discreteMax: opts.discreteMax };
  for (const k of Object.keys(bin) as (keyof typeof bin)[]) if (bin[k] === undefined) delete bin[k];
  const cx = binCodes(x, bin), cy = binCodes(y, bin), cz = binCodes(z, bin);
  const { codes, rows } = completeRows([cx, cy, cz]);
  if (rows < 2) throw new MetricsiftError(`${rows} complete rows: too few for a bootstrap`, ErrorCode.TOO_FEW_ROWS);
  const block = chooseBlock(opts.block ?? 'auto', codes, rows);
  const L: [number, number, number] = [cx.levels, cy.levels, cz.levels];
  const f = units === 'bits' ? 1 / Math.LN2 : 1;
  const observed = cmiOfCompact(codes[0], codes[1], codes[2], ...L);
  const reps = cmiBlockBootstrap(codes[0], codes[1], codes[2], L, replicates, block, checkInt('seed', opts.seed, 0) ?? 0);
  const occ = (c: Int32Array) => new Set(c).size;
  const iv = bootstrapInterval({
    observed, draws: reps, level, method, rows, df: Math.max(1, (occ(codes[0]) - 1) * (occ(codes[1]) - 1) * occ(codes[2])),
    range: [0, Math.log(Math.max(1, Math.min(L[0], L[1])))],
  });
  return {
    cmi: observed * f, estimate: iv.estimate * f, ci: [iv.ci[0] * f, iv.ci[1] * f], bias: iv.bias * f, method, level,
    replicates: reps.map((v) => v * f), block, rowsUsed: rows, units, warnings,
  };
}
