/**
 * Intervals and significance that can be trusted (issue 14): the interval construction over
 * resampled draws for biased plug-in information estimates, the null-calibrated ("excess")
 * estimate, Benjamini–Hochberg q-values and the Politis–White block length. Pure TypeScript over
 * draws, so every resampling engine (native MI bootstrap, the CMI/TE bootstraps, KSG half-samples)
 * shares one rule.
 *
 * Why not the percentile interval: a plug-in MI is biased upwards by about (Kx − 1)(Ky − 1)/(2N)
 * nats, and a bootstrap replicate (N rows drawn from the sample) adds that bias once more, so the
 * percentile interval sits about two biases above the truth — for independent metrics it never
 * reaches 0, and it can exclude the plug-in value itself.
 *
 * Why not BCa: its bias constant z₀ = Φ⁻¹(#{θ* < θ̂}/B) is ±∞ as soon as the bias exceeds about
 * three bootstrap standard deviations, which is the ordinary case here (16 × 16 bins, independent:
 * bias/sd ≈ (K − 1)/√6 ≈ 6); BCa then returns the extreme replicates.
 *
 * The default (`bias-corrected`), chosen by the coverage tests (test/intervals.test.ts, README):
 * the basic ("reverse percentile") interval around the bootstrap-bias-corrected estimate
 * θ̃ = θ̂ − (mean θ* − θ̂), whose upper limit is θ̃ + (mean θ* − q_lo). Its lower limit is found by
 * inverting the test at that limit rather than mirroring the bootstrap spread: the bootstrap's
 * spread is that of a sample whose own MI is θ̂ (noncentral χ² with noncentrality ≈ 2Nθ̂ + df,
 * variance ≈ 3× the null variance for independent data), while the estimator's spread at a smaller
 * MI is smaller, down to the null variance v₀ = 2·bias²/df (= bias/N for row resampling) at 0.
 * With a variance linear in the MI between v₀ (at 0) and the bootstrap's (at θ̃), the lower limit
 * θ_L solves θ̃ − θ_L = u·√(v(θ_L)/v(θ̃)), u = q_hi − mean θ*. Under independence the lower limit
 * is then above 0 in about (1 − level)/2 of samples, as a calibrated test would be; far from 0 it
 * is the basic interval. Finally the interval is clipped to the parameter's range ([0, …) for MI)
 * and stretched to hold the estimate, which is reported with it.
 */
import { ErrorCode, MetricsiftError, WarningCode, badOption, type AnalysisWarning } from '../errors.js';

/** `bias-corrected` (default; see the module comment) or the plain `percentile` interval of the draws. */
export type IntervalMethod = 'bias-corrected' | 'percentile';
export const INTERVAL_METHODS = ['bias-corrected', 'percentile'] as const;

/** Replicates below which a requested interval gets a warning (its tail quantiles rest on a handful of draws). */
export const MIN_REPLICATES = 100;

/** Order statistics at (1 − level)/2 and (1 + level)/2 of the draws (the percentile interval), NaN draws left out. */
export function percentiles(draws: ArrayLike<number>, level: number): [number, number] {
  const sorted = Float64Array.from(draws).filter((v) => !Number.isNaN(v)).sort();
  const B = sorted.length;
  if (B === 0) return [NaN, NaN];
  return [sorted[Math.max(0, Math.floor(((1 - level) / 2) * B))], sorted[Math.min(B - 1, Math.ceil(((1 + level) / 2) * B) - 1)]];
}

function meanOf(v: ArrayLike<number>): { mean: number; variance: number; count: number } {
  let s = 0, c = 0;
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i])) { s += v[i]; c++; }
  const mean = c ? s / c : NaN;
  let q = 0;
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i])) q += (v[i] - mean) ** 2;
  return { mean, variance: c > 1 ? q / (c - 1) : 0, count: c };
}

