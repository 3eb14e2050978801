// Parquet through DuckDB (optional dependency): a file written by DuckDB itself, nulls, a time
// column, and the clear error when DuckDB is absent.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDuckdb, readParquet } from '../src/io/parquet.js';
import { readTable } from '../src/io/read.js';
import { errorOfAsync, useTempDir } from './helpers.js';

const tempDir = useTempDir('parquet');
const hasDuck = await loadDuckdb().then(() => true, () => false);

describe('Parquet', () => {
  it.skipIf(!hasDuck)('reads numeric columns and a time column from a file DuckDB wrote (optional dependency @duckdb/node-api)', async () => {
    const duck = await loadDuckdb();
    const file = join(tempDir(), 'm.parquet');
    const inst = await duck.DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    await conn.run(`COPY (SELECT TIMESTAMP '2023-01-30 11:00:00' + INTERVAL (i) MINUTE AS time, i::DOUBLE AS "svc/cpu",
      CASE WHEN i % 5 = 0 THEN NULL ELSE i * 2 END::INTEGER AS "svc/mem", (i % 3)::BIGINT AS "db/io"
      FROM range(20) t(i)) TO '${file}' (FORMAT parquet)`);
    conn.closeSync();
    inst.closeSync();
    const t = await readTable(file);
    expect(t.names).toEqual(['svc/cpu', 'svc/mem', 'db/io']);
    expect(t.rows).toBe(20);
    expect(Array.from(t.columns[0].chunks[0].values.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Number.isNaN(t.columns[1].chunks[0].values[5])).toBe(true);
    expect(t.columns[1].chunks[0].values[6]).toBe(12);
    expect(t.columns[2].chunks[0].values[4]).toBe(1);
    expect(t.time![1]).toMatch(/^2023-01-30.11:01/);
  });
  it('says how to install DuckDB when it is missing, and names a bad file', async () => {
    const e = await errorOfAsync(loadDuckdb(() => Promise.reject(new Error("Cannot find package '@duckdb/node-api'"))));
    expect(e.code).toBe('MS_MISSING_DEPENDENCY');
    expect(e.message).toMatch(/npm install @duckdb\/node-api/);
    expect((await errorOfAsync(readParquet(join(tempDir(), 'none.parquet')))).code).toBe('MS_FILE_NOT_FOUND');
    if (hasDuck) {
      const bad = join(tempDir(), 'bad.parquet');
      (await import('node:fs')).writeFileSync(bad, 'not parquet');
      expect((await errorOfAsync(readParquet(bad))).code).toBe('MS_BAD_FORMAT');
    }
  });
});
