/**
 * Arrow IPC (file or stream format, Feather v2) reading and writing.
 *
 * Reading is zero-copy: the file is read into one Buffer, apache-arrow's typed views point into
 * it, and {@link toColumnTable} keeps those views (and validity bitmaps) as they are.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import {
  Field,
  Float64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { ErrorCode, MetricsiftError } from '../errors.js';
import { toColumnTable, type ArrowTableLike, type Column, type ColumnChunk, type ColumnTable } from '../table.js';
import { fileError } from './csv.js';

/** Options for {@link readArrow}. */
export interface ArrowReadOptions {
  /**
   * Files larger than this many bytes are streamed batch by batch instead of read into one
   * Buffer (Node cannot read a file above 2 GiB at once). Default 1 GiB. Streamed reads copy
   * each batch once; smaller files are read zero-copy.
   */
  streamAboveBytes?: number;
}

/** Names that mark a non-numeric column as the time column. */
const TIME_NAME = /^(time|timestamp|datetime|date|ts)$/i;

/**
 * Reads an Arrow IPC file or stream (`.arrow`, `.ipc`, `.feather` v2) into a {@link ColumnTable}.
 *
 * Int8–32, Uint8–32, Float32 and Float64 columns are used in place (values and validity
 * bitmaps shared with the file buffer). Int64/Uint64 and Float16 columns are converted to
 * Float64. A string, dictionary-of-string, timestamp or date column named `time`, `timestamp`,
 * `datetime`, `date` or `ts`, or the first column when it is not numeric, becomes `table.time`
 * (as strings; timestamps and dates as ISO 8601); any other non-numeric column is rejected.
 *
 * @throws MetricsiftError `MS_FILE_NOT_FOUND`, `MS_BAD_FORMAT` (not Arrow IPC),
 *   `MS_BAD_INPUT` (a non-numeric column, named), `MS_NO_COLUMNS`, `MS_DUPLICATE_COLUMN`.
 */
export async function readArrow(path: string, options: ArrowReadOptions = {}): Promise<ColumnTable> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = st.size;
  } catch (e) {
    throw fileError(path, e);
  }
  if (size === 0) throw new MetricsiftError(`${path}: empty file (expected Arrow IPC data)`, ErrorCode.BAD_FORMAT);
  let table: Table;
  try {
    if (size > (options.streamAboveBytes ?? 2 ** 30)) {
      table = await tableFromIPC(createReadStream(path));
    } else {
      let buf: Buffer;
      try {
        buf = await readFile(path);
      } catch (e) {
        throw fileError(path, e);
      }
      table = tableFromIPC(buf);
    }
  } catch (e) {
    if (e instanceof MetricsiftError) throw e;
    throw new MetricsiftError(`${path}: not a readable Arrow IPC file or stream (${(e as Error).message})`, ErrorCode.BAD_FORMAT);
  }
  if (table.schema.fields.length === 0) {
    throw new MetricsiftError(`${path}: not a readable Arrow IPC file or stream (no schema found)`, ErrorCode.BAD_FORMAT);
  }
  return arrowToColumnTable(table, path);
}

function isNumeric(t: DataType): boolean {
  if (t.typeId === Type.Float) return true;
  if (t.typeId === Type.Int) return true;
  return false;
}

/** Read in place by toColumnTable (Int64 and Float16 are not: their arrays hold bigints / half floats). */
function isInPlace(t: DataType): boolean {
  if (t.typeId === Type.Int) return (t as unknown as { bitWidth: number }).bitWidth <= 32;
  if (t.typeId === Type.Float) return (t as unknown as { precision: number }).precision !== 0; // 0 = HALF
  return false;
}

function isTimeType(t: DataType): boolean {
  switch (t.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Timestamp:
    case Type.Date:
      return true;
    case Type.Dictionary:
      return isTimeType((t as unknown as { dictionary: DataType }).dictionary);
    default:
      return false;
  }
}

/** Time labels as strings: timestamps/dates (read as epoch ms) in ISO 8601, nulls as ''. */
function timeStrings(v: Vector, type: DataType): string[] {
  let base = type;
  if (base.typeId === Type.Dictionary) base = (base as unknown as { dictionary: DataType }).dictionary;
  const isDate = base.typeId === Type.Timestamp || base.typeId === Type.Date;
  const out = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v.get(i) as unknown;
    if (x === null || x === undefined) out[i] = '';
    else if (isDate) {
      const ms = typeof x === 'bigint' ? Number(x) : x instanceof Date ? x.getTime() : Number(x);
      out[i] = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(x);
    } else out[i] = String(x);
  }
  return out;
}

/** Copies an Int64/Uint64/Float16 column into Float64 chunks, keeping its validity bitmaps. */
function convertedColumn(name: string, v: Vector): Column {
  const chunks: ColumnChunk[] = v.data.map((d) => {
    const out = new Float64Array(d.length);
    const col = makeVector(d);
    for (let i = 0; i < d.length; i++) {
      const x = col.get(i) as number | bigint | null;
      out[i] = x === null ? NaN : Number(x);
    }
    const hasNulls = d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0;
    return { values: out, validity: hasNulls ? d.nullBitmap : null, validityOffset: hasNulls ? d.offset : 0 };
  });
  return { name, chunks, length: v.length };
}

