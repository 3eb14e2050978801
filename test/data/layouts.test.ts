// The recorded layouts over the whole datasets in ../shared (opt-in suite: npm run test:data).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/io/csv.js';
import { readPetshopMetrics, readTrainTicketDay } from '../../src/io/layouts.js';
import { repoRoot } from '../helpers.js';
import { sharedDatasets } from './shared.js';

const TT = join(sharedDatasets, 'trainticket');

describe('Train Ticket layout, whole days', () => {
  it('gives exactly the shipped example (made independently by scripts/make-example.py)', async () => {
    const day = await readTrainTicketDay(`${TT}/2023-01-30`);
    const ex = await readCsv(join(repoRoot, 'examples/trainticket/metrics.csv.gz'));
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
});

describe('PetShop layout, whole file', () => {
  it('reads four header rows into node/metric.statistic names, blanks as missing', async () => {
    const t = await readPetshopMetrics(join(sharedDatasets, 'petshop/high_traffic/noissue/metrics.csv'));
    expect(t.rows).toBe(589);
    expect(t.names).toHaveLength(273);
    expect(t.names).toContain('PetSite/latency.Average');
    expect(t.time![0]).toBe('2023-09-05T14:00:00Z');
    expect(Number.isNaN(t.columns[0].chunks[0].values[0])).toBe(true);  // blank first cell
  });
});
