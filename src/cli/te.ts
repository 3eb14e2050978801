/** `metricsift te <metrics> --from a --to b [--lag L]`: binned transfer entropy with a permutation p-value. */
import { DEFAULTS } from '../options.js';
import { Command, Option } from 'commander';
import { transferEntropy } from '../analysis/transfer.js';
import { columnValues } from '../analysis/coding.js';
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { Binning } from '../estimators/binned.js';
import type { InputFormat } from '../io/dataset.js';
import { STDOUT_JSON, checkOutput, writeTransferEntropy } from '../io/write.js';
import { INPUT_HELP, formatOption, intArg, jsonOption, loadInput, numArg, runCommand, rangeArg, summary, threadsOption } from './common.js';

interface TeFlags {
  format?: InputFormat;
  from: string;
  to: string;
  lag?: number;
  permutations?: number;
  surrogate?: 'shuffle' | 'shift';
  block?: number | 'auto';
  ci?: number;
  replicates?: number;
  seed?: number;
  bins?: number;
  binning?: Binning;
  nats?: boolean;
  threads?: number;
  json?: boolean;
  out?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export function teCommand(): Command {
  return new Command('te')
    .description('binned transfer entropy TE(from → to) = I(to_t ; from_{t−lag} | to_{t−1}), both directions, with permutation p-values')
    .argument('<metrics>', INPUT_HELP)
    .addOption(formatOption())
    .requiredOption('--from <column>', 'source series')
    .requiredOption('--to <column>', 'target series')
    .option('--lag <n>', `lag of the source in rows (default ${DEFAULTS.lag})`, intArg('--lag', 1))
    .option('--permutations <n>', `surrogates for the p-value (default ${DEFAULTS.permutations}; 0 for none)`, rangeArg('--permutations', 'permutations', 0))
    .addOption(new Option('--surrogate <kind>', 'surrogate sources: block shuffles or circular shifts (default shuffle)').choices(['shuffle', 'shift']))
    .option('--block <n|auto>', 'block length of shuffle surrogates and the bootstrap (default auto: Politis–White)', (v: string) => (v === 'auto' ? 'auto' : intArg('--block', 1)(v)))
    .option('--ci <level>', 'bias-corrected block-bootstrap interval of TE at this level, e.g. 0.95', numArg('--ci'))
    .option('--replicates <n>', `bootstrap replicates for --ci (default ${DEFAULTS.replicates})`, rangeArg('--replicates', 'replicates'))
    .option('--seed <n>', `seed (default ${DEFAULTS.seed})`, intArg('--seed', 0))
    .option('-b, --bins <n>', `bins per series (default ${DEFAULTS.bins})`, rangeArg('--bins', 'bins'))
    .addOption(new Option('--binning <rule>', 'binning rule (default quantile)').choices(['quantile', 'uniform', 'auto']))
    .option('--nats', 'values in nats instead of bits')
    .addOption(threadsOption())
    .option('-o, --out <file>', 'write the result there (.json, or .csv: one row per direction) instead of JSON on stdout')
    .addOption(jsonOption('the result (the default without --out)'))
    .option('-q, --quiet', 'no summary')
    .option('--verbose', 'stack traces on errors')
    .action((input: string, f: TeFlags) =>
      runCommand(f.verbose, async () => {
        if (f.out) await checkOutput(f.out, '--out', ['csv', 'json']);
        const { table } = await loadInput(input, f.format);
        const col = (name: string) => {
          const i = table.names.indexOf(name);
          if (i < 0) throw new MetricsiftError(`The column ${JSON.stringify(name)} is not in ${input}`, ErrorCode.COLUMN_MISSING);
          return columnValues(table.columns[i]);
        };
        const x = col(f.from), y = col(f.to);
        const o = { lag: f.lag, permutations: f.permutations, surrogate: f.surrogate, block: f.block, ci: f.ci, replicates: f.replicates, seed: f.seed, bins: f.bins, binning: f.binning, threads: f.threads, units: f.nats ? 'nats' : 'bits' } as const;
        const r = { from: f.from, to: f.to, forward: transferEntropy(x, y, o), backward: transferEntropy(y, x, o) };
        await writeTransferEntropy(f.out ?? STDOUT_JSON, r);
        if (f.out) {
          const one = (a: string, b: string, t: typeof r.forward) => `TE(${a} → ${b}) = ${t.te.toPrecision(4)} ${t.units}${Number.isNaN(t.p) ? '' : ` (p = ${t.p.toPrecision(3)})`}`;
          summary(f.quiet, [`${one(f.from, f.to, r.forward)}, ${one(f.to, f.from, r.backward)}, lag ${r.forward.lag}; written to ${f.out}`]);
        }
      }),
    );
}
