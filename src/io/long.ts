/**
 * Long-format tables (`time, metric[, labels…], value`: one row per sample, the usual shape of
 * metric exports and lake tables) pivoted to the wide column table every estimator reads.
 *
 * Columns are named as the Prometheus reader names them: `<service>/<metric>{labels}`, the
 * service being the `service` label, else `job`, else `instance` (else no prefix), the other
 * labels sorted and folded in as `name="value"`. Rows are the distinct times in increasing order;
 * a metric without a sample at a time is missing there. Two rows with the same time, metric and
 * labels are `MS_DUPLICATE_ROW`, naming both.
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { toColumnTable, type ColumnTable, type SeriesInfo } from '../table.js';
import { parseCsvStrings, readCsvStrings, type CsvOptions, type StringTable } from './csv.js';

const TIME = ['time', 'timestamp', 'ts', 'datetime', 'date', '_time'];
const METRIC = ['metric', '__name__', 'name', 'metric_name', 'series'];
const VALUE = ['value', 'val', '_value', 'metric_value'];

/** Where the time, metric and value columns of a long table are, or null when the header is not long format. */
export function longColumns(header: string[]): { time: number; metric: number; value: number; labels: number[] } | null {
  const lower = header.map((h) => h.trim().toLowerCase());
  const find = (names: string[]) => {
    for (const n of names) {
      const i = lower.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  const time = find(TIME), metric = find(METRIC), value = find(VALUE);
  if (time < 0 || metric < 0 || value < 0) return null;
  return { time, metric, value, labels: header.map((_, i) => i).filter((i) => i !== time && i !== metric && i !== value) };
}

/** A Prometheus-style label name: other characters become `_`. */
const labelName = (s: string) => {
  const t = s.trim().replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[a-zA-Z_]/.test(t) ? t : `_${t}`;
};

/** The column name of a metric and its labels (empty label values left out, as Prometheus does). */
export function longColumnName(metric: string, labels: Record<string, string>): string {
  const service = labels.service ?? labels.job ?? labels.instance;
  const keys = Object.keys(labels).filter((k) => labels[k] !== '' && k !== 'service' && (labels.service !== undefined || k !== 'job')
    && (labels.service !== undefined || labels.job !== undefined || k !== 'instance')).sort();
  const rest = keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',');
  return `${service ? `${service}/` : ''}${metric}${rest ? `{${rest}}` : ''}`;
}

/** One long row: `line` is what error messages call it (a file line, a Parquet row). */
export interface LongRow { time: string; metric: string; labels: Record<string, string>; value: number; line: number }

function timeKey(t: string): number {
  const s = t.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? NaN : ms / 1000;
}

/**
 * Pivots long rows to a wide table. `source` names the file in errors; `lineWord` how a row is
 * called there (`line` for CSV, `row` for Parquet).
 */
export function pivotLong(rows: Iterable<LongRow>, source: string, lineWord = 'line'): ColumnTable {
  const times = new Map<string, number>();                 // time text → its numeric key
  const cells = new Map<string, Map<string, { value: number; line: number }>>();  // column → time → value
  const series: Record<string, SeriesInfo> = {};
  for (const r of rows) {
    if (!r.metric) throw new MetricsiftError(`${source}: ${lineWord} ${r.line} has an empty metric name`, ErrorCode.BAD_INPUT);
    const key = timeKey(r.time);
    if (Number.isNaN(key)) throw new MetricsiftError(`${source}: ${lineWord} ${r.line}: time "${r.time}" is not a date or a number`, ErrorCode.BAD_INPUT);
    times.set(r.time, key);
    const name = longColumnName(r.metric, r.labels);
    let col = cells.get(name);
    if (!col) {
      cells.set(name, (col = new Map()));
      series[name] = { metric: r.metric, labels: Object.fromEntries(Object.entries(r.labels).filter(([, v]) => v !== '')) };
    }
    const prev = col.get(r.time);
    if (prev) {
      throw new MetricsiftError(
        `${source}: ${lineWord}s ${prev.line} and ${r.line} both give ${name} at time ${r.time}; a long table needs one value per (time, metric, labels)`,
        ErrorCode.DUPLICATE_ROW,
      );
    }
    col.set(r.time, { value: r.value, line: r.line });
  }
  if (cells.size === 0) throw new MetricsiftError(`${source}: the long table has no data rows`, ErrorCode.NO_ROWS);
  // Distinct times in increasing order; two spellings of one instant are one row.
  const order = [...times].sort((a, b) => a[1] - b[1]);
  const rowOf = new Map<string, number>();
  const time: string[] = [];
  let lastKey = NaN;
  for (const [text, key] of order) {
    if (key !== lastKey) { time.push(text); lastKey = key; }
    rowOf.set(text, time.length - 1);
  }
  const names = [...cells.keys()];
  const columns = names.map((n) => {
    const out = new Float64Array(time.length).fill(NaN);
    for (const [t, c] of cells.get(n)!) {
      const r = rowOf.get(t)!;
      if (!Number.isNaN(out[r])) {
        throw new MetricsiftError(`${source}: ${lineWord} ${c.line} gives ${n} a second value at ${t} (the same instant as another spelling)`, ErrorCode.DUPLICATE_ROW);
      }
      out[r] = c.value;
    }
    return out;
  });
  return { ...toColumnTable({ names, columns }), time, source, series };
}

/** Pivots a CSV read as strings (header `time, metric[, labels…], value`, any order). */
export function longFromStrings(st: StringTable): ColumnTable {
  const source = st.source ?? 'the table';
  const cols = longColumns(st.names);
  if (!cols) {
    throw new MetricsiftError(`${source}: not a long table: the header needs a time column (${TIME.join('/')}), a metric column (${METRIC.join('/')}) and a value column (${VALUE.join('/')})`, ErrorCode.BAD_FORMAT);
  }
  const labelNames = cols.labels.map((i) => labelName(st.names[i]));
  const missing = /^(nan|null|na|)$/i;
  function* rows(): Generator<LongRow> {
    for (let r = 0; r < st.rows; r++) {
      const v = st.columns[cols!.value][r].trim();
      const value = missing.test(v) ? NaN : Number(v);
      if (Number.isNaN(value) && !missing.test(v)) {
        throw new MetricsiftError(`${source}: data row ${r + 1}, column "${st.names[cols!.value]}": "${v}" is not a number`, ErrorCode.NON_NUMERIC);
      }
      const labels: Record<string, string> = {};
      cols!.labels.forEach((c, k) => { labels[labelNames[k]] = st.columns[c][r]; });
      yield { time: st.columns[cols!.time][r], metric: st.columns[cols!.metric][r].trim(), labels, value, line: r + 1 };
    }
  }
  return pivotLong(rows(), source, 'data row');
}

/** Reads a long-format CSV (gzip too) and pivots it to a wide table. */
export async function readLongCsv(path: string, options: Pick<CsvOptions, 'delimiter'> = {}): Promise<ColumnTable> {
  return longFromStrings(await readCsvStrings(path, options));
}

/** Pivots long-format CSV text already in memory (standard input). */
export function parseLongCsv(text: string, source: string, options: Pick<CsvOptions, 'delimiter'> = {}): ColumnTable {
  return longFromStrings(parseCsvStrings(text, source, options));
}

/** The first line of a (possibly gzipped) text file, read without loading the file. */
export async function firstLine(path: string): Promise<string> {
  const { createReadStream } = await import('node:fs');
  const { createGunzip } = await import('node:zlib');
  const head = await new Promise<Buffer>((resolve) => {
    const s = createReadStream(path, { start: 0, end: 1 });
    const parts: Buffer[] = [];
    s.on('data', (c) => parts.push(c as Buffer)).on('end', () => resolve(Buffer.concat(parts))).on('error', () => resolve(Buffer.alloc(0)));
  });
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  return new Promise<string>((resolve) => {
    const raw = createReadStream(path);
    const s = gz ? raw.pipe(createGunzip()) : raw;
    let text = '';
    const done = () => {
      raw.destroy();
      resolve(text.replace(/^\uFEFF/, '').split(/\r?\n/)[0]);
    };
    s.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      if (text.includes('\n') || text.length > 1 << 20) done();
    }).on('end', done).on('error', done);
  });
}

/** Whether a CSV file's header names time, metric and value columns (long format). */
export async function isLongCsv(path: string, delimiter = ','): Promise<boolean> {
  const header = (await firstLine(path)).split(delimiter).map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  return longColumns(header) !== null && header.length <= 64;
}
