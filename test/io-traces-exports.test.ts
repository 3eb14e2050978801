// Trace exports as users have them: real files from Jaeger, OpenTelemetry and Zipkin, and the Tempo
// and Collector JSON Lines shapes converted from a Jaeger one (test/fixtures/traces/README.md), each
// against expectations computed independently in Python (expected.py → expected.json); then every
// accepted shape, ID spelling and bad input.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callGraphFromSpans, loadTraces, normalizeId, parseSpanCsv, parseTraceJson, podToService, readTraces, traceSummary, type Span } from '../src/io/traces.js';
import { errorOfAsync, useTempDir } from './helpers.js';

const DIR = new URL('./fixtures/traces/', import.meta.url).pathname;
interface Expected {
  services: string[]; edges: { from: string; to: string; probability: number }[]; entry: Record<string, number>;
  traces: number; spans: number; orphans: number;
}
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
const tempDir = useTempDir('trace-exports');

describe('real exports (test/fixtures/traces, expectations from expected.py)', () => {
  for (const [file, want] of Object.entries(EXPECTED)) {
    it(file, async () => {
      const { graph, stats } = callGraphFromSpans(await readTraces(join(DIR, file)));
      expect(stats.services).toEqual(want.services);
      expect({ traces: stats.traces, spans: stats.spans, orphans: stats.orphans }).toEqual({ traces: want.traces, spans: want.spans, orphans: want.orphans });
      expect(graph.edges.map((e) => [e.from, e.to])).toEqual(want.edges.map((e) => [e.from, e.to]));
      graph.edges.forEach((e, k) => expect(e.probability).toBeCloseTo(want.edges[k].probability, 12));
      expect(graph.entry).toEqual(want.entry);
    });
  }
  it('reads the whole directory at once (all shapes mixed) and counts files', async () => {
    const read = await loadTraces(DIR, { lenient: true });
    expect(read.files).toBe(Object.keys(EXPECTED).length);
    expect(read.skipped.map((s) => s.file.slice(DIR.length))).toEqual(['expected.json']);  // not a trace shape
    expect(read.spans.length).toBe(Object.values(EXPECTED).reduce((n, e) => n + e.spans, 0));
  }, 20_000);
});

const tree = (spans: Span[]) => callGraphFromSpans(spans).graph.edges.map((e) => `${e.from}>${e.to}:${e.probability}`);

