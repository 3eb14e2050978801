/**
 * Wide CSV reader: a header row, then one row per time step; the first column is the time
 * label (kept as strings), every other column is a metric parsed into one Float64Array.
 *
 * Files are parsed by the native reader (native/kernels/csv.h: the UTF-8 bytes, chunked over
 * threads, exact float parsing), which hands back what it cannot decide alone: odd cells go through
 * {@link parseCell}, and any malformed file is re-read by the JS parser below, the reference, which
 * raises the error naming the file, line and column. The JS parser is a single character scan over
 * the decoded text (no regex, no split per line); {@link parseCsv} (text in memory) uses it directly.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { checkRange } from '../options.js';
import { binding, type RawCsv } from '../native.js';
import type { Column, ColumnTable } from '../table.js';

/** Options for {@link readCsv} and {@link parseCsv}. */
export interface CsvOptions {
  /** The first column holds time labels (kept as strings in `table.time`). Default true. */
  timeColumn?: boolean;
  /** One-character field delimiter. Default `,`. */
  delimiter?: string;
  /** Threads of the native reader ({@link readCsv}, {@link parseCsvBytes}). Default: all cores. */
  threads?: number;
}

const QUOTE = 34, LF = 10, CR = 13;
// What ended the last field read by the scanner.
const T_DELIM = 0, T_EOL = 1, T_EOF = 2;

/** Cell spellings read as a missing value (compared lower-cased and trimmed). */
const MISSING = new Set(['', 'nan', '-nan', 'na', 'n/a', 'null', 'none']);
const POS_INF = new Set(['inf', '+inf', 'infinity', '+infinity']);
const NEG_INF = new Set(['-inf', '-infinity']);
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * Reads a wide CSV file (`.csv`, `.tsv`, or either gzip-compressed: gzip is recognised by its
 * magic bytes, whatever the name) into a {@link ColumnTable}.
 *
 * @param path File to read; it is named as given in error messages.
 * @param options `timeColumn` (default true: the first column is time), `delimiter` (default `,`).
 * @throws MetricsiftError `MS_FILE_NOT_FOUND` when the file cannot be read, `MS_BAD_FORMAT` for
 *   corrupt gzip data, and every error of {@link parseCsv}.
 */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<ColumnTable> {
  checkOptions(options);
  // The native reader maps a plain file itself; gzip and unreadable files come back to be read here.
  const table = await nativeParse(path, path, options);
  if (table) return table;
  if (await isGzip(path)) return parseCsvBytes(await readCsvBytes(path), path, options);
  // The native reader left a plain file to the JS parser: stream it in pieces (never one string,
  // nor one buffer, so files beyond V8's string limit and Node's 2 GiB readFile limit work).
  try {
    return await parseCsvPieces(createReadStream(path, { highWaterMark: 8 << 20 }), path, options);
  } catch (e) {
    throw e instanceof MetricsiftError ? e : fileError(path, e);
  }
}

async function isGzip(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'r');
    try {
      const magic = Buffer.alloc(2);
      const { bytesRead } = await fh.read(magic, 0, 2, 0);
      return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fileError(path, e);
  }
}

/**
 * Parses a CSV file's bytes (UTF-8, already gunzipped) into a {@link ColumnTable}: what
 * {@link parseCsv} gives on the decoded text, value for value and error for error, by the native
 * reader where it applies (an ASCII delimiter) and the JS parser otherwise.
 *
 * @param bytes The file's bytes; read, not kept.
 * @param source Name used in error messages (usually the file path).
 * @param options As {@link readCsv}; `threads` bounds the native reader's threads.
 * @throws MetricsiftError as {@link parseCsv}.
 */
export async function parseCsvBytes(bytes: Uint8Array, source: string, options: CsvOptions = {}): Promise<ColumnTable> {
  checkOptions(options);
  // The JS parser reads the bytes in pieces: a file beyond V8's string limit is never one string.
  return (await nativeParse(bytes, source, options)) ?? parseCsvPieces([bytes], source, options);
}

/** The native reader's table, or undefined where the JS side must read or decide. */
async function nativeParse(input: Uint8Array | string, source: string, options: CsvOptions): Promise<ColumnTable | undefined> {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.charCodeAt(0) >= 128) return undefined;
  const hasTime = options.timeColumn ?? true;
  const r = await binding.parseCsv(input, { delimiter, timeColumn: hasTime, threads: options.threads ?? availableParallelism() });
  return r.fallback === undefined ? nativeTable(r, source, hasTime) : undefined;
}

