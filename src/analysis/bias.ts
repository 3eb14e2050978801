/**
 * Bias awareness for binned (plug-in) estimates: how many complete rows an estimate used, how many
 * bins each variable has, and a warning when the joint histogram has more cells than rows / 5.
 * Plug-in MI is biased upwards by about (cells − 1)/(2N) nats (Miller–Madow), so with few rows per
 * cell the estimate mostly measures the sample size, not the dependence.
 */
import { ErrorCode, MetricsiftError, WarningCode, badOption, type AnalysisWarning } from '../errors.js';
import { discretize, type BinningOptions, type Series } from '../estimators/binned.js';
import { ROWS_PER_CELL } from '../options.js';

/** Rows per joint cell below which the small-sample warning is given (the options layer's). */
export { ROWS_PER_CELL };

/** What a binned estimate rests on. */
export interface EstimateInfo {
  /** Complete rows (every variable present). */
  rowsUsed: number;
  /** Bins (levels) of each variable, in the order given. */
  bins: number[];
  /** Cells of the joint histogram: the product of `bins`. */
  cells: number;
  /** `MS_SMALL_SAMPLE` when cells > rowsUsed / 5; `MS_TOO_FEW_ROWS` without any complete row. */
  warnings: AnalysisWarning[];
}

/**
 * Bias check of a binned estimate from its complete rows and the bins of each variable; `what`
 * names the estimate in the warning (e.g. `MI(a; b)`).
 * @example
 * biasCheck(300, [16, 16], 'MI(x; y)').warnings; // [{ code: 'MS_SMALL_SAMPLE', … }]: 256 cells > 60
 */
export function biasCheck(rowsUsed: number, bins: number[], what = 'the estimate'): EstimateInfo {
  if (!Number.isInteger(rowsUsed) || rowsUsed < 0) badOption('rowsUsed', 'an integer ≥ 0', rowsUsed);
  if (!Array.isArray(bins) || bins.some((b) => !Number.isInteger(b) || b < 0)) badOption('bins', 'an array of integers ≥ 0', bins);
  const cells = bins.reduce((p, b) => p * Math.max(1, b), 1);
  const warnings: AnalysisWarning[] = [];
  if (rowsUsed === 0) {
    warnings.push({ code: WarningCode.TOO_FEW_ROWS, message: `${what}: no complete row, no estimate` });
  } else if (cells > rowsUsed / ROWS_PER_CELL) {
    warnings.push({
      code: WarningCode.SMALL_SAMPLE,
      message: `${what}: ${cells} joint bins (${bins.join('×')}) for ${rowsUsed} complete rows, fewer than ${ROWS_PER_CELL} rows a bin; the plug-in value is dominated by its bias (use fewer bins or more rows)`,
    });
  }
  return { rowsUsed, bins: [...bins], cells, warnings };
}

/**
 * {@link biasCheck} for the binned MI of two series: bins each the way the estimators do and counts
 * the rows where both are present.
 */
export function binnedEstimateInfo(x: Series, y: Series, opts: BinningOptions = {}): EstimateInfo {
  const a = discretize(x, opts), b = discretize(y, opts);
  const n = a.codes.length;
  if (b.codes.length !== n) throw new MetricsiftError(`x has ${n} values but y has ${b.codes.length}`, ErrorCode.LENGTH_MISMATCH);
  let rows = 0;
  for (let i = 0; i < n; i++) if (a.codes[i] >= 0 && b.codes[i] >= 0) rows++;
  return biasCheck(rows, [a.levels, b.levels], 'MI(x; y)');
}