describe('every accepted shape gives the same graph', () => {
  // A calls B; B calls C; the same two-service call in every encoding.
  const ids = { t: '00000000000000000000000000ABCDEF', a: '00000000000000A1', b: '00000000000000B2', c: '00000000000000C3' };
  const otlpRes = (svc: string, spans: object[]) => ({ resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] }, scopeSpans: [{ spans }] });
  const otlp = {
    resourceSpans: [
      otlpRes('A', [{ traceId: ids.t, spanId: ids.a }]),
      otlpRes('B', [{ traceId: ids.t.toLowerCase(), spanId: ids.b.toLowerCase(), parentSpanId: ids.a.toLowerCase() }]),  // other case
      otlpRes('C', [{ traceId: ids.t, spanId: ids.c, parentSpanId: ids.b }]),
    ],
  };
  const want = ['A>B:1', 'B>C:1'];
  it('OTLP, Jaeger v2 result, Tempo batches and {"trace"}, JSON Lines', async () => {
    expect(tree(parseTraceJson(otlp, 'o'))).toEqual(want);
    expect(tree(parseTraceJson({ result: otlp }, 'j2'))).toEqual(want);
    expect(tree(parseTraceJson({ batches: otlp.resourceSpans }, 'tempo'))).toEqual(want);
    expect(tree(parseTraceJson({ trace: otlp }, 'tempo2'))).toEqual(want);
    const b64 = (h: string) => Buffer.from(h, 'hex').toString('base64');
    const tempo = { batches: otlp.resourceSpans.map((r) => ({ ...r, scopeSpans: r.scopeSpans.map((s) => ({ spans: s.spans.map((x) => Object.fromEntries(Object.entries(x as Record<string, string>).map(([k, v]) => [k, b64(v)]))) })) })) };
    expect(JSON.stringify(tempo)).toContain('==');
    expect(tree(parseTraceJson(tempo, 'tempo-b64'))).toEqual(want);
    const f = join(tempDir(), 'collector.json');  // the Collector's file exporter: one document a line, .json
    writeFileSync(f, otlp.resourceSpans.map((r) => JSON.stringify({ resourceSpans: [r] })).join('\n') + '\n');
    expect(tree(await readTraces(f))).toEqual(want);
  });
  it('Jaeger: API, bare trace, array of traces, embedded process, parentSpanID, IDs in any case', () => {
    const procs = { p1: { serviceName: 'A' }, p2: { serviceName: 'B' }, p3: { serviceName: 'C' } };
    const trace = {
      traceID: ids.t, processes: procs,
      spans: [
        { traceID: ids.t, spanID: ids.a, processID: 'p1', references: [] },
        { traceID: ids.t.toLowerCase(), spanID: ids.b, processID: 'p2', references: [{ refType: 'CHILD_OF', traceID: ids.t, spanID: ids.a.toLowerCase() }] },
        { traceID: ids.t, spanID: ids.c, processID: 'p3', references: [{ refType: 'CHILD_OF', traceID: ids.t, spanID: ids.b }] },
      ],
    };
    expect(tree(parseTraceJson({ data: [trace] }, 'api'))).toEqual(want);
    expect(tree(parseTraceJson(trace, 'bare'))).toEqual(want);
    expect(tree(parseTraceJson([trace], 'array'))).toEqual(want);
    const storage = [  // Jaeger storage documents: process embedded, parent as parentSpanID
      { traceID: 'abcdef', spanID: 'a1', parentSpanID: '0', process: { serviceName: 'A' } },
      { traceID: 'ABCDEF', spanID: 'B2', parentSpanID: 'A1', process: { serviceName: 'B' } },
      { traceID: 'abcdef', spanID: 'c3', parentSpanID: '00b2', process: { serviceName: 'C' } },
    ];
    expect(tree(parseTraceJson(storage, 'es'))).toEqual(want);
    expect(tree(parseTraceJson({ traceID: 'abcdef', spans: storage }, 'trace of documents'))).toEqual(want);
  });
  it('Zipkin v2: spans and the API\'s list of traces', () => {
    const z = [
      { traceId: 'AbC', id: '1', localEndpoint: { serviceName: 'A' } },
      { traceId: 'abc', id: '2', parentId: '1', localEndpoint: { serviceName: 'B' } },
      { traceId: 'abc', id: '3', parentId: '2', localEndpoint: { serviceName: 'C' } },
    ];
    expect(tree(parseTraceJson(z, 'z'))).toEqual(want);
    expect(tree(parseTraceJson([z], 'zz'))).toEqual(want);
  });
  it('OTLP resource without service.name is unknown_service (with the executable when known)', () => {
    const spans = parseTraceJson({ resourceSpans: [{ resource: { attributes: [{ key: 'process.executable.name', value: { stringValue: 'java' } }] }, scopeSpans: [{ spans: [{ traceId: '1', spanId: '2' }] }] }, { scopeSpans: [{ spans: [{ traceId: '1', spanId: '3', parentSpanId: '2' }] }] }] }, 'o');
    expect(spans.map((s) => s.service)).toEqual(['unknown_service:java', 'unknown_service']);
  });
  it('span CSV with a UTF-8 BOM and upper-case IDs', async () => {
    const f = join(tempDir(), 'bom.csv');
    writeFileSync(f, '\uFEFFTraceID,SpanID,ParentID,PodName\nAB1,AA,root,a-1-2\nab1,bb,aa,b-1-2\nAB1,CC,BB,c-1-2\n');
    expect(tree(await readTraces(f))).toEqual(['a>b:1', 'b>c:1']);
    expect(parseSpanCsv('\uFEFFTraceID,SpanID,ParentID,PodName\n', 'x')).toEqual([]);
  });
  it('span CSV scanned in place: the same spans as splitting every line (CRLF, blank lines, columns in any order, extra cells)', () => {
    const text = 'PodName,Duration,ParentID,SpanID,TraceID\r\nts-a-service-1-2,5,root,0A,00ff\r\n\r\nts-b-1-2,7,0a,b,FF,extra\r\nredis,1,,c,ff\r\n';
    const split = (t: string) => {
      const lines = t.split(/\r?\n/);
      const h = lines[0].split(',');
      return lines.slice(1).filter((l) => l).map((l) => {
        const f = l.split(',');
        const parent = f[h.indexOf('ParentID')];
        return { traceId: normalizeId(f[h.indexOf('TraceID')]), spanId: normalizeId(f[h.indexOf('SpanID')]), parentId: parent === 'root' || parent === '' ? null : normalizeId(parent), service: podToService(f[h.indexOf('PodName')]) };
      });
    };
    expect(parseSpanCsv(text, 'x')).toEqual(split(text));
    expect(parseSpanCsv(text, 'x').map((s) => [s.traceId, s.spanId, s.parentId, s.service])).toEqual([['ff', 'a', null, 'ts-a-service'], ['ff', 'b', 'a', 'ts-b'], ['ff', 'c', null, 'redis']]);
    expect(() => parseSpanCsv('TraceID,SpanID,ParentID,PodName\n1,2,root,p\n1,3,2\n', 'short.csv')).toThrow(/short\.csv: line 3 has 3 cells but the header has 4/);
    expect(['abc', '0abc', 'ABC', '00', '0', 'xyz', 'abc-1'].map(normalizeId)).toEqual(['abc', 'abc', 'abc', '0', '0', 'xyz', 'abc-1']);
  });
});

