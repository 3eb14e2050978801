// Long-format tables (time, metric[, labels…], value) pivoted to wide: names as Prometheus folds
// labels, rows the distinct times in order, gaps missing, duplicates refused naming both rows; CSV
// (detected or --long), Parquet through DuckDB when installed, and scan on a long file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { columnValues } from '../src/analysis/coding.js';
import { parseLongCsv, readLongCsv } from '../src/io/long.js';
import { readTable } from '../src/io/read.js';
import { cli, cliBuilt, errorOfAsync, useTempDir } from './helpers.js';

const tempDir = useTempDir('long');
const LONG = [
  'timestamp,metric,job,instance,code,value',
  '2026-12-01T00:01:00Z,http_requests_total,api,a:80,200,11',
  '2026-12-01T00:00:00Z,http_requests_total,api,a:80,200,10',
  '2026-12-01T00:00:00Z,http_requests_total,api,a:80,500,1',
  '2026-12-01T00:02:00Z,http_requests_total,api,a:80,200,12',
  '2026-12-01T00:00:00Z,up,api,a:80,,1',
  '2026-12-01T00:02:00Z,up,api,a:80,,0',
  '2026-12-01T00:01:00Z,"temp, C",,,,21.5',
].join('\n') + '\n';

const values = (t: { names: string[]; columns: Parameters<typeof columnValues>[0][] }, name: string) => Array.from(columnValues(t.columns[t.names.indexOf(name)]));

describe('long-format CSV', () => {
  it('pivots to one column per metric and label set, named as Prometheus folds labels', () => {
    const t = parseLongCsv(LONG, 'x.csv');
    expect(t.time).toEqual(['2026-12-01T00:00:00Z', '2026-12-01T00:01:00Z', '2026-12-01T00:02:00Z']);
    expect(t.names.sort()).toEqual([
      'api/http_requests_total{code="200",instance="a:80"}',
      'api/http_requests_total{code="500",instance="a:80"}',
      'api/up{instance="a:80"}',
      'temp, C',
    ]);
    const p = parseLongCsv(LONG, 'x.csv');
    expect(values(p, 'api/http_requests_total{code="200",instance="a:80"}')).toEqual([10, 11, 12]);
    expect(values(p, 'api/http_requests_total{code="500",instance="a:80"}')).toEqual([1, NaN, NaN]);
    expect(values(p, 'api/up{instance="a:80"}')).toEqual([1, NaN, 0]);
    expect(values(p, 'temp, C')).toEqual([NaN, 21.5, NaN]);
    expect(p.series!['api/up{instance="a:80"}']).toEqual({ metric: 'up', labels: { job: 'api', instance: 'a:80' } });
  });
  it('is detected by readTable from the header (gzip too), or forced with long; wide files are untouched', async () => {
    const f = join(tempDir(), 'long.csv.gz');
    writeFileSync(f, gzipSync(LONG));
    const t = await readTable(f);
    expect(t.names).toHaveLength(4);
    expect(t.rows).toBe(3);
    const g = join(tempDir(), 'odd.csv');
    writeFileSync(g, 'ts,name,v,value\n1,a,x,1\n2,a,x,2\n');  // "ts" and "name" are a long header too
    expect((await readTable(g)).names).toEqual(['a{v="x"}']);
    const w = join(tempDir(), 'wide.csv');
    writeFileSync(w, 'time,a,b\n1,2,3\n2,3,4\n');
    expect((await readTable(w)).names).toEqual(['a', 'b']);
    expect((await errorOfAsync(readLongCsv(w))).code).toBe('MS_BAD_FORMAT');
  });
  it('orders times numerically (epoch seconds), and one instant spelled twice is one row', () => {
    const t = parseLongCsv('time,metric,value\n10,a,1\n9,a,0\n100,a,2\n', 'e.csv');
    expect(t.time).toEqual(['9', '10', '100']);
    expect(values(t, 'a')).toEqual([0, 1, 2]);
    const u = parseLongCsv('time,metric,value\n2026-12-01T00:00:00Z,a,1\n2026-12-01T00:00:00.000Z,b,2\n', 'u.csv');
    expect(u.rows).toBe(1);
  });
  it('refuses a duplicate (time, metric, labels) naming both rows, and bad cells naming the row', () => {
    const dup = LONG + '2026-12-01T00:00:00Z,up,api,a:80,,1\n';
    expect(() => parseLongCsv(dup, 'd.csv')).toThrow(expect.objectContaining({
      code: 'MS_DUPLICATE_ROW', message: expect.stringMatching(/d\.csv: data rows 5 and 8 both give api\/up\{instance="a:80"\} at time 2026-12-01T00:00:00Z/),
    }));
    expect(() => parseLongCsv('time,metric,value\n1,a,x\n', 'n.csv')).toThrow(expect.objectContaining({ code: 'MS_NON_NUMERIC', message: expect.stringMatching(/data row 1/) }));
    expect(() => parseLongCsv('time,metric,value\nnope,a,1\n', 't.csv')).toThrow(expect.objectContaining({ code: 'MS_BAD_INPUT', message: expect.stringMatching(/"nope" is not a date/) }));
    expect(() => parseLongCsv('time,metric,value\n', 'e.csv')).toThrow(expect.objectContaining({ code: 'MS_NO_ROWS' }));
  });
  it.skipIf(!cliBuilt)('scan reads a long file (detected, and with --long)', async () => {
    const rows = ['time,metric,service,value'];
    for (let r = 0; r < 60; r++) {
      rows.push(`${r},cpu,cart,${Math.sin(r)}`, `${r},mem,cart,${Math.sin(r) * 2 + 1}`, `${r},lat,web,${Math.cos(r / 3)}`);
    }
    const f = join(tempDir(), 'scan-long.csv');
    writeFileSync(f, rows.join('\n') + '\n');
    const r = await cli('scan', f, '--out', join(tempDir(), 'sl'), '--iterations', '5', '--long');
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/read 3 metrics × 60 rows/);
    expect(r.stdout + r.stderr).toMatch(/cart: \d/);
  }, 60_000);
});

const duck = await import('@duckdb/node-api').then(() => true, () => false);
describe.skipIf(!duck)('long-format Parquet (optional dependency @duckdb/node-api)', () => {
  it('pivots like the CSV, and refuses duplicates naming both rows', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const csv = join(tempDir(), 'p.csv'), pq = join(tempDir(), 'p.parquet'), dpq = join(tempDir(), 'dup.parquet');
    writeFileSync(csv, LONG);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${pq}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true) UNION ALL SELECT * FROM read_csv('${csv}', all_varchar = true) LIMIT 9) TO '${dpq}' (FORMAT parquet)`);
    c.closeSync();
    db.closeSync();
    const t = await readTable(pq);
    const want = parseLongCsv(LONG, 'x.csv');
    expect([...t.names].sort()).toEqual([...want.names].sort());
    for (const n of want.names) expect(values(t, n)).toEqual(values(want, n));
    expect((await errorOfAsync(readTable(dpq))).code).toBe('MS_DUPLICATE_ROW');
  });
});
