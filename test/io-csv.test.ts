import { errorOf, errorOfAsync, useTempDir } from './helpers.js';
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseCsv, readCsv } from '../src/io/csv.js';
import { readTable } from '../src/io/read.js';
import type { ColumnTable } from '../src/table.js';

/** Column values as a plain array (one chunk per CSV column). */
function col(t: ColumnTable, name: string): number[] {
  const c = t.columns[t.names.indexOf(name)];
  expect(c, `column ${name}`).toBeDefined();
  expect(c.chunks).toHaveLength(1);
  return Array.from(c.chunks[0].values);
}



const tempDir = useTempDir('csv');

describe('parseCsv: structure', () => {
  it('reads a wide CSV: time column as strings, one Float64Array per metric', () => {
    const t = parseCsv('time,a,b\n2023-01-01T00:00,1,2.5\n2023-01-01T00:01,-3,4e2\n', 'x.csv');
    expect(t.names).toEqual(['a', 'b']);
    expect(t.rows).toBe(2);
    expect(t.time).toEqual(['2023-01-01T00:00', '2023-01-01T00:01']);
    expect(t.source).toBe('x.csv');
    expect(t.columns[0].chunks[0].values).toBeInstanceOf(Float64Array);
    expect(t.columns.map((c) => c.length)).toEqual([2, 2]);
    expect(col(t, 'a')).toEqual([1, -3]);
    expect(col(t, 'b')).toEqual([2.5, 400]);
  });

  it('timeColumn: false makes every column a metric and leaves time undefined', () => {
    const t = parseCsv('a,b\n1,2\n3,4\n', 'x.csv', { timeColumn: false });
    expect(t.names).toEqual(['a', 'b']);
    expect(t.time).toBeUndefined();
    expect(col(t, 'a')).toEqual([1, 3]);
  });

  it('accepts a file without a trailing newline, and with several', () => {
    const a = parseCsv('t,a\n0,1\n1,2', 'x.csv');
    const b = parseCsv('t,a\n0,1\n1,2\n\n\n', 'x.csv');
    expect(col(a, 'a')).toEqual([1, 2]);
    expect(col(b, 'a')).toEqual([1, 2]);
    expect(b.rows).toBe(2);
    expect(b.columns[0].chunks[0].values.length).toBe(2);
  });

  it('handles CRLF line ends, including inside quoted cells and at the end', () => {
    const t = parseCsv('time,"a"\r\n0,1\r\n"1",2\r\n', 'x.csv');
    expect(t.names).toEqual(['a']);
    expect(t.time).toEqual(['0', '1']);
    expect(col(t, 'a')).toEqual([1, 2]);
  });

  it('strips a UTF-8 BOM (text and a gzip file)', async () => {
    const t = parseCsv('\uFEFFtime,a\n0,1\n', 'x.csv');
    expect(t.names).toEqual(['a']);
    const f = join(tempDir(), 'bom.csv');
    writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('time,a\n0,7\n')]));
    const u = await readCsv(f);
    expect(u.names).toEqual(['a']);
    expect(col(u, 'a')).toEqual([7]);
  });

  it('accepts lone-CR and mixed line ends', () => {
    expect(col(parseCsv('t,a\r0,1\r1,2\r', 'x.csv'), 'a')).toEqual([1, 2]);
    // One LF but three rows: the row estimate falls short and must grow.
    const mixed = 't,a\r' + Array.from({ length: 40 }, (_, i) => `${i},${i}`).join('\r') + '\n';
    expect(col(parseCsv(mixed, 'x.csv'), 'a')).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('keeps constant columns', () => {
    const t = parseCsv('t,c,v\n0,5,1\n1,5,2\n2,5,3\n', 'x.csv');
    expect(t.names).toEqual(['c', 'v']);
    expect(col(t, 'c')).toEqual([5, 5, 5]);
  });

  it('a header-only file is a table with 0 rows, not an error', () => {
    for (const text of ['time,a,b\n', 'time,a,b', 'time,a,b\r\n']) {
      const t = parseCsv(text, 'h.csv');
      expect(t.rows).toBe(0);
      expect(t.names).toEqual(['a', 'b']);
      expect(t.time).toEqual([]);
      expect(t.columns[1].chunks[0].values.length).toBe(0);
      expect(t.columns[1].length).toBe(0);
    }
  });

  it('skips blank lines but keeps counting physical lines for errors', () => {
    const t = parseCsv('t,a\n\n0,1\n\n\n1,2\n', 'x.csv');
    expect(col(t, 'a')).toEqual([1, 2]);
    const e = errorOf(() => parseCsv('t,a\n\n0,1\n\n1,zz\n', 'x.csv'));
    expect(e.code).toBe('MS_NON_NUMERIC');
    expect(e.message).toContain('line 5');
  });
});