/**
 * The table from the native reader's result, or undefined where the JS parser must decide (it
 * raises the error): a header without metric columns or with a duplicate name, a cell that is
 * not a number.
 */
function nativeTable(r: RawCsv, source: string, hasTime: boolean): ColumnTable | undefined {
  const names = hasTime ? r.header.slice(1) : r.header;
  if (names.length === 0 || new Set(names).size !== names.length) return undefined;
  const { rows, values } = r;
  for (let k = 0; k < r.deferredCol.length; k++) {
    const x = parseCell(r.deferredText[k]);
    if (x === undefined) return undefined;
    values[r.deferredCol[k] * rows + r.deferredRow[k]] = x;
  }
  // Views of one buffer, column j at j·rows (the native reader writes it column by column).
  const columns: Column[] = names.map((name, j) => ({ name, chunks: [{ values: values.subarray(j * rows, (j + 1) * rows) }], length: rows }));
  const table: ColumnTable = { names, columns, rows, source };
  if (hasTime) lazyTime(table, r.timeBytes ?? new Uint8Array(0), r.timeEnds ?? new Float64Array(0));
  return table;
}

/**
 * `table.time` made from the native reader's label bytes when first read (or replaced when first
 * assigned): tens of thousands of strings cost young-generation collections a matrix run never needs.
 */
function lazyTime(table: ColumnTable, bytes: Uint8Array, ends: Float64Array): void {
  const settle = (time: string[]) => Object.defineProperty(table, 'time', { value: time, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(table, 'time', {
    enumerable: true,
    configurable: true,
    get() {
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const time = new Array<string>(ends.length);
      for (let k = 0, at = 0; k < ends.length; at = ends[k++]) time[k] = buf.toString('utf8', at, ends[k]);
      settle(time);
      return time;
    },
    set(time: string[]) {
      settle(time);
    },
  });
}


/** A CSV read as text cells: every column kept as strings (for categorical columns, labels). */
export interface StringTable {
  names: string[];
  /** columns[j][r]: the cell of column j in data row r, as written (quotes removed). */
  columns: string[][];
  rows: number;
  source?: string;
}

/**
 * Reads a CSV file (or gzip-compressed CSV) keeping every cell as a string: for categorical columns
 * (identifiers, pseudonyms, labels) that {@link readCsv} rejects as `MS_NON_NUMERIC`. Every column,
 * the first included, is a data column. Same quoting, line-end and file rules as {@link readCsv}.
 *
 * @throws MetricsiftError `MS_FILE_NOT_FOUND`, `MS_BAD_FORMAT`, `MS_NO_COLUMNS`, `MS_DUPLICATE_COLUMN`, `MS_RAGGED_ROW`.
 */
export async function readCsvStrings(path: string, options: Pick<CsvOptions, 'delimiter'> = {}): Promise<StringTable> {
  checkOptions(options);
  return parseCsvStrings(await readCsvText(path), path, options);
}

/** {@link readCsvStrings} on text already in memory. */
export function parseCsvStrings(text: string, source: string, options: Pick<CsvOptions, 'delimiter'> = {}): StringTable {
  checkOptions(options);
  const sc = new Scanner(text, (options.delimiter ?? ',').charCodeAt(0), source);
  if (!sc.skipBlankLines()) throw new MetricsiftError(`${source}: empty file (expected a header row)`, ErrorCode.BAD_FORMAT);
  const headerLine = sc.line;
  const names: string[] = [];
  do names.push(sc.field()); while (sc.term === T_DELIM);
  if (names.length === 1 && names[0] === '') throw new MetricsiftError(`${source} line ${headerLine}: the header has no column name`, ErrorCode.NO_COLUMNS);
  const seen = new Map<string, number>();
  names.forEach((name, j) => {
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw new MetricsiftError(`${source} line ${headerLine}: duplicate column name ${JSON.stringify(name)} (header cells ${prev + 1} and ${j + 1})`, ErrorCode.DUPLICATE_COLUMN);
    }
    seen.set(name, j);
  });
  const m = names.length;
  const columns: string[][] = names.map(() => []);
  let rows = 0;
  for (;;) {
    const before = sc.line;
    if (!sc.skipBlankLines()) break;
    // In a one-column file an empty line is an empty (missing) cell, not a line to skip.
    if (m === 1) for (let k = before; k < sc.line; k++, rows++) columns[0].push('');
    const line = sc.line;
    let j = 0;
    for (;;) {
      const cell = sc.field();
      if (j < m) columns[j].push(cell);
      j++;
      if (sc.term !== T_DELIM) break;
    }
    if (j < m) raggedFewer(source, line, j, m, names[j]);
    if (j > m) {
      throw new MetricsiftError(`${source} line ${line}: row has ${j} cells but the header has ${m} (extra cells after column ${JSON.stringify(names[m - 1])})`, ErrorCode.RAGGED_ROW);
    }
    rows++;
  }
  return { names: detach(names), columns: columns.map(detach), rows, source };
}

/** A file's text, gunzipped when it starts with the gzip magic bytes. */
async function readCsvText(path: string): Promise<string> {
  return decodeCsv(await readCsvBytes(path), path);
}

/**
 * A file's bytes, gunzipped when they start with the gzip magic bytes (whatever the name). Gzip is
 * decompressed as it is read (a stream), so the compressed file is never held whole.
 */
async function readCsvBytes(path: string): Promise<Buffer> {
  let gz = false;
  try {
    const fh = await open(path, 'r');
    try {
      const magic = Buffer.alloc(2);
      const { bytesRead } = await fh.read(magic, 0, 2, 0);
      gz = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
      if (!gz) return await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fileError(path, e);
  }
  const parts: Buffer[] = [];
  try {
    await pipeline(createReadStream(path), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) parts.push(chunk);
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && !code.startsWith('Z_') && code !== 'ERR_STREAM_PREMATURE_CLOSE') throw fileError(path, e);
    throw new MetricsiftError(`${path}: not valid gzip data (${(e as Error).message})`, ErrorCode.BAD_FORMAT);
  }
  return Buffer.concat(parts);
}

/**
 * The text of CSV bytes from a file or a stream, gunzipped when they start with the gzip magic
 * bytes (whatever the source is called). @internal
 */
export async function csvText(bytes: Buffer, source: string): Promise<string> {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await promisify(gunzip)(bytes);
    } catch (e) {
      throw new MetricsiftError(`${source}: not valid gzip data (${(e as Error).message})`, ErrorCode.BAD_FORMAT);
    }
  }
  return decodeCsv(bytes, source);
}

