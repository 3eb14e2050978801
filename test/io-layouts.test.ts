// Recorded layouts: the Train Ticket per-pod directory and PetShop's four-header-row CSV.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../src/io/csv.js';
import { readPetshopMetrics, readTrainTicketDay } from '../src/io/layouts.js';
import { errorOfAsync, useTempDir } from './helpers.js';

const tempDir = useTempDir('layouts');
const TT = '../shared/datasets/trainticket';

describe('Train Ticket layout', () => {
  it('gives exactly the shipped example (made independently by scripts/make-example.py)', async () => {
    const day = await readTrainTicketDay(`${TT}/2023-01-30`);
    const ex = await readCsv(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url).pathname);
    expect(day.names).toEqual(ex.names);
    expect(day.time).toEqual(ex.time);
    let differing = 0;  // by value (Object.is: NaN equals NaN whatever its bit pattern)
    for (let c = 0; c < ex.names.length; c++) {
      const a = day.columns[c].chunks[0].values, b = ex.columns[c].chunks[0].values;
      for (let r = 0; r < ex.rows; r++) if (!Object.is(a[r], b[r])) differing++;
    }
    expect(differing).toBe(0);
    expect((await readTrainTicketDay(`${TT}/2023-01-29`)).rows).toBe(919);
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
    const t = await readPetshopMetrics('../shared/datasets/petshop/high_traffic/noissue/metrics.csv');
    expect(t.rows).toBe(589);
    expect(t.names).toHaveLength(273);
    expect(t.names).toContain('PetSite/latency.Average');
    expect(t.time![0]).toBe('2023-09-05T14:00:00Z');
    expect(Number.isNaN(t.columns[0].chunks[0].values[0])).toBe(true);  // blank first cell
    const bad = join(tempDir(), 'm.csv');
    writeFileSync(bad, 'a,b\n1,2\n');
    expect((await errorOfAsync(readPetshopMetrics(bad))).code).toBe('MS_BAD_FORMAT');
  });
});
