/**
 * A sliding window of binned counts, updated incrementally (issue 18): each new row adds one count
 * to each metric's histogram and one cell to each tracked pair's joint histogram; each expired row
 * removes them. Entropies, MI and NMI are read from the counts at any time in O(1) per pair.
 *
 * Exactness. The plug-in estimates need Σ c·ln c over the cells. Those sums are kept as
 * double-double accumulators updated with error-free transformations (TwoSum): every table value
 * c·ln c (c ≥ 2) is a double ≥ 1.38, a multiple of 2⁻⁵², so the exact sum fits the accumulator's
 * 106 bits and the accumulator always holds it exactly. Its rounded value is therefore the same
 * whatever order rows came and went in: the incremental window and {@link recomputeWindow} (the
 * same window binned and counted from scratch with the same edges) agree bit for bit, and both
 * agree with the native kernels (which sum naively) to rounding (≈ 1e-14 relative).
 *
 * Re-binning rule (documented in README "Continuous mode"). Each metric's bin edges are frozen for
 * an epoch. A metric is binned (its first epoch) once it has `minRows` values in the window, with
 * the estimators' rule (`quantile` by default, `bins` bins, `discreteMax` distinct values kept as
 * they are) on the window's values. The epoch remembers the range [lo, hi] of those values (for a
 * discrete metric, its set of values). A value outside that range (or, for a discrete metric, not
 * in the set) is still coded, into the nearest end bin (or the bin below), and counted as
 * *outside*; the count goes down again when the row expires. When more than `rebinShare` (default
 * 5 %) of the metric's rows in the window are outside, the metric is re-binned on the window's
 * current values: a new epoch, its codes and every tracked pair through it rebuilt from the stored
 * values (O(window) each). A re-bin changes the estimates' binning; `epoch(i)` says which one holds.
 */
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { discretize } from '../estimators/binned.js';
import { DEFAULTS, RANGES } from '../options.js';

/** How the window bins and when it re-bins. */
export interface WindowOptions {
  /** Rows the window holds (the oldest row expires when a row is added to a full window). */
  capacity: number;
  /** Bins per metric (default 16, 2…256). */
  bins?: number;
  /** `quantile` (default) or `uniform` edges at each re-binning. */
  binning?: 'quantile' | 'uniform';
  /** Metrics with at most this many distinct values keep one bin per value (default `bins`). */
  discreteMax?: number;
  /** Share of a metric's rows outside its epoch's range that triggers a re-bin (default 0.05). */
  rebinShare?: number;
  /** Values a metric needs in the window before its first binning (default min(capacity, 4·bins)). */
  minRows?: number;
}

/** One metric's binning epoch: the frozen cut points and the range of the values they were made from. */
export interface Epoch {
  /** Counts epochs of this metric (1 for the first binning; 0: not binned yet). */
  epoch: number;
  /** Interior cut points: code = number of cuts ≤ value. */
  cuts: Float64Array;
  levels: number;
  discrete: boolean;
  lo: number;
  hi: number;
}

/** Entropies of one pair on its complete rows (nats), MI (in `units`) and NMI. */
export interface PairValue {
  hx: number;
  hy: number;
  hxy: number;
  mi: number;
  nmi: number;
  rows: number;
}

const LN2 = 0.693147180559945309417232121458176568;

/** Adds v to the double-double at s[k], s[k+1] exactly (Knuth's TwoSum, then a renormalisation). */
function ddAdd(s: Float64Array, k: number, v: number): void {
  const hi = s[k];
  const t = hi + v;
  const bp = t - hi;
  const err = (hi - (t - bp)) + (v - bp);
  const lo = s[k + 1] + err;
  // TwoSum again (not Fast2Sum): t may be smaller than lo after a cancellation.
  const h2 = t + lo;
  const bq = h2 - t;
  s[k + 1] = (t - (h2 - bq)) + (lo - bq);
  s[k] = h2;
}

