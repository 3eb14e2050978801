import { errorOfAsync, useTempDir } from './helpers.js';
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { csvField, writeEntropy, writeMatrix, writePairs, type MatrixResult, type PairListResult } from '../src/io/write.js';
import { matrixArrowFile, matrixToArrow } from '../src/io/write-arrow.js';
import { readCsv } from '../src/io/csv.js';
import { readArrow } from '../src/io/arrow.js';
import { readTable } from '../src/io/read.js';
import type { ColumnTable } from '../src/table.js';


/** Row-major values of a table written as a matrix (one column per name). */
function matrixOf(t: ColumnTable): number[] {
  const m = t.rows;
  const out = new Array<number>(m * m);
  t.columns.forEach((c, j) => {
    const v = c.chunks.flatMap((ch) => Array.from(ch.values));
    for (let i = 0; i < m; i++) out[i * m + j] = v[i];
  });
  return out;
}

const NAMES = ['svc/cpu', 'a,b', 'say "hi"', 'two\nlines'];
// Not symmetric, so a transposed write would be caught.
const VALUES = new Float64Array([
  1, 0.1 + 0.2, NaN, -1e-300,
  2, 1, 1 / 3, Infinity,
  3, 4, 1, -0.5,
  5, 6, 7, 1,
]);
const RESULT: MatrixResult = { names: NAMES, values: VALUES };

const tempDir = useTempDir('write', true);

