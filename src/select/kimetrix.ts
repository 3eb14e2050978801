/**
 * KIMetrix (../shared/KIMETRIX.md): per-service greedy selection by entropy under an MI redundancy
 * threshold ε (Algorithm 1), made topology-aware with levels, pivots and path probabilities
 * (Algorithm 2), with ε tuned by AIMD and every subset scored by coverage (Algorithm 3).
 * All MI and entropy values come from matrices computed once; nothing is re-estimated in the loops.
 *
 * Direction: a candidate is dropped when its MI with a kept metric exceeds ε, so a LARGER ε keeps
 * MORE metrics. The AIMD log shows what each step did to the size.
 */
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import type { Topology } from './topology.js';

/** The precomputed inputs: metric names, their services, entropies and the MI matrix (bits). */
export interface SelectionData {
  names: string[];
  /** Service of each metric. */
  service: string[];
  /** H of each metric (bits); metrics with H = 0 (or NaN) are never chosen. */
  entropy: ArrayLike<number>;
  /** MI matrix, row-major size × size, same units as ε. */
  mi: { size: number; values: ArrayLike<number> };
}

/** Candidates of one service: metric indices with H > 0, by entropy (highest first), ties by name. */
export function candidates(data: SelectionData, members: number[]): number[] {
  return members
    .filter((i) => data.entropy[i] > 0)
    .sort((a, b) => data.entropy[b] - data.entropy[a] || (data.names[a] < data.names[b] ? -1 : data.names[a] > data.names[b] ? 1 : 0));
}

/**
 * Algorithm 1: greedy by entropy. Starts from the highest-entropy candidate when the pivot is
 * empty; a candidate is skipped when its MI with any kept or pivot metric exceeds `eps`.
 * `ordered` must come from {@link candidates}.
 */
export function selectService(data: SelectionData, ordered: number[], pivot: number[], eps: number): number[] {
  const { size, values } = data.mi;
  const kept: number[] = [];
  const redundant = (c: number, with_: number[]) => with_.some((k) => values[c * size + k] > eps);
  for (const c of ordered) {
    if (kept.length === 0 && pivot.length === 0) {
      kept.push(c);
      continue;
    }
    if (!redundant(c, kept) && !redundant(c, pivot)) kept.push(c);
  }
  return kept;
}

export interface Selection {
  /** Chosen metric indices, ascending. */
  selected: number[];
  /** Service → chosen metric indices. */
  byService: Map<string, number[]>;
}

/** Metric indices grouped by service, once per data set. */
export function groupByService(data: SelectionData): Map<string, number[]> {
  const g = new Map<string, number[]>();
  data.service.forEach((s, i) => {
    if (!g.has(s)) g.set(s, []);
    g.get(s)!.push(i);
  });
  return g;
}

/**
 * Algorithm 2: services in topological order; roots by Algorithm 1 with no pivot; every other
 * service with the pivot of all lower levels' choices, once per distinct path threshold ε / P(ρ),
 * the union of those choices being the service's subset.
 */
export function selectTopology(data: SelectionData, topo: Topology, eps: number, ordered: Map<string, number[]>): Selection {
  const byService = new Map<string, number[]>();
  const byLevel = new Map<number, number[]>();
  for (const s of topo.order) {
    const cands = ordered.get(s);
    if (!cands || cands.length === 0) continue;
    const lvl = topo.level.get(s) ?? 0;
    const pivot: number[] = [];
    for (const [l, chosen] of byLevel) if (l < lvl) pivot.push(...chosen);
    let chosen: number[];
    if (topo.roots.includes(s)) {
      chosen = selectService(data, cands, [], eps);
    } else {
      const thresholds = [...new Set((topo.paths.get(s) ?? []).map((p) => (p.probability > 0 ? eps / p.probability : Infinity)))];
      const union = new Set<number>();
      for (const e of thresholds.sort((a, b) => a - b)) for (const c of selectService(data, cands, pivot, e)) union.add(c);
      chosen = cands.filter((c) => union.has(c));
    }
    byService.set(s, chosen);
    if (!byLevel.has(lvl)) byLevel.set(lvl, []);
    byLevel.get(lvl)!.push(...chosen);
  }
  return { selected: [...byService.values()].flat().sort((a, b) => a - b), byService };
}

/** "Flat" mode: Algorithm 1 over all metrics at once, no pivot (the paper's comparison). */
export function selectFlat(data: SelectionData, eps: number, all: number[]): Selection {
  const chosen = selectService(data, all, [], eps);
  const byService = new Map<string, number[]>();
  for (const c of chosen) {
    const s = data.service[c];
    if (!byService.has(s)) byService.set(s, []);
    byService.get(s)!.push(c);
  }
  return { selected: [...chosen].sort((a, b) => a - b), byService };
}

