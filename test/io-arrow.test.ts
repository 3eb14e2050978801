import { errorOf, errorOfAsync, useTempDir } from './helpers.js';
import { describe, it, expect } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Float16,
  Float64,
  Int64,
  RecordBatch,
  Table,
  TimestampMillisecond,
  tableFromArrays,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import { arrowToColumnTable, readArrow, tableToArrow } from '../src/io/arrow.js';
import { readTable } from '../src/io/read.js';
import type { ColumnChunk, ColumnTable } from '../src/table.js';

function isValid(ch: ColumnChunk, i: number): boolean {
  if (!ch.validity) return true;
  const bit = (ch.validityOffset ?? 0) + i;
  return ((ch.validity[bit >> 3] >> (bit & 7)) & 1) === 1;
}

/** A column's values with invalid rows as null, over all chunks. */
function rowsOf(t: ColumnTable, name: string): (number | null)[] {
  const c = t.columns[t.names.indexOf(name)];
  expect(c, `column ${name}`).toBeDefined();
  return c.chunks.flatMap((ch) => Array.from(ch.values, (v, i) => (isValid(ch, i) ? v : null)));
}



const tempDir = useTempDir('arrow');

describe('arrowToColumnTable', () => {
  it('is zero-copy: the Float64Array is the Arrow buffer view', () => {
    const a = new Float64Array([1, 2, 3, 4]);
    const arrow = tableFromArrays({ time: ['t0', 't1', 't2', 't3'], a });
    const t = arrowToColumnTable(arrow);
    const v = t.columns[0].chunks[0].values;
    const arrowValues = arrow.getChild('a')!.data[0].values;
    expect(v.buffer).toBe(arrowValues.buffer);
    expect(v.byteOffset).toBe(arrowValues.byteOffset);
    arrowValues[2] = 42; // a write through Arrow is seen through the ColumnTable
    expect(v[2]).toBe(42);
    expect(t.time).toEqual(['t0', 't1', 't2', 't3']);
    expect(t.names).toEqual(['a']);
  });

  it('keeps validity bitmaps for nulls', () => {
    const arrow = new Table({ x: vectorFromArray([1, null, 3, null, 5], new Float64()) });
    const t = arrowToColumnTable(arrow);
    const ch = t.columns[0].chunks[0];
    expect(ch.validity).toBeInstanceOf(Uint8Array);
    expect(ch.validityOffset).toBe(0);
    expect(rowsOf(t, 'x')).toEqual([1, null, 3, null, 5]);
  });

  it('handles a slice(3, 10) whose validity offset is not a multiple of 8', () => {
    const src = Array.from({ length: 20 }, (_, i) => (i % 4 === 1 ? null : i * 1.5));
    const arrow = new Table({ x: vectorFromArray(src, new Float64()) }).slice(3, 10);
    const t = arrowToColumnTable(arrow);
    expect(t.rows).toBe(7);
    const ch = t.columns[0].chunks[0];
    expect(ch.values.length).toBe(7);
    expect(ch.validityOffset).toBe(3);
    expect(ch.values[0]).toBe(4.5); // values are already offset
    expect(rowsOf(t, 'x')).toEqual(src.slice(3, 10));
  });

  it('keeps multiple record batches as chunks', () => {
    const b1 = tableFromArrays({ a: new Float64Array([1, 2]), b: new Int32Array([5, 6]) }).batches[0];
    const b2 = tableFromArrays({ a: new Float64Array([3, 4, 5]), b: new Int32Array([7, 8, 9]) }).batches[0];
    const arrow = new Table([b1, b2]);
    const t = arrowToColumnTable(arrow);
    expect(t.rows).toBe(5);
    expect(t.columns[0].chunks).toHaveLength(2);
    expect(t.columns[1].chunks[1].values).toBeInstanceOf(Int32Array);
    expect(rowsOf(t, 'a')).toEqual([1, 2, 3, 4, 5]);
    expect(rowsOf(t, 'b')).toEqual([5, 6, 7, 8, 9]);
  });

  it('converts Int64 and Float16 columns to Float64, keeping nulls', () => {
    const arrow = new Table({
      big: vectorFromArray([1n, null, 3n], new Int64()),
      half: vectorFromArray([0.5, 1.5, null], new Float16()),
    });
    const t = arrowToColumnTable(arrow);
    expect(t.columns[0].chunks[0].values).toBeInstanceOf(Float64Array);
    expect(rowsOf(t, 'big')).toEqual([1, null, 3]);
    expect(rowsOf(t, 'half')).toEqual([0.5, 1.5, null]);
  });

  it('takes a time-named string or timestamp column as time, wherever it is', () => {
    const ts = vectorFromArray([new Date(Date.UTC(2023, 0, 30, 11, 39)), new Date(Date.UTC(2023, 0, 30, 11, 40))], new TimestampMillisecond());
    const t = arrowToColumnTable(new Table({ a: vectorFromArray([1, 2], new Float64()), timestamp: ts }));
    expect(t.names).toEqual(['a']);
    expect(t.time).toEqual(['2023-01-30T11:39:00.000Z', '2023-01-30T11:40:00.000Z']);
  });

  it('takes a non-numeric first column as time, whatever its name', () => {
    const t = arrowToColumnTable(tableFromArrays({ when: ['x', 'y'], a: new Float64Array([1, 2]) }));
    expect(t.time).toEqual(['x', 'y']);
    expect(t.names).toEqual(['a']);
  });

  it('rejects any other non-numeric column with MS_BAD_INPUT naming it', () => {
    const e = errorOf(() =>
      arrowToColumnTable(tableFromArrays({ a: new Float64Array([1, 2]), host: ['h1', 'h2'] }), 'f.arrow'),
    );
    expect(e.code).toBe('MS_BAD_INPUT');
    expect(e.message).toContain('"host"');
    expect(e.message).toContain('f.arrow');
    const two = errorOf(() =>
      arrowToColumnTable(tableFromArrays({ time: ['a', 'b'], a: new Float64Array([1, 2]), timestamp: ['c', 'd'] })),
    );
    expect(two.code).toBe('MS_BAD_INPUT');
    expect(two.message).toContain('"timestamp"');
  });

  it('MS_DUPLICATE_COLUMN for two metric columns with one name', () => {
    const dup: ColumnTable = {
      names: ['a', 'a'],
      columns: [0, 1].map(() => ({ name: 'a', chunks: [{ values: new Float64Array([1]) }], length: 1 })),
      rows: 1,
    };
    const e = errorOf(() => arrowToColumnTable(tableToArrow(dup), 'dup.arrow'));
    expect(e.code).toBe('MS_DUPLICATE_COLUMN');
    expect(e.message).toContain('dup.arrow');
    expect(e.message).toContain('"a"');
  });

  it('MS_NO_COLUMNS when only a time column is left', () => {
    const e = errorOf(() => arrowToColumnTable(tableFromArrays({ time: ['a', 'b'] }), 'f.arrow'));
    expect(e.code).toBe('MS_NO_COLUMNS');
  });
});

