/**
 * Redundancy index (issue 7): the share of metrics whose information is already carried by another
 * one — a partner with normalised MI (or |correlation|) above θ — overall and per service. Metrics
 * without information (constant or empty: NaN or zero self-redundancy) are left out of the count.
 */
import { serviceOrUnmapped } from '../service.js';
import { badOption } from '../errors.js';
import type { PairMatrix } from '../estimators/matrix.js';

export interface RedundancyIndex {
  theta: number;
  /** Share over all informative metrics, and how many of them are redundant. */
  overall: { share: number; redundant: number; metrics: number };
  /** Per service: redundant with another metric anywhere, and with one of the same service. */
  byService: Record<string, { share: number; withinService: number; redundant: number; metrics: number }>;
  /** Each redundant metric and the partner that carries the most of it. */
  carriedBy: Record<string, { by: string; value: number }>;
}

/**
 * Computes the index from a symmetric redundancy matrix (NMI, or a correlation matrix, whose
 * absolute values are used). `serviceOf` defaults to the one service rule ({@link serviceOrUnmapped}).
 */
export function redundancyIndex(m: PairMatrix, theta: number, serviceOf: (name: string) => string = serviceOrUnmapped): RedundancyIndex {
  if (typeof theta !== 'number' || !(theta >= 0 && theta <= 1)) badOption('theta', 'a number in [0, 1]', theta);
  const { size, names, values } = m;
  const informative = names.map((_, i) => Math.abs(values[i * size + i]) > 0);
  const svc = names.map(serviceOf);
  const byService: RedundancyIndex['byService'] = {};
  const carriedBy: RedundancyIndex['carriedBy'] = {};
  let redundant = 0, metrics = 0;
  for (let i = 0; i < size; i++) {
    if (!informative[i]) continue;
    const s = (byService[svc[i]] ??= { share: 0, withinService: 0, redundant: 0, metrics: 0 });
    metrics++;
    s.metrics++;
    let best = -1, bestV = -Infinity, inService = false;
    for (let j = 0; j < size; j++) {
      if (j === i || !informative[j]) continue;
      const v = Math.abs(values[i * size + j]);
      if (!(v > theta)) continue;
      if (v > bestV) { best = j; bestV = v; }
      if (svc[j] === svc[i]) inService = true;
    }
    if (best >= 0) {
      redundant++;
      s.redundant++;
      if (inService) s.withinService++;
      carriedBy[names[i]] = { by: names[best], value: bestV };
    }
  }
  for (const s of Object.values(byService)) {
    s.share = s.redundant / s.metrics;
    s.withinService /= s.metrics;
  }
  return { theta, overall: { share: metrics ? redundant / metrics : NaN, redundant, metrics }, byService, carriedBy };
}