/**
 * Turns an in-memory apache-arrow Table into a {@link ColumnTable} with the rules of
 * {@link readArrow} (time column detection, numeric conversion), zero-copy where possible.
 *
 * @param table The Arrow table.
 * @param source Name for error messages (a file path).
 */
export function arrowToColumnTable(table: Table, source?: string): ColumnTable {
  const where = source ? `${source}: ` : '';
  const fields = table.schema.fields;
  let timeIndex = -1;
  fields.forEach((f, i) => {
    if (isNumeric(f.type)) return;
    if (timeIndex < 0 && isTimeType(f.type) && (TIME_NAME.test(f.name) || i === 0)) {
      timeIndex = i;
      return;
    }
    throw new MetricsiftError(
      `${where}column ${JSON.stringify(f.name)} has Arrow type ${String(f.type)}, which is not numeric` +
        (timeIndex >= 0 ? ` (column ${JSON.stringify(fields[timeIndex].name)} is already the time column)` : ''),
      ErrorCode.BAD_INPUT,
    );
  });

  const metricIdx = fields.map((_, i) => i).filter((i) => i !== timeIndex);
  if (metricIdx.length === 0) {
    throw new MetricsiftError(`${where}no numeric metric column (columns: ${fields.map((f) => JSON.stringify(f.name)).join(', ')})`, ErrorCode.NO_COLUMNS);
  }
  const seen = new Map<string, number>();
  for (const i of metricIdx) {
    const prev = seen.get(fields[i].name);
    if (prev !== undefined) {
      throw new MetricsiftError(`${where}duplicate column name ${JSON.stringify(fields[i].name)} (columns ${prev} and ${i})`, ErrorCode.DUPLICATE_COLUMN);
    }
    seen.set(fields[i].name, i);
  }
  // Columns toColumnTable reads in place go through it; the others are converted here.
  const inPlaceIdx = metricIdx.filter((i) => isInPlace(fields[i].type));
  const inPlace = inPlaceIdx.length ? toColumnTable(table.selectAt(inPlaceIdx) as unknown as ArrowTableLike).columns : [];
  const byIndex = new Map<number, Column>(inPlaceIdx.map((i, k) => [i, inPlace[k]]));
  const columns = metricIdx.map((i) => byIndex.get(i) ?? convertedColumn(fields[i].name, table.getChildAt(i)!));

  const result: ColumnTable = { names: columns.map((c) => c.name), columns, rows: table.numRows };
  if (source) result.source = source;
  if (timeIndex >= 0) result.time = timeStrings(table.getChildAt(timeIndex)!, fields[timeIndex].type);
  // Re-check names and lengths with the source in the messages.
  return toColumnTable(result);
}

/**
 * Builds an apache-arrow Table from a {@link ColumnTable}: a Utf8 `time` column first when the
 * table has time labels, then one Float64 column per metric. NaN values are written as NaN
 * (not null); rows marked invalid by a validity bitmap become nulls. A single Float64 chunk
 * without nulls is used without copying.
 */
export function tableToArrow(table: ColumnTable): Table {
  const fields: Field[] = [];
  const children = [];
  if (table.time) {
    let name = 'time';
    while (table.names.includes(name)) name = `_${name}`;
    const v = vectorFromArray(table.time, new Utf8());
    fields.push(new Field(name, v.type, true));
    children.push(v.data[0]);
  }
  for (const col of table.columns) {
    const { values, nullBitmap, nullCount } = flatten(col, table.rows);
    fields.push(new Field(col.name, new Float64(), nullCount > 0));
    children.push(makeData({ type: new Float64(), length: table.rows, data: values, nullBitmap, nullCount }));
  }
  const schema = new Schema(fields);
  const data = makeData({ type: new Struct(fields), length: table.rows, nullCount: 0, children });
  return new Table(schema, [new RecordBatch(schema, data)]);
}

/** One Float64Array per column plus a fresh bitmap (bit 0 = row 0) when any row is null. */
function flatten(col: Column, rows: number): { values: Float64Array; nullBitmap?: Uint8Array; nullCount: number } {
  const c0 = col.chunks[0];
  if (col.chunks.length === 1 && c0.values instanceof Float64Array && !c0.validity && c0.values.length === rows) {
    return { values: c0.values, nullCount: 0 };
  }
  const values = new Float64Array(rows);
  let bitmap: Uint8Array | undefined;
  let nullCount = 0;
  let at = 0;
  for (const ch of col.chunks) {
    const v = ch.values;
    const n = v.length;
    if (v instanceof Float64Array || v instanceof Float32Array) values.set(v, at);
    else for (let i = 0; i < n; i++) values[at + i] = v[i];
    if (ch.validity) {
      const off = ch.validityOffset ?? 0;
      for (let i = 0; i < n; i++) {
        const bit = off + i;
        if (((ch.validity[bit >> 3] >> (bit & 7)) & 1) === 0) {
          if (!bitmap) bitmap = new Uint8Array((rows + 7) >> 3).fill(0xff);
          const r = at + i;
          bitmap[r >> 3] &= ~(1 << (r & 7));
          nullCount++;
        }
      }
    }
    at += n;
  }
  return { values, nullBitmap: bitmap, nullCount };
}
