/**
 * The native CSV reader (parseCsvBytes, used by readCsv) against the JS parser (parseCsv), the
 * reference: same values bit for bit, same time labels and names, same error code and message.
 */
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseCsv, parseCsvBytes, readCsv, type CsvOptions } from '../src/io/csv.js';
import type { ColumnTable } from '../src/table.js';
import { useTempDir } from './helpers.js';

const tempDir = useTempDir('csv-native');

/** Bits of a float64, so that -0 and NaN compare exactly. */
function bits(v: ArrayLike<number>): string[] {
  const f = new Float64Array(1);
  const u = new BigUint64Array(f.buffer);
  return Array.from(v, (x) => { f[0] = x; return Number.isNaN(x) ? 'NaN' : u[0].toString(16); });
}

function plain(t: ColumnTable) {
  return { names: t.names, rows: t.rows, time: t.time, source: t.source, columns: t.columns.map((c) => ({ name: c.name, length: c.length, values: bits(c.chunks[0].values) })) };
}

type Outcome = { ok: ReturnType<typeof plain> } | { code: string; message: string };

async function outcome(f: () => ColumnTable | Promise<ColumnTable>): Promise<Outcome> {
  try {
    return { ok: plain(await f()) };
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { code: String(err.code), message: err.message };
  }
}

/** The native reader gives exactly what the JS parser gives, on one thread and on several. */
async function same(text: string, options: CsvOptions = {}): Promise<Outcome> {
  const js = await outcome(() => parseCsv(text, 'x.csv', options));
  for (const threads of [1, 3]) {
    const native = await outcome(() => parseCsvBytes(Buffer.from(text, 'utf8'), 'x.csv', { ...options, threads }));
    expect(native, `threads ${threads}: ${JSON.stringify(text.slice(0, 80))}`).toEqual(js);
  }
  return js;
}

describe('native CSV reader: floats exactly as Number()', () => {
  it('tricky values round-trip bit for bit', async () => {
    const cells = [
      '0.1', '0.2', '0.3', '-0', '+0', '0', '-0.0', '1e-320', '4.9e-324', '5e-324', '2e-324', '1e-400', '-1e-400',
      '2.2250738585072011e-308', '2.2250738585072014e-308', '1.7976931348623157e308', '1.7976931348623158e308',
      '1.7976931348623159e308', '1e308', '1e309', '-1e400', '9007199254740992', '9007199254740993', '9007199254740995',
      '18446744073709551615', '18446744073709551616', '0.30000000000000004', '3.141592653589793238462643383279502884197',
      '123456789012345678901234567890', '0.000000000000000000000000000000000000001', '1' + '0'.repeat(300),
      '0.' + '3'.repeat(800), '1e22', '1e23', '8.5e-323', '.5', '5.', '+.5', '-.5e-3', '1E+2', '1e-0', '00012.50',
      '7.2057594037927933e16', '2.5e-324', '4.94065645841246544e-324', '1.00000000000000011102230246251565404236316680908203125',
      '1.00000000000000011102230246251565404236316680908203124', '1.00000000000000011102230246251565404236316680908203126',
      '1e0000000000000000000000000005', '12345678.123456789', '-98765432109876543.21',
    ];
    const text = 'a\n' + cells.join('\n') + '\n';
    const t = await parseCsvBytes(Buffer.from(text), 'x.csv', { timeColumn: false });
    const got = Array.from(t.columns[0].chunks[0].values);
    const wrong = cells.filter((s, i) => !Object.is(got[i], Number(s)));
    expect(wrong).toEqual([]);
    await same(text, { timeColumn: false });
  });

  it('random decimals of 1-25 digits, with and without exponents', async () => {
    let seed = 987654321;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const cells: string[] = [];
    for (let k = 0; k < 20_000; k++) {
      const digits = 1 + Math.floor(rnd() * 25);
      let s = '';
      for (let d = 0; d < digits; d++) s += Math.floor(rnd() * 10);
      const dot = Math.floor(rnd() * (digits + 1));
      if (rnd() < 0.8) s = s.slice(0, dot) + '.' + s.slice(dot);
      if (rnd() < 0.4) s += (rnd() < 0.5 ? 'e' : 'E') + (Math.floor(rnd() * 700) - 350);
      if (rnd() < 0.5) s = '-' + s;
      cells.push(s);
    }
    // Shortest round-trip texts of random doubles (what exporters write).
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    for (let k = 0; k < 20_000; k++) {
      u[0] = Math.floor(rnd() * 2 ** 32); u[1] = Math.floor(rnd() * 2 ** 32);
      if (Number.isFinite(f[0])) cells.push(String(f[0]));
    }
    const text = 't,a,b\n' + cells.map((c, i) => `${i},${c},${cells[cells.length - 1 - i]}`).join('\n') + '\n';
    const t = await parseCsvBytes(Buffer.from(text), 'x.csv');
    const a = t.columns[0].chunks[0].values;
    const wrong = cells.filter((s, i) => !Object.is(a[i], Number(s)));
    expect(wrong).toEqual([]);
    await same(text);
  });
});

