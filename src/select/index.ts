/**
 * `selectMetrics`: KIMetrix end to end over a table. The MI matrix (redundancy, bits) and the
 * coverage matrix (normalised MI or |correlation|) are computed once by the native core; the
 * selection loops only read them.
 */
import { readFileSync } from 'node:fs';
import { correlationMatrix } from '../estimators/correlation.js';
import { writeTextAtomic } from '../io/write.js';
import { type Binning, type MiMatrix, type Normalization } from '../estimators/binned.js';
import { prepare } from '../estimators/prepared.js';
import { badOption } from '../errors.js';
import type { PairMatrix } from '../estimators/matrix.js';
import { toColumnTable, type TableInput } from '../table.js';
import { analyzeTopology, type CallGraph, type Topology } from './topology.js';
import { candidates, groupByService, selectFlat, selectTopology, tuneEpsilon, type AimdOptions, type AimdStep, type SelectionData } from './kimetrix.js';

export interface KimetrixOptions extends AimdOptions {
  /** `topology` (default when a graph is given) or `flat` (Algorithm 1 over all metrics). */
  mode?: 'topology' | 'flat';
  /** The call graph; without one, every service is a root (no pivots, no paths). */
  graph?: CallGraph;
  /**
   * Service of each metric: a function of the name or an object name → service; default: the
   * part before the last `/` (`service/metric`; service names may hold `/`).
   */
  serviceOf?: ((name: string) => string | undefined) | Record<string, string>;
  /** What coverage counts as redundancy (default `mi`, i.e. normalised MI). */
  measure?: 'mi' | 'pearson' | 'spearman' | 'kendall';
  /** NMI denominator for coverage with `measure: 'mi'` (default `arithmetic`). */
  normalization?: Normalization;
  bins?: number;
  binning?: Binning;
  threads?: number;
  /** Paths enumerated per service at most (default 10,000). */
  maxPaths?: number;
  /** Also return the MI and coverage matrices (for writing or reporting; not in selection.json). */
  keepMatrices?: boolean;
  /** Progress: the native matrices (pairs done of total; with `measure: 'mi'` one pass computes both), then the AIMD iterations. */
  onProgress?: (stage: 'mi matrix' | 'coverage matrix' | 'AIMD', done: number, total: number) => void;
}

export interface KimetrixWarning {
  code: string;
  message: string;
}

export interface KimetrixResult {
  selected: string[];
  byService: Record<string, string[]>;
  epsilon: number;
  coverage: number;
  measure: string;
  theta: number;
  mode: 'topology' | 'flat';
  /** The AIMD log: pick another point on the size/coverage curve from here. */
  iterations: AimdStep[];
  droppedEdges: { from: string; to: string }[];
  warnings: KimetrixWarning[];
  /** Milliseconds in the native matrices and in the AIMD loop. */
  timing: { matricesMs: number; iterationsMs: number };
  /** The options that produced it (functions and the graph left out) and the metricsift version. */
  options: Record<string, unknown>;
  version: string;
  /** With `keepMatrices`: the MI matrix (bits) and the coverage matrix. */
  matrices?: { mi: MiMatrix; redundancy: PairMatrix };
}

const UNMAPPED = '(unmapped)';

/**
 * Chooses a small, non-redundant set of metrics per service (KIMetrix), tuning ε by AIMD and
 * scoring subsets by coverage. See the README's KIMetrix section for every decided point.
 */
