/**
 * Metrics from a Prometheus server as deployed: range queries over the HTTP API
 * (`<base>/api/v1/query_range`, matrix results) for a list of expressions, or all series of a job,
 * on a regular time grid. The base URL may carry a path (reverse proxies, Thanos, Mimir, Cortex),
 * user-info (sent as basic auth) and extra headers (`Authorization`, `X-Scope-OrgID`); ranges
 * longer than the server's 11,000 points per series are read in chunks, and with `maxSamples` in
 * chunks of about that many samples per response (all series together), so a wide read (a day of
 * 1,000 series) never asks the server for, or parses, one huge response.
 *
 * Columns are named `<service>/<metric>{labels}`, the service being the `service` label, else
 * `job`, else `instance`; a result without a metric name (`rate(…)`, `sum by …`) is named by its
 * expression, so two expressions never share a column. Points are placed on the grid by their
 * timestamp, and grid points the server returns nothing for stay missing. The server evaluates each
 * grid point as PromQL does: the latest sample within its lookback delta (5 min by default). A
 * scraped series ends at the staleness marker Prometheus writes when its target or the series goes
 * away, so such gaps stay missing; data without markers (backfilled, federated, remote-written) is
 * carried forward over gaps shorter than the lookback. Each column's series (name, labels, type) is kept in
 * `table.series`: the type comes from `/api/v1/metadata`, else from the OpenMetrics suffixes
 * (`_total`, `_count`, `_sum`, `_bucket` are counters).
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { toColumnTable, type ColumnTable, type SeriesInfo } from '../table.js';

export interface PrometheusOptions {
  /** Base URL of the server, path included, e.g. `http://127.0.0.1:9090` or `https://host/prometheus`. */
  url: string;
  /** PromQL selectors or expressions; or give `job` for every series of that job. */
  queries?: string[];
  job?: string;
  /** Range: Date, epoch seconds, an RFC 3339 string, or relative to now (`now`, `now-6h`, `now-30m`, `now-2d`). */
  start: Date | number | string;
  end: Date | number | string;
  /** Resolution in seconds (default 60). */
  step?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Extra request headers (e.g. `Authorization`, `X-Scope-OrgID`). */
  headers?: Record<string, string>;
  /** Points per series per request at most (default 11,000, Prometheus's limit). */
  maxPoints?: number;
  /**
   * Samples per request at most, all series of the query together (default: no bound but
   * `maxPoints`). The range is then read in time slices sized from the series the previous slice
   * returned: rows = maxSamples / series (at least 1; at most `maxPoints`; the first slice is one
   * row, and a slice grows at most 4× over the previous one, so a series count that jumps within
   * the range overshoots by at most that factor).
   */
  maxSamples?: number;
  /** Ask `/api/v1/metadata` for metric types (default true; failures are ignored). */
  metadata?: boolean;
}

