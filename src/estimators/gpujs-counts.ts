/**
 * Joint counts of binned column pairs on gpu.js: for each pair (i, j) the K×K histogram of its
 * codes where both are present, as float32 sums of 0/1 — exact integers below 2^24 rows. The CPU
 * finalises them (binding.miFromCounts), so values equal the CPU kernels' byte for byte.
 */
import type { GpuInstance, GpuJs, GpuKernel } from '../device.js';

/** Rows above which float32 sums of ones stop being exact: the gpu.js path refuses them. */
export const GPUJS_MAX_ROWS = 2 ** 24;

export interface PairCounts {
  /** counts[p·K² + a·K + b]: rows where column pi[p] has code a and pj[p] has code b. */
  counts: Float32Array;
  pi: Uint32Array;
  pj: Uint32Array;
}

/**
 * Counts every pair i < j with i in [rowFirst, rowLast) of M coded columns (column c at
 * codes[c·n, (c+1)·n), code K = missing), in tiles of B × B columns so that each tile's arrays and
 * index arithmetic stay below 2^24 elements (float32 indices in the shaders).
 */
export function gpuJsPairCounts(g: GpuJs, codes: Float32Array, M: number, n: number, K: number, rowFirst: number, rowLast: number): PairCounts {
  const B = Math.max(1, Math.min(32, Math.floor(GPUJS_MAX_ROWS / n), Math.floor(GPUJS_MAX_ROWS / (K * K))));
  const KK = K * K;
  let total = 0;
  for (let i = rowFirst; i < Math.min(rowLast, M); i++) total += M - 1 - i;
  const out: PairCounts = { counts: new Float32Array(total * KK), pi: new Uint32Array(total), pj: new Uint32Array(total) };
  if (total === 0) return out;
  const gpu: GpuInstance = new g.GPU();
  // One kernel for every tile: the output is always B² pairs (padded with pair (0, 0), ignored).
  const kernel: GpuKernel = gpu.createKernel(
    function (this: { thread: { x: number; y: number }; constants: { n: number; K: number } }, ci: Float32Array, cj: Float32Array, li: Float32Array, lj: Float32Array) {
      const cell = this.thread.x;
      const p = this.thread.y;
      const a = Math.floor(cell / this.constants.K);
      const b = cell - a * this.constants.K;
      const xi = li[p] * this.constants.n;
      const yj = lj[p] * this.constants.n;
      let c = 0;
      for (let t = 0; t < this.constants.n; t++) {
        if (ci[xi + t] === a && cj[yj + t] === b) c += 1;
      }
      return c;
    } as unknown as (...args: never[]) => number,
    { output: [KK, B * B], constants: { n, K }, loopMaxIterations: n, precision: 'single', tactic: 'precision' },
  );
  try {
    const ci = new Float32Array(B * n);
    const cj = new Float32Array(B * n);
    const li = new Float32Array(B * B);
    const lj = new Float32Array(B * B);
    let at = 0;
    for (let r0 = Math.floor(rowFirst / B) * B; r0 < Math.min(rowLast, M); r0 += B) {
      for (let c0 = r0; c0 < M; c0 += B) {
        li.fill(0);
        lj.fill(0);
        let p = 0;
        const pairs: [number, number][] = [];
        for (let i = Math.max(r0, rowFirst); i < Math.min(r0 + B, rowLast, M); i++) {
          for (let j = Math.max(c0, i + 1); j < Math.min(c0 + B, M); j++) {
            li[p] = i - r0;
            lj[p] = j - c0;
            pairs.push([i, j]);
            p++;
          }
        }
        if (p === 0) continue;
        ci.fill(K);
        cj.fill(K);
        for (let k = 0; k < B && r0 + k < M; k++) ci.set(codes.subarray((r0 + k) * n, (r0 + k + 1) * n), k * n);
        for (let k = 0; k < B && c0 + k < M; k++) cj.set(codes.subarray((c0 + k) * n, (c0 + k + 1) * n), k * n);
        const res = kernel(ci, cj, li, lj) as Float32Array[];
        for (let q = 0; q < p; q++) {
          out.counts.set(res[q].subarray(0, KK), (at + q) * KK);
          out.pi[at + q] = pairs[q][0];
          out.pj[at + q] = pairs[q][1];
        }
        at += p;
      }
    }
    return out;
  } finally {
    kernel.destroy?.();
    void gpu.destroy();
  }
}
