/**
 * The baselines KIMetrix is compared with (same inputs, same subset sizes): SelectKBest and mRMR,
 * supervised by an anomaly label, and the unsupervised max-weight clique over the "MI ≤ ε" graph
 * with entropy weights (exact branch and bound, with a time cap that is reported when hit).
 */
import { badOption } from '../errors.js';
import { mutualInformation, type InfoOptions } from '../estimators/binned.js';
import type { ColumnTable } from '../table.js';

type Matrix = { size: number; values: ArrayLike<number> };

/** MI (bits) of every column with a label series, on pairwise-complete rows. */
export function relevanceTo(table: ColumnTable, label: ArrayLike<number>, opts: InfoOptions = {}): Float64Array {
  return Float64Array.from(table.columns, (c) => {
    if (c.chunks.length !== 1) throw new RangeError('relevanceTo expects single-chunk columns');
    return mutualInformation(c.chunks[0].values, label, opts).value;
  });
}

function checkK(k: number, n: number): number {
  if (!Number.isInteger(k) || k < 0) badOption('k', 'an integer ≥ 0', k);
  return Math.min(k, n);
}

/** SelectKBest: the k metrics with the highest relevance (NaN last; ties to the lower index). */
export function selectKBest(relevance: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: relevance.length }, (_, i) => i);
  const score = (i: number) => (Number.isNaN(relevance[i]) ? -Infinity : relevance[i]);
  idx.sort((a, b) => score(b) - score(a) || a - b);
  return idx.slice(0, checkK(k, idx.length));
}

/**
 * mRMR (MID form): greedily adds the metric maximising relevance − mean MI with those already
 * chosen, starting from the most relevant. Ties go to the lower index.
 */
export function mrmr(relevance: ArrayLike<number>, mi: Matrix, k: number): number[] {
  const n = relevance.length;
  const kk = checkK(k, n);
  const chosen: number[] = [];
  const redundancySum = new Float64Array(n);
  const used = new Uint8Array(n);
  while (chosen.length < kk) {
    let best = -1, bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      if (used[i] || Number.isNaN(relevance[i])) continue;
      const s = relevance[i] - (chosen.length ? redundancySum[i] / chosen.length : 0);
      if (s > bestScore) { best = i; bestScore = s; }
    }
    if (best < 0) break;
    used[best] = 1;
    chosen.push(best);
    for (let i = 0; i < n; i++) redundancySum[i] += mi.values[i * mi.size + best];
  }
  return chosen;
}

export interface CliqueResult {
  /** Vertex indices of the best clique found, ascending. */
  clique: number[];
  weight: number;
  /** False when the time cap stopped the search before it proved the clique optimal. */
  optimal: boolean;
}

/**
 * Maximum-weight clique of the graph on `vertices` where i ~ j iff MI(i, j) ≤ eps, weights H
 * (the paper's reduction target). Branch and bound: vertices by weight, a greedy colouring bound
 * (a colour class holds at most one clique vertex, so Σ max weight per class bounds the rest).
 */
export function maxWeightClique(weights: ArrayLike<number>, mi: Matrix, eps: number, vertices: number[], timeLimitMs = 10_000): CliqueResult {
  const order = [...vertices].sort((a, b) => weights[b] - weights[a] || a - b);
  const adj = (a: number, b: number) => mi.values[a * mi.size + b] <= eps;
  const deadline = performance.now() + timeLimitMs;
  let best: number[] = [];
  let bestW = 0;
  let stopped = false;
  let steps = 0;

  // Colouring bound of candidate set P (in order): Σ over greedy colour classes of their max weight.
  const bound = (P: number[]): number => {
    const classes: number[][] = [];
    let total = 0;
    for (const v of P) {
      const cls = classes.find((c) => c.every((u) => !adj(u, v)));
      if (cls) cls.push(v);
      else { classes.push([v]); total += weights[v]; }  // P is by weight: a class's first is its max
    }
    return total;
  };
  const expand = (R: number[], rW: number, P: number[]) => {
    if ((++steps & 1023) === 0 && performance.now() > deadline) stopped = true;
    if (stopped) return;
    if (rW > bestW) { best = [...R]; bestW = rW; }
    if (P.length === 0 || rW + bound(P) <= bestW) return;
    for (let k = 0; k < P.length && !stopped; k++) {
      const v = P[k];
      const rest = P.slice(k + 1);
      let restW = 0;
      for (const u of rest) restW += weights[u];
      if (rW + weights[v] + restW <= bestW) break;  // even taking every later vertex cannot win
      expand([...R, v], rW + weights[v], rest.filter((u) => adj(u, v)));
    }
  };
  expand([], 0, order.filter((v) => weights[v] > 0));
  return { clique: best.sort((a, b) => a - b), weight: bestW, optimal: !stopped };
}
