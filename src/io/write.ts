/**
 * The one writer module: every tabular result (matrices, pair lists, entropies, rankings, drift,
 * leakage, transfer entropy, the selection and its curve and AIMD log) as CSV, JSON or Arrow IPC, chosen by extension.
 *
 * One convention for NaN (not computed, or too few rows): an empty CSV field, `null` in JSON;
 * infinities are `Infinity` / `-Infinity` in CSV (read back as such) and `null` in JSON (which
 * has no spelling for them); Arrow keeps the IEEE values in its Float64/Float32 columns. Every
 * writer formats its cells through {@link csvNumber} / {@link jsonNumber} (or the same rule with
 * `digits`), so no output spells a missing value differently.
 *
 * Every writer streams into a temporary file next to the target and renames it into place when
 * complete, so a crash or a full disk never leaves a truncated file under the final name. Output
 * is streamed in ~1 MB pieces because a 5,000-metric matrix as CSV is ~0.5 GB, more than one
 * JavaScript string can hold. The path `-` means standard output (CSV).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { access, constants, mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, MetricsiftError, badOption, describe } from '../errors.js';
import type { Ranking } from '../analysis/rank.js';
import type { DriftResult } from '../analysis/drift.js';
import type { LeakageResult } from '../analysis/leakage.js';
import type { TransferEntropyResult } from '../analysis/transfer.js';
import type { KimetrixResult } from '../select/index.js';

/** A square M×M result, row-major: `values[i * M + j]` is the entry for (names[i], names[j]). */
export interface MatrixResult {
  names: string[];
  values: Float64Array | Float32Array;
}

/** Options for {@link writeMatrix}. */
export interface WriteMatrixOptions {
  /**
   * Significant digits (1–17) for CSV and JSON numbers. Default: shortest text that reads back
   * to the same double (`String(x)`).
   */
  digits?: number;
}

/** One line of an entropy report. */
export interface EntropyRow {
  name: string;
  entropy: number;
  rowsUsed: number;
  /** Missing cells; when every row has it, a trailing `missing` column is written. */
  missing?: number;
}

/** A list of matrix entries, e.g. the pairs above a threshold: entry k is (i[k], j[k]). */
export interface PairListResult {
  names: string[];
  i: ArrayLike<number>;
  j: ArrayLike<number>;
  value: ArrayLike<number>;
  rowsUsed: ArrayLike<number>;
}

/** The path that means "standard output" (CSV, not atomic). */
export const STDOUT = '-';
/** The path that means "standard output as JSON" (what the CLI's `--json` writes to). */
export const STDOUT_JSON = '-.json';
/** Whether `path` names standard output (as CSV or as JSON). */
export const isStdout = (path: string): boolean => path === STDOUT || path === STDOUT_JSON;

type Format = 'csv' | 'json' | 'arrow';

function formatOf(path: string, what: string): Format {
  if (path === STDOUT) return 'csv';
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.arrow') || lower.endsWith('.ipc') || lower.endsWith('.feather')) return 'arrow';
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  throw new MetricsiftError(
    `${path}: cannot write ${what} as ${dot >= 0 ? `"${base.slice(dot)}"` : 'a file without extension'}; supported: .csv, .json, .arrow (.ipc, .feather)`,
    ErrorCode.BAD_FORMAT,
  );
}

/** RFC 4180: quote a field only when it holds a delimiter, quote or line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A number as a CSV field: shortest round-tripping text; NaN (or absent) → empty field; ±Infinity as `Infinity` / `-Infinity`. */
export const csvNumber = (x: number | null | undefined): string => (x === undefined || x === null || x !== x ? '' : String(x));

/** A number for JSON: not finite (or absent) → `null` (JSON has no NaN). */
export const jsonNumber = (x: number | null | undefined): number | null => (x === undefined || x === null || !Number.isFinite(x) ? null : x);

