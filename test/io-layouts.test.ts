// Recorded layouts: the Train Ticket per-pod directory and PetShop's four-header-row CSV (slices in
// test/fixtures; the whole datasets in test/data/layouts.test.ts).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../src/io/csv.js';
import { metricFileJs, nativeMetricFile, pieces, readPetshopMetrics, readTrainTicketDay } from '../src/io/layouts.js';
import { errorOfAsync, fixtures, repoRoot, useTempDir } from './helpers.js';

const tempDir = useTempDir('layouts');
const TT = join(fixtures, 'trainticket');

describe('Train Ticket layout', () => {
  it('reads the shipped slice of a day exactly as the shipped example has those metrics and minutes', async () => {
    // The example was made independently (scripts/make-example.py) from the whole day; the slice in
    // test/fixtures holds 5 of its files cut to their first 120 rows. Whole days: test/data/layouts.test.ts.
    const day = await readTrainTicketDay(`${TT}/2023-01-30`);
    const ex = await readCsv(join(repoRoot, 'examples/trainticket/metrics.csv.gz'));
    expect(day.rows).toBe(120);
    expect(day.names).toHaveLength(5 + 4 * 19);
    expect(day.time).toEqual(ex.time!.slice(0, 120));
    let differing = 0;  // by value (Object.is: NaN equals NaN whatever its bit pattern)
    for (let c = 0; c < day.names.length; c++) {
      const e = ex.names.indexOf(day.names[c]);
      expect(e).toBeGreaterThanOrEqual(0);
      const a = day.columns[c].chunks[0].values, b = ex.columns[e].chunks[0].values;
      for (let r = 0; r < day.rows; r++) if (!Object.is(a[r], b[r])) differing++;
    }
    expect(differing).toBe(0);
  });
  it('ignores extra files; names the file of a ragged row', async () => {
    const dir = join(tempDir(), 'day'), metric = join(dir, 'metric');
    mkdirSync(metric, { recursive: true });
    copyFileSync(`${TT}/2023-01-30/metric/front_service.csv`, join(metric, 'front_service.csv'));
    writeFileSync(join(metric, 'README.csv.txt'), 'not a metric file');
    writeFileSync(join(dir, 'notes.md'), 'extra');
    const t = await readTrainTicketDay(dir);
    expect(t.names).toEqual(['front/SuccessRate(%)', 'front/LatencyP50(s)', 'front/LatencyP90(s)', 'front/LatencyP95(s)', 'front/LatencyP99(s)']);
    writeFileSync(join(metric, 'ts-x-service-1-2_metric.csv'), 'Time,TimeStamp,PodName,Cpu\na,60,p,1\nb,120,p\n');
    const e = await errorOfAsync(readTrainTicketDay(dir));
    expect(e.code).toBe('MS_RAGGED_ROW');
    expect(e.message).toMatch(/ts-x-service-1-2_metric\.csv line 3/);
    expect((await errorOfAsync(readTrainTicketDay(join(tempDir(), 'nope')))).code).toBe('MS_FILE_NOT_FOUND');
    // Cells follow readCsv's rules: missing spellings are NaN, other text is an error, not a silent NaN.
    writeFileSync(join(metric, 'ts-x-service-1-2_metric.csv'), 'Time,TimeStamp,PodName,Cpu\na,60,p,N/A\nb,120,p,abc\n');
    const text = await errorOfAsync(readTrainTicketDay(dir));
    expect(text.code).toBe('MS_NON_NUMERIC');
    expect(text.message).toMatch(/ts-x-service-1-2_metric\.csv line 3, column "Cpu": "abc" is not a number/);
  });
});

describe('Train Ticket metric files: the native reader = the JS parser', () => {
  // Seeded random files with the cells the JS parser takes (plain and odd number spellings, the
  // missing ones, TimeStamps with spaces), and the ones it words an error for.
  function randomFile(seed: number): string {
    let s = seed;
    const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    const odd = ['', 'NaN', 'nan', 'null', 'N/A', ' 1.5', '2 ', 'Infinity', '-inf', '1e400', '-0', '0.1e-5', '.5', '5.', '+3', '123456789012345678901234567890'];
    const bad = ['1_0', '0x1f', 'abc'];
    const cols = 2 + Math.floor(r() * 5);
    const header = ['Time', 'TimeStamp', 'PodName', ...Array.from({ length: cols }, (_, c) => (r() < 0.1 ? 'PodName' : `M${c}(%)`))];
    if (r() < 0.2) [header[0], header[3]] = [header[3], header[0]];
    const lines = [header.join(',')];
    for (let l = 0; l < 5 + Math.floor(r() * 30); l++) {
      const ts = r() < 0.005 ? pick(['', ' 1674981670', 'NaN', '1e9', '0x10', 'x']) : String(1674981600 + Math.floor(r() * 600));
      const cells = header.map((h) => (h === 'TimeStamp' ? ts : h === 'Time' || h === 'PodName' ? `t ${l}` : r() < 0.004 ? pick(bad) : r() < 0.15 ? pick(odd) : String(r() < 0.5 ? Math.floor(r() * 1000) : r() * 100)));
      if (r() < 0.003) cells.pop();
      lines.push(cells.join(','));
      if (r() < 0.05) lines.push('');
    }
    return lines.join('\n') + (r() < 0.5 ? '\n' : '');
  }
  it('gives the same header, minutes and values on 300 seeded files, and hands back every file the JS parser rejects', async () => {
    let native = 0, handedBack = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const buf = Buffer.from(randomFile(seed));
      let js: ReturnType<typeof metricFileJs> | undefined;
      try {
        js = metricFileJs('f.csv', pieces(buf));
      } catch {
        js = undefined;
      }
      const got = await nativeMetricFile(buf);
      if (got === undefined) { handedBack++; continue; }
      native++;
      expect(js, `seed ${seed}: the JS parser rejects a file the native reader took`).toBeDefined();
      expect(got.header).toEqual(js!.header);
      expect(Array.from(got.minutes)).toEqual(Array.from(js!.minutes));
      expect(got.cols.map((c) => (c ? Array.from(c) : null))).toEqual(js!.cols.map((c) => (c ? Array.from(c) : null)));
    }
    expect(native).toBeGreaterThan(150);
    expect(handedBack).toBeGreaterThan(30);
  });
  it('hands back a byte-order mark, quotes and carriage returns', async () => {
    for (const t of ['\uFEFFTime,TimeStamp,M\na,60,1\n', 'Time,TimeStamp,M\n"a",60,1\n', 'Time,TimeStamp,M\r\na,60,1\r\n', 'Time,TimeStamp,M\na,60,1\rb,120,2\n']) {
      expect(await nativeMetricFile(Buffer.from(t))).toBeUndefined();
    }
  });
});

describe('PetShop layout', () => {
  it('reads four header rows into node/metric.statistic names, blanks as missing', async () => {
    // The first 64 rows of the file (test/fixtures); the whole file: test/data/layouts.test.ts.
    const t = await readPetshopMetrics(join(fixtures, 'petshop/high_traffic/noissue/metrics.csv'));
    expect(t.rows).toBe(64);
    expect(t.names).toHaveLength(273);
    expect(t.names).toContain('PetSite/latency.Average');
    expect(t.time![0]).toBe('2023-09-05T14:00:00Z');
    expect(Number.isNaN(t.columns[0].chunks[0].values[0])).toBe(true);  // blank first cell
    const bad = join(tempDir(), 'm.csv');
    writeFileSync(bad, 'a,b\n1,2\n');
    expect((await errorOfAsync(readPetshopMetrics(bad))).code).toBe('MS_BAD_FORMAT');
  });
});
