// Traces → call graph and probabilities: hand-built traces in every format, the real Train Ticket
// spans and PetShop's adjacency CSV (slices in test/fixtures), and bad input.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { callGraphFromSpans, parseJaeger, parseOtlp, parseSpanCsv, podToService, readGraphCsv, readTraces, type Span } from '../src/io/traces.js';
import { errorOfAsync, fixtures, useTempDir } from './helpers.js';

// Two traces rooted in A. Invocation 1 of A: an internal A span, which calls B twice. Invocation 2
// of A calls C. B calls D once. So P(B|A) = P(C|A) = 1/2, P(D|B) = 1/2 (B is invoked twice).
const SPANS: Span[] = [
  { traceId: 't1', spanId: 'a1', parentId: null, service: 'A' },
  { traceId: 't1', spanId: 'a2', parentId: 'a1', service: 'A' },
  { traceId: 't1', spanId: 'b1', parentId: 'a2', service: 'B' },
  { traceId: 't1', spanId: 'b2', parentId: 'a2', service: 'B' },
  { traceId: 't1', spanId: 'd1', parentId: 'b2', service: 'D' },
  { traceId: 't2', spanId: 'a3', parentId: null, service: 'A' },
  { traceId: 't2', spanId: 'c1', parentId: 'a3', service: 'C' },
];
const EXPECTED = [
  { from: 'A', to: 'B', probability: 0.5 },
  { from: 'A', to: 'C', probability: 0.5 },
  { from: 'B', to: 'D', probability: 0.5 },
];
const tempDir = useTempDir('traces');

describe('call graph from spans', () => {
  it('counts invocations, not spans, for P(b | a), and roots for P(entry)', () => {
    const { graph, stats } = callGraphFromSpans(SPANS);
    expect(graph.edges).toEqual(EXPECTED);
    expect(graph.entry).toEqual({ A: 1 });
    expect(stats).toMatchObject({ traces: 2, spans: 7, orphans: 0, services: ['A', 'B', 'C', 'D'] });
  });
  it('reads the same traces from Jaeger JSON, OTLP JSON and Train Ticket CSV', () => {
    const procs = { p1: { serviceName: 'A' }, p2: { serviceName: 'B' }, p3: { serviceName: 'C' }, p4: { serviceName: 'D' } };
    const pid = (s: string) => `p${'ABCD'.indexOf(s) + 1}`;
    const jaeger = {
      data: ['t1', 't2'].map((traceID) => ({
        traceID, processes: procs,
        spans: SPANS.filter((s) => s.traceId === traceID).map((s) => ({
          traceID, spanID: s.spanId, processID: pid(s.service), references: s.parentId ? [{ refType: 'CHILD_OF', traceID, spanID: s.parentId }] : [],
        })),
      })),
    };
    expect(callGraphFromSpans(parseJaeger(jaeger, 'j.json')).graph.edges).toEqual(EXPECTED);
    const otlp = {
      resourceSpans: ['A', 'B', 'C', 'D'].map((svc) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
        scopeSpans: [{ spans: SPANS.filter((s) => s.service === svc).map((s) => ({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentId ?? '' })) }],
      })),
    };
    expect(callGraphFromSpans(parseOtlp(otlp, 'o.json')).graph.edges).toEqual(EXPECTED);
    const csv = 'TraceID,SpanID,ParentID,PodName,OperationName\n' +
      SPANS.map((s) => `${s.traceId},${s.spanId},${s.parentId ?? 'root'},${s.service}-5f55b6cf68-qmx8k,op`).join('\n');
    expect(callGraphFromSpans(parseSpanCsv(csv, 's.csv')).graph.edges).toEqual(EXPECTED);
  });
  it('maps Train Ticket pods to services', () => {
    expect(podToService('ts-travel-service-64469b5b48-5rjvb')).toBe('ts-travel-service');
    expect(podToService('redis')).toBe('redis');
  });
  it('counts spans whose parent is missing as orphans', () => {
    const { stats, graph } = callGraphFromSpans([...SPANS, { traceId: 't2', spanId: 'x', parentId: 'gone', service: 'B' }]);
    expect(stats.orphans).toBe(1);
    expect(graph.edges.find((e) => e.from === 'B')!.probability).toBeCloseTo(1 / 3, 12);  // 3 invocations of B now
  });
});