describe('writeMatrix', () => {
  it('CSV: header, RFC 4180 quoting, full precision, NaN as an empty field', async () => {
    const f = join(tempDir(), 'm.csv');
    await writeMatrix(f, RESULT);
    const text = readFileSync(f, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('metric,svc/cpu,"a,b","say ""hi""","two\nlines"'.split('\n')[0]);
    expect(text.startsWith('metric,svc/cpu,"a,b","say ""hi""","two\nlines"\n')).toBe(true);
    expect(text).toContain('\nsvc/cpu,1,0.30000000000000004,,-1e-300\n');
    expect(text).toContain('\n"a,b",2,1,0.3333333333333333,Infinity\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('CSV cells are String(x) digit for digit (made natively): every kind of double and float32', async () => {
    // Random bit patterns (every exponent), decimals, integers, the layout edges of Number::toString
    // (1e21, 1e-7, 21 digits), subnormals, extremes, and the values float32 widens to.
    const buf = new BigUint64Array(1), f = new Float64Array(buf.buffer);
    let seed = 0x9e3779b97f4a7c15n;
    const next = () => { seed ^= seed << 13n; seed &= (1n << 64n) - 1n; seed ^= seed >> 7n; seed ^= seed << 17n; seed &= (1n << 64n) - 1n; return seed; };
    const special = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.1, 0.2 + 0.1, 1e21, 1e21 - 65536, 999999999999999900000, 1e-7, 1.5e-7, 1e-6, 0.000001234,
      123456789012345680000, 5e-324, -5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 53 + 2, 1 / 3, 100, 1e100, 1.7976931348623157e308];
    const m = 300;
    const values = new Float64Array(m * m);
    for (let k = 0; k < values.length; k++) {
      const kind = k % 5;
      if (k < special.length) values[k] = special[k];
      else if (kind === 0) { buf[0] = next(); values[k] = Number.isFinite(f[0]) ? f[0] : k; }
      else if (kind === 1) values[k] = Number((Number(next() % 1000000n) / 1e6).toPrecision(1 + (k % 17)));
      else if (kind === 2) values[k] = Number(next() % 100000000000n) * (k % 2 ? -1 : 1) * 10 ** ((k % 40) - 20);
      else if (kind === 3) values[k] = Math.fround(Number(next() % 1000000n) / 7);
      else values[k] = Number(next() % 1000n) * 10 ** ((k % 50) - 25);
    }
    const names = Array.from({ length: m }, (_, j) => NAMES[j % NAMES.length] + j);
    const expected = (v: ArrayLike<number>) =>
      ['metric', ...names].map(csvField).join(',') + '\n' +
      names.map((n, i) => [csvField(n), ...Array.from({ length: m }, (_, j) => { const x = v[i * m + j]; return x !== x ? '' : String(x); })].join(',') + '\n').join('');
    const file = join(tempDir(), 'digits.csv');
    await writeMatrix(file, { names, values });
    expect(readFileSync(file, 'utf8')).toBe(expected(values));
    const single = Float32Array.from(values);
    await writeMatrix(file, { names, values: single });
    expect(readFileSync(file, 'utf8')).toBe(expected(single));
  });

  it('CSV round trip through readCsv: same names, same doubles', async () => {
    const f = join(tempDir(), 'm.csv');
    await writeMatrix(f, RESULT);
    const t = await readCsv(f);
    expect(t.time).toEqual(NAMES); // the "metric" column is read as the row labels
    expect(t.names).toEqual(NAMES);
    expect(matrixOf(t)).toEqual(Array.from(VALUES));
  });

  it('CSV with digits rounds to significant digits without padding', async () => {
    const f = join(tempDir(), 'm.csv');
    await writeMatrix(f, { names: ['a', 'b'], values: new Float64Array([1, 1 / 3, 0.5, 123456.789]) }, { digits: 3 });
    expect(readFileSync(f, 'utf8')).toBe('metric,a,b\na,1,0.333\nb,0.5,123000\n');
    const bad = await errorOfAsync(writeMatrix(f, RESULT, { digits: 0 }));
    expect(bad.code).toBe('MS_BAD_OPTION');
    expect((await errorOfAsync(writeMatrix(f, RESULT, { digits: 2.5 }))).code).toBe('MS_BAD_OPTION');
  });

  it('JSON: names and nested rows, NaN and infinities as null', async () => {
    const f = join(tempDir(), 'm.json');
    await writeMatrix(f, RESULT);
    const j = JSON.parse(readFileSync(f, 'utf8'));
    expect(j.names).toEqual(NAMES);
    expect(j.values).toHaveLength(4);
    expect(j.values[0]).toEqual([1, 0.30000000000000004, null, -1e-300]);
    expect(j.values[1]).toEqual([2, 1, 1 / 3, null]);
    expect(j.values[3]).toEqual([5, 6, 7, 1]);
  });

  it('Arrow: metric Utf8 column then one Float64 column per name; round trip', async () => {
    const f = join(tempDir(), 'm.arrow');
    await writeMatrix(f, RESULT);
    const raw = tableFromIPC(readFileSync(f));
    expect(raw.schema.fields.map((x) => x.name)).toEqual(['metric', ...NAMES]);
    expect(String(raw.schema.fields[0].type)).toBe('Utf8');
    expect(String(raw.schema.fields[1].type)).toBe('Float64');
    const t = await readArrow(f);
    expect(t.time).toEqual(NAMES);
    expect(t.names).toEqual(NAMES);
    expect(matrixOf(t)).toEqual(Array.from(VALUES)); // NaN kept as NaN
  });

  it('Arrow file streamed in column blocks is byte for byte the IPC writer\'s file of the whole table', async () => {
    for (const [m, single] of [[1100, false], [301, true], [1, false], [0, false]] as const) {
      const values = single ? new Float32Array(m * m) : new Float64Array(m * m);
      for (let k = 0; k < values.length; k++) values[k] = Math.sin(k * 1.7) / (k % 7); // not symmetric; NaN, ±Infinity
      const r = { names: Array.from({ length: m }, (_, j) => NAMES[j % NAMES.length] + j), values };
      const file = join(tempDir(), 'blocks.arrow');
      await writeMatrix(file, r);
      expect(readFileSync(file).equals(Buffer.from(matrixArrowFile(r))), `${m} × ${m}${single ? ' float32' : ''}`).toBe(true);
    }
  });

  it('Arrow keeps Float32 values as Float32 columns', async () => {
    const f = join(tempDir(), 'm32.arrow');
    const values = new Float32Array([1, 0.1, NaN, 1]);
    await writeMatrix(f, { names: ['x', 'y'], values });
    const raw = tableFromIPC(readFileSync(f));
    expect(String(raw.schema.fields[1].type)).toBe('Float32');
    const t = await readTable(f);
    expect(matrixOf(t)).toEqual(Array.from(values));
    expect(matrixToArrow({ names: ['x', 'y'], values }).numCols).toBe(3);
  });

  it('Float32 values written to CSV read back to the same float32', async () => {
    const f = join(tempDir(), 'm32.csv');
    const values = new Float32Array([1, 0.1, 1 / 3, 1]);
    await writeMatrix(f, { names: ['x', 'y'], values });
    const t = await readCsv(f);
    expect(Float32Array.from(matrixOf(t))).toEqual(values);
  });

  it('writes an empty (0×0) matrix', async () => {
    const f = join(tempDir(), 'e.json');
    await writeMatrix(f, { names: [], values: new Float64Array(0) });
    expect(JSON.parse(readFileSync(f, 'utf8'))).toEqual({ names: [], values: [] });
  });

  it('MS_BAD_FORMAT for an unknown extension, before creating anything', async () => {
    const f = join(tempDir(), 'm.xlsx');
    const e = await errorOfAsync(writeMatrix(f, RESULT));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain('".xlsx"');
    expect(readdirSync(tempDir())).toEqual([]);
  });

  it('MS_LENGTH_MISMATCH / MS_BAD_INPUT for malformed results', async () => {
    const f = join(tempDir(), 'm.csv');
    const e = await errorOfAsync(writeMatrix(f, { names: ['a', 'b'], values: new Float64Array(3) }));
    expect(e.code).toBe('MS_LENGTH_MISMATCH');
    const bad = await errorOfAsync(writeMatrix(f, { names: ['a'], values: [1] as unknown as Float64Array }));
    expect(bad.code).toBe('MS_BAD_INPUT');
  });

  it('writes atomically: no temporary files left, and a failed write keeps the old file', async () => {
    const f = join(tempDir(), 'm.csv');
    await writeMatrix(f, RESULT);
    await writeMatrix(join(tempDir(), 'm.json'), RESULT);
    await writeMatrix(join(tempDir(), 'm.arrow'), RESULT);
    expect(readdirSync(tempDir()).sort()).toEqual(['m.arrow', 'm.csv', 'm.json']);

    writeFileSync(f, 'old content');
    // A name that throws while rows are being written, after the temporary file exists.
    const poison = { toString() { throw new Error('boom'); }, [Symbol.toPrimitive]() { throw new Error('boom'); } };
    await expect(writeMatrix(f, { names: ['a', poison as unknown as string], values: new Float64Array(4) })).rejects.toThrow('boom');
    expect(readFileSync(f, 'utf8')).toBe('old content');
    expect(readdirSync(tempDir()).sort()).toEqual(['m.arrow', 'm.csv', 'm.json']);
  });

  it('MS_WRITE_FAILED when the directory does not exist', async () => {
    const f = join(tempDir(), 'no', 'such', 'm.csv');
    const e = await errorOfAsync(writeMatrix(f, RESULT));
    expect(e.code).toBe('MS_WRITE_FAILED');
    expect(e.message).toContain(f);
    expect(existsSync(f)).toBe(false);
  });

  it('streams a large matrix (1,000 × 1,000) to CSV and reads it back', async () => {
    const m = 1000;
    const names = Array.from({ length: m }, (_, i) => `m${i}`);
    const values = Float64Array.from({ length: m * m }, (_, k) => Math.sin(k));
    const f = join(tempDir(), 'big.csv');
    await writeMatrix(f, { names, values });
    const t = await readCsv(f);
    expect(t.names).toHaveLength(m);
    expect(t.columns[7].chunks[0].values[123]).toBe(values[123 * m + 7]);
  });
});

describe('writeEntropy', () => {
  const ROWS = [
    { name: 'svc/cpu', entropy: 2.5, rowsUsed: 741 },
    { name: 'a,"b"', entropy: NaN, rowsUsed: 0 },
    { name: 'const', entropy: 0, rowsUsed: 741 },
  ];

  it('CSV with the default units label', async () => {
    const f = join(tempDir(), 'e.csv');
    await writeEntropy(f, ROWS);
    expect(readFileSync(f, 'utf8')).toBe('metric,entropy_bits,rows_used\nsvc/cpu,2.5,741\n"a,""b""",,0\nconst,0,741\n');
    const t = await readCsv(f);
    expect(t.time).toEqual(['svc/cpu', 'a,"b"', 'const']);
    expect(t.names).toEqual(['entropy_bits', 'rows_used']);
  });

  it('CSV and JSON with a custom units label; JSON NaN as null', async () => {
    await writeEntropy(join(tempDir(), 'e.csv'), ROWS, 'entropy_nats');
    expect(readFileSync(join(tempDir(), 'e.csv'), 'utf8').split('\n')[0]).toBe('metric,entropy_nats,rows_used');
    await writeEntropy(join(tempDir(), 'e.json'), ROWS, 'entropy_nats');
    const j = JSON.parse(readFileSync(join(tempDir(), 'e.json'), 'utf8'));
    expect(j).toEqual([
      { metric: 'svc/cpu', entropy_nats: 2.5, rows_used: 741 },
      { metric: 'a,"b"', entropy_nats: null, rows_used: 0 },
      { metric: 'const', entropy_nats: 0, rows_used: 741 },
    ]);
  });

  it('Arrow: metric, entropy and rows_used columns', async () => {
    const f = join(tempDir(), 'e.arrow');
    await writeEntropy(f, ROWS);
    const t = await readArrow(f);
    expect(t.time).toEqual(['svc/cpu', 'a,"b"', 'const']);
    expect(t.names).toEqual(['entropy_bits', 'rows_used']);
    expect(Array.from(t.columns[1].chunks[0].values)).toEqual([741, 0, 741]);
  });

  it('an empty list writes just the header', async () => {
    const f = join(tempDir(), 'e.csv');
    await writeEntropy(f, []);
    expect(readFileSync(f, 'utf8')).toBe('metric,entropy_bits,rows_used\n');
  });

  it('MS_BAD_FORMAT for an unknown extension', async () => {
    const e = await errorOfAsync(writeEntropy(join(tempDir(), 'e.txt'), ROWS));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain('".txt"');
  });
});

/** Runs `fn` with process.stdout.write captured; returns what was written. */
async function captureStdout(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((r) => typeof r === 'function') as ((err?: Error | null) => void) | undefined;
    cb?.(null);
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = original;
  }
  return chunks.join('');
}

