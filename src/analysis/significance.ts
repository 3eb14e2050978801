/**
 * Is an MI score real or small-sample noise? A permutation test against independence for binned
 * MI (issue 7): the pairing of the two series is shuffled (whole rows, or circular blocks for
 * autocorrelated series, whose neighbouring samples are not independent), computed natively in
 * parallel; p = (1 + #{null ≥ observed}) / (1 + permutations).
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { binding, type RawResamplingOptions } from '../native.js';
import { columnFromArray } from '../table.js';
import { type BinningOptions, type Series } from '../estimators/binned.js';
import { checkEnum, checkInt, defaultThreads, runNativeSync } from '../estimators/run.js';
import { checkedKsgOptions, type KsgOptions } from '../estimators/ksg.js';

export interface PermutationOptions extends Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> {
  /** Permutations (default 999). */
  permutations?: number;
  /** 1 (default) shuffles rows; L > 1 shuffles circular blocks of L rows (time series). */
  block?: number;
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
  rowsUsed: number;
  units: 'bits' | 'nats';
}

/** Options both resampling calls share, as their options type names them. */
type ResamplingOptions = Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> & { block?: number; seed?: number; threads?: number; units?: 'bits' | 'nats' };

/** The two series as native columns, the checked options, and the nats → units factor. */
function resampling(x: Series, y: Series, opts: ResamplingOptions, countKey: 'permutations' | 'replicates', count: number | undefined, countDefault: number) {
  const a = columnFromArray('x', x), b = columnFromArray('y', y);
  if (a.values.length !== b.values.length) {
    throw new MetricsiftError(`x has ${a.values.length} values but y has ${b.values.length}`, ErrorCode.LENGTH_MISMATCH);
  }
  const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
  const raw: RawResamplingOptions = {
    bins: checkInt('bins', opts.bins, 2, 1024), binning: checkEnum('binning', opts.binning, ['quantile', 'uniform', 'auto'] as const),
    discreteMax: checkInt('discreteMax', opts.discreteMax, 0, 1024),
    block: checkInt('block', opts.block, 1) ?? 1, seed: checkInt('seed', opts.seed, 0) ?? 0, threads: checkInt('threads', opts.threads, 1, 1024) ?? defaultThreads(),
  };
  raw[countKey] = checkInt(countKey, count, 1, 10_000_000) ?? countDefault;
  // The addon treats a present key as set: drop the ones left undefined.
  for (const k of Object.keys(raw) as (keyof RawResamplingOptions)[]) if (raw[k] === undefined) delete raw[k];
  return { cols: [[a], [b]], raw, units, f: units === 'bits' ? 1 / Math.LN2 : 1 };
}

/** Permutation test of binned MI between x and y against independence. */
export function miPermutationTest(x: Series, y: Series, opts: PermutationOptions = {}): PermutationResult {
  const { cols, raw, units, f } = resampling(x, y, opts, 'permutations', opts.permutations, 999);
  const r = runNativeSync(() => binding.miPermutation(cols, ['x', 'y'], raw));
  return { mi: r.observed * f, p: r.p, null: r.null.map((v) => v * f), rowsUsed: r.rowsUsed, units };
}

export interface BootstrapOptions extends Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> {
  /** Replicates (default 1,000). */
  replicates?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** 1 (default) resamples rows; L > 1 resamples circular blocks of L rows (time series). */
  block?: number;
  /** Seed (default 0): the same seed gives the same replicates on any number of threads. */
  seed?: number;
  threads?: number;
  units?: 'bits' | 'nats';
}

export interface BootstrapResult {
  /** MI of the data (binned, plug-in). */
  mi: number;
  /** Percentile interval: order statistics at (1 − level)/2 and (1 + level)/2 of the replicates. */
  ci: [number, number];
  level: number;
  replicates: Float64Array;
  rowsUsed: number;
  units: 'bits' | 'nats';
}

/** Order statistics at (1 − level)/2 and (1 + level)/2 of the draws (the percentile interval). */
export function percentiles(draws: Float64Array, level: number): [number, number] {
  const sorted = Float64Array.from(draws).sort();
  const B = sorted.length;
  return [sorted[Math.max(0, Math.floor(((1 - level) / 2) * B))], sorted[Math.min(B - 1, Math.ceil(((1 + level) / 2) * B) - 1)]];
}

function checkLevel(level: unknown): number {
  if (typeof level !== 'number' || !(level > 0 && level < 1)) throw new MetricsiftError(`Expected a level in (0, 1) but received ${level}`, ErrorCode.BAD_OPTION);
  return level;
}

