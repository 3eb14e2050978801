/** `metricsift scan <metrics>`: load, select informative metrics per service, write the results. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { INPUT_FORMATS, openDataset, type InputFormat } from '../io/dataset.js';
import { callGraphFromSpans, readGraph, readTraces } from '../io/traces.js';
import { writeMatrix } from '../io/write.js';
import { writeReport } from '../report/html.js';
import { writeAlertRules } from '../report/rules.js';
import { selectMetrics, writeAimdLog, writeSelection, type CallGraph, type KimetrixOptions } from '../select/index.js';
import { intArg, numArg, runCommand, stagedProgress } from './common.js';

interface ScanFlags {
  format?: InputFormat;
  traces?: string;
  graph?: string;
  out: string;
  mode: 'topology' | 'flat';
  measure: 'mi' | 'pearson' | 'spearman' | 'kendall';
  theta: number;
  alpha?: number;
  beta?: number;
  iterations: number;
  epsilon0?: number;
  tolerance?: number;
  compare?: 'previous' | 'all';
  bins?: number;
  binning?: 'quantile' | 'uniform' | 'auto';
  threads?: number;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function scanCommand(): Command {
  return new Command('scan')
    .description('choose a small, non-redundant set of metrics per service (KIMetrix) and write the results')
    .argument('<metrics>', 'a wide table (.csv, .csv.gz, .tsv, .arrow), a Train Ticket day directory, or PetShop metrics')
    .addOption(new Option('--format <format>', 'name the input format instead of detecting it').choices([...INPUT_FORMATS]))
    .option('--traces <path>', 'spans for the call graph: Jaeger/OTLP JSON or span CSVs, a file or a directory (default: trace/ beside the metrics)')
    .option('--graph <file>', 'a given call graph without probabilities: JSON edges or an adjacency CSV (default: graph.csv beside the metrics)')
    .option('-o, --out <dir>', 'output directory', 'metricsift-out')
    .addOption(new Option('--mode <mode>', 'topology-aware or flat selection').choices(['topology', 'flat']).default('topology'))
    .addOption(new Option('-m, --measure <m>', 'redundancy measure for coverage').choices(['mi', 'pearson', 'spearman', 'kendall']).default('mi'))
    .option('--theta <x>', 'coverage threshold θ in [0, 1]', numArg('--theta'), 0.2)
    .option('--alpha <x>', 'AIMD multiplicative decrease α in (0, 1) (default 0.4)', numArg('--alpha'))
    .option('--beta <x>', 'AIMD additive increase β (default 0.005)', numArg('--beta'))
    .option('--iterations <n>', 'AIMD iterations η', intArg('--iterations', 1), 500)
    .option('--epsilon0 <x>', 'seed ε0 (default 0.5)', numArg('--epsilon0'))
    .option('--tolerance <x>', 'size tolerance τ (default 1)', numArg('--tolerance'))
    .addOption(new Option('--compare <c>', 'AIMD compares the size with the previous one or all earlier ones').choices(['previous', 'all']))
    .option('-b, --bins <n>', 'bins per metric (default 16)', intArg('--bins', 2))
    .addOption(new Option('--binning <rule>', 'binning rule (default quantile)').choices(['quantile', 'uniform', 'auto']))
    .option('-t, --threads <n>', 'native threads (default: all cores)', intArg('--threads', 1))
    .option('--json', 'print selection.json to stdout instead of the summary')
    .option('-q, --quiet', 'no summary')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', `
Writes to --out: selection.json (the choice per service, ε, coverage, options), aimd.csv (the
size/coverage trade-off log), mi.arrow (the MI matrix, bits), rules.yaml (Prometheus alerting-rule
skeletons, thresholds to fill in) and report.html (a self-contained page to review the choice).

Examples:
  metricsift scan examples/trainticket/metrics.csv.gz
  metricsift scan ../shared/datasets/trainticket/2023-01-30 --out tt-0130
  metricsift scan metrics.csv --traces jaeger.json --measure spearman --theta 0.3`)
    .action((input: string, f: ScanFlags) => runCommand(f.verbose, () => scan(input, f)));
}

async function scan(input: string, f: ScanFlags): Promise<void> {
  const progress = stagedProgress(f.quiet || f.json);
  progress?.(`loading ${input}`, 0, 1);
  const data = await openDataset(input, f.format);
  progress?.(`loading ${input}`, 1, 1);
  let graph: CallGraph | undefined;
  let graphFrom = 'none (every service a root)';
  const traces = f.traces ?? (f.graph ? undefined : data.traces);
  if (traces) {
    graph = callGraphFromSpans(await readTraces(traces)).graph;
    graphFrom = `traces ${traces}`;
  } else if (f.graph ?? data.graph) {
    graph = await readGraph((f.graph ?? data.graph)!);
    graphFrom = `graph ${f.graph ?? data.graph}`;
  }
  const opts: KimetrixOptions = {
    mode: f.mode, measure: f.measure, theta: f.theta, alpha: f.alpha, beta: f.beta, iterations: f.iterations, epsilon0: f.epsilon0,
    tolerance: f.tolerance, compare: f.compare, bins: f.bins, binning: f.binning, threads: f.threads, graph, keepMatrices: true,
    onProgress: progress,
  };
  for (const k of Object.keys(opts) as (keyof KimetrixOptions)[]) if (opts[k] === undefined) delete opts[k];
  const res = await selectMetrics(data.table, opts);
  await mkdir(f.out, { recursive: true });
  await writeSelection(join(f.out, 'selection.json'), res);
  await writeAimdLog(join(f.out, 'aimd.csv'), res);
  await writeMatrix(join(f.out, 'mi.arrow'), res.matrices!.mi);
  await writeAlertRules(join(f.out, 'rules.yaml'), res.byService);
  await writeReport(join(f.out, 'report.html'), res, graph);
  if (f.json) {
    const { matrices: _m, ...json } = res;
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    return;
  }
  if (f.quiet) return;
  const constant = Array.from(res.matrices!.mi.columnEntropy.entropy).filter((h) => !(h > 0)).length;
  const lines = [
    `read ${data.table.names.length} metrics × ${data.table.rows} rows (${data.layout}); call graph from ${graphFrom}`,
    `dropped ${constant} constant or empty metrics`,
    `selected ${res.selected.length} metrics in ${Object.keys(res.byService).length} services (${res.mode}), ε = ${res.epsilon.toPrecision(3)}, coverage ${(100 * res.coverage).toFixed(1)} % (${res.measure}, θ = ${res.theta})`,
    ...Object.entries(res.byService).sort().map(([s, m]) => `  ${s}: ${m.length}`),
    ...res.warnings.map((w) => `warning [${w.code}]: ${w.message}`),
    `wrote ${['selection.json', 'aimd.csv', 'mi.arrow', 'rules.yaml', 'report.html'].map((x) => join(f.out, x)).join(', ')}`,
  ];
  process.stderr.write(lines.join('\n') + '\n');
}
