/**
 * The size/coverage curve and the point a user asks for. Coverage is scored with one bitset per
 * metric (the universe members it covers), so scoring a subset is an OR and a popcount; the ε sweep
 * visits exactly the ε at which the selection changes (see {@link SweepTracker}); the greedy set
 * cover (`mode: 'cover'`) yields its curve as the prefixes of its picks.
 */
import type { Selection, SweepTracker } from './kimetrix.js';

type Matrix = { size: number; values: ArrayLike<number> };

/** One point of the curve: ε (null for the set cover), subset size and coverage. */
export interface CurvePoint {
  epsilon: number | null;
  size: number;
  coverage: number;
}

/** Coverage over a fixed universe at threshold θ, for many subsets. */
export class CoverageScorer {
  readonly words: number;
  /** Row m: bit j set when universe[j] is m itself or |redundancy(universe[j], m)| > θ. */
  private readonly bits: Uint32Array;
  constructor(readonly redundancy: Matrix, readonly theta: number, readonly universe: number[]) {
    const n = redundancy.size;
    this.words = Math.max(1, Math.ceil(universe.length / 32));
    this.bits = new Uint32Array(n * this.words);
    const { values } = redundancy;
    for (let m = 0; m < n; m++) {
      const row = m * this.words;
      for (let j = 0; j < universe.length; j++) {
        const u = universe[j];
        if (u === m || Math.abs(values[u * n + m]) > theta) this.bits[row + (j >>> 5)] |= 1 << (j & 31);
      }
    }
  }
  /** The bitset of universe members a metric covers (a view; do not write). */
  row(m: number): Uint32Array {
    return this.bits.subarray(m * this.words, (m + 1) * this.words);
  }
  /** Share of the universe that `selected` covers (NaN for an empty universe). */
  coverage(selected: Iterable<number>): number {
    if (this.universe.length === 0) return NaN;
    const acc = new Uint32Array(this.words);
    for (const m of selected) {
      const r = this.row(m);
      for (let w = 0; w < this.words; w++) acc[w] |= r[w];
    }
    return popcount(acc) / this.universe.length;
  }
}

/** Set bits of one 32-bit word (SWAR). */
function bits32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function popcount(a: Uint32Array): number {
  let c = 0;
  for (let w = 0; w < a.length; w++) c += bits32(a[w]);
  return c;
}

/** Bits set in `a` and not in `b` (same length): what a metric's row adds to a covered set. */
function popcountAndNot(a: Uint32Array, b: Uint32Array): number {
  let c = 0;
  for (let w = 0; w < a.length; w++) c += bits32(a[w] & ~b[w]);
  return c;
}

/** A curve point with the subset it stands for. */
export interface SweptPoint extends CurvePoint, Selection {}

/**
 * Every distinct selection over ε ∈ [0, ∞): starts at ε = 0 and jumps to the next ε at which any
 * decision flips, until none can (only duplicates are left out). `select` must report flips to the
 * tracker it is given. `maxSteps` guards against a pathological curve (it is reported, not hidden).
 */
export function sweepEpsilon(
  select: (eps: number, tracker: SweepTracker) => Selection, scorer: CoverageScorer, maxSteps = 100_000,
): { points: SweptPoint[]; complete: boolean } {
  const points: SweptPoint[] = [];
  let eps = 0;
  for (let step = 0; step < maxSteps; step++) {
    const tracker = { next: Infinity };
    const sel = select(eps, tracker);
    const last = points[points.length - 1];
    if (!last || !sameSet(last.selected, sel.selected)) {
      points.push({ ...sel, epsilon: eps, size: sel.selected.length, coverage: scorer.coverage(sel.selected) });
    }
    if (!(tracker.next > eps) || tracker.next === Infinity) return { points, complete: tracker.next === Infinity };
    eps = tracker.next;
  }
  return { points, complete: false };
}

function sameSet(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;  // both ascending
  return true;
}

