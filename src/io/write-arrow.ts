/**
 * The Arrow IPC side of the writers (src/io/write.ts), in a module of its own: importing
 * apache-arrow costs ~0.3 s of start-up, so the writers load this only when a `.arrow` file is
 * written (the CLI never loads apache-arrow for CSV or JSON in and out).
 */
import { Field, Float32, Float64, RecordBatch, RecordBatchFileWriter, Schema, Struct, Table, Utf8, makeData, tableToIPC, vectorFromArray, type Data } from 'apache-arrow';
import { checkMatrix, type EntropyRow, type MatrixResult, type PairListResult } from './write.js';

/** The Arrow table `writeMatrix` writes: `metric` (Utf8), then one column per name. */
export function matrixToArrow(result: MatrixResult): Table {
  const m = checkMatrix(result);
  const { names, values } = result;
  const single = values instanceof Float32Array;
  const metric = vectorFromArray(names, new Utf8());
  const fields: Field[] = [new Field('metric', new Utf8(), false)];
  const children: Data[] = [metric.data[0]];
  // The columns of the row-major matrix, transposed tile by tile into one buffer: copying out one
  // column at a time strides the whole matrix per value (a cache miss each, ~1 s for 4,000²).
  const cols = single ? new Float32Array(m * m) : new Float64Array(m * m);
  const B = 64;
  for (let i0 = 0; i0 < m; i0 += B) {
    const i1 = Math.min(m, i0 + B);
    for (let j0 = 0; j0 < m; j0 += B) {
      const j1 = Math.min(m, j0 + B);
      for (let j = j0; j < j1; j++) for (let i = i0, o = j * m; i < i1; i++) cols[o + i] = values[i * m + j];
    }
  }
  for (let j = 0; j < m; j++) {
    const type = single ? new Float32() : new Float64();
    fields.push(new Field(names[j], type, false));
    children.push(makeData({ type, length: m, data: cols.subarray(j * m, (j + 1) * m), nullCount: 0 }) as Data);
  }
  return tableOf(fields, children, m);
}

function tableOf(fields: Field[], children: Data[], rows: number): Table {
  const schema = new Schema(fields);
  return new Table(schema, [new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, nullCount: 0, children }))]);
}

/** The Arrow IPC file of a matrix ({@link matrixToArrow}). @internal */
export function matrixArrowFile(result: MatrixResult): Uint8Array {
  return tableToIPC(matrixToArrow(result), 'file');
}

/** Linux's limit on the pieces of one writev (2 ** 10). */
const IOV_MAX = 2 ** 10;

/**
 * Writes the same file as {@link matrixArrowFile}, byte for byte, through `write` (given at most
 * IOV_MAX pieces at a time) without the whole matrix transposed in memory: the IPC writer lays out a
 * table whose columns all view one placeholder column (the metadata depends only on the shapes),
 * and each piece of that placeholder is replaced by the real column, transposed in blocks of ~8 MiB
 * into one reused buffer. A fresh 4,000² transpose plus the joined file cost ~0.25 GB of new pages. @internal
 */
export async function writeMatrixArrow(result: MatrixResult, write: (pieces: Uint8Array[]) => Promise<unknown>): Promise<void> {
  const m = checkMatrix(result);
  const { names, values } = result;
  const single = values instanceof Float32Array;
  const placeholder = single ? new Float32Array(m) : new Float64Array(m);
  const fields: Field[] = [new Field('metric', new Utf8(), false)];
  const children: Data[] = [vectorFromArray(names, new Utf8()).data[0]];
  for (let j = 0; j < m; j++) {
    const type = single ? new Float32() : new Float64();
    fields.push(new Field(names[j], type, false));
    children.push(makeData({ type, length: m, data: placeholder, nullCount: 0 }) as Data);
  }
  const per = Math.max(1, Math.floor((8 << 20) / Math.max(1, m * placeholder.BYTES_PER_ELEMENT)));
  const block = single ? new Float32Array(per * m) : new Float64Array(per * m);
  let batch: Uint8Array[] = [];
  const flush = async () => {
    if (batch.length) await write(batch);
    batch = [];
  };
  let col = 0;
  for await (const piece of RecordBatchFileWriter.writeAll(tableOf(fields, children, m))) {
    if (piece.buffer === placeholder.buffer && m > 0) {
      const k = col % per;
      if (k === 0) {
        await flush(); // the pieces viewing the block's last columns are out: refill it
        const c0 = col, c1 = Math.min(m, col + per);
        for (let i = 0; i < m; i++) for (let j = c0, r = i * m; j < c1; j++) block[(j - c0) * m + i] = values[r + j];
      }
      batch.push(new Uint8Array(block.buffer, k * m * block.BYTES_PER_ELEMENT, m * block.BYTES_PER_ELEMENT));
      col++;
    } else {
      batch.push(piece);
    }
    if (batch.length >= IOV_MAX) await flush();
  }
  await flush();
  if (col !== m) throw new Error(`internal: the Arrow writer laid out ${col} of ${m} matrix columns`);
}

/** The Arrow IPC file of per-metric entropies: metric, `unitsLabel`, rows_used[, missing]. @internal */
export function entropyArrowFile(rows: EntropyRow[], unitsLabel: string, withMissing: boolean): Uint8Array {
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
  return tableToIPC(tableOf(fields, children, rows.length), 'file');
}

/** The Arrow IPC file of a pair list: metric_a, metric_b, value, rows_used. @internal */
export function pairsArrowFile(pairs: PairListResult, nameOf: (k: number, idx: number) => string): Uint8Array {
  const { i: ia, j: ja, value, rowsUsed } = pairs;
  const n = ia.length;
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
  return tableToIPC(tableOf(fields, children, n), 'file');
}
