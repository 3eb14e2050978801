/**
 * Direction in time (issue 7): binned transfer entropy from a source series X to a target Y,
 * TE(X → Y) = I(Y_t ; X_{t−L} | Y_{t−1}) (history length 1 for Y, lag L for X), with a
 * permutation test whose surrogates destroy the X–Y relation but keep X's own distribution (and,
 * with blocks or shifts, its autocorrelation). Symmetric MI cannot say which series moves first;
 * TE(X → Y) against TE(Y → X) can.
 */
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { DEFAULTS, RANGES, checkRange } from '../options.js';
import { type BinningOptions, type Series } from '../estimators/binned.js';
import { checkEnum, checkInt, defaultThreads } from '../estimators/run.js';
import { binding } from '../native.js';
import { biasCheck, type EstimateInfo } from './bias.js';
import { binCodes, type Coded } from './coding.js';
import { cmiBlockBootstrap, cmiOfCompact } from './plugin.js';
import { unitFactor } from './units.js';
import { INTERVAL_METHODS, bootstrapInterval, checkLevelAndReplicates, chooseBlock, excessOverNull, type IntervalMethod } from './intervals.js';

export interface TransferEntropyOptions extends Pick<BinningOptions, 'bins' | 'binning' | 'discreteMax'> {
  /** Lag L of the source (default 1): X_{t−L} against Y_t. */
  lag?: number;
  /** Surrogates for the p-value (default 999; 0 for none). */
  permutations?: number;
  /**
   * `shuffle` (default): the source's circular blocks of `block` rows in random order (block 1:
   * rows); `shift`: the source rotated by a random offset (keeps all of its autocorrelation).
   */
  surrogate?: 'shuffle' | 'shift';
  /**
   * Block length of `shuffle` surrogates and of the bootstrap: `auto` (default) chooses it from the
   * data (Politis–White, the larger of the two series), reported as `block`; 1 is rows.
   */
  block?: number | 'auto';
  /** Confidence level of a block-bootstrap interval of TE (none by default). */
  ci?: number;
  /** Bootstrap replicates for `ci` (default 1,000). */
  replicates?: number;
  /** Interval rule: `bias-corrected` (default) or `percentile`. */
  method?: IntervalMethod;
  /** Seed of the surrogates (default 0). */
  seed?: number;
  /** Native threads drawing the surrogates (default: all cores); the p-value is the same for any count. */
  threads?: number;
  units?: 'bits' | 'nats';
}

export interface TransferEntropyResult extends EstimateInfo {
  /** TE(X → Y) in `units` (plug-in over the bins; ≥ 0). */
  te: number;
  /** (1 + #{surrogate TE ≥ te}) / (1 + permutations); NaN without permutations. */
  p: number;
  null: Float64Array;
  /** Surrogates asked for (`null` is empty when none were drawn: 0 asked, or no complete rows). */
  permutations: number;
  /** te − mean of the surrogates (NaN without permutations). */
  excess: number;
  /** With `ci`: the estimate (bias-corrected by default) and its interval. */
  estimate?: number;
  ci?: [number, number];
  /** Block length of the surrogates and the bootstrap. */
  block: number;
  lag: number;
  units: 'bits' | 'nats';
}

/** (Y_t, X_{t−L}, Y_{t−1}) on the rows where all three are present, into preallocated arrays. */
function teNats(x: Int32Array, y: Coded, lx: number, lag: number, buf: Int32Array[]): { v: number; rows: number } {
  const yc = y.codes, n = yc.length;
  const [a, b, c] = buf;
  let k = 0;
  for (let t = Math.max(lag, 1); t < n; t++) {
    const yt = yc[t], xs = x[t - lag], yp = yc[t - 1];
    if (yt < 0 || xs < 0 || yp < 0) continue;
    a[k] = yt; b[k] = xs; c[k] = yp; k++;
  }
  return { v: k ? cmiOfCompact(a.subarray(0, k), b.subarray(0, k), c.subarray(0, k), y.levels, lx, y.levels) : NaN, rows: k };
}

/**
 * Block bootstrap of TE over the aligned (Y_t, X_{t−L}, Y_{t−1}) rows (`buf` holds them after the
 * observed call): circular blocks of `block` rows, the interval by the rule of ./intervals.ts.
 */
function teInterval(buf: Int32Array[], obs: { v: number; rows: number }, ly: number, lx: number, o: { level: number; replicates: number; block: number; seed: number; method: IntervalMethod; f: number }) {
  const k = obs.rows;
  const [a, b, c] = buf.map((v) => v.slice(0, k));
  // A seed apart from the surrogates' so that asking for an interval does not change the p-value.
  const draws = cmiBlockBootstrap(a, b, c, [ly, lx, ly], o.replicates, o.block, (o.seed ^ 0x5bd1e995) >>> 0);
  const occ = (v: Int32Array) => new Set(v).size;
  const iv = bootstrapInterval({
    observed: obs.v, draws, level: o.level, method: o.method, rows: k, df: Math.max(1, (occ(a) - 1) * (occ(b) - 1) * occ(c)),
    range: [0, Math.log(Math.max(1, Math.min(ly, lx)))],
  });
  return { estimate: iv.estimate * o.f, ci: [iv.ci[0] * o.f, iv.ci[1] * o.f] as [number, number] };
}