/** What the user asked for: a coverage to reach, a size not to exceed, or both. */
export interface PickRequest {
  /** Smallest subset with coverage ≥ this. */
  minCoverage?: number;
  /** At most this many metrics; alone it picks the highest coverage within the cap. */
  maxMetrics?: number;
}

export interface Pick {
  index: number;
  /** Why the request could not be met as asked, if so. */
  shortfall?: 'coverage' | 'size';
}

const EPS = 1e-12;

/**
 * Chooses one point: with `minCoverage`, the smallest subset reaching it (ties: higher coverage,
 * then the earlier point), within `maxMetrics` when given; with only `maxMetrics`, the highest
 * coverage within the cap (ties: smaller). When nothing qualifies, the best that does not break the
 * size cap (or the smallest point when even that is impossible), with `shortfall` saying why.
 */
export function pickPoint(points: CurvePoint[], req: PickRequest): Pick {
  if (points.length === 0) return { index: -1 };
  const cap = req.maxMetrics ?? Infinity;
  const idx = points.map((_, i) => i);
  const within = idx.filter((i) => points[i].size <= cap);
  const byCoverage = (list: number[]) => list.reduce((b, i) => {
    const p = points[i], q = points[b];
    return p.coverage > q.coverage + EPS || (Math.abs(p.coverage - q.coverage) <= EPS && p.size < q.size) ? i : b;
  });
  if (within.length === 0) {
    return { index: idx.reduce((b, i) => (points[i].size < points[b].size ? i : b)), shortfall: 'size' };
  }
  if (req.minCoverage === undefined) return { index: byCoverage(within) };
  const reaching = within.filter((i) => points[i].coverage >= req.minCoverage! - EPS);
  if (reaching.length === 0) return { index: byCoverage(within), shortfall: 'coverage' };
  return {
    index: reaching.reduce((b, i) => {
      const p = points[i], q = points[b];
      return p.size < q.size || (p.size === q.size && p.coverage > q.coverage + EPS) ? i : b;
    }),
  };
}

/**
 * Greedy set cover on the coverage relation: starts from `forced`, then repeatedly adds the
 * candidate covering the most still-uncovered universe members (ties: lower topological level,
 * then higher entropy, then the order of `candidates`), never a duplicate of one already chosen,
 * until nothing more can be covered. Each prefix is a curve point (size, coverage).
 */
export function greedyCover(
  scorer: CoverageScorer, candidates: number[], forced: number[],
  tieBreak: { level: (m: number) => number; entropy: ArrayLike<number> },
  duplicate: (a: number, b: number) => boolean,
): { order: number[]; points: CurvePoint[] } {
  const W = scorer.words;
  const covered = new Uint32Array(W);
  const order: number[] = [];
  const points: CurvePoint[] = [];
  const total = scorer.universe.length;
  const add = (m: number) => {
    const r = scorer.row(m);
    for (let w = 0; w < W; w++) covered[w] |= r[w];
    order.push(m);
  };
  for (const f of forced) add(f);
  if (forced.length) points.push({ epsilon: null, size: order.length, coverage: total ? popcount(covered) / total : NaN });
  const alive = candidates.filter((c) => !forced.includes(c) && !forced.some((f) => duplicate(c, f)));
  const rank = new Map(candidates.map((c, i) => [c, i]));
  const gainOf = (m: number) => popcountAndNot(scorer.row(m), covered);
  const better = (a: number, ga: number, b: number, gb: number) => ga > gb || (ga === gb && (
    tieBreak.level(a) < tieBreak.level(b) || (tieBreak.level(a) === tieBreak.level(b) && (
      tieBreak.entropy[a] > tieBreak.entropy[b] || (tieBreak.entropy[a] === tieBreak.entropy[b] && rank.get(a)! < rank.get(b)!)))));
  // Lazy greedy: a gain only shrinks as more is covered, so a stale upper bound below the best so far is skipped.
  const bound = new Map(alive.map((c) => [c, gainOf(c)]));
  for (;;) {
    let best = -1, bestGain = 0;
    for (const [c, ub] of bound) {
      if (ub < bestGain || (ub === bestGain && best >= 0 && !better(c, ub, best, bestGain))) continue;
      const g = gainOf(c);
      bound.set(c, g);
      if (g > 0 && (best < 0 || better(c, g, best, bestGain))) { best = c; bestGain = g; }
    }
    if (best < 0) break;
    add(best);
    bound.delete(best);
    for (const c of [...bound.keys()]) if (duplicate(c, best)) bound.delete(c);
    points.push({ epsilon: null, size: order.length, coverage: popcount(covered) / total });
  }
  return { order, points };
}

