// The Prometheus reader against a real server: Debian's prometheus package, started by this test on
// a free loopback port, with data loaded by `promtool tsdb create-blocks-from openmetrics`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrometheus } from '../src/io/prometheus.js';
import { errorOfAsync, useTempDir } from './helpers.js';
import { freePort, prometheusInstalled, startPrometheus, type StartedPrometheus } from './prometheus.js';

const tempDir = useTempDir('prom');

// Samples 4 h ago (older than the head block), one a minute for an hour.
const START = Math.floor(Date.now() / 3_600_000) * 3600 - 4 * 3600;
const N = 60;

describe.skipIf(!prometheusInstalled)('Prometheus reader (Debian package prometheus; skipped where it cannot be installed)', () => {
  let prom: StartedPrometheus | undefined;
  let url = '';
  beforeAll(async () => {
    const lines = ['# TYPE cpu gauge'];
    for (let k = 0; k < N; k++) lines.push(`cpu{job="shop",service="cart",pod="p1"} ${k} ${START + 60 * k}`);
    for (let k = 0; k < N; k++) if (k % 10 !== 3) lines.push(`cpu{job="shop",service="db",pod="p2"} ${2 * k + 0.5} ${START + 60 * k}`);
    lines.push('# TYPE mem gauge');
    for (let k = 0; k < N; k++) lines.push(`mem{job="shop",service="cart",pod="p1"} ${1000 - k} ${START + 60 * k}`);
    prom = await startPrometheus(tempDir(), { openmetrics: lines });
    url = prom.url;
  }, 60_000);
  afterAll(() => {
    prom?.stop();
  });

  it('reads selectors on a regular grid, names columns service/metric{labels}, keeps gaps missing', async () => {
    const t = await readPrometheus({ url, queries: ['cpu', 'mem{service="cart"}'], start: START, end: START + 60 * (N - 1), step: 60 });
    expect(t.rows).toBe(N);
    expect(t.names).toEqual(['cart/cpu{job="shop",pod="p1"}', 'db/cpu{job="shop",pod="p2"}', 'cart/mem{job="shop",pod="p1"}']);
    const cart = t.columns[0].chunks[0].values, db = t.columns[1].chunks[0].values, mem = t.columns[2].chunks[0].values;
    expect(Array.from(cart.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(mem[10]).toBe(990);
    expect(db[5]).toBe(10.5);
    // Prometheus fills a missing sample from the last one within its 5-minute lookback.
    expect(db[3]).toBe(4.5);
    expect(t.time![0]).toBe(new Date(START * 1000).toISOString().replace('.000Z', 'Z'));
  });
  it('reads every series of a job', async () => {
    const t = await readPrometheus({ url, job: 'shop', start: new Date(START * 1000), end: new Date((START + 600) * 1000), step: 120 });
    expect(t.names).toHaveLength(3);
    expect(t.rows).toBe(6);
  });
  it('is an input of the CLI, as one URL', async () => {
    const { execFileSync: run } = await import('node:child_process');
    const bin = new URL('../bin/metricsift.js', import.meta.url).pathname;
    const out = run(process.execPath, [bin, 'entropy', `${url}/?job=shop&start=${START}&end=${START + 3540}&step=60`], { encoding: 'utf8' });
    const rows = out.trimEnd().split('\n');
    expect(rows[0]).toBe('metric,entropy_bits,rows_used,missing');
    expect(rows.slice(1).map((r) => r.split(',').slice(-2).join(','))).toEqual(['60,0', '60,0', '60,0']);
    // The server from METRICSIFT_PROMETHEUS_URL, the query alone on the command line: the same table.
    const viaEnv = run(process.execPath, [bin, 'entropy', `?job=shop&start=${START}&end=${START + 3540}&step=60`], { encoding: 'utf8', env: { ...process.env, METRICSIFT_PROMETHEUS_URL: url } });
    expect(viaEnv).toBe(out);
  });
  it('reports a rejected query and an unreachable server with their codes', async () => {
    const bad = await errorOfAsync(readPrometheus({ url, queries: ['cpu{'], start: START, end: START + 600 }));
    expect(bad.code).toBe('MS_PROMETHEUS_ERROR');
    expect(bad.message).toMatch(/rejected query "cpu\{": bad_data/);
    const none = await errorOfAsync(readPrometheus({ url, queries: ['nothing_here'], start: START, end: START + 600 }));
    expect(none.code).toBe('MS_NO_COLUMNS');
    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await errorOfAsync(readPrometheus({ url: closed, job: 'shop', start: START, end: START + 600 }));
    expect(down.code).toBe('MS_PROMETHEUS_UNREACHABLE');
    expect(down.message).toMatch(/ECONNREFUSED/);
    expect((await errorOfAsync(readPrometheus({ url, job: 'shop', start: START + 600, end: START }))).code).toBe('MS_BAD_OPTION');
  });
});
