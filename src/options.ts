/**
 * The options layer: ranges and defaults of the options several entry points share, in one place.
 * The library's checks ({@link checkRange}), the CLI's flag parsers and help texts (src/cli) read
 * them; the addon checks the same limits again at the boundary (native/binding, `optInt`), which
 * test/options.test.ts compares with {@link RANGES}. Selection's defaults are here too.
 */
import { badOption } from './errors.js';

/**
 * Levels a coded column may have: the native plug-in engine's histogram bound (KMAX of the CPU
 * kernels), so the top of the bins and discreteMax ranges, and the most classes a resampled target has.
 */
export const MAX_LEVELS = 1024;

/** Inclusive integer ranges [min, max] of shared options. */
export const RANGES = {
  /** Bins per column (for `auto`, the cap). */
  bins: [2, MAX_LEVELS],
  /** Distinct values up to which a column is taken as categories. */
  discreteMax: [0, MAX_LEVELS],
  /** KSG neighbours, and K of top-K outputs. */
  k: [1, 1 << 20],
  /** Native threads. */
  threads: [1, 1024],
  /** Bootstrap replicates. */
  replicates: [1, 10_000_000],
  /** Permutations of a permutation test. */
  permutations: [1, 10_000_000],
  /** Bins per metric of `watch`'s sliding window (its pair histograms are kept between intervals). */
  watchBins: [2, 256],
  /** Partners tracked per metric by `watch`. */
  topPairs: [0, 100],
} as const satisfies Record<string, readonly [number, number]>;

export type RangedOption = keyof typeof RANGES;

/** Defaults shared by the library and the CLI (a CLI flag left out is the library's default). */
export const DEFAULTS = {
  bins: 16,
  binning: 'quantile' as const,
  k: 3,
  /** Bootstrap replicates of binned intervals. */
  replicates: 1000,
  /** Half-samples of a KSG interval. */
  ksgReplicates: 200,
  permutations: 999,
  level: 0.95,
  seed: 0,
  /** Windows (drift) or intervals (watch) in a row outside the baseline before a change is flagged. */
  persist: 3,
  /** `rank`: the smallest top N carrying this share of the total. */
  share: 0.8,
  /** `te`: lag of the source in rows. */
  lag: 1,
  /** Alert rules (`scan`'s rules.yaml): band median ± alertK·1.4826·MAD of the baseline. */
  alertK: 6,
  /** `queue`: attempts per tile before it fails the run. */
  attempts: 3,
  /** `queue`: seconds a run (its record, tiles and parts) stays in Redis after it is submitted (7 days). */
  keepRun: 604_800,
};

/** Defaults of `watch` (the service's options and the CLI's flags). */
export const WATCH_DEFAULTS = {
  topPairs: 5,
  maxMetrics: 2000,
  maxPairSeries: 100,
  maxTargetSeries: 100,
  /** Re-run the selection when its coverage falls below this. */
  minCoverage: 0.8,
  /** Samples per Prometheus response when `watch` reads its window or catches up (time slices). */
  maxSamples: 250_000,
  /** Bits by which an MI interval must clear the baseline's, beyond the binning resolution, to count as outside it (drift). */
  minDrift: 0.05,
};

/** An integer option in its {@link RANGES} range (undefined passes), or MS_BAD_OPTION naming it. */
export function checkRange(name: RangedOption, v: unknown, label: string = name): number | undefined {
  if (v === undefined) return undefined;
  const [min, max] = RANGES[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) badOption(label, `an integer between ${min} and ${max}`, v);
  return v;
}

/**
 * Rows a joint histogram cell should hold at least: below it a plug-in estimate is mostly bias
 * (biasCheck warns; binsForRows caps the selection's bins by it).
 */
export const ROWS_PER_CELL = 5;

export const SELECT_DEFAULTS = {
  /**
   * `cover`: the topology-aware greedy set cover on the coverage relation. What an SRE wants is the
   * smallest set from which the rest can be read off, and a set cover is built for exactly that;
   * KIMetrix's entropy-greedy under a redundancy cap (`topology`, `flat`) keeps an independent
   * set of the "redundant" graph, typically 1.5–2× larger at the same coverage.
   */
  mode: 'cover' as const,
  /**
   * Coverage relation: rank correlation. "Metric b can be read off metric a" means a monotone
   * relation, which |Spearman| measures whatever the scales or units; NMI also counts
   * non-monotone sharing (two metrics drifting with the time of day), which an SRE cannot use
   * to infer one from the other.
   */
  measure: 'spearman' as const,
  normalization: 'arithmetic' as const,
  /**
   * Coverage threshold θ for the default measure: |ρs| > 0.8, i.e. ρs² > 0.64 — the covering
   * metric explains about two thirds of the rank variance of the covered one ("strongly related"
   * in the usual reading). Other measures: {@link thetaFor}.
   */
  theta: 0.8,
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
/** [0, 1]: serviceCoverage (0 turns the per-service floor off). */
export const inUnitClosed = (name: string, v: unknown) => checkNumber(name, v, (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
/** An integer ≥ 1: maxMetrics, iterations. */
export const positiveInt = (name: string, v: unknown) => checkNumber(name, v, (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1');

/**
 * Default θ of each coverage measure: the same dependence as |ρs| = 0.8 under a Gaussian copula
 * (Pearson ρ = 2 sin(0.8π/6) ≈ 0.81, Kendall τ = (2/π) asin(ρ) ≈ 0.60); for normalised MI, 0.5
 * (binned NMI of such a pair is far lower and depends on bins and rows, so no equivalent holds for
 * every table; 0.5 keeps the pairs that share at least half their information).
 */
export function thetaFor(measure: 'mi' | 'pearson' | 'spearman' | 'kendall'): number {
  return measure === 'spearman' ? SELECT_DEFAULTS.theta : measure === 'pearson' ? 0.81 : measure === 'kendall' ? 0.6 : 0.5;
}

/**
 * Default bins of the selection's binned estimates: 16, or fewer so that the joint histogram of a
 * pair has at least ROWS_PER_CELL (5) rows a cell — b = ⌊√(rows / 5)⌋, at least 2. Below that the
 * plug-in NMI is mostly bias (40 rows in 16 × 16 cells put most pairs above any duplicate bound).
 */
export function binsForRows(rows: number): number {
  return Math.max(RANGES.bins[0], Math.min(DEFAULTS.bins, Math.floor(Math.sqrt(rows / ROWS_PER_CELL))));
}

/**
 * The C++ header the addon's argument checks include (native/binding/options.gen.h): every
 * {@link RANGES} entry as `k<Name>Min` / `k<Name>Max`, {@link MAX_LEVELS} and the kernels' default
 * bins and k. Written by scripts/gen-options-header.ts; a test compares it with the committed file.
 * @internal
 */
export function optionsHeader(): string {
  const cap = (s: string) => s[0].toUpperCase() + s.slice(1);
  const lines = [
    '// Generated from src/options.ts by scripts/gen-options-header.ts: do not edit.',
    '// The addon checks its integer options against these, the library and the CLI against RANGES.',
    '#pragma once',
    '',
    'namespace ms::opt {',
    `constexpr int kMaxLevels = ${MAX_LEVELS};`,
  ];
  for (const [name, [min, max]] of Object.entries(RANGES)) {
    lines.push(`constexpr int k${cap(name)}Min = ${min};`, `constexpr int k${cap(name)}Max = ${max};`);
  }
  lines.push(`constexpr int kDefaultBins = ${DEFAULTS.bins};`, `constexpr int kDefaultK = ${DEFAULTS.k};`, '}  // namespace ms::opt', '');
  return lines.join('\n');
}