/** UTF-8 bytes as text (what the JS parser reads). */
function decodeCsv(bytes: Uint8Array, source: string): string {
  let text: string;
  try {
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  } catch (e) {
    // Only input beyond V8's maximum string length (~512 MiB decoded) ends up here.
    throw new MetricsiftError(`${source}: too large to read as CSV (${bytes.length} bytes); convert it to Arrow IPC`, ErrorCode.BAD_FORMAT);
  }
  return text;
}

/** Maps a failed file read to MS_FILE_NOT_FOUND with the reason (shared by the readers). @internal */
export function fileError(path: string, e: unknown): MetricsiftError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((e as Error)?.message ?? e);
  return new MetricsiftError(`Cannot read ${path}: ${why}`, ErrorCode.FILE_NOT_FOUND);
}

function checkOptions(options: CsvOptions): void {
  if (options.timeColumn !== undefined && typeof options.timeColumn !== 'boolean') {
    badOption('timeColumn', 'a boolean', options.timeColumn);
  }
  const t = options.threads;
  checkRange('threads', t);
  const d = options.delimiter;
  if (d !== undefined && (typeof d !== 'string' || d.length !== 1 || d === '"' || d === '\n' || d === '\r')) {
    badOption('delimiter', 'a single character other than a quote or line break', d);
  }
}

/**
 * Character scanner over the whole text. State lives in fields rather than returned objects
 * so the per-cell path allocates nothing but the cell's string slice.
 */
class Scanner {
  pos: number;
  /** 1-based line of `pos`. */
  line = 1;
  /** How the last field ended: T_DELIM, T_EOL or T_EOF. */
  term = T_EOF;
  /** Text of the last cell that {@link Scanner.number} could not parse. */
  bad = '';
  private readonly n: number;
  /** The digit fast path is off when the delimiter could be part of a number. */
  private readonly fast: boolean;

