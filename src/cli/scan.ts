/** `metricsift scan <metrics>`: load, select informative metrics per service, write the results. */
import { serviceOrUnmapped } from '../service.js';
import { WarningCode } from '../errors.js';
import { join } from 'node:path';
import { STDOUT_JSON, checkOutputDir, writeDirectory } from '../io/write.js';
import { Command, Option } from 'commander';
import type { InputFormat } from '../io/dataset.js';
import { parseHeaders } from '../io/read.js';
import { readGraph, traceSummary, type TraceSummary } from '../io/traces.js';
import { loadCallGraph } from '../io/span-graph.js';
import { writeMatrix } from '../io/write.js';
import { writeReport } from '../report/html.js';
import { buildAlertRules, writeAlertRules } from '../report/rules.js';
import { faultRows, readFaultList } from '../select/labels.js';
import { selectMetrics, writeAimdLog, writeCurve, writeSelection, type CallGraph, type KimetrixOptions } from '../select/index.js';
import { DEFAULTS, SELECT_DEFAULTS as D, checkNumber, inUnitClosed, inUnitOpen, positiveInt, thetaFor } from '../options.js';
import { compilePattern } from '../select/patterns.js';
import { INPUT_HELP, formatOption, intArg, loadInput, numArg, runCommand, stagedProgress, summary, threadsOption, withPool, rangeArg } from './common.js';

