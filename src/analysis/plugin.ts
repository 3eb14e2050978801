/**
 * The plug-in information engine over integer codes (./coding.ts), in TypeScript for what the
 * native kernels do not cover: conditional MI, transfer entropy and categorical columns with more
 * categories than bins. H = ln N − Σ c·ln c / N, counted densely or over sorted keys; MI and CMI as
 * sums of joint entropies. The CMI resampling draws run on the native resampling engine.
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { type Estimate, type InfoOptions, type Series } from '../estimators/binned.js';
import { checkEnum, defaultThreads } from '../estimators/run.js';
import { binding } from '../native.js';
import { binCodes, completeRows, type Coded } from './coding.js';
import { unitFactor } from './units.js';

/** Cells up to which joint counts use a dense array; above, sorted keys. */
const DENSE_CELLS = 1 << 21;

/**
 * Plug-in entropy (nats) of the joint variable whose cell of row r is `keys[r]` in [0, cells):
 * H = ln N − Σ c·ln c / N. Also the number of occupied cells (for Miller–Madow).
 */
export function entropyOfKeys(keys: ArrayLike<number>, cells: number): { h: number; occupied: number } {
  const n = keys.length;
  if (n === 0) return { h: NaN, occupied: 0 };
  let s = 0, occupied = 0;
  if (cells <= DENSE_CELLS) {
    const counts = new Uint32Array(cells);
    for (let r = 0; r < n; r++) counts[keys[r]]++;
    for (let k = 0; k < cells; k++) {
      const c = counts[k];
      if (c > 0) { s += c * Math.log(c); occupied++; }
    }
  } else {
    // Many cells (e.g. an identifier against its pseudonym): count runs of sorted keys.
    const sorted = Float64Array.from(keys).sort();
    let run = 1;
    for (let r = 1; r <= n; r++) {
      if (r < n && sorted[r] === sorted[r - 1]) { run++; continue; }
      s += run * Math.log(run);
      occupied++;
      run = 1;
    }
  }
  return { h: Math.max(0, Math.log(n) - s / n), occupied };
}

/** Joint cell index of the listed variables (mixed radix), over aligned complete rows. */
export function jointKeys(codes: Int32Array[], levels: number[]): { keys: Float64Array; cells: number } {
  const n = codes.length ? codes[0].length : 0;
  const keys = new Float64Array(n);
  let cells = 1;
  for (let v = 0; v < codes.length; v++) {
    const c = codes[v], L = Math.max(1, levels[v]);
    for (let r = 0; r < n; r++) keys[r] += cells * c[r];
    cells *= L;
  }
  if (cells > Number.MAX_SAFE_INTEGER) throw new MetricsiftError(`Too many joint cells (${cells}) to count exactly`, ErrorCode.BAD_INPUT);
  return { keys, cells };
}

/** Joint entropy (nats) of the listed variables over aligned complete rows, with Miller–Madow if asked. */
export function jointEntropyNats(codes: Int32Array[], levels: number[], millerMadow = false): number {
  const { keys, cells } = jointKeys(codes, levels);
  const { h, occupied } = entropyOfKeys(keys, cells);
  return millerMadow && keys.length > 0 ? h + (occupied - 1) / (2 * keys.length) : h;
}

/** Plug-in MI (nats) of two coded variables on their complete rows. */
export function mutualInformationNats(x: Coded, y: Coded, millerMadow = false): { value: number; rowsUsed: number } {
  const { codes, rows } = completeRows([x, y]);
  if (rows === 0) return { value: NaN, rowsUsed: 0 };
  const L = [x.levels, y.levels];
  const mi = jointEntropyNats([codes[0]], [L[0]], millerMadow) + jointEntropyNats([codes[1]], [L[1]], millerMadow) - jointEntropyNats(codes, L, millerMadow);
  return { value: millerMadow ? mi : Math.max(0, mi), rowsUsed: rows };
}

/**
 * Plug-in conditional MI (nats) I(X; Y | Z) = H(X,Z) + H(Y,Z) − H(X,Y,Z) − H(Z), every term over
 * the rows where X, Y and Z are all present. Clamped at 0 (rounding only).
 */
