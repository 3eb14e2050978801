import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, readCsv, type ColumnTable } from '../src/index.js';
import { csvPieces, parseCsvPieces } from '../src/io/csv.js';
import { columnValues } from '../src/analysis/coding.js';
import { seededRandom } from '../src/analysis/random.js';

const dir = mkdtempSync(join(tmpdir(), 'metricsift-pieces-'));

/** The table as plain data: names, time labels and each column's values (chunks joined). */
function plain(t: ColumnTable) {
  return { names: t.names, rows: t.rows, time: t.time, values: t.columns.map((c) => Array.from(columnValues(c))) };
}

/** Bytes fed in uneven chunks, as a file stream delivers them. */
function* chunked(bytes: Uint8Array, sizes: number[]): Generator<Uint8Array> {
  let at = 0, k = 0;
  while (at < bytes.length) {
    const n = sizes[k++ % sizes.length];
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

async function outcome<T>(p: () => T | Promise<T>): Promise<{ ok: T } | { code: string; message: string }> {
  try {
    return { ok: await p() };
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
}

describe('the JS CSV parser in pieces (files beyond V8\'s string limit)', () => {
  const rnd = seededRandom(11);
  const rows = Array.from({ length: 60 }, (_, r) => [`t${r}`, ...Array.from({ length: 5 }, (_, c) => ((r + c) % 13 === 0 ? '' : (rnd() * 100 - 50).toFixed(c + 1)))]);
  const texts: Record<string, string> = {
    plain: ['time,a,b,c,d,e', ...rows.map((r) => r.join(','))].join('\n') + '\n',
    crlf: ['time,a,b,c,d,e', ...rows.map((r) => r.join(','))].join('\r\n'),
    // Quoted cells with commas and line breaks inside, doubled quotes, blank lines, a BOM and odd cells.
    quoted: '\uFEFF"time","a","b ""x""",c,d,e\n\n' + rows.map((r, k) => (k % 7 === 0 ? [`"${r[0]}\nnext, line"`, `"${r[1]}"`, ...r.slice(2)] : k % 5 === 0 ? [r[0], ' 1e3 ', 'NA', '-inf', r[4], r[5]] : r).join(',')).join('\n') + '\n\n',
    loneCr: ['time,a,b,c,d,e', ...rows.map((r) => r.join(','))].join('\r') + '\r',
    unicode: ['zeit,ä,ö,ü,€,𝄞', ...rows.map((r) => [`${r[0]}é`, ...r.slice(1)].join(','))].join('\n') + '\n',
  };

  for (const [name, text] of Object.entries(texts)) {
    it(`${name}: every piece size gives the whole-text parse`, async () => {
      const whole = parseCsv(text, 'f.csv');
      const bytes = new TextEncoder().encode(text);
      for (const piece of [1, 7, 64, 300, 4096, 1 << 20]) {
        const t = await parseCsvPieces(chunked(bytes, [5, 33, 1000, 2]), 'f.csv', {}, piece);
        expect(plain(t), `piece ${piece}`).toEqual(plain(whole));
      }
      // Small pieces really are many pieces, each ending at a row boundary.
      const pieces: string[] = [];
      for await (const p of csvPieces([bytes], 64)) pieces.push(p);
      expect(pieces.length).toBeGreaterThan(3);
      expect(pieces.join('')).toBe(text);
    });
  }

  it('errors name the same line and column as the whole-text parse, in any piece', async () => {
    const base = texts.plain.split('\n');
    const bad = {
      ragged: [...base.slice(0, 40), 't,1,2', ...base.slice(40)].join('\n'),
      extra: [...base.slice(0, 50), 't,1,2,3,4,5,6', ...base.slice(50)].join('\n'),
      nonNumeric: [...base.slice(0, 45), 't,1,2,x7,4,5', ...base.slice(45)].join('\n'),
      unterminated: [...base.slice(0, 30), 't,"1,2,3,4,5', ...base.slice(30)].join('\n'),
      duplicate: 'time,a,a\n1,2,3\n',
      empty: '\n\n\n',
      noMetric: 'time\n1\n',
    };
    for (const [name, text] of Object.entries(bad)) {
      const whole = await outcome(() => parseCsv(text, 'f.csv'));
      expect('code' in whole, name).toBe(true);
      for (const piece of [3, 50, 500]) {
        expect(await outcome(() => parseCsvPieces([new TextEncoder().encode(text)], 'f.csv', {}, piece)), `${name} piece ${piece}`).toEqual(whole);
      }
    }
  });

  it('readCsv streams a file the native reader leaves to JS, with the whole-text result', async () => {
    // A ragged row makes the native reader hand the file back; the stream gives the precise error.
    const f = join(dir, 'ragged.csv');
    const text = texts.plain.replace('\nt20,', '\nt20,1\nt20b,');
    writeFileSync(f, text);
    expect(await outcome(() => readCsv(f))).toEqual(await outcome(() => parseCsv(text, f)));
    // Quoted line breaks: read (by whichever reader) as the JS parser reads the text.
    const q = join(dir, 'quoted.csv');
    writeFileSync(q, texts.quoted);
    expect(plain(await readCsv(q))).toEqual(plain(parseCsv(texts.quoted, q)));
    await expect(readCsv(join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'MS_FILE_NOT_FOUND' });
  });
});