  constructor(
    private readonly text: string,
    private readonly delim: number,
    private readonly source: string,
    /** Line number of the text's first line (a later piece of a file starts mid-file). */
    startLine = 1,
    /** Skip a UTF-8 BOM (only at the start of a file). */
    bom = true,
  ) {
    this.n = text.length;
    this.line = startLine;
    this.fast = !'0123456789+-.eE'.includes(String.fromCharCode(delim));
    this.pos = bom && text.charCodeAt(0) === 0xfeff ? 1 : 0; // UTF-8 BOM
  }

  /** Skips blank lines; returns false at end of input. */
  skipBlankLines(): boolean {
    const t = this.text;
    while (this.pos < this.n) {
      const c = t.charCodeAt(this.pos);
      if (c === LF) { this.pos++; this.line++; }
      else if (c === CR) { this.pos += t.charCodeAt(this.pos + 1) === LF ? 2 : 1; this.line++; }
      else return true;
    }
    return false;
  }

  /** Reads one field (unquoted content) and sets `term`. */
  field(): string {
    const t = this.text, n = this.n, delim = this.delim;
    let pos = this.pos;
    if (pos < n && t.charCodeAt(pos) === QUOTE) return this.quoted();
    const start = pos;
    let c = 0;
    while (pos < n) {
      c = t.charCodeAt(pos);
      if (c === delim || c === LF || c === CR) break;
      pos++;
    }
    const value = t.slice(start, pos);
    this.finish(pos, c);
    return value;
  }

  /**
   * Reads one numeric cell and sets `term`. Returns undefined when the cell is not a number;
   * `bad` then holds its text. Plain decimals are parsed straight from the character codes
   * (no slice, no Number()): that is most cells and about 5× faster than Number() on a slice.
   */
  number(): number | undefined {
    const t = this.text, n = this.n, delim = this.delim;
    let pos = this.pos;
    const start = pos;
    let c = t.charCodeAt(pos); // NaN past the end: every comparison below is false
    if (c === QUOTE) return this.slowCell(this.quoted());
    if (this.fast) {
      let neg = false;
      if (c === 45) { neg = true; c = t.charCodeAt(++pos); }
      else if (c === 43) c = t.charCodeAt(++pos);
      let mant = 0, digits = 0, scale = 0;
      while (c >= 48 && c <= 57) { mant = mant * 10 + (c - 48); digits++; c = t.charCodeAt(++pos); }
      if (c === 46) {
        c = t.charCodeAt(++pos);
        while (c >= 48 && c <= 57) { mant = mant * 10 + (c - 48); digits++; scale--; c = t.charCodeAt(++pos); }
      }
      if ((c === 101 || c === 69) && digits > 0) {
        c = t.charCodeAt(++pos);
        let eneg = false;
        if (c === 45) { eneg = true; c = t.charCodeAt(++pos); }
        else if (c === 43) c = t.charCodeAt(++pos);
        let e = 0, edigits = 0;
        while (c >= 48 && c <= 57) { if (e < 1e6) e = e * 10 + (c - 48); edigits++; c = t.charCodeAt(++pos); }
        if (edigits === 0) digits = 0; // "1e": leave it to the slow path's error
        scale += eneg ? -e : e;
      }
      // Clinger's fast path: an integer mantissa below 2^53 (exact while accumulating) times or divided by
      // an exact power of ten (≤ 1e22) is one correctly rounded operation, i.e. what Number() gives.
      if (digits > 0 && mant < 9007199254740992 && scale >= -22 && scale <= 22 && (pos >= n || c === delim || c === LF || c === CR)) {
        const x = scale >= 0 ? mant * POW10[scale] : mant / POW10[-scale];
        this.finish(pos, c);
        return neg ? -x : x;
      }
      pos = start;
      c = t.charCodeAt(pos);
      // "NaN" is 5-7% of real cells: skip the slice for it.
      if (c === 78 && t.charCodeAt(pos + 1) === 97 && t.charCodeAt(pos + 2) === 78) {
        const c3 = t.charCodeAt(pos + 3);
        if (pos + 3 >= n || c3 === delim || c3 === LF || c3 === CR) {
          this.finish(pos + 3, c3);
          return NaN;
        }
      }
    }
    while (pos < n) {
      c = t.charCodeAt(pos);
      if (c === delim || c === LF || c === CR) break;
      pos++;
    }
    const s = t.slice(start, pos);
    this.finish(pos, c);
    return this.slowCell(s);
  }

  private slowCell(s: string): number | undefined {
    const x = parseCell(s);
    if (x === undefined) this.bad = s;
    return x;
  }

