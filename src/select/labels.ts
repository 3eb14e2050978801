/**
 * Anomaly labels for evaluating selections (the method itself needs none), derived from injected
 * fault lists by a documented rule (README "KIMetrix"):
 * - a fault window is [inject_time, inject_time + duration) (duration not recorded: 3 min default);
 * - a row is anomalous if its sampling interval overlaps a fault window ("Mix" keeps all rows,
 *   "Healthy" drops the anomalous ones);
 * - a metric of the faulty service is anomalous for a fault if its robust z-score
 *   |x − median| / (1.4826 · MAD), against the `referenceRows` fault-free rows just before the
 *   window, exceeds `bound` in the window (with MAD = 0, any change counts).
 */
import { serviceOfMetric } from '../service.js';
import { readFile } from 'node:fs/promises';
import { columnValues } from '../analysis/coding.js';
import { ErrorCode, MetricsiftError } from '../errors.js';
import { fileError } from '../io/csv.js';
import { podToService } from '../io/traces.js';
import type { ColumnTable } from '../table.js';

export interface Fault {
  /** Window start and end, epoch milliseconds. */
  start: number;
  end: number;
  service: string;
  type: string;
}

/** Faults of a Train Ticket `fault_list.json` (`{hour: [{inject_time, inject_pod, inject_type}]}`, times UTC). */
export async function readFaultList(path: string, opts: { durationMinutes?: number } = {}): Promise<Fault[]> {
  const minutes = opts.durationMinutes ?? 3;
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) throw new MetricsiftError(`${path}: malformed JSON (${e.message})`, ErrorCode.BAD_FORMAT);
    throw fileError(path, e);
  }
  if (!doc || typeof doc !== 'object') throw new MetricsiftError(`${path}: expected an object of hours`, ErrorCode.BAD_FORMAT);
  const faults: Fault[] = [];
  for (const list of Object.values(doc as Record<string, unknown>)) {
    for (const f of (Array.isArray(list) ? list : []) as { inject_time?: string; inject_pod?: string; inject_type?: string }[]) {
      // inject_time is UTC on the metrics' clock (inject_timestamp is wrong for many entries).
      if (typeof f !== 'object' || f === null) throw new MetricsiftError(`${path}: a fault entry is ${JSON.stringify(f)}, not an object`, ErrorCode.BAD_FORMAT);
      const start = Date.parse(`${f.inject_time?.replace(' ', 'T')}Z`);
      if (Number.isNaN(start) || !f.inject_pod) throw new MetricsiftError(`${path}: fault ${JSON.stringify(f)} has no valid inject_time or inject_pod`, ErrorCode.BAD_FORMAT);
      faults.push({ start, end: start + minutes * 60_000, service: podToService(f.inject_pod), type: f.inject_type ?? 'unknown' });
    }
  }
  return faults.sort((a, b) => a.start - b.start);
}

function rowTimes(table: ColumnTable): number[] {
  if (!table.time) throw new MetricsiftError('the table has no time column, so rows cannot be matched to fault windows', ErrorCode.BAD_INPUT);
  return table.time.map((s, r) => {
    const t = Date.parse(s);
    if (Number.isNaN(t)) throw new MetricsiftError(`row ${r}: time "${s}" is not a date`, ErrorCode.BAD_INPUT);
    return t;
  });
}

/** The sampling step: the median gap between row times (one minute for a single row). */
function samplingStep(t: number[]): number {
  const gaps = t.slice(1).map((x, i) => x - t[i]).sort((a, b) => a - b);
  return gaps.length ? gaps[gaps.length >> 1] : 60_000;
}

/** Rows whose sampling interval [t, t + step) overlaps a fault window (1), others 0. */
export function faultRows(table: ColumnTable, faults: Fault[]): Uint8Array {
  const t = rowTimes(table);
  return overlapping(t, samplingStep(t), faults);
}

function overlapping(t: number[], step: number, faults: Fault[]): Uint8Array {
  return Uint8Array.from(t, (x) => (faults.some((f) => x + step > f.start && x < f.end) ? 1 : 0));
}

/** A copy of the table without the given rows ("Healthy" = without the fault rows); Arrow nulls stay missing (NaN). */
export function withoutRows(table: ColumnTable, drop: Uint8Array): ColumnTable {
  const keep = [...drop.keys()].filter((r) => !drop[r]);
  return {
    ...table,
    rows: keep.length,
    time: table.time ? keep.map((r) => table.time![r]) : undefined,
    columns: table.columns.map((c) => {
      const src = columnValues(c);
      return { name: c.name, length: keep.length, chunks: [{ values: Float64Array.from(keep, (r) => src[r]) }] };
    }),
  };
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface AnomalyOptions {
  /** Service of a metric (default: the one service rule, {@link serviceOfMetric}). */
  serviceOf?: (name: string) => string | undefined;
  /** Robust z-score bound (default 3). */
  bound?: number;
  /** Fault-free rows before the window used as reference (default 30). */
  referenceRows?: number;
}

/** Indices of the metrics labelled anomalous for at least one fault (σ_A). */
export function anomalousMetrics(table: ColumnTable, faults: Fault[], opts: AnomalyOptions = {}): number[] {
  const bound = opts.bound ?? 3, refRows = opts.referenceRows ?? 30;
  const serviceOf = opts.serviceOf ?? serviceOfMetric;
  const t = rowTimes(table);
  const step = samplingStep(t);
  const inFault = overlapping(t, step, faults);
  const result = new Set<number>();
  const values = new Map<number, Float64Array>(); // columns joined, Arrow nulls as NaN (once each)
  for (const f of faults) {
    const window = [...t.keys()].filter((r) => t[r] + step > f.start && t[r] < f.end);
    if (window.length === 0) continue;
    const ref: number[] = [];
    for (let r = window[0] - 1; r >= 0 && ref.length < refRows; r--) if (!inFault[r]) ref.push(r);
    if (ref.length < 3) continue;
    table.columns.forEach((c, m) => {
      if (serviceOf(table.names[m]) !== f.service) return;
      const x = values.get(m) ?? values.set(m, columnValues(c)).get(m)!;
      const refVals = ref.map((r) => x[r]).filter((v) => !Number.isNaN(v));
      const winVals = window.map((r) => x[r]).filter((v) => !Number.isNaN(v));
      if (refVals.length < 3 || winVals.length === 0) return;
      const med = median(refVals);
      const mad = 1.4826 * median(refVals.map((v) => Math.abs(v - med)));
      const z = Math.max(...winVals.map((v) => (mad > 0 ? Math.abs(v - med) / mad : v === med ? 0 : Infinity)));
      if (z > bound) result.add(m);
    });
  }
  return [...result].sort((a, b) => a - b);
}
