/**
 * The pool's worker module (loaded by piscina in each worker thread). A task names a function
 * here; it runs the library's own single-thread code over views of the shared table, with the
 * native threads the pool's budget gives each task, and answers a value or an error on the wire
 * (class name and code kept). Parsed columns go back moved, not copied.
 */
import { Piscina } from 'piscina';
import { driftIndexPairs } from '../analysis/drift.js';
import { rankToTarget } from '../analysis/rank.js';
import { transferEntropy } from '../analysis/transfer.js';
import { columnValues } from '../analysis/coding.js';
import { ErrorCode, MetricsiftError } from '../errors.js';
import { parseCsvBytes } from '../io/csv.js';
import { readTable } from '../io/read.js';
import { readTraceFile } from '../io/traces.js';
import { selectMetrics } from '../select/index.js';
import type { ColumnTable } from '../table.js';
import { tableFromShared, toWire, type SharedTable, type TaskReply } from './pool.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- task arguments arrive as structured clones */
type Task = (args: any, threads: number) => unknown;

/** A parsed table with its column buffers in the transfer list (each buffer once; shared or pooled ones copied out first). */
function movable(t: ColumnTable): { value: ColumnTable; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  for (const c of t.columns) {
    for (const ch of c.chunks) {
      let v = ch.values;
      const buf = v.buffer;
      // A view that does not own its whole buffer (Node's pooled Buffers, one buffer for several columns) is copied out.
      if (buf instanceof SharedArrayBuffer || v.byteOffset !== 0 || v.byteLength !== buf.byteLength || transfer.has(buf as ArrayBuffer)) {
        v = v.slice();
        ch.values = v;
      }
      transfer.add(v.buffer as ArrayBuffer);
      if (ch.validity) {
        ch.validity = ch.validity.slice();
        transfer.add(ch.validity.buffer as ArrayBuffer);
      }
    }
  }
  return { value: t, transfer: [...transfer] };
}

const TASKS: Record<string, Task> = {
  rank: async (a: { table: SharedTable; target: unknown; opts: object; columns: number[] }, threads) =>
    (await rankToTarget(tableFromShared(a.table), a.target as never, { ...a.opts, columns: a.columns, threads })).ranking,
  drift: (a: { table: SharedTable; pairs: [number, number][]; opts: object; strict: boolean }, threads) =>
    driftIndexPairs(tableFromShared(a.table), a.pairs, { ...(a.opts as { window: number }), threads }, a.strict),
  te: (a: { table: SharedTable; pairs: [number, number][]; opts: object }) => {
    const t = tableFromShared(a.table);
    return a.pairs.map(([i, j]) => transferEntropy(columnValues(t.columns[i]), columnValues(t.columns[j]), a.opts));
  },
  select: async (a: { table: SharedTable; opts: object; threadsGiven?: number }, threads) => {
    const r = await selectMetrics(tableFromShared(a.table), { ...a.opts, threads });
    // The result echoes the caller's options: the caller's threads, not the pool's share.
    if (a.threadsGiven === undefined) delete r.options.threads;
    else r.options.threads = a.threadsGiven;
    return r;
  },
  readTable: async (a: { path: string; options: object }) => movable(await readTable(a.path, a.options)),
  parseCsv: async (a: { bytes: Uint8Array; source: string; options: object }) => movable(await parseCsvBytes(a.bytes, a.source, a.options)),
  traces: (a: { file: string }) => readTraceFile(a.file),
  /**
   * Diagnostics for the tests: writes `value` into the shared table at (column, row) and returns
   * what was there (so the caller can see the worker wrote its very memory); `fail` throws an
   * error of that class and code.
   */
  probe: (a: { table?: SharedTable; column?: number; row?: number; value?: number; fail?: { name: string; code?: string; message: string }; threads?: boolean }, threads) => {
    if (a.fail) {
      if (a.fail.name === 'MetricsiftError') throw new MetricsiftError(a.fail.message, a.fail.code ?? ErrorCode.INTERNAL);
      const C = ({ TypeError, RangeError } as Record<string, ErrorConstructor>)[a.fail.name] ?? Error;
      throw Object.assign(new C(a.fail.message), a.fail.code ? { code: a.fail.code } : {});
    }
    if (a.threads) return threads;
    const col = new Float64Array(a.table!.columns[a.column!].buffer, a.table!.columns[a.column!].byteOffset, a.table!.rows);
    const old = col[a.row!];
    col[a.row!] = a.value!;
    return old;
  },
};

/** The piscina entry point: `{ name, args, threads }` → {@link TaskReply}. */
export default async function run({ name, args, threads }: { name: string; args: unknown; threads: number }): Promise<unknown> {
  const task = TASKS[name];
  let reply: TaskReply<unknown>;
  let transfer: ArrayBuffer[] = [];
  try {
    if (!task) throw new MetricsiftError(`Unknown pool task ${JSON.stringify(name)}`, ErrorCode.INTERNAL);
    let value = await task(args, threads);
    if (name === 'readTable' || name === 'parseCsv') ({ value, transfer } = value as ReturnType<typeof movable>);
    reply = { ok: true, value };
  } catch (e) {
    reply = { ok: false, error: toWire(e) };
  }
  return transfer.length ? Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: reply } as never) : reply;
}
