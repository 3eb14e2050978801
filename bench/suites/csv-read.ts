/**
 * One side of the CSV ingestion benchmark (bench/csv.ts runs each in a fresh process):
 *   metricsift <file> <reps>   readCsv, whole table in memory (Float64Array per metric)
 *   duckdb <file> <reps>       DuckDB's read_csv into an in-memory table (@duckdb/node-api)
 *   writers <reps>             writeMatrix: CSV of a 253² matrix, Arrow IPC of a 4,000² one
 * Prints one JSON line: {times: seconds[], ...}.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsv } from '../../src/index.js';
import { writeMatrix } from '../../src/io/write.js';
import { time } from '../common.js';

const [mode, a, b] = process.argv.slice(2);

if (mode === 'metricsift') {
  let shape = '';
  const t = await time(async () => { const tb = await readCsv(a); shape = `${tb.rows}x${tb.names.length}`; }, Number(b));
  console.log(JSON.stringify({ ...t, shape }));
} else if (mode === 'duckdb') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  let k = 0;
  const t = await time(async () => { await con.run(`CREATE TABLE t${k++} AS SELECT * FROM read_csv('${a.replaceAll("'", "''")}')`); }, Number(b));
  const r = await con.runAndReadAll(`SELECT count(*) FROM t0`);
  console.log(JSON.stringify({ ...t, shape: `${r.getRows()[0][0]} rows`, threads: String((await (await con.runAndReadAll(`SELECT current_setting('threads')`)).getRows())[0][0]) }));
} else if (mode === 'writers') {
  const dir = mkdtempSync(join(tmpdir(), 'ms-bench-'));
  const matrix = (m: number) => {
    const values = new Float64Array(m * m);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i) * 0.5 + 0.5;
    return { names: Array.from({ length: m }, (_, j) => `svc${j}/metric`), size: m, values, rowsUsed: new Uint32Array(m * m).fill(28800), measure: 'mi' };
  };
  const small = matrix(253), big = matrix(4000);
  const csv = await time(() => writeMatrix(join(dir, 'm.csv'), small), Number(a));
  const arrow = await time(() => writeMatrix(join(dir, 'm.arrow'), big), Number(a));
  const sizes = { csvBytes: statSync(join(dir, 'm.csv')).size, arrowBytes: statSync(join(dir, 'm.arrow')).size };
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ csv, arrow, ...sizes }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