/** Number of cuts ≤ v (the native `edges` rule). */
function codeOf(cuts: Float64Array, v: number): number {
  let lo = 0, hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Plug-in entropies (nats) from exact Σ c ln c sums, as the native finaliser computes them. */
function entropiesOf(sx: number, sy: number, sxy: number, n: number, xlogx: Float64Array): [number, number, number] {
  const lnN = xlogx[n] / n;
  return [Math.max(0, lnN - sx / n), Math.max(0, lnN - sy / n), Math.max(0, lnN - sxy / n)];
}

/** MI (bits or nats) and arithmetic NMI from pair entropies, with the native finaliser's conventions. */
function finalize(hx: number, hy: number, hxy: number, rows: number, units: 'bits' | 'nats'): PairValue {
  if (rows === 0) return { hx: NaN, hy: NaN, hxy: NaN, mi: NaN, nmi: NaN, rows };
  let mi = hx + hy - hxy;
  if (mi < 0) mi = 0;
  const d = 0.5 * (hx + hy);
  const nmi = hx === 0 && hy === 0 ? 1 : d > 0 ? mi / d : 0;
  return { hx, hy, hxy, mi: units === 'bits' ? mi / LN2 : mi, nmi, rows };
}

/** A serialisable image of a window (see {@link SlidingWindow.snapshot}). */
export interface WindowSnapshot {
  names: string[];
  options: Required<WindowOptions>;
  head: number;
  size: number;
  added: number;
  times: Float64Array;
  values: Float64Array;
  codes: Int16Array;
  epochs: Epoch[];
  pairs: Int32Array;
  metricCounts: Uint32Array;
  metricN: Uint32Array;
  metricSums: Float64Array;
  outside: Uint32Array;
  valid: Uint32Array;
  pairCounts: Uint32Array;
  pairMarg: Uint32Array;
  pairN: Uint32Array;
  pairSums: Float64Array;
}

/**
 * The sliding window. Create with the metric names and {@link WindowOptions}; {@link push} rows
 * (one value per metric, NaN = missing) in time order; {@link track} the pairs to follow.
 * @example
 * const w = new SlidingWindow(names, { capacity: 1440, bins: 16 });
 * w.track([[0, 1], [0, 2]]);
 * for (const row of newRows) w.push(row, t);
 * w.pairValue(0); // { mi, nmi, hx, hy, hxy, rows } of pair 0
 */
export class SlidingWindow {
  readonly names: string[];
  readonly options: Required<WindowOptions>;
  readonly #M: number;
  readonly #W: number;
  readonly #K: number;
  readonly #xlogx: Float64Array;
  #head = 0; // slot of the next row
  #size = 0;
  #added = 0;
  #times: Float64Array;
  #values: Float64Array; // metric-major: m·W + slot
  #codes: Int16Array; // −1: missing or not binned yet
  #epochs: Epoch[];
  #outside: Uint32Array;
  #valid: Uint32Array; // non-missing values in the window, binned or not
  #mCounts: Uint32Array; // m·K + code
  #mN: Uint32Array;
  #mSums: Float64Array; // 2 per metric (double-double)
  #pairs = new Int32Array(0); // 2 per pair
  #pCounts = new Uint32Array(0); // p·K·K + a·K + b
  #pMarg = new Uint32Array(0); // p·2K + a (x marginal), p·2K + K + b (y marginal)
  #pN = new Uint32Array(0);
  #pSums = new Float64Array(0); // 6 per pair: sx, sy, sxy as double-doubles
  #byMetric: number[][]; // pairs through each metric
  #rowCodes: Int16Array;
  #rebins = 0;

  constructor(names: string[], opts: WindowOptions) {
    if (!Array.isArray(names) || names.length === 0) badOption('names', 'a non-empty array of metric names', names);
    if (!opts || typeof opts !== 'object') badOption('options', 'an object with capacity', opts);
    const int = (name: string, v: unknown, lo: number, hi: number, dflt: number): number => {
      if (v === undefined) return dflt;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) badOption(name, `an integer in [${lo}, ${hi}]`, v);
      return v;
    };
    const capacity = int('capacity', opts.capacity, 4, 1 << 24, NaN);
    if (Number.isNaN(capacity)) badOption('capacity', 'an integer ≥ 4 (rows in the window)', opts.capacity);
    const bins = int('bins', opts.bins, ...RANGES.watchBins, DEFAULTS.bins);
    const discreteMax = int('discreteMax', opts.discreteMax, 0, RANGES.watchBins[1], bins);
    const binning = opts.binning ?? 'quantile';
    if (binning !== 'quantile' && binning !== 'uniform') badOption('binning', "'quantile' or 'uniform'", binning);
    const rebinShare = opts.rebinShare ?? 0.05;
    if (typeof rebinShare !== 'number' || !(rebinShare >= 0 && rebinShare < 1)) badOption('rebinShare', 'a number in [0, 1)', rebinShare);
    const minRows = int('minRows', opts.minRows, 2, capacity, Math.min(capacity, 4 * bins));
    this.names = [...names];
    this.options = { capacity, bins, binning, discreteMax, rebinShare, minRows };
    const M = (this.#M = names.length), W = (this.#W = capacity);
    this.#K = Math.max(bins, discreteMax);
    this.#xlogx = new Float64Array(W + 1);
    for (let c = 2; c <= W; c++) this.#xlogx[c] = c * Math.log(c);
    this.#times = new Float64Array(W).fill(NaN);
    this.#values = new Float64Array(M * W).fill(NaN);
    this.#codes = new Int16Array(M * W).fill(-1);
    this.#epochs = Array.from({ length: M }, () => ({ epoch: 0, cuts: new Float64Array(0), levels: 0, discrete: false, lo: NaN, hi: NaN }));
    this.#outside = new Uint32Array(M);
    this.#valid = new Uint32Array(M);
    this.#mCounts = new Uint32Array(M * this.#K);
    this.#mN = new Uint32Array(M);
    this.#mSums = new Float64Array(2 * M);
    this.#byMetric = Array.from({ length: M }, () => []);
    this.#rowCodes = new Int16Array(M);
  }

  /** Rows in the window now. */
  get size(): number {
    return this.#size;
  }

  /** Rows ever added (the window's clock). */
  get added(): number {
    return this.#added;
  }

  /** Re-binnings since this object was created or restored (first binnings included). */
  get rebins(): number {
    return this.#rebins;
  }

  /** Time stamps of the rows in the window, oldest first. */
  times(): Float64Array {
    const out = new Float64Array(this.#size);
    const start = (this.#head - this.#size + this.#W) % this.#W;
    for (let r = 0; r < this.#size; r++) out[r] = this.#times[(start + r) % this.#W];
    return out;
  }

  /** Metric i's values in the window, oldest first (NaN = missing). */
  values(i: number): Float64Array {
    const out = new Float64Array(this.#size);
    const start = (this.#head - this.#size + this.#W) % this.#W, base = i * this.#W;
    for (let r = 0; r < this.#size; r++) out[r] = this.#values[base + ((start + r) % this.#W)];
    return out;
  }

  /** Metric i's current binning epoch (a copy). */
  epoch(i: number): Epoch {
    const e = this.#epochs[i];
    return { ...e, cuts: Float64Array.from(e.cuts) };
  }

  /** The tracked pairs, as [i, j] index pairs in the order given to {@link track}. */
  pairs(): [number, number][] {
    const out: [number, number][] = [];
    for (let p = 0; p < this.#pN.length; p++) out.push([this.#pairs[2 * p], this.#pairs[2 * p + 1]]);
    return out;
  }

  /**
   * Replaces the tracked pairs (index pairs, i ≠ j). Pairs already tracked keep their counts;
   * new ones are counted from the stored codes (O(window) each).
   */
  track(pairs: ArrayLike<readonly [number, number]>): void {
    const P = pairs.length, K = this.#K, KK = K * K;
    const old = new Map<string, number>();
    for (let p = 0; p < this.#pN.length; p++) old.set(`${this.#pairs[2 * p]},${this.#pairs[2 * p + 1]}`, p);
    const np = new Int32Array(2 * P), nc = new Uint32Array(P * KK), nm = new Uint32Array(P * 2 * K), nn = new Uint32Array(P), ns = new Float64Array(6 * P);
    const fresh: number[] = [];
    for (let p = 0; p < P; p++) {
      const [i, j] = pairs[p];
      if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= this.#M || j >= this.#M || i === j) {
        badOption(`pairs[${p}]`, `two different metric indices below ${this.#M}`, pairs[p]);
      }
      np[2 * p] = i;
      np[2 * p + 1] = j;
      const q = old.get(`${i},${j}`);
      if (q === undefined) fresh.push(p);
      else {
        nc.set(this.#pCounts.subarray(q * KK, (q + 1) * KK), p * KK);
        nm.set(this.#pMarg.subarray(q * 2 * K, (q + 1) * 2 * K), p * 2 * K);
        nn[p] = this.#pN[q];
        ns.set(this.#pSums.subarray(6 * q, 6 * q + 6), 6 * p);
      }
    }
    this.#pairs = np;
    this.#pCounts = nc;
    this.#pMarg = nm;
    this.#pN = nn;
    this.#pSums = ns;
    this.#byMetric = Array.from({ length: this.#M }, () => []);
    for (let p = 0; p < P; p++) {
      this.#byMetric[np[2 * p]].push(p);
      this.#byMetric[np[2 * p + 1]].push(p);
    }
    for (const p of fresh) this.#recountPair(p);
  }

  /**
   * Adds one row (a value per metric, NaN = missing) taken at `time` (any monotone clock, e.g.
   * epoch seconds); a full window drops its oldest row first. Returns the metrics re-binned.
   */
  push(row: ArrayLike<number>, time: number): number[] {
    if (row.length !== this.#M) throw new MetricsiftError(`A row of the window needs ${this.#M} values but received ${row.length}`, ErrorCode.LENGTH_MISMATCH);
    const W = this.#W, M = this.#M, slot = this.#head;
    if (this.#size === W) this.#remove(slot);
    else this.#size++;
    const rc = this.#rowCodes;
    for (let m = 0; m < M; m++) {
      // ±Inf (Prometheus' +Inf) has no bin: it is missing, as NaN.
      let v = +row[m];
      if (!Number.isFinite(v)) v = NaN;
      else this.#valid[m]++;
      this.#values[m * W + slot] = v;
      const e = this.#epochs[m];
      let c = -1;
      if (e.epoch > 0 && !Number.isNaN(v)) {
        c = codeOf(e.cuts, v);
        if (this.#isOutside(e, v)) this.#outside[m]++;
      }
      rc[m] = c;
      this.#codes[m * W + slot] = c;
    }
    this.#times[slot] = time;
    this.#head = (slot + 1) % W;
    this.#added++;
    this.#count(rc, +1);
    const rebinned: number[] = [];
    for (let m = 0; m < M; m++) {
      const e = this.#epochs[m];
      if (e.epoch === 0 ? this.#valid[m] >= this.options.minRows : this.#outside[m] > this.options.rebinShare * this.#mN[m]) {
        this.rebin(m);
        rebinned.push(m);
      }
    }
    return rebinned;
  }

  #isOutside(e: Epoch, v: number): boolean {
    if (v < e.lo || v > e.hi) return true;
    // A discrete metric's cuts are its values (all but the lowest): a new value falls between them.
    return e.discrete && v !== e.lo && e.cuts[codeOf(e.cuts, v) - 1] !== v;
  }

  #slotLive(s: number): boolean {
    return (s - this.#head + this.#W) % this.#W >= this.#W - this.#size;
  }

  /** Takes the row in `slot` out of every count. */
  #remove(slot: number): void {
    const W = this.#W, rc = this.#rowCodes;
    for (let m = 0; m < this.#M; m++) {
      const c = this.#codes[m * W + slot];
      rc[m] = c;
      if (!Number.isNaN(this.#values[m * W + slot])) this.#valid[m]--;
      if (c >= 0 && this.#isOutside(this.#epochs[m], this.#values[m * W + slot])) this.#outside[m]--;
    }
    this.#count(rc, -1);
  }

  /** Adds (d = +1) or removes (d = −1) one row of codes to every histogram. */
  #count(rc: Int16Array, d: 1 | -1): void {
    const K = this.#K, KK = K * K, x = this.#xlogx;
    const mc = this.#mCounts, ms = this.#mSums, mn = this.#mN;
    for (let m = 0; m < this.#M; m++) {
      const a = rc[m];
      if (a < 0) continue;
      const k = m * K + a, c = mc[k];
      ddAdd(ms, 2 * m, -x[c]);
      ddAdd(ms, 2 * m, x[c + d]);
      mc[k] = c + d;
      mn[m] += d;
    }
    const pairs = this.#pairs, pc = this.#pCounts, pm = this.#pMarg, ps = this.#pSums, pn = this.#pN;
    for (let p = 0, P = pn.length; p < P; p++) {
      const a = rc[pairs[2 * p]], b = rc[pairs[2 * p + 1]];
      if (a < 0 || b < 0) continue;
      const kxy = p * KK + a * K + b, kx = p * 2 * K + a, ky = p * 2 * K + K + b;
      const cxy = pc[kxy], cx = pm[kx], cy = pm[ky];
      ddAdd(ps, 6 * p, -x[cx]);
      ddAdd(ps, 6 * p, x[cx + d]);
      ddAdd(ps, 6 * p + 2, -x[cy]);
      ddAdd(ps, 6 * p + 2, x[cy + d]);
      ddAdd(ps, 6 * p + 4, -x[cxy]);
      ddAdd(ps, 6 * p + 4, x[cxy + d]);
      pc[kxy] = cxy + d;
      pm[kx] = cx + d;
      pm[ky] = cy + d;
      pn[p] += d;
    }
  }

  /** Re-bins metric i on its values in the window now (a new epoch), and recounts its pairs. */
  rebin(i: number): void {
    const W = this.#W, K = this.#K, base = i * W;
    const vals = this.values(i);
    const present = vals.filter((v) => !Number.isNaN(v));
    const e = this.#epochs[i];
    const next: Epoch = { epoch: e.epoch + 1, cuts: new Float64Array(0), levels: 0, discrete: false, lo: NaN, hi: NaN };
    if (present.length > 0) {
      const d = discretize(present, { bins: this.options.bins, binning: this.options.binning, discreteMax: this.options.discreteMax });
      let lo = Infinity, hi = -Infinity;
      for (const v of present) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      // A discrete metric is cut at its own values, so that each keeps its code.
      const cuts = d.discrete ? Float64Array.from(new Set(Array.from(present).sort((a, b) => a - b))).subarray(1) : d.cuts;
      Object.assign(next, { cuts: Float64Array.from(cuts), levels: d.levels, discrete: d.discrete, lo, hi });
    }
    this.#epochs[i] = next;
    this.#rebins++;
    // Recode every live slot and rebuild the metric's own histogram.
    this.#mCounts.fill(0, i * K, (i + 1) * K);
    this.#mN[i] = 0;
    this.#mSums[2 * i] = this.#mSums[2 * i + 1] = 0;
    this.#outside[i] = 0;
    for (let s = 0; s < W; s++) {
      const v = this.#values[base + s];
      let c = -1;
      if (this.#slotLive(s) && !Number.isNaN(v) && next.epoch > 0 && present.length > 0) c = codeOf(next.cuts, v);
      this.#codes[base + s] = c;
      if (c >= 0) {
        this.#mCounts[i * K + c]++;
        this.#mN[i]++;
      }
    }
    for (let c = 0; c < K; c++) ddAdd(this.#mSums, 2 * i, this.#xlogx[this.#mCounts[i * K + c]]);
    for (const p of this.#byMetric[i]) this.#recountPair(p);
  }

  /** Rebuilds pair p's histograms from the stored codes. */
  #recountPair(p: number): void {
    const K = this.#K, KK = K * K, W = this.#W;
    const bi = this.#pairs[2 * p] * W, bj = this.#pairs[2 * p + 1] * W;
    const pc = this.#pCounts, pm = this.#pMarg;
    pc.fill(0, p * KK, (p + 1) * KK);
    pm.fill(0, p * 2 * K, (p + 1) * 2 * K);
    let n = 0;
    for (let s = 0; s < W; s++) {
      const a = this.#codes[bi + s], b = this.#codes[bj + s];
      if (a < 0 || b < 0) continue;
      pc[p * KK + a * K + b]++;
      pm[p * 2 * K + a]++;
      pm[p * 2 * K + K + b]++;
      n++;
    }
    this.#pN[p] = n;
    const ps = this.#pSums, x = this.#xlogx;
    ps.fill(0, 6 * p, 6 * p + 6);
    for (let a = 0; a < K; a++) ddAdd(ps, 6 * p, x[pm[p * 2 * K + a]]);
    for (let b = 0; b < K; b++) ddAdd(ps, 6 * p + 2, x[pm[p * 2 * K + K + b]]);
    for (let c = 0; c < KK; c++) ddAdd(ps, 6 * p + 4, x[pc[p * KK + c]]);
  }

  /** Entropy of metric i over its binned values in the window (NaN with none). */
  entropy(i: number, units: 'bits' | 'nats' = 'bits'): { value: number; rows: number } {
    const n = this.#mN[i];
    if (n === 0) return { value: NaN, rows: 0 };
    const h = Math.max(0, this.#xlogx[n] / n - this.#mSums[2 * i] / n);
    return { value: units === 'bits' ? h / LN2 : h, rows: n };
  }

  /** Entropies (nats), MI (in `units`) and arithmetic NMI of tracked pair p on its complete rows. */
  pairValue(p: number, units: 'bits' | 'nats' = 'bits'): PairValue {
    const n = this.#pN[p], s = this.#pSums;
    if (n === 0) return finalize(NaN, NaN, NaN, 0, units);
    const [hx, hy, hxy] = entropiesOf(s[6 * p], s[6 * p + 2], s[6 * p + 4], n, this.#xlogx);
    return finalize(hx, hy, hxy, n, units);
  }

  /**
   * MI of tracked pair p with an asymptotic interval: [lower, upper] at `level`, in `units`,
   * clamped at 0, rows taken as independent (autocorrelated rows make the true interval wider).
   * Var ≈ (Σ p_ab ln²(p_ab / p_a p_b) − I²) / n + (k_a − 1)(k_b − 1) / 2n², k the occupied bins:
   * the delta method's first-order term for the plug-in estimator, plus the second-order term that
   * is all there is where the first vanishes (2n·Î is χ² with (k_a − 1)(k_b − 1) degrees of freedom
   * under independence; a perfectly diagonal table on even margins). Without it such a window's
   * interval had zero width, and a strongly coupled pair on a small window left its own baseline by
   * noise alone (test/watch-drift.test.ts).
   */
  miInterval(p: number, level = 0.95, units: 'bits' | 'nats' = 'bits'): { mi: number; lower: number; upper: number; rows: number } {
    const v = this.pairValue(p, 'nats');
    if (v.rows < 2) return { mi: NaN, lower: NaN, upper: NaN, rows: v.rows };
    const K = this.#K, KK = K * K, n = v.rows, pc = this.#pCounts, pm = this.#pMarg;
    let s2 = 0;
    const [ka, kb] = this.#occupied(p);
    for (let a = 0; a < K; a++) {
      const ca = pm[p * 2 * K + a];
      if (!ca) continue;
      for (let b = 0; b < K; b++) {
        const c = pc[p * KK + a * K + b];
        if (!c) continue;
        const l = Math.log((c * n) / (ca * pm[p * 2 * K + K + b]));
        s2 += (c / n) * l * l;
      }
    }
    const se = Math.sqrt(Math.max(0, s2 - v.mi * v.mi) / n + ((ka - 1) * (kb - 1)) / (2 * n * n));
    const z = normalQuantile(0.5 + level / 2);
    const f = units === 'bits' ? 1 / LN2 : 1;
    return { mi: v.mi * f, lower: Math.max(0, v.mi - z * se) * f, upper: (v.mi + z * se) * f, rows: n };
  }

  /**
   * The binning's resolution for pair p: ((k_a − 1) + (k_b − 1)) / 2n in `units`, k the occupied
   * bins, n the pair's complete rows: the plug-in entropy's bias for each margin. Bins are fitted
   * to the window's quantiles when a metric is (re)binned, which puts each margin's entropy at its
   * most; later windows on the same cuts fall short of it by about this much with nothing changed,
   * so `watch` does not call a difference smaller than it drift.
   */
  resolution(p: number, units: 'bits' | 'nats' = 'bits'): number {
    const n = this.#pN[p];
    if (n === 0) return NaN;
    const [ka, kb] = this.#occupied(p);
    return ((ka - 1 + (kb - 1)) / (2 * n)) * (units === 'bits' ? 1 / LN2 : 1);
  }

  /** Occupied bins of pair p's two margins (its complete rows). */
  #occupied(p: number): [number, number] {
    const K = this.#K, pm = this.#pMarg;
    let ka = 0, kb = 0;
    for (let a = 0; a < K; a++) {
      if (pm[p * 2 * K + a]) ka++;
      if (pm[p * 2 * K + K + a]) kb++;
    }
    return [ka, kb];
  }

  /**
   * A copy of the whole state, for {@link SlidingWindow.restore} (e.g. written to a state directory).
   * With `copy: false`, the window's own arrays instead of copies: valid until the next push or track,
   * for serializing at once (watch's state saves) without a second transient copy of the window.
   */
  snapshot(opts: { copy?: boolean } = {}): WindowSnapshot {
    if (opts.copy === false) {
      return {
        names: this.names, options: this.options, head: this.#head, size: this.#size, added: this.#added,
        times: this.#times, values: this.#values, codes: this.#codes, epochs: this.#epochs, pairs: this.#pairs,
        metricCounts: this.#mCounts, metricN: this.#mN, metricSums: this.#mSums, outside: this.#outside, valid: this.#valid,
        pairCounts: this.#pCounts, pairMarg: this.#pMarg, pairN: this.#pN, pairSums: this.#pSums,
      };
    }
    return {
      names: [...this.names], options: { ...this.options }, head: this.#head, size: this.#size, added: this.#added,
      times: Float64Array.from(this.#times), values: Float64Array.from(this.#values), codes: Int16Array.from(this.#codes),
      epochs: this.#epochs.map((e) => ({ ...e, cuts: Float64Array.from(e.cuts) })), pairs: Int32Array.from(this.#pairs),
      metricCounts: Uint32Array.from(this.#mCounts), metricN: Uint32Array.from(this.#mN), metricSums: Float64Array.from(this.#mSums),
      outside: Uint32Array.from(this.#outside), valid: Uint32Array.from(this.#valid), pairCounts: Uint32Array.from(this.#pCounts), pairMarg: Uint32Array.from(this.#pMarg),
      pairN: Uint32Array.from(this.#pN), pairSums: Float64Array.from(this.#pSums),
    };
  }

  /** A window equal to the one `s` was taken of: nothing is recounted. */
  static restore(s: WindowSnapshot): SlidingWindow {
    const w = new SlidingWindow(s.names, s.options);
    const M = s.names.length, W = s.options.capacity, K = w.#K, P = s.pairN.length;
    const sizes: [string, ArrayLike<unknown>, number][] = [
      ['times', s.times, W], ['values', s.values, M * W], ['codes', s.codes, M * W], ['metricCounts', s.metricCounts, M * K], ['metricN', s.metricN, M],
      ['metricSums', s.metricSums, 2 * M], ['outside', s.outside, M], ['valid', s.valid, M], ['pairs', s.pairs, 2 * P], ['pairCounts', s.pairCounts, P * K * K],
      ['pairMarg', s.pairMarg, P * 2 * K], ['pairSums', s.pairSums, 6 * P], ['epochs', s.epochs, M],
    ];
    for (const [name, a, n] of sizes) {
      if (a.length !== n) throw new MetricsiftError(`A window snapshot's ${name} holds ${a.length} values, not ${n}`, ErrorCode.BAD_FORMAT);
    }
    w.#head = s.head;
    w.#size = s.size;
    w.#added = s.added;
    w.#times = Float64Array.from(s.times);
    w.#values = Float64Array.from(s.values);
    w.#codes = Int16Array.from(s.codes);
    w.#epochs = s.epochs.map((e) => ({ ...e, cuts: Float64Array.from(e.cuts) }));
    w.#mCounts = Uint32Array.from(s.metricCounts);
    w.#mN = Uint32Array.from(s.metricN);
    w.#mSums = Float64Array.from(s.metricSums);
    w.#outside = Uint32Array.from(s.outside);
    w.#valid = Uint32Array.from(s.valid);
    w.#pairs = Int32Array.from(s.pairs);
    w.#pCounts = Uint32Array.from(s.pairCounts);
    w.#pMarg = Uint32Array.from(s.pairMarg);
    w.#pN = Uint32Array.from(s.pairN);
    w.#pSums = Float64Array.from(s.pairSums);
    w.#byMetric = Array.from({ length: M }, () => []);
    for (let p = 0; p < P; p++) {
      w.#byMetric[s.pairs[2 * p]].push(p);
      w.#byMetric[s.pairs[2 * p + 1]].push(p);
    }
    return w;
  }
}

/** Φ⁻¹(p) by Acklam's rational approximation (relative error < 1.2e-9: ample for interval bounds). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const q = p - 0.5, r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  return x;
}

/**
 * The reference: window `w`'s rows binned with each metric's current edges and counted from
 * scratch (no incremental state), returning every metric's entropy and every tracked pair's value.
 * The incremental window must equal it bit for bit; the benchmark times it against one update.
 */
export function recomputeWindow(w: SlidingWindow, units: 'bits' | 'nats' = 'bits'): { entropy: Float64Array; pairs: PairValue[] } {
  const M = w.names.length;
  const codes: Int32Array[] = [];
  for (let m = 0; m < M; m++) {
    const e = w.epoch(m), v = w.values(m), c = new Int32Array(v.length).fill(-1);
    if (e.epoch > 0) for (let r = 0; r < v.length; r++) if (!Number.isNaN(v[r])) c[r] = codeOf(e.cuts, v[r]);
    codes.push(c);
  }
  const N = w.options.capacity;
  const x = new Float64Array(N + 1);
  for (let c = 2; c <= N; c++) x[c] = c * Math.log(c);
  const sum = (counts: ArrayLike<number>) => {
    const s = new Float64Array(2);
    for (let k = 0; k < counts.length; k++) ddAdd(s, 0, x[counts[k]]);
    return s[0];
  };
  const entropy = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    const counts = new Uint32Array(256);
    let n = 0;
    for (const c of codes[m]) if (c >= 0) counts[c]++, n++;
    const h = n ? Math.max(0, x[n] / n - sum(counts) / n) : NaN;
    entropy[m] = units === 'bits' ? h / LN2 : h;
  }
  const pairs = w.pairs().map(([i, j]) => {
    const cx = new Uint32Array(256), cy = new Uint32Array(256), cxy = new Map<number, number>();
    let n = 0;
    for (let r = 0; r < codes[i].length; r++) {
      const a = codes[i][r], b = codes[j][r];
      if (a < 0 || b < 0) continue;
      cx[a]++, cy[b]++, n++;
      cxy.set(a * 256 + b, (cxy.get(a * 256 + b) ?? 0) + 1);
    }
    if (n === 0) return finalize(NaN, NaN, NaN, 0, units);
    const [hx, hy, hxy] = entropiesOf(sum(cx), sum(cy), sum([...cxy.values()]), n, x);
    return finalize(hx, hy, hxy, n, units);
  });
  return { entropy, pairs };
}