describe('parseCsv: delimiters and options', () => {
  it('semicolon-delimited values with a comma inside a cell are rejected as non-numeric', () => {
    const e = errorOf(() => parseCsv('t;a\n0;1,5\n', 'x.csv', { delimiter: ';' }));
    expect(e.code).toBe('MS_NON_NUMERIC');
    expect(e.message).toContain('"1,5" is not a number');
  });

  it('reads tab-separated text', () => {
    const t = parseCsv('time\ta\tb\n0\t1\t2\n1\t3\t4\n', 'x.tsv', { delimiter: '\t' });
    expect(t.names).toEqual(['a', 'b']);
    expect(col(t, 'b')).toEqual([2, 4]);
  });

  it('rejects a bad delimiter or timeColumn with MS_BAD_OPTION', () => {
    expect(errorOf(() => parseCsv('a\n', 'x', { delimiter: ';;' })).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => parseCsv('a\n', 'x', { delimiter: '"' })).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => parseCsv('a\n', 'x', { timeColumn: 'yes' as unknown as boolean })).code).toBe('MS_BAD_OPTION');
  });
});

describe('parseCsv: cell values', () => {
  it('reads NaN, nan, NA, null, N/A, None and empty cells as missing (NaN)', () => {
    const t = parseCsv('t,a\n0,NaN\n1,nan\n2,NA\n3,null\n4,\n5,N/A\n6,None\n7,NULL\n8, \n9,""\n10,1\n', 'x.csv');
    const a = col(t, 'a');
    expect(a.slice(0, 10).every(Number.isNaN)).toBe(true);
    expect(a[10]).toBe(1);
  });

  it('reads an empty last cell (row ending in a delimiter) as missing', () => {
    const t = parseCsv('t,a,b\n0,1,\n1,,2', 'x.csv');
    expect(col(t, 'a')[1]).toBeNaN();
    expect(col(t, 'b')[0]).toBeNaN();
    expect(col(t, 'b')[1]).toBe(2);
  });

  it('reads inf / Infinity / -inf spellings as ±Infinity', () => {
    const t = parseCsv('t,a\n0,inf\n1,Infinity\n2,-inf\n3,-Infinity\n4,+inf\n5,INF\n', 'x.csv');
    expect(col(t, 'a')).toEqual([Infinity, Infinity, -Infinity, -Infinity, Infinity, Infinity]);
  });

  it('parses numbers exactly like Number() (fast path and fallback)', () => {
    const samples = [
      '0', '-0', '1', '+1', '007', '1.', '.5', '-.5', '3.14159', '1e5', '1E-5', '2.5e+3', '-1.25e-300',
      '0.1', '0.2', '0.30000000000000004', '123456789012345', '1234567890123456', '12345678901234567890',
      '9007199254740993', '0.31250000000000006', '4.7', '1e22', '1e23', '1.7976931348623157e308', '5e-324',
      '2.350000000000002', '21640.114990716895', ' 12 ', '1e400',
    ];
    // Plus random decimals of up to 18 digits.
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < 3000; k++) {
      const digits = 1 + Math.floor(rnd() * 18);
      let s = '';
      for (let d = 0; d < digits; d++) s += Math.floor(rnd() * 10);
      const dot = Math.floor(rnd() * (digits + 1));
      s = s.slice(0, dot) + '.' + s.slice(dot);
      if (rnd() < 0.3) s += 'e' + (Math.floor(rnd() * 60) - 30);
      if (rnd() < 0.5) s = '-' + s;
      samples.push(s);
    }
    const t = parseCsv('a\n' + samples.join('\n') + '\n', 'x.csv', { timeColumn: false });
    const got = col(t, 'a');
    const wrong = samples.filter((s, i) => !Object.is(got[i], Number(s)));
    expect(wrong).toEqual([]);
  });

  it('reads quoted fields: "" escapes, delimiters and line breaks inside quotes', () => {
    const text = 'time,"svc ""a"", cpu","multi\nline"\n"2023-01-01, 00:00","1.5",2\n"x\ny",3,"4"\n';
    const t = parseCsv(text, 'q.csv');
    expect(t.names).toEqual(['svc "a", cpu', 'multi\nline']);
    expect(t.time).toEqual(['2023-01-01, 00:00', 'x\ny']);
    expect(col(t, 'svc "a", cpu')).toEqual([1.5, 3]);
    expect(col(t, 'multi\nline')).toEqual([2, 4]);
  });

  it('counts line breaks inside quotes in error line numbers', () => {
    const e = errorOf(() => parseCsv('time,a\n"two\nlines",1\n0,bad\n', 'q.csv'));
    expect(e.code).toBe('MS_NON_NUMERIC');
    expect(e.message).toContain('line 4');
  });

  it('rejects hexadecimal and other non-decimal cells', () => {
    for (const bad of ['0x10', '1e', '-', '.', '1,0', 'abc', '12abc', '--1']) {
      const e = errorOf(() => parseCsv(`a\n${JSON.stringify(bad)}\n`, 'x.csv', { timeColumn: false }));
      expect(e.code, bad).toBe('MS_NON_NUMERIC');
    }
  });
});

