/**
 * `selectMetrics`: KIMetrix end to end over a table. The MI matrix (redundancy, bits) and the
 * coverage matrix (normalised MI or |correlation|) are computed once by the native core; the
 * selection loops only read them.
 */
import { UNMAPPED, serviceOfMetric } from '../service.js';
import { readFileSync } from 'node:fs';
import { correlationMatrix } from '../estimators/correlation.js';
import { type Binning, type MiMatrix, type Normalization } from '../estimators/binned.js';
import { prepare } from '../estimators/prepared.js';
import { badOption, type AnalysisWarning } from '../errors.js';
import type { PairMatrix } from '../estimators/matrix.js';
import { selectColumns, toColumnTable, type ColumnTable, type TableInput } from '../table.js';
import { analyzeTopology, type CallGraph, type Topology } from './topology.js';
import { candidates, duplicatePartners, groupByService, selectFlat, selectTopology, tuneEpsilon, type AimdOptions, type AimdStep, type Selection, type SelectionData, type ServiceResume, type SweepTracker, type TopologyCache } from './kimetrix.js';
import { countersToRates, type CounterReason } from './counters.js';
import { CoverageScorer, pickPoint, sweepEpsilon, topologyCover, type CoverFloors, type CurvePoint } from './curve.js';
import { SELECT_DEFAULTS, binsForRows, checkNumber, inUnitClosed, inUnitOpen, positiveInt, thetaFor } from './defaults.js';
import { matchNames, type NamePattern } from './patterns.js';

export interface KimetrixOptions extends AimdOptions {
  /**
   * `cover` (default: the topology-aware greedy set cover on the coverage relation, services in
   * topological order with earlier choices as pivots; see {@link topologyCover}), `topology`
   * (KIMetrix Algorithm 2) or `flat` (Algorithm 1 over all metrics).
   */
  mode?: 'topology' | 'flat' | 'cover';
  /**
   * The call graph; without one, every service is a root (no pivots, no paths). A promise is
   * awaited after the matrices, so a caller can read traces while they are computed.
   */
  graph?: CallGraph | Promise<CallGraph | undefined>;
  /**
   * Service of each metric: a function of the name or an object name → service; default: the
   * part before the last `/` (`service/metric`; service names may hold `/`).
   */
  serviceOf?: ((name: string) => string | undefined) | Record<string, string>;
  /** What coverage counts as "can be read off" (default `spearman`, |ρs|; `mi` is normalised MI). */
  measure?: 'mi' | 'pearson' | 'spearman' | 'kendall';
  /** NMI denominator, for the redundancy scale of ε and for coverage with `measure: 'mi'` (default `arithmetic`). */
  normalization?: Normalization;
  /** Bins of the binned estimates (default {@link binsForRows}: 16, fewer on short tables). */
  bins?: number;
  binning?: Binning;
  threads?: number;
  /** Paths enumerated per service at most (default 10,000). */
  maxPaths?: number;
  /**
   * How the point of the curve is chosen: `curve` (default; every ε at which the selection changes,
   * then `minCoverage` / `maxMetrics`) or `aimd` (the paper's Algorithm 3 and its pick: the
   * smallest subset of the highest coverage among the ε it visits).
   */
  tuner?: 'curve' | 'aimd';
  /** Default pick: the smallest subset whose coverage reaches this, in (0, 1] (default 0.9). */
  minCoverage?: number;
  /**
   * `cover` mode: the pick must also cover at least this share of every service's informative
   * metrics, in [0, 1] (default: `minCoverage`, so "90 %" holds overall and in each service; 0: overall
   * only). Faults happen in a service: a service left mostly uncovered is a blind spot however high
   * the overall share. Applies to `minCoverage` picks; a `maxMetrics` cap below what the floors need wins.
   */
  serviceCoverage?: number;
  /** At most this many metrics (the paper's χ): the highest coverage within it (with `minCoverage` given too: the smallest reaching it within it). */
  maxMetrics?: number;
  /** Select at this ε (on the normalised scale) instead of tuning: take any point of the curve. */
  epsilon?: number;
  /** Normalised redundancy at or above which two metrics are never both kept, in (0, 1] (default 0.95). */
  duplicateBound?: number;
  /** Metrics always selected (glob or `/regex/`); they are pivots for every service. */
  keep?: NamePattern[];
  /** Metrics never considered (glob or `/regex/`): left out before any estimate. */
  exclude?: NamePattern[];
  /** Analyse cumulative counters as they are instead of as per-second rates (default false). */
  rawCounters?: boolean;
  /**
   * Metric types by column or metric name (Prometheus `# TYPE`): `counter` columns become rates, any
   * other type is analysed as it is. Default: the types on `table.series` (the Prometheus reader
   * fills them from `/api/v1/metadata`); entries given here win.
   */
  metricTypes?: Record<string, string>;
  /** Also return the MI and coverage matrices (for writing or reporting; not in selection.json). */
  keepMatrices?: boolean;
  /** Also return the subset of every curve point (`curveSelections`; not in selection.json). */
  keepCurveSelections?: boolean;
  /** Progress: the native matrices (pairs done of total; MI and NMI come from one pass), then the tuning steps. */
  onProgress?: (stage: 'mi matrix' | 'coverage matrix' | 'AIMD' | 'curve', done: number, total: number) => void;
}

