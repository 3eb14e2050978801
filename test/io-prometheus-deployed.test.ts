// The Prometheus reader as deployed (issue 15): Debian's prometheus behind a route prefix, with a
// backfilled TSDB (counters and gauges, more than 11,000 points a series), a scraped target for
// /api/v1/metadata, and a small proxy in front that wants a token and a tenant header (401
// otherwise) and serves an HTML login page, as reverse proxies do.
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnValues } from '../src/analysis/coding.js';
import { promTime, readPrometheus } from '../src/io/prometheus.js';
import { readPrometheusUrl } from '../src/io/read.js';
import { selectMetrics } from '../src/select/index.js';
import { cli, cliBuilt, errorOfAsync, useTempDir } from './helpers.js';
import { freePort, prometheusInstalled, startPrometheus, type StartedPrometheus } from './prometheus.js';

const tempDir = useTempDir('prom-deployed');

// 12,500 samples 15 s apart (52 h), ending 3 h ago: more than one request's 11,000 points.
const STEP = 15, N = 12_500;
const START = Math.floor(Date.now() / 3_600_000) * 3600 - 3 * 3600 - STEP * N;

describe.skipIf(!prometheusInstalled)('Prometheus as deployed (Debian package prometheus; skipped where it is not installed)', () => {
  let prom: StartedPrometheus | undefined;
  let target: Server | undefined, proxy: Server | undefined;
  let direct = '', proxied = '';
  const seen: { url: string; auth?: string; tenant?: string }[] = [];
  beforeAll(async () => {
    const lines = ['# TYPE requests counter'];
    for (let k = 0; k < N; k++) lines.push(`requests_total{job="api",service="api",code="200"} ${3 * k} ${START + STEP * k}`);
    lines.push('# TYPE temp gauge');
    for (let k = 0; k < N; k++) lines.push(`temp{job="api",service="api"} ${20 + Math.sin(k / 50)} ${START + STEP * k}`);
    // A scrape target: its metadata says jobs_done is a counter (no _total suffix to guess from).
    const tport = await freePort();
    target = createHttpServer((_, res) => res.end('# HELP jobs_done Jobs done.\n# TYPE jobs_done counter\njobs_done 7\n# TYPE queue_depth gauge\nqueue_depth 3\n')).listen(tport, '127.0.0.1');
    const config = `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: worker\n    static_configs:\n      - targets: ['127.0.0.1:${tport}']\n`;
    prom = await startPrometheus(tempDir(), { openmetrics: lines, config, args: ['--web.route-prefix=/prom'] });
    const port = prom.port;
    direct = `${prom.url}/prom`;
    const pport = await freePort();
    proxied = `http://127.0.0.1:${pport}/prom`;
    proxy = createHttpServer(async (req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization, tenant: req.headers['x-scope-orgid'] as string | undefined });
      if (req.url?.startsWith('/login')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body><form>Sign in</form></body></html>');
      const okAuth = req.headers.authorization === 'Bearer s3cret' || req.headers.authorization === `Basic ${Buffer.from('ann:p@ss').toString('base64')}`;
      if (!okAuth) return res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
      if (req.headers['x-scope-orgid'] !== 'tenant-1') return res.writeHead(403).end('no tenant');
      const up = await fetch(`http://127.0.0.1:${port}${req.url}`);
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await up.arrayBuffer()));
    }).listen(pport, '127.0.0.1');
    for (let tries = 0; ; tries++) {
      try {
        const md = await (await fetch(`${direct}/api/v1/metadata`)).json() as { data?: Record<string, unknown> };
        if (md.data?.jobs_done) break;
      } catch (e) {
        if (tries > 200) throw e;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 90_000);
  afterAll(() => {
    prom?.stop();
    target?.close();
    proxy?.close();
  });

  it('keeps the base path and reads more than 11,000 points a series in chunks, each point once', async () => {
    const before = seen.length;
    const t = await readPrometheus({ url: proxied, headers: { Authorization: 'Bearer s3cret', 'X-Scope-OrgID': 'tenant-1' }, queries: ['requests_total', 'temp'], start: START, end: START + STEP * (N - 1), step: STEP });
    expect(t.rows).toBe(N);
    // 12,500 points: two requests a query (11,000 + 1,500), all under the route prefix.
    expect(seen.slice(before).filter((s) => s.url.startsWith('/prom/api/v1/query_range')).length).toBe(4);
    expect(t.names).toEqual(['api/requests_total{code="200",job="api"}', 'api/temp{job="api"}']);
    const req = columnValues(t.columns[0]);
    expect(req.every((v, k) => v === 3 * k)).toBe(true);  // no gap, no overlap at the chunk boundary
    expect(columnValues(t.columns[1])[11_000]).toBeCloseTo(20 + Math.sin(11_000 / 50), 9);
    expect(t.series!['api/requests_total{code="200",job="api"}']).toEqual({ metric: 'requests_total', labels: { job: 'api', service: 'api', code: '200' }, type: 'counter' });
    expect(t.series!['api/temp{job="api"}'].type).toBeUndefined();  // a backfilled gauge has no metadata and no counter suffix
  });
  it('with maxSamples reads in time slices of at most that many samples, each point once, the same values', async () => {
    const before = seen.length;
    const range = { url: proxied, headers: { Authorization: 'Bearer s3cret', 'X-Scope-OrgID': 'tenant-1' }, start: START, end: START + STEP * (N - 1), step: STEP };
    const t = await readPrometheus({ ...range, queries: ['{job="api"}'], maxSamples: 5000 });
    // Two series a response: slices of at most 2,500 rows (1, 4, 16, 64, 256, 1,024, then 2,500 each).
    const slices = seen.slice(before).filter((s) => s.url.startsWith('/prom/api/v1/query_range')).map((s) => {
      const q = new URL(s.url, 'http://x').searchParams;
      return [Number(q.get('start')), Number(q.get('end'))];
    });
    const rows = slices.map(([a, b]) => (b - a) / STEP + 1);
    expect(rows.slice(0, 7)).toEqual([1, 4, 16, 64, 256, 1024, 2500]);
    expect(Math.max(...rows)).toBe(2500);
    expect(rows.reduce((a, b) => a + b, 0)).toBe(N);
    for (let k = 1; k < slices.length; k++) expect(slices[k][0]).toBe(slices[k - 1][1] + STEP);  // no gap, no overlap
    const whole = await readPrometheus({ ...range, queries: ['{job="api"}'] });
    expect(t.names).toEqual(whole.names);
    for (let c = 0; c < t.names.length; c++) expect(columnValues(t.columns[c])).toEqual(columnValues(whole.columns[c]));
    expect(columnValues(t.columns[t.names.findIndex((n) => n.includes('requests_total'))]).every((v, k) => v === 3 * k)).toBe(true);
  });
  it('gives two expressions with the same labels two columns, named by their expressions', async () => {
    const t = await readPrometheus({ url: direct, queries: ['rate(requests_total[1m])', 'irate(requests_total[1m])'], start: START + 3600, end: START + 7200, step: 60 });
    expect(t.names).toEqual(['api/rate(requests_total[1m]){code="200",job="api"}', 'api/irate(requests_total[1m]){code="200",job="api"}']);
    for (const c of t.columns) expect(columnValues(c)[10]).toBeCloseTo(3 / STEP, 9);
    const same = await readPrometheus({ url: direct, queries: ['temp', 'temp{job="api"}'], start: START, end: START + 600, step: 60 });
    expect(same.names).toEqual(['api/temp{job="api"}', 'api/temp{job="api"} [temp{job="api"}]']);
  });
  it('takes counter types from /api/v1/metadata and relative times', async () => {
    const t = await readPrometheus({ url: direct, queries: ['jobs_done', 'queue_depth'], start: 'now-2m', end: 'now', step: 5 });
    expect(t.rows).toBe(25);
    expect(t.names.map((n) => n.replace(/\{.*/, ''))).toEqual(['worker/jobs_done', 'worker/queue_depth']);
    const types = Object.fromEntries(Object.values(t.series!).map((s) => [s.metric, s.type]));
    expect(types).toEqual({ jobs_done: 'counter', queue_depth: 'gauge' });
    // The selection's counter rule reads those types: jobs_done (no counter suffix) becomes a rate by its TYPE.
    const sel = await selectMetrics(t, {});
    expect(sel.counters).toEqual([{ name: t.names[0], reason: 'type' }]);
    expect(promTime('now-6h', 'start', 100_000)).toBe(100_000 - 21_600);
    expect(promTime('now+30m', 'end', 0)).toBe(1800);
    expect(() => promTime('yesterday', 'start')).toThrow(expect.objectContaining({ code: 'MS_BAD_OPTION' }));
  });
  it('sends headers, the token from METRICSIFT_PROMETHEUS_TOKEN, and basic auth from the URL', async () => {
    const range = { start: START, end: START + 600, step: 60 };
    const a = await readPrometheus({ url: proxied, queries: ['temp'], headers: { Authorization: 'Bearer s3cret', 'X-Scope-OrgID': 'tenant-1' }, ...range });
    expect(a.rows).toBe(11);
    process.env.METRICSIFT_PROMETHEUS_TOKEN = 's3cret';
    try {
      const b = await readPrometheus({ url: proxied, queries: ['temp'], headers: { 'X-Scope-OrgID': 'tenant-1' }, ...range });
      expect(b.rows).toBe(11);
    } finally {
      delete process.env.METRICSIFT_PROMETHEUS_TOKEN;
    }
    const u = new URL(proxied);
    const c = await readPrometheusUrl(`http://ann:p%40ss@${u.host}/prom/?query=temp&start=${START}&end=${START + 600}&step=60`, { headers: { 'X-Scope-OrgID': 'tenant-1' } });
    expect(c.source).toBe(proxied);  // credentials never appear in names or messages
    expect(seen.some((s) => s.auth?.startsWith('Basic ') && s.url.startsWith('/prom/api/v1/query_range'))).toBe(true);
  });
  it('says MS_PROMETHEUS_AUTH for 401/403 and for an HTML page', async () => {
    const range = { start: START, end: START + 600 };
    const e401 = await errorOfAsync(readPrometheus({ url: proxied, queries: ['temp'], ...range }));
    expect(e401).toMatchObject({ code: 'MS_PROMETHEUS_AUTH', message: expect.stringMatching(/HTTP 401 Unauthorized.*--header/) });
    const e403 = await errorOfAsync(readPrometheus({ url: proxied, queries: ['temp'], headers: { Authorization: 'Bearer s3cret' }, ...range }));
    expect(e403).toMatchObject({ code: 'MS_PROMETHEUS_AUTH', message: expect.stringMatching(/HTTP 403 Forbidden/) });
    const html = await errorOfAsync(readPrometheus({ url: proxied.replace('/prom', '/login'), queries: ['temp'], ...range }));
    expect(html).toMatchObject({ code: 'MS_PROMETHEUS_AUTH', message: expect.stringMatching(/HTML page/) });
  });
  it.skipIf(!cliBuilt)('scan reads it through --header', async () => {
    const url = `${proxied}/?query=temp&query=requests_total&start=${START}&end=${START + 7200}&step=60`;
    const r = await cli('scan', url, '--header', 'Authorization: Bearer s3cret', '--header', 'X-Scope-OrgID: tenant-1', '--out', join(tempDir(), 'scan'), '--iterations', '5', '--mode', 'flat');
    expect(r.stdout + r.stderr).toMatch(/read 2 metrics × 121 rows/);
    expect(r.code).toBe(0);
    const bad = await cli('scan', url, '--out', join(tempDir(), 'scan2'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/MS_PROMETHEUS_AUTH|HTTP 401/);
  }, 60_000);
});
