// A synthetic application for the selection tests: a layered call graph with a rare path, and per
// service a mix the selection must handle — exact copies (cpu_rate = cpu / 2), monotone copies
// (latency_p99 = latency_p50^1.5 + 1, log_requests = log1p(requests)), a constant with gaps,
// independent noise, and load that flows down the call graph.
import type { CallGraph } from '../src/index.js';
import { gaussian, rng } from './helpers.js';

export interface SyntheticApp {
  columns: Record<string, Float64Array>;
  graph: CallGraph;
  /** Pairs of metrics that are exact or monotone copies of each other. */
  copies: [string, string][];
  /** Constant metrics (some with missing cells). */
  constants: string[];
  services: string[];
}

/** Levels of services; each calls every service of the next level, one edge rare (p = 0.02). */
const LEVELS = [['gateway'], ['orders', 'search'], ['payment', 'catalog', 'stock'], ['db']];

export function syntheticApp(n = 1200, seed = 7): SyntheticApp {
  const r = rng(seed), g = gaussian(r);
  const columns: Record<string, Float64Array> = {};
  const copies: [string, string][] = [];
  const constants: string[] = [];
  const edges: CallGraph['edges'] = [];
  const load = new Map<string, Float64Array>();
  // Diurnal-ish entry load: a slow wave plus noise.
  load.set('gateway', Float64Array.from({ length: n }, (_, t) => 100 + 40 * Math.sin((2 * Math.PI * t) / 400) + 10 * g()));
  for (let l = 1; l < LEVELS.length; l++) {
    for (const s of LEVELS[l]) {
      const x = new Float64Array(n);
      for (const caller of LEVELS[l - 1]) {
        const rare = caller === 'search' && s === 'stock';
        edges.push({ from: caller, to: s, probability: rare ? 0.02 : 0.6 });
        const lc = load.get(caller)!;
        for (let t = 0; t < n; t++) x[t] += (rare ? 0.02 : 0.6) * lc[t];
      }
      for (let t = 0; t < n; t++) x[t] += 15 * g();
      load.set(s, x);
    }
  }
  for (const s of LEVELS.flat()) {
    const ld = load.get(s)!;
    const cpu = Float64Array.from(ld, (v) => 0.3 * v + 5 * g());
    const p50 = Float64Array.from(ld, (v) => Math.exp(0.004 * v + 0.3 * g()));
    const requests = Float64Array.from(ld, (v) => Math.max(0, Math.round(v + 8 * g())));
    columns[`${s}/cpu`] = cpu;
    columns[`${s}/cpu_rate`] = Float64Array.from(cpu, (v) => v / 2);
    columns[`${s}/latency_p50`] = p50;
    columns[`${s}/latency_p99`] = Float64Array.from(p50, (v) => v ** 1.5 + 1);
    columns[`${s}/requests`] = requests;
    columns[`${s}/log_requests`] = Float64Array.from(requests, (v) => Math.log1p(v));
    columns[`${s}/memory`] = Float64Array.from({ length: n }, () => 500 + 20 * g());  // independent noise
    columns[`${s}/errors`] = Float64Array.from({ length: n }, () => (r() < 0.1 ? Math.floor(r() * 5) + 1 : 0));
    const constant = new Float64Array(n).fill(s.length);
    for (let t = 0; t < n; t++) if (r() < 0.03) constant[t] = NaN;
    columns[`${s}/replicas`] = constant;
    copies.push([`${s}/cpu`, `${s}/cpu_rate`], [`${s}/latency_p50`, `${s}/latency_p99`], [`${s}/requests`, `${s}/log_requests`]);
    constants.push(`${s}/replicas`);
  }
  return { columns, graph: { edges, entry: { gateway: 1 } }, copies, constants, services: LEVELS.flat() };
}
