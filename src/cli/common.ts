/**
 * What every command shares: the input (one resolver for all), the common options, number parsing,
 * summaries on stdout, progress on stderr, and mapping errors to exit codes.
 */
import { RANGES, type RangedOption } from '../options.js';
import { InvalidArgumentError, Option } from 'commander';
import { ErrorCode, MetricsiftError } from '../errors.js';
import { INPUT_FORMATS, openDataset, type Dataset, type OpenOptions, type InputFormat } from '../io/dataset.js';
import { envDefaults } from './env.js';
// piscina is loaded only when a command asks for workers (--workers > 1).
import type { WorkerPool } from '../pool/pool.js';

/** Exit codes: 0 success, 2 bad input or usage (the user can fix it), 1 internal failure. */
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 1;

// Out of memory is the user's to fix (a smaller output: --threshold, --top-k, --shard): exit 2.
const INTERNAL_CODES = new Set(['MS_INTERNAL']);

export function intArg(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

/**
 * An integer flag in its options-layer range (RANGES), checked when the flags are parsed; `min`
 * overrides the lower end where a command allows less or needs more (`te --permutations 0`).
 */
export function rangeArg(flag: string, option: RangedOption, min: number = RANGES[option][0]) {
  const max = RANGES[option][1];
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}`);
    return n;
  };
}

export function numArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || Number.isNaN(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

/** The help text of every command's metrics argument: what the resolver ({@link openDataset}) reads. */
export const INPUT_HELP =
  'metrics: a table file (.csv/.tsv, optionally gzip-compressed; .arrow; .parquet), - for CSV on stdin, ' +
  'a Train Ticket day or PetShop directory, or a Prometheus URL (or ?job=…&start=…&end=… with METRICSIFT_PROMETHEUS_URL)';

/** `--format`: names the input's reader instead of detecting it. */
export function formatOption(): Option {
  return new Option('--format <format>', 'name the input format instead of detecting it').choices([...INPUT_FORMATS]);
}

/** `-t, --threads`, defaulting to METRICSIFT_THREADS (checked at start by envDefaults). */
export function threadsOption(): Option {
  return new Option('-t, --threads <n>', 'native threads (default: all cores)').argParser(rangeArg('--threads', 'threads')).env('METRICSIFT_THREADS');
}

/** `--json`: the result as JSON on stdout (instead of CSV on stdout, or of a file with --out). */
export function jsonOption(what = 'the result'): Option {
  return new Option('--json', `print ${what} as JSON on stdout`).conflicts('out');
}

/** Reads a command's input with the one resolver, the Prometheus default from the environment. */
export function loadInput(input: string, format: InputFormat | undefined, extra: Pick<OpenOptions, 'headers' | 'long'> = {}): Promise<Dataset> {
  return openDataset(input, { format, prometheusUrl: envDefaults().prometheusUrl, ...extra });
}

/** A summary for people: on stdout (results' place), unless quiet. */
export function summary(quiet: boolean | undefined, lines: string[]): void {
  if (!quiet && lines.length) process.stdout.write(lines.join('\n') + '\n');
}

/** A progress line on stderr, only when stderr is a terminal and not --quiet. */
export function progress(label: string, quiet: boolean | undefined): ((done: number, total: number) => void) | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  return (done, total) => {
    const pct = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
    process.stderr.write(`\r${label}: ${pct}%${pct === 100 ? '\n' : ''}`);
  };
}

/** Stage-by-stage progress on stderr (one line rewritten in place), only on a terminal and not --quiet. */
export function stagedProgress(quiet: boolean | undefined): ((stage: string, done: number, total: number) => void) | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  let last = '';
  return (stage, done, total) => {
    const pct = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
    const line = `${stage}: ${pct}%`;
    if (line === last) return;
    last = line;
    process.stderr.write(`\r\x1b[K${line}${pct === 100 ? '\n' : ''}`);
  };
}

/** Runs a command body; prints one clear line for expected errors (stack only with --verbose). */
export async function runCommand(verbose: boolean | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err instanceof MetricsiftError && !INTERNAL_CODES.has(err.code)) {
      process.stderr.write(`metricsift: ${err.message} [${err.code}]\n`);
      if (verbose) process.stderr.write(`${err.stack}\n`);
      process.exitCode = EXIT_BAD_INPUT;
    } else {
      process.stderr.write(`metricsift: internal error: ${err.message}${err.code ? ` [${err.code}]` : ''}\n`);
      if (verbose) process.stderr.write(`${err.stack}\n`);
      else process.stderr.write('(run again with --verbose for details, and please report it)\n');
      process.exitCode = EXIT_INTERNAL;
    }
  }
}

/** `--workers <n>`: a worker pool for the TypeScript-side loops, within the `--threads` budget. */
export function workersOption(): Option {
  return new Option('-w, --workers <n>', 'worker threads for the per-metric work (default 1: none); workers × native threads per worker stay within --threads')
    .argParser(intArg('--workers', 1));
}

/**
 * Runs `fn` with a worker pool when `workers` > 1 (closed afterwards, also on errors), else with
 * none. The pool takes the whole `threads` budget and splits it ({@link threadBudget}).
 */
export async function withPool<T>(workers: number | undefined, threads: number | undefined, fn: (pool: WorkerPool | undefined) => Promise<T>): Promise<T> {
  if (!workers || workers <= 1) return fn(undefined);
  const { WorkerPool } = await import('../pool/pool.js');
  const pool = new WorkerPool({ workers, threads });
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds of a Prometheus-style duration (`15s`, `1m`, `24h`, `1h30m`, or plain seconds). */
export function durationSeconds(flag: string, v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== v) {
    throw new MetricsiftError(`${flag} ${JSON.stringify(v)}: expected a duration such as 15s, 1m, 24h or 1h30m`, ErrorCode.BAD_OPTION);
  }
  return parts.reduce((s, p) => s + Number(p[1]) * DURATION_UNITS[p[2]], 0);
}