/** A selection warning: its code is one of {@link WarningCode} (the type enforces it). */
export type KimetrixWarning = AnalysisWarning;

export interface KimetrixResult {
  selected: string[];
  byService: Record<string, string[]>;
  /** ε of the chosen point (null in `cover` mode). */
  epsilon: number | null;
  /** Coverage of `selected` over the informative metrics, recomputed from the selection. */
  coverage: number;
  measure: string;
  theta: number;
  mode: 'topology' | 'flat' | 'cover';
  tuner: 'curve' | 'aimd' | 'epsilon';
  /**
   * The size/coverage curve: every distinct selection over ε (ascending ε), or the set cover's
   * prefixes; `pick` is the index of the chosen point.
   */
  curve: CurvePoint[];
  pick: number;
  /** True when the ε sweep ended before ε reached the point where nothing changes (step cap). */
  curveComplete: boolean;
  minCoverage: number | null;
  /** The per-service floor of a `cover` pick (null when none applied). */
  serviceCoverage: number | null;
  maxMetrics: number | null;
  duplicateBound: number;
  /** Metrics with H > 0 after `exclude`: the coverage universe. */
  informative: number;
  /** Metrics selected because a `keep` pattern matched them. */
  kept: string[];
  /** Metrics an `exclude` pattern removed. */
  excluded: string[];
  /** Counters analysed as per-second rates, and why each was taken for a counter. */
  counters: { name: string; reason: CounterReason }[];
  /** The AIMD log with `tuner: 'aimd'` (empty otherwise). */
  iterations: AimdStep[];
  droppedEdges: { from: string; to: string }[];
  warnings: KimetrixWarning[];
  /** Milliseconds in the native matrices and in the selection loops. */
  timing: { matricesMs: number; iterationsMs: number };
  /** The options that produced it (functions and the graph left out) and the metricsift version. */
  options: Record<string, unknown>;
  version: string;
  /** With `keepMatrices`: the MI matrix (bits) and the coverage matrix. */
  matrices?: { mi: MiMatrix; redundancy: PairMatrix };
  /** With `keepCurveSelections`: the metrics of each curve point, in curve order. */
  curveSelections?: string[][];
}


/**
 * Chooses a small, non-redundant set of metrics per service (KIMetrix, or a greedy set cover),
 * at the point of the size/coverage curve the caller names. See the README's KIMetrix section.
 */