/** One service of {@link topologyCover}, in topological order. */
export interface CoverService {
  name: string;
  /** Its candidate metrics (no forced one), by entropy, highest first ({@link candidates} order). */
  candidates: number[];
}

/**
 * Per-service floors of {@link topologyCover}: universe position j belongs to group `group[j]`,
 * and group g wants at least `quota[g]` of its members covered.
 */
export interface CoverFloors {
  group: ArrayLike<number>;
  quota: ArrayLike<number>;
}

/**
 * The topology-aware greedy set cover (`mode: 'cover'`). Passes with a descending threshold τ on
 * the gain (metrics newly covered, over the whole application): in each pass the services take
 * turns in topological order (lower levels first), each adding its own candidates, in entropy
 * order, whose gain reaches τ; what earlier services and the forced metrics chose is a pivot (its
 * coverage counts before a later service chooses). τ steps through every gain value, so each
 * addition has the largest gain left — the greedy set cover, with ties going to the lower level,
 * then the earlier service, then the higher entropy. At gain 1 (each addition covers one member
 * more) a service instead adds first the candidate whose new member the selection explains least
 * (lowest largest |redundancy| with a chosen metric; ties: entropy), so what is left uncovered is
 * what the selection comes closest to covering. Never adds a duplicate of a chosen metric
 * (`partners[m]`: the metrics at or above the duplicate bound with m). Each prefix is a curve point;
 * after full coverage the remaining candidates follow in the same order (gain 0).
 *
 * With `floors`, a first phase meets them: the gain there is the newly covered members that still
 * count toward their group's quota (Σ_g min(new in g, quota_g − covered in g), monotone and
 * submodular, so the same passes are the greedy for that cover); `floorSize` is the prefix at
 * which no addition can raise it any more (every quota met, or the rest unreachable). Then the
 * plain passes go on from there.
 */