/** What an interval is built from: the estimate of the data, its resampled draws, and what the estimator is. */
export interface IntervalInput {
  /** The plug-in value of the data. */
  observed: number;
  /** Bootstrap replicates of the same estimator (same units). */
  draws: ArrayLike<number>;
  level: number;
  method?: IntervalMethod;
  /** Rows the estimate used. */
  rows: number;
  /** Degrees of freedom of the estimator's G statistic under the null (MI: (Kx − 1)(Ky − 1)); ≥ 1. */
  df: number;
  /** Range of the parameter: [0, ∞) for MI/CMI/TE, [0, ln K] for an entropy of K bins. */
  range?: [number, number];
  /**
   * `zero` (MI, CMI, TE): the lower end of the range is independence, where the estimator's spread
   * shrinks to the null variance, and the lower limit is found by test inversion. `none`
   * (entropy): plain basic interval.
   */
  boundary?: 'zero' | 'none';
}

/** An interval with the estimate it is centred on (always inside it). */
export interface Interval {
  /** The reported estimate: bias-corrected (default method) or the plug-in value (`percentile`). */
  estimate: number;
  ci: [number, number];
  /** Bootstrap estimate of the plug-in's bias: mean of the draws − observed. */
  bias: number;
  method: IntervalMethod;
}

/** Interval of an estimate from its bootstrap draws (see the module comment for the default method). */
export function bootstrapInterval(inp: IntervalInput): Interval {
  const method = inp.method ?? 'bias-corrected';
  const [rmin, rmax] = inp.range ?? [0, Infinity];
  const clip = (v: number) => Math.min(rmax, Math.max(rmin, v));
  const { mean, variance } = meanOf(inp.draws);
  const bias = mean - inp.observed;
  if (!Number.isFinite(inp.observed) || Number.isNaN(mean)) return { estimate: inp.observed, ci: [NaN, NaN], bias: NaN, method };
  const [qlo, qhi] = percentiles(inp.draws, inp.level);
  if (method === 'percentile') {
    const est = inp.observed;
    return { estimate: est, ci: [Math.min(qlo, est), Math.max(qhi, est)], bias, method };
  }
  const tc = inp.observed - bias;
  const hi = tc + (mean - qlo);
  let lo = tc - (qhi - mean);
  if (inp.boundary !== 'none' && variance > 0) lo = invertedLower(tc, qhi - mean, variance, nullVariance(Math.abs(bias), inp.rows, inp.df));
  const est = clip(tc);
  return { estimate: est, ci: [Math.min(clip(lo), est), Math.max(clip(hi), est)], bias, method };
}

/** Variance of a plug-in information estimate under the null: 2·bias²/df, at least bias/N (row resampling). */
export function nullVariance(bias: number, rows: number, df: number): number {
  return Math.max(rows > 0 ? bias / rows : 0, (2 * bias * bias) / Math.max(1, df));
}

/**
 * Lower limit θ_L of a basic interval around `tc` whose bootstrap upper deviation is `u` at
 * variance `v`, where the estimator's variance falls linearly from v (at tc) to v0 (at 0):
 * tc − θ_L = u·√(w(θ_L)), w(θ) = (v0 + (v − v0)·θ/tc)/v. Below 0 the null variance holds.
 */
function invertedLower(tc: number, u: number, v: number, v0: number): number {
  const w0 = Math.min(1, v0 / v);
  const atNull = tc - u * Math.sqrt(w0);
  if (tc <= 0 || !(u > 0)) return atNull;
  // d = tc − θ_L: d² = u²(1 − a·d), a = (1 − w0)/tc.
  const a = (1 - w0) / tc;
  const d = (-u * u * a + Math.sqrt(u ** 4 * a * a + 4 * u * u)) / 2;
  return d > tc ? atNull : tc - d;
}