describe('readArrow', () => {
  it('reads an IPC file zero-copy from the file buffer, with the time column', async () => {
    const n = 1000;
    const f = join(tempDir(), 'x.arrow');
    const a = Float64Array.from({ length: n }, (_, i) => i / 4);
    writeFileSync(f, tableToIPC(tableFromArrays({ time: Array.from({ length: n }, (_, i) => `t${i}`), a }), 'file'));
    const t = await readArrow(f);
    expect(t.rows).toBe(n);
    expect(t.source).toBe(f);
    expect(t.time![999]).toBe('t999');
    const v = t.columns[0].chunks[0].values;
    expect(Array.from(v)).toEqual(Array.from(a));
    // The view points into the buffer holding the whole file, not into a copy of the column.
    expect(v.buffer.byteLength).toBeGreaterThanOrEqual(statSync(f).size);
    expect(v.byteOffset).toBeGreaterThan(0);
  });

  it('reads the stream format and multiple record batches (.ipc), also when streamed', async () => {
    const b1 = tableFromArrays({ a: new Float64Array([1, NaN]) }).batches[0];
    const b2 = tableFromArrays({ a: new Float64Array([3]) }).batches[0];
    const f = join(tempDir(), 'x.ipc');
    writeFileSync(f, tableToIPC(new Table([b1, b2]), 'stream'));
    for (const t of [await readArrow(f), await readArrow(f, { streamAboveBytes: 0 }), await readTable(f)]) {
      expect(t.columns[0].chunks).toHaveLength(2);
      expect(rowsOf(t, 'a')).toEqual([1, NaN, 3]);
    }
  });

  it('reads nulls and slices written to a file', async () => {
    const src = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? null : i));
    const f = join(tempDir(), 'nulls.feather');
    writeFileSync(f, tableToIPC(new Table({ x: vectorFromArray(src, new Float64()) }).slice(3, 10), 'file'));
    const t = await readTable(f);
    expect(rowsOf(t, 'x')).toEqual(src.slice(3, 10));
  });

  it('MS_FILE_NOT_FOUND, and MS_BAD_FORMAT for empty or non-Arrow files', async () => {
    const missing = join(tempDir(), 'missing.arrow');
    const e1 = await errorOfAsync(readArrow(missing));
    expect(e1.code).toBe('MS_FILE_NOT_FOUND');
    expect(e1.message).toContain(missing);
    expect((await errorOfAsync(readArrow(tempDir()))).code).toBe('MS_FILE_NOT_FOUND');

    const empty = join(tempDir(), 'empty.arrow');
    writeFileSync(empty, '');
    const e2 = await errorOfAsync(readArrow(empty));
    expect(e2.code).toBe('MS_BAD_FORMAT');
    expect(e2.message).toContain(empty);

    const junk = join(tempDir(), 'junk.arrow');
    writeFileSync(junk, 'time,a\n0,1\n');
    const e3 = await errorOfAsync(readArrow(junk));
    expect(e3.code).toBe('MS_BAD_FORMAT');
    expect(e3.message).toContain(junk);
  });

  it('MS_BAD_INPUT naming a non-numeric column in a file', async () => {
    const f = join(tempDir(), 'str.arrow');
    writeFileSync(f, tableToIPC(tableFromArrays({ time: ['a'], a: new Float64Array([1]), pod: ['p'] }), 'file'));
    const e = await errorOfAsync(readArrow(f));
    expect(e.code).toBe('MS_BAD_INPUT');
    expect(e.message).toContain('"pod"');
    expect(e.message).toContain(f);
  });
});

