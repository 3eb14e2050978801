/**
 * Leakage score (issue 7): how much a pseudonymised column still tells about the raw identifier,
 * as the exact plug-in MI over their categories (no binning: identifiers are categories whether
 * written as text or as numbers), overall and per segment, with segments above a policy threshold
 * flagged. A bijective pseudonym scores H(identifier); an independent one about 0.
 */
import { ErrorCode, MetricsiftError, WarningCode, badOption, type AnalysisWarning } from '../errors.js';
import { checkEnum } from '../estimators/run.js';
import { biasCheck, type EstimateInfo } from './bias.js';
import { categoryCodes, completeRows, type Coded } from './coding.js';
import { jointEntropyNats } from './plugin.js';
import { unitFactor } from './units.js';

/** Values of a categorical column: strings or numbers; null, undefined, NaN and '' are missing. */
export type CategoricalSeries = ArrayLike<string | number | null | undefined>;

export interface LeakageOptions {
  /** Segment of each row (group-by column): scores are also given per segment. */
  by?: CategoricalSeries;
  /** Flag a score above this MI (in `units`). */
  threshold?: number;
  /**
   * Flag a score above this fraction of H(identifier) (default 0.1 when `threshold` is not given;
   * 1 means the pseudonym reveals the identifier completely).
   */
  thresholdFraction?: number;
  /** Add the Miller–Madow correction to each entropy (the plug-in over many categories is biased upwards). */
  millerMadow?: boolean;
  units?: 'bits' | 'nats';
  /** Names for messages and results. */
  pseudonymName?: string;
  identifierName?: string;
}

/** A leakage score and what it rests on. */
export interface LeakageScore extends EstimateInfo {
  /** I(pseudonym; identifier) over rows where both are present. */
  mi: number;
  /** H(identifier) over the same rows. */
  hIdentifier: number;
  /** mi / hIdentifier (NaN when H is 0). */
  fraction: number;
  flagged: boolean;
}

export interface LeakageResult {
  pseudonym: string;
  identifier: string;
  by?: string;
  units: 'bits' | 'nats';
  threshold?: number;
  thresholdFraction?: number;
  millerMadow: boolean;
  overall: LeakageScore;
  /** Per segment, in sorted segment order. */
  segments: (LeakageScore & { segment: string })[];
  /** Segments above the threshold. */
  flagged: string[];
  warnings: AnalysisWarning[];
}

function score(p: Coded, id: Coded, f: number, mm: boolean, flag: (s: { mi: number; fraction: number }) => boolean, what: string): LeakageScore {
  const { codes, rows } = completeRows([p, id]);
  // Levels present in these rows: a segment sees only some categories.
  const present = (c: Int32Array, L: number) => { const seen = new Uint8Array(L); let k = 0; for (const v of c) if (!seen[v]) { seen[v] = 1; k++; } return k; };
  const bins = [present(codes[0], p.levels), present(codes[1], id.levels)];
  const info = biasCheck(rows, bins, what);
  if (rows === 0) return { mi: NaN, hIdentifier: NaN, fraction: NaN, flagged: false, ...info };
  const hp = jointEntropyNats([codes[0]], [p.levels], mm), hid = jointEntropyNats([codes[1]], [id.levels], mm);
  const raw = hp + hid - jointEntropyNats(codes, [p.levels, id.levels], mm);
  const mi = (mm ? raw : Math.max(0, raw)) * f, h = hid * f;
  const fraction = h > 0 ? mi / h : NaN;
  return { mi, hIdentifier: h, fraction, flagged: flag({ mi, fraction }), ...info };
}

/**
 * Leakage of an identifier through its pseudonym: exact plug-in MI between the two as categories,
 * overall and per segment of `by`, each with H(identifier) and the fraction of it revealed.
 * Each score carries the `MS_SMALL_SAMPLE` warning when the categories' joint cells exceed rows / 5:
 * then even an independent pseudonym scores high (n rows of distinct values always give log n),
 * so the score says nothing — use more rows, or compare with a shuffled pseudonym.
 *
 * @throws MetricsiftError `MS_LENGTH_MISMATCH`, `MS_NO_ROWS` (no row with both values), `MS_BAD_OPTION`.
 * @example
 * leakageScore(hashedUser, user, { by: region, thresholdFraction: 0.05 }).flagged; // ['eu-west']
 */