  /** Sets `term` from the character at `pos` (already read as `c`) and steps past it. */
  private finish(pos: number, c: number): void {
    if (pos >= this.n) { this.term = T_EOF; this.pos = pos; }
    else if (c === this.delim) { this.term = T_DELIM; this.pos = pos + 1; }
    else {
      this.term = T_EOL;
      this.pos = c === CR && this.text.charCodeAt(pos + 1) === LF ? pos + 2 : pos + 1;
      this.line++;
    }
  }

  /** RFC 4180 quoted field: `""` is a literal quote; delimiters and line breaks are content. */
  private quoted(): string {
    const t = this.text, n = this.n;
    const startLine = this.line;
    const start = this.pos + 1;
    let pos = start;
    let escaped = false;
    for (;;) {
      const q = t.indexOf('"', pos);
      if (q < 0) {
        throw new MetricsiftError(`${this.source} line ${startLine}: quoted field is never closed (unterminated quote)`, ErrorCode.BAD_FORMAT);
      }
      // Keep line numbers right for later errors: count line breaks inside the quotes.
      for (let i = t.indexOf('\n', pos); i >= 0 && i < q; i = t.indexOf('\n', i + 1)) this.line++;
      if (t.charCodeAt(q + 1) === QUOTE) { escaped = true; pos = q + 2; continue; }
      pos = q + 1;
      break;
    }
    let value = t.slice(start, pos - 1);
    if (escaped) value = value.replaceAll('""', '"');
    const c = pos < n ? t.charCodeAt(pos) : 0;
    if (pos < n && c !== this.delim && c !== LF && c !== CR) {
      throw new MetricsiftError(
        `${this.source} line ${this.line}: unexpected ${JSON.stringify(t[pos])} after a closing quote (a quote inside a quoted field must be doubled)`,
        ErrorCode.BAD_FORMAT,
      );
    }
    this.finish(pos, c);
    return value;
  }
}

/**
 * Parses one cell into a number: NaN for missing spellings, ±Infinity for inf spellings.
 * Returns undefined when the cell is not a number. Shared with the recorded-layout readers.
 */
export function parseCell(s: string): number | undefined {
  if (s.length === 0 || s === 'NaN') return NaN;
  const x = +s; // fast path: Number() handles ints, decimals, exponents, "Infinity"
  if (x === x) {
    // Number() also accepts "", "  " (→ 0) and 0x/0b/0o literals, which no metric file means.
    const c0 = s.charCodeAt(0);
    if (x === 0 && (c0 <= 32 || c0 >= 128) && s.trim().length === 0) return NaN;
    if (c0 === 48 && s.length > 2) {
      const c1 = s.charCodeAt(1) | 32;
      if (c1 === 120 || c1 === 98 || c1 === 111) return undefined;
    }
    return x;
  }
  const t = s.trim().toLowerCase();
  if (MISSING.has(t)) return NaN;
  if (POS_INF.has(t)) return Infinity;
  if (NEG_INF.has(t)) return -Infinity;
  return undefined;
}

/** Data rows expected: the number of line breaks (the header takes one line); grown if short. */
function maxRows(text: string): number {
  let lf = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lf++;
  if (lf > 0) return lf;
  let cr = 0; // old-Mac line ends, or no line break at all
  for (let i = text.indexOf('\r'); i >= 0; i = text.indexOf('\r', i + 1)) cr++;
  return cr;
}

/** Fresh copies of sliced strings, so the result does not keep the whole file text alive. */
function detach(strings: string[]): string[] {
  return JSON.parse(JSON.stringify(strings)) as string[];
}

/**
 * Parses CSV text (already decoded) into a {@link ColumnTable}. Exported for tests and for
 * callers that already hold the text.
 *
 * Missing values: empty cells and `NaN`, `nan`, `-nan`, `NA`, `N/A`, `null`, `None` (any case).
 * `inf`, `Infinity`, `-inf`, `-Infinity` (any case) are ±Infinity. Blank lines are skipped.
 * RFC 4180 quoting, CRLF or LF line ends, a UTF-8 BOM and a missing final newline are accepted.
 *
 * @param text The CSV text.
 * @param source Name used in error messages (usually the file path).
 * @param options `timeColumn` (default true: the first column is time), `delimiter` (default `,`).
 * @throws MetricsiftError `MS_BAD_FORMAT` (no header, unterminated quote), `MS_NO_COLUMNS`,
 *   `MS_DUPLICATE_COLUMN`, `MS_RAGGED_ROW`, `MS_NON_NUMERIC`; messages name the source, the
 *   1-based line and the column.
 */