describe('tableToArrow', () => {
  it('writes Float64 columns, keeps NaN as NaN (not null), and a time column first', () => {
    const values = new Float64Array([1, NaN, 3]);
    const t: ColumnTable = { names: ['a'], columns: [{ name: 'a', chunks: [{ values }], length: 3 }], rows: 3, time: ['x', 'y', 'z'] };
    const arrow = tableToArrow(t);
    expect(arrow.schema.fields.map((f) => f.name)).toEqual(['time', 'a']);
    expect(String(arrow.schema.fields[1].type)).toBe('Float64');
    const a = arrow.getChild('a')!;
    expect(a.nullCount).toBe(0);
    expect(a.get(1)).toBeNaN();
    expect(a.data[0].values).toBe(values); // a single Float64 chunk is not copied
    expect(arrow.getChild('time')!.toArray()).toEqual(['x', 'y', 'z']);
  });

  it('concatenates chunks, converts integer arrays and turns invalid rows into nulls', () => {
    const validity = new Uint8Array([0b11111101]); // b: row 1 is null
    const t: ColumnTable = {
      names: ['a', 'b'],
      columns: [
        { name: 'a', chunks: [{ values: new Float64Array([1, 2]) }, { values: new Float64Array([3, 4, 5]), validity: new Uint8Array([0b11101111]), validityOffset: 3 /* bit 4: a's row 3 is null */ }], length: 5 },
        { name: 'b', chunks: [{ values: new Int32Array([7, 8, 9, 10, 11]), validity, validityOffset: 0 }], length: 5 },
      ],
      rows: 5,
    };
    const arrow = tableToArrow(t);
    expect(arrow.getChild('a')!.toArray().length).toBe(5);
    expect([...arrow.getChild('a')!]).toEqual([1, 2, 3, null, 5]);
    expect([...arrow.getChild('b')!]).toEqual([7, null, 9, 10, 11]);
    expect(String(arrow.getChild('b')!.type)).toBe('Float64');
  });

  it('round-trips through an Arrow IPC file', async () => {
    const src = tableFromArrays({ time: ['t0', 't1', 't2'], a: new Float64Array([0.1, NaN, -Infinity]), b: new Float32Array([1, 2, 3]) });
    const t = arrowToColumnTable(src);
    const f = join(tempDir(), 'round.arrow');
    writeFileSync(f, tableToIPC(tableToArrow(t), 'file'));
    const back = await readArrow(f);
    expect(back.names).toEqual(['a', 'b']);
    expect(back.time).toEqual(['t0', 't1', 't2']);
    expect(rowsOf(back, 'a')).toEqual([0.1, NaN, -Infinity]);
    expect(rowsOf(back, 'b')).toEqual([1, 2, 3]);
  });

  it('renames the time column if a metric is already called "time"', () => {
    const t: ColumnTable = { names: ['time'], columns: [{ name: 'time', chunks: [{ values: new Float64Array([1]) }], length: 1 }], rows: 1, time: ['x'] };
    expect(tableToArrow(t).schema.fields.map((f) => f.name)).toEqual(['_time', 'time']);
  });

  it('builds one record batch', () => {
    const t: ColumnTable = { names: ['a'], columns: [{ name: 'a', chunks: [{ values: new Float64Array([1, 2]) }], length: 2 }], rows: 2 };
    const arrow = tableToArrow(t);
    expect(arrow.batches[0]).toBeInstanceOf(RecordBatch);
    expect(arrow.numRows).toBe(2);
  });
});
