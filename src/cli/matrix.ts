/** `metricsift matrix <input>`: the pairwise MI/NMI/correlation matrix of a table's columns. */
import { checkOutput } from '../io/write.js';
import { DEFAULTS } from '../options.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { correlationMatrix, correlationPairsAbove, correlationTopK } from '../estimators/correlation.js';
import { miMatrix, miPairsAbove, miTopK, type Binning, type Normalization } from '../estimators/binned.js';
import { DEVICES, checkDevice, type DeviceReport } from '../device.js';
import type { PairList, PairMatrix } from '../estimators/matrix.js';
import { ksgMatrix, ksgPairsAbove, ksgTopK } from '../estimators/ksg.js';
import type { PairwiseOptions } from '../estimators/pairwise.js';
import type { InputFormat } from '../io/dataset.js';
import { STDOUT, STDOUT_JSON, writeMatrix, writePairs } from '../io/write.js';
import { parseShard, partHeader, shardRows, writePart, type ShardSpec } from '../shard.js';
import { badOption } from '../errors.js';
import { INPUT_HELP, formatOption, intArg, jsonOption, loadInput, numArg, progress, runCommand, summary, threadsOption, rangeArg } from './common.js';

export interface MatrixFlags {
  format?: InputFormat;
  json?: boolean;
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
  topK?: number;
  shard?: ShardSpec;
  float32?: boolean;
  out?: string;
  quiet?: boolean;
  verbose?: boolean;
  device?: string;
}

/** The options that choose what a matrix run computes (`matrix` and `queue submit` share them). */
export function addMatrixOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-m, --measure <measure>', 'what to compute').choices(['mi', 'nmi', 'ksg', 'pearson', 'spearman', 'kendall']).default('mi'))
    .option('-k, --k <n>', `KSG neighbours (default ${DEFAULTS.k})`, rangeArg('--k', 'k'))
    .addOption(new Option('--ksg <algorithm>', 'KSG algorithm (default 1)').choices(['1', '2']))
    .option('--jitter <seed|none>', 'KSG tie-breaking jitter seed, or none (default 0)')
    .option('--no-standardize', 'KSG: do not scale each column to unit variance')
    .option('-b, --bins <n>', `bins per column (binned measures; default ${DEFAULTS.bins}, the cap for auto)`, rangeArg('--bins', 'bins'))
    .addOption(new Option('--binning <rule>', 'how to bin continuous columns (default quantile)').choices(['quantile', 'uniform', 'auto']))
    .addOption(new Option('--normalization <n>', 'NMI denominator (default arithmetic)').choices(['arithmetic', 'geometric', 'min', 'max', 'joint']))
    .option('--miller-madow', 'apply the Miller–Madow bias correction')
    .option('--nats', 'values in nats instead of bits')
    .addOption(threadsOption())
    .option('--threshold <x>', 'write only pairs above x (|r| for correlations) as metric_a,metric_b,value,rows_used', numArg('--threshold'))
    .option('--top-k <k>', 'write only each metric\'s k best partners (highest value, |r| for correlations) as metric_a,metric_b,value,rows_used', rangeArg('--top-k', 'k'))
    .option('--float32', 'compute the dense matrix in float32 (half the memory)');
}

