/**
 * Parquet files, read with DuckDB (`@duckdb/node-api`, an optional dependency whose binary comes
 * from the npm registry): numeric columns become metrics, a time-like column (named time,
 * timestamp, … or a non-numeric first column) becomes the row labels. Without DuckDB installed,
 * a clear MS_MISSING_DEPENDENCY error says how to add it; nothing else is affected.
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { toColumnTable, type ColumnTable } from '../table.js';
import { fileError } from './csv.js';
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

/** Reads a Parquet file into a column table. */
export async function readParquet(path: string): Promise<ColumnTable> {
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
