/** `metricsift rank <metrics> --target <column|labels-file>`: every metric ranked by MI to a target. */
import { stat } from 'node:fs/promises';
import { checkOutput } from '../io/write.js';
import { DEFAULTS } from '../options.js';
import { Command, Option } from 'commander';
import { rankToTarget, type VariableInput } from '../analysis/rank.js';
import { ErrorCode, MetricsiftError, WarningCode } from '../errors.js';
import type { Binning } from '../estimators/binned.js';
import type { InputFormat } from '../io/dataset.js';
import { readLabels } from '../io/labels.js';
import { writeRanking } from '../io/write.js';
import { STDOUT, STDOUT_JSON } from '../io/write.js';
import type { ColumnTable } from '../table.js';
import { INPUT_HELP, formatOption, intArg, jsonOption, loadInput, numArg, runCommand, summary, threadsOption, withPool, workersOption, rangeArg } from './common.js';

interface RankFlags {
  format?: InputFormat;
  json?: boolean;
  target: string;
  given?: string;
  ci?: number;
  method?: 'bias-corrected' | 'percentile';
  replicates?: number;
  permutations?: number;
  fdr?: number;
  orderBy?: 'mi' | 'miller-madow' | 'estimate' | 'excess';
  estimator?: 'binned' | 'ksg';
  k?: number;
  block?: number | 'auto';
  seed?: number;
  share?: number;
  bins?: number;
  binning?: Binning;
  nats?: boolean;
  threads?: number;
  workers?: number;
  out?: string;
  quiet?: boolean;
  verbose?: boolean;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A column of the table, else a labels file, else MS_TARGET_MISSING naming both. */
async function resolve(table: ColumnTable, spec: string, role: 'target' | 'given'): Promise<{ value: VariableInput; name: string }> {
  if (table.names.includes(spec)) return { value: spec, name: spec };
  if (await isFile(spec)) {
    const labels = await readLabels(spec);
    if (labels.values.length !== table.rows) {
      throw new MetricsiftError(
        `${spec}: ${labels.values.length} labels for ${table.rows} rows of metrics (a labels file has a header line, then one label per metrics row)`,
        ErrorCode.LENGTH_MISMATCH,
      );
    }
    return { value: labels.values, name: labels.name };
  }
  throw new MetricsiftError(`--${role} ${JSON.stringify(spec)} is neither a column of the metrics nor a labels file`, role === 'target' ? ErrorCode.TARGET_MISSING : ErrorCode.COLUMN_MISSING);
}

/** `--block`: a length ≥ 1 or `auto`. */
function blockArg(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  return intArg('--block', 1)(v);
}

export function rankCommand(): Command {
  return new Command('rank')
    .description('rank every metric by its binned MI to a target column or a labels file (highest first)')
    .argument('<metrics>', INPUT_HELP)
    .addOption(formatOption())
    .requiredOption('--target <column|file>', 'a column of the metrics, or a labels CSV (header, then one label per row; or time,label)')
    .option('--given <column|file>', 'rank by conditional MI given this confounder (a column or a labels file)')
    .option('--ci <level>', 'bootstrap interval per metric at this level, e.g. 0.95 (bias-corrected; see --method)', numArg('--ci'))
    .addOption(new Option('--method <rule>', 'interval rule (default bias-corrected: basic interval around the bias-corrected estimate)').choices(['bias-corrected', 'percentile']))
    .option('--replicates <n>', `bootstrap replicates (default ${DEFAULTS.replicates}; KSG half-samples ${DEFAULTS.ksgReplicates}; < 100 warns)`, rangeArg('--replicates', 'replicates'))
    .option('--permutations <n>', 'permutation p-value, excess over the null and BH q-value per metric with n permutations (e.g. 999)', rangeArg('--permutations', 'permutations'))
    .option('--fdr <q>', 'top N and total only over the metrics with a Benjamini–Hochberg q-value ≤ q (needs --permutations)', numArg('--fdr'))
    .addOption(new Option('--order-by <value>', 'order of the ranking: plug-in mi (default), miller-madow, estimate (needs --ci) or excess (needs --permutations)').choices(['mi', 'miller-madow', 'estimate', 'excess']))
    .addOption(new Option('--estimator <name>', 'binned (default) or ksg (numeric target; no --given)').choices(['binned', 'ksg']))
    .option('-k, --k <n>', `KSG neighbours (default ${DEFAULTS.k})`, rangeArg('--k', 'k'))
    .option('--block <n|auto>', 'block length of the bootstrap and permutations (default auto: Politis–White per metric; 1: rows)', blockArg)
    .option('--seed <n>', `seed of the bootstrap and permutations (default ${DEFAULTS.seed})`, intArg('--seed', 0))
    .option('--share <x>', `report the smallest top N carrying this share of the total MI (default ${DEFAULTS.share})`, numArg('--share'))
    .option('-b, --bins <n>', `bins per metric (default ${DEFAULTS.bins})`, rangeArg('--bins', 'bins'))
    .addOption(new Option('--binning <rule>', 'binning rule (default quantile)').choices(['quantile', 'uniform', 'auto']))
    .option('--nats', 'values in nats instead of bits')
    .addOption(threadsOption())
    .addOption(workersOption())
    .option('-o, --out <file>', 'output: .json ({"target", "ranking": [{"metric", "mi", "ci", "p"}, …], …}) or .csv (default: CSV on stdout)')
    .addOption(jsonOption('the ranking'))
    .option('-q, --quiet', 'no summary')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', `
Examples:
  metricsift rank examples/trainticket/metrics.csv.gz --target 'front/LatencyP90(s)' --ci 0.95 --out rank.json
  metricsift rank metrics.csv --target labels.csv --permutations 999 --given 'front/QPS'`)
    .action((input: string, f: RankFlags) =>
      runCommand(f.verbose, async () => {
        if (f.fdr !== undefined && f.permutations === undefined) throw new MetricsiftError('--fdr needs --permutations (q-values come from permutation p-values)', ErrorCode.BAD_OPTION);
        if (f.out) await checkOutput(f.out, '--out', ['csv', 'json']);
        const { table } = await loadInput(input, f.format);
        const target = await resolve(table, f.target, 'target');
        const given = f.given === undefined ? undefined : await resolve(table, f.given, 'given');
        const r = await withPool(f.workers, f.threads, (pool) => rankToTarget(table, target.value, {
          targetName: target.name, given: given?.value, givenName: given?.name, ci: f.ci, method: f.method, replicates: f.replicates,
          permutations: f.permutations, q: f.fdr, orderBy: f.orderBy, estimator: f.estimator, k: f.k, block: f.block, seed: f.seed, share: f.share,
          bins: f.bins, binning: f.binning, units: f.nats ? 'nats' : 'bits', threads: f.threads, pool,
        }));
        await writeRanking(f.out ?? (f.json ? STDOUT_JSON : STDOUT), r);
        // Warnings are diagnostics (stderr); the summary sits with results (stdout) when those went to a file.
        if (!f.quiet && f.out) for (const w of r.warnings) process.stderr.write(`warning [${w.code}]: ${w.message}\n`);
        if (f.out) {
          summary(f.quiet, [`${r.ranking.length} metrics ranked to ${r.target}${r.given ? ` given ${r.given}` : ''}; top ${r.topN}${r.q !== undefined ? ` (of those with q ≤ ${r.q})` : ''} carry ${Math.round(r.share * 100)} % of the total ${r.measure.toUpperCase()} (${r.total.toPrecision(4)} ${r.units})`]);
        }
        // Too few replicates for the level asked makes every interval doubtful: said even without --out.
        if (!f.quiet && !f.out) for (const w of r.warnings) if (w.code === WarningCode.FEW_REPLICATES) process.stderr.write(`warning [${w.code}]: ${w.message}\n`);
      }),
    );
}
