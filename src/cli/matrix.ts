/** `metricsift matrix <input>`: the pairwise MI/NMI/correlation matrix of a table's columns. */
import { Command, Option } from 'commander';
import { correlationMatrix, correlationPairsAbove } from '../estimators/correlation.js';
import { miMatrix, miPairsAbove, type Binning, type Normalization } from '../estimators/binned.js';
import type { PairList, PairMatrix } from '../estimators/matrix.js';
import { ksgMatrix, ksgPairsAbove } from '../estimators/ksg.js';
import { readTable } from '../io/read.js';
import { writeMatrix, writePairs } from '../io/write.js';
import { intArg, numArg, progress, runCommand } from './common.js';

interface MatrixFlags {
  measure: 'mi' | 'nmi' | 'ksg' | 'pearson' | 'spearman' | 'kendall';
  k?: number;
  ksg?: '1' | '2';
  jitter?: string;
  standardize?: boolean;
  bins?: number;
  binning?: Binning;
  normalization?: Normalization;
  millerMadow?: boolean;
  nats?: boolean;
  threads?: number;
  threshold?: number;
  float32?: boolean;
  out?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export function matrixCommand(): Command {
  return new Command('matrix')
    .description('pairwise matrix of all metric columns (MI and NMI binned, KSG MI; Pearson, Spearman, Kendall tau-b)')
    .argument('<input>', 'wide table: .csv, .csv.gz, .tsv or .arrow (first CSV column is time)')
    .addOption(new Option('-m, --measure <measure>', 'what to compute').choices(['mi', 'nmi', 'ksg', 'pearson', 'spearman', 'kendall']).default('mi'))
    .option('-k, --k <n>', 'KSG neighbours (default 3)', intArg('--k', 1))
    .addOption(new Option('--ksg <algorithm>', 'KSG algorithm (default 1)').choices(['1', '2']))
    .option('--jitter <seed|none>', 'KSG tie-breaking jitter seed, or none (default 0)')
    .option('--no-standardize', 'KSG: do not scale each column to unit variance')
    .option('-b, --bins <n>', 'bins per column (binned measures; default 16, the cap for auto)', intArg('--bins', 2))
    .addOption(new Option('--binning <rule>', 'how to bin continuous columns (default quantile)').choices(['quantile', 'uniform', 'auto']))
    .addOption(new Option('--normalization <n>', 'NMI denominator (default arithmetic)').choices(['arithmetic', 'geometric', 'min', 'max', 'joint']))
    .option('--miller-madow', 'apply the Miller–Madow bias correction')
    .option('--nats', 'values in nats instead of bits')
    .option('-t, --threads <n>', 'native threads (default: all cores)', intArg('--threads', 1))
    .option('--threshold <x>', 'write only pairs above x (|r| for correlations) as metric_a,metric_b,value,rows_used', numArg('--threshold'))
    .option('--float32', 'compute the dense matrix in float32 (half the memory)')
    .option('-o, --out <file>', 'output file; format by extension: .csv, .json, .arrow (default: CSV on stdout)')
    .option('-q, --quiet', 'no progress on stderr')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', `
Examples:
  metricsift matrix examples/trainticket/metrics.csv.gz --measure nmi --out nmi.csv
  metricsift matrix metrics.arrow --measure kendall --threshold 0.8 --out pairs.csv`)
    .action((input: string, flags: MatrixFlags) => runCommand(flags.verbose, () => matrix(input, flags)));
}

async function matrix(input: string, f: MatrixFlags): Promise<void> {
  const table = await readTable(input);
  const onProgress = progress(`${f.measure} matrix`, f.quiet);
  const precision = f.float32 ? 'float32' : 'float64';
  let result: PairMatrix | PairList;
  if (f.measure === 'ksg') {
    const jitter = f.jitter === undefined ? undefined : f.jitter === 'none' ? 'none' : Number(f.jitter);
    const opts = {
      k: f.k, algorithm: f.ksg === undefined ? undefined : (Number(f.ksg) as 1 | 2), jitter: jitter as number | 'none' | undefined,
      standardize: f.standardize, units: f.nats ? 'nats' : 'bits', threads: f.threads, onProgress,
    } as const;
    result = f.threshold === undefined ? await ksgMatrix(table, { ...opts, precision }) : await ksgPairsAbove(table, f.threshold, opts);
  } else if (f.measure === 'mi' || f.measure === 'nmi') {
    const opts = {
      measure: f.measure, bins: f.bins, binning: f.binning, normalization: f.normalization, millerMadow: f.millerMadow,
      units: f.nats ? 'nats' : 'bits', threads: f.threads, precision, onProgress,
    } as const;
    result = f.threshold === undefined ? await miMatrix(table, opts) : await miPairsAbove(table, f.threshold, opts);
  } else {
    const opts = { method: f.measure, threads: f.threads, precision, onProgress } as const;
    result = f.threshold === undefined ? await correlationMatrix(table, opts) : await correlationPairsAbove(table, f.threshold, opts);
  }
  if ('values' in result) await writeMatrix(f.out ?? '-', result);
  else await writePairs(f.out ?? '-', result);
}