/** `JSON.stringify` replacer applying {@link jsonNumber} to every number of a result object. */
export const jsonNumbers = (_key: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/** The cell formatter of a streamed writer: {@link csvNumber} / {@link jsonNumber} as text, with optional significant digits. */
function numberFormatter(digits: number | undefined, format: 'csv' | 'json'): (x: number) => string {
  if (digits !== undefined && (!Number.isInteger(digits) || digits < 1 || digits > 17)) {
    badOption('digits', 'an integer from 1 to 17', digits);
  }
  return (x: number) => {
    if (!Number.isFinite(x)) return format === 'json' ? 'null' : x !== x ? '' : String(x);
    // Number(...) drops the trailing zeros toPrecision pads with ("0.5000" → "0.5").
    return digits === undefined ? String(x) : String(Number(x.toPrecision(digits)));
  };
}

/** Buffers text and writes it in ~1 MB pieces (bytes as they come, after the text before them). */
class TextSink {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly write: (text: string | Uint8Array) => Promise<unknown>) {}
  async put(s: string | Uint8Array): Promise<void> {
    if (typeof s !== 'string') {
      await this.flush();
      await this.write(s);
      return;
    }
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await this.write(text);
  }
}

/** Resolves once stdout has taken the text (waiting here is the back-pressure). */
function writeStdout(text: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** Streams text from `body` to `path` atomically, or to stdout when `path` is `-`. */
async function writeText(path: string, body: (out: TextSink) => Promise<void>): Promise<void> {
  if (isStdout(path)) {
    const out = new TextSink(writeStdout);
    try {
      await body(out);
      return await out.flush();
    } catch (e) {
      throw writeError(path, e);
    }
  }
  return writeAtomic(path, async (fh) => {
    const out = new TextSink((text) => (typeof text === 'string' ? fh.write(text) : fh.write(text)));
    await body(out);
    await out.flush();
  });
}

/** Writes `text` to `path` atomically (temporary file, then rename), or to stdout for `-`. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  return writeText(path, (out) => out.put(text));
}

/** Writes binary pieces to `path` atomically (temporary file, then rename). */
export async function writeBinaryAtomic(path: string, pieces: Uint8Array[]): Promise<void> {
  return writeAtomic(path, async (fh) => {
    for (const b of pieces) await fh.write(b);
  });
}

/** Why a write failed, in words, for an errno error (ENOSPC: "no space left on device"). */
export function writeFailure(e: unknown, path?: string): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' && path) return `directory ${dirname(path)} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'no space left on device';
  if (code === 'EDQUOT') return 'disk quota exceeded';
  if (code === 'ENOTDIR') return `a part of ${path ? dirname(path) : 'the path'} is a file, not a directory`;
  if (code === 'EROFS') return 'read-only file system';
  return String((e as Error)?.message ?? e);
}

function writeError(path: string, e: unknown): MetricsiftError {
  if (e instanceof MetricsiftError) return e;
  if (path === STDOUT) return new MetricsiftError(`Cannot write to standard output: ${writeFailure(e)}`, ErrorCode.WRITE_FAILED);
  return new MetricsiftError(`Cannot write ${path}: ${writeFailure(e, path)}`, ErrorCode.WRITE_FAILED);
}

// Temporary files and directories of this process: removed on failure, and on SIGINT/SIGTERM
// (the handlers exist only while one does, then the signal's default action ends the process).
const live = new Set<string>();
function removeLive(): void {
  for (const p of live) rmSync(p, { recursive: true, force: true });
  live.clear();
}
function onSignal(signal: NodeJS.Signals): void {
  removeLive();
  untrackAll();
  process.kill(process.pid, signal);
}
function untrackAll(): void {
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.removeListener('exit', removeLive);
}
function track(p: string): void {
  if (live.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', removeLive);
  }
  live.add(p);
}
function untrack(p: string): void {
  live.delete(p);
  if (live.size === 0) untrackAll();
}

/**
 * The temporary name for `path`: hidden, beside it, unique (pid and random), ending in `.tmp`, so
 * no reader takes it for output. One left by a killed run (kill -9) is removed by the next write
 * to the same target once its process is gone.
 */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};