interface ScanFlags {
  format?: InputFormat;
  traces?: string;
  lenient?: boolean;
  header?: string[];
  long?: boolean;
  faults?: string;
  alertK?: number;
  graph?: string;
  out: string;
  mode?: 'topology' | 'flat' | 'cover';
  measure?: 'mi' | 'pearson' | 'spearman' | 'kendall';
  theta?: number;
  minCoverage?: number;
  serviceCoverage?: number;
  maxMetrics?: number;
  duplicateBound?: number;
  epsilon?: number;
  tuner?: 'curve' | 'aimd';
  keep: string[];
  exclude: string[];
  rawCounters?: boolean;
  alpha?: number;
  beta?: number;
  iterations?: number;
  epsilon0?: number;
  tolerance?: number;
  compare?: 'previous' | 'all';
  bins?: number;
  binning?: 'quantile' | 'uniform' | 'auto';
  threads?: number;
  workers?: number;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function scanCommand(): Command {
  return new Command('scan')
    .description('choose a small, non-redundant set of metrics per service (KIMetrix) and write the results')
    .argument('<metrics>', INPUT_HELP)
    .addOption(formatOption())
    .option('--traces <path>', 'spans for the call graph: Jaeger/OTLP JSON or span CSVs, a file or a directory (default: trace/ beside the metrics)')
    .option('--header <Name: value>', 'HTTP header for a Prometheus URL, repeatable (Authorization, X-Scope-OrgID); METRICSIFT_PROMETHEUS_TOKEN sends a bearer token', (v: string, prev: string[] = []) => [...prev, v])
    .option('--long', 'the table is long format (time, metric[, labels…], value): pivot it (default: detected from the header)')
    .option('--lenient', 'skip a trace file that cannot be read (with a warning) instead of failing')
    .option('--faults <file>', 'injected faults (Train Ticket fault_list.json): alert thresholds come from the rows outside their windows (default: fault_list.json beside a Train Ticket day)')
    .option('--alert-k <x>', `alert band: median ± k·1.4826·MAD of the baseline (default ${DEFAULTS.alertK})`, numArg('--alert-k'))
    .option('--graph <file>', 'a given call graph without probabilities: JSON edges or an adjacency CSV (default: graph.csv beside the metrics)')
    .option('-o, --out <dir>', 'output directory', 'metricsift-out')
    .addOption(new Option('--mode <mode>', `topology-aware greedy set cover, or KIMetrix topology-aware or flat (default ${D.mode}; --tuner aimd or --epsilon without --mode: topology)`).choices(['topology', 'flat', 'cover']))
    .addOption(new Option('-m, --measure <m>', `what coverage counts as "can be read off" (default ${D.measure})`).choices(['mi', 'pearson', 'spearman', 'kendall']))
    .option('--theta <x>', `coverage threshold θ in [0, 1] (default ${thetaFor('spearman')} for spearman, ${thetaFor('pearson')} pearson, ${thetaFor('kendall')} kendall, ${thetaFor('mi')} mi)`, numArg('--theta'))
    .option('--min-coverage <x>', `pick the smallest subset whose coverage reaches this, in (0, 1] (default ${D.minCoverage})`, numArg('--min-coverage'))
    .option('--service-coverage <x>', 'cover mode: the pick also covers this share of every service\'s metrics, in [0, 1] (default: --min-coverage; 0: overall only)', numArg('--service-coverage'))
    .option('--max-metrics <n>', 'at most N metrics: the highest coverage within N', numArg('--max-metrics'))
    .option('--duplicate-bound <x>', `NMI at or above which two metrics are never both kept, in (0, 1] (default ${D.duplicateBound})`, numArg('--duplicate-bound'))
    .option('--epsilon <x>', 'select at this ε (NMI scale) instead of tuning: another point of the curve', numArg('--epsilon'))
    .addOption(new Option('--tuner <t>', `curve (every ε, then --min-coverage/--max-metrics) or the paper's aimd (default ${D.tuner})`).choices(['curve', 'aimd']))
    .option('--keep <pattern>', 'always select matching metrics (glob or /regex/; repeatable)', collect, [])
    .option('--exclude <pattern>', 'never consider matching metrics (glob or /regex/; repeatable)', collect, [])
    .option('--raw-counters', 'analyse cumulative counters as they are, not as per-second rates')
    .option('--alpha <x>', `AIMD multiplicative decrease α in (0, 1) (default ${D.alpha})`, numArg('--alpha'))
    .option('--beta <x>', `AIMD additive increase β (default ${D.beta})`, numArg('--beta'))
    .option('--iterations <n>', `AIMD iterations η (default ${D.iterations})`, intArg('--iterations', 1))
    .option('--epsilon0 <x>', `seed ε0 (default ${D.epsilon0})`, numArg('--epsilon0'))
    .option('--tolerance <x>', `size tolerance τ (default ${D.tolerance})`, numArg('--tolerance'))
    .addOption(new Option('--compare <c>', 'AIMD compares the size with the previous one or all earlier ones').choices(['previous', 'all']))
    .option('-b, --bins <n>', `bins per metric (default ${DEFAULTS.bins})`, rangeArg('--bins', 'bins'))
    .addOption(new Option('--binning <rule>', 'binning rule (default quantile)').choices(['quantile', 'uniform', 'auto']))
    .addOption(threadsOption())
    .addOption(new Option('-w, --workers <n>', 'worker threads to read and parse trace files (default 1: none); within --threads').argParser(intArg('--workers', 1)))
    .option('--json', 'print selection.json to stdout instead of the summary')
    .option('-q, --quiet', 'no summary')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', `
Writes to --out: selection.json (the choice per service, ε, coverage, the size/coverage curve,
options), curve.csv (the curve: take another point with --epsilon or --max-metrics), aimd.csv
(the AIMD log, with --tuner aimd), mi.arrow (the MI matrix, bits), rules.yaml (Prometheus alerting
rules, one group per service, thresholds from the data: the wider of median ± k·1.4826·MAD and the
range of the fault-free rows) and report.html (a self-contained page to review the choice).

Examples:
  metricsift scan examples/trainticket/metrics.csv.gz
  metricsift scan ../shared/datasets/trainticket/2023-01-30 --out tt-0130
  metricsift scan 'http://127.0.0.1:9090/?job=shop&start=2023-01-30T00:00:00Z&end=2023-01-30T06:00:00Z'
  metricsift scan metrics.csv --traces jaeger.json --mode topology --measure mi --theta 0.5
  metricsift scan metrics.csv --max-metrics 40 --keep 'frontend/*' --keep '/_errors_total$/'`)
    .action((input: string, f: ScanFlags) => runCommand(f.verbose, () => scan(input, f)));
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** Range checks with the flag's own name (the library would name the option). */
function checkFlags(f: ScanFlags): void {
  if (f.minCoverage !== undefined) inUnitOpen('--min-coverage', f.minCoverage);
  if (f.duplicateBound !== undefined) inUnitOpen('--duplicate-bound', f.duplicateBound);
  if (f.serviceCoverage !== undefined) inUnitClosed('--service-coverage', f.serviceCoverage);
  if (f.maxMetrics !== undefined) positiveInt('--max-metrics', f.maxMetrics);
  if (f.theta !== undefined) checkNumber('--theta', f.theta, (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
  if (f.epsilon !== undefined) checkNumber('--epsilon', f.epsilon, (x) => x >= 0, 'a number ≥ 0');
  for (const p of f.keep) compilePattern(p, '--keep');
  for (const p of f.exclude) compilePattern(p, '--exclude');
}

async function scan(input: string, f: ScanFlags): Promise<void> {
  checkFlags(f);
  await checkOutputDir(f.out);
  const progress = stagedProgress(f.quiet || f.json);
  progress?.(`loading ${input}`, 0, 1);
  const data = await loadInput(input, f.format, { headers: parseHeaders(f.header), long: f.long });
  progress?.(`loading ${input}`, 1, 1);
  let graphFrom = 'none (every service a root)';
  const traces = f.traces ?? (f.graph ? undefined : data.traces);
  let traceStats: TraceSummary | undefined;
  // The call graph is needed only after the native matrices: it is read while they run.
  let graphP: Promise<CallGraph | undefined> | undefined;
  if (traces) {
    graphP = (async () => {
      const built = await withPool(f.workers, f.threads, (pool) => loadCallGraph(traces, { lenient: f.lenient, pool }));
      const metricServices = [...new Set(data.table.names.map(serviceOrUnmapped))];
      traceStats = traceSummary(built, built.stats, built.graph, metricServices);
      return built.graph;
    })();
    graphFrom = `traces ${traces}`;
  } else if (f.graph ?? data.graph) {
    graphP = readGraph((f.graph ?? data.graph)!);
    graphFrom = `graph ${f.graph ?? data.graph}`;
  }
  graphP?.catch(() => {});  // awaited by selectMetrics and below; not unhandled if the selection fails first
  const opts: KimetrixOptions = {
    mode: f.mode, measure: f.measure, theta: f.theta, minCoverage: f.minCoverage, serviceCoverage: f.serviceCoverage, maxMetrics: f.maxMetrics, duplicateBound: f.duplicateBound,
    epsilon: f.epsilon, tuner: f.tuner, keep: f.keep.length ? f.keep : undefined, exclude: f.exclude.length ? f.exclude : undefined,
    rawCounters: f.rawCounters, alpha: f.alpha, beta: f.beta, iterations: f.iterations, epsilon0: f.epsilon0,
    tolerance: f.tolerance, compare: f.compare, bins: f.bins, binning: f.binning, threads: f.threads, graph: graphP, keepMatrices: true, keepCurveSelections: true,
    onProgress: progress,
  };
  for (const k of Object.keys(opts) as (keyof KimetrixOptions)[]) if (opts[k] === undefined) delete opts[k];
  const res = await selectMetrics(data.table, opts);
  const graph = await graphP;
  const faultsFile = f.faults ?? data.faults;
  const baselineRows = faultsFile ? faultRows(data.table, await readFaultList(faultsFile)).map((x) => 1 - x) : undefined;
  const counters = Object.entries(data.table.series ?? {}).filter(([, s]) => s.type === 'counter').map(([n]) => n);
  const rules = buildAlertRules(res.byService, data.table, { baselineRows, counters, k: f.alertK });
  // All or nothing: written into a temporary directory, then renamed into place.
  await writeDirectory(f.out, async (dir) => {
    // Trace statistics travel in selection.json beside the selection (not part of the library's result).
    await writeSelection(join(dir, 'selection.json'), traceStats ? Object.assign(res, { traces: traceStats }) : res);
    await writeCurve(join(dir, 'curve.csv'), res);
    if (res.tuner === 'aimd') await writeAimdLog(join(dir, 'aimd.csv'), res);
    await writeMatrix(join(dir, 'mi.arrow'), res.matrices!.mi);
    await writeAlertRules(join(dir, 'rules.yaml'), rules);
    await writeReport(join(dir, 'report.html'), res, graph);
  });
  if (f.json) return writeSelection(STDOUT_JSON, res);
  const constant = Array.from(res.matrices!.mi.columnEntropy.entropy).filter((h) => !(h > 0)).length;
  const how = res.tuner === 'aimd' ? 'AIMD' : res.tuner === 'epsilon' ? 'the given ε'
    : res.maxMetrics !== null && res.minCoverage === null ? `highest coverage within ${res.maxMetrics} metrics`
    : `smallest subset with coverage ≥ ${(100 * res.minCoverage!).toFixed(0)} %${res.serviceCoverage ? `${res.serviceCoverage === res.minCoverage ? ' overall and' : `, ≥ ${(100 * res.serviceCoverage).toFixed(0)} %`} in every service` : ''}${res.maxMetrics !== null ? ` within ${res.maxMetrics} metrics` : ''}`;
  const files = ['selection.json', 'curve.csv', ...(res.tuner === 'aimd' ? ['aimd.csv'] : []), 'mi.arrow', 'rules.yaml', 'report.html'];
  const lines = [
    `read ${data.table.names.length} metrics × ${data.table.rows} rows (${data.layout}); call graph from ${graphFrom}`,
    ...(traceStats ? traceLines(traceStats) : []),
    `dropped ${constant} constant or empty metrics${res.excluded.length ? `; excluded ${res.excluded.length}` : ''}`,
    ...(res.counters.length ? [`counters analysed as per-second rates: ${res.counters.length} (${summarise(res.counters.map((c) => c.name))})`] : []),
    `selected ${res.selected.length} of ${res.informative} informative metrics in ${Object.keys(res.byService).length} services (${res.mode}, ${how})${res.epsilon !== null ? `, ε = ${res.epsilon.toPrecision(3)}` : ''}, coverage ${(100 * res.coverage).toFixed(1)} % (${res.measure}, θ = ${res.theta})`,
    `curve: ${res.curve.length} points from ${res.curve[0]?.size ?? 0} to ${res.curve.at(-1)?.size ?? 0} metrics (${join(f.out, 'curve.csv')})`,
    ...(res.kept.length ? [`kept by --keep: ${res.kept.length}`] : []),
    ...Object.entries(res.byService).sort().map(([s, m]) => `  ${s}: ${m.length}`),
    `wrote ${files.map((x) => join(f.out, x)).join(', ')}`,
  ];
  // Warnings are diagnostics (stderr); the summary sits with the results (stdout).
  if (!f.quiet) for (const w of res.warnings) process.stderr.write(`warning [${w.code}]: ${w.message}\n`);
  summary(f.quiet, lines);
}

function summarise(names: string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')}, …`;
}

function traceLines(t: TraceSummary): string[] {
  const list = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} and ${xs.length - 8} more` : xs.join(', '));
  return [
    `traces: ${t.files} files, ${t.traces} traces, ${t.spans} spans, ${t.orphans} orphan spans, ${t.edges} edges`,
    ...t.skipped.map((s) => `warning [${WarningCode.TRACE_FILE_SKIPPED}]: ${s.reason}`),
    ...(t.metricServicesNotInGraph.length ? [`warning [${WarningCode.SERVICE_NOT_IN_TRACES}]: ${t.metricServicesNotInGraph.length} services with metrics appear in no span (roots): ${list(t.metricServicesNotInGraph)}`] : []),
    ...(t.graphServicesWithoutMetrics.length ? [`note: ${t.graphServicesWithoutMetrics.length} services of the traces have no metrics: ${list(t.graphServicesWithoutMetrics)}`] : []),
  ];
}