export function parseCsv(text: string, source: string, options: CsvOptions = {}): ColumnTable {
  checkOptions(options);
  const p = new PieceParser(source, options);
  p.feed(text);
  return p.finish();
}

/**
 * The JS parser over a file in pieces, each ending at a line break outside quotes (the last at the
 * end of the file): rows never straddle pieces, so each piece is parsed as a whole text would be,
 * with line numbers carried on. Each piece's rows become one chunk of every column. A file is thus
 * never one string (V8 caps strings at about 512 MiB). @internal
 */
class PieceParser {
  private readonly delim: number;
  private readonly hasTime: boolean;
  private line = 1;
  private first = true;
  private names?: string[];
  private cells = 0;
  private rows = 0;
  private readonly chunks: Float64Array[][] = [];
  private readonly time: string[] = [];

  constructor(private readonly source: string, options: CsvOptions) {
    this.delim = (options.delimiter ?? ',').charCodeAt(0);
    this.hasTime = options.timeColumn ?? true;
  }

  feed(text: string): void {
    const { source, hasTime } = this;
    const sc = new Scanner(text, this.delim, source, this.line, this.first);
    this.first = false;
    if (!this.names) {
      if (!sc.skipBlankLines()) {
        this.line = sc.line;
        return;
      }
      this.header(sc);
    }
    const names = this.names!;
    const m = names.length;
    const cells = this.cells;
    let capacity = maxRows(text);
    let values = names.map(() => new Float64Array(capacity));
    let rows = 0;

    while (sc.skipBlankLines()) {
      if (rows === capacity) {
        // Only when line ends are mixed (lone CR and LF) does the line-break count fall short.
        capacity = Math.max(16, capacity * 2);
        values = values.map((v) => { const w = new Float64Array(capacity); w.set(v); return w; });
      }
      const line = sc.line;
      if (hasTime) {
        this.time.push(sc.field());
        if (sc.term !== T_DELIM) raggedFewer(source, line, 1, cells, names[0]);
      }
      for (let j = 0; j < m; j++) {
        const x = sc.number();
        if (x === undefined) {
          const s = sc.bad;
          const shown = s.length > 60 ? s.slice(0, 60) + '…' : s;
          throw new MetricsiftError(`${source} line ${line}, column ${JSON.stringify(names[j])}: ${JSON.stringify(shown)} is not a number`, ErrorCode.NON_NUMERIC);
        }
        values[j][rows] = x;
        if (sc.term !== T_DELIM && j < m - 1) raggedFewer(source, line, (hasTime ? 2 : 1) + j, cells, names[j + 1]);
      }
      if (sc.term === T_DELIM) {
        let found = cells;
        do { sc.field(); found++; } while (sc.term === T_DELIM);
        throw new MetricsiftError(
          `${source} line ${line}: row has ${found} cells but the header has ${cells} (extra cells after column ${JSON.stringify(names[m - 1])})`,
          ErrorCode.RAGGED_ROW,
        );
      }
      rows++;
    }
    this.line = sc.line;
    if (rows === 0 && this.chunks.length > 0) return;
    // Trim the over-allocation: a view when the waste is small (usually one row), a copy otherwise.
    const trim = (v: Float64Array): Float64Array => (rows === capacity ? v : capacity - rows <= capacity >> 4 ? v.subarray(0, rows) : v.slice(0, rows));
    this.chunks.push(values.map(trim));
    this.rows += rows;
  }

  private header(sc: Scanner): void {
    const { source, hasTime } = this;
    const headerLine = sc.line;
    const header: string[] = [];
    do header.push(sc.field()); while (sc.term === T_DELIM);
    const names = hasTime ? header.slice(1) : header;
    if (names.length === 0) {
      throw new MetricsiftError(
        `${source} line ${headerLine}: the header has no metric column (only ${JSON.stringify(header[0])}${hasTime ? ', the time column' : ''})`,
        ErrorCode.NO_COLUMNS,
      );
    }
    const seen = new Map<string, number>();
    names.forEach((name, j) => {
      const prev = seen.get(name);
      if (prev !== undefined) {
        const off = hasTime ? 2 : 1;
        throw new MetricsiftError(
          `${source} line ${headerLine}: duplicate column name ${JSON.stringify(name)} (header cells ${prev + off} and ${j + off})`,
          ErrorCode.DUPLICATE_COLUMN,
        );
      }
      seen.set(name, j);
    });
    this.names = names;
    this.cells = header.length;
  }