async function removeStale(path: string): Promise<void> {
  const base = basename(path);
  const entries = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const f of entries) {
    if (!f.startsWith(`.${base}.`) || !f.endsWith('.tmp')) continue;
    const m = /^\.(.*)\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(f);
    if (m && m[1] === base && Number(m[2]) !== process.pid && !alive(Number(m[2]))) {
      await rm(join(dirname(path), f), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/**
 * Runs `body` against a temporary file in the target's directory, then syncs it and renames it
 * to `path` (atomic on POSIX file systems). On any failure, or SIGINT/SIGTERM, the temporary file
 * is removed.
 */
async function writeAtomic(path: string, body: (fh: FileHandle) => Promise<void>): Promise<void> {
  await removeStale(path);
  const tmp = tempName(path);
  track(tmp);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx');
    await body(fh);
    await fh.sync(); // the data must be on disk before the rename makes it visible
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw writeError(path, e);
  } finally {
    untrack(tmp);
  }
}

/**
 * Writes several files all or nothing: `body` gets a temporary path for each target (same file
 * name, in a temporary directory beside it); when it succeeds every file is renamed into place;
 * on failure, SIGINT or SIGTERM the temporary directories are removed and no target is touched.
 */
export async function writeFiles(paths: string[], body: (staged: string[]) => Promise<void>): Promise<void> {
  const stages = paths.map(tempName);
  try {
    for (const [k, s] of stages.entries()) {
      await removeStale(paths[k]);
      track(s);
      await mkdir(s).catch((e) => { throw writeError(paths[k], e); });
    }
    const staged = paths.map((p, k) => join(stages[k], basename(p)));
    await body(staged);
    for (const [k, p] of paths.entries()) await rename(staged[k], p).catch((e) => { throw writeError(p, e); });
  } finally {
    for (const s of stages) {
      await rm(s, { recursive: true, force: true }).catch(() => undefined);
      untrack(s);
    }
  }
}

const EXTENSIONS: Record<string, readonly string[]> = {
  csv: ['.csv'], json: ['.json'], arrow: ['.arrow', '.ipc', '.feather'], html: ['.html', '.htm'], yaml: ['.yaml', '.yml'],
};

/**
 * Checks, before any computation, that `path` can be written: one of the `formats`' extensions
 * (`-`, stdout, when `stdout` allows it) in an existing, writable directory, and not itself a
 * directory. `flag` names the option in messages (e.g. `--out`).
 * @throws MetricsiftError `MS_BAD_FORMAT` (extension), `MS_WRITE_FAILED` (directory).
 */
export async function checkOutput(path: string, flag: string, formats: readonly (keyof typeof EXTENSIONS)[], stdout = true): Promise<void> {
  if (path === STDOUT && stdout) return;
  const exts = formats.flatMap((f) => EXTENSIONS[f]);
  const lower = path.toLowerCase();
  if (!exts.some((e) => lower.endsWith(e))) {
    const base = basename(path), dot = base.lastIndexOf('.');
    throw new MetricsiftError(
      `${flag} ${path}: cannot write ${dot >= 0 ? `"${base.slice(dot)}"` : 'a file without extension'}; supported: ${exts.join(', ')}`,
      ErrorCode.BAD_FORMAT,
    );
  }
  await writableDirectory(dirname(path), `${flag} ${path}`);
  if ((await stat(path).catch(() => undefined))?.isDirectory()) throw new MetricsiftError(`Cannot write ${flag} ${path}: it is a directory`, ErrorCode.WRITE_FAILED);
}

async function writableDirectory(dir: string, what: string): Promise<void> {
  let st;
  try {
    st = await stat(dir);
  } catch (e) {
    throw new MetricsiftError(`Cannot write ${what}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `directory ${dir} does not exist` : writeFailure(e, dir)}`, ErrorCode.WRITE_FAILED);
  }
  if (!st.isDirectory()) throw new MetricsiftError(`Cannot write ${what}: ${dir} is a file, not a directory`, ErrorCode.WRITE_FAILED);
  try {
    await access(dir, constants.W_OK);
  } catch (e) {
    throw new MetricsiftError(`Cannot write ${what}: ${writeFailure(e, dir)} (directory ${dir})`, ErrorCode.WRITE_FAILED);
  }
}

/**
 * Checks, before any computation, that the output directory `dir` exists and is writable, or can
 * be created (its nearest existing ancestor is a writable directory).
 */
export async function checkOutputDir(dir: string, flag = '--out'): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (st && !st.isDirectory()) throw new MetricsiftError(`Cannot write ${flag} ${dir}: it is a file, not a directory`, ErrorCode.WRITE_FAILED);
  if (st) return writableDirectory(dir, `${flag} ${dir}`);
  let up = dirname(dir);
  while (!(await stat(up).catch(() => undefined)) && dirname(up) !== up) up = dirname(up);
  return writableDirectory(up, `${flag} ${dir}`);
}

/**
 * Writes several files into `dir` all or nothing: `body` writes them into a temporary directory
 * beside `dir` (removed on failure, SIGINT or SIGTERM); then a new `dir` is that directory renamed
 * into place, and an existing one receives each file by rename (its other files are left alone).
 */
export async function writeDirectory(dir: string, body: (stage: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw writeError(dir, e);
  }
  await removeStale(dir);
  const stage = tempName(dir);
  track(stage);
  try {
    await mkdir(stage).catch((e) => { throw writeError(dir, e); });
    await body(stage);
    const exists = (await stat(dir).catch(() => undefined))?.isDirectory();
    try {
      if (!exists) await rename(stage, dir);
      else for (const f of readdirSync(stage)) await rename(join(stage, f), join(dir, f));
    } catch (e) {
      throw writeError(dir, e);
    }
  } finally {
    await rm(stage, { recursive: true, force: true }).catch(() => undefined);
    untrack(stage);
  }
}

/** The matrix's side M, after checking its shape. @internal */
export function checkMatrix(result: MatrixResult): number {
  if (!result || !Array.isArray(result.names)) {
    throw new MetricsiftError(`Expected a matrix result {names, values} but received ${describe(result)}`, ErrorCode.BAD_INPUT);
  }
  if (!(result.values instanceof Float64Array) && !(result.values instanceof Float32Array)) {
    throw new MetricsiftError(`Expected a Float64Array or Float32Array for values but received ${describe(result.values)}`, ErrorCode.BAD_INPUT);
  }
  const m = result.names.length;
  if (result.values.length !== m * m) {
    throw new MetricsiftError(
      `A matrix over ${m} names needs ${m * m} values (${m}×${m}) but received ${result.values.length}`,
      ErrorCode.LENGTH_MISMATCH,
    );
  }
  return m;
}

/**
 * Writes a square matrix; the format follows the extension (`-` writes CSV to stdout).
 * - `.csv`: header `metric,<name1>,…`, then per metric its name and its row; names quoted per
 *   RFC 4180 when needed; NaN as an empty field, infinities as `Infinity` / `-Infinity`.
 * - `.json`: `{"names": [...], "values": [[...], ...]}`, NaN (and any non-finite value) as `null`.
 * - `.arrow` / `.ipc` / `.feather`: Arrow IPC file, a Utf8 column `metric` then one column per
 *   name (Float64, or Float32 when `values` is a Float32Array); NaN stays NaN.
 *
 * Written atomically (temporary file, then rename).
 *
 * @throws MetricsiftError `MS_BAD_FORMAT` (unknown extension), `MS_BAD_INPUT` /
 *   `MS_LENGTH_MISMATCH` (malformed result), `MS_BAD_OPTION` (digits), `MS_WRITE_FAILED`
 *   (the directory is missing or not writable).
 */
export async function writeMatrix(path: string, result: MatrixResult, options: WriteMatrixOptions = {}): Promise<void> {
  const format = formatOf(path, 'a matrix');
  const m = checkMatrix(result);
  const { names, values } = result;
  if (format === 'arrow') {
    const { writeMatrixArrow } = await import('./write-arrow.js');
    return writeAtomic(path, (fh) => writeMatrixArrow(result, (pieces) => fh.writev(pieces)));
  }
  if (format === 'csv' && options.digits === undefined) {
    // The cells' text made natively into one buffer (String(x) digit for digit): no string per cell.
    const { binding } = await import('../native.js');
    const bytes = binding.formatCsvMatrix(values, m, names.map(csvField), ['metric', ...names].map(csvField).join(',') + '\n');
    return writeText(path, (out) => out.put(bytes));
  }
  const fmt = numberFormatter(options.digits, format === 'json' ? 'json' : 'csv');
  return writeText(path, async (out) => {
    if (format === 'csv') await out.put(['metric', ...names].map(csvField).join(',') + '\n');
    else await out.put(`{"names": ${JSON.stringify(names)},\n"values": [\n`);
    const row = new Array<string>(m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) row[j] = fmt(values[i * m + j]);
      if (format === 'csv') await out.put(`${csvField(names[i])},${row.join(',')}\n`);
      else await out.put(`[${row.join(',')}]${i < m - 1 ? ',' : ''}\n`);
    }
    if (format === 'json') await out.put(']}\n');
  });
}

