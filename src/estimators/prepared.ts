/**
 * The prepared table: a table binned once, natively, into codes that stay in native memory with
 * their bin information and per-column entropies, behind a handle with a lifecycle
 * (`prepare()` → calls → `dispose()`, as DuckDB's prepared statements or usearch's Index). Every
 * binned statistic of a pipeline is a call on it: MI and NMI matrices from one histogram pass,
 * shards, thresholded and top-k pairs, single pairs, bootstrap and permutation draws, codes for
 * conditional MI. Where the codes live (host memory today, a device later) is the native store's
 * business, not the caller's.
 */
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { checkRange } from '../options.js';
import { checkDevice, loadGpuJs, resolveDevice, type Device, type DeviceReport } from '../device.js';
import { GPUJS_MAX_ROWS, gpuJsPairCounts } from './gpujs-counts.js';
import { binding, type RawEntropies, type RawMatricesOptions, type RawMiOptions, type RawPairResult, type RawPreparedHandle, type RawResampled } from '../native.js';
import type { TableInput } from '../table.js';
import type { EntropyTable, InfoOptions, MiMatrix, MiPairList, Normalization } from './binned.js';
import { checkEnum, checkInt, checkNumber, pairCount, prepareTable, rawColumns, rawRunOptions, runNative, runNativeSync, type RunOptions } from './run.js';
import { completeRows, type Coded } from '../analysis/coding.js';
import { cmiOfCompact } from '../analysis/plugin.js';

const BINNINGS = ['quantile', 'uniform', 'auto'] as const;
const NORMS = ['arithmetic', 'geometric', 'min', 'max', 'joint'] as const;
type Units = 'bits' | 'nats';

