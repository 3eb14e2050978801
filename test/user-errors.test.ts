// User errors that used to end as "internal error … please report it": each now has its MS_* code,
// names the file (or flag), and exits 2 on the command line.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { miMatrix, readTraces, readTrainTicketDay, readPrometheusUrl, readGraph, readFaultList } from '../src/index.js';
import { cli, cliBuilt, errorOfAsync, repoRoot, useTempDir } from './helpers.js';

const dir = useTempDir('user-errors');

describe('trace and layout readers', () => {
  const cases: [string, string][] = [
    ['null.json', 'null'],
    ['null-trace.json', '{"data": [null]}'],
    ['null-span.json', '{"data": [{"traceID": "t", "spans": [null], "processes": {}}]}'],
    ['null-resource.json', '{"resourceSpans": [null]}'],
    ['null-otlp-span.json', '{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "a"}}]}, "scopeSpans": [{"spans": [null]}]}]}'],
    ['null-scope.json', '{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "a"}}]}, "scopeSpans": [null]}]}'],
  ];
  for (const [name, text] of cases) {
    it(`trace JSON ${text}: MS_BAD_FORMAT naming the file`, async () => {
      const f = join(dir(), name);
      writeFileSync(f, text);
      const e = await errorOfAsync(readTraces(f));
      expect(e.code).toBe('MS_BAD_FORMAT');
      expect(e.message).toContain(f);
    });
  }
  it('a truncated .json.gz trace: MS_BAD_FORMAT naming the file', async () => {
    const f = join(dir(), 'cut.json.gz');
    const whole = gzipSync(JSON.stringify({ data: [{ traceID: 't', spans: [{ spanID: 'a', processID: 'p' }], processes: { p: { serviceName: 's' } } }] }));
    writeFileSync(f, whole.subarray(0, whole.length >> 1));
    const e = await errorOfAsync(readTraces(f));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain(f);
    expect(e.message).toMatch(/gzip/);
  });
  it('a call-graph JSON that is null, and a fault list holding null', async () => {
    const g = join(dir(), 'graph.json');
    writeFileSync(g, 'null');
    expect((await errorOfAsync(readGraph(g))).code).toBe('MS_BAD_FORMAT');
    const f = join(dir(), 'faults.json');
    writeFileSync(f, '{"11": [null]}');
    const e = await errorOfAsync(readFaultList(f));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain(f);
  });
  it('an empty Train Ticket metric file: MS_BAD_FORMAT naming it', async () => {
    const day = join(dir(), 'day');
    mkdirSync(join(day, 'metric'), { recursive: true });
    writeFileSync(join(day, 'metric', 'front_service.csv'), 'TimeStamp,cpu\n60,1\n120,2\n');
    writeFileSync(join(day, 'metric', 'ts-a-service-5f55b6cf68-qmx8k_metric.csv'), '');
    const e = await errorOfAsync(readTrainTicketDay(day));
    expect(e.code).toBe('MS_BAD_FORMAT');
    expect(e.message).toContain('ts-a-service-5f55b6cf68-qmx8k_metric.csv');
  });
  it('a Prometheus input that is not a URL: MS_BAD_OPTION', async () => {
    for (const spec of ['not a url', 'ftp://host/?job=x&start=0&end=60']) {
      const e = await errorOfAsync(Promise.resolve().then(() => readPrometheusUrl(spec)));
      expect(e.code).toBe('MS_BAD_OPTION');
      expect(e.message).toContain(spec);
    }
  });
});

describe('a dense matrix too large for memory', () => {
  it('is refused before allocating, saying how much it needs and what to use instead', async () => {
    const cols: Record<string, Float64Array> = {};
    for (let c = 0; c < 100_000; c++) cols[`m${c}`] = Float64Array.of(c, c + 1, c % 7);
    const t0 = Date.now();
    const e = await errorOfAsync(miMatrix(cols));
    expect(e.code).toBe('MS_OUT_OF_MEMORY');
    expect(e.message).toMatch(/100000 × 100000/);
    expect(e.message).toMatch(/GB/);
    expect(e.message).toMatch(/threshold/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe.skipIf(!cliBuilt)('on the command line (needs `npm run build:ts`)', () => {
  const small = () => {
    const f = join(dir(), 'small.csv');
    const rows = ['time,a,b,c'];
    for (let t = 0; t < 50; t++) rows.push(`${t},${Math.sin(t)},${t % 7},${Math.cos(t)}`);
    writeFileSync(f, rows.join('\n') + '\n');
    return f;
  };
  it('scan --format prometheus with a non-URL: exit 2 with a code', async () => {
    const r = await cli('scan', '--format', 'prometheus', 'localhost-9090', '--out', join(dir(), 'o1'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/localhost-9090.*MS_BAD_(FORMAT|OPTION)/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
  it('scan --out that cannot be created: exit 2, MS_WRITE_FAILED naming it', async () => {
    const file = join(dir(), 'plain-file');
    writeFileSync(file, 'x');
    const r = await cli('scan', small(), '--out', join(file, 'out'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MS_WRITE_FAILED/);
    expect(r.stderr).toContain(join(file, 'out'));
  });
  it.skipIf(!existsSync('/dev/full'))('stdout on a full disk (/dev/full): exit 2, MS_WRITE_FAILED, no stack trace', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [join(repoRoot, 'bin/metricsift.js'), 'matrix', small()], { stdio: ['ignore', fd, 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((res) => child.on('close', res));
      expect(code).toBe(2);
      expect(stderr).toMatch(/standard output/);
      expect(stderr).toMatch(/MS_WRITE_FAILED/);
      expect(stderr).not.toMatch(/    at /);
    } finally {
      closeSync(fd);
    }
  });
  it('a dense 100,000-column matrix: exit 2 with the size and --threshold', async () => {
    const f = join(dir(), 'wide.csv');
    const names = Array.from({ length: 100_000 }, (_, c) => `m${c}`);
    writeFileSync(f, ['time', ...names].join(',') + '\n' + [0, 1, 2].map((t) => [t, ...names.map((_, c) => (c * (t + 1)) % 11)].join(',')).join('\n') + '\n');
    const r = await cli('matrix', f, '--out', join(dir(), 'wide-out.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MS_OUT_OF_MEMORY/);
    expect(r.stderr).toMatch(/--threshold/);
    expect(existsSync(join(dir(), 'wide-out.csv'))).toBe(false);
  });
});
