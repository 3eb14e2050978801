/**
 * Writers for results: square matrices (MI, correlation…) and per-metric entropies, as CSV,
 * JSON or Arrow IPC, chosen by extension.
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
import { Field, Float32, Float64, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableToIPC, vectorFromArray, type Data } from 'apache-arrow';
import { ErrorCode, MetricsiftError, badOption, describe } from '../errors.js';

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
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function numberFormatter(digits: number | undefined, nonFinite: 'text' | 'null'): (x: number) => string {
  if (digits !== undefined && (!Number.isInteger(digits) || digits < 1 || digits > 17)) {
    badOption('digits', 'an integer from 1 to 17', digits);
  }
  return (x: number) => {
    if (!Number.isFinite(x)) return nonFinite === 'null' ? 'null' : x !== x ? 'NaN' : String(x);
    // Number(...) drops the trailing zeros toPrecision pads with ("0.5000" → "0.5").
    return digits === undefined ? String(x) : String(Number(x.toPrecision(digits)));
  };
}

/** Buffers text and writes it in ~1 MB pieces. */
class TextSink {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly write: (text: string) => Promise<unknown>) {}
  async put(s: string): Promise<void> {
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
function writeStdout(text: string): Promise<void> {
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
    const out = new TextSink((text) => fh.write(text));
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

function checkMatrix(result: MatrixResult): number {
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
 *   RFC 4180 when needed; NaN as `NaN`, infinities as `Infinity` / `-Infinity`.
 * - `.json`: `{"names": [...], "values": [[...], ...]}`, NaN and infinities as `null`.
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
    const bytes = tableToIPC(matrixToArrow(result), 'file');
    return writeAtomic(path, async (fh) => { await fh.write(bytes); });
  }
  const fmt = numberFormatter(options.digits, format === 'json' ? 'null' : 'text');
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

/** The Arrow table {@link writeMatrix} writes: `metric` (Utf8), then one column per name. */
export function matrixToArrow(result: MatrixResult): Table {
  const m = checkMatrix(result);
  const { names, values } = result;
  const single = values instanceof Float32Array;
  const metric = vectorFromArray(names, new Utf8());
  const fields: Field[] = [new Field('metric', new Utf8(), false)];
  const children: Data[] = [metric.data[0]];
  for (let j = 0; j < m; j++) {
    // Column j of a row-major matrix is strided: copy it out.
    const col = single ? new Float32Array(m) : new Float64Array(m);
    for (let i = 0; i < m; i++) col[i] = values[i * m + j];
    const type = single ? new Float32() : new Float64();
    fields.push(new Field(names[j], type, false));
    children.push(makeData({ type, length: m, data: col, nullCount: 0 }) as Data);
  }
  return tableOf(fields, children, m);
}

function tableOf(fields: Field[], children: Data[], rows: number): Table {
  const schema = new Schema(fields);
  return new Table(schema, [new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, nullCount: 0, children }))]);
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
    const fields = [new Field('metric', new Utf8(), false), new Field(unitsLabel, new Float64(), false), new Field('rows_used', new Float64(), false)];
    const children = [
      vectorFromArray(rows.map((r) => r.name), new Utf8()).data[0],
      makeData({ type: new Float64(), length: rows.length, data: Float64Array.from(rows, (r) => r.entropy), nullCount: 0 }),
      makeData({ type: new Float64(), length: rows.length, data: Float64Array.from(rows, (r) => r.rowsUsed), nullCount: 0 }),
    ] as Data[];
    if (withMissing) {
      fields.push(new Field('missing', new Float64(), false));
      children.push(makeData({ type: new Float64(), length: rows.length, data: Float64Array.from(rows, (r) => r.missing!), nullCount: 0 }));
    }
    const bytes = tableToIPC(tableOf(fields, children, rows.length), 'file');
    return writeAtomic(path, async (fh) => { await fh.write(bytes); });
  }
  const fmt = numberFormatter(undefined, format === 'json' ? 'null' : 'text');
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
    const fields = [
      new Field('metric_a', new Utf8(), false), new Field('metric_b', new Utf8(), false),
      new Field('value', new Float64(), false), new Field('rows_used', new Float64(), false),
    ];
    const children = [
      vectorFromArray(Array.from({ length: n }, (_, k) => nameOf(k, ia[k])), new Utf8()).data[0],
      vectorFromArray(Array.from({ length: n }, (_, k) => nameOf(k, ja[k])), new Utf8()).data[0],
      makeData({ type: new Float64(), length: n, data: Float64Array.from(value), nullCount: 0 }),
      makeData({ type: new Float64(), length: n, data: Float64Array.from(rowsUsed), nullCount: 0 }),
    ] as Data[];
    const bytes = tableToIPC(tableOf(fields, children, n), 'file');
    return writeAtomic(path, async (fh) => { await fh.write(bytes); });
  }
  const fmt = numberFormatter(options.digits, format === 'json' ? 'null' : 'text');
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