describe('writePairs', () => {
  const PAIRS: PairListResult = {
    names: ['a', 'b,c', 'd'],
    i: new Uint32Array([0, 1]),
    j: new Uint32Array([2, 2]),
    value: new Float64Array([0.9, NaN]),
    rowsUsed: new Uint32Array([741, 12]),
  };

  it('CSV: metric_a,metric_b,value,rows_used', async () => {
    const f = join(tempDir(), 'p.csv');
    await writePairs(f, PAIRS);
    expect(readFileSync(f, 'utf8')).toBe('metric_a,metric_b,value,rows_used\na,d,0.9,741\n"b,c",d,,12\n');
  });

  it('JSON objects and an Arrow file with the same columns', async () => {
    await writePairs(join(tempDir(), 'p.json'), PAIRS);
    expect(JSON.parse(readFileSync(join(tempDir(), 'p.json'), 'utf8'))).toEqual([
      { metric_a: 'a', metric_b: 'd', value: 0.9, rows_used: 741 },
      { metric_a: 'b,c', metric_b: 'd', value: null, rows_used: 12 },
    ]);
    await writePairs(join(tempDir(), 'p.arrow'), PAIRS);
    const raw = tableFromIPC(readFileSync(join(tempDir(), 'p.arrow')));
    expect(raw.schema.fields.map((x) => x.name)).toEqual(['metric_a', 'metric_b', 'value', 'rows_used']);
    expect(raw.getChild('metric_a')!.toArray()).toEqual(['a', 'b,c']);
    expect(Array.from(raw.getChild('rows_used')!.toArray() as Float64Array)).toEqual([741, 12]);
  });

  it('rejects mismatched lengths and out-of-range indices before writing', async () => {
    const f = join(tempDir(), 'p.csv');
    const e1 = await errorOfAsync(writePairs(f, { ...PAIRS, value: new Float64Array(1) }));
    expect(e1.code).toBe('MS_LENGTH_MISMATCH');
    const e2 = await errorOfAsync(writePairs(f, { ...PAIRS, j: new Uint32Array([2, 3]) }));
    expect(e2.code).toBe('MS_BAD_INPUT');
    expect(e2.message).toContain('column 3');
    expect(readdirSync(tempDir())).toEqual([]);
    expect((await errorOfAsync(writePairs(join(tempDir(), 'p.parquet'), PAIRS))).code).toBe('MS_BAD_FORMAT');
  });
});

describe('"-" writes CSV to stdout', () => {
  it('for matrices, entropies and pairs, creating no file', async () => {
    const m = await captureStdout(() => writeMatrix('-', { names: ['a', 'b'], values: new Float64Array([1, 0.5, 0.5, 1]) }));
    expect(m).toBe('metric,a,b\na,1,0.5\nb,0.5,1\n');
    const e = await captureStdout(() => writeEntropy('-', [{ name: 'a', entropy: 1, rowsUsed: 3 }], 'entropy_nats'));
    expect(e).toBe('metric,entropy_nats,rows_used\na,1,3\n');
    const p = await captureStdout(() =>
      writePairs('-', { names: ['a', 'b'], i: [0], j: [1], value: [0.25], rowsUsed: [3] }),
    );
    expect(p).toBe('metric_a,metric_b,value,rows_used\na,b,0.25,3\n');
    expect(existsSync('-')).toBe(false);
  });
});