/**
 * Basic interval of a quantity whose estimate is `center` and whose sampling spread is that of the
 * draws around their mean (e.g. the excess over the permutation null): [center − (q_hi − mean),
 * center + (mean − q_lo)], with the lower limit test-inverted as in {@link bootstrapInterval}.
 */
export function spreadInterval(center: number, draws: ArrayLike<number>, level: number, nullVar: number): [number, number] {
  const { mean, variance } = meanOf(draws);
  if (Number.isNaN(mean) || !Number.isFinite(center)) return [NaN, NaN];
  const [qlo, qhi] = percentiles(draws, level);
  const lo = variance > 0 ? invertedLower(center, qhi - mean, variance, nullVar) : center - (qhi - mean);
  return [Math.min(lo, center), Math.max(center + (mean - qlo), center)];
}

/** The estimate in excess of its permutation null, with the null's mean. */
export interface Excess {
  /** observed − mean of the null draws: ≈ 0 under independence whatever the bins and rows. */
  excess: number;
  nullMean: number;
}

/** observed − mean(null): the MI above what independent data of the same margins would give. */
export function excessOverNull(observed: number, nullDraws: ArrayLike<number>): Excess {
  const { mean } = meanOf(nullDraws);
  return { excess: observed - mean, nullMean: mean };
}

/** One p-value rule for every permutation test: (1 + #{null ≥ observed}) / (1 + draws), ties (to rounding) counted. */
export function permutationP(observed: number, nullDraws: ArrayLike<number>): number {
  let ge = 0;
  const tol = 1e-12 * Math.max(1, Math.abs(observed));
  for (let i = 0; i < nullDraws.length; i++) if (nullDraws[i] >= observed - tol) ge++;
  return (1 + ge) / (1 + nullDraws.length);
}

/**
 * Benjamini–Hochberg q-values (step-up, false discovery rate): q_(i) = min over j ≥ i of
 * m·p_(j)/j, capped at 1, with m the number of finite p-values; NaN stays NaN. A metric is
 * significant at FDR α when q ≤ α.
 * @example
 * benjaminiHochberg([0.01, 0.04, 0.03, 0.2]); // [0.04, 0.0533…, 0.0533…, 0.2]
 */
export function benjaminiHochberg(p: ArrayLike<number>): Float64Array {
  const idx: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (Number.isNaN(v)) continue;
    if (!(v >= 0 && v <= 1)) throw new MetricsiftError(`p-value ${i} is ${v}, not in [0, 1]`, ErrorCode.BAD_INPUT);
    idx.push(i);
  }
  const q = new Float64Array(p.length).fill(NaN);
  idx.sort((a, b) => p[a] - p[b] || a - b);
  const m = idx.length;
  let run = 1;
  for (let r = m - 1; r >= 0; r--) {
    run = Math.min(run, (m * p[idx[r]]) / (r + 1));
    q[idx[r]] = run;
  }
  return q;
}

/**
 * Block length for the circular block bootstrap (and block permutations) chosen from the data:
 * Politis & White (2004) with the correction of Patton, Politis & White (2009), as in Python's
 * `arch.bootstrap.optimal_block_length` (`b_cb`), rounded up. The bandwidth M is twice the first
 * lag after which K_N = max(5, ⌊log₁₀ n⌋) autocorrelations in a row are below 2·√(log₁₀ n / n);
 * the flat-top lag window then gives G = Σ λ(k/M)|k|R(k) and g = Σ λ(k/M)R(k), and
 * b = (2G²/D)^{1/3} n^{1/3} with D = (4/3)g², capped at min(3√n, n/3). Missing values (NaN) are
 * left out. About 1 for independent rows; grows with the reach of the autocorrelation.
 */
