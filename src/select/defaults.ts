/**
 * The one set of selection defaults and ranges, shared by `selectMetrics` and `metricsift scan`
 * (the CLI passes only what the user gave, so an unset flag is the library's default).
 */
import { badOption } from '../errors.js';

export const SELECT_DEFAULTS = {
  mode: 'topology' as const,
  measure: 'mi' as const,
  normalization: 'arithmetic' as const,
  /**
   * Coverage threshold θ: a metric is covered by a chosen one with redundancy > θ. 0.5 on the NMI
   * scale: the chosen metric carries at least half the pair's mean information. On Train Ticket
   * the pairs with |Spearman| > 0.8 have median NMI 0.52 and the other pairs a 99th percentile of 0.41.
   */
  theta: 0.5,
  /** Default pick: the smallest subset on the curve whose coverage reaches this. */
  minCoverage: 0.9,
  /** Normalised redundancy at or above which two metrics are never both kept (any path, any ε). */
  duplicateBound: 0.95,
  tuner: 'curve' as const,
  // The paper's AIMD (Algorithm 3), used with `tuner: 'aimd'`.
  epsilon0: 0.5,
  alpha: 0.4,
  beta: 0.005,
  iterations: 100,
  tolerance: 1,
  compare: 'previous' as const,
  maxPaths: 10_000,
};

/** A number in a range, or MS_BAD_OPTION naming the option (or the CLI flag) and the value. */
export function checkNumber(name: string, v: unknown, ok: (x: number) => boolean, what: string): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) badOption(name, what, v);
  return v;
}

/** (0, 1]: minCoverage and duplicateBound. */
export const inUnitOpen = (name: string, v: unknown) => checkNumber(name, v, (x) => x > 0 && x <= 1, 'a number in (0, 1]');
/** An integer ≥ 1: maxMetrics, iterations. */
export const positiveInt = (name: string, v: unknown) => checkNumber(name, v, (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1');
