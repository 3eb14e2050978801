/**
 * Writers for the analysis results (ranking, drift, leakage, transfer entropy) as CSV or JSON, by
 * extension; atomically (temporary file, then rename), or CSV on stdout for `-`.
 */
import { basename } from 'node:path';
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { Ranking } from '../analysis/rank.js';
import type { DriftResult } from '../analysis/drift.js';
import type { LeakageResult } from '../analysis/leakage.js';
import { STDOUT, writeTextAtomic } from './write.js';

function formatOf(path: string, what: string): 'csv' | 'json' {
  if (path === STDOUT || /\.csv$/i.test(path)) return 'csv';
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
 * Writes a ranking. `.json`: `{"target", "measure", "estimator", "order_by", "units", "share", "topN",
 * "top", "total", …, "ranking": [{"metric", "mi", "estimate", "ci": [lo, hi], "p", "q", "excess",
 * "excess_ci": [lo, hi]}, …] (highest first; null where not computed), "details": [{"metric",
 * "rows_used", "bins", "block", "null_mean", "warnings"}, …] (same order), "warnings"}`.
 * `.csv`: `metric,mi_<units>,ci_lo,ci_hi,p,rows_used,bins,warnings` (bins as `16x16`, warnings as
 * codes), then `mi_<units>` of the plain MI with a confounder, then `estimate` with an interval,
 * `q,excess` with p-values, `excess_lo,excess_hi` with both, and `block` with either.
 */
export async function writeRanking(path: string, r: Ranking): Promise<void> {
  const format = formatOf(path, 'a ranking');
  const pair = (v: [number, number] | undefined) => (v ? [jnum(v[0]), jnum(v[1])] : null);
  if (format === 'json') {
    const out = {
      target: r.target, ...(r.given !== undefined ? { given: r.given } : {}), measure: r.measure, estimator: r.estimator, order_by: r.orderBy, units: r.units,
      share: r.share, ...(r.q !== undefined ? { q: r.q } : {}), topN: r.topN, top: r.top, total: r.total,
      ...(r.level !== undefined ? { level: r.level, replicates: r.replicates, method: r.method } : {}), ...(r.permutations !== undefined ? { permutations: r.permutations } : {}), block: r.block,
      ranking: r.ranking.map((e) => ({
        metric: e.metric, mi: jnum(e.mi), estimate: jnum(e.estimate), ci: pair(e.ci), p: jnum(e.p), q: jnum(e.q), excess: jnum(e.excess), excess_ci: pair(e.excessCi),
      })),
      details: r.ranking.map((e) => ({
        metric: e.metric, rows_used: e.rowsUsed, bins: e.bins, ...(e.miUnconditional !== undefined ? { mi_unconditional: jnum(e.miUnconditional) } : {}),
        ...(e.millerMadow !== undefined ? { miller_madow: jnum(e.millerMadow) } : {}), block: e.block ?? null, null_mean: jnum(e.nullMean),
        warnings: e.warnings.map((w) => w.code),
      })),
      warnings: r.warnings,
    };
    return writeTextAtomic(path, JSON.stringify(out, null, 1) + '\n');
  }
  const ci = r.level !== undefined, perm = r.permutations !== undefined;
  const extra = [...(ci ? ['estimate'] : []), ...(perm ? ['q', 'excess'] : []), ...(ci && perm ? ['excess_lo', 'excess_hi'] : []), ...(ci || perm ? ['block'] : [])];
  const head = `metric,${r.measure}_${r.units},ci_lo,ci_hi,p,rows_used,bins,warnings${r.given !== undefined ? `,mi_${r.units}` : ''}${extra.map((c) => `,${c}`).join('')}\n`;
  const lines = r.ranking.map((e) =>
    [field(e.metric), num(e.mi), num(e.ci?.[0]), num(e.ci?.[1]), num(e.p), String(e.rowsUsed), e.bins.join('x'), e.warnings.map((w) => w.code).join(' '),
      ...(r.given !== undefined ? [num(e.miUnconditional)] : []),
      ...(ci ? [num(e.estimate)] : []), ...(perm ? [num(e.q), num(e.excess)] : []), ...(ci && perm ? [num(e.excessCi?.[0]), num(e.excessCi?.[1])] : []),
      ...(ci || perm ? [e.block === undefined ? '' : String(e.block)] : [])].join(','));
  return writeTextAtomic(path, head + lines.map((l) => l + '\n').join(''));
}

/**
 * Writes drift results. `.json`: the {@link DriftResult} objects as an array (NaN as null).
 * `.csv`: one row per pair and window:
 * `a,b,window,start,end,mi_<units>,ci_lo,ci_hi,rows_used,outside,flagged,warnings,estimate,block`
 * (`mi` plug-in; the interval is about `estimate`).
 */
export async function writeDrift(path: string, results: DriftResult[]): Promise<void> {
  const format = formatOf(path, 'drift results');
  if (format === 'json') {
    return writeTextAtomic(path, JSON.stringify(results, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
  }
  const units = results[0]?.units ?? 'bits';
  let text = `a,b,window,start,end,mi_${units},ci_lo,ci_hi,rows_used,outside,flagged,warnings,estimate,block\n`;
  for (const r of results) {
    r.windows.forEach((w, k) => {
      text += [field(r.a), field(r.b), k, w.start, w.end, num(w.mi), num(w.ci[0]), num(w.ci[1]), w.rowsUsed, w.outside, w.flagged ? 1 : 0, w.warnings.map((x) => x.code).join(' '), num(w.estimate), w.block].join(',') + '\n';
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