/**
 * Writes per-metric entropies. `.csv` (and `-`, stdout): `metric,<unitsLabel>,rows_used`; `.json`: an array of
 * `{"metric", "<unitsLabel>", "rows_used"}` objects (NaN as null); `.arrow`: the same three
 * columns (Utf8, Float64, Float64). Written atomically.
 *
 * @param unitsLabel Header of the entropy column, e.g. `entropy_bits` or `entropy_nats`.
 * @throws MetricsiftError `MS_BAD_FORMAT` (unknown extension), `MS_BAD_INPUT`, `MS_WRITE_FAILED`.
 */
export async function writeEntropy(path: string, rows: EntropyRow[], unitsLabel = 'entropy_bits'): Promise<void> {
  const format = formatOf(path, 'entropies');
  if (!Array.isArray(rows)) {
    throw new MetricsiftError(`Expected an array of {name, entropy, rowsUsed} but received ${describe(rows)}`, ErrorCode.BAD_INPUT);
  }
  const withMissing = rows.length > 0 && rows.every((r) => r.missing !== undefined);
  if (format === 'arrow') {
    const bytes = (await import('./write-arrow.js')).entropyArrowFile(rows, unitsLabel, withMissing);
    return writeAtomic(path, async (fh) => { await fh.write(bytes); });
  }
  const fmt = numberFormatter(undefined, format === 'json' ? 'json' : 'csv');
  return writeText(path, async (out) => {
    if (format === 'csv') {
      await out.put(`metric,${csvField(unitsLabel)},rows_used${withMissing ? ',missing' : ''}\n`);
      for (const r of rows) await out.put(`${csvField(r.name)},${fmt(r.entropy)},${fmt(r.rowsUsed)}${withMissing ? `,${fmt(r.missing!)}` : ''}\n`);
    } else {
      await out.put('[\n');
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        const obj = `{"metric": ${JSON.stringify(r.name)}, ${JSON.stringify(unitsLabel)}: ${fmt(r.entropy)}, "rows_used": ${fmt(r.rowsUsed)}${withMissing ? `, "missing": ${fmt(r.missing!)}` : ''}}`;
        await out.put(obj + (i < rows.length - 1 ? ',\n' : '\n'));
      }
      await out.put(']\n');
    }
  });
}