export async function selectMetrics(input: TableInput, opts: KimetrixOptions = {}): Promise<KimetrixResult> {
  const D = SELECT_DEFAULTS;
  // Asking for an ε (a value or the paper's AIMD) asks for KIMetrix: its topology mode unless a mode is named.
  const mode = opts.mode ?? (opts.tuner === 'aimd' || opts.epsilon !== undefined ? 'topology' : D.mode);
  if (mode !== 'topology' && mode !== 'flat' && mode !== 'cover') badOption('mode', 'topology, flat or cover', mode);
  const tunerOpt = opts.tuner ?? D.tuner;
  if (tunerOpt !== 'curve' && tunerOpt !== 'aimd') badOption('tuner', 'curve or aimd', tunerOpt);
  const measure = opts.measure ?? D.measure;
  if (!['mi', 'pearson', 'spearman', 'kendall'].includes(measure)) badOption('measure', 'mi, pearson, spearman or kendall', measure);
  const theta = checkNumber('theta', opts.theta ?? thetaFor(measure), (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
  const duplicateBound = inUnitOpen('duplicateBound', opts.duplicateBound ?? D.duplicateBound);
  const maxMetrics = opts.maxMetrics === undefined ? undefined : positiveInt('maxMetrics', opts.maxMetrics);
  // With only a size cap, the cap alone decides (highest coverage within it).
  const minCoverage = opts.minCoverage !== undefined ? inUnitOpen('minCoverage', opts.minCoverage) : maxMetrics === undefined ? D.minCoverage : undefined;
  if (opts.epsilon !== undefined) checkNumber('epsilon', opts.epsilon, (x) => x >= 0, 'a number ≥ 0');
  const serviceCoverageOpt = opts.serviceCoverage === undefined ? undefined
    : inUnitClosed('serviceCoverage', opts.serviceCoverage);
  const warnings: KimetrixWarning[] = [];

  // Leave out what the user excludes before anything is estimated; then counters → rates.
  let table = toColumnTable(input);
  const ex = matchNames(table.names, opts.exclude, 'exclude');
  for (const p of ex.unmatched) warnings.push({ code: 'MS_PATTERN_UNMATCHED', message: `exclude pattern ${p} matches no metric` });
  const excluded = [...ex.matched].map((i) => table.names[i]);
  if (excluded.length) table = selectColumns(table, table.names.map((_, i) => i).filter((i) => !ex.matched.has(i)));
  const kp = matchNames(table.names, opts.keep, 'keep');
  for (const p of kp.unmatched) warnings.push({ code: 'MS_PATTERN_UNMATCHED', message: `keep pattern ${p} matches no metric${excluded.length ? ' (after exclude)' : ''}` });
  let counters: KimetrixResult['counters'] = [];
  if (!opts.rawCounters) {
    // Types: the caller's, else what the reader learnt (Prometheus `/api/v1/metadata` on `table.series`).
    const conv = countersToRates(table, { types: { ...seriesTypes(table), ...opts.metricTypes } });
    table = conv.table;
    counters = conv.converted;
    for (const n of conv.notCumulative) warnings.push({ code: 'MS_COUNTER_NOT_CUMULATIVE', message: `metric "${n}" is named like a counter but goes up and down: analysed as it is` });
    if (conv.perRow) warnings.push({ code: 'MS_RATES_PER_ROW', message: 'the table has no readable row times: counters became increases per row, not per second' });
  }

  const given = opts.serviceOf;
  const serviceOf = typeof given === 'function' ? given
    : given ? (n: string) => (Object.prototype.hasOwnProperty.call(given, n) ? given[n] : undefined)
    : serviceOfMetric;
  const service = table.names.map((n) => {
    const s = serviceOf(n);
    if (s === undefined || s === '') {
      warnings.push({ code: 'MS_UNMAPPED_METRIC', message: `metric "${n}" maps to no service; it is placed in "${UNMAPPED}", a root` });
      return UNMAPPED;
    }
    return s;
  });

  const t0 = performance.now();
  // Bins: the project's small-sample rule (at least ROWS_PER_CELL rows a joint cell) caps the default 16,
  // so the plug-in NMI behind entropies and the duplicate bound is not mostly bias on short tables.
  const common = { bins: opts.bins ?? binsForRows(table.rows), binning: opts.binning, threads: opts.threads };
  const report = opts.onProgress;
  const progress = (stage: 'mi matrix' | 'coverage matrix') => (report ? (d: number, t: number) => report(stage, d, t) : undefined);
  // The table is binned once; MI (bits, for the report and mi.arrow) and NMI — the one scale of
  // redundancy: symmetric uncertainty, the arithmetic-mean denominator, in [0, 1] — from one pass.
  const prepared = await prepare(table, common);
  let mi: MiMatrix, nmi: MiMatrix, redundancy: PairMatrix;
  try {
    [mi, nmi] = await prepared.matrices(['mi', 'nmi'], { units: 'bits', normalization: opts.normalization ?? D.normalization, threads: opts.threads, onProgress: progress('mi matrix') });
    report?.('coverage matrix', 1, 1);
    redundancy = measure === 'mi' ? nmi
      : await correlationMatrix(table, { method: measure, threads: opts.threads, onProgress: progress('coverage matrix') });
  } finally {
    prepared.dispose();
  }
  const matricesMs = performance.now() - t0;

  const graph = await opts.graph;
  const entropy = nmi.columnEntropy.entropy;
  const data: SelectionData = { names: table.names, service, entropy, redundancy: nmi, duplicateBound };
  const forced = [...kp.matched].sort((a, b) => a - b);
  const forcedSet = new Set(forced);
  for (const f of forced) {
    if (!(entropy[f] > 0)) warnings.push({ code: 'MS_KEPT_CONSTANT', message: `metric "${table.names[f]}" is constant or empty but kept (keep pattern)` });
  }
  const groups = groupByService(data);
  let topo: Topology | undefined;
  if (mode !== 'flat') {
    topo = analyzeTopology(graph ?? { edges: [] }, [...groups.keys()], { maxPaths: opts.maxPaths });
    if (!topo.hadRoot) warnings.push({ code: 'MS_NO_ROOT', message: 'every service of the call graph has a caller (the entries are in cycles); roots were chosen by breaking cycles' });
    for (const s of topo.truncated) warnings.push({ code: 'MS_PATHS_TRUNCATED', message: `service "${s}": more than ${opts.maxPaths ?? D.maxPaths} paths; the rest were not enumerated` });
    if (topo.droppedEdges.length) {
      warnings.push({ code: 'MS_CYCLE_BROKEN', message: `call graph cycles broken by dropping ${topo.droppedEdges.map((e) => `${e.from} → ${e.to}`).join(', ')}` });
    }
    for (const s of topo.order) if (!groups.has(s)) warnings.push({ code: 'MS_SERVICE_WITHOUT_METRICS', message: `service "${s}" is in the call graph but has no metrics` });
  }
  const ordered = new Map([...groups].map(([s, members]) => [s, candidates(data, members).filter((c) => !forcedSet.has(c))]));
  const all = candidates(data, table.names.map((_, i) => i));
  // Coverage is over the informative metrics (H > 0): constant or empty ones cannot be chosen or inferred.
  const universe = all.slice().sort((a, b) => a - b);
  const free = all.filter((c) => !forcedSet.has(c));
  const scorer = new CoverageScorer(redundancy, theta, universe);
  if (maxMetrics !== undefined && maxMetrics >= universe.length) {
    warnings.push({ code: 'MS_MAX_METRICS_ABOVE_INFORMATIVE', message: `maxMetrics ${maxMetrics} ≥ the ${universe.length} informative metrics: keeping every informative metric that is not a duplicate of a kept one` });
  }

  const t1 = performance.now();
  // State kept between the steps of the ε sweep (ε only grows there); plain calls use none.
  const cache: TopologyCache = new Map();
  const resume: ServiceResume = { eps: Infinity, flip: new Float64Array(0), kept: new Uint8Array(0) };
  const select = (eps: number, tracker?: SweepTracker) =>
    topo ? selectTopology(data, topo, eps, ordered, forced, tracker, tracker ? cache : undefined)
      : selectFlat(data, eps, free, forced, tracker, tracker ? resume : undefined);
  let curve: CurvePoint[];
  let curveComplete = true;
  let chosen: Selection & { epsilon: number | null; coverage: number };
  let pick: number;
  let log: AimdStep[] = [];
  let tuner: KimetrixResult['tuner'] = opts.epsilon !== undefined ? 'epsilon' : tunerOpt;
  let curveSets: number[][] = [];
  let serviceCoverage: number | null = null;
  if (mode === 'cover') {
    if (opts.epsilon !== undefined || tunerOpt === 'aimd') warnings.push({ code: 'MS_OPTION_IGNORED', message: 'cover mode has no ε: epsilon and tuner are ignored' });
    tuner = 'curve';
    const services = topo!.order.filter((sv) => ordered.has(sv)).map((sv) => ({ name: sv, candidates: ordered.get(sv)! }));
    // A copy by both scales: NMI and (with a correlation measure) |r| at or above the bound — exact and
    // monotone copies are both; two series that merely share their coarse bins on a short table are not.
    const both = measure === 'mi' ? duplicatePartners(data)
      : duplicatePartners(data).map((ps, i) => ps.filter((j) => Math.abs(redundancy.values[i * redundancy.size + j]) >= duplicateBound));
    // Per-service floors (default: minCoverage in every service), for a coverage pick only.
    const floor = minCoverage === undefined ? 0 : serviceCoverageOpt ?? minCoverage;
    let floors: CoverFloors | undefined;
    if (floor > 0) {
      const ids = new Map<string, number>();
      const group = universe.map((u) => ids.get(service[u]) ?? ids.set(service[u], ids.size).get(service[u])!);
      const members = new Array<number>(ids.size).fill(0);
      for (const grp of group) members[grp]++;
      floors = { group, quota: members.map((k) => Math.ceil(floor * k - 1e-9)) };
    }
    const g = topologyCover(scorer, services, forced, both, floors);
    curve = g.points;
    if (opts.keepCurveSelections) curveSets = curve.map((c) => g.order.slice(0, c.size));
    // The floors hold from the prefix where their phase ended; a smaller size cap wins over them.
    let from = 0;
    if (floors) {
      if (maxMetrics !== undefined && g.floorSize > maxMetrics) {
        warnings.push({ code: 'MS_SERVICE_COVERAGE_NOT_REACHED', message: `coverage ${floor} in every service needs ${g.floorSize} metrics, more than maxMetrics ${maxMetrics}: chose on overall coverage alone` });
      } else {
        from = Math.max(0, curve.findIndex((c) => c.size >= g.floorSize));
        serviceCoverage = floor;
      }
    }
    const p0 = choosePoint(curve.slice(from), universe.length, minCoverage, maxMetrics, warnings);
    const p = p0 < 0 ? -1 : from + p0;
    pick = p;
    const sel = g.order.slice(0, p < 0 ? forced.length : curve[p].size);
    chosen = { ...asSelection(sel, service), epsilon: null, coverage: scorer.coverage(sel) };
  } else {
    const sweep = sweepEpsilon((eps, tracker) => {
      const s = select(eps, tracker);
      report?.('curve', 0, 1);
      return s;
    }, scorer);
    report?.('curve', 1, 1);
    curveComplete = sweep.complete;
    if (!sweep.complete) warnings.push({ code: 'MS_CURVE_TRUNCATED', message: `the ε sweep stopped after ${sweep.points.length} distinct selections` });
    curve = sweep.points.map(({ epsilon, size, coverage: c }) => ({ epsilon, size, coverage: c }));
    if (opts.keepCurveSelections) curveSets = sweep.points.map((p) => p.selected);
    if (tuner === 'epsilon') {
      const sel = select(opts.epsilon!);
      chosen = { ...sel, epsilon: opts.epsilon!, coverage: scorer.coverage(sel.selected) };
      pick = lastAtOrBelow(curve, opts.epsilon!);
    } else if (tuner === 'aimd') {
      const iterations = opts.iterations ?? D.iterations;
      let step = 0;
      const result = tuneEpsilon(
        (eps) => {
          if (report && (step++ % Math.max(1, Math.floor(iterations / 20)) === 0)) report('AIMD', step - 1, iterations);
          return select(eps);
        },
        redundancy, universe, table.names.length, { ...opts, theta },
      );
      report?.('AIMD', iterations, iterations);
      log = result.log;
      chosen = { ...result, coverage: scorer.coverage(result.selected) };
      pick = lastAtOrBelow(curve, result.epsilon);
    } else {
      pick = choosePoint(curve, universe.length, minCoverage, maxMetrics, warnings);
      const p = sweep.points[pick];
      chosen = { selected: p.selected, byService: p.byService, epsilon: p.epsilon, coverage: p.coverage };
    }
  }
  const iterationsMs = performance.now() - t1;

  const byService: Record<string, string[]> = {};
  for (const [s, idx] of chosen.byService) if (idx.length) byService[s] = idx.map((i) => table.names[i]);
  return {
    selected: chosen.selected.map((i) => table.names[i]),
    byService,
    epsilon: chosen.epsilon,
    coverage: chosen.coverage,
    measure,
    theta,
    mode,
    tuner,
    curve,
    pick,
    curveComplete,
    minCoverage: minCoverage ?? null,
    serviceCoverage,
    maxMetrics: maxMetrics ?? null,
    duplicateBound,
    informative: universe.length,
    kept: forced.map((i) => table.names[i]),
    excluded,
    counters,
    iterations: log,
    droppedEdges: topo?.droppedEdges ?? [],
    warnings,
    timing: { matricesMs, iterationsMs },
    options: Object.fromEntries(Object.entries(opts).filter(([k, v]) => !['graph', 'serviceOf', 'keepMatrices', 'keepCurveSelections', 'onProgress', 'metricTypes'].includes(k) && typeof v !== 'function')
      .map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : v])),
    version: packageVersion(),
    ...(opts.keepMatrices ? { matrices: { mi, redundancy } } : {}),
    ...(opts.keepCurveSelections ? { curveSelections: curveSets.map((sel) => sel.map((i) => table.names[i])) } : {}),
  };
}

