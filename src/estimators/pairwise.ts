/**
 * One entry point for every all-pairs measure and output: what `metricsift matrix`, shards and
 * queue workers call, so that each computes a pair exactly as the others do.
 */
import { badOption } from '../errors.js';
import { DEFAULTS } from '../options.js';
import type { TableInput } from '../table.js';
import { miMatrix, miPairsAbove, miTopK, type Binning, type Normalization } from './binned.js';
import { correlationMatrix, correlationPairsAbove, correlationTopK } from './correlation.js';
import { ksgMatrix, ksgPairsAbove, ksgTopK } from './ksg.js';
import type { PairList, PairMatrix } from './matrix.js';
import type { RunOptions } from './run.js';

/** The measures of {@link pairwise}. */
export const PAIRWISE_MEASURES = ['mi', 'nmi', 'ksg', 'pearson', 'spearman', 'kendall'] as const;
export type PairwiseMeasure = (typeof PAIRWISE_MEASURES)[number];

/** Options of {@link pairwise}: the measure, its own options, and the output. */
export interface PairwiseOptions extends Omit<RunOptions, 'columns'> {
  measure: PairwiseMeasure;
  /** KSG: neighbours, algorithm, jitter, standardisation. */
  k?: number;
  algorithm?: 1 | 2;
  jitter?: number | 'none';
  standardize?: boolean;
  /** Binned measures. */
  bins?: number;
  binning?: Binning;
  normalization?: Normalization;
  millerMadow?: boolean;
  /** MI, NMI and KSG: bits (default) or nats. */
  units?: 'bits' | 'nats';
  /** Only the pairs above this value (|r| for correlations). */
  threshold?: number;
  /** Only each column's `topK` best partners. */
  topK?: number;
  /** Dense matrices: element type. */
  precision?: 'float64' | 'float32';
}

/** Checks what the measure functions cannot check alone (e.g. threshold and top-k together). */
export function checkPairwiseOptions(o: PairwiseOptions): void {
  if (!o || !(PAIRWISE_MEASURES as readonly string[]).includes(o.measure)) badOption('measure', `one of ${PAIRWISE_MEASURES.join(', ')}`, o?.measure);
  if (o.threshold !== undefined && o.topK !== undefined) badOption('topK', 'not together with threshold', o.topK);
}

/**
 * The options that change a {@link pairwise} result, in one canonical form: only those the measure
 * reads, defaults known on this side filled in (KSG k = 3, algorithm 1, jitter 0, standardised;
 * units bits; no Miller–Madow; dense precision float64), run-only options (threads, rows, signal,
 * progress, device) dropped. Shard parts and queue tiles record this, so a part written by
 * `matrix --shard` and one written by a queue worker for the same run compare equal at merge.
 */
export function canonicalPairwiseOptions(o: PairwiseOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { measure: o.measure };
  const kind = pairwiseOutput(o);
  if (kind === 'threshold') out.threshold = o.threshold;
  else if (kind === 'topk') out.topK = o.topK;
  else out.precision = o.precision ?? 'float64';
  if (o.measure === 'ksg') {
    Object.assign(out, { k: o.k ?? DEFAULTS.k, algorithm: o.algorithm ?? 1, jitter: o.jitter ?? 0, standardize: o.standardize ?? true, units: o.units ?? 'bits' });
  } else if (o.measure === 'mi' || o.measure === 'nmi') {
    Object.assign(out, { bins: o.bins, binning: o.binning, millerMadow: o.millerMadow ?? false, units: o.units ?? 'bits' });
    if (o.measure === 'nmi') out.normalization = o.normalization;
  }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** The kind of result {@link pairwise} returns for these options. */
export function pairwiseOutput(o: PairwiseOptions): 'dense' | 'threshold' | 'topk' {
  return o.threshold !== undefined ? 'threshold' : o.topK !== undefined ? 'topk' : 'dense';
}

/**
 * Any all-pairs measure as a dense matrix, a thresholded list or top-k lists; `rows` restricts it
 * to a shard. The same call as {@link miMatrix}, {@link ksgMatrix}, {@link correlationMatrix} and
 * their threshold / top-k forms.
 */
export async function pairwise(table: TableInput, o: PairwiseOptions): Promise<PairMatrix | PairList> {
  checkPairwiseOptions(o);
  const run = { threads: o.threads, rows: o.rows, signal: o.signal, onProgress: o.onProgress };
  const out = pairwiseOutput(o);
  if (o.measure === 'ksg') {
    const opts = { ...run, k: o.k, algorithm: o.algorithm, jitter: o.jitter, standardize: o.standardize, units: o.units };
    return out === 'threshold' ? ksgPairsAbove(table, o.threshold!, opts) : out === 'topk' ? ksgTopK(table, o.topK!, opts) : ksgMatrix(table, { ...opts, precision: o.precision });
  }
  if (o.measure === 'mi' || o.measure === 'nmi') {
    const opts = { ...run, measure: o.measure, bins: o.bins, binning: o.binning, normalization: o.normalization, millerMadow: o.millerMadow, units: o.units, precision: o.precision };
    return out === 'threshold' ? miPairsAbove(table, o.threshold!, opts) : out === 'topk' ? miTopK(table, o.topK!, opts) : miMatrix(table, opts);
  }
  const opts = { ...run, method: o.measure, precision: o.precision };
  return out === 'threshold' ? correlationPairsAbove(table, o.threshold!, opts) : out === 'topk' ? correlationTopK(table, o.topK!, opts) : correlationMatrix(table, opts);
}