/**
 * Writes a list of matrix entries (e.g. the pairs above a threshold).
 * `.csv` (and `-`, stdout): `metric_a,metric_b,value,rows_used`; `.json`: an array of
 * `{"metric_a", "metric_b", "value", "rows_used"}` objects (NaN as null); `.arrow`: the same
 * four columns (Utf8, Utf8, Float64, Float64). Written atomically.
 *
 * @throws MetricsiftError `MS_BAD_FORMAT` (unknown extension), `MS_BAD_INPUT` /
 *   `MS_LENGTH_MISMATCH` (malformed list or an index out of range), `MS_WRITE_FAILED`.
 */
export async function writePairs(path: string, pairs: PairListResult, options: WriteMatrixOptions = {}): Promise<void> {
  const format = formatOf(path, 'pairs');
  if (!pairs || !Array.isArray(pairs.names) || !pairs.i || !pairs.j || !pairs.value || !pairs.rowsUsed) {
    throw new MetricsiftError(`Expected a pair list {names, i, j, value, rowsUsed} but received ${describe(pairs)}`, ErrorCode.BAD_INPUT);
  }
  const { names, i: ia, j: ja, value, rowsUsed } = pairs;
  const n = ia.length;
  if (ja.length !== n || value.length !== n || rowsUsed.length !== n) {
    throw new MetricsiftError(
      `Pair list arrays differ in length: i ${n}, j ${ja.length}, value ${value.length}, rowsUsed ${rowsUsed.length}`,
      ErrorCode.LENGTH_MISMATCH,
    );
  }
  const nameOf = (k: number, idx: number): string => {
    const s = names[idx];
    if (s === undefined) {
      throw new MetricsiftError(`Pair ${k} refers to column ${idx} but there are ${names.length} names`, ErrorCode.BAD_INPUT);
    }
    return s;
  };
  if (format === 'arrow') {
    const bytes = (await import('./write-arrow.js')).pairsArrowFile(pairs, nameOf);
    return writeAtomic(path, async (fh) => { await fh.write(bytes); });
  }
  const fmt = numberFormatter(options.digits, format === 'json' ? 'json' : 'csv');
  // Validate every index before a file is created.
  for (let k = 0; k < n; k++) { nameOf(k, ia[k]); nameOf(k, ja[k]); }
  return writeText(path, async (out) => {
    if (format === 'csv') {
      await out.put('metric_a,metric_b,value,rows_used\n');
      for (let k = 0; k < n; k++) {
        await out.put(`${csvField(names[ia[k]])},${csvField(names[ja[k]])},${fmt(value[k])},${fmt(rowsUsed[k])}\n`);
      }
    } else {
      await out.put('[\n');
      for (let k = 0; k < n; k++) {
        const obj = `{"metric_a": ${JSON.stringify(names[ia[k]])}, "metric_b": ${JSON.stringify(names[ja[k]])}, "value": ${fmt(value[k])}, "rows_used": ${fmt(rowsUsed[k])}}`;
        await out.put(obj + (k < n - 1 ? ',\n' : '\n'));
      }
      await out.put(']\n');
    }
  });
}