export function topologyCover(
  scorer: CoverageScorer, services: CoverService[], forced: number[], partners: number[][], floors?: CoverFloors,
): { order: number[]; service: (string | undefined)[]; points: CurvePoint[]; floorSize: number } {
  const W = scorer.words;
  const covered = new Uint32Array(W);
  const total = scorer.universe.length;
  const order: number[] = [];
  const service: (string | undefined)[] = [];
  const points: CurvePoint[] = [];
  const dead = new Uint8Array(scorer.redundancy.size);
  // Members still short of their group's quota (per group), when floors are asked for.
  const short = floors ? Float64Array.from(floors.quota) : undefined;
  // Per universe member: its largest |redundancy| with a chosen metric (how well the selection explains it).
  const { size: n, values } = scorer.redundancy;
  const explained = new Float64Array(total);
  const add = (m: number, s: string | undefined) => {
    const r = scorer.row(m);
    for (let w = 0; w < W; w++) {
      let fresh = r[w] & ~covered[w];
      covered[w] |= r[w];
      if (short) {
        while (fresh) {
          const b = 31 - Math.clz32(fresh & -fresh);
          fresh &= fresh - 1;
          short[floors!.group[(w << 5) + b]]--;
        }
      }
    }
    order.push(m);
    service.push(s);
    for (let j = 0; j < total; j++) {
      const a = Math.abs(values[scorer.universe[j] * n + m]);  // NaN (no common rows) explains nothing
      if (a > explained[j]) explained[j] = a;
    }
    dead[m] = 1;
    for (const d of partners[m] ?? []) dead[d] = 1;
  };
  for (const f of forced) add(f, undefined);
  if (forced.length) points.push({ epsilon: null, size: order.length, coverage: total ? popcount(covered) / total : NaN });
  const gainOf = (m: number) => popcountAndNot(scorer.row(m), covered);
  // Gain toward the floors: the new members of each group, up to what the group still lacks.
  const newIn = new Float64Array(floors ? floors.quota.length : 0);
  const touched: number[] = [];
  const floorGainOf = (m: number) => {
    const r = scorer.row(m);
    for (let w = 0; w < W; w++) {
      let x = r[w] & ~covered[w];
      while (x) {
        const b = 31 - Math.clz32(x & -x);
        x &= x - 1;
        const grp = floors!.group[(w << 5) + b];
        if (newIn[grp]++ === 0) touched.push(grp);
      }
    }
    let g = 0;
    for (const grp of touched) {
      g += Math.max(0, Math.min(newIn[grp], short![grp]));
      newIn[grp] = 0;
    }
    touched.length = 0;
    return g;
  };
  // The lowest `explained` among the members c would newly cover (with floors: those of groups still short).
  const leastExplained = (c: number, shortOnly: boolean) => {
    const r = scorer.row(c);
    let low = Infinity;
    for (let w = 0; w < W; w++) {
      let x = r[w] & ~covered[w];
      while (x) {
        const b = 31 - Math.clz32(x & -x);
        x &= x - 1;
        const j = (w << 5) + b;
        if (shortOnly && !(short![floors!.group[j]] > 0)) continue;
        if (explained[j] < low) low = explained[j];
      }
    }
    return low;
  };
  // Lazy evaluation: a gain only shrinks as more is covered, so a stale bound below τ is skipped.
  const bound = new Float64Array(scorer.redundancy.size);
  const passes = (gain: (m: number) => number) => {
    let top = 0;
    for (const s of services) for (const c of s.candidates) if (!dead[c]) top = Math.max(top, (bound[c] = gain(c)));
    for (let tau = top; tau > 1; tau--) {
      for (const s of services) {
        for (const c of s.candidates) {
          if (dead[c] || bound[c] < tau) continue;
          const g = (bound[c] = gain(c));
          if (g < tau) continue;
          add(c, s.name);
          points.push({ epsilon: null, size: order.length, coverage: popcount(covered) / total });
        }
      }
    }
    // Gain 1: each addition covers one member more, so the objective cannot tell them apart (and
    // entropy is log2(bins) for every continuous series). What stays uncovered should be what the
    // selection comes closest to explaining: each service adds first the candidate whose new
    // member is the least explained (ties: candidate order).
    if (top < 1) return;
    for (const s of services) {
      for (;;) {
        let best = -1, bestKey = Infinity;
        for (const c of s.candidates) {
          if (dead[c] || bound[c] < 1) continue;
          const g = (bound[c] = gain(c));
          if (g < 1) continue;
          const key = leastExplained(c, gain === floorGainOf);
          if (key < bestKey) { best = c; bestKey = key; }
        }
        if (best < 0) break;
        add(best, s.name);
        points.push({ epsilon: null, size: order.length, coverage: popcount(covered) / total });
      }
    }
  };
  if (floors) passes(floorGainOf);
  const floorSize = order.length;
  passes(gainOf);
  // Then the rest (gain 0: everything they cover is covered), so the curve ends with every
  // informative metric but duplicates, as the other modes' curves do.
  for (const s of services) {
    for (const c of s.candidates) {
      if (dead[c]) continue;
      add(c, s.name);
      points.push({ epsilon: null, size: order.length, coverage: popcount(covered) / total });
    }
  }
  return { order, service, points, floorSize };
}