interface MatrixResult {
  metric: Record<string, string>;
  values: [number, string][];
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds since the epoch of a Date, a number, an RFC 3339 string or `now[-+]N(s|m|h|d|w)`. */
export function promTime(t: Date | number | string, what: string, now = Date.now() / 1000): number {
  let v = NaN;
  if (t instanceof Date) v = t.getTime() / 1000;
  else if (typeof t === 'number') v = t;
  else if (typeof t === 'string') {
    const rel = /^now(?:\s*([-+])\s*(\d+(?:\.\d+)?)\s*([smhdw]))?$/.exec(t.trim());
    if (rel) v = now + (rel[1] ? (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNITS[rel[3]] : 0);
    else if (/^\d+(\.\d+)?$/.test(t.trim())) v = Number(t);
    else v = Date.parse(t) / 1000;
  }
  if (!Number.isFinite(v)) {
    throw new MetricsiftError(`Expected a date for ${what} (RFC 3339, epoch seconds, or now-6h) but received ${JSON.stringify(t)}`, ErrorCode.BAD_OPTION);
  }
  return v;
}

const COUNTER_SUFFIX = /_(total|count|sum|bucket)$/;

function serviceOf(m: Record<string, string>): string {
  return m.service ?? m.job ?? m.instance ?? 'prometheus';
}

function columnName(m: Record<string, string>, expr: string): string {
  const labels = Object.keys(m).filter((k) => k !== '__name__' && k !== 'service' && (m.service !== undefined || k !== 'job')).sort();
  const rest = labels.map((k) => `${k}="${m[k]}"`).join(',');
  return `${serviceOf(m)}/${m.__name__ ?? expr}${rest ? `{${rest}}` : ''}`;
}

/** The base URL without user-info, and the headers to send (basic auth from user-info, token from the environment). */
export function connection(o: Pick<PrometheusOptions, 'url' | 'headers'>): { base: string; headers: Record<string, string>; shown: string } {
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    throw new MetricsiftError(`${o.url}: not a URL (expected http://host:9090 or https://host/prefix)`, ErrorCode.BAD_OPTION);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new MetricsiftError(`${o.url}: only http and https URLs are Prometheus servers`, ErrorCode.BAD_OPTION);
  const headers: Record<string, string> = {};
  const token = process.env.METRICSIFT_PROMETHEUS_TOKEN;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (u.username || u.password) {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
    headers[k] = v;
  }
  u.search = '';
  u.hash = '';
  const base = u.toString().replace(/\/+$/, '');
  return { base, headers, shown: base };
}

async function get(o: PrometheusOptions, conn: ReturnType<typeof connection>, path: string, params: Record<string, string>, what: string): Promise<{ data?: unknown }> {
  const url = `${conn.base}${path}?${new URLSearchParams(params)}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: conn.headers, signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new MetricsiftError(`Prometheus at ${conn.shown} is unreachable: ${cause?.code ?? cause?.message ?? (e as Error).message}`, ErrorCode.PROMETHEUS_UNREACHABLE);
  }
  if (res.status === 401 || res.status === 403) {
    throw new MetricsiftError(
      `Prometheus at ${conn.shown} refused ${what}: HTTP ${res.status} ${res.status === 401 ? 'Unauthorized' : 'Forbidden'}; send credentials with --header 'Authorization: Bearer …', METRICSIFT_PROMETHEUS_TOKEN or user:password@ in the URL`,
      ErrorCode.PROMETHEUS_AUTH,
    );
  }
  const text = await res.text();
  let body: { status?: string; error?: string; errorType?: string; data?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    if (/^\s*</.test(text) || /html/i.test(res.headers.get('content-type') ?? '')) {
      throw new MetricsiftError(
        `Prometheus at ${conn.shown} answered ${what} with an HTML page (HTTP ${res.status}), likely a login page or a proxy: check the URL's path and the credentials (--header, METRICSIFT_PROMETHEUS_TOKEN)`,
        ErrorCode.PROMETHEUS_AUTH,
      );
    }
    throw new MetricsiftError(`Prometheus at ${conn.shown} answered HTTP ${res.status} without a JSON body for ${what}`, ErrorCode.PROMETHEUS_ERROR);
  }
  if (!res.ok || body.status !== 'success') {
    throw new MetricsiftError(`Prometheus at ${conn.shown} rejected ${what}: ${body.errorType ?? `HTTP ${res.status}`}: ${body.error ?? 'no detail'}`, ErrorCode.PROMETHEUS_ERROR);
  }
  return body;
}

async function queryRange(o: PrometheusOptions, conn: ReturnType<typeof connection>, query: string, start: number, end: number, step: number): Promise<MatrixResult[]> {
  const what = `query ${JSON.stringify(query)}`;
  const body = await get(o, conn, '/api/v1/query_range', { query, start: String(start), end: String(end), step: String(step) }, what);
  const data = body.data as { resultType?: string; result?: MatrixResult[] } | undefined;
  if (data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
    throw new MetricsiftError(`Prometheus at ${conn.shown}: ${what} gave a ${data?.resultType ?? 'missing'} result, not a matrix`, ErrorCode.BAD_FORMAT);
  }
  return data.result;
}

