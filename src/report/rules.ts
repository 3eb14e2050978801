/**
 * Prometheus alerting rules for the chosen metrics, ready to load: one group per service, one rule
 * per chosen metric, an expression that selects the source series (for Prometheus input its own
 * metric name and labels; `rate()` for counters) and a threshold band suggested from the data.
 *
 * Threshold rule (decided; README "Alert rules"): over the baseline rows (the fault-free period
 * when fault windows are known, else every row), the band is the wider of the robust band
 * median ± k · 1.4826 · MAD (k = 6 by default) and the baseline's own range [min, max]: it never
 * fires on a value the fault-free period already had, and a metric with spikes or two levels
 * (latency quantiles; MAD ≈ 0) gets its range. A constant baseline is widened by 10 % of |median|.
 * The lower side is left out when the baseline is never negative and the band goes below 0.
 * Thresholds are rounded outwards to 6 digits. An alert fires when the value stays outside the
 * band for `for` (default 2 minutes).
 */
import { writeTextAtomic } from '../io/write.js';
import { DEFAULTS } from '../options.js';
import { columnValues } from '../analysis/coding.js';
import type { ColumnTable, SeriesInfo } from '../table.js';

/** A metric name as a valid Prometheus identifier ([a-zA-Z_:][a-zA-Z0-9_:]*). */
export function promName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  return /^[a-zA-Z_:]/.test(s) ? s : `m_${s}`;
}

/** A label name as Prometheus allows it ([a-zA-Z_][a-zA-Z0-9_]*). */
const labelName = (s: string) => promName(s).replace(/:/g, '_');
const quote = (s: string) => JSON.stringify(s);  // YAML and PromQL both accept JSON strings

export interface AlertRuleOptions {
  /** Rows the band is estimated from (1 = use); default every row. */
  baselineRows?: Uint8Array;
  /** Robust z-score of the band (default 6). */
  k?: number;
  /** Minutes outside the band before the alert fires (default 2). */
  forMinutes?: number;
  /** The band reaches at least this quantile of the baseline (and 1 − it below; default 1: its extremes). */
  quantile?: number;
  /** Severity label of every rule (default `warning`). */
  severity?: string;
  /** Columns that are counters (cumulative): their rules compare `rate(…[rateWindow])`. */
  counters?: Iterable<string>;
  /** Range of `rate()` for counters (default `5m`). */
  rateWindow?: string;
  /** Metrics covered by each chosen metric, for the description (optional). */
  covers?: Record<string, number>;
}