describe('parseCsv: errors name the file, line and column', () => {
  it('MS_NON_NUMERIC', () => {
    const text = 'time,svc/mem,svc/cpu\n0,1,2\n1,1,2\n2,1,2\n3,1,2\n4,1,2\n5,1,abc\n';
    const e = errorOf(() => parseCsv(text, 'examples/x.csv'));
    expect(e.code).toBe('MS_NON_NUMERIC');
    expect(e.message).toBe('examples/x.csv line 7, column "svc/cpu": "abc" is not a number');
  });

  it('MS_RAGGED_ROW for too few and too many cells', () => {
    const few = errorOf(() => parseCsv('time,a,b\n0,1,2\n1,1\n', 'r.csv'));
    expect(few.code).toBe('MS_RAGGED_ROW');
    expect(few.message).toContain('r.csv line 3');
    expect(few.message).toContain('"b"');
    expect(few.message).toContain('2 cells but the header has 3');

    const onlyTime = errorOf(() => parseCsv('time,a,b\n0\n', 'r.csv'));
    expect(onlyTime.code).toBe('MS_RAGGED_ROW');
    expect(onlyTime.message).toContain('"a"');

    const many = errorOf(() => parseCsv('time,a,b\n0,1,2\n1,1,2,3,4\n', 'r.csv'));
    expect(many.code).toBe('MS_RAGGED_ROW');
    expect(many.message).toContain('r.csv line 3');
    expect(many.message).toContain('5 cells but the header has 3');
    expect(many.message).toContain('"b"');
  });

  it('MS_DUPLICATE_COLUMN', () => {
    const e = errorOf(() => parseCsv('time,a,b,a\n0,1,2,3\n', 'd.csv'));
    expect(e.code).toBe('MS_DUPLICATE_COLUMN');
    expect(e.message).toContain('d.csv line 1');
    expect(e.message).toContain('"a"');
    const later = errorOf(() => parseCsv('\n\ntime,a,a\n', 'd.csv'));
    expect(later.message).toContain('d.csv line 3');
  });

  it('MS_BAD_FORMAT for an empty file (no header)', () => {
    for (const text of ['', '\n\n', '\uFEFF', '\r\n']) {
      const e = errorOf(() => parseCsv(text, 'e.csv'));
      expect(e.code).toBe('MS_BAD_FORMAT');
      expect(e.message).toContain('e.csv');
    }
  });

  it('MS_NO_COLUMNS for a header with only the time column', () => {
    const e = errorOf(() => parseCsv('time\n0\n1\n', 'n.csv'));
    expect(e.code).toBe('MS_NO_COLUMNS');
    expect(e.message).toContain('n.csv');
    // Without a time column, one column is enough.
    expect(parseCsv('a\n1\n', 'n.csv', { timeColumn: false }).names).toEqual(['a']);
  });

  it('MS_BAD_FORMAT for an unterminated quote, naming the line it opened on', () => {
    const e = errorOf(() => parseCsv('time,a\n0,1\n1,"2\n2,3\n', 'u.csv'));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain('u.csv line 3');
    expect(e.message).toContain('unterminated quote');
  });

  it('MS_BAD_FORMAT for text after a closing quote', () => {
    const e = errorOf(() => parseCsv('time,a\n0,"1"x\n', 'u.csv'));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain('u.csv line 2');
  });
});

