// `metricsift scan` over the whole recorded layouts in ../shared (opt-in suite: npm run test:data).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliBuilt, useTempDir } from '../helpers.js';
import { sharedDatasets } from './shared.js';

const tempDir = useTempDir('data-scan');

describe.skipIf(!cliBuilt)('metricsift scan on whole datasets (needs `npm run build:ts`)', () => {
  it('--format petshop on the full PetShop file finds graph.csv one level up', async () => {
    const r = await cli('scan', join(sharedDatasets, 'petshop/high_traffic/noissue/metrics.csv'), '--format', 'petshop', '--out', join(tempDir(), 'pf'), '--iterations', '10');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(petshop\); call graph from graph .*graph\.csv/);
  });
  it('a whole Train Ticket day with its traces, and a whole PetShop scenario with --json', async () => {
    const tt = await cli('scan', join(sharedDatasets, 'trainticket/2023-01-30'), '--out', join(tempDir(), 'tt'), '--iterations', '20');
    expect(tt.code).toBe(0);
    expect(tt.stdout).toMatch(/879 metrics × 741 rows \(trainticket\); call graph from traces .*2023-01-30\/trace/);
    const pet = await cli('scan', join(sharedDatasets, 'petshop/high_traffic'), '--out', join(tempDir(), 'pet'), '--iterations', '20', '--json', '--measure', 'spearman');
    expect(pet.code).toBe(0);
    const sel = JSON.parse(pet.stdout);
    expect(sel.measure).toBe('spearman');
    expect(sel.warnings.map((w: { code: string }) => w.code)).toContain('MS_SERVICE_WITHOUT_METRICS');
  });
});
