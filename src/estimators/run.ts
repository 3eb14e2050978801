/**
 * What every all-pairs call shares: option checks, turning a table into raw columns, and running
 * a native job asynchronously with cancellation (AbortSignal) and progress, or synchronously.
 */
import { availableParallelism, totalmem } from 'node:os';
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { checkRange } from '../options.js';
import type { RawColumns } from '../native.js';
import { selectColumns, toColumnTable, type ColumnTable, type TableInput } from '../table.js';

/** Options every all-pairs call takes. */
export interface RunOptions {
  /** Native threads (default: all cores). Results are bit-identical for any value. */
  threads?: number;
  /** Restrict the computation to these columns (names or indices), in this order. */
  columns?: (string | number)[];
  /** Cancels the computation; the Promise rejects with code MS_ABORTED. */
  signal?: AbortSignal;
  /** Called about ten times a second with pairs done and pairs in all. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Shard: compute only the pairs (i, j), i < j, whose first index i is in [first, last). Shards
   * over disjoint ranges together give every pair exactly once (for worker pools or several machines).
   */
  rows?: [first: number, last: number];
}

export function checkInt(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    badOption(name, `an integer between ${min} and ${max}`, v);
  }
  return v;
}

export function checkEnum<T extends string>(name: string, v: unknown, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) badOption(name, `one of ${allowed.join(', ')}`, v);
  return v as T;
}

export function checkNumber(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || Number.isNaN(v)) badOption(name, 'a number', v);
  return v;
}

/** Default thread count: the cores this process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Normalises the input table and applies `columns`. */
export function prepareTable(input: TableInput, opts: RunOptions): ColumnTable {
  const table = toColumnTable(input);
  return opts.columns ? selectColumns(table, opts.columns) : table;
}

export function rawColumns(t: ColumnTable): RawColumns {
  return t.columns.map((c) => c.chunks.map((ch) => ({ values: ch.values, validity: ch.validity ?? null, validityOffset: ch.validityOffset ?? 0 })));
}

/** Puts the native message on the caller's stack, so the user's own frame shows where it failed. */
function graft(err: unknown, callerStack: string | undefined): unknown {
  if (err instanceof MetricsiftError && callerStack) {
    err.stack = `${err.name}: ${err.message}\n${callerStack.split('\n').slice(1).join('\n')}`;
  }
  return err;
}

/**
 * Runs `start(control)` (a native async job) with cancellation and progress. `control` is an
 * Int32Array [cancel, pairsDone] that the native threads poll and update.
 */
export async function runNative<T>(opts: RunOptions, totalPairs: number, start: (control: Int32Array) => Promise<T>): Promise<T> {
  const callerStack = new Error().stack;
  const { signal, onProgress } = opts;
  if (signal?.aborted) throw graft(new MetricsiftError('The computation was cancelled before it started', ErrorCode.ABORTED), callerStack);
  const control = new Int32Array(2);
  const onAbort = () => Atomics.store(control, 0, 1);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = onProgress ? setInterval(() => onProgress(Atomics.load(control, 1), totalPairs), 100) : undefined;
  try {
    const out = await start(control);
    onProgress?.(totalPairs, totalPairs);
    return out;
  } catch (e) {
    throw graft(e, callerStack);
  } finally {
    if (timer) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Runs a native sync call, grafting errors onto the caller's stack the same way. */
export function runNativeSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw graft(e, new Error().stack);
  }
}

/** Number of pairs i < j among m columns (with first index in `rows` when given). */
export function pairCount(m: number, rows?: [number, number]): number {
  const [a, b] = rows ?? [0, m];
  let n = 0;
  for (let i = a; i < Math.min(b, m); i++) n += m - 1 - i;
  return n;
}

/** Thread count and shard, checked, as the addon takes them. */
export function rawRunOptions(o: RunOptions): { threads: number; rowFirst?: number; rowLast?: number } {
  const threads = checkRange('threads', o.threads) ?? defaultThreads();
  if (o.rows === undefined) return { threads };
  const r = o.rows;
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => Number.isInteger(v) && v >= 0) || r[0] > r[1]) {
    badOption('rows', 'a pair [first, last] of integers with 0 ≤ first ≤ last', r);
  }
  return { threads, rowFirst: r[0], rowLast: r[1] };
}

const GB = (b: number) => `${(b / 1e9).toFixed(1)} GB`;

/**
 * Refuses a dense M×M result (`count` of them) that cannot be held, before anything is computed or
 * allocated: more entries than one typed array holds (2^32), or more bytes (values + row counts)
 * than the machine has. MS_OUT_OF_MEMORY says how much was asked for and what to use instead.
 */
export function checkDense(m: number, precision: 'float64' | 'float32', what: string, count = 1): void {
  const entries = m * m;
  const valueBytes = count * entries * (precision === 'float32' ? 4 : 8), rowBytes = count * entries * 4;
  const machine = totalmem();
  if (entries <= 2 ** 32 && valueBytes + rowBytes <= machine) return;
  throw new MetricsiftError(
    `${what}: a dense ${m} × ${m} matrix needs ${GB(valueBytes + rowBytes)} (${precision} values ${GB(valueBytes)} + row counts ${GB(rowBytes)})` +
      `${entries > 2 ** 32 ? ', more than one typed array can hold (2^32 entries, about 65,536 columns)' : ''}; this machine has ${GB(machine)} in all. ` +
      'Ask for less: only the pairs above a value (--threshold; miPairsAbove / correlationPairsAbove / ksgPairsAbove), ' +
      "each column's best partners (--top-k; miTopK / correlationTopK / ksgTopK), or the matrix in shards (--shard i/N; the `rows` option).",
    ErrorCode.OUT_OF_MEMORY,
  );
}
