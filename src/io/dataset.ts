/**
 * Opens whatever a user points a command at and says what it found: a wide table (CSV/TSV/Arrow/
 * Parquet, a file or standard input), a Prometheus range query, a Train Ticket day directory
 * (`metric/`, with `trace/` and `fault_list.json` beside it), or PetShop data (a `metrics.csv` with
 * four header rows, `graph.csv` beside it or one level up).
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { open } from 'node:fs/promises';
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { ColumnTable } from '../table.js';
import { fileError } from './csv.js';
import { readPetshopMetrics, readTrainTicketDay } from './layouts.js';
// apache-arrow (~0.3 s to import) is loaded only when an Arrow file is read.
import { readCsv } from './csv.js';
import { isLongCsv, readLongCsv } from './long.js';
import { readParquet } from './parquet.js';
import { readPrometheusUrl, readTable } from './read.js';
import { readCsvStdin, STDIN, type InputStream } from './stdin.js';

export interface Dataset {
  table: ColumnTable;
  layout: 'table' | 'trainticket' | 'petshop';
  /** Found beside the metrics (used when the caller gives none). */
  traces?: string;
  graph?: string;
  faults?: string;
}

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

async function startsWith(path: string, prefix: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(prefix.length);
    await fh.read(buf, 0, prefix.length, 0);
    return buf.toString('utf8') === prefix;
  } finally {
    await fh.close();
  }
}

async function firstExisting(paths: string[], want: 'file' | 'dir'): Promise<string | undefined> {
  for (const p of paths) if ((await kind(p)) === want) return p;
  return undefined;
}

/** Input formats `--format` names (otherwise detected). */
export const INPUT_FORMATS = ['csv', 'tsv', 'arrow', 'parquet', 'trainticket', 'petshop', 'prometheus'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Options of {@link openDataset}. */
export interface OpenOptions {
  /** Names the reader instead of detecting it. */
  format?: InputFormat;
  /**
   * The Prometheus server for inputs given as a query only (`?job=shop&start=…&end=…`); the CLI
   * takes it from `METRICSIFT_PROMETHEUS_URL`.
   */
  prometheusUrl?: string;
  /** Where `-` reads from (default `process.stdin`). */
  stdin?: InputStream;
  /** HTTP headers for a Prometheus server (`Authorization`, `X-Scope-OrgID`). */
  headers?: Record<string, string>;
  /** The table is long format (time, metric[, labels…], value); default: detected. */
  long?: boolean;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** A Prometheus input as a full URL: as given, or a `?query` resolved against the default server. */
function prometheusSpec(path: string, base: string | undefined): string {
  if (isUrl(path)) return path;
  if (path.startsWith('?') && base) {
    if (!isUrl(base)) throw new MetricsiftError(`the default Prometheus server ${JSON.stringify(base)} is not an http(s) URL`, ErrorCode.BAD_OPTION);
    return new URL(path, base).href;
  }
  throw new MetricsiftError(
    `${path}: a Prometheus input is a URL such as http://127.0.0.1:9090/?job=shop&start=…&end=…, or a query ?job=…&start=…&end=… with a default server (METRICSIFT_PROMETHEUS_URL)`,
    ErrorCode.BAD_FORMAT,
  );
}

/**
 * The one input resolver of every command: reads metrics from a file (CSV/TSV, optionally
 * gzip-compressed; Arrow IPC; Parquet), a directory of a known layout (Train Ticket day, PetShop),
 * a Prometheus URL (or `?query` against `prometheusUrl`), or `-` for CSV/TSV on standard input, with
 * the side files it finds beside the metrics. `format` names the reader instead of detecting it.
 *
 * @param path What the user gave; named as given in error messages.
 * @param options The format (a string, for short) or {@link OpenOptions}.
 * @throws MetricsiftError `MS_FILE_NOT_FOUND`, `MS_BAD_FORMAT` (unknown layout or extension),
 *   `MS_STDIN_TERMINAL` (`-` while standard input is a terminal), and every error of the readers.
 */
export async function openDataset(path: string, options: InputFormat | OpenOptions = {}): Promise<Dataset> {
  const o: OpenOptions = typeof options === 'string' ? { format: options } : options;
  const format = o.format;
  if (path === STDIN) {
    if (format !== undefined && format !== 'csv' && format !== 'tsv') {
      throw new MetricsiftError(`--format ${format} cannot read standard input: '-' reads CSV or TSV (optionally gzip-compressed)`, ErrorCode.BAD_OPTION);
    }
    return { table: await readCsvStdin(format === 'tsv' ? { delimiter: '\t' } : {}, o.stdin), layout: 'table' };
  }
  if (format === 'prometheus' || path.startsWith('?')) return { table: await readPrometheusUrl(prometheusSpec(path, o.prometheusUrl), { headers: o.headers }), layout: 'table' };
  switch (format) {
    case undefined: break;
    case 'csv': return { table: (o.long ?? (await isLongCsv(path))) ? await readLongCsv(path) : await readCsv(path), layout: 'table' };
    case 'tsv': return { table: await readCsv(path, { delimiter: '\t' }), layout: 'table' };
    case 'arrow': return { table: await (await import('./arrow.js')).readArrow(path), layout: 'table' };
    case 'parquet': return { table: await readParquet(path, { long: o.long }), layout: 'table' };
    case 'trainticket':
      if ((await kind(path)) !== 'dir') throw new MetricsiftError(`${path}: --format trainticket needs a day directory (with metric/)`, ErrorCode.BAD_FORMAT);
      return openDataset(path, { ...o, format: undefined });
    case 'petshop':
      if ((await kind(path)) === 'dir') return openDataset(path, { ...o, format: undefined });
      return { table: await readPetshopMetrics(path), layout: 'petshop', graph: await firstExisting([join(dirname(path), 'graph.csv'), join(dirname(path), '..', 'graph.csv')], 'file') };
  }
  if (isUrl(path)) return { table: await readPrometheusUrl(path, { headers: o.headers }), layout: 'table' };
  const k = await kind(path);
  if (!k) throw fileError(path, Object.assign(new Error('not found'), { code: 'ENOENT' }));
  if (k === 'dir') {
    if ((await kind(join(path, 'metric'))) === 'dir') {
      return {
        table: await readTrainTicketDay(path), layout: 'trainticket',
        traces: await firstExisting([join(path, 'trace')], 'dir'),
        faults: await firstExisting([join(path, 'fault_list.json')], 'file'),
      };
    }
    const pet = await firstExisting([join(path, 'metrics.csv'), join(path, 'noissue', 'metrics.csv')], 'file');
    if (pet) return openDataset(pet);
    throw new MetricsiftError(
      `${path}: a directory of unknown layout (expected a Train Ticket day with metric/, or PetShop data with metrics.csv or noissue/metrics.csv)`,
      ErrorCode.BAD_FORMAT,
    );
  }
  if (/\.csv$/i.test(path) && (await startsWith(path, 'microservice,'))) {
    const graph = await firstExisting([join(dirname(path), 'graph.csv'), join(dirname(path), '..', 'graph.csv')], 'file');
    return { table: await readPetshopMetrics(path), layout: 'petshop', graph };
  }
  return { table: await readTable(path, { long: o.long }), layout: 'table' };
}
