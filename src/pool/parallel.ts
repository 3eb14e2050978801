/**
 * The caller's side of the pooled work: each function cuts its loop into chunks, runs them on a
 * {@link WorkerPool} over the shared table, and puts the pieces back in the single-thread order, so
 * the result is the single-thread result bit for bit. The workers' side is ./worker.ts.
 */
import type { DriftOptions, DriftResult } from '../analysis/drift.js';
import type { RankEntry, RankOptions, VariableInput } from '../analysis/rank.js';
import type { TransferEntropyOptions, TransferEntropyResult } from '../analysis/transfer.js';
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import type { CsvOptions } from '../io/csv.js';
import type { ReadOptions } from '../io/read.js';
import type { KimetrixOptions, KimetrixResult } from '../select/index.js';
import { toColumnTable, type ColumnTable, type TableInput } from '../table.js';
import { chunks, shareTable, type WorkerPool } from './pool.js';

/** Chunks per worker: small enough to balance uneven metrics, large enough to amortise a task. */
const CHUNKS_PER_WORKER = 4;

/** Options a task receives: what cannot cross a thread (the pool, a signal) left out. */
function portable<T extends { pool?: unknown; signal?: unknown; threads?: unknown }>(o: T): Omit<T, 'pool' | 'signal' | 'threads'> {
  const { pool: _p, signal: _s, threads: _t, ...rest } = o;
  return rest;
}

/** {@link rankToTarget}'s entries for `metrics` (table indices), computed in chunks on the pool, in `metrics` order. @internal */
export async function rankEntriesInPool(pool: WorkerPool, t: ColumnTable, target: VariableInput, opts: RankOptions, metrics: number[]): Promise<RankEntry[]> {
  const table = shareTable(t);
  const o = portable(opts);
  const parts = await Promise.all(chunks(metrics.length, pool.workers * CHUNKS_PER_WORKER).map(([a, b]) =>
    pool.run<RankEntry[]>('rank', { table, target, opts: o, columns: metrics.slice(a, b) }, [], opts.signal)));
  const byName = new Map<string, RankEntry>();
  for (const part of parts) for (const e of part) byName.set(e.metric, e);
  return metrics.map((i) => {
    const e = byName.get(t.names[i])!;
    delete e.q; // a chunk's q-values are over its own p-values; the caller computes them over all
    return e;
  });
}

/** {@link driftTable}'s results for `pairs` (column indices), in chunks on the pool, in order. @internal */
export async function driftInPool(pool: WorkerPool, t: ColumnTable, pairs: [number, number][], opts: DriftOptions, strict: boolean): Promise<DriftResult[]> {
  const table = shareTable(t);
  const o = portable(opts);
  const parts = await Promise.all(chunks(pairs.length, pool.workers * CHUNKS_PER_WORKER).map(([a, b]) =>
    pool.run<DriftResult[]>('drift', { table, pairs: pairs.slice(a, b), opts: o, strict })));
  return parts.flat();
}

function indexOf(t: ColumnTable, name: string | number, role: string): number {
  const i = typeof name === 'number' ? (Number.isInteger(name) && name >= 0 && name < t.names.length ? name : -1) : t.names.indexOf(name);
  if (i < 0) throw new MetricsiftError(`The ${role} column ${JSON.stringify(name)} is not in the table${t.source ? ` ${t.source}` : ''}`, ErrorCode.COLUMN_MISSING);
  return i;
}

/**
 * Transfer entropy TE(source → target) for each pair of columns (names or indices), across the pool:
 * element k is `transferEntropy(column a_k, column b_k, opts)`, bit for bit.
 * @throws MetricsiftError `MS_COLUMN_MISSING` for a name not in the table, and what {@link transferEntropy} throws.
 */
export async function transferEntropies(pool: WorkerPool, input: TableInput, pairs: [string | number, string | number][], opts: TransferEntropyOptions = {}): Promise<TransferEntropyResult[]> {
  const t = toColumnTable(input);
  if (!Array.isArray(pairs)) badOption('pairs', 'an array of [source, target] column pairs', pairs);
  const idx = pairs.map(([a, b]) => [indexOf(t, a, 'source'), indexOf(t, b, 'target')] as [number, number]);
  const table = shareTable(t);
  const parts = await Promise.all(chunks(idx.length, pool.workers * CHUNKS_PER_WORKER).map(([a, b]) =>
    pool.run<TransferEntropyResult[]>('te', { table, pairs: idx.slice(a, b), opts })));
  return parts.flat();
}

/**
 * {@link selectMetrics} once per option set (an ε sweep, settings to compare) or once per table
 * (several days), across the pool; each run is the single-thread run. Tables are shared, not
 * copied. `serviceOf` must be a record here (a function cannot cross threads).
 */
export async function selectMany(pool: WorkerPool, inputs: TableInput | TableInput[], options: KimetrixOptions | KimetrixOptions[]): Promise<KimetrixResult[]> {
  const tables = (Array.isArray(inputs) ? inputs : [inputs]).map((x) => shareTable(toColumnTable(x)));
  const opts = Array.isArray(options) ? options : [options];
  const n = Math.max(tables.length, opts.length);
  if (tables.length !== n && tables.length !== 1) badOption('inputs', `one table or ${n} (one per option set)`, inputs);
  if (opts.length !== n && opts.length !== 1) badOption('options', `one option set or ${n} (one per table)`, options);
  for (const o of opts) {
    if (typeof o.serviceOf === 'function') badOption('serviceOf', 'a record { metric: service } with a pool (a function cannot cross threads)', o.serviceOf);
    if (o.onProgress) badOption('onProgress', 'no progress callback with a pool', o.onProgress);
  }
  return Promise.all(Array.from({ length: n }, (_, k) =>
    pool.run<KimetrixResult>('select', { table: tables[tables.length === 1 ? 0 : k], opts: portable(opts[opts.length === 1 ? 0 : k]), threadsGiven: opts[opts.length === 1 ? 0 : k].threads })));
}

/**
 * Reads many metric files at once, one task each (any format {@link readTable} reads). The parsed
 * columns are moved back from the workers, not copied. Tables in the order of `paths`.
 */
export async function readTables(pool: WorkerPool, paths: string[], options: ReadOptions = {}): Promise<ColumnTable[]> {
  return Promise.all(paths.map((path) => pool.run<ColumnTable>('readTable', { path, options })));
}

/**
 * Parses CSV bytes in a worker ({@link parseCsvBytes}). With `move` (default) the bytes' buffer is
 * moved to the worker: `bytes` is detached here afterwards (no copy). The columns come back moved.
 */
export async function parseCsvInPool(pool: WorkerPool, bytes: Uint8Array, source: string, options: CsvOptions & { move?: boolean } = {}): Promise<ColumnTable> {
  const { move = true, ...csv } = options;
  if (move && (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength || bytes.buffer instanceof SharedArrayBuffer)) {
    badOption('bytes', 'a Uint8Array spanning its own ArrayBuffer to move (or move: false to copy)', bytes);
  }
  return pool.run<ColumnTable>('parseCsv', { bytes, source, options: csv }, move ? [bytes.buffer as ArrayBuffer] : []);
}