export function leakageScore(pseudonym: CategoricalSeries, identifier: CategoricalSeries, opts: LeakageOptions = {}): LeakageResult {
  const units = checkEnum('units', opts.units, ['bits', 'nats'] as const) ?? 'bits';
  if (opts.threshold !== undefined && (typeof opts.threshold !== 'number' || !(opts.threshold >= 0))) badOption('threshold', 'a number ≥ 0', opts.threshold);
  if (opts.thresholdFraction !== undefined && (typeof opts.thresholdFraction !== 'number' || !(opts.thresholdFraction >= 0 && opts.thresholdFraction <= 1))) {
    badOption('thresholdFraction', 'a number in [0, 1]', opts.thresholdFraction);
  }
  if (opts.millerMadow !== undefined && typeof opts.millerMadow !== 'boolean') badOption('millerMadow', 'a boolean', opts.millerMadow);
  const threshold = opts.threshold;
  const thresholdFraction = opts.thresholdFraction ?? (threshold === undefined ? 0.1 : undefined);
  const flag = (s: { mi: number; fraction: number }) =>
    (threshold !== undefined && s.mi > threshold) || (thresholdFraction !== undefined && s.fraction > thresholdFraction);
  const pName = opts.pseudonymName ?? 'pseudonym', idName = opts.identifierName ?? 'identifier';
  const n = pseudonym?.length;
  if (typeof n !== 'number' || typeof identifier?.length !== 'number') badOption('pseudonym, identifier', 'two series of strings or numbers', typeof n !== 'number' ? pseudonym : identifier);
  if (identifier.length !== n) throw new MetricsiftError(`${pName} has ${n} values but ${idName} has ${identifier.length}`, ErrorCode.LENGTH_MISMATCH);
  if (opts.by !== undefined && opts.by?.length !== n) throw new MetricsiftError(`The segment column has ${opts.by?.length} values but ${pName} has ${n}`, ErrorCode.LENGTH_MISMATCH);
  const p = categoryCodes(pseudonym), id = categoryCodes(identifier);
  const f = unitFactor(units), mm = opts.millerMadow ?? false;
  const overall = score(p, id, f, mm, flag, `I(${pName}; ${idName})`);
  if (overall.rowsUsed === 0) throw new MetricsiftError(`No row has both ${pName} and ${idName}`, ErrorCode.NO_ROWS);
  const segments: LeakageResult['segments'] = [];
  if (opts.by !== undefined) {
    const seg = categoryCodes(opts.by);
    const rowsOf: number[][] = Array.from({ length: seg.levels }, () => []);
    for (let r = 0; r < n; r++) if (seg.codes[r] >= 0) rowsOf[seg.codes[r]].push(r);
    seg.categories.forEach((name, s) => {
      const pick = (c: Coded): Coded => ({ codes: Int32Array.from(rowsOf[s], (r) => c.codes[r]), levels: c.levels });
      segments.push({ segment: String(name), ...score(pick(p), pick(id), f, mm, flag, `I(${pName}; ${idName}) in segment ${JSON.stringify(String(name))}`) });
    });
  }
  const flagged = segments.filter((s) => s.flagged).map((s) => s.segment);
  const small = segments.filter((s) => s.warnings.length).length;
  const warnings: AnalysisWarning[] = [...overall.warnings];
  if (small) warnings.push({ code: WarningCode.SMALL_SAMPLE, message: `${small} of ${segments.length} segments have fewer than 5 rows per joint cell: their scores are dominated by bias` });
  return {
    pseudonym: pName, identifier: idName, units, millerMadow: mm,
    ...(threshold !== undefined ? { threshold } : {}), ...(thresholdFraction !== undefined ? { thresholdFraction } : {}),
    overall, segments, flagged, warnings,
  };
}

/** A table of categorical columns (e.g. from `readCsvStrings`) or of any columns by name. */
export interface CategoricalTable {
  names: string[];
  columns: CategoricalSeries[];
}

/** {@link leakageScore} for named columns of a table (`by` optional). */
export function leakageTable(table: CategoricalTable, cols: { pseudonym: string; identifier: string; by?: string }, opts: Omit<LeakageOptions, 'by' | 'pseudonymName' | 'identifierName'> = {}): LeakageResult {
  const col = (name: string, role: string) => {
    const i = table.names.indexOf(name);
    if (i < 0) throw new MetricsiftError(`The ${role} column ${JSON.stringify(name)} is not in the table (columns: ${table.names.slice(0, 8).join(', ')}${table.names.length > 8 ? ', …' : ''})`, ErrorCode.COLUMN_MISSING);
    return table.columns[i];
  };
  const r = leakageScore(col(cols.pseudonym, 'pseudonym'), col(cols.identifier, 'identifier'), {
    ...opts, by: cols.by === undefined ? undefined : col(cols.by, 'segment (by)'), pseudonymName: cols.pseudonym, identifierName: cols.identifier,
  });
  return cols.by === undefined ? r : { ...r, by: cols.by };
}