// The analysis results (ranking, drift, leakage) are CSV or JSON only.
function textFormatOf(path: string, what: string): 'csv' | 'json' {
  if (path === STDOUT || /\.csv$/i.test(path)) return 'csv';
  if (/\.json$/i.test(path)) return 'json';
  throw new MetricsiftError(`${path}: cannot write ${what} as ${basename(path).includes('.') ? `"${basename(path).slice(basename(path).lastIndexOf('.'))}"` : 'a file without extension'}; supported: .csv, .json`, ErrorCode.BAD_FORMAT);
}

const field = csvField, num = csvNumber, jnum = jsonNumber;

/**
 * Writes a ranking. `.json`: `{"target", "measure", "estimator", "order_by", "units", "share", "topN",
 * "top", "total", …, "ranking": [{"metric", "mi", "estimate", "ci": [lo, hi], "p", "q", "excess",
 * "excess_ci": [lo, hi]}, …] (highest first; null where not computed), "details": [{"metric",
 * "rows_used", "bins", "block", "null_mean", "warnings"}, …] (same order), "warnings"}`.
 * `.csv`: `metric,mi_<units>,ci_lo,ci_hi,p,rows_used,bins,warnings` (bins as `16x16`, warnings as
 * codes), then `mi_<units>` of the plain MI with a confounder, then `estimate` with an interval,
 * `q,excess` with p-values, `excess_lo,excess_hi` with both, and `block` with either.
 */