/**
 * Coverage C(Γ): the share of `universe` that is chosen or has a chosen metric with
 * redundancy > θ (normalised MI or |r|, a symmetric size × size matrix in [0, 1]).
 */
export function coverage(selected: number[], redundancy: { size: number; values: ArrayLike<number> }, theta: number, universe: number[]): number {
  if (universe.length === 0) return NaN;
  const { size, values } = redundancy;
  const chosen = new Set(selected);
  let covered = 0;
  for (const u of universe) {
    if (chosen.has(u) || selected.some((c) => Math.abs(values[u * size + c]) > theta)) covered++;
  }
  return covered / universe.length;
}

export interface AimdOptions {
  /** Seed ε0 (default 0.5, the paper's). */
  epsilon0?: number;
  /** Multiplicative decrease α in (0, 1) (default 0.4). */
  alpha?: number;
  /** Additive increase β > 0 (default 0.005). */
  beta?: number;
  /** Iterations η ≥ 1 (default 100). */
  iterations?: number;
  /** Size tolerance τ ≥ 0 (default 1: sizes equal). */
  tolerance?: number;
  /**
   * Compare the new size with the previous one (`previous`, default) or with every earlier one,
   * |σ| included (`all`, the paper's wording; with |σ| in the list it decreases ε on every step
   * unless τ is large).
   */
  compare?: 'all' | 'previous';
  /** Coverage threshold θ in [0, 1] (default 0.1). */
  theta?: number;
}

export interface AimdStep {
  iteration: number;
  epsilon: number;
  size: number;
  coverage: number;
  /** What this step does to ε next: additive increase or multiplicative decrease. */
  next: 'increase' | 'decrease';
}

export interface AimdResult extends Selection {
  epsilon: number;
  coverage: number;
  log: AimdStep[];
}

function checkRange(name: string, v: number, ok: boolean, what: string): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok) badOption(name, what, v);
  return v;
}

/**
 * Algorithm 3: AIMD on ε. Each iteration selects with ε, records (ε, size, coverage), then
 * increases ε by β if the size is within τ of every compared earlier size, else multiplies it by α.
 * Returns the smallest subset among those with the highest coverage, and the whole log.
 */
export function tuneEpsilon(
  select: (eps: number) => Selection,
  redundancy: { size: number; values: ArrayLike<number> },
  universe: number[],
  total: number,
  opts: AimdOptions = {},
): AimdResult {
  const eps0 = checkRange('epsilon0', opts.epsilon0 ?? 0.5, (opts.epsilon0 ?? 0.5) > 0, 'a number > 0');
  const alpha = checkRange('alpha', opts.alpha ?? 0.4, (opts.alpha ?? 0.4) > 0 && (opts.alpha ?? 0.4) < 1, 'a number in (0, 1)');
  const beta = checkRange('beta', opts.beta ?? 0.005, (opts.beta ?? 0.005) > 0, 'a number > 0');
  const iterations = opts.iterations ?? 100;
  if (!Number.isInteger(iterations) || iterations < 1) badOption('iterations', 'an integer ≥ 1', iterations);
  const tau = checkRange('tolerance', opts.tolerance ?? 1, (opts.tolerance ?? 1) >= 0, 'a number ≥ 0');
  const theta = checkRange('theta', opts.theta ?? 0.1, (opts.theta ?? 0.1) >= 0 && (opts.theta ?? 0.1) <= 1, 'a number in [0, 1]');
  const compare = opts.compare ?? 'previous';
  if (compare !== 'all' && compare !== 'previous') badOption('compare', 'all or previous', compare);

  const sizes = [total];
  const log: AimdStep[] = [];
  let best: (Selection & { epsilon: number; coverage: number }) | undefined;
  let eps = eps0;
  for (let it = 0; it < iterations; it++) {
    const sel = select(eps);
    const size = sel.selected.length;
    const cov = coverage(sel.selected, redundancy, theta, universe);
    const compared = compare === 'all' ? sizes : [sizes[sizes.length - 1]];
    const stable = compared.every((s) => Math.abs(size - s) < tau);
    log.push({ iteration: it, epsilon: eps, size, coverage: cov, next: stable ? 'increase' : 'decrease' });
    if (!best || cov > best.coverage || (cov === best.coverage && size < best.selected.length)) best = { ...sel, epsilon: eps, coverage: cov };
    eps = stable ? eps + beta : eps * alpha;
    sizes.push(size);
  }
  if (!best) throw new MetricsiftError('AIMD ran no iteration', ErrorCode.INTERNAL);
  return { ...best, log };
}
