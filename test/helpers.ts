// Small deterministic data makers and assertion helpers shared by the tests.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { MetricsiftError } from '../src/errors.js';

/** Park–Miller PRNG in [0, 1): reproducible without dependencies. */
export function rng(seed = 1): () => number {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

/** Standard normal draws by Box–Muller. */
export function gaussian(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Bivariate normal with correlation rho, n rows. */
export function bivariate(n: number, rho: number, seed = 1): [Float64Array, Float64Array] {
  const g = gaussian(rng(seed));
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = g(), b = g();
    x[i] = a;
    y[i] = rho * a + Math.sqrt(1 - rho * rho) * b;
  }
  return [x, y];
}

/** A table of m columns × n rows mixing shared factors, noise, discrete and constant columns. */
export function mixedTable(m: number, n: number, seed = 3): { names: string[]; columns: Float64Array[] } {
  const r = rng(seed), g = gaussian(r);
  const f = [new Float64Array(n), new Float64Array(n)].map((a) => a.map(() => g()));
  const columns: Float64Array[] = [];
  for (let c = 0; c < m; c++) {
    const col = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      if (c % 7 === 3) col[t] = Math.floor(r() * 4);         // discrete
      else if (c % 11 === 5) col[t] = 42;                     // constant
      else col[t] = f[c % 2][t] * ((c % 5) / 5) + g();       // factor + noise
      if (c % 4 === 1 && r() < 0.05) col[t] = NaN;            // missing cells
    }
    columns.push(col);
  }
  return { names: columns.map((_, c) => `svc${c % 3}/m${c}`), columns };
}

/** The MetricsiftError `fn` throws (fails the test if it throws something else or nothing). */
export function errorOf(fn: () => unknown): MetricsiftError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MetricsiftError);
    return e as MetricsiftError;
  }
  throw new Error('expected a MetricsiftError, but nothing was thrown');
}

/** The MetricsiftError `p` rejects with (fails the test if it resolves). */
export async function errorOfAsync(p: Promise<unknown>): Promise<MetricsiftError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MetricsiftError);
    return e as MetricsiftError;
  }
  throw new Error('expected a MetricsiftError, but the promise resolved');
}

/**
 * A fresh temporary directory for this test file (or for each test with `perTest`), removed
 * afterwards. Returns a getter, since the directory is made by a hook.
 */
export function useTempDir(prefix: string, perTest = false): () => string {
  let dir = '';
  (perTest ? beforeEach : beforeAll)(() => {
    dir = mkdtempSync(join(tmpdir(), `metricsift-${prefix}-`));
  });
  (perTest ? afterEach : afterAll)(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** The repo root, and whether the compiled CLI exists (CLI tests need `npm run build:ts`). */
export const repoRoot = new URL('..', import.meta.url).pathname;
export const cliBuilt = existsSync(join(repoRoot, 'dist/cli/main.js'));
/** Small slices of the public datasets shipped in the repository (see test/fixtures/README.md). */
export const fixtures = join(repoRoot, 'test/fixtures');

/** Runs `metricsift …` as a user would (a child process in the repo root); never throws. */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(repoRoot, 'bin/metricsift.js'), ...args], { cwd: repoRoot, maxBuffer: 1 << 28 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/**
 * Runs `metricsift …` with bytes on its standard input and extra environment variables (the
 * child's stdin is a pipe, closed after `stdin`); never throws.
 */
export function cliWith(opts: { stdin?: string | Buffer; env?: Record<string, string> }, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/metricsift.js'), ...args], { cwd: repoRoot, env: { ...process.env, ...opts.env } });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {});  // a child that exits before reading all of stdin closes the pipe
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(opts.stdin ?? '');
  });
}
