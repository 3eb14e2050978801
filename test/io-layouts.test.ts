// Recorded layouts: the Train Ticket per-pod directory and PetShop's four-header-row CSV (slices in
// test/fixtures; the whole datasets in test/data/layouts.test.ts).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../src/io/csv.js';
import { readPetshopMetrics, readTrainTicketDay } from '../src/io/layouts.js';
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