const TT = join(fixtures, 'trainticket/2023-01-30/trace');
describe('real data (slices in test/fixtures; the whole files: test/data/traces.test.ts)', () => {
  it('two Train Ticket span files give 28 services and 48 edges, entered at the gateway', async () => {
    // 28 / 48 / gateway: counted independently with Python's csv module (parent span's service ≠ the
    // child's is an edge; service = pod minus its last two parts).
    const { graph, stats } = callGraphFromSpans(await readTraces(TT));
    expect(stats.services).toHaveLength(28);
    expect(graph.edges).toHaveLength(48);
    expect(graph.entry).toEqual({ 'ts-gateway-service': 1 });
    for (const e of graph.edges) expect(e.probability).toBeGreaterThan(0);
  });
  it('PetShop graph.csv: adjacency without probabilities', async () => {
    const g = await readGraphCsv(join(fixtures, 'petshop/high_traffic/graph.csv'));
    expect(g.services).toHaveLength(44);
    expect(g.edges.length).toBeGreaterThan(20);
    expect(g.edges.every((e) => e.probability === undefined)).toBe(true);
  });
});

describe('bad trace input', () => {
  it('names the file and the problem', async () => {
    const dir = join(tempDir(), 'mixed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.json'), '{"data": [');
    expect(await errorOfAsync(readTraces(dir))).toMatchObject({ code: 'MS_BAD_FORMAT', message: expect.stringMatching(/a\.json.*malformed JSON/) });
    writeFileSync(join(dir, 'a.json'), '{"something": 1}');
    expect((await errorOfAsync(readTraces(dir))).message).toMatch(/not a trace shape metricsift reads.*accepted: Jaeger query API/);
    const empty = join(tempDir(), 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'ignored');
    expect((await errorOfAsync(readTraces(empty))).code).toBe('MS_BAD_FORMAT');
    expect((await errorOfAsync(readTraces(join(tempDir(), 'nope')))).code).toBe('MS_FILE_NOT_FOUND');
    const csv = join(tempDir(), 'spans.csv.gz');
    writeFileSync(csv, gzipSync('TraceID,SpanID\nt,s\n'));
    expect((await errorOfAsync(readTraces(csv))).message).toMatch(/no "ParentID" column/);
    const g = join(tempDir(), 'g.csv');
    writeFileSync(g, ',a,b\na,0,x\nb,0,0\n');
    expect((await errorOfAsync(readGraphCsv(g))).message).toMatch(/line 2, column "b": "x" is not a number/);
  });
});

describe('empty traces', () => {
  it('is an error with its own code', () => {
    expect(() => callGraphFromSpans([])).toThrow(expect.objectContaining({ code: 'MS_EMPTY_TRACES' }));
  });
});

describe('given graphs', () => {
  it('reads JSON edges (array or {edges, entry}) and names bad ones', async () => {
    const { readGraph } = await import('../src/io/traces.js');
    const a = join(tempDir(), 'g.json');
    writeFileSync(a, JSON.stringify([{ from: 'A', to: 'B', probability: 0.3 }, { from: 'B', to: 'C' }]));
    expect((await readGraph(a)).edges).toEqual([{ from: 'A', to: 'B', probability: 0.3 }, { from: 'B', to: 'C' }]);
    writeFileSync(a, JSON.stringify({ edges: [{ from: 'A', to: 'B' }], entry: { A: 1 } }));
    expect(await readGraph(a)).toEqual({ edges: [{ from: 'A', to: 'B' }], entry: { A: 1 } });
    writeFileSync(a, JSON.stringify([{ from: 'A' }]));
    expect((await errorOfAsync(readGraph(a))).message).toMatch(/edge 0 needs string "from" and "to"/);
    expect((await readGraph(join(fixtures, 'petshop/high_traffic/graph.csv'))).services).toHaveLength(44);
  });
});