/** Metric types from `/api/v1/metadata` (empty when the server has none or refuses). */
async function metricTypes(o: PrometheusOptions, conn: ReturnType<typeof connection>): Promise<Map<string, string>> {
  const types = new Map<string, string>();
  try {
    const body = await get(o, conn, '/api/v1/metadata', {}, 'the metadata request');
    for (const [name, list] of Object.entries((body.data ?? {}) as Record<string, { type?: string }[]>)) {
      if (Array.isArray(list) && list[0]?.type) types.set(name, list[0].type);
    }
  } catch (e) {
    if (!(e instanceof MetricsiftError) || e.code === ErrorCode.PROMETHEUS_AUTH) throw e;
  }
  return types;
}

/** Reads the series of the queries (or the job) over [start, end] at `step` seconds. */
export async function readPrometheus(o: PrometheusOptions): Promise<ColumnTable> {
  const conn = connection(o);
  const now = Date.now() / 1000;
  const start = promTime(o.start, 'start', now), end = promTime(o.end, 'end', now), step = o.step ?? 60;
  if (!(end > start)) throw new MetricsiftError(`Expected end after start but received ${o.start} … ${o.end}`, ErrorCode.BAD_OPTION);
  if (!(step > 0)) throw new MetricsiftError(`Expected a step > 0 seconds but received ${o.step}`, ErrorCode.BAD_OPTION);
  const queries = o.queries?.length ? o.queries : o.job ? [`{job=${JSON.stringify(o.job)}}`] : [];
  if (queries.length === 0) throw new MetricsiftError('Give Prometheus queries or a job', ErrorCode.BAD_OPTION);
  const rows = Math.floor((end - start) / step) + 1;
  const chunkRows = Math.max(1, Math.floor(o.maxPoints ?? 11_000));
  const columns: Record<string, Float64Array> = {};
  const series: Record<string, SeriesInfo> = {};
  const owner = new Map<string, number>();  // column → the query that made it
  const maxSamples = o.maxSamples === undefined ? Infinity : Math.max(1, Math.floor(o.maxSamples));
  for (const [qi, q] of queries.entries()) {
    // Chunks on the same grid: rows [r0, r0 + chunk) each, so no point is read twice.
    let chunk = Number.isFinite(maxSamples) ? 1 : chunkRows;
    for (let r0 = 0, next = chunk; r0 < rows; r0 += chunk, chunk = next) {
      const s = start + r0 * step, e = start + Math.min(rows - 1, r0 + chunk - 1) * step;
      const results = await queryRange(o, conn, q, s, e, step);
      // The next slice's rows, from the series this one returned.
      if (Number.isFinite(maxSamples)) next = Math.max(1, Math.min(chunkRows, 4 * chunk, Math.floor(maxSamples / Math.max(1, results.length))));
      for (const res of results) {
        let name = columnName(res.metric, q);
        if (owner.has(name) && owner.get(name) !== qi) name = `${name} [${q}]`;  // the same series from two expressions
        owner.set(name, qi);
        const col = columns[name] ?? (columns[name] = new Float64Array(rows).fill(NaN));
        if (!series[name]) {
          const { __name__: metric, ...labels } = res.metric;
          series[name] = { metric: metric ?? q, labels };
        }
        for (const [ts, v] of res.values) {
          const r = Math.round((ts - start) / step);
          if (r >= 0 && r < rows) col[r] = Number(v);  // "NaN", "+Inf" parse as such
        }
      }
    }
  }
  if (Object.keys(columns).length === 0) {
    throw new MetricsiftError(`Prometheus at ${conn.shown}: no series for ${queries.join(', ')} in the range`, ErrorCode.NO_COLUMNS);
  }
  const types = o.metadata === false ? new Map<string, string>() : await metricTypes(o, conn);
  for (const s of Object.values(series)) {
    const known = types.get(s.metric) ?? types.get(s.metric.replace(/_(total|count|sum|bucket)$/, ''));
    if (known) s.type = known === 'histogram' || known === 'summary' ? (COUNTER_SUFFIX.test(s.metric) ? 'counter' : 'gauge') : known;
    else if (/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(s.metric) && COUNTER_SUFFIX.test(s.metric)) s.type = 'counter';
  }
  const time = Array.from({ length: rows }, (_, r) => new Date((start + r * step) * 1000).toISOString().replace('.000Z', 'Z'));
  return { ...toColumnTable(columns), time, source: conn.shown, series };
}