  finish(): ColumnTable {
    const { source } = this;
    if (!this.names) throw new MetricsiftError(`${source}: empty file (expected a header row)`, ErrorCode.BAD_FORMAT);
    const finalNames = detach(this.names);
    const columns: Column[] = finalNames.map((name, j) => ({ name, chunks: this.chunks.map((c) => ({ values: c[j] })), length: this.rows }));
    const table: ColumnTable = { names: finalNames, columns, rows: this.rows, source };
    if (this.hasTime) table.time = detach(this.time);
    return table;
  }
}

/** Bytes per piece of the JS parser (decoded, a piece is a string of about this many characters). */
const PIECE_BYTES = 64 << 20;

/**
 * Splits a byte stream into pieces of about `pieceBytes` that end at a line break outside quotes
 * (quote parity counted from the piece's start, which is outside quotes), decoded as UTF-8 (a line
 * break byte never lies inside a multi-byte character). @internal
 */
export async function* csvPieces(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, pieceBytes = PIECE_BYTES): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const c of chunks) {
    pending.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    size += c.byteLength;
    if (size < pieceBytes) continue;
    const buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, size);
    let at = 0;
    while (buf.length - at >= pieceBytes) {
      const view = buf.subarray(at);
      let cut = breakOutsideQuotes(view, pieceBytes);
      if (cut < 0) cut = breakOutsideQuotes(view, view.length); // a line longer than a piece
      // A stray quote (malformed file) makes every later break look quoted: cut at a plain break
      // rather than build one huge string; the parser reports the malformed row before it.
      if (cut < 0 && view.length > Math.max(4 * pieceBytes, 256 << 20)) cut = lastBreak(view, 0, view.length);
      if (cut < 0) break; // no complete line yet: wait for more bytes
      yield view.toString('utf8', 0, cut);
      at += cut;
    }
    pending = at < buf.length ? [buf.subarray(at)] : [];
    size = buf.length - at;
  }
  const rest = pending.length === 1 ? pending[0] : Buffer.concat(pending, size);
  if (rest.length > 0) yield rest.toString('utf8');
}

/**
 * Index just past the last line break before `limit` that lies outside quotes (b starts outside
 * quotes; a break counts where the quotes before it are even in number), or −1.
 */
function breakOutsideQuotes(b: Buffer, limit: number): number {
  let best = -1, from = 0, inside = false;
  while (from < limit) {
    const q = b.indexOf(QUOTE, from);
    const next = q < 0 || q > limit ? limit : q;
    if (!inside) {
      const k = lastBreak(b, from, next);
      if (k >= 0) best = k;
    }
    if (next === limit) break;
    inside = !inside;
    from = q + 1;
  }
  return best;
}

/** Index just past the last LF, or lone CR (not the CR of a CRLF), in b[from, end), or −1. */
function lastBreak(b: Buffer, from: number, end: number): number {
  for (let i = end - 1; i >= from; i--) {
    const c = b[i];
    if (c === LF) return i + 1;
    // A CR whose next byte is not here yet may be the first half of a CRLF: not a break.
    if (c === CR && i + 1 < b.length && b[i + 1] !== LF) return i + 1;
  }
  return -1;
}

/**
 * The JS parser over a file's bytes in pieces ({@link csvPieces}): the same table and the same
 * errors as {@link parseCsv} on the whole text, without ever holding the text as one string. @internal
 */
export async function parseCsvPieces(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, source: string, options: CsvOptions = {}, pieceBytes = PIECE_BYTES): Promise<ColumnTable> {
  checkOptions(options);
  const p = new PieceParser(source, options);
  for await (const piece of csvPieces(chunks, pieceBytes)) {
    p.feed(piece);
  }
  return p.finish();
}

function raggedFewer(source: string, line: number, found: number, cells: number, missing: string): never {
  throw new MetricsiftError(
    `${source} line ${line}: row has ${found} cells but the header has ${cells} (missing column ${JSON.stringify(missing)})`,
    ErrorCode.RAGGED_ROW,
  );
}
