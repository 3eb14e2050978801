/**
 * Metrics from a Prometheus server: range queries over the HTTP API (`/api/v1/query_range`,
 * matrix results) for a list of selectors, or all series of a job, on a regular time grid.
 * Columns are named `<service>/<metric>{labels}`, the service being the `service` label, else
 * `job`, else `instance`; samples are placed on the grid by their timestamp, gaps stay missing.
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { toColumnTable, type ColumnTable } from '../table.js';

export interface PrometheusOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:9090`. */
  url: string;
  /** PromQL selectors or queries; or give `job` for every series of that job. */
  queries?: string[];
  job?: string;
  /** Range: Date, epoch seconds, or an RFC 3339 string. */
  start: Date | number | string;
  end: Date | number | string;
  /** Resolution in seconds (default 60). */
  step?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

interface MatrixResult {
  metric: Record<string, string>;
  values: [number, string][];
}

const seconds = (t: Date | number | string, what: string): number => {
  const v = t instanceof Date ? t.getTime() / 1000 : typeof t === 'number' ? t : Date.parse(t) / 1000;
  if (!Number.isFinite(v)) throw new MetricsiftError(`Expected a date for ${what} but received ${JSON.stringify(t)}`, ErrorCode.BAD_OPTION);
  return v;
};

function columnName(m: Record<string, string>): string {
  const service = m.service ?? m.job ?? m.instance ?? 'prometheus';
  const labels = Object.keys(m).filter((k) => k !== '__name__' && k !== 'service' && (m.service !== undefined || k !== 'job')).sort();
  const rest = labels.map((k) => `${k}="${m[k]}"`).join(',');
  return `${service}/${m.__name__ ?? 'value'}${rest ? `{${rest}}` : ''}`;
}

async function queryRange(o: PrometheusOptions, query: string, start: number, end: number, step: number): Promise<MatrixResult[]> {
  const url = new URL('/api/v1/query_range', o.url);
  url.search = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) }).toString();
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new MetricsiftError(`Prometheus at ${o.url} is unreachable: ${cause?.code ?? cause?.message ?? (e as Error).message}`, ErrorCode.PROMETHEUS_UNREACHABLE);
  }
  let body: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: MatrixResult[] } };
  try {
    body = await res.json();
  } catch {
    throw new MetricsiftError(`Prometheus at ${o.url} answered HTTP ${res.status} without a JSON body for query ${JSON.stringify(query)}`, ErrorCode.PROMETHEUS_ERROR);
  }
  if (!res.ok || body.status !== 'success') {
    throw new MetricsiftError(`Prometheus at ${o.url} rejected query ${JSON.stringify(query)}: ${body.errorType ?? `HTTP ${res.status}`}: ${body.error ?? 'no detail'}`, ErrorCode.PROMETHEUS_ERROR);
  }
  if (body.data?.resultType !== 'matrix' || !Array.isArray(body.data.result)) {
    throw new MetricsiftError(`Prometheus at ${o.url}: query ${JSON.stringify(query)} gave a ${body.data?.resultType ?? 'missing'} result, not a matrix`, ErrorCode.BAD_FORMAT);
  }
  return body.data.result;
}

/** Reads the series of the queries (or the job) over [start, end] at `step` seconds. */
export async function readPrometheus(o: PrometheusOptions): Promise<ColumnTable> {
  const start = seconds(o.start, 'start'), end = seconds(o.end, 'end'), step = o.step ?? 60;
  if (!(end > start)) throw new MetricsiftError(`Expected end after start but received ${o.start} … ${o.end}`, ErrorCode.BAD_OPTION);
  if (!(step > 0)) throw new MetricsiftError(`Expected a step > 0 seconds but received ${o.step}`, ErrorCode.BAD_OPTION);
  const queries = o.queries?.length ? o.queries : o.job ? [`{job=${JSON.stringify(o.job)}}`] : [];
  if (queries.length === 0) throw new MetricsiftError('Give Prometheus queries or a job', ErrorCode.BAD_OPTION);
  const rows = Math.floor((end - start) / step) + 1;
  const columns: Record<string, Float64Array> = {};
  for (const q of queries) {
    for (const series of await queryRange(o, q, start, end, step)) {
      const name = columnName(series.metric);
      const col = columns[name] ?? (columns[name] = new Float64Array(rows).fill(NaN));
      for (const [ts, v] of series.values) {
        const r = Math.round((ts - start) / step);
        if (r >= 0 && r < rows) col[r] = Number(v);  // "NaN", "+Inf" parse as such
      }
    }
  }
  if (Object.keys(columns).length === 0) {
    throw new MetricsiftError(`Prometheus at ${o.url}: no series for ${queries.join(', ')} in the range`, ErrorCode.NO_COLUMNS);
  }
  const time = Array.from({ length: rows }, (_, r) => new Date((start + r * step) * 1000).toISOString().replace('.000Z', 'Z'));
  return { ...toColumnTable(columns), time, source: o.url };
}
