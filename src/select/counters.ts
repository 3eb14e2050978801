/**
 * Cumulative counters become per-second rates before any estimate: two independent counters both
 * grow with time, so raw they look redundant (NMI ≈ 1 under quantile binning) and a burst is
 * invisible in a running total. Resets are handled as Prometheus' `rate()` does: a decrease means
 * the counter restarted from zero, so the increase over that step is the new value.
 */
import type { Column, ColumnTable } from '../table.js';

/** Why a column was treated as a counter. */
export type CounterReason = 'type' | 'name' | 'monotone';

export interface CounterOptions {
  /** Metric types by column name (Prometheus `# TYPE` metadata); `counter` converts, any other type does not. */
  types?: Record<string, string>;
}

export interface CounterConversion {
  /** The table with converted columns replaced by their rates (other columns shared, not copied). */
  table: ColumnTable;
  converted: { name: string; reason: CounterReason }[];
  /** Columns named like counters whose values are not cumulative (left as they are). */
  notCumulative: string[];
  /** True when no row time could be read: rates are per row instead of per second. */
  perRow: boolean;
}

const COUNTER_SUFFIX = /_(total|count|sum|bucket)$/;

/** The metric's own name: after the service prefix (`service/`), before any `{labels}`. */
function baseName(column: string): string {
  const brace = column.indexOf('{');
  const head = brace >= 0 ? column.slice(0, brace) : column;
  return head.slice(head.lastIndexOf('/') + 1);
}

/** The column's values as one Float64Array, missing (NaN or invalid in the bitmap) as NaN. */
export function denseValues(c: Column): Float64Array {
  const out = new Float64Array(c.length);
  let at = 0;
  for (const ch of c.chunks) {
    const v = ch.values;
    const valid = ch.validity;
    const off = ch.validityOffset ?? 0;
    for (let i = 0; i < v.length; i++) {
      const ok = !valid || (valid[(off + i) >> 3] >> ((off + i) & 7)) & 1;
      out[at + i] = ok ? v[i] : NaN;
    }
    at += v.length;
  }
  return out;
}

/** Steps between consecutive non-missing values: rises, falls, and falls that look like restarts. */
function steps(x: Float64Array): { rises: number; falls: number; restarts: number; total: number } {
  let prev = NaN, rises = 0, falls = 0, restarts = 0, total = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) continue;
    if (!Number.isNaN(prev)) {
      total++;
      if (v > prev) rises++;
      else if (v < prev) {
        falls++;
        if (v <= prev / 2) restarts++;  // a restart drops toward zero, not by a little
      }
    }
    prev = v;
  }
  return { rises, falls, restarts, total };
}

/**
 * A series that rises on most steps and falls only by restarts (to below half its value, at most
 * one step in 20): the shape of a counter. Gauges that wander, and slowly filling gauges with
 * flat stretches, do not pass.
 */
export function looksCumulative(x: Float64Array): boolean {
  const s = steps(x);
  if (s.total < 10) return false;
  let min = Infinity;
  for (const v of x) if (v < min) min = v;
  return min >= 0 && s.falls === s.restarts && s.falls <= s.total / 20 && s.rises >= s.total / 2;
}

/** Row times in seconds, or undefined when any is unreadable (ISO text or epoch seconds/ms). */
function rowSeconds(table: ColumnTable): Float64Array | undefined {
  if (!table.time) return undefined;
  const t = new Float64Array(table.time.length);
  for (let r = 0; r < t.length; r++) {
    const s = table.time[r].trim();
    const num = /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
    const v = Number.isFinite(num) ? (num > 1e11 ? num / 1000 : num) : Date.parse(s) / 1000;
    if (!Number.isFinite(v)) return undefined;
    t[r] = v;
  }
  return t;
}

/**
 * Per-second rate of a counter: (increase since the previous sample) / (seconds since it), a
 * decrease counting as a restart from zero; the first sample and missing samples are missing.
 */
export function counterRate(x: Float64Array, seconds?: Float64Array): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let prev = NaN, prevT = NaN;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) continue;
    const t = seconds ? seconds[i] : i;
    if (!Number.isNaN(prev) && t > prevT) out[i] = (v >= prev ? v - prev : v) / (t - prevT);
    prev = v;
    prevT = t;
  }
  return out;
}

/**
 * Finds the counters of a table (TYPE metadata, else a counter-like name whose values are
 * cumulative, else the cumulative shape alone) and replaces them by per-second rates.
 */
export function countersToRates(table: ColumnTable, opts: CounterOptions = {}): CounterConversion {
  const seconds = rowSeconds(table);
  const converted: CounterConversion['converted'] = [];
  const notCumulative: string[] = [];
  const columns = table.columns.map((c, i) => {
    const name = table.names[i];
    const type = opts.types?.[name] ?? opts.types?.[baseName(name)];
    if (type !== undefined && type !== 'counter') return c;
    let reason: CounterReason | undefined;
    let x: Float64Array | undefined;
    if (type === 'counter') reason = 'type';
    else {
      x = denseValues(c);
      if (looksCumulative(x)) reason = COUNTER_SUFFIX.test(baseName(name)) ? 'name' : 'monotone';
      else if (COUNTER_SUFFIX.test(baseName(name))) {
        // A `_total` column that goes up and down is already a rate (or a gauge misnamed): leave it.
        const s = steps(x);
        if (s.total > 0 && s.falls > s.restarts) notCumulative.push(name);
        else if (s.total > 0 && s.rises > 0) reason = 'name';
      }
    }
    if (!reason) return c;
    converted.push({ name, reason });
    return { name: c.name, length: c.length, chunks: [{ values: counterRate(x ?? denseValues(c), seconds) }] };
  });
  return { table: { ...table, columns }, converted, notCumulative, perRow: !seconds && converted.length > 0 };
}