export async function selectMetrics(input: TableInput, opts: KimetrixOptions = {}): Promise<KimetrixResult> {
  const table = toColumnTable(input);
  const mode = opts.mode ?? 'topology';
  if (mode !== 'topology' && mode !== 'flat') badOption('mode', 'topology or flat', mode);
  const measure = opts.measure ?? 'mi';
  const warnings: KimetrixWarning[] = [];
  const given = opts.serviceOf;
  const serviceOf = typeof given === 'function' ? given
    : given ? (n: string) => (Object.prototype.hasOwnProperty.call(given, n) ? given[n] : undefined)
    : (n: string) => (n.includes('/') ? n.slice(0, n.lastIndexOf('/')) : undefined);
  const service = table.names.map((n) => {
    const s = serviceOf(n);
    if (s === undefined || s === '') {
      warnings.push({ code: 'MS_UNMAPPED_METRIC', message: `metric "${n}" maps to no service; it is placed in "${UNMAPPED}", a root` });
      return UNMAPPED;
    }
    return s;
  });

  const t0 = performance.now();
  const common = { bins: opts.bins, binning: opts.binning, threads: opts.threads };
  const report = opts.onProgress;
  const progress = (stage: 'mi matrix' | 'coverage matrix') => (report ? (d: number, t: number) => report(stage, d, t) : undefined);
  // The table is binned once; with measure 'mi' both matrices come from one histogram pass.
  const prepared = await prepare(table, common);
  let mi: MiMatrix, redundancy: PairMatrix;
  try {
    if (measure === 'mi') {
      [mi, redundancy] = await prepared.matrices(['mi', 'nmi'], { units: 'bits', normalization: opts.normalization, threads: opts.threads, onProgress: progress('mi matrix') });
      report?.('coverage matrix', 1, 1);
    } else {
      [mi] = await prepared.matrices(['mi'], { units: 'bits', threads: opts.threads, onProgress: progress('mi matrix') });
      redundancy = await correlationMatrix(table, { method: measure, threads: opts.threads, onProgress: progress('coverage matrix') });
    }
  } finally {
    prepared.dispose();
  }
  const matricesMs = performance.now() - t0;

  const data: SelectionData = { names: table.names, service, entropy: mi.columnEntropy.entropy, mi };
  const groups = groupByService(data);
  let topo: Topology | undefined;
  if (mode === 'topology') {
    topo = analyzeTopology(opts.graph ?? { edges: [] }, [...groups.keys()], { maxPaths: opts.maxPaths });
    if (!topo.hadRoot) warnings.push({ code: 'MS_NO_ROOT', message: 'every service of the call graph has a caller (the entries are in cycles); roots were chosen by breaking cycles' });
    for (const s of topo.truncated) warnings.push({ code: 'MS_PATHS_TRUNCATED', message: `service "${s}": more than ${opts.maxPaths ?? 10_000} paths; the rest were not enumerated` });
    if (topo.droppedEdges.length) {
      warnings.push({ code: 'MS_CYCLE_BROKEN', message: `call graph cycles broken by dropping ${topo.droppedEdges.map((e) => `${e.from} → ${e.to}`).join(', ')}` });
    }
    for (const s of topo.order) if (!groups.has(s)) warnings.push({ code: 'MS_SERVICE_WITHOUT_METRICS', message: `service "${s}" is in the call graph but has no metrics` });
  }
  const ordered = new Map([...groups].map(([s, members]) => [s, candidates(data, members)]));
  const all = candidates(data, table.names.map((_, i) => i));
  // Coverage is over the informative metrics (H > 0): constant or empty ones cannot be chosen or inferred.
  const universe = all.slice().sort((a, b) => a - b);

  const t1 = performance.now();
  const iterations = opts.iterations ?? 100;
  let step = 0;
  const result = tuneEpsilon(
    (eps) => {
      // The loop is synchronous and fast (milliseconds an iteration): report every few percent.
      if (report && (step++ % Math.max(1, Math.floor(iterations / 20)) === 0)) report('AIMD', step - 1, iterations);
      return topo ? selectTopology(data, topo, eps, ordered) : selectFlat(data, eps, all);
    },
    redundancy, universe, table.names.length, opts,
  );
  report?.('AIMD', iterations, iterations);
  const iterationsMs = performance.now() - t1;

  const byService: Record<string, string[]> = {};
  for (const [s, idx] of result.byService) if (idx.length) byService[s] = idx.map((i) => table.names[i]);
  return {
    selected: result.selected.map((i) => table.names[i]),
    byService,
    epsilon: result.epsilon,
    coverage: result.coverage,
    measure,
    theta: opts.theta ?? 0.1,
    mode,
    iterations: result.log,
    droppedEdges: topo?.droppedEdges ?? [],
    warnings,
    timing: { matricesMs, iterationsMs },
    options: Object.fromEntries(Object.entries(opts).filter(([k, v]) => k !== 'graph' && k !== 'serviceOf' && k !== 'keepMatrices' && k !== 'onProgress' && typeof v !== 'function')),
    version: packageVersion(),
    ...(opts.keepMatrices ? { matrices: { mi, redundancy } } : {}),
  };
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * Writes `selection.json` (selected, byService, epsilon, coverage, measure, theta, mode,
 * iterations, droppedEdges, warnings, timing, options, version) atomically.
 */
export async function writeSelection(path: string, result: KimetrixResult): Promise<void> {
  const { matrices: _omitted, ...json } = result;
  await writeTextAtomic(path, JSON.stringify(json, null, 2) + '\n');
}

/** Writes the AIMD log as CSV `iteration,epsilon,size,coverage,next`, to pick another point on the curve. */
export async function writeAimdLog(path: string, result: KimetrixResult): Promise<void> {
  const lines = ['iteration,epsilon,size,coverage,next', ...result.iterations.map((s) => `${s.iteration},${s.epsilon},${s.size},${s.coverage},${s.next}`)];
  await writeTextAtomic(path, lines.join('\n') + '\n');
}

export { analyzeTopology, type CallGraph, type Topology, type Path, type TopologyOptions } from './topology.js';
export { candidates, selectService, selectTopology, selectFlat, coverage, tuneEpsilon, groupByService } from './kimetrix.js';
export type { SelectionData, Selection, AimdOptions, AimdStep, AimdResult } from './kimetrix.js';