/** Column name → type from the reader's series information (Prometheus metadata), where known. */
function seriesTypes(table: ColumnTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, info] of Object.entries(table.series ?? {})) if (info.type) out[name] = info.type;
  return out;
}

function asSelection(sel: number[], service: string[]): Selection {
  const byService = new Map<string, number[]>();
  for (const c of sel) {
    if (!byService.has(service[c])) byService.set(service[c], []);
    byService.get(service[c])!.push(c);
  }
  return { selected: [...sel].sort((a, b) => a - b), byService };
}

/** Index of the last curve point with ε ≤ eps (the one whose selection holds at eps). */
function lastAtOrBelow(curve: CurvePoint[], eps: number): number {
  let i = -1;
  curve.forEach((p, j) => { if (p.epsilon !== null && p.epsilon <= eps) i = j; });
  return i;
}

/** The requested point of the curve, with a warning when the request cannot be met as asked. */
function choosePoint(curve: CurvePoint[], informative: number, minCoverage: number | undefined, maxMetrics: number | undefined, warnings: KimetrixWarning[]): number {
  if (curve.length === 0) return -1;
  if (maxMetrics !== undefined && maxMetrics >= informative) return curve.length - 1;
  const p = pickPoint(curve, { minCoverage, maxMetrics });
  const got = curve[p.index];
  if (p.shortfall === 'coverage') {
    warnings.push({ code: 'MS_COVERAGE_NOT_REACHED', message: `no subset${maxMetrics !== undefined ? ` of at most ${maxMetrics} metrics` : ''} reaches coverage ${minCoverage}; chose the highest, ${(100 * got.coverage).toFixed(1)} % with ${got.size} metrics` });
  } else if (p.shortfall === 'size') {
    warnings.push({ code: 'MS_MAX_METRICS_TOO_SMALL', message: `no subset has at most ${maxMetrics} metrics (kept metrics and service roots come first); chose the smallest, ${got.size} metrics` });
  }
  return p.index;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

// The selection's writers live with every other writer (one NaN convention); exported here too.
export { writeSelection, writeCurve, writeAimdLog } from '../io/write.js';

export { analyzeTopology, type CallGraph, type Topology, type Path, type TopologyOptions } from './topology.js';
export { candidates, selectService, selectTopology, selectFlat, coverage, tuneEpsilon, groupByService, pivotWorstOf } from './kimetrix.js';
export type { SelectionData, Selection, AimdOptions, AimdStep, AimdResult, SweepTracker, ServiceOptions, ServiceResume, TopologyCache } from './kimetrix.js';
export { CoverageScorer, greedyCover, pickPoint, sweepEpsilon, topologyCover, type CoverFloors, type CoverService, type CurvePoint, type Pick, type PickRequest, type SweptPoint } from './curve.js';
export { countersToRates, counterRate, looksCumulative, type CounterConversion, type CounterOptions, type CounterReason } from './counters.js';
export { compilePattern, matchNames, type NamePattern } from './patterns.js';
export { SELECT_DEFAULTS, binsForRows, thetaFor } from './defaults.js';