describe('bad trace files and --lenient', () => {
  it('an unknown shape names the accepted ones', () => {
    expect(() => parseTraceJson({ hello: 1 }, 'x.json')).toThrow(/x\.json: not a trace shape.*"hello".*Jaeger query API.*OTLP JSON.*Tempo.*Zipkin v2/);
    expect(() => parseTraceJson(null, 'n.json')).toThrow(expect.objectContaining({ code: 'MS_BAD_FORMAT', message: expect.stringMatching(/found null/) }));
    expect(() => parseTraceJson({ data: [{ traceID: '1', spans: [null], processes: {} }] }, 'j.json')).toThrow(expect.objectContaining({ code: 'MS_BAD_FORMAT' }));
  });
  it('fails naming the file by default, skips it with a reason under lenient', async () => {
    const dir = join(tempDir(), 'mixed');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.json'), readFileSync(join(DIR, 'zipkin-skew.json')));
    writeFileSync(join(dir, 'b.json'), '{"data": [');
    writeFileSync(join(dir, 'c.jsonl'), '{"resourceSpans": []}\n{broken\n');
    expect(await errorOfAsync(loadTraces(dir))).toMatchObject({ code: 'MS_BAD_FORMAT', message: expect.stringMatching(/b\.json: malformed JSON/) });
    const read = await loadTraces(dir, { lenient: true });
    expect(read.files).toBe(1);
    expect(read.skipped.map((s) => s.file.slice(dir.length + 1))).toEqual(['b.json', 'c.jsonl']);
    expect(read.skipped[1].reason).toMatch(/line 2/);
    const built = callGraphFromSpans(read.spans);
    const sum = traceSummary(read, built.stats, built.graph, ['servicea', 'cart']);
    expect(sum).toMatchObject({ files: 1, traces: 1, spans: 4, orphans: 0, edges: 1, metricServicesNotInGraph: ['cart'], graphServicesWithoutMetrics: ['serviceb'] });
  });
});