export async function writeRanking(path: string, r: Ranking): Promise<void> {
  const format = textFormatOf(path, 'a ranking');
  const pair = (v: [number, number] | undefined) => (v ? [jnum(v[0]), jnum(v[1])] : null);
  if (format === 'json') {
    const out = {
      target: r.target, ...(r.given !== undefined ? { given: r.given } : {}), measure: r.measure, estimator: r.estimator, order_by: r.orderBy, units: r.units,
      share: r.share, ...(r.q !== undefined ? { q: r.q } : {}), topN: r.topN, top: r.top, total: r.total,
      ...(r.level !== undefined ? { level: r.level, replicates: r.replicates, method: r.method } : {}), ...(r.permutations !== undefined ? { permutations: r.permutations } : {}), block: r.block,
      ranking: r.ranking.map((e) => ({
        metric: e.metric, mi: jnum(e.mi), estimate: jnum(e.estimate), ci: pair(e.ci), p: jnum(e.p), q: jnum(e.q), excess: jnum(e.excess), excess_ci: pair(e.excessCi),
      })),
      details: r.ranking.map((e) => ({
        metric: e.metric, rows_used: e.rowsUsed, bins: e.bins, ...(e.miUnconditional !== undefined ? { mi_unconditional: jnum(e.miUnconditional) } : {}),
        ...(e.millerMadow !== undefined ? { miller_madow: jnum(e.millerMadow) } : {}), block: e.block ?? null, null_mean: jnum(e.nullMean),
        warnings: e.warnings.map((w) => w.code),
      })),
      warnings: r.warnings,
    };
    return writeTextAtomic(path, JSON.stringify(out, null, 1) + '\n');
  }
  const ci = r.level !== undefined, perm = r.permutations !== undefined;
  const extra = [...(ci ? ['estimate'] : []), ...(perm ? ['q', 'excess'] : []), ...(ci && perm ? ['excess_lo', 'excess_hi'] : []), ...(ci || perm ? ['block'] : [])];
  const head = `metric,${r.measure}_${r.units},ci_lo,ci_hi,p,rows_used,bins,warnings${r.given !== undefined ? `,mi_${r.units}` : ''}${extra.map((c) => `,${c}`).join('')}\n`;
  const lines = r.ranking.map((e) =>
    [field(e.metric), num(e.mi), num(e.ci?.[0]), num(e.ci?.[1]), num(e.p), String(e.rowsUsed), e.bins.join('x'), e.warnings.map((w) => w.code).join(' '),
      ...(r.given !== undefined ? [num(e.miUnconditional)] : []),
      ...(ci ? [num(e.estimate)] : []), ...(perm ? [num(e.q), num(e.excess)] : []), ...(ci && perm ? [num(e.excessCi?.[0]), num(e.excessCi?.[1])] : []),
      ...(ci || perm ? [e.block === undefined ? '' : String(e.block)] : [])].join(','));
  return writeTextAtomic(path, head + lines.map((l) => l + '\n').join(''));
}

/**
 * Writes drift results. `.json`: the {@link DriftResult} objects as an array (NaN as null).
 * `.csv`: one row per pair and window:
 * `a,b,window,start,end,mi_<units>,ci_lo,ci_hi,rows_used,outside,flagged,warnings,estimate,block`
 * (`mi` plug-in; the interval is about `estimate`).
 */
export async function writeDrift(path: string, results: DriftResult[]): Promise<void> {
  const format = textFormatOf(path, 'drift results');
  if (format === 'json') {
    return writeTextAtomic(path, JSON.stringify(results, jsonNumbers, 1) + '\n');
  }
  const units = results[0]?.units ?? 'bits';
  let text = `a,b,window,start,end,mi_${units},ci_lo,ci_hi,rows_used,outside,flagged,warnings,estimate,block\n`;
  for (const r of results) {
    r.windows.forEach((w, k) => {
      text += [field(r.a), field(r.b), k, w.start, w.end, num(w.mi), num(w.ci[0]), num(w.ci[1]), w.rowsUsed, w.outside, w.flagged ? 1 : 0, w.warnings.map((x) => x.code).join(' '), num(w.estimate), num(w.block)].join(',') + '\n';
    });
  }
  return writeTextAtomic(path, text);
}

/**
 * Writes a leakage result. `.json`: the {@link LeakageResult} (NaN as null). `.csv`: one row for
 * the whole table (`segment` empty) then one per segment:
 * `segment,mi_<units>,h_identifier_<units>,fraction,rows_used,flagged,warnings`.
 */
export async function writeLeakage(path: string, r: LeakageResult): Promise<void> {
  const format = textFormatOf(path, 'a leakage result');
  if (format === 'json') {
    return writeTextAtomic(path, JSON.stringify(r, jsonNumbers, 1) + '\n');
  }
  let text = `segment,mi_${r.units},h_identifier_${r.units},fraction,rows_used,flagged,warnings\n`;
  for (const s of [{ segment: '', ...r.overall }, ...r.segments]) {
    text += [field(s.segment), num(s.mi), num(s.hIdentifier), num(s.fraction), s.rowsUsed, s.flagged ? 1 : 0, s.warnings.map((w) => w.code).join(' ')].join(',') + '\n';
  }
  return writeTextAtomic(path, text);
}

