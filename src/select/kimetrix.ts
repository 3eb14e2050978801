/**
 * KIMetrix (../shared/KIMETRIX.md): per-service greedy selection by entropy under a redundancy
 * threshold ε on a normalised scale (Algorithm 1), made topology-aware with levels, pivots and path probabilities
 * (Algorithm 2), with ε tuned by AIMD and every subset scored by coverage (Algorithm 3).
 * All MI and entropy values come from matrices computed once; nothing is re-estimated in the loops.
 *
 * Direction: a candidate is dropped when its redundancy with a kept metric exceeds ε, so a LARGER ε keeps
 * MORE metrics. The AIMD log shows what each step did to the size.
 */
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { SELECT_DEFAULTS } from './defaults.js';
import type { Topology } from './topology.js';

/**
 * The precomputed inputs: metric names, their services, entropies and the normalised redundancy
 * matrix (one scale for every pair, so one ε means the same everywhere).
 */
export interface SelectionData {
  names: string[];
  /** Service of each metric. */
  service: string[];
  /** H of each metric (bits); metrics with H = 0 (or NaN) are never chosen. */
  entropy: ArrayLike<number>;
  /** Normalised redundancy in [0, 1] (NMI by default), row-major size × size; ε is on this scale. */
  redundancy: { size: number; values: ArrayLike<number> };
  /**
   * Two metrics with redundancy at or above this are never both kept, whatever ε or the path
   * loosening allows (default 0.95; `Infinity` turns the bound off, the paper's letter).
   */
  duplicateBound?: number;
}

/** Candidates of one service: metric indices with H > 0, by entropy (highest first), ties by name. */
export function candidates(data: SelectionData, members: number[]): number[] {
  return members
    .filter((i) => data.entropy[i] > 0)
    .sort((a, b) => data.entropy[b] - data.entropy[a] || (data.names[a] < data.names[b] ? -1 : data.names[a] > data.names[b] ? 1 : 0));
}

/**
 * Collects, during one selection at ε, the smallest ε' > ε at which some decision would flip: the
 * selection is the same for every ε in [ε, ε'), which is what makes the size/coverage curve exact.
 */
export interface SweepTracker {
  next: number;
}

export interface ServiceOptions {
  /**
   * P(ρ) of the path this run serves: a pair is redundant when redundancy · P(ρ) > ε, i.e. the
   * paper's ε / P(ρ) without the division (so the flip point ε' = redundancy · P(ρ) is exact).
   */
  probability?: number;
  tracker?: SweepTracker;
}

/**
 * Algorithm 1: greedy by entropy. Starts from the highest-entropy candidate when the pivot is
 * empty; a candidate is skipped when its redundancy with any kept or pivot metric exceeds `eps`
 * (loosened by the path probability) or reaches the duplicate bound. `ordered` must come from
 * {@link candidates}.
 */
