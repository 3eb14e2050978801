/**
 * The one column-table type every reader produces and every estimator consumes, and the
 * normaliser that turns what users have (Arrow tables, typed arrays, plain objects) into it
 * without copying numeric data.
 */
import type { Table as ArrowTable } from 'apache-arrow';
import { ErrorCode, MetricsiftError, describe } from './errors.js';

/** Numeric typed arrays the native core reads in place. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** A contiguous run of one column: values plus an optional Arrow-style validity bitmap. */
export interface ColumnChunk {
  /** The values, read in place. NaN counts as missing. */
  values: NumericArray;
  /** Arrow validity bitmap (bit set = valid), or null/undefined when every row is valid. */
  validity?: Uint8Array | null;
  /** Bit index in `validity` of the chunk's first row (Arrow slices start mid-byte). */
  validityOffset?: number;
}

/** One named column, possibly in several chunks (Arrow record batches). */
export interface Column {
  name: string;
  chunks: ColumnChunk[];
  /** Total rows over all chunks. */
  length: number;
}

/** Named numeric columns of equal length. */
export interface ColumnTable {
  names: string[];
  columns: Column[];
  /** Number of rows (every column has this length). */
  rows: number;
  /** Optional time labels, one per row (from a CSV's first column). */
  time?: string[];
  /** Where the table came from (a file path), for error messages. */
  source?: string;
  /**
   * The Prometheus series behind each column, where the reader knows it (Prometheus input): what
   * alert rules select, and whether it is a counter (from the server's metadata).
   */
  series?: Record<string, SeriesInfo>;
}

/** A column's source series: metric name, labels (no `__name__`) and type where known. */
export interface SeriesInfo {
  metric: string;
  labels: Record<string, string>;
  /** From `/api/v1/metadata` (counter, gauge, histogram, summary, …). */
  type?: string;
}

/** What the estimators accept as a table. */
export type TableInput =
  | ColumnTable
  | { names: string[]; columns: ArrayLike<number>[] }
  | Record<string, ArrayLike<number>>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema: columns are checked at run time
  | ArrowTable<any>
  | ArrowTableLike;

/** The parts of an apache-arrow Table that metricsift reads (recognised structurally). */
export interface ArrowTableLike {
  schema: { fields: { name: string }[] };
  numRows: number;
  getChildAt(i: number): { data: ArrowDataLike[] } | null;
}
interface ArrowDataLike {
  length: number;
  offset: number;
  values: unknown;
  nullBitmap?: Uint8Array | null;
  nullCount: number;
  type: { typeId: number; toString(): string };
}

const NUMERIC_CTORS = [Float64Array, Float32Array, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array];

/** True for the typed arrays the native core reads in place. */
export function isNumericArray(v: unknown): v is NumericArray {
  return NUMERIC_CTORS.some((C) => v instanceof C);
}

function isArrowTable(v: unknown): v is ArrowTableLike {
  const t = v as ArrowTableLike;
  return !!t && typeof t === 'object' && typeof t.getChildAt === 'function' && !!t.schema && Array.isArray(t.schema.fields);
}

function isColumnTable(v: unknown): v is ColumnTable {
  const t = v as ColumnTable;
  return !!t && Array.isArray(t.names) && Array.isArray(t.columns) && typeof t.rows === 'number' &&
    t.columns.every((c) => c && Array.isArray((c as Column).chunks));
}

/** Converts one user array into a chunk; plain arrays are copied into a Float64Array (null/undefined → NaN). */
export function columnFromArray(name: string, arr: unknown): ColumnChunk {
  return toChunk(name, arr);
}

function toChunk(name: string, arr: unknown): ColumnChunk {
  if (isNumericArray(arr)) return { values: arr };
  if (Array.isArray(arr)) {
    const out = new Float64Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      if (x === null || x === undefined) out[i] = NaN;
      else if (typeof x === 'number') out[i] = x;
      else throw new MetricsiftError(`Column "${name}", row ${i}: expected a number but received ${describe(x)}`, ErrorCode.NON_NUMERIC);
    }
    return { values: out };
  }
  throw new MetricsiftError(`Column "${name}": expected a numeric typed array or an array of numbers but received ${describe(arr)}`, ErrorCode.BAD_INPUT);
}

// Arrow type ids (apache-arrow's Type enum) of the numeric types read in place.
const ARROW_INT = 2, ARROW_FLOAT = 3;