/** One rule, with what it was computed from. */
export interface AlertRule {
  group: string;
  alert: string;
  /** The table column it watches. */
  metric: string;
  service: string;
  series: SeriesInfo;
  counter: boolean;
  /** The PromQL selector (wrapped in `rate()` for counters) and the whole expression. */
  selector: string;
  expr: string;
  lower: number | null;
  upper: number;
  median: number;
  mad: number;
  /** `mad` (median ± k·1.4826·MAD) or `range` (MAD was 0). */
  rule: 'mad' | 'range';
  baselineSamples: number;
  forMinutes: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The Prometheus series a column stands for: the reader's record, else `<metric>{service="…"}`. */
export function seriesOf(table: ColumnTable, column: string, service: string): SeriesInfo {
  const known = table.series?.[column];
  if (known) return known;
  const bare = column.startsWith(`${service}/`) ? column.slice(service.length + 1) : column;
  return { metric: promName(bare), labels: { service } };
}

export function selectorOf(s: SeriesInfo): string {
  const labels = Object.keys(s.labels).sort().map((k) => `${labelName(k)}=${quote(s.labels[k])}`);
  return `${s.metric}${labels.length ? `{${labels.join(',')}}` : ''}`;
}

/** Thresholds printed to 6 significant digits, rounded outwards (the band never shrinks); the rule holds the printed number. */
const round = (x: number) => Number(x.toPrecision(6));
function roundUp(x: number): number {
  const r = round(x);
  return r >= x ? r : round(r + Math.abs(r) * 1e-5 + Number.MIN_VALUE);
}
function roundDown(x: number): number {
  return -roundUp(-x);
}

function medianOf(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 ? sorted[n >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** The sampling step of a table in seconds (median gap of its times; 60 without times). */
export function stepSeconds(table: ColumnTable): number {
  const t = table.time?.map((s) => Date.parse(s));
  if (!t || t.length < 2 || t.some(Number.isNaN)) return 60;
  const gaps = t.slice(1).map((x, i) => x - t[i]).sort((a, b) => a - b);
  return gaps[gaps.length >> 1] / 1000;
}

/** Per-second increase between samples, resets (drops) left out, as `rate()` sees a counter. */
function counterRates(x: ArrayLike<number>, step: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = 1; i < x.length; i++) {
    const d = x[i] - x[i - 1];
    out[i] = d >= 0 ? d / step : x[i] / step;
  }
  return out;
}

/** The band of one series over the baseline rows, or null when it has no finite baseline value. */
export function band(values: ArrayLike<number>, baseline: Uint8Array | undefined, k: number, quantile = 1): Pick<AlertRule, 'lower' | 'upper' | 'median' | 'mad' | 'rule' | 'baselineSamples'> | null {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) if ((!baseline || baseline[i]) && Number.isFinite(values[i])) xs.push(values[i]);
  if (xs.length === 0) return null;
  const sorted = Float64Array.from(xs).sort();
  const med = medianOf(sorted);
  const dev = Float64Array.from(xs, (x) => Math.abs(x - med)).sort();
  const mad = medianOf(dev);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))];
  const min = q(1 - quantile), max = q(quantile);
  // A MAD that is rounding noise (|median|·1e-9) is 0: the band then comes from the range alone.
  const sigma = mad > 1e-9 * Math.abs(med) ? 1.4826 * mad : 0;
  let lower = Math.min(med - k * sigma, min), upper = Math.max(med + k * sigma, max);
  const rule: 'mad' | 'range' = med + k * sigma > max ? 'mad' : 'range';
  if (upper === lower) {
    const pad = Math.max(0.1 * Math.abs(med), 1e-9);
    lower -= pad;
    upper += pad;
  }
  const noLower = min >= 0 && lower < 0;
  return { lower: noLower ? null : roundDown(lower), upper: roundUp(upper), median: med, mad, rule, baselineSamples: xs.length };
}

/**
 * The rules for a selection (`byService`: service → chosen columns) over the table it was made
 * from. Metrics without a finite baseline value get no rule.
 */
