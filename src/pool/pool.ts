/**
 * A worker pool (piscina) for the work that runs in TypeScript: ranking, drift and transfer-entropy
 * loops over metrics, selection runs, parsing many files. Three rules hold for every task:
 *
 * - Tables are shared, never copied per task: a table is packed once into one SharedArrayBuffer
 *   ({@link shareTable}, cached per table) and every task gets views over that same memory.
 *   Buffers that change owner (file bytes going in, parsed columns coming back) are moved, so the
 *   sender's copy is detached.
 * - Errors keep their class name and `code` across threads (a {@link MetricsiftError} thrown in a
 *   worker is a MetricsiftError with the same code in the caller).
 * - One thread budget: `threads` (default: the cores) is shared by the pool and the native threads
 *   inside its tasks. The pool runs `workers ≤ threads` tasks at once and each task's native calls
 *   get `threadsPerTask = ⌊threads / workers⌋` threads, so `workers × threadsPerTask ≤ threads`:
 *   on 2 cores, 2 workers × 1 native thread, never 2 × 2.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { columnValues } from '../analysis/coding.js';
import type { ColumnTable } from '../table.js';

/** Options of {@link createPool}. */
export interface PoolOptions {
  /** Tasks run at once (worker threads). Default: `threads`. Capped at `threads`. */
  workers?: number;
  /** The whole thread budget: pool workers × native threads per task stay within it. Default: the cores. */
  threads?: number;
}

/**
 * How a thread budget is split: `workers` tasks at once, each with `threadsPerTask` native threads,
 * `workers × threadsPerTask ≤ threads`.
 * @throws MetricsiftError `MS_BAD_OPTION` for a budget or worker count that is not an integer ≥ 1.
 */
export function threadBudget(threads: number = availableParallelism(), workers?: number): { workers: number; threadsPerTask: number; threads: number } {
  if (!Number.isInteger(threads) || threads < 1) badOption('threads', 'an integer ≥ 1', threads);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) badOption('workers', 'an integer ≥ 1', workers);
  const w = Math.min(workers ?? threads, threads);
  return { workers: w, threadsPerTask: Math.max(1, Math.floor(threads / w)), threads };
}

/** A table as tasks receive it: names and one SharedArrayBuffer view (float64, NaN = missing) per column. */
export interface SharedTable {
  names: string[];
  rows: number;
  columns: { buffer: SharedArrayBuffer; byteOffset: number }[];
  time?: string[];
  source?: string;
}

const shared = new WeakMap<ColumnTable, SharedTable>();

/**
 * The table in shared memory. Columns that already are float64 views over a SharedArrayBuffer are
 * used as they are; the others are copied, once, into one new SharedArrayBuffer. The result is
 * cached per table, so sharing the same table again copies nothing.
 */
export function shareTable(t: ColumnTable): SharedTable {
  const hit = shared.get(t);
  if (hit) return hit;
  const direct = (i: number) => {
    const c = t.columns[i].chunks;
    return c.length === 1 && !c[0].validity && c[0].values instanceof Float64Array && c[0].values.buffer instanceof SharedArrayBuffer ? c[0].values : undefined;
  };
  const toCopy = t.columns.map((_, i) => i).filter((i) => !direct(i));
  const sab = new SharedArrayBuffer(toCopy.length * t.rows * 8);
  const columns: SharedTable['columns'] = [];
  let slot = 0;
  for (let i = 0; i < t.columns.length; i++) {
    const d = direct(i);
    if (d) {
      columns.push({ buffer: d.buffer as SharedArrayBuffer, byteOffset: d.byteOffset });
      continue;
    }
    const byteOffset = slot++ * t.rows * 8;
    new Float64Array(sab, byteOffset, t.rows).set(columnValues(t.columns[i]));
    columns.push({ buffer: sab, byteOffset });
  }
  const s: SharedTable = { names: t.names, rows: t.rows, columns, ...(t.time ? { time: t.time } : {}), ...(t.source ? { source: t.source } : {}) };
  shared.set(t, s);
  return s;
}

/** The column table over a shared table's memory (views, no copy). */
export function tableFromShared(s: SharedTable): ColumnTable {
  return {
    names: s.names, rows: s.rows,
    columns: s.columns.map((c, i) => ({ name: s.names[i], length: s.rows, chunks: [{ values: new Float64Array(c.buffer, c.byteOffset, s.rows) }] })),
    ...(s.time ? { time: s.time } : {}), ...(s.source ? { source: s.source } : {}),
  };
}