describe('readCsv / readTable on files', () => {
  it('reads a .csv file and names it in errors', async () => {
    const f = join(tempDir(), 'ok.csv');
    writeFileSync(f, 'time,a\n0,1\n1,x\n');
    const e = await errorOfAsync(readCsv(f));
    expect(e.code).toBe('MS_NON_NUMERIC');
    expect(e.message).toContain(`${f} line 3, column "a"`);
  });

  it('gunzips .csv.gz', async () => {
    const f = join(tempDir(), 'z.csv.gz');
    writeFileSync(f, gzipSync('time,a,b\n0,1,2\n1,3,NaN\n'));
    const t = await readCsv(f);
    expect(t.names).toEqual(['a', 'b']);
    expect(col(t, 'a')).toEqual([1, 3]);
    expect(t.source).toBe(f);
    const viaTable = await readTable(f);
    expect(col(viaTable, 'b')[1]).toBeNaN();
  });

  it('MS_BAD_FORMAT for corrupt gzip data', async () => {
    const f = join(tempDir(), 'bad.csv.gz');
    writeFileSync(f, gzipSync('time,a\n0,1\n').subarray(0, 12)); // truncated
    const e = await errorOfAsync(readCsv(f));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain(f);
  });

  it('MS_FILE_NOT_FOUND for a missing file or a directory', async () => {
    const missing = join(tempDir(), 'nope.csv');
    const e = await errorOfAsync(readCsv(missing));
    expect(e.code).toBe('MS_FILE_NOT_FOUND');
    expect(e.message).toContain(missing);
    expect((await errorOfAsync(readTable(missing))).code).toBe('MS_FILE_NOT_FOUND');
    expect((await errorOfAsync(readCsv(tempDir()))).code).toBe('MS_FILE_NOT_FOUND');
  });

  it('MS_BAD_FORMAT for an empty file on disk', async () => {
    const f = join(tempDir(), 'empty.csv');
    writeFileSync(f, '');
    const e = await errorOfAsync(readCsv(f));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain(f);
  });

  it('readTable: .tsv is tab-separated; options pass through', async () => {
    const f = join(tempDir(), 'x.TSV');
    writeFileSync(f, 'a\tb\n1\t2\n');
    const t = await readTable(f, { timeColumn: false });
    expect(t.names).toEqual(['a', 'b']);
    expect(col(t, 'b')).toEqual([2]);
  });

  it('readTable: unknown extension is MS_BAD_FORMAT naming it and the supported ones', async () => {
    const e = await errorOfAsync(readTable(join(tempDir(), 'metrics.xlsx')));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain('".xlsx"');
    expect(e.message).toContain('.csv.gz');
    expect(e.message).toContain('.arrow');
    const gz = await errorOfAsync(readTable(join(tempDir(), 'metrics.json.gz')));
    expect(gz.message).toContain('".json.gz"');
    expect((await errorOfAsync(readTable(join(tempDir(), 'README')))).code).toBe('MS_BAD_FORMAT');
  });

  it('reads the shipped Train Ticket example', async () => {
    const t = await readTable(fileURLToPath(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url)));
    expect(t.rows).toBe(741);
    expect(t.names).toHaveLength(879);
    expect(t.names[0]).toBe('front/SuccessRate(%)');
    expect(t.time).toHaveLength(741);
    expect(new Set(t.names).size).toBe(879);
    let nan = 0;
    let constant = 0;
    for (const c of t.columns) {
      const v = c.chunks[0].values;
      expect(v.length).toBe(741);
      for (let i = 0; i < v.length; i++) if (Number.isNaN(v[i])) nan++;
      if (v.every((x) => x === v[0])) constant++;
    }
    expect(nan).toBeGreaterThan(0);
    expect(constant).toBeGreaterThan(0);
  });
});

describe('performance', () => {
  it('parses a wide CSV of 253 columns × 28,800 rows (~7.3M cells) quickly', () => {
    const cols = 253;
    const rows = 28_800;
    const header = ['time', ...Array.from({ length: cols }, (_, j) => `svc${j}/metric`)].join(',');
    const lines = [header];
    for (let i = 0; i < rows; i++) {
      const cells = [`2023-01-30T${String(i % 24).padStart(2, '0')}:00:00Z`];
      for (let j = 0; j < cols; j++) cells.push(j % 13 === 0 ? 'NaN' : String(((i * 31 + j * 17) % 10007) / 8));
      lines.push(cells.join(','));
    }
    const text = lines.join('\n') + '\n';
    expect(text.length).toBeGreaterThan(30e6);
    const t0 = performance.now();
    const t = parseCsv(text, 'big.csv');
    const ms = performance.now() - t0;
    expect(t.rows).toBe(rows);
    expect(t.names).toHaveLength(cols);
    expect(t.columns[1].chunks[0].values[5]).toBe(((5 * 31 + 17) % 10007) / 8);
    // ≈0.9 s on a loaded 2-core machine. The bound is loose so that a busy CI box does not fail
    // it; it catches quadratic behaviour (e.g. re-scanning the text per row), not small slowdowns.
    expect(ms).toBeLessThan(10_000);
  });
});