export function selectService(data: SelectionData, ordered: number[], pivot: number[], eps: number, opts: ServiceOptions = {}): number[] {
  const { size, values } = data.redundancy;
  const dup = data.duplicateBound ?? 0.95;
  const p = opts.probability ?? 1;
  const tracker = opts.tracker;
  const kept: number[] = [];
  // Worst redundancy of c with a list; -1 when a duplicate is found (never kept, at any ε).
  const worstWith = (row: number, list: number[], worst: number): number => {
    for (const k of list) {
      const v = values[row + k];
      if (v >= dup) return -1;
      if (v > worst) {
        worst = v;
        if (!tracker && v * p > eps) return worst;  // redundant already; the exact maximum only matters to the sweep
      }
    }
    return worst;
  };
  for (const c of ordered) {
    if (kept.length === 0 && pivot.length === 0) {
      kept.push(c);
      continue;
    }
    const row = c * size;
    let worst = worstWith(row, pivot, 0);
    if (worst >= 0) worst = worstWith(row, kept, worst);
    if (worst < 0) continue;
    if (worst * p > eps) {
      if (tracker && worst * p < tracker.next) tracker.next = worst * p;
      continue;
    }
    kept.push(c);
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
 * service with the pivot of all lower levels' choices, once per distinct path probability
 * (threshold ε / P(ρ)), the union of those choices being the service's subset. `forced` metrics
 * (`keep`) are kept in their service and are pivots for every service; they must not be in `ordered`.
 */
export function selectTopology(
  data: SelectionData, topo: Topology, eps: number, ordered: Map<string, number[]>, forced: number[] = [], tracker?: SweepTracker,
  cache?: TopologyCache,
): Selection {
  const byService = new Map<string, number[]>();
  const byLevel = new Map<number, number[]>();
  const forcedBy = groupForced(data, forced);
  const forcedSet = new Set(forced);
  const partners = duplicatePartners(data);
  const taken = new Set<number>(forced);
  for (const s of topo.order) {
    const cands = ordered.get(s) ?? [];
    const own = forcedBy.get(s) ?? [];
    if (cands.length === 0 && own.length === 0) continue;
    const lvl = topo.level.get(s) ?? 0;
    const pivot: number[] = [...forced];
    for (const [l, chosen] of byLevel) if (l < lvl) pivot.push(...chosen);
    let chosen: number[];
    // A service's choice depends only on ε and its pivot: during a sweep it holds until its own next flip.
    const key = cache ? pivot.join(',') : '';
    const hit = cache?.get(s);
    if (hit && tracker && hit.key === key && hit.from <= eps && eps < hit.next) {
      chosen = hit.chosen;
      if (hit.next < tracker.next) tracker.next = hit.next;
    } else {
      const local = tracker ? { next: Infinity } : undefined;
      if (topo.roots.includes(s)) {
        chosen = selectService(data, cands, pivot, eps, { tracker: local });
      } else {
        const probabilities = [...new Set((topo.paths.get(s) ?? []).map((p) => p.probability))];
        const union = new Set<number>();
        for (const p of probabilities) for (const c of selectService(data, cands, pivot, eps, { probability: p, tracker: local })) union.add(c);
        chosen = cands.filter((c) => union.has(c));
      }
      chosen = [...own, ...chosen];
      if (local) {
        if (local.next < tracker!.next) tracker!.next = local.next;
        cache?.set(s, { key, from: eps, next: local.next, chosen });
      }
    }
    // The duplicate bound holds across services too: same-level services do not see each other
    // through pivots, and the union over paths can join two copies. Entropy order decides.
    const accepted: number[] = [];
    for (const c of chosen) {
      if (!forcedSet.has(c) && partners[c].some((d) => taken.has(d))) continue;
      accepted.push(c);
      taken.add(c);
    }
    chosen = accepted;
    byService.set(s, chosen);
    if (!byLevel.has(lvl)) byLevel.set(lvl, []);
    byLevel.get(lvl)!.push(...chosen.filter((c) => !own.includes(c)));
  }
  return { selected: [...byService.values()].flat().sort((a, b) => a - b), byService };
}

const partnerCache = new WeakMap<object, number[][]>();

/** For each metric, the metrics whose redundancy with it reaches the duplicate bound (sparse; cached per matrix and bound). */
function duplicatePartners(data: SelectionData): number[][] {
  const dup = data.duplicateBound ?? 0.95;
  const key = data.redundancy as object;
  const hit = partnerCache.get(key) as (number[][] & { bound?: number }) | undefined;
  if (hit && hit.bound === dup) return hit;
  const { size, values } = data.redundancy;
  const out: number[][] & { bound?: number } = Array.from({ length: size }, () => []);
  for (let i = 0; i < size; i++) {
    if (!(data.entropy[i] > 0)) continue;
    for (let j = 0; j < size; j++) if (j !== i && data.entropy[j] > 0 && values[i * size + j] >= dup) out[i].push(j);
  }
  out.bound = dup;
  partnerCache.set(key, out);
  return out;
}

/** Per-service results kept between the steps of an ε sweep (see {@link selectTopology}). */
export type TopologyCache = Map<string, { key: string; from: number; next: number; chosen: number[] }>;

function groupForced(data: SelectionData, forced: number[]): Map<string, number[]> {
  const g = new Map<string, number[]>();
  for (const f of forced) {
    const s = data.service[f];
    if (!g.has(s)) g.set(s, []);
    g.get(s)!.push(f);
  }
  return g;
}

/** "Flat" mode: Algorithm 1 over all metrics at once, no pivot but the `forced` ones (the paper's comparison). */
export function selectFlat(data: SelectionData, eps: number, all: number[], forced: number[] = [], tracker?: SweepTracker): Selection {
  const chosen = [...forced, ...selectService(data, all, forced, eps, { tracker })];
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
  /** Iterations η ≥ 1 (default 100, in the library and the CLI). */
  iterations?: number;
  /** Size tolerance τ ≥ 0 (default 1: sizes equal). */
  tolerance?: number;
  /**
   * Compare the new size with the previous one (`previous`, default) or with every earlier one,
   * |σ| included (`all`, the paper's wording; with |σ| in the list it decreases ε on every step
   * unless τ is large).
   */
  compare?: 'all' | 'previous';
  /** Coverage threshold θ in [0, 1] (default 0.2, {@link SELECT_DEFAULTS}). */
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
  const theta = checkRange('theta', opts.theta ?? SELECT_DEFAULTS.theta, (opts.theta ?? SELECT_DEFAULTS.theta) >= 0 && (opts.theta ?? SELECT_DEFAULTS.theta) <= 1, 'a number in [0, 1]');
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
