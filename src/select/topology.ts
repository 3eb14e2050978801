/**
 * The call graph as KIMetrix uses it: levels (longest path from a root), a deterministic way out
 * of cycles, and the root-to-service paths with their probabilities. See README "KIMetrix".
 */
import { ErrorCode, MetricsiftError } from '../errors.js';

/** A directed call graph: `from` calls `to`, with P(to | from) when traces gave it. */
export interface CallGraph {
  edges: { from: string; to: string; probability?: number }[];
  /** P(service is a trace's entry point); roots missing here get probability 1. */
  entry?: Record<string, number>;
  /** Services with no edges (e.g. known from metrics only). */
  services?: string[];
}

export interface Path {
  services: string[];
  probability: number;
}

export interface Topology {
  /** Every service, in topological order: by level, then by name. */
  order: string[];
  level: Map<string, number>;
  roots: string[];
  /** Back edges removed to break cycles (a DFS from the roots, neighbours by name). */
  droppedEdges: { from: string; to: string }[];
  /** Root-to-service paths (after cycle breaking), at most `maxPaths` per service. */
  paths: Map<string, Path[]>;
  /** Services whose paths were cut at `maxPaths`. */
  truncated: string[];
  /** False when the graph's edges left no service without callers (every entry is in a cycle). */
  hadRoot: boolean;
}

export interface TopologyOptions {
  /** Paths enumerated per service at most (default 10,000). */
  maxPaths?: number;
}

/**
 * Levels, roots and paths of a call graph. `metricServices` (services that have metrics) are
 * added as isolated roots when the graph does not know them, so every metric is still covered.
 */
export function analyzeTopology(graph: CallGraph, metricServices: string[] = [], opts: TopologyOptions = {}): Topology {
  const maxPaths = opts.maxPaths ?? 10_000;
  if (!Number.isInteger(maxPaths) || maxPaths < 1) {
    throw new MetricsiftError(`Expected an integer ≥ 1 for maxPaths but received ${maxPaths}`, ErrorCode.BAD_OPTION);
  }
  const nodes = new Set<string>([...(graph.services ?? []), ...metricServices]);
  const out = new Map<string, Map<string, number>>();
  for (const e of graph.edges) {
    if (e.probability !== undefined && !(e.probability >= 0 && e.probability <= 1)) {
      throw new MetricsiftError(`Edge ${e.from} → ${e.to}: probability ${e.probability} is not in [0, 1]`, ErrorCode.BAD_INPUT);
    }
    nodes.add(e.from).add(e.to);
    if (e.from === e.to) continue;  // a self-call adds no path
    if (!out.has(e.from)) out.set(e.from, new Map());
    out.get(e.from)!.set(e.to, e.probability ?? 1);
  }
  const sorted = [...nodes].sort();
  const indeg = new Map(sorted.map((n) => [n, 0]));
  for (const [, tos] of out) for (const to of tos.keys()) indeg.set(to, indeg.get(to)! + 1);

  // Break cycles: DFS from the in-degree-0 services, then from any service still unvisited
  // (a cycle with no entry), neighbours by name; an edge into a service on the stack is dropped.
  const state = new Map<string, 0 | 1 | 2>(sorted.map((n) => [n, 0]));
  const dropped: { from: string; to: string }[] = [];
  const dfs = (start: string) => {
    const stack: [string, string[]][] = [[start, [...(out.get(start)?.keys() ?? [])].sort()]];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = top[1].shift();
      if (next === undefined) {
        state.set(top[0], 2);
        stack.pop();
      } else if (state.get(next) === 1) {
        dropped.push({ from: top[0], to: next });
      } else if (state.get(next) === 0) {
        state.set(next, 1);
        stack.push([next, [...(out.get(next)?.keys() ?? [])].sort()]);
      }
    }
  };
  const linked = new Set(graph.edges.filter((e) => e.from !== e.to).flatMap((e) => [e.from, e.to]));
  const hadRoot = linked.size === 0 || [...linked].some((n) => indeg.get(n) === 0);
  for (const n of sorted) if (indeg.get(n) === 0 && state.get(n) === 0) dfs(n);
  for (const n of sorted) if (state.get(n) === 0) dfs(n);
  for (const d of dropped) out.get(d.from)!.delete(d.to);

  // Levels: longest path from a root, by Kahn's algorithm on the now acyclic graph.
  const inAcyclic = new Map(sorted.map((n) => [n, 0]));
  for (const [, tos] of out) for (const to of tos.keys()) inAcyclic.set(to, inAcyclic.get(to)! + 1);
  const roots = sorted.filter((n) => inAcyclic.get(n) === 0);
  const level = new Map<string, number>(sorted.map((n) => [n, 0]));
  const queue = [...roots];
  const remaining = new Map(inAcyclic);
  const topo: string[] = [];
  while (queue.length) {
    const n = queue.shift()!;
    topo.push(n);
    for (const to of [...(out.get(n)?.keys() ?? [])].sort()) {
      level.set(to, Math.max(level.get(to)!, level.get(n)! + 1));
      remaining.set(to, remaining.get(to)! - 1);
      if (remaining.get(to) === 0) queue.push(to);
    }
  }
  const order = [...sorted].sort((a, b) => level.get(a)! - level.get(b)! || (a < b ? -1 : a > b ? 1 : 0));

  // Paths root → service with P(ρ) = P(root) · Π P(next | prev), in topological order.
  const paths = new Map<string, Path[]>();
  const truncated: string[] = [];
  for (const n of topo) {
    if (!paths.has(n)) paths.set(n, []);
    if (roots.includes(n)) paths.get(n)!.push({ services: [n], probability: graph.entry?.[n] ?? 1 });
    for (const [to, p] of out.get(n) ?? []) {
      const list = paths.get(to) ?? [];
      paths.set(to, list);
      for (const path of paths.get(n)!) {
        if (list.length >= maxPaths) {
          if (!truncated.includes(to)) truncated.push(to);
          break;
        }
        list.push({ services: [...path.services, to], probability: path.probability * p });
      }
    }
  }
  return { order, level, roots, droppedEdges: dropped, paths, truncated, hadRoot };
}