/**
 * Binned transfer entropy TE(source → target) with lag L: I(Y_t ; X_{t−L} | Y_{t−1}) = H(Y_t, Y_{t−1})
 * + H(X_{t−L}, Y_{t−1}) − H(Y_t, X_{t−L}, Y_{t−1}) − H(Y_{t−1}), plug-in over the bins `discretize`
 * gives each whole series, on the rows where all three are present. The p-value compares it with
 * the TE of surrogate sources (see `surrogate`), seeded.
 *
 * For a lagged copy Y_t = X_{t−1} of an i.i.d. X, TE(X → Y) = H(X); TE(Y → X) ≈ 0.
 *
 * @throws MetricsiftError `MS_LENGTH_MISMATCH`, `MS_TOO_FEW_ROWS` (fewer than 3 rows after the lag,
 *   or blocks too long for the series), `MS_BAD_OPTION`.
 * @example
 * transferEntropy(deploys, errors, { lag: 2 }); // { te, p, rowsUsed, bins: [16, 16, 16], warnings, … }
 */
export function transferEntropy(source: Series, target: Series, opts: TransferEntropyOptions = {}): TransferEntropyResult {
  const lag = checkInt('lag', opts.lag, 1) ?? DEFAULTS.lag;
  const permutations = checkInt('permutations', opts.permutations, 0, RANGES.permutations[1]) ?? DEFAULTS.permutations;
  const surrogate = checkEnum('surrogate', opts.surrogate, ['shuffle', 'shift'] as const) ?? 'shuffle';
  if (opts.block !== undefined && opts.block !== 'auto' && surrogate === 'shift') badOption('block', 'no block length with shift surrogates', opts.block);
  const fixedBlock = opts.block === undefined || opts.block === 'auto' ? undefined : checkInt('block', opts.block, 1)!;
  const replicates = checkRange('replicates', opts.replicates) ?? DEFAULTS.replicates;
  const warnings = [] as EstimateInfo['warnings'];
  const level = opts.ci === undefined ? undefined : checkLevelAndReplicates(opts.ci, replicates, 'ci', warnings);
  const method = checkEnum('method', opts.method, INTERVAL_METHODS) ?? 'bias-corrected';
  const seed = checkInt('seed', opts.seed, 0) ?? 0;
  const threads = checkRange('threads', opts.threads) ?? defaultThreads();
  const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
  const bin: BinningOptions = { bins: opts.bins, binning: opts.binning, discreteMax: opts.discreteMax };
  for (const k of Object.keys(bin) as (keyof BinningOptions)[]) if (bin[k] === undefined) delete bin[k];
  const x = binCodes(source, bin), y = binCodes(target, bin);
  const n = x.codes.length;
  if (y.codes.length !== n) throw new MetricsiftError(`The source has ${n} values but the target has ${y.codes.length}`, ErrorCode.LENGTH_MISMATCH);
  if (n - Math.max(lag, 1) < 3) throw new MetricsiftError(`${n} rows leave fewer than 3 after a lag of ${lag}`, ErrorCode.TOO_FEW_ROWS);
  if (fixedBlock !== undefined && fixedBlock >= n) badOption('block', `a block length below the ${n} rows`, fixedBlock);
  if (fixedBlock !== undefined && 2 * fixedBlock > n) throw new MetricsiftError(`${n} rows are too few for surrogate blocks of ${fixedBlock} rows (at least ${2 * fixedBlock} needed)`, ErrorCode.TOO_FEW_ROWS);
  const block = fixedBlock ?? chooseBlock('auto', [x.codes.map((v) => (v < 0 ? NaN : v)), y.codes.map((v) => (v < 0 ? NaN : v))], n);

  const f = unitFactor(units);
  const buf = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];
  const obs = teNats(x.codes, y, x.levels, lag, buf);
  const info = biasCheck(obs.rows, [y.levels, x.levels, y.levels], `TE(source → target), lag ${lag}`);
  info.warnings.push(...warnings);
  let interval: { estimate: number; ci: [number, number] } | undefined;
  if (level !== undefined && obs.rows >= 2 * block) interval = teInterval(buf, obs, y.levels, x.levels, { level, replicates, block, seed, method, f });
  let nul = new Float64Array(0);
  let p = NaN;
  if (permutations > 0 && obs.rows > 0) {
    // The surrogates on the native resampling engine (one generator per surrogate, the one p-value rule).
    const r = binding.teNull(x.codes, y.codes, { lx: x.levels, ly: y.levels, lag, count: permutations, block, shift: surrogate === 'shift', seed, threads }, false);
    nul = r.draws.map((v) => v * f);
    p = r.p!;
  }
  const excess = permutations > 0 && obs.rows > 0 ? excessOverNull(obs.v * f, nul).excess : NaN;
  return { te: obs.v * f, p, null: nul, permutations, excess, ...(interval ?? {}), block, lag, units, ...info };
}
