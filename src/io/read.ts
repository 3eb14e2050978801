/** One entry point for reading a metrics file: picks the reader from the file name's extension. */
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { ColumnTable } from '../table.js';
// apache-arrow (~0.3 s to import) is loaded only when an Arrow file is read.
import { readCsv, type CsvOptions } from './csv.js';
import { isLongCsv, readLongCsv } from './long.js';
import { readParquet } from './parquet.js';
import { readPrometheus } from './prometheus.js';

/**
 * A Prometheus range query written as one URL: the server's address (path kept, for servers behind
 * a prefix; `user:password@` sent as basic auth) with `query` (repeatable) or `job`, `start`, `end`
 * (RFC 3339, epoch seconds, or `now-6h`) and `step` (seconds, default 60), e.g.
 * `http://127.0.0.1:9090/?job=shop&start=now-6h&end=now&step=60`. `headers` are sent with every
 * request (`Authorization`, `X-Scope-OrgID`); `METRICSIFT_PROMETHEUS_TOKEN` is sent as a bearer token.
 */
export function readPrometheusUrl(spec: string, opts: { headers?: Record<string, string> } = {}): Promise<ColumnTable> {
  let u: URL;
  try {
    u = new URL(spec);
  } catch {
    throw new MetricsiftError(`${spec}: not a URL (expected http://host:9090/?query=…&start=…&end=…)`, ErrorCode.BAD_OPTION);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new MetricsiftError(`${spec}: a Prometheus URL starts with http:// or https://, not ${u.protocol}//`, ErrorCode.BAD_OPTION);
  }
  const p = u.searchParams;
  const time = (k: string) => {
    const v = p.get(k);
    if (v === null) throw new MetricsiftError(`${u.origin}${u.pathname}: the URL needs ${k}= (RFC 3339, epoch seconds or now-6h)`, ErrorCode.BAD_OPTION);
    return /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  };
  const base = new URL(u.toString());
  base.search = '';
  base.hash = '';
  return readPrometheus({
    url: base.toString(), queries: p.getAll('query'), job: p.get('job') ?? undefined,
    start: time('start'), end: time('end'), step: p.has('step') ? Number(p.get('step')) : undefined, headers: opts.headers,
  });
}

/** `Name: value` header arguments (repeatable `--header`) as an object. */
export function parseHeaders(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list ?? []) {
    const i = h.indexOf(':');
    if (i <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h.slice(0, i).trim())) {
      throw new MetricsiftError(`Expected --header 'Name: value' but received ${JSON.stringify(h)}`, ErrorCode.BAD_OPTION);
    }
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

/**
 * Options for {@link readTable}; `timeColumn` and `delimiter` apply to CSV/TSV only. `long`: the
 * file is long format (`time, metric[, labels…], value`) to pivot; default: detected from the
 * header (CSV/TSV) or the columns (Parquet).
 */
export type ReadOptions = CsvOptions & { long?: boolean };

/** The extensions {@link readTable} understands, for messages and CLI help. */
export const SUPPORTED_EXTENSIONS = ['.csv', '.csv.gz', '.tsv', '.tsv.gz', '.arrow', '.ipc', '.feather', '.parquet'] as const;

/**
 * Reads a metrics table, choosing the reader by extension (case-insensitive):
 * `.csv` / `.csv.gz` (comma), `.tsv` / `.tsv.gz` (tab), `.arrow` / `.ipc` / `.feather` (Arrow IPC).
 *
 * @param path The file; named as given in error messages.
 * @param options CSV options (an explicit `delimiter` overrides the one the extension implies).
 * @throws MetricsiftError `MS_BAD_FORMAT` for any other extension (naming it and the supported
 *   ones), and every error of {@link readCsv} / {@link readArrow}.
 */
export async function readTable(path: string, options: ReadOptions = {}): Promise<ColumnTable> {
  if (/^https?:\/\//i.test(path)) return readPrometheusUrl(path);
  const lower = path.toLowerCase();
  const csv = lower.endsWith('.csv') || lower.endsWith('.csv.gz'), tsv = lower.endsWith('.tsv') || lower.endsWith('.tsv.gz');
  if (csv || tsv) {
    const { long, ...rest } = options;
    const delimiter = options.delimiter ?? (tsv ? '\t' : ',');
    if (long ?? (await isLongCsv(path, delimiter))) return readLongCsv(path, { delimiter });
    return readCsv(path, { ...rest, delimiter });
  }
  if (lower.endsWith('.arrow') || lower.endsWith('.ipc') || lower.endsWith('.feather')) return (await import('./arrow.js')).readArrow(path);
  if (lower.endsWith('.parquet')) return readParquet(path, { long: options.long });
  const base = path.split(/[\\/]/).pop() ?? path;
  const parts = base.split('.').slice(1);
  // Show ".gz" with the extension before it ("x.json.gz" → ".json.gz").
  const ext = parts.length === 0 ? '' : '.' + parts.slice(parts.length >= 2 && parts[parts.length - 1].toLowerCase() === 'gz' ? -2 : -1).join('.');
  throw new MetricsiftError(
    `${path}: ${ext ? `unsupported file extension "${ext}"` : 'no file extension'}; supported: ${SUPPORTED_EXTENSIONS.join(', ')}`,
    ErrorCode.BAD_FORMAT,
  );
}