/** Percentile bootstrap interval of binned MI, resampled natively in parallel. */
export function miBootstrapInterval(x: Series, y: Series, opts: BootstrapOptions = {}): BootstrapResult {
  const level = checkLevel(opts.level ?? 0.95);
  const { cols, raw, units, f } = resampling(x, y, opts, 'replicates', opts.replicates, 1000);
  const r = runNativeSync(() => binding.miBootstrap(cols, ['x', 'y'], raw));
  const reps = r.replicates.map((v) => v * f);
  return { mi: r.observed * f, ci: percentiles(reps, level), level, replicates: reps, rowsUsed: r.rowsUsed, units };
}

export interface EntropyBootstrapResult extends Omit<BootstrapResult, 'mi'> {
  /** Binned (plug-in) entropy of the data. */
  entropy: number;
}

/**
 * Percentile bootstrap interval of binned entropy H(X): rows (or circular blocks of `block` rows)
 * resampled natively in parallel. It is the MI bootstrap of the pair (X, X), since the plug-in
 * I(X; X) is exactly H(X): one kernel, the same seeds and thread-count independence.
 */
export function entropyBootstrapInterval(x: Series, opts: BootstrapOptions = {}): EntropyBootstrapResult {
  const { mi, ...rest } = miBootstrapInterval(x, x, opts);
  return { entropy: mi, ...rest };
}

export interface KsgResamplingOptions extends KsgOptions {
  /** 1 (default) draws rows; L > 1 draws circular blocks of L rows (time series). */
  block?: number;
  /** Seed of the draws (default 0; the jitter has its own, `jitter`): same seed, same draws on any number of threads. */
  seed?: number;
  threads?: number;
}

export interface KsgIntervalOptions extends KsgResamplingOptions {
  /** Half-samples (default 200). */
  replicates?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

export interface KsgIntervalResult extends BootstrapResult {
  /** KSG MI of all rows. */
  mi: number;
  /** mi plus the (1 − level)/2 and (1 + level)/2 quantiles of the half-sample estimates' deviations from their mean. */
  ci: [number, number];
  /** The half-sample estimates. */
  replicates: Float64Array;
  method: 'half-sampling';
}

function ksgResample(x: Series, y: Series, opts: KsgResamplingOptions, mode: 'half' | 'permutation', count: number) {
  const a = columnFromArray('x', x), b = columnFromArray('y', y);
  if (a.values.length !== b.values.length) {
    throw new MetricsiftError(`x has ${a.values.length} values but y has ${b.values.length}`, ErrorCode.LENGTH_MISMATCH);
  }
  const { units, native } = checkedKsgOptions(opts);
  const raw = {
    ...native, mode, count, block: checkInt('block', opts.block, 1) ?? 1, drawSeed: checkInt('seed', opts.seed, 0) ?? 0,
    threads: checkInt('threads', opts.threads, 1, 1024) ?? defaultThreads(),
  };
  const r = runNativeSync(() => binding.ksgResample([[a], [b]], ['x', 'y'], raw));
  const f = units === 'bits' ? 1 / Math.LN2 : 1;
  return { observed: r.observed * f, draws: r.draws.map((v) => v * f), rowsUsed: r.rowsUsed, units };
}

/**
 * Confidence interval of a KSG MI estimate by half-sampling: KSG on many random halves of the rows
 * (or of circular blocks of `block` rows, for time series), drawn without replacement natively in
 * parallel. Not the with-replacement bootstrap: its repeated rows are neighbours at distance zero,
 * which KSG reads as unbounded density (the estimates blow up). Halves drawn without replacement
 * spread as the full-sample estimate does (finite-population correction 1 − m/n = ½), and centring
 * them on their own mean removes the extra small-sample bias of n/2 rows.
 */
export function ksgConfidenceInterval(x: Series, y: Series, opts: KsgIntervalOptions = {}): KsgIntervalResult {
  const level = checkLevel(opts.level ?? 0.95);
  const count = checkInt('replicates', opts.replicates, 2, 10_000_000) ?? 200;
  const r = ksgResample(x, y, opts, 'half', count);
  const mean = r.draws.reduce((s, v) => s + v, 0) / r.draws.length;
  const [lo, hi] = percentiles(r.draws.map((v) => v - mean), level);
  return { mi: r.observed, ci: [r.observed + lo, r.observed + hi], level, replicates: r.draws, rowsUsed: r.rowsUsed, units: r.units, method: 'half-sampling' };
}

/** Permutation test of KSG MI against independence (rows, or circular blocks of `block` rows); p as in miPermutationTest. */
export function ksgPermutationTest(x: Series, y: Series, opts: KsgResamplingOptions & { permutations?: number } = {}): PermutationResult {
  const count = checkInt('permutations', opts.permutations, 1, 10_000_000) ?? 999;
  const r = ksgResample(x, y, opts, 'permutation', count);
  const above = r.draws.reduce((c, v) => c + (v >= r.observed ? 1 : 0), 0);
  return { mi: r.observed, p: (1 + above) / (1 + count), null: r.draws, rowsUsed: r.rowsUsed, units: r.units };
}
