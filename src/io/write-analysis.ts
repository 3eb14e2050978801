/**
 * Writers for the analysis results (ranking, drift, leakage, transfer entropy) as CSV or JSON, by
 * extension; atomically (temporary file, then rename), or CSV on stdout for `-`.
 */
import { basename } from 'node:path';
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { Ranking } from '../analysis/rank.js';
import type { DriftResult } from '../analysis/drift.js';
import type { LeakageResult } from '../analysis/leakage.js';
import { writeTextAtomic } from './write.js';

function formatOf(path: string, what: string): 'csv' | 'json' {
  if (path === '-' || /\.csv$/i.test(path)) return 'csv';
  if (/\.json$/i.test(path)) return 'json';
  throw new MetricsiftError(`${path}: cannot write ${what} as ${basename(path).includes('.') ? `"${basename(path).slice(basename(path).lastIndexOf('.'))}"` : 'a file without extension'}; supported: .csv, .json`, ErrorCode.BAD_FORMAT);
}

/** RFC 4180: quote a field only when it holds a delimiter, quote or line break. */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Numbers for CSV (NaN as empty) and JSON (non-finite as null). */
const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : String(x));
const jnum = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : x);

/**
 * Writes a ranking. `.json`: `{"target", "measure", "units", "share", "topN", "top", "total", …,
 * "ranking": [{"metric", "mi", "ci": [lo, hi] | null, "p": p | null}, …] (highest first),
 * "details": [{"metric", "rows_used", "bins", "warnings"}, …] (same order), "warnings"}`.
 * `.csv`: `metric,mi_<units>,ci_lo,ci_hi,p,rows_used,bins,warnings` (bins as `16x16`, warnings as codes).
 */
export async function writeRanking(path: string, r: Ranking): Promise<void> {
  const format = formatOf(path, 'a ranking');
  if (format === 'json') {
    const out = {
      target: r.target, ...(r.given !== undefined ? { given: r.given } : {}), measure: r.measure, units: r.units,
      share: r.share, topN: r.topN, top: r.top, total: r.total,
      ...(r.level !== undefined ? { level: r.level, replicates: r.replicates } : {}), ...(r.permutations !== undefined ? { permutations: r.permutations } : {}), block: r.block,
      ranking: r.ranking.map((e) => ({ metric: e.metric, mi: jnum(e.mi), ci: e.ci ? [jnum(e.ci[0]), jnum(e.ci[1])] : null, p: jnum(e.p) })),
      details: r.ranking.map((e) => ({
        metric: e.metric, rows_used: e.rowsUsed, bins: e.bins, ...(e.miUnconditional !== undefined ? { mi_unconditional: jnum(e.miUnconditional) } : {}),
        warnings: e.warnings.map((w) => w.code),
      })),
      warnings: r.warnings,
    };
    return writeTextAtomic(path, JSON.stringify(out, null, 1) + '\n');
  }
  const head = `metric,${r.measure}_${r.units},ci_lo,ci_hi,p,rows_used,bins,warnings${r.given !== undefined ? `,mi_${r.units}` : ''}\n`;
  const lines = r.ranking.map((e) =>
    [field(e.metric), num(e.mi), num(e.ci?.[0]), num(e.ci?.[1]), num(e.p), String(e.rowsUsed), e.bins.join('x'), e.warnings.map((w) => w.code).join(' '),
      ...(r.given !== undefined ? [num(e.miUnconditional)] : [])].join(','));
  return writeTextAtomic(path, head + lines.map((l) => l + '\n').join(''));
}

/**
 * Writes drift results. `.json`: the {@link DriftResult} objects as an array (NaN as null).
 * `.csv`: one row per pair and window:
 * `a,b,window,start,end,mi_<units>,ci_lo,ci_hi,rows_used,outside,flagged,warnings`.
 */
export async function writeDrift(path: string, results: DriftResult[]): Promise<void> {
  const format = formatOf(path, 'drift results');
  if (format === 'json') {
    return writeTextAtomic(path, JSON.stringify(results, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
  }
  const units = results[0]?.units ?? 'bits';
  let text = `a,b,window,start,end,mi_${units},ci_lo,ci_hi,rows_used,outside,flagged,warnings\n`;
  for (const r of results) {
    r.windows.forEach((w, k) => {
      text += [field(r.a), field(r.b), k, w.start, w.end, num(w.mi), num(w.ci[0]), num(w.ci[1]), w.rowsUsed, w.outside, w.flagged ? 1 : 0, w.warnings.map((x) => x.code).join(' ')].join(',') + '\n';
    });
  }
  return writeTextAtomic(path, text);
}

/**
 * Writes a leakage result. `.json`: the {@link LeakageResult} (NaN as null). `.csv`: one row for
 * the whole table (`segment` empty) then one per segment:
 * `segment,mi_<units>,h_identifier_<units>,fraction,rows_used,flagged,warnings`.
 */
export async function writeLeakage(path: string, r: LeakageResult): Promise<void> {
  const format = formatOf(path, 'a leakage result');
  if (format === 'json') {
    return writeTextAtomic(path, JSON.stringify(r, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
  }
  let text = `segment,mi_${r.units},h_identifier_${r.units},fraction,rows_used,flagged,warnings\n`;
  for (const s of [{ segment: '', ...r.overall }, ...r.segments]) {
    text += [field(s.segment), num(s.mi), num(s.hIdentifier), num(s.fraction), s.rowsUsed, s.flagged ? 1 : 0, s.warnings.map((w) => w.code).join(' ')].join(',') + '\n';
  }
  return writeTextAtomic(path, text);
}
