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
  /** {@link pivotWorstOf} for this pivot and `ordered`: skips the pivot scan. */
  pivotWorst?: Float64Array;
  /** Sweep state kept between calls with the same candidates and pivot (ε only growing). */
  resume?: ServiceResume;
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
  const { tracker, pivotWorst, resume } = opts;
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
  // Resuming a sweep: decisions before the first one that flips at this ε are the previous ones.
  let start = 0;
  if (resume && tracker && resume.flip.length === ordered.length && resume.eps <= eps) {
    while (start < ordered.length && !(resume.flip[start] <= eps)) {
      if (resume.kept[start]) kept.push(ordered[start]);
      else if (resume.flip[start] < tracker.next) tracker.next = resume.flip[start];
      start++;
    }
  } else if (resume) {
    resume.flip = new Float64Array(ordered.length);
    resume.kept = new Uint8Array(ordered.length);
  }
  if (resume) resume.eps = eps;
  for (let i = start; i < ordered.length; i++) {
    const c = ordered[i];
    if (resume) {
      resume.flip[i] = Infinity;
      resume.kept[i] = 0;
    }
    if (kept.length === 0 && pivot.length === 0) {
      kept.push(c);
      if (resume) resume.kept[i] = 1;
      continue;
    }
    const row = c * size;
    let worst = pivotWorst ? pivotWorst[i] : worstWith(row, pivot, 0);
    if (worst >= 0) worst = worstWith(row, kept, worst);
    if (worst < 0) continue;
    if (worst * p > eps) {
      if (tracker && worst * p < tracker.next) tracker.next = worst * p;
      if (resume) resume.flip[i] = worst * p;
      continue;
    }
    kept.push(c);
    if (resume) resume.kept[i] = 1;
  }
  return kept;
}

/** Per-position state of one sweep of Algorithm 1 (same candidates and pivot at every ε). */
export interface ServiceResume {
  eps: number;
  /** ε at which the candidate at each position would flip to kept (Infinity: kept or a duplicate). */
  flip: Float64Array;
  kept: Uint8Array;
}

/**
 * Worst redundancy of each candidate (by position) with a pivot, −1 for a duplicate of a pivot
 * metric: ε-independent, so a sweep computes it once per pivot (and only the additions after that).
 * With `into`, updates those values with more pivot metrics.
 */
export function pivotWorstOf(data: SelectionData, ordered: number[], pivot: number[], into?: Float64Array): Float64Array {
  const { size, values } = data.redundancy;
  const dup = data.duplicateBound ?? 0.95;
  const out = into ?? new Float64Array(ordered.length);
  for (let i = 0; i < ordered.length; i++) {
    const row = ordered[i] * size;
    let w = out[i];
    if (w < 0) continue;
    for (const k of pivot) {
      const v = values[row + k];
      if (v >= dup) {
        w = -1;
        break;
      }
      if (v > w) w = v;
    }
    out[i] = w;
  }
  return out;
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
  const forcedBy = groupForced(data, forced);
  const forcedSet = new Set(forced);
  const partners = duplicatePartners(data);
  const taken = new Set<number>(forced);
  const { probabilities, roots } = pathsOf(topo);
  // The pivot of a level: the forced metrics and every lower level's choices (one array per level,
  // never changed once made, so a cached entry can keep it).
  let pivot: number[] = forced;
  let level = -1;
  let thisLevel: number[] = [];
  for (const s of topo.order) {
    const cands = ordered.get(s) ?? [];
    const own = forcedBy.get(s) ?? [];
    if (cands.length === 0 && own.length === 0) continue;
    const lvl = topo.level.get(s) ?? 0;
    if (lvl !== level) {
      if (thisLevel.length) pivot = pivot.concat(thisLevel);
      thisLevel = [];
      level = lvl;
    }
    let chosen: number[];
    // A service's choice depends only on ε and its pivot: during a sweep it holds until its own next flip.
    const hit = cache?.get(s);
    if (hit && tracker && hit.from <= eps && eps < hit.next && sameList(hit.pivot, pivot)) {
      chosen = hit.chosen;
      if (hit.next < tracker.next) tracker.next = hit.next;
    } else {
      const local = tracker ? { next: Infinity } : undefined;
      const pivotWorst = cache ? worstFromCache(data, cands, pivot, hit) : undefined;
      if (roots.has(s)) {
        chosen = selectService(data, cands, pivot, eps, { tracker: local, pivotWorst });
      } else {
        const union = new Set<number>();
        for (const p of probabilities.get(s) ?? []) for (const c of selectService(data, cands, pivot, eps, { probability: p, tracker: local, pivotWorst })) union.add(c);
        chosen = cands.filter((c) => union.has(c));
      }
      chosen = own.length ? [...own, ...chosen] : chosen;
      if (local) {
        if (local.next < tracker!.next) tracker!.next = local.next;
        cache?.set(s, { from: eps, next: local.next, chosen, pivot, pivotWorst });
      }
    }
    // The duplicate bound holds across services too: same-level services do not see each other
    // through pivots, and the union over paths can join two copies. Entropy order decides.
    let accepted = chosen;
    for (let i = 0; i < chosen.length; i++) {
      const c = chosen[i];
      if (!forcedSet.has(c) && partners[c].length && partners[c].some((d) => taken.has(d))) {
        if (accepted === chosen) accepted = chosen.slice(0, i);
        continue;
      }
      if (accepted !== chosen) accepted.push(c);
      taken.add(c);
    }
    byService.set(s, accepted);
    for (const c of accepted) if (!forcedSet.has(c)) thisLevel.push(c);
  }
  const selected: number[] = [];
  for (const list of byService.values()) for (const c of list) selected.push(c);
  return { selected: selected.sort((a, b) => a - b), byService };
}