export function conditionalMutualInformationNats(x: Coded, y: Coded, z: Coded): { value: number; rowsUsed: number } {
  const { codes, rows } = completeRows([x, y, z]);
  if (rows === 0) return { value: NaN, rowsUsed: 0 };
  return { value: cmiOfCompact(codes[0], codes[1], codes[2], x.levels, y.levels, z.levels), rowsUsed: rows };
}

/**
 * Binned conditional mutual information I(X; Y | Z) = H(X,Z) + H(Y,Z) − H(X,Y,Z) − H(Z), plug-in,
 * each series binned as `discretize` does, over the rows where all three are present.
 * @example
 * conditionalMutualInformation(cpu, latency, load, { bins: 8 }); // { value: bits, rowsUsed }
 */
export function conditionalMutualInformation(x: Series, y: Series, z: Series, opts: Omit<InfoOptions, 'millerMadow'> = {}): Estimate {
  const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
  const { units: _u, ...bin } = opts;
  const r = conditionalMutualInformationNats(binCodes(x, bin), binCodes(y, bin), binCodes(z, bin));
  return { value: r.value * unitFactor(units), rowsUsed: r.rowsUsed };
}

/** CMI (nats) of aligned complete-row codes. */
export function cmiOfCompact(x: Int32Array, y: Int32Array, z: Int32Array, lx: number, ly: number, lz: number): number {
  lx = Math.max(1, lx); ly = Math.max(1, ly); lz = Math.max(1, lz);
  const n = x.length;
  if (lx * ly * lz <= DENSE_CELLS) {
    // One pass into the X×Y×Z count cube, the marginals summed from it: the resampling loops call this.
    const cube = new Uint32Array(lx * ly * lz);
    for (let r = 0; r < n; r++) cube[(z[r] * ly + y[r]) * lx + x[r]]++;
    let sxyz = 0, sxz = 0, syz = 0, sz = 0;
    const xz = new Float64Array(lx);
    for (let c = 0; c < lz; c++) {
      xz.fill(0);
      let zc = 0;
      for (let b = 0; b < ly; b++) {
        let yzc = 0;
        const row = (c * ly + b) * lx;
        for (let a = 0; a < lx; a++) {
          const k = cube[row + a];
          if (k > 0) { sxyz += k * Math.log(k); yzc += k; xz[a] += k; }
        }
        if (yzc > 0) { syz += yzc * Math.log(yzc); zc += yzc; }
      }
      for (let a = 0; a < lx; a++) if (xz[a] > 0) sxz += xz[a] * Math.log(xz[a]);
      if (zc > 0) sz += zc * Math.log(zc);
    }
    // H(X,Z) + H(Y,Z) − H(X,Y,Z) − H(Z): the ln N terms cancel.
    return Math.max(0, (sxyz + sz - sxz - syz) / n);
  }
  const v = jointEntropyNats([x, z], [lx, lz]) + jointEntropyNats([y, z], [ly, lz]) - jointEntropyNats([x, y, z], [lx, ly, lz]) - jointEntropyNats([z], [lz]);
  return Math.max(0, v);
}

/**
 * Circular-block bootstrap of the CMI (nats) of aligned complete-row codes: `replicates` draws of
 * n rows in blocks of `block` (1: rows), on the native resampling engine (one generator per draw,
 * seeded from `seed` and the draw, so the draws do not depend on the thread count).
 */
export function cmiBlockBootstrap(x: Int32Array, y: Int32Array, z: Int32Array, L: [number, number, number], replicates: number, block: number, seed: number): Float64Array {
  return binding.cmiResample(x, y, z, { la: L[0], lb: L[1], lc: L[2], mode: 'bootstrap', count: replicates, block, seed, threads: defaultThreads() }, false).draws;
}

/**
 * Permutation null of the CMI (nats) of aligned complete-row codes against conditional
 * independence: `x` shuffled within each stratum of `z`, on the native resampling engine; `p` by
 * its one rule (see `permutationP`).
 */
export function cmiStratifiedNull(x: Int32Array, y: Int32Array, z: Int32Array, L: [number, number, number], permutations: number, seed: number): { null: Float64Array; p: number } {
  const r = binding.cmiResample(x, y, z, { la: L[0], lb: L[1], lc: L[2], mode: 'stratified', count: permutations, seed, threads: defaultThreads() }, false);
  return { null: r.draws, p: r.p! };
}
