/**
 * Parquet files, read with DuckDB (`@duckdb/node-api`, an optional dependency whose binary comes
 * from the npm registry): numeric columns become metrics, a time-like column (named time,
 * timestamp, … or a non-numeric first column) becomes the row labels. Without DuckDB installed,
 * a clear MS_MISSING_DEPENDENCY error says how to add it; nothing else is affected.
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { toColumnTable, type ColumnTable } from '../table.js';
import { fileError } from './csv.js';
import { longColumns, pivotLong } from './long.js';
import { access } from 'node:fs/promises';

type DuckModule = typeof import('@duckdb/node-api');
const TIME_NAMES = new Set(['time', 'timestamp', 'datetime', 'date', 'ts']);

/** Loads DuckDB, or explains that it is missing. `importer` exists for tests. */
export async function loadDuckdb(importer: () => Promise<DuckModule> = () => import('@duckdb/node-api')): Promise<DuckModule> {
  try {
    return await importer();
  } catch (e) {
    throw new MetricsiftError(
      `Reading Parquet needs the optional dependency @duckdb/node-api, which could not be loaded (${(e as Error).message.split('\n')[0]}). Install it with: npm install @duckdb/node-api`,
      ErrorCode.MISSING_DEPENDENCY,
    );
  }
}

/**
 * Reads a Parquet file into a column table; a long-format file (time, metric[, labels…], value,
 * the metric column text) is pivoted to wide (`long: true` forces it, `false` never; default detected).
 */
export async function readParquet(path: string, opts: { long?: boolean } = {}): Promise<ColumnTable> {
  try {
    await access(path);
  } catch (e) {
    throw fileError(path, e);
  }
  const duck = await loadDuckdb();
  const instance = await duck.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  let names: string[], cols: unknown[][];
  try {
    const reader = await conn.runAndReadAll('SELECT * FROM read_parquet($1)', [path]);
    names = reader.columnNames();
    cols = reader.getColumnsJS() as unknown[][];
  } catch (e) {
    throw new MetricsiftError(`${path}: not a readable Parquet file (${(e as Error).message.split('\n')[0]})`, ErrorCode.BAD_FORMAT);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const numeric = (c: unknown[]) => c.every((v) => v === null || typeof v === 'number' || typeof v === 'bigint');
  const long = longColumns(names);
  if (opts.long ?? (long !== null && !numeric(cols[long.metric]))) {
    if (!long) throw new MetricsiftError(`${path}: not a long table (needs time, metric and value columns)`, ErrorCode.BAD_FORMAT);
    const text = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v));
    const rows = function* () {
      for (let r = 0; r < (cols[0]?.length ?? 0); r++) {
        const labels: Record<string, string> = {};
        for (const c of long.labels) labels[names[c].replace(/[^a-zA-Z0-9_]/g, '_')] = text(cols[c][r]);
        const v = cols[long.value][r];
        yield { time: text(cols[long.time][r]), metric: text(cols[long.metric][r]), labels, value: v === null ? NaN : Number(v), line: r + 1 };
      }
    };
    return pivotLong(rows(), path, 'row');
  }
  let timeIdx = names.findIndex((n, i) => TIME_NAMES.has(n.toLowerCase()) && !numeric(cols[i]));
  if (timeIdx < 0 && names.length && !numeric(cols[0])) timeIdx = 0;
  const metricNames: string[] = [], metricCols: Float64Array[] = [];
  names.forEach((n, i) => {
    if (i === timeIdx) return;
    if (!numeric(cols[i])) throw new MetricsiftError(`${path}: column "${n}" is not numeric`, ErrorCode.BAD_INPUT);
    metricNames.push(n);
    metricCols.push(Float64Array.from(cols[i], (v) => (v === null ? NaN : Number(v))));
  });
  if (metricNames.length === 0) throw new MetricsiftError(`${path}: no numeric column`, ErrorCode.NO_COLUMNS);
  const time = timeIdx >= 0 ? cols[timeIdx].map((v) => (v instanceof Date ? v.toISOString() : String(v))) : undefined;
  return { ...toColumnTable({ names: metricNames, columns: metricCols }), time, source: path };
}