/** Checks binning/measure options and turns them into what the addon reads. @internal */
export function rawInfoOptions(o: InfoOptions & { normalization?: Normalization; measure?: string }): RawMiOptions {
  const raw: RawMiOptions = {
    binning: checkEnum('binning', o.binning, BINNINGS),
    bins: checkRange('bins', o.bins),
    discreteMax: checkRange('discreteMax', o.discreteMax),
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

/** How a table is prepared: the binning (fixed for the handle's life) and the entropy estimator. */
export type PrepareOptions = Omit<InfoOptions, 'units'> & Omit<RunOptions, 'rows' | 'onProgress'>;

/** Options of the matrix calls on a prepared table. */
export interface PreparedMatrixOptions extends Omit<RunOptions, 'columns'> {
  units?: Units;
  normalization?: Normalization;
  /** Element type of dense matrices (default float64). */
  precision?: 'float64' | 'float32';
  /**
   * Shard by linear pair index: only pairs number [first, last) of the upper triangle, numbered
   * (0,1), (0,2), …, (0,M−1), (1,2), … (a fixed order, whatever the thread count).
   */
  pairRange?: [first: number, last: number];
  /** Where the pair counts run (`cpu`, `cuda`, `gpujs`, `auto`): see {@link MiMatrixOptions.device}. */
  device?: Device;
}

/** Options of the resampling calls on a prepared table. */
export interface PreparedResampleOptions {
  /** 1 (default) resamples rows; L > 1 circular blocks of L rows (time series). */
  block?: number;
  /** Seed (default 0): draw b uses its own generator seeded from (seed, b), so any thread count gives the same draws. */
  seed?: number;
  threads?: number;
  units?: Units;
  signal?: AbortSignal;
}

/** Draws of binned MI of one pair (in `units`): bootstrap replicates or a permutation null. */
export interface Draws {
  observed: number;
  draws: Float64Array;
  rowsUsed: number;
  /** Permutation draws only: p = (1 + #{null ≥ observed}) / (1 + B) (ties within 1e-12 count against). */
  p?: number;
  units: Units;
}

type Column = string | number;

/**
 * A table binned once. Create with {@link prepare} (or {@link prepareSync}); free with
 * {@link PreparedTable.dispose} (the native memory is also freed when the object is garbage
 * collected). Using it after `dispose()` throws `MS_DISPOSED`. Binning, `millerMadow` and the
 * column set are fixed when it is prepared; measures, units and outputs are chosen per call.
 */
export class PreparedTable {
  #handle: RawPreparedHandle | null;
  #entropy: RawEntropies;
  /** Column names, in table order. */
  readonly names: string[];
  /** Rows of the table. */
  readonly rows: number;

  /** @internal use {@link prepare} */
  constructor(handle: RawPreparedHandle, names: string[], rows: number, entropy: RawEntropies) {
    this.#handle = handle;
    this.names = names;
    this.rows = rows;
    this.#entropy = entropy;
  }

  /** True once {@link dispose} was called. */
  get disposed(): boolean {
    return this.#handle === null;
  }

  /** Frees the native codes now (a running call keeps them until it ends). Idempotent. */
  dispose(): void {
    if (this.#handle) binding.preparedDispose(this.#handle);
    this.#handle = null;
  }

  #h(): RawPreparedHandle {
    if (!this.#handle) throw new MetricsiftError('The prepared table was disposed; prepare the table again', ErrorCode.DISPOSED);
    return this.#handle;
  }

  #index(c: Column, what: string): number {
    const i = typeof c === 'number' ? (Number.isInteger(c) && c >= 0 && c < this.names.length ? c : -1) : this.names.indexOf(c);
    if (i < 0) throw new MetricsiftError(`Unknown column ${JSON.stringify(c)} for ${what} (the prepared table has ${this.names.length} columns)`, ErrorCode.COLUMN_MISSING);
    return i;
  }

  /** Entropy of every column over its non-missing rows, and how each was binned. */
  entropies(units: Units = 'bits'): EntropyTable {
    this.#h();
    return this.#entropyTable(units);
  }

  // Cached at prepare time: results of a call that outlived dispose() still get their entropies.
  #entropyTable(units: Units): EntropyTable {
    const u = checkEnum('units', units, ['bits', 'nats'] as const)!;
    const e = this.#entropy;
    // Division, as the native code divides: bit-identical with the one-shot results.
    const entropy = u === 'bits' ? e.entropy.map((h) => h / Math.LN2) : Float64Array.from(e.entropy);
    return { names: this.names, entropy, rowsUsed: e.entropyRows, levels: e.levels, discrete: e.discrete, units: u };
  }

  #matrixOptions(measures: readonly ('mi' | 'nmi')[], o: PreparedMatrixOptions, output: Record<string, unknown>) {
    if (!Array.isArray(measures) || measures.length === 0) badOption('measures', "a non-empty array of 'mi' or 'nmi'", measures);
    for (const m of measures) checkEnum('measures', m, ['mi', 'nmi'] as const);
    const run = rawRunOptions(o);
    const raw = {
      measures: [...measures], ...run, ...output,
      units: checkEnum('units', o.units, ['bits', 'nats'] as const), normalization: checkEnum('normalization', o.normalization, NORMS),
    } as Parameters<typeof binding.preparedMatrices>[1];
    const M = this.names.length;
    let total = pairCount(M, o.rows);
    if (o.pairRange !== undefined) {
      const r = o.pairRange;
      if (o.rows !== undefined) badOption('pairRange', 'no pairRange together with rows', r);
      if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => Number.isInteger(v) && v >= 0) || r[0] > r[1]) {
        badOption('pairRange', 'a pair [first, last] of integers with 0 ≤ first ≤ last', r);
      }
      raw.pairFirst = r[0];
      raw.pairLast = Math.min(r[1], (M * (M - 1)) / 2);
      total = Math.max(0, raw.pairLast - r[0]);
    }
    const device = o.device === undefined ? undefined : resolveDevice(checkDevice(o.device));
    if (device?.used === 'cuda') raw.device = 'cuda';
    for (const k of Object.keys(raw) as (keyof typeof raw)[]) if (raw[k] === undefined) delete raw[k];
    return { raw, total, units: o.units ?? 'bits', device };
  }

  /**
   * The gpu.js path: every column's codes to gpu.js, which counts the pairs in float32; the counts
   * come back here to be finalised by the CPU's code. Null where it cannot run (the report's note
   * then says why, and the caller runs the CPU kernels).
   */
  #gpuJs(h: RawPreparedHandle, raw: RawMatricesOptions, device: DeviceReport): RawPairResult[] | null {
    const g = loadGpuJs();
    if (!g) return null;
    if (this.rows >= GPUJS_MAX_ROWS) {
      Object.assign(device, { used: 'cpu', detail: 'CPU kernels', note: `gpu.js counts in float32, exact below 2^24 rows; this table has ${this.rows} rows: computed on the CPU` });
      return null;
    }
    const coded = binding.preparedCodesAll(h);
    const M = this.names.length;
    // Rows of pairs to count: the shard, or the rows a pairRange covers (filtered below).
    const offset = (i: number) => i * (M - 1) - (i * (i - 1)) / 2;
    let first = raw.rowFirst ?? 0, last = raw.rowLast === undefined || raw.rowLast < 0 ? M : raw.rowLast;
    if (raw.pairFirst !== undefined || raw.pairLast !== undefined) {
      const pf = raw.pairFirst ?? 0, pl = raw.pairLast ?? offset(M);
      first = 0;
      while (first < M && offset(first + 1) <= pf) first++;
      last = first;
      while (last < M && offset(last) < pl) last++;
    }
    let pc = gpuJsPairCounts(g, coded.codes, M, coded.n, coded.K, first, last);
    if (raw.pairFirst !== undefined || raw.pairLast !== undefined) {
      const pf = raw.pairFirst ?? 0, pl = raw.pairLast ?? offset(M), KK = coded.K * coded.K;
      const keep: number[] = [];
      for (let p = 0; p < pc.pi.length; p++) {
        const k = offset(pc.pi[p]) + (pc.pj[p] - pc.pi[p] - 1);
        if (k >= pf && k < pl) keep.push(p);
      }
      const counts = new Float32Array(keep.length * KK);
      keep.forEach((p, q) => counts.set(pc.counts.subarray(p * KK, (p + 1) * KK), q * KK));
      pc = { counts, pi: Uint32Array.from(keep, (p) => pc.pi[p]), pj: Uint32Array.from(keep, (p) => pc.pj[p]) };
    }
    const { pairFirst: _f, pairLast: _l, rowFirst: _a, rowLast: _b, device: _d, ...rest } = raw;
    return binding.preparedFromCounts(h, pc.counts, pc.pi, pc.pj, coded.K, rest);
  }

  async #run(c: { raw: RawMatricesOptions; total: number; device?: DeviceReport }, opts: RunOptions): Promise<RawPairResult[]> {
    const h = this.#h();
    if (c.device?.used === 'gpujs') {
      const r = this.#gpuJs(h, c.raw, c.device);
      if (r) return r;
    }
    return runNative(opts, c.total, (ctl) => binding.preparedMatrices(h, c.raw, ctl, true));
  }

  #runSync(c: { raw: RawMatricesOptions; total: number; device?: DeviceReport }): RawPairResult[] {
    const h = this.#h();
    if (c.device?.used === 'gpujs') {
      const r = this.#gpuJs(h, c.raw, c.device);
      if (r) return r;
    }
    return runNativeSync(() => binding.preparedMatrices(h, c.raw, null, false));
  }

  static #deviceOf(device: DeviceReport | undefined, r: RawPairResult): { device?: DeviceReport } {
    if (!device) return {};
    return { device: device.used === 'cuda' && r.deviceDetail ? { ...device, detail: r.deviceDetail } : { ...device } };
  }

  #dense(measures: readonly ('mi' | 'nmi')[], units: Units, rs: RawPairResult[], device?: DeviceReport): MiMatrix[] {
    const columnEntropy = this.#entropyTable(units);
    return rs.map((r, k) => ({
      names: this.names, size: this.names.length, values: r.values!, rowsUsed: r.rowsUsed!, measure: measures[k], units, columnEntropy, ...PreparedTable.#deviceOf(device, r),
    }));
  }

  #lists(measures: readonly ('mi' | 'nmi')[], units: Units, rs: RawPairResult[], limit: { threshold: number } | { k: number }, device?: DeviceReport): MiPairList[] {
    const columnEntropy = this.#entropyTable(units);
    return rs.map((r, k) => ({
      names: this.names, size: this.names.length, measure: measures[k], units, ...limit, i: r.i!, j: r.j!, value: r.value!, rowsUsed: r.rows!, columnEntropy,
      ...PreparedTable.#deviceOf(device, r),
    }));
  }

  /**
   * Dense MI and/or NMI matrices from ONE histogram pass over every pair (each measure is
   * finalised from the same joint counts). The diagonal holds H(X) (MI) or 1 (NMI).
   * @example
   * const [mi, nmi] = await prepared.matrices(['mi', 'nmi']);
   */
  async matrices(measures: readonly ('mi' | 'nmi')[], opts: PreparedMatrixOptions = {}): Promise<MiMatrix[]> {
    const precision = checkEnum('precision', opts.precision, ['float64', 'float32'] as const) ?? 'float64';
    const c = this.#matrixOptions(measures, opts, { output: precision });
    return this.#dense(measures, c.units, await this.#run(c, opts), c.device);
  }

  /** {@link matrices} on the calling thread (for worker threads; blocks the event loop). */
  matricesSync(measures: readonly ('mi' | 'nmi')[], opts: Omit<PreparedMatrixOptions, 'signal' | 'onProgress'> = {}): MiMatrix[] {
    const precision = checkEnum('precision', opts.precision, ['float64', 'float32'] as const) ?? 'float64';
    const c = this.#matrixOptions(measures, opts, { output: precision });
    return this.#dense(measures, c.units, this.#runSync(c), c.device);
  }

  /** Pairs i < j whose value is above `threshold` (sorted by (i, j)), one list per measure, one pass. */
  async pairsAbove(measures: readonly ('mi' | 'nmi')[], threshold: number, opts: PreparedMatrixOptions = {}): Promise<MiPairList[]> {
    const th = checkNumber('threshold', threshold)!;
    const c = this.#matrixOptions(measures, opts, { output: 'threshold', threshold: th });
    return this.#lists(measures, c.units, await this.#run(c, opts), { threshold: th }, c.device);
  }

  /** {@link pairsAbove} on the calling thread. */
  pairsAboveSync(measures: readonly ('mi' | 'nmi')[], threshold: number, opts: Omit<PreparedMatrixOptions, 'signal' | 'onProgress'> = {}): MiPairList[] {
    const th = checkNumber('threshold', threshold)!;
    const c = this.#matrixOptions(measures, opts, { output: 'threshold', threshold: th });
    return this.#lists(measures, c.units, this.#runSync(c), { threshold: th }, c.device);
  }

  /** Each column's `k` best partners (ties to the lower index), one list per measure, one pass. */
  async topK(measures: readonly ('mi' | 'nmi')[], k: number, opts: PreparedMatrixOptions = {}): Promise<MiPairList[]> {
    const kk = checkRange('k', k)!;
    const c = this.#matrixOptions(measures, opts, { output: 'topk', k: kk });
    return this.#lists(measures, c.units, await this.#run(c, opts), { k: kk }, c.device);
  }

  /** {@link topK} on the calling thread. */
  topKSync(measures: readonly ('mi' | 'nmi')[], k: number, opts: Omit<PreparedMatrixOptions, 'signal' | 'onProgress'> = {}): MiPairList[] {
    const kk = checkRange('k', k)!;
    const c = this.#matrixOptions(measures, opts, { output: 'topk', k: kk });
    return this.#lists(measures, c.units, this.#runSync(c), { k: kk }, c.device);
  }

  /**
   * One pair on its complete rows: H(X), H(Y), H(X,Y), MI and NMI (entropies and MI in `units`).
   */
  pair(x: Column, y: Column, opts: { units?: Units; normalization?: Normalization } = {}): { hx: number; hy: number; hxy: number; mi: number; nmi: number; rowsUsed: number } {
    const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
    const normalization = checkEnum('normalization', opts.normalization, NORMS);
    const i = this.#index(x, 'x'), j = this.#index(y, 'y');
    const h = this.#h();
    const r = runNativeSync(() => binding.preparedPair(h, i, j, { units, ...(normalization ? { normalization } : {}) }));
    const u = units === 'bits' ? 1 / Math.LN2 : 1;
    return { hx: r.hx * u, hy: r.hy * u, hxy: r.hxy * u, mi: r.mi, nmi: r.nmi, rowsUsed: r.rowsUsed };
  }

  /** Column `c`'s codes (−1 = missing) and bins, for statistics computed on codes (conditional MI). */
  codes(c: Column): Coded {
    const i = this.#index(c, 'codes');
    const h = this.#h();
    return { codes: binding.preparedCodes(h, i), levels: this.#entropy.levels[i] };
  }

  /**
   * Plug-in conditional MI I(X; Y | Z) = H(X,Z) + H(Y,Z) − H(X,Y,Z) − H(Z) on the rows where all
   * three are present, from the prepared codes.
   */
  conditionalMi(x: Column, y: Column, z: Column, units: Units = 'bits'): { value: number; rowsUsed: number } {
    const cx = this.codes(x), cy = this.codes(y), cz = this.codes(z);
    const { codes, rows } = completeRows([cx, cy, cz]);
    const f = checkEnum('units', units, ['bits', 'nats'] as const) === 'bits' ? 1 / Math.LN2 : 1;
    return { value: rows ? cmiOfCompact(codes[0], codes[1], codes[2], cx.levels, cy.levels, cz.levels) * f : NaN, rowsUsed: rows };
  }

  #resample(x: Column, y: Column, mode: 'bootstrap' | 'permutation', count: number, o: PreparedResampleOptions) {
    const raw = {
      x: this.#index(x, 'x'), y: this.#index(y, 'y'), mode, count,
      block: checkInt('block', o.block, 1) ?? 1, seed: checkInt('seed', o.seed, 0) ?? 0,
      ...(o.threads !== undefined ? { threads: checkRange('threads', o.threads) } : {}),
    };
    const units = checkEnum('units', o.units, ['bits', 'nats'] as const) ?? 'bits';
    return { raw, units, f: units === 'bits' ? 1 / Math.LN2 : 1 };
  }

  #draws(r: RawResampled, units: Units, f: number): Draws {
    return { observed: r.observed * f, draws: r.draws.map((v) => v * f), rowsUsed: r.rowsUsed, ...(r.p !== undefined ? { p: r.p } : {}), units };
  }

  /**
   * Bootstrap replicates of binned MI of a pair (rows, or circular blocks of `block` rows, drawn
   * with replacement from the complete rows), off the main thread.
   */
  async bootstrap(x: Column, y: Column, replicates = 1000, opts: PreparedResampleOptions = {}): Promise<Draws> {
    const count = checkRange('replicates', replicates)!;
    const c = this.#resample(x, y, 'bootstrap', count, opts);
    const h = this.#h();
    return this.#draws(await runNative({ signal: opts.signal }, 0, () => binding.preparedResample(h, c.raw, null, true)), c.units, c.f);
  }

  /** {@link bootstrap} on the calling thread. */
  bootstrapSync(x: Column, y: Column, replicates = 1000, opts: Omit<PreparedResampleOptions, 'signal'> = {}): Draws {
    const count = checkRange('replicates', replicates)!;
    const c = this.#resample(x, y, 'bootstrap', count, opts);
    const h = this.#h();
    return this.#draws(runNativeSync(() => binding.preparedResample(h, c.raw, null, false)), c.units, c.f);
  }

  /** Permutation null of binned MI of a pair (rows, or circular blocks) and its p-value, off the main thread. */
  async permutation(x: Column, y: Column, permutations = 999, opts: PreparedResampleOptions = {}): Promise<Draws> {
    const count = checkRange('permutations', permutations)!;
    const c = this.#resample(x, y, 'permutation', count, opts);
    const h = this.#h();
    return this.#draws(await runNative({ signal: opts.signal }, 0, () => binding.preparedResample(h, c.raw, null, true)), c.units, c.f);
  }

  /** {@link permutation} on the calling thread. */
  permutationSync(x: Column, y: Column, permutations = 999, opts: Omit<PreparedResampleOptions, 'signal'> = {}): Draws {
    const count = checkRange('permutations', permutations)!;
    const c = this.#resample(x, y, 'permutation', count, opts);
    const h = this.#h();
    return this.#draws(runNativeSync(() => binding.preparedResample(h, c.raw, null, false)), c.units, c.f);
  }
}