export function buildAlertRules(byService: Record<string, string[]>, table: ColumnTable, opts: AlertRuleOptions = {}): AlertRule[] {
  const k = opts.k ?? DEFAULTS.alertK, forMinutes = opts.forMinutes ?? 2, severity = opts.severity ?? 'warning';
  const counters = new Set(opts.counters ?? []);
  const step = stepSeconds(table);
  const index = new Map(table.names.map((n, i) => [n, i]));
  const used = new Set<string>();
  const rules: AlertRule[] = [];
  for (const service of Object.keys(byService).sort()) {
    for (const metric of byService[service]) {
      const i = index.get(metric);
      if (i === undefined) continue;
      const counter = counters.has(metric);
      const raw = columnValues(table.columns[i]);
      const values = counter ? counterRates(raw, step) : raw;
      const b = band(values, opts.baselineRows, k, opts.quantile ?? 1);
      if (!b) continue;
      const series = seriesOf(table, metric, service);
      const sel = selectorOf(series);
      const selector = counter ? `rate(${sel}[${opts.rateWindow ?? '5m'}])` : sel;
      const expr = b.lower === null ? `${selector} > ${b.upper}` : `${selector} > ${b.upper} or ${selector} < ${b.lower}`;
      let alert = promName(`${service}_${series.metric}_out_of_band`);
      for (let n = 2; used.has(alert); n++) alert = promName(`${service}_${series.metric}_out_of_band_${n}`);
      used.add(alert);
      const how = b.rule === 'mad'
        ? `median ${round(b.median)} ± ${k} × 1.4826 × MAD (${round(b.mad)}), wider than the baseline's range`
        : `the baseline's range (wider than median ${round(b.median)} ± ${k} × 1.4826 × MAD ${round(b.mad)})`;
      const bandText = b.lower === null ? `above ${b.upper}` : `outside [${b.lower}, ${b.upper}]`;
      const covers = opts.covers?.[metric];
      rules.push({
        group: `metricsift-${service}`, alert, metric, service, series, counter, selector, expr, ...b, forMinutes,
        labels: { severity, service },
        annotations: {
          summary: `${service}: ${metric}${counter ? ' (rate)' : ''} is ${bandText}`,
          description: `${metric}${counter ? ' per second' : ''} has been ${bandText} for ${forMinutes} minutes. The band is ${how}, from ${b.baselineSamples} ${opts.baselineRows ? 'fault-free ' : ''}samples. ` +
            `metricsift kept this metric for ${service}${covers ? `; it stands for ${covers} other metrics` : ''}.`,
          metricsift_metric: metric,
          metricsift_threshold_rule: b.rule === 'mad' ? `median ± ${k}·1.4826·MAD` : 'baseline range',
        },
      });
    }
  }
  return rules;
}

/** The rules file as text (YAML): one group per service. */
export function alertRulesYaml(rules: AlertRule[]): string {
  const lines = ['# Generated by metricsift scan: one alert per kept metric, thresholds from the data (see each description).', 'groups:'];
  let group = '';
  for (const r of rules) {
    if (r.group !== group) {
      group = r.group;
      lines.push(`  - name: ${quote(group)}`, '    rules:');
    }
    lines.push(`      - alert: ${quote(r.alert)}`, `        expr: ${quote(r.expr)}`, `        for: ${r.forMinutes}m`, '        labels:');
    for (const [k, v] of Object.entries(r.labels)) lines.push(`          ${k}: ${quote(v)}`);
    lines.push('        annotations:');
    for (const [k, v] of Object.entries(r.annotations)) lines.push(`          ${k}: ${quote(v)}`);
  }
  if (rules.length === 0) lines.push('  []');
  return lines.join('\n') + '\n';
}

/**
 * Which rules fire at each row, as Prometheus evaluates them on samples one step apart: the value
 * at a row is the latest sample within the 5-minute lookback, and a rule fires once its condition
 * has held at every evaluation for `for`. Counters are not evaluated (`rate()` extrapolates).
 */
export function firingRows(rule: AlertRule, table: ColumnTable): Uint8Array {
  const out = new Uint8Array(table.rows);
  if (rule.counter) return out;
  const col = columnValues(table.columns[table.names.indexOf(rule.metric)]);
  const step = stepSeconds(table);
  const lookback = Math.floor((300 - 1e-9) / step);  // samples strictly newer than t − 5m
  const need = Math.round((rule.forMinutes * 60) / step);
  let last = NaN, lastAt = -Infinity, run = 0;
  for (let r = 0; r < table.rows; r++) {
    if (Number.isFinite(col[r])) { last = col[r]; lastAt = r; }
    const v = r - lastAt <= lookback ? last : NaN;
    const bad = Number.isFinite(v) && (v > rule.upper || (rule.lower !== null && v < rule.lower));
    run = bad ? run + 1 : 0;
    if (bad && run - 1 >= need) out[r] = 1;
  }
  return out;
}

/** Writes rules.yaml atomically. */
export async function writeAlertRules(path: string, rules: AlertRule[]): Promise<void> {
  await writeTextAtomic(path, alertRulesYaml(rules));
}
