/**
 * The Arrow IPC side of the writers (src/io/write.ts), in a module of its own: importing
 * apache-arrow costs ~0.3 s of start-up, so the writers load this only when a `.arrow` file is
 * written (the CLI never loads apache-arrow for CSV or JSON in and out).
 */
import { Field, Float32, Float64, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableToIPC, vectorFromArray, type Data } from 'apache-arrow';
import { checkMatrix, type EntropyRow, type MatrixResult, type PairListResult } from './write.js';

/** The Arrow table `writeMatrix` writes: `metric` (Utf8), then one column per name. */
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

/** The Arrow IPC file of a matrix ({@link matrixToArrow}). @internal */
export function matrixArrowFile(result: MatrixResult): Uint8Array {
  return tableToIPC(matrixToArrow(result), 'file');
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