describe('native CSV reader: same tables and errors as the JS parser', () => {
  const cases: [string, CsvOptions?][] = [
    ['time,a,b\n2023-01-01T00:00,1,2.5\n2023-01-01T00:01,-3,4e2\n'],
    ['a,b\n1,2\n3,4\n', { timeColumn: false }],
    ['t,a\n0,1\n1,2'], ['t,a\n0,1\n1,2\n\n\n'], ['time,"a"\r\n0,1\r\n"1",2\r\n'], ['\uFEFFtime,a\n0,1\n'],
    ['t,a\r0,1\r1,2\r'], ['t,a\r' + Array.from({ length: 40 }, (_, i) => `${i},${i}`).join('\r') + '\n'],
    ['time,a,b\n'], ['time,a,b'], ['time,a,b\r\n'], ['t,a\n\n0,1\n\n\n1,2\n'], ['t,a\n\n0,1\n\n1,zz\n'],
    ['t;a\n0;1,5\n', { delimiter: ';' }], ['time\ta\tb\n0\t1\t2\n1\t3\t4\n', { delimiter: '\t' }],
    ['t,a\n0,NaN\n1,nan\n2,NA\n3,null\n4,\n5,N/A\n6,None\n7,NULL\n8, \n9,""\n10,1\n11,-nan\n12,nUlL\n'],
    ['t,a,b\n0,1,\n1,,2'], ['t,a\n0,inf\n1,Infinity\n2,-inf\n3,-Infinity\n4,+inf\n5,INF\n6,+Infinity\n7,-INFINITY\n'],
    ['t,a\n0, 12 \n1,\t3\n2,1e400\n3,-1e400\n4,1e-400\n5,"4"\n6,"1""2"\n7,\u00a05\n8,  inf \n'],
    ['time,"svc ""a"", cpu","multi\nline"\n"2023-01-01, 00:00","1.5",2\n"x\ny",3,"4"\n'],
    ['time,a\n"two\nlines",1\n0,bad\n'],
    ...['0x10', '1e', '-', '.', '1,0', 'abc', '12abc', '--1', '1e5x', '0b1', '1_000', 'Infinityx', '+-1', '1.2.3', 'e5'].map(
      (bad): [string, CsvOptions] => [`a\n${JSON.stringify(bad)}\n`, { timeColumn: false }],
    ),
    ...['0x10', '1e', '-', '.', 'abc', '12abc', '--1', '1e5x', '0b1', '1_000', '1.2.3', 'e5', '1e+'].map((bad): [string] => [`t,a\n0,1\n1,${bad}\n`]),
    ['time,svc/mem,svc/cpu\n0,1,2\n1,1,2\n2,1,2\n3,1,2\n4,1,2\n5,1,abc\n'],
    ['time,a,b\n0,1,2\n1,1\n'], ['time,a,b\n0\n'], ['time,a,b\n0,1,2\n1,1,2,3,4\n'], ['time,a,b,a\n0,1,2,3\n'], ['\n\ntime,a,a\n'],
    [''], ['\n\n'], ['\uFEFF'], ['\r\n'], ['time\n0\n1\n'], ['a\n1\n', { timeColumn: false }],
    ['time,a\n0,1\n1,"2\n2,3\n'], ['time,a\n0,"1"x\n'], ['time,a\n0,1"2\n'], ['"unclosed,a\n0,1\n'],
    ['t,a,b\n0,1,2\n1,NaN,3\n2,3,x\n3,,\n'], ['t,é,ü\n0,1,2\n\u00e9t\u00e9,3,4\n'], ['t,a\n0,1\n\n\r\n\r1,2\r\n'],
    ['t,a,b\n0,1,2,\n'], ['t,a\n0,1\n1,2\n2'], ['a\n\n\n1\n', { timeColumn: false }],
  ];
  it('on every structural and cell case of the JS parser', async () => {
    for (const [text, options] of cases) await same(text, options);
  });

  it('on chunked input (several threads, quoted and unquoted, errors late in the file)', async () => {
    const rows = 45_000;
    const lines = ['time,a,b,c'];
    for (let i = 0; i < rows; i++) lines.push(`2023-01-01T${i},${(i * 0.37).toFixed(i % 17)},${i % 11 === 0 ? 'NaN' : -i / 7},${i % 5 === 0 ? '' : i}`);
    const text = lines.join('\n') + '\n';
    expect(text.length).toBeGreaterThan(2 << 20);
    const ok = await same(text);
    expect('ok' in ok && ok.ok.rows).toBe(rows);
    await same(text.replace(/\n/g, '\r\n'));
    await same(text + 'late,1,2\n');
    await same(text + 'late,1,2,x\n');
    await same(text.replace('2023-01-01T19000,', '"2023-01-01\n19000",'));
    await same(text.replace('2023-01-01T45000,', '2023-01-01T45000,x'));
    await same(text.replace('2023-01-01T5000,', '2023-01-01T5000,"2"'));
    await same(text.replace(/\n2023-01-01T1200,/, '\n\n\n2023-01-01T1200,'));
  });

  /** readCsv of `gz` (inflated natively, beside the parsing) gives what parseCsv gives on `text`. */
  async function sameGzip(text: string, gz: Uint8Array, options: CsvOptions = {}): Promise<Outcome> {
    const f = join(tempDir(), 'g.csv.gz');
    writeFileSync(f, gz);
    const js = await outcome(() => parseCsv(text, f, options));
    for (const threads of [1, 3]) {
      expect(await outcome(() => readCsv(f, { ...options, threads })), `threads ${threads}: ${JSON.stringify(text.slice(0, 80))}`).toEqual(js);
    }
    return js;
  }

  it('on gzip files: every case above, one member or several', async () => {
    for (const [text, options] of cases) {
      await sameGzip(text, gzipSync(text), options);
      const cut = text.length >> 1; // two members (`cat a.gz b.gz`): the trailer's size is only the last one's
      await sameGzip(text, Buffer.concat([gzipSync(text.slice(0, cut)), gzipSync(text.slice(cut))]), options);
    }
  });

  it('on large gzip files (parsed in pieces while inflating), with quotes, CRLF, a bad cell late', async () => {
    const rows = 80_000;
    const lines = ['time,a,b,c'];
    for (let i = 0; i < rows; i++) lines.push(`2023-01-01T${i},${(i * 0.37).toFixed(i % 17)},${i % 11 === 0 ? 'NaN' : -i / 7},${i % 5 === 0 ? '' : i}`);
    const text = lines.join('\n') + '\n';
    expect(text.length).toBeGreaterThan(3 << 20); // pieces of 1-4 MiB
    const ok = await sameGzip(text, gzipSync(text, { level: 1 }));
    expect('ok' in ok && ok.ok.rows).toBe(rows);
    for (const t of [
      text.replace(/\n/g, '\r\n'), text + 'late,1,2', text.replace('2023-01-01T70000,', '2023-01-01T70000,x'),
      text.replace('2023-01-01T60000,', '"2023-01-01\n60000",'),
    ]) await sameGzip(t, gzipSync(t, { level: 1 }));
  });

  it('on broken gzip: truncated, corrupt or with trailing bytes, as the JS reader says', async () => {
    const text = 'time,a\n' + Array.from({ length: 5000 }, (_, i) => `${i},${i / 3}`).join('\n') + '\n';
    const gz = gzipSync(text);
    const f = join(tempDir(), 'broken.csv.gz');
    writeFileSync(f, gz.subarray(0, gz.length - 100));
    await expect(readCsv(f)).rejects.toMatchObject({ code: 'MS_BAD_FORMAT' });
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 100, 140);
    writeFileSync(f, corrupt);
    await expect(readCsv(f)).rejects.toMatchObject({ code: 'MS_BAD_FORMAT' });
    writeFileSync(f, Buffer.concat([gz, Buffer.from('garbage')]));
    expect(await outcome(() => readCsv(f))).toBeDefined(); // whatever the JS reader decides: no crash
  });
});

describe('readCsv with the native reader', () => {
  it('reads plain and gzip files to the same table as parseCsv', async () => {
    const text = 'time,a,b\n0,1,2\n1,3,NaN\n2,"4",1e-320\n';
    const f = join(tempDir(), 'n.csv');
    const g = join(tempDir(), 'n.csv.gz');
    writeFileSync(f, text);
    writeFileSync(g, gzipSync(text));
    const want = plain(parseCsv(text, f));
    expect(plain(await readCsv(f))).toEqual(want);
    expect(plain(await readCsv(g))).toEqual({ ...want, source: g });
  });

  it('names the file, line and column of a bad cell found natively', async () => {
    const f = join(tempDir(), 'bad.csv');
    writeFileSync(f, 'time,a,b\n0,1,2\n1,2,oops\n');
    await expect(readCsv(f)).rejects.toMatchObject({ code: 'MS_NON_NUMERIC', message: `${f} line 3, column "b": "oops" is not a number` });
  });

  it('rejects a bad threads option', async () => {
    await expect(parseCsvBytes(Buffer.from('a\n1\n'), 'x.csv', { threads: 0 })).rejects.toMatchObject({ code: 'MS_BAD_OPTION' });
  });
});