export function matrixCommand(): Command {
  return addMatrixOptions(new Command('matrix')
    .description('pairwise matrix of all metric columns (MI and NMI binned, KSG MI; Pearson, Spearman, Kendall tau-b)')
    .argument('<input>', `${INPUT_HELP}; the first CSV column is time`)
    .addOption(formatOption()))
    .option('--shard <i/N>', 'compute shard i of N (balanced by pair count) into a part file (--out F.part); `metricsift merge` joins the parts', shardArg)
    .option('--device <device>', `where mi/nmi pair counts run: ${DEVICES.join(', ')} (default cpu; same values on every device)`)
    .option('-o, --out <file>', 'output file; format by extension: .csv, .json, .arrow (default: CSV on stdout)')
    .addOption(jsonOption('the matrix (or the pairs with --threshold)'))
    .option('-q, --quiet', 'no progress on stderr, no summary')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', `
Examples:
  metricsift matrix examples/trainticket/metrics.csv.gz --measure nmi --out nmi.csv
  metricsift matrix metrics.arrow --measure kendall --threshold 0.8 --out pairs.csv
  metricsift matrix metrics.csv --measure nmi --shard 0/4 --out nmi-0.part   # … 3/4, then:
  metricsift merge nmi-*.part --out nmi.csv
  zcat metrics.csv.gz | metricsift matrix - --measure pearson --json
  metricsift matrix metrics.arrow --measure nmi --device auto --verbose --out nmi.arrow`)
    .action((input: string, flags: MatrixFlags) => runCommand(flags.verbose, () => matrix(input, flags)));
}

function shardArg(v: string): ShardSpec {
  try {
    return parseShard(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** The flags as the library's {@link PairwiseOptions} (what queue workers compute). */
export function pairwiseOptions(f: MatrixFlags): PairwiseOptions {
  return {
    measure: f.measure, k: f.k, algorithm: f.ksg === undefined ? undefined : (Number(f.ksg) as 1 | 2),
    jitter: f.jitter === undefined ? undefined : f.jitter === 'none' ? 'none' : Number(f.jitter), standardize: f.standardize,
    bins: f.bins, binning: f.binning, normalization: f.normalization, millerMadow: f.millerMadow, units: f.nats ? 'nats' : 'bits',
    threshold: f.threshold, topK: f.topK, precision: f.float32 ? 'float32' : 'float64', threads: f.threads,
  };
}

async function matrix(input: string, f: MatrixFlags): Promise<void> {
  // Checked before reading the input: a bad flag fails fast.
  const device = checkDevice(f.device);
  if (device && device !== 'cpu' && device !== 'auto' && f.measure !== 'mi' && f.measure !== 'nmi') {
    badOption('--device', `cpu or auto with --measure ${f.measure} (the devices count binned pairs: mi, nmi)`, device);
  }
  if (f.threshold !== undefined && f.topK !== undefined) badOption('--top-k', 'not together with --threshold', f.topK);
  if (f.shard && !f.out?.toLowerCase().endsWith('.part')) badOption('--out', 'a part file name ending in .part with --shard', f.out ?? '(standard output)');
  if (f.out && !f.shard) await checkOutput(f.out, '--out', ['csv', 'json', 'arrow']);
  const { table } = await loadInput(input, f.format);
  const rows = f.shard ? shardRows(table.names.length, f.shard) : undefined;
  const onProgress = progress(`${f.measure} matrix${f.shard ? ` shard ${f.shard.index}/${f.shard.count}` : ''}`, f.quiet);
  const precision = f.float32 ? 'float32' : 'float64';
  let result: PairMatrix | PairList;
  if (f.measure === 'ksg') {
    const jitter = f.jitter === undefined ? undefined : f.jitter === 'none' ? 'none' : Number(f.jitter);
    const opts = {
      k: f.k, algorithm: f.ksg === undefined ? undefined : (Number(f.ksg) as 1 | 2), jitter: jitter as number | 'none' | undefined,
      standardize: f.standardize, units: f.nats ? 'nats' : 'bits', threads: f.threads, rows, onProgress,
    } as const;
    if (f.threshold !== undefined) result = await ksgPairsAbove(table, f.threshold, opts);
    else if (f.topK !== undefined) result = await ksgTopK(table, f.topK, opts);
    else {
      const m = await ksgMatrix(table, { ...opts, precision });
      if (!f.quiet) for (const w of m.warnings) process.stderr.write(`warning [${w.code}]: ${w.message}\n`);
      result = m;
    }
  } else if (f.measure === 'mi' || f.measure === 'nmi') {
    const opts = {
      measure: f.measure, bins: f.bins, binning: f.binning, normalization: f.normalization, millerMadow: f.millerMadow,
      units: f.nats ? 'nats' : 'bits', threads: f.threads, precision, rows, onProgress, device,
    } as const;
    const r = f.threshold !== undefined ? await miPairsAbove(table, f.threshold, opts)
      : f.topK !== undefined ? await miTopK(table, f.topK, opts) : await miMatrix(table, opts);
    reportDevice(r.device, f);
    result = r;
  } else {
    const opts = { method: f.measure, threads: f.threads, precision, rows, onProgress } as const;
    result = f.threshold !== undefined ? await correlationPairsAbove(table, f.threshold, opts)
      : f.topK !== undefined ? await correlationTopK(table, f.topK, opts) : await correlationMatrix(table, opts);
  }
  if (f.shard) {
    await writePart(f.out!, {
      header: partHeader(table, pairwiseOptions(f), f.shard, result.measure, input),
      result,
    });
    return;
  }
  const out = f.out ?? (f.json ? STDOUT_JSON : STDOUT);
  if ('values' in result) await writeMatrix(out, result);
  else await writePairs(out, result);
  if (f.out) {
    const what = 'values' in result ? `${result.names.length} × ${result.names.length} ${f.measure} matrix`
      : f.topK !== undefined ? `${result.i.length} pairs, the top ${f.topK} partners of each metric (${f.measure})` : `${result.i.length} pairs above ${f.threshold} (${f.measure})`;
    summary(f.quiet, [`${what} of ${table.names.length} metrics × ${table.rows} rows written to ${f.out}`]);
  }
}

/** The device used: on stderr with --verbose; a fallback's reason unless --quiet. */
function reportDevice(d: DeviceReport | undefined, f: MatrixFlags): void {
  if (!d) return;
  if (f.verbose) process.stderr.write(`device: ${d.used} (${d.detail}; asked for ${d.requested})\n`);
  if (d.note && !f.quiet) process.stderr.write(`note: device ${d.requested}: ${d.note}\n`);
}