/** An error as it crosses a thread: class name, code, message, stack. @internal */
export interface WireError {
  name: string;
  code?: string;
  message: string;
  stack?: string;
}

/** @internal */
export function toWire(e: unknown): WireError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, stack: e.stack, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

const ERROR_CLASSES: Record<string, new (m: string) => Error> = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

/** The error again on this side: the same class (MetricsiftError or a built-in one), code and message. @internal */
export function fromWire(w: WireError, callerStack?: string): Error {
  let e: Error;
  if (w.name === 'MetricsiftError') e = new MetricsiftError(w.message, w.code ?? ErrorCode.INTERNAL);
  else {
    e = new (ERROR_CLASSES[w.name] ?? Error)(w.message);
    if (!ERROR_CLASSES[w.name]) Object.defineProperty(e, 'name', { value: w.name });
    if (w.code !== undefined) (e as Error & { code?: string }).code = w.code;
  }
  // The caller's frames first (where the pool was called), then the worker's.
  const workerFrames = (w.stack ?? '').split('\n').slice(1).join('\n');
  e.stack = `${e.name}: ${e.message}\n${(callerStack ?? '').split('\n').slice(1).join('\n')}${workerFrames ? `\n    --- in a pool worker ---\n${workerFrames}` : ''}`;
  return e;
}

/** What a worker answers: a value, or an error on the wire. @internal */
export type TaskReply<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** The worker module: compiled `.js` next to this file, or the `.ts` source under tsx (tests, benchmarks). */
function workerFile(): { filename: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  return { filename: new URL(`./worker.${ts ? 'ts' : 'js'}`, import.meta.url).href, execArgv: ts ? ['--import', 'tsx'] : [] };
}

/**
 * A pool of worker threads for metricsift's TypeScript-side work. Pass it as the `pool` option of
 * {@link rankToTarget} and {@link driftTable}, or call its methods (see ./parallel.ts). Results are
 * the single-thread results, bit for bit. Close it with {@link WorkerPool.close}.
 */
export class WorkerPool {
  /** Tasks at once. */
  readonly workers: number;
  /** Native threads each task's native calls use. */
  readonly threadsPerTask: number;
  /** The whole budget. */
  readonly threads: number;
  readonly #piscina: Piscina;
  #closed = false;

  constructor(o: PoolOptions = {}) {
    const b = threadBudget(o.threads ?? availableParallelism(), o.workers);
    this.workers = b.workers;
    this.threadsPerTask = b.threadsPerTask;
    this.threads = b.threads;
    const { filename, execArgv } = workerFile();
    // piscina is loaded with the first pool, not by every module that imports this one (start-up).
    const { Piscina: Pool } = createRequire(import.meta.url)('piscina') as typeof import('piscina');
    this.#piscina = new Pool({ filename, execArgv, minThreads: this.workers, maxThreads: this.workers, idleTimeout: 60_000 });
  }

  /**
   * Runs task `name` of the worker module with `args`; `transfer` lists buffers to move (detached
   * here afterwards). Errors come back with their class and code. @internal
   */
  async run<T>(name: string, args: unknown, transfer: ArrayBuffer[] = [], signal?: AbortSignal): Promise<T> {
    if (this.#closed) throw new MetricsiftError('The worker pool is closed', ErrorCode.DISPOSED);
    const callerStack = new Error().stack;
    let reply: TaskReply<T>;
    try {
      reply = await this.#piscina.run({ name, args, threads: this.threadsPerTask }, { transferList: transfer, ...(signal ? { signal } : {}) }) as TaskReply<T>;
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw new MetricsiftError('The computation was cancelled', ErrorCode.ABORTED);
      throw fromWire(toWire(e), callerStack);
    }
    if (!reply.ok) throw fromWire(reply.error, callerStack);
    return reply.value;
  }

  /** Runs `tasks` (thunks over {@link WorkerPool.run}) all at once on the pool; results in order. */
  async all<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
    return Promise.all(tasks.map((t) => t()));
  }

  /** Stops the workers (tasks in flight are abandoned). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.destroy();
  }
}

/** A pool with the given budget (see {@link WorkerPool}). */
export function createPool(o: PoolOptions = {}): WorkerPool {
  return new WorkerPool(o);
}

/** Splits `n` items into at most `parts` contiguous ranges of near-equal size. @internal */
export function chunks(n: number, parts: number): [number, number][] {
  const k = Math.max(1, Math.min(n, parts));
  const out: [number, number][] = [];
  for (let c = 0; c < k; c++) out.push([Math.floor((c * n) / k), Math.floor(((c + 1) * n) / k)]);
  return out.filter(([a, b]) => b > a);
}
