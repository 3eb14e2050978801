// The one service rule (src/service.ts) and its users: selection, fault labels, the redundancy
// index and the report agree on every name, including label values holding '/'.
import { describe, expect, it } from 'vitest';
import { UNMAPPED, serviceOfMetric, serviceOrUnmapped } from '../src/service.js';
import { anomalousMetrics, redundancyIndex, selectMetrics } from '../src/index.js';
import { reportHtml } from '../src/report/html.js';
import { rng } from './helpers.js';

describe('serviceOfMetric', () => {
  it('is the part before the last / of the name without its label block', () => {
    const cases: [string, string | undefined][] = [
      ['ts-order-service/cpu', 'ts-order-service'],
      ['front/latency_p99', 'front'],
      ['api/http_requests_total{code="500",path="/api/v1/orders"}', 'api'],
      ['api/up{instance="a:80"}', 'api'],
      ['serviceMonitor/monitoring/node/0/node_load1', 'serviceMonitor/monitoring/node/0'],
      ['cpu', undefined],
      ['cpu{path="/x"}', undefined],
      ['/cpu', undefined],
    ];
    for (const [name, svc] of cases) expect([name, serviceOfMetric(name)]).toEqual([name, svc]);
    expect(serviceOrUnmapped('cpu')).toBe(UNMAPPED);
    expect(serviceOrUnmapped('a/b{path="/c/d"}')).toBe('a');
  });

  it('selection, the redundancy index, fault labels and the report use it (a label value with /)', async () => {
    const r = rng(5);
    const n = 240;
    const base = Float64Array.from({ length: n }, () => r());
    const names = ['api/req{path="/a/b"}', 'api/lat{path="/c"}', 'db/cpu', 'lonely'];
    const cols = [base, base.map((v) => v * 2 + r() * 0.01), Float64Array.from({ length: n }, () => r()), Float64Array.from({ length: n }, () => r())];
    const time = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2023, 0, 1, 0, i)).toISOString());
    const table = { names, columns: cols.map((v, i) => ({ name: names[i], chunks: [{ values: v }], length: n })), rows: n, time };
    const res = await selectMetrics(table, { keepMatrices: true });
    expect(Object.keys(res.byService).sort()).toEqual(['(unmapped)', 'api', 'db']);
    expect(res.warnings.filter((w) => w.code === 'MS_UNMAPPED_METRIC').map((w) => w.message)).toEqual([expect.stringContaining('"lonely"')]);
    const idx = redundancyIndex(res.matrices!.redundancy, 0.5);
    expect(Object.keys(idx.byService).sort()).toEqual(['(unmapped)', 'api', 'db']);
    expect(reportHtml(res)).toContain('db');
    // A fault of service "api" labels only api's metrics anomalous (a level shift in both).
    const shifted = cols.map((v, i) => (i < 2 ? v.map((x, t) => (t >= 200 ? x + 50 : x)) : v));
    const t2 = { ...table, columns: shifted.map((v, i) => ({ name: names[i], chunks: [{ values: v }], length: n })) };
    const start = Date.UTC(2023, 0, 1, 0, 200);
    expect(anomalousMetrics(t2, [{ start, end: start + 10 * 60_000, service: 'api', type: 'cpu' }]).sort()).toEqual([0, 1]);
  });
});