/** Transfer entropy in both directions between two series, as `metricsift te` computes it. */
export interface TransferEntropyPair {
  /** The source of `forward` (the target of `backward`). */
  from: string;
  to: string;
  forward: TransferEntropyResult;
  backward: TransferEntropyResult;
}

/**
 * Writes transfer entropy both ways. `.json` (and `-.json`, stdout): `{"lag", "units",
 * "permutations", "forward": {"from", "to", "te", "p", "excess", "estimate", "ci": [lo, hi]
 * (these two with an interval), "block", "rows_used", "bins", "warnings"}, "backward": {…}}`.
 * `.csv`: one row per direction, `from,to,lag,te_<units>,p,excess,estimate,ci_lo,ci_hi,block,rows_used,bins,warnings`
 * (bins as `16x16x16`, warnings as codes). NaN (no permutations, too few rows) as null / an empty field.
 */
export async function writeTransferEntropy(path: string, r: TransferEntropyPair): Promise<void> {
  const format = textFormatOf(path, 'transfer entropy');
  const dirs = [{ from: r.from, to: r.to, e: r.forward }, { from: r.to, to: r.from, e: r.backward }];
  if (format === 'json') {
    const one = ({ from, to, e }: (typeof dirs)[number]) => ({
      from, to, te: jnum(e.te), p: jnum(e.p), excess: jnum(e.excess),
      ...(e.ci ? { estimate: jnum(e.estimate), ci: [jnum(e.ci[0]), jnum(e.ci[1])] } : {}),
      block: e.block, rows_used: e.rowsUsed, bins: e.bins, warnings: e.warnings,
    });
    const out = { lag: r.forward.lag, units: r.forward.units, permutations: r.forward.permutations, forward: one(dirs[0]), backward: one(dirs[1]) };
    return writeTextAtomic(path, JSON.stringify(out, null, 1) + '\n');
  }
  let text = `from,to,lag,te_${r.forward.units},p,excess,estimate,ci_lo,ci_hi,block,rows_used,bins,warnings\n`;
  for (const { from, to, e } of dirs) {
    text += [field(from), field(to), e.lag, num(e.te), num(e.p), num(e.excess), num(e.estimate), num(e.ci?.[0]), num(e.ci?.[1]), e.block, e.rowsUsed, e.bins.join('x'), e.warnings.map((w) => w.code).join(' ')].join(',') + '\n';
  }
  return writeTextAtomic(path, text);
}

/**
 * Writes `selection.json` atomically: every field of {@link KimetrixResult} but the matrices
 * (selected, byService, epsilon, coverage, measure, theta, mode, tuner, curve, pick, curveComplete,
 * minCoverage, maxMetrics, duplicateBound, informative, kept, excluded, counters, iterations,
 * droppedEdges, warnings, timing, options, version). Non-finite numbers as `null`.
 */
export async function writeSelection(path: string, result: KimetrixResult): Promise<void> {
  const { matrices: _omitted, curveSelections: _sets, ...json } = result;
  await writeTextAtomic(path, JSON.stringify(json, jsonNumbers, 2) + '\n');
}

/**
 * Writes the size/coverage curve as CSV `point,epsilon,size,coverage,picked` (ε empty in cover
 * mode; `picked` 1 on the chosen point): take another point with `epsilon` or `maxMetrics`.
 */
export async function writeCurve(path: string, result: KimetrixResult): Promise<void> {
  const lines = ['point,epsilon,size,coverage,picked', ...result.curve.map((p, i) => `${i},${csvNumber(p.epsilon)},${p.size},${csvNumber(p.coverage)},${i === result.pick ? 1 : 0}`)];
  await writeTextAtomic(path, lines.join('\n') + '\n');
}

/** Writes the AIMD log as CSV `iteration,epsilon,size,coverage,next`, to pick another point on the curve. */
export async function writeAimdLog(path: string, result: KimetrixResult): Promise<void> {
  const lines = ['iteration,epsilon,size,coverage,next', ...result.iterations.map((s) => `${s.iteration},${csvNumber(s.epsilon)},${s.size},${csvNumber(s.coverage)},${s.next}`)];
  await writeTextAtomic(path, lines.join('\n') + '\n');
}