function arrowChunks(name: string, data: ArrowDataLike[]): ColumnChunk[] {
  return data.map((d) => {
    const id = d.type.typeId;
    const values = d.values;
    // Float16 arrives as a Uint16Array of raw half-float bits: reading it as numbers would be wrong.
    const half = id === ARROW_FLOAT && (d.type as unknown as { precision?: number }).precision === 0;
    if ((id !== ARROW_INT && id !== ARROW_FLOAT) || half || !isNumericArray(values)) {
      throw new MetricsiftError(
        `Column "${name}": Arrow type ${d.type.toString()} is not supported (expected Int8–32, Uint8–32, Float32 or Float64)`,
        ErrorCode.BAD_INPUT,
      );
    }
    // `values` is already offset for slices and may be longer than the chunk (builder padding).
    const v = values.length === d.length ? values : (values.subarray(0, d.length) as NumericArray);
    const hasNulls = d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0;
    return { values: v, validity: hasNulls ? d.nullBitmap! : null, validityOffset: hasNulls ? d.offset : 0 };
  });
}

/**
 * Normalises any accepted table input into a {@link ColumnTable}, without copying typed-array
 * or Arrow numeric data. Checks names are unique and every column has the same length.
 */
export function toColumnTable(input: TableInput): ColumnTable {
  let table: ColumnTable;
  if (isColumnTable(input)) {
    table = input;
  } else if (isArrowTable(input)) {
    const names = input.schema.fields.map((f) => f.name);
    const columns = names.map((name, i) => {
      const child = input.getChildAt(i);
      const chunks = child ? arrowChunks(name, child.data) : [];
      return { name, chunks, length: chunks.reduce((s, c) => s + c.values.length, 0) };
    });
    table = { names, columns, rows: input.numRows };
  } else if (input && typeof input === 'object' && Array.isArray((input as { names?: unknown }).names) && Array.isArray((input as { columns?: unknown }).columns)) {
    const { names, columns } = input as { names: string[]; columns: ArrayLike<number>[] };
    if (names.length !== columns.length) {
      throw new MetricsiftError(`Expected one name per column but received ${names.length} names for ${columns.length} columns`, ErrorCode.LENGTH_MISMATCH);
    }
    const cols = columns.map((c, i) => ({ name: String(names[i]), chunks: [toChunk(String(names[i]), c)], length: c.length }));
    table = { names: names.map(String), columns: cols, rows: cols.length ? cols[0].length : 0 };
  } else if (input && typeof input === 'object' && !ArrayBuffer.isView(input) && !Array.isArray(input)) {
    const names = Object.keys(input);
    const cols = names.map((n) => {
      const c = (input as Record<string, ArrayLike<number>>)[n];
      return { name: n, chunks: [toChunk(n, c)], length: (c as ArrayLike<number>)?.length ?? 0 };
    });
    table = { names, columns: cols, rows: cols.length ? cols[0].length : 0 };
  } else {
    throw new MetricsiftError(`Expected a table (ColumnTable, apache-arrow Table, {names, columns} or an object of columns) but received ${describe(input)}`, ErrorCode.BAD_INPUT);
  }
  validateTable(table);
  return table;
}

/** True for a transferred or freed buffer (Node 20 has no ArrayBuffer.prototype.detached). */
function isDetached(buf: ArrayBufferLike): boolean {
  if (buf.byteLength !== 0) return false;
  try {
    new Uint8Array(buf);
    return false;
  } catch {
    return true;
  }
}

function validateTable(t: ColumnTable): void {
  for (const c of t.columns) {
    for (const ch of c.chunks) {
      if (isDetached(ch.values.buffer) || (ch.validity && isDetached(ch.validity.buffer))) {
        throw new MetricsiftError(`Column "${c.name}": its buffer is detached (transferred or freed)${t.source ? ` in ${t.source}` : ''}`, ErrorCode.DETACHED_BUFFER);
      }
    }
  }
  const seen = new Map<string, number>();
  t.names.forEach((n, i) => {
    const prev = seen.get(n);
    if (prev !== undefined) {
      throw new MetricsiftError(`Duplicate column name "${n}" (columns ${prev} and ${i})${t.source ? ` in ${t.source}` : ''}`, ErrorCode.DUPLICATE_COLUMN);
    }
    seen.set(n, i);
  });
  for (const c of t.columns) {
    if (c.length !== t.rows) {
      throw new MetricsiftError(
        `Column "${c.name}" has ${c.length} rows but column "${t.columns[0].name}" has ${t.rows}${t.source ? ` in ${t.source}` : ''}`,
        ErrorCode.LENGTH_MISMATCH,
      );
    }
  }
}

/** Picks columns by name or index, keeping order; throws MS_BAD_OPTION naming an unknown column. */
export function selectColumns(t: ColumnTable, which: (string | number)[]): ColumnTable {
  const idx = which.map((w) => {
    const i = typeof w === 'number' ? w : t.names.indexOf(w);
    if (i < 0 || i >= t.columns.length || !Number.isInteger(i)) {
      throw new MetricsiftError(`Unknown column ${JSON.stringify(w)}${t.source ? ` in ${t.source}` : ''}`, ErrorCode.BAD_OPTION);
    }
    return i;
  });
  return { ...t, names: idx.map((i) => t.names[i]), columns: idx.map((i) => t.columns[i]) };
}