export function politisWhiteBlock(x: ArrayLike<number>): number {
  const v: number[] = [];
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]) && x[i] !== null) v.push(x[i]);
  const n = v.length;
  if (n < 4) return 1;
  let mean = 0;
  for (const a of v) mean += a;
  mean /= n;
  const e = Float64Array.from(v, (a) => a - mean);
  const bMax = Math.ceil(Math.min(3 * Math.sqrt(n), n / 3));
  const kn = Math.max(5, Math.floor(Math.log10(n)));
  const mMax = Math.min(n - 2, Math.ceil(Math.sqrt(n)) + kn);
  const cv = 2 * Math.sqrt(Math.log10(n) / n);
  const acv = new Float64Array(mMax + 1), absCorr = new Float64Array(mMax + 1);
  // Prefix sums of squares give the two partial norms of each lag in O(1).
  const sq = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) sq[i + 1] = sq[i] + e[i] * e[i];
  let optM = -1;
  // Lags beyond the bandwidth M = 2·max(optM, 1) are not used: stop there once optM is known.
  for (let i = 0; i <= mMax && !(optM >= 0 && i > 2 * Math.max(optM, 1)); i++) {
    let cross = 0;
    for (let t = i; t < n; t++) cross += e[t] * e[t - i];
    acv[i] = cross / n;
    const v1 = sq[n] - sq[i + 1], v2 = sq[n - i - 1];
    absCorr[i] = v1 > 0 && v2 > 0 ? Math.abs(cross) / Math.sqrt(v1 * v2) : 0;
    if (i >= kn && optM < 0) {
      let all = true;
      for (let k = i - kn; k < i; k++) if (!(absCorr[k] < cv)) { all = false; break; }
      if (all) optM = i - kn;
    }
  }
  if (acv[0] === 0) return 1;  // constant
  const M = Math.min(optM >= 0 ? 2 * Math.max(optM, 1) : mMax, mMax);
  let G = 0, g = acv[0];
  for (let k = 1; k <= M; k++) {
    const lam = k / M <= 0.5 ? 1 : 2 * (1 - k / M);
    G += 2 * lam * k * acv[k];
    g += 2 * lam * acv[k];
  }
  const D = (4 / 3) * g * g;
  if (!(D > 0)) return Math.min(bMax, Math.max(1, Math.floor(n / 3)));
  const b = Math.cbrt((2 * G * G) / D) * Math.cbrt(n);
  return Math.max(1, Math.min(bMax, Math.ceil(b)));
}

/**
 * Block length of a resampling call: a fixed length (checked: 1 ≤ L, 2L ≤ rows), or `auto`
 * (the default): the largest Politis–White length of the series resampled together.
 */
export function chooseBlock(block: number | 'auto' | undefined, series: ArrayLike<number>[], rows: number, name = 'block'): number {
  if (block === undefined || block === 'auto') {
    let b = 1;
    for (const s of series) b = Math.max(b, politisWhiteBlock(s));
    return Math.max(1, Math.min(b, Math.floor(rows / 2)));
  }
  if (!Number.isInteger(block) || block < 1) badOption(name, 'a block length (integer ≥ 1) or "auto"', block);
  if (rows > 0 && 2 * block > rows) badOption(name, `a block length of at most half the ${rows} rows (blocks of ${block} leave fewer than two blocks)`, block);
  return block;
}

/** Checks an interval level; with fewer than 100 replicates adds an `MS_FEW_REPLICATES` warning. */
export function checkLevelAndReplicates(level: unknown, replicates: number, name = 'level', warnings?: AnalysisWarning[]): number {
  if (typeof level !== 'number' || !(level > 0 && level < 1)) badOption(name, 'a confidence level in (0, 1)', level);
  if (warnings && replicates < MIN_REPLICATES) {
    warnings.push({
      code: WarningCode.FEW_REPLICATES,
      message: `${replicates} replicates for a ${Math.round(level * 1000) / 10} % interval: its limits rest on about ${Math.max(1, Math.floor(((1 - level) / 2) * replicates))} draws each; use at least ${MIN_REPLICATES} (1,000 is usual)`,
    });
  }
  return level;
}