const pathCache = new WeakMap<Topology, { probabilities: Map<string, number[]>; roots: Set<string> }>();

/** Distinct path probabilities per service and the root set, once per topology. */
function pathsOf(topo: Topology): { probabilities: Map<string, number[]>; roots: Set<string> } {
  let hit = pathCache.get(topo);
  if (!hit) {
    const probabilities = new Map([...topo.paths].map(([s, ps]) => [s, [...new Set(ps.map((p) => p.probability))]]));
    hit = { probabilities, roots: new Set(topo.roots) };
    pathCache.set(topo, hit);
  }
  return hit;
}

const partnerCache = new WeakMap<object, number[][]>();

/** For each metric, the metrics whose redundancy with it reaches the duplicate bound (sparse; cached per matrix and bound). */
export function duplicatePartners(data: SelectionData): number[][] {
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
export type TopologyCache = Map<string, { from: number; next: number; chosen: number[]; pivot: number[]; pivotWorst?: Float64Array }>;

function sameList(a: number[], b: number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

let stamp = new Uint32Array(0);
let stampGen = 0;

/** The pivot's worst redundancies for a service: updated for additions only, else recomputed. */
function worstFromCache(data: SelectionData, cands: number[], pivot: number[], hit: { pivot: number[]; pivotWorst?: Float64Array } | undefined): Float64Array {
  if (hit?.pivotWorst && hit.pivotWorst.length === cands.length) {
    // Is the old pivot inside the new one? Marks by generation in a scratch array (no allocation).
    if (stamp.length < data.redundancy.size) stamp = new Uint32Array(data.redundancy.size);
    const gen = ++stampGen;
    for (const k of pivot) stamp[k] = gen;
    if (hit.pivot.every((k) => stamp[k] === gen)) {
      const gen2 = ++stampGen;
      for (const k of hit.pivot) stamp[k] = gen2;
      const added = pivot.filter((k) => stamp[k] !== gen2);
      return added.length ? pivotWorstOf(data, cands, added, hit.pivotWorst.slice()) : hit.pivotWorst;
    }
  }
  return pivotWorstOf(data, cands, pivot);
}


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
export function selectFlat(data: SelectionData, eps: number, all: number[], forced: number[] = [], tracker?: SweepTracker, resume?: ServiceResume): Selection {
  const chosen = [...forced, ...selectService(data, all, forced, eps, { tracker, resume })];
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
  /** Coverage threshold θ in [0, 1] (default {@link SELECT_DEFAULTS}.theta). */
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
