/** `metricsift leakage <file.csv> --pseudonym col --identifier col [--by col]`: what a pseudonym reveals. */
import { checkOutput } from '../io/write.js';
import { Command, Option } from 'commander';
import { leakageTable } from '../analysis/leakage.js';
import { parseCell, readCsvStrings } from '../io/csv.js';
import { readCsvStringsStdin, STDIN } from '../io/stdin.js';
import { writeLeakage } from '../io/write.js';
import { STDOUT, STDOUT_JSON } from '../io/write.js';
import { jsonOption, numArg, runCommand, summary } from './common.js';

interface LeakageFlags {
  format?: 'csv' | 'tsv';
  json?: boolean;
  pseudonym: string;
  identifier: string;
  by?: string;
  threshold?: number;
  fraction?: number;
  millerMadow?: boolean;
  nats?: boolean;
  out?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export function leakageCommand(): Command {
  return new Command('leakage')
    .description('MI between a pseudonymised column and the raw identifier (exact, over categories), overall and per segment')
    .argument('<file>', 'a CSV (.csv, .tsv, optionally gzip-compressed) with a header, or - for CSV on stdin; cells are read as text (categories)')
    .addOption(new Option('--format <format>', 'csv or tsv instead of detecting it from the extension').choices(['csv', 'tsv']))
    .requiredOption('--pseudonym <column>', 'the pseudonymised column')
    .requiredOption('--identifier <column>', 'the raw identifier column')
    .option('--by <column>', 'score each segment of this column too')
    .option('--threshold <bits>', 'flag scores above this MI (bits, or nats with --nats)', numArg('--threshold'))
    .option('--fraction <x>', 'flag scores above this fraction of H(identifier) (default 0.1 without --threshold)', numArg('--fraction'))
    .option('--miller-madow', 'apply the Miller–Madow bias correction')
    .option('--nats', 'values in nats instead of bits')
    .option('-o, --out <file>', 'output: .json or .csv (default: CSV on stdout)')
    .addOption(jsonOption('the scores'))
    .option('-q, --quiet', 'no summary')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', '\nEmpty cells and NaN/NA/null spellings are missing.\nExample:\n  metricsift leakage events.csv --pseudonym user_hash --identifier user_id --by region --fraction 0.05')
    .action((input: string, f: LeakageFlags) =>
      runCommand(f.verbose, async () => {
        if (f.out) await checkOutput(f.out, '--out', ['csv', 'json']);
        const delimiter = (f.format ?? (/\.tsv(\.gz)?$/i.test(input) ? 'tsv' : 'csv')) === 'tsv' ? '\t' : ',';
        const t = input === STDIN ? await readCsvStringsStdin({ delimiter }) : await readCsvStrings(input, { delimiter });
        // The same missing spellings as the numeric reader.
        const columns = t.columns.map((c) => c.map((v) => (Number.isNaN(parseCell(v)) ? '' : v)));
        const r = leakageTable({ names: t.names, columns }, { pseudonym: f.pseudonym, identifier: f.identifier, by: f.by }, {
          threshold: f.threshold, thresholdFraction: f.fraction, millerMadow: f.millerMadow, units: f.nats ? 'nats' : 'bits',
        });
        await writeLeakage(f.out ?? (f.json ? STDOUT_JSON : STDOUT), r);
        if (f.out) {
          const o = r.overall;
          summary(f.quiet, [`${f.pseudonym} reveals ${o.mi.toPrecision(4)} ${f.nats ? 'nats' : 'bits'} (${(100 * o.fraction).toFixed(1)} % of H(${f.identifier}))${r.segments.length ? `; ${r.flagged.length} of ${r.segments.length} segments of ${f.by} flagged` : ''}; written to ${f.out}`]);
        }
      }),
    );
}
