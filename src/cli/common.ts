/** What every command shares: number parsing, progress on stderr, and mapping errors to exit codes. */
import { InvalidArgumentError } from 'commander';
import { MetricsiftError } from '../errors.js';

/** Exit codes: 0 success, 2 bad input or usage (the user can fix it), 1 internal failure. */
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 1;

const INTERNAL_CODES = new Set(['MS_INTERNAL', 'MS_OUT_OF_MEMORY']);

export function intArg(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
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