function prepareCall(input: TableInput, opts: PrepareOptions) {
  if (opts === null || typeof opts !== 'object') badOption('options', 'an object', opts);
  const t = prepareTable(input, opts);
  const { units: _u, measure: _m, normalization: _n, ...bin } = rawInfoOptions(opts);
  const raw = { ...bin, threads: rawRunOptions(opts).threads };
  return { t, raw, cols: rawColumns(t) };
}

/**
 * Bins a table once, natively, off the main thread, and returns the {@link PreparedTable} that
 * owns the codes. Rejects with the column named when a column cannot be binned.
 * @example
 * const p = await prepare(table, { bins: 16 });
 * try { const [mi, nmi] = await p.matrices(['mi', 'nmi']); } finally { p.dispose(); }
 */
export async function prepare(input: TableInput, opts: PrepareOptions = {}): Promise<PreparedTable> {
  const c = prepareCall(input, opts);
  const r = await runNative(opts, 0, (ctl) => binding.prepare(c.cols, c.t.names, c.raw, ctl, true));
  return new PreparedTable(r.handle, c.t.names, c.t.rows, r);
}

/** {@link prepare} on the calling thread. */
export function prepareSync(input: TableInput, opts: Omit<PrepareOptions, 'signal'> = {}): PreparedTable {
  const c = prepareCall(input, opts);
  const r = runNativeSync(() => binding.prepare(c.cols, c.t.names, c.raw, null, false));
  return new PreparedTable(r.handle, c.t.names, c.t.rows, r);
}

/** Runs `fn` on a freshly prepared table and disposes it afterwards (the one-shot functions). @internal */
export async function withPrepared<T>(input: TableInput, opts: PrepareOptions, fn: (p: PreparedTable) => Promise<T>): Promise<T> {
  const p = await prepare(input, opts);
  try {
    return await fn(p);
  } finally {
    p.dispose();
  }
}

/** {@link withPrepared} on the calling thread. @internal */
export function withPreparedSync<T>(input: TableInput, opts: Omit<PrepareOptions, 'signal'>, fn: (p: PreparedTable) => T): T {
  const p = prepareSync(input, opts);
  try {
    return fn(p);
  } finally {
    p.dispose();
  }
}
