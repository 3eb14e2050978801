/** `metricsift drift <metrics> --pair a,b | --target col --window N`: MI per sliding window and sustained changes. */
import { checkOutput, writeFiles } from '../io/write.js';
import { DEFAULTS } from '../options.js';
import { Command, Option } from 'commander';
import { driftTable, type DriftPairs } from '../analysis/drift.js';
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { Binning } from '../estimators/binned.js';
import type { InputFormat } from '../io/dataset.js';
import { writeDrift } from '../io/write.js';
import { STDOUT, STDOUT_JSON } from '../io/write.js';
import { writeDriftReport } from '../report/drift.js';
import type { ColumnTable } from '../table.js';
import { INPUT_HELP, formatOption, intArg, jsonOption, loadInput, numArg, runCommand, summary, threadsOption, withPool, workersOption, rangeArg } from './common.js';

interface DriftFlags {
  format?: InputFormat;
  json?: boolean;
  pair?: string[];
  target?: string;
  window: number;
  step?: number;
  persist?: number;
  block?: number | 'auto';
  method?: 'bias-corrected' | 'percentile';
  estimator?: 'binned' | 'ksg';
  k?: number;
  ci?: number;
  replicates?: number;
  baseline?: string;
  seed?: number;
  bins?: number;
  binning?: Binning;
  nats?: boolean;
  threads?: number;
  workers?: number;
  out?: string;
  report?: string;
  quiet?: boolean;
  verbose?: boolean;
}

/** "a,b" into two columns; names may hold commas, so every split point is tried against the table. */
function splitPair(t: ColumnTable, spec: string): [string, string] {
  const found: [string, string][] = [];
  for (let i = spec.indexOf(','); i >= 0; i = spec.indexOf(',', i + 1)) {
    const a = spec.slice(0, i), b = spec.slice(i + 1);
    if (t.names.includes(a) && t.names.includes(b)) found.push([a, b]);
  }
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new MetricsiftError(`--pair ${JSON.stringify(spec)} can be split into columns in more than one way`, ErrorCode.BAD_OPTION);
  if (!spec.includes(',')) throw new MetricsiftError(`--pair ${JSON.stringify(spec)}: expected two columns as a,b`, ErrorCode.BAD_OPTION);
  const [a, b] = [spec.slice(0, spec.indexOf(',')), spec.slice(spec.indexOf(',') + 1)];
  const missing = t.names.includes(a) ? b : a;
  throw new MetricsiftError(`--pair ${JSON.stringify(spec)}: the column ${JSON.stringify(missing)} is not in the metrics`, ErrorCode.COLUMN_MISSING);
}

export function driftCommand(): Command {
  return new Command('drift')
    .description('MI over sliding windows with block-bootstrap intervals; flags sustained changes against a baseline')
    .argument('<metrics>', INPUT_HELP)
    .addOption(formatOption())
    .option('--pair <a,b>', 'a pair of columns (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--target <column>', 'every metric against this column instead of --pair')
    .requiredOption('--window <n>', 'rows per window', intArg('--window', 4))
    .option('--step <n>', 'rows between window starts (default: the window)', intArg('--step', 1))
    .option('--persist <n>', `windows in a row outside the baseline before a change is flagged (default ${DEFAULTS.persist})`, intArg('--persist', 1))
    .option('--block <n|auto>', 'bootstrap block length (default auto: Politis–White per window)', (v: string) => (v === 'auto' ? 'auto' : intArg('--block', 1)(v)))
    .addOption(new Option('--method <rule>', 'interval rule (default bias-corrected)').choices(['bias-corrected', 'percentile']))
    .addOption(new Option('--estimator <name>', 'binned (default) or ksg (KSG MI per window, half-sample intervals)').choices(['binned', 'ksg']))
    .option('-k, --k <n>', `KSG neighbours (default ${DEFAULTS.k})`, rangeArg('--k', 'k'))
    .option('--ci <level>', `interval level (default ${DEFAULTS.level})`, numArg('--ci'))
    .option('--replicates <n>', `bootstrap replicates per window (default ${DEFAULTS.replicates})`, rangeArg('--replicates', 'replicates', 10))
    .option('--baseline <first,last>', 'baseline rows [first, last) (default: the first window)')
    .option('--seed <n>', `seed (default ${DEFAULTS.seed})`, intArg('--seed', 0))
    .option('-b, --bins <n>', `bins per series (default ${DEFAULTS.bins}; mind the small-sample warning on short windows)`, rangeArg('--bins', 'bins'))
    .addOption(new Option('--binning <rule>', 'binning rule (default quantile)').choices(['quantile', 'uniform', 'auto']))
    .option('--nats', 'values in nats instead of bits')
    .addOption(threadsOption())
    .addOption(workersOption())
    .option('-o, --out <file>', 'windows as .csv or .json (default: CSV on stdout)')
    .option('--report <file.html>', 'also write a self-contained HTML report with one plot per pair')
    .addOption(jsonOption('the windows'))
    .option('-q, --quiet', 'no summary')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', `
Example:
  metricsift drift examples/trainticket/metrics.csv.gz --pair 'front/QPS,front/LatencyP90(s)' --window 120 --step 30 --bins 4 --report drift.html`)
    .action((input: string, f: DriftFlags) =>
      runCommand(f.verbose, async () => {
        if ((f.pair === undefined) === (f.target === undefined)) throw new MetricsiftError('give either --pair a,b (repeatable) or --target <column>', ErrorCode.BAD_OPTION);
        if (f.out) await checkOutput(f.out, '--out', ['csv', 'json']);
        if (f.report) await checkOutput(f.report, '--report', ['html'], false);
        const { table } = await loadInput(input, f.format);
        const which: DriftPairs = f.pair ? { pairs: f.pair.map((p) => splitPair(table, p)) } : { target: f.target! };
        let baseline: [number, number] | undefined;
        if (f.baseline !== undefined) {
          const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(f.baseline);
          if (!m) throw new MetricsiftError(`--baseline ${JSON.stringify(f.baseline)}: expected rows first,last`, ErrorCode.BAD_OPTION);
          baseline = [Number(m[1]), Number(m[2])];
        }
        const results = await withPool(f.workers, f.threads, (pool) => driftTable(table, which, {
          window: f.window, step: f.step, persist: f.persist, block: f.block, method: f.method, estimator: f.estimator, k: f.k, level: f.ci, replicates: f.replicates, baseline, seed: f.seed,
          bins: f.bins, binning: f.binning, units: f.nats ? 'nats' : 'bits', threads: f.threads, pool,
        }));
        // All or nothing: the files are renamed into place only once both are written.
        const files = [f.out, f.report].filter((p): p is string => p !== undefined && p !== '-');
        await writeFiles(files, async (staged) => {
          const at = (p: string | undefined) => (p === undefined || p === '-' ? p : staged[files.indexOf(p)]);
          await writeDrift(at(f.out) ?? (f.json ? STDOUT_JSON : STDOUT), results);
          if (f.report) await writeDriftReport(at(f.report)!, results);
        });
        if (f.out) {
          const changed = results.filter((r) => r.changes.length > 0);
          summary(f.quiet, [
            `${results.length} pair${results.length === 1 ? '' : 's'}, ${results[0]?.windows.length ?? 0} windows each; sustained changes in ${changed.length}`,
            ...changed.slice(0, 20).map((r) => `  ${r.a} ~ ${r.b}: ${r.changes.map((c) => `${c.direction} rows ${c.start}–${c.end - 1}`).join('; ')}`),
          ]);
        }
      }),
    );
}
