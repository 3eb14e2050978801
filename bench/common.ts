/**
 * What the Node suites share: the command line (sizes, --quick), timing, and the protocol with
 * run.ts: progress on stderr, one JSON object on stdout, big outputs (matrices) as files in
 * bench/.data/out/ for the agreement checks.
 */
import { availableParallelism } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { toColumnTable, type ColumnTable } from '../src/table.js';
import { DATA_DIR } from './data.js';

export const OUT_DIR = join(DATA_DIR, 'out');
/** The reference size: 253 metrics x 28,800 samples (20 days at one a minute). */
export const BASE = { M: 253, n: 28800 };
export const CORES = availableParallelism();

export interface Args {
  quick: boolean;
  /** --sizes 253,1000,4000 (the MI size sweep). */
  sizes: number[];
  n: number;
}

export function parseArgs(argv = process.argv.slice(2)): Args {
  const quick = argv.includes('--quick');
  const val = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const sizes = val('--sizes')?.split(',').map(Number) ?? (quick ? [253, 1000] : [253, 1000, 4000]);
  return { quick, sizes, n: Number(val('--n') ?? BASE.n) };
}

export interface Timing {
  /** Seconds of each repetition. */
  times: number[];
  median: number;
  min: number;
}

/** Runs `fn` once untimed (warm-up), then `reps` times; returns seconds. */
export async function time(fn: () => unknown, reps: number, warmup = true): Promise<Timing> {
  if (warmup) await fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  const s = [...times].sort((a, b) => a - b);
  return { times, median: s[Math.floor(s.length / 2)], min: s[0] };
}

export function log(msg: string): void {
  process.stderr.write(`  ${msg}\n`);
}

/** The suite's result: the one line run.ts reads from stdout. */
export function emit(result: object): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Saves a matrix (float64, row-major) as bench/.data/out/<name>.f64 for the agreement checks; returns its repo-relative path (results are committed). */
export function saveMatrix(name: string, values: Float64Array | Float32Array): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const p = join(OUT_DIR, `${name}.f64`);
  writeFileSync(p, values instanceof Float64Array ? values : Float64Array.from(values));
  return relative(join(DATA_DIR, '..', '..'), p);
}

/** CPU seconds (user + system) of this process's finished children, from /proc (Linux). */
export function childCpu(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;  // cutime, cstime in clock ticks (USER_HZ = 100)
}

/** Rows of several tables one after the other; a metric absent from a table is missing there. */
export function joinRows(tables: ColumnTable[]): ColumnTable {
  const names = [...new Set(tables.flatMap((t) => t.names))].sort();
  const cols: Record<string, Float64Array> = {};
  const rows = tables.reduce((s, t) => s + t.rows, 0);
  for (const n of names) cols[n] = new Float64Array(rows).fill(NaN);
  let at = 0;
  for (const t of tables) {
    t.names.forEach((n, i) => cols[n].set(t.columns[i].chunks[0].values, at));
    at += t.rows;
  }
  return { ...toColumnTable(cols), time: tables.flatMap((t) => t.time ?? []) };
}
