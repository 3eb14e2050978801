/** `metricsift entropy <input>`: per-metric binned entropy and the rows it used. */
import { checkOutput } from '../io/write.js';
import { DEFAULTS } from '../options.js';
import { Command, Option } from 'commander';
import { entropies, type Binning } from '../estimators/binned.js';
import type { InputFormat } from '../io/dataset.js';
import { STDOUT, STDOUT_JSON, writeEntropy } from '../io/write.js';
import { INPUT_HELP, formatOption, intArg, jsonOption, loadInput, runCommand, summary, threadsOption, rangeArg } from './common.js';

interface EntropyFlags {
  format?: InputFormat;
  json?: boolean;
  quiet?: boolean;
  bins?: number;
  binning?: Binning;
  millerMadow?: boolean;
  nats?: boolean;
  threads?: number;
  out?: string;
  verbose?: boolean;
}

export function entropyCommand(): Command {
  return new Command('entropy')
    .description('binned entropy and missing-value count of every metric column: metric,entropy_bits,rows_used,missing')
    .argument('<input>', INPUT_HELP)
    .addOption(formatOption())
    .option('-b, --bins <n>', `bins per column (default ${DEFAULTS.bins})`, rangeArg('--bins', 'bins'))
    .addOption(new Option('--binning <rule>', 'how to bin continuous columns (default quantile)').choices(['quantile', 'uniform', 'auto']))
    .option('--miller-madow', 'apply the Miller–Madow bias correction')
    .option('--nats', 'entropy in nats instead of bits')
    .addOption(threadsOption())
    .option('-o, --out <file>', 'output file (.csv or .json; default: CSV on stdout)')
    .addOption(jsonOption('the entropies'))
    .option('-q, --quiet', 'no summary')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', '\nExample:\n  metricsift entropy examples/trainticket/metrics.csv.gz --out entropy.csv')
    .action((input: string, f: EntropyFlags) =>
      runCommand(f.verbose, async () => {
        if (f.out) await checkOutput(f.out, '--out', ['csv', 'json', 'arrow']);
        const { table } = await loadInput(input, f.format);
        const units = f.nats ? 'nats' : 'bits';
        const h = await entropies(table, { bins: f.bins, binning: f.binning, millerMadow: f.millerMadow, units, threads: f.threads });
        const rows = h.names.map((name, i) => ({ name, entropy: h.entropy[i], rowsUsed: h.rowsUsed[i], missing: table.rows - h.rowsUsed[i] }));
        await writeEntropy(f.out ?? (f.json ? STDOUT_JSON : STDOUT), rows, `entropy_${units}`);
        if (f.out) summary(f.quiet, [`entropy of ${rows.length} metrics × ${table.rows} rows (${units}) written to ${f.out}`]);
      }),
    );
}
