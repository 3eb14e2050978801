// The native span-CSV path of loadCallGraph (native/kernels/spans.cc) against the JS reader it
// must match exactly (loadTraces + callGraphFromSpans): seeded random span files with every quirk
// the JS reader handles, the Train Ticket slices, and the cases it hands back to the JS reader.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadCallGraph, nativeCallGraph } from '../src/io/span-graph.js';
import { callGraphFromSpans, loadTraces } from '../src/io/traces.js';
import { binding } from '../src/native.js';
import { errorOfAsync, fixtures, useTempDir } from './helpers.js';

const tempDir = useTempDir('span-graph', true);

/** The JS reader's answer, in the shape loadCallGraph gives. */
async function reference(path: string, lenient = false) {
  const read = await loadTraces(path, { lenient });
  return { ...callGraphFromSpans(read.spans), files: read.files, skipped: read.skipped };
}
// JSON text compares key order too (entry's order is that of the first root counted).
const same = (a: unknown, b: unknown) => expect(JSON.stringify(a)).toBe(JSON.stringify(b));

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PODS = ['ts-gateway-service-6f6cfc45b-h5m2n', 'ts-order-service-5b67c48447-mv5hb', 'ts-order-service-5b67c48447-zzzzz', 'redis', 'a-b', '-x-y', 'ts--q-r', 'mysql-0', 'ts-auth-service-7f8d7d756d-k7b9j'];

/** Span CSV files of `traces` random traces, spread over `files` files, with the quirks the JS reader accepts. */
function randomSpanFiles(seed: number, files: number, traces: number): string[] {
  const r = rng(seed), pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
  // Another spelling of the same ID where the JS reader normalises it (upper case, leading zeros).
  const spell = (id: string) => (/^[0-9a-f]+$/.test(id) && r() < 0.3 ? (r() < 0.5 ? id.toUpperCase() : `00${id}`) : id);
  const lines: string[][] = Array.from({ length: files }, () => []);
  for (let t = 0; t < traces; t++) {
    const trace = r() < 0.1 ? `trace-${t}` : hex(32);
    const ids: string[] = [];
    const n = 1 + Math.floor(r() * 12);
    for (let k = 0; k < n; k++) {
      const id = r() < 0.05 && ids.length ? pick(ids) : r() < 0.05 ? `span.${t}.${k}` : r() < 0.05 ? `0${hex(15)}` : r() < 0.05 ? hex(20) : r() < 0.05 ? hex(3) : hex(16);
      const u = r();
      const parent = k === 0 || u < 0.05 ? pick(['root', 'root', '', '0', '0000']) : u < 0.1 ? hex(16) : u < 0.13 ? spell(id) : spell(pick(ids));
      ids.push(id);
      lines[Math.floor(r() * files)].push(`${spell(trace)},${spell(id)},${parent},${pick(PODS)},op${k},${t},${k}${r() < 0.1 ? ',extra' : ''}`);
    }
  }
  const headers = ['TraceID,SpanID,ParentID,PodName,OperationName,Start,End', ' "TraceID" ,SpanID, ParentID,PodName,Op,S,E'];
  return lines.map((ls) => {
    const eol = r() < 0.3 ? '\r\n' : '\n';
    const body = ls.map((l) => (r() < 0.02 ? `${l}${eol}` : l)).join(eol);
    return `${pick(headers)}${eol}${body}${r() < 0.5 ? eol : ''}`;
  });
}

function writeFiles(dir: string, texts: string[], gz: (k: number) => boolean): void {
  mkdirSync(dir, { recursive: true });
  texts.forEach((t, k) => (gz(k) ? writeFileSync(join(dir, `${String(k).padStart(2, '0')}_trace.csv.gz`), gzipSync(t)) : writeFileSync(join(dir, `${String(k).padStart(2, '0')}_trace.csv`), t)));
}

describe('native span graph = the JS reader', () => {
  it('on 40 seeded random span directories (duplicate IDs, orphans, cycles, ID spellings and lengths, CRLF, gzip)', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const dir = join(tempDir(), `s${seed}`);
      writeFiles(dir, randomSpanFiles(seed, 1 + (seed % 4), 5 + seed * 3), (k) => (seed + k) % 2 === 0);
      const native = await nativeCallGraph(dir);
      expect(native, `seed ${seed}`).toBeDefined();
      same(native, await reference(dir));
    }
  });
  it('files given by path (read and inflated by the addon) count as their bytes do; two gzip members as one file', async () => {
    const dir = join(tempDir(), 'paths');
    const texts = randomSpanFiles(11, 3, 60);
    writeFiles(dir, texts, (k) => k !== 1);
    const [head, ...rest] = texts[2].split('\n');
    const half = Math.floor(rest.length / 2);
    writeFileSync(join(dir, '02_trace.csv.gz'), Buffer.concat([gzipSync([head, ...rest.slice(0, half)].join('\n') + '\n'), gzipSync(rest.slice(half).join('\n'))]));
    const counts = async (inputs: (string | Uint8Array)[]) => {
      const h = binding.spanGraphNew();
      for (const x of inputs) expect(await binding.spanGraphAdd(h, x)).toBeNull();
      return binding.spanGraphCount(h);
    };
    const files = ['00_trace.csv.gz', '01_trace.csv', '02_trace.csv.gz'].map((f) => join(dir, f));
    if (binding.spanGraphInflates) same(await counts(files), await counts(texts.map((t) => new TextEncoder().encode(t))));
    same(await nativeCallGraph(dir), await reference(dir));
  });
  it('on the Train Ticket span slices, and on one file', async () => {
    const tt = join(fixtures, 'trainticket/2023-01-30/trace');
    const native = await nativeCallGraph(tt);
    expect(native?.stats.spans).toBeGreaterThan(1000);
    same(native, await reference(tt));
    const dir = join(tempDir(), 'one');
    writeFiles(dir, randomSpanFiles(7, 1, 30), () => false);
    const file = join(dir, '00_trace.csv');
    same(await nativeCallGraph(file), await reference(file));
  });
});

describe('what the native path hands back to the JS reader', () => {
  it('a short line, a missing column, empty traces: the JS reader\'s errors', async () => {
    const dir = tempDir();
    const bad = join(dir, 'short.csv');
    writeFileSync(bad, 'TraceID,SpanID,ParentID,PodName,Op\nt,s,root,p-a-b,op\nt,s2,s\n');
    expect(await nativeCallGraph(bad)).toBeUndefined();
    const e = await errorOfAsync(loadCallGraph(bad));
    expect(e.message).toBe((await errorOfAsync(reference(bad))).message);
    expect(e.message).toMatch(/line 3 has 3 cells but the header has 5/);
    const noPod = join(dir, 'nopod.csv.gz');
    writeFileSync(noPod, gzipSync('TraceID,SpanID,ParentID\nt,s,root\n'));
    expect((await errorOfAsync(loadCallGraph(noPod))).message).toMatch(/no "PodName" column/);
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, 'TraceID,SpanID,ParentID,PodName\n');
    expect((await errorOfAsync(loadCallGraph(empty))).code).toBe('MS_EMPTY_TRACES');
    const trailing = join(dir, 'trailing.csv.gz');
    writeFileSync(trailing, Buffer.concat([gzipSync('TraceID,SpanID,ParentID,PodName\nt,s,root,p-a-b\n'), Buffer.from('junk')]));
    expect(await nativeCallGraph(trailing)).toBeUndefined();
    const [got, want] = await Promise.allSettled([loadCallGraph(trailing), reference(trailing)]);
    same(got.status === 'fulfilled' ? got.value : (got.reason as Error).message, want.status === 'fulfilled' ? want.value : (want.reason as Error).message);
    const corrupt = join(dir, 'corrupt.csv.gz');
    writeFileSync(corrupt, gzipSync('TraceID,SpanID,ParentID,PodName\nt,s,root,p\n').subarray(0, 20));
    expect((await errorOfAsync(loadCallGraph(corrupt))).message).toMatch(/corrupt or truncated gzip/);
  });
  it('lenient: a bad file is skipped as the JS reader skips it', async () => {
    const dir = join(tempDir(), 'lenient');
    writeFiles(dir, randomSpanFiles(3, 3, 20), () => false);
    writeFileSync(join(dir, '01_trace.csv'), 'TraceID,SpanID\nt,s\n');
    const got = await loadCallGraph(dir, { lenient: true });
    expect(got.skipped).toHaveLength(1);
    same(got, await reference(dir, true));
  });
  it('non-ASCII pods and JSON files: read by the JS reader, same answer', async () => {
    const dir = join(tempDir(), 'utf8');
    writeFiles(dir, [randomSpanFiles(5, 1, 20)[0].replaceAll('redis', 'rédis')], () => false);
    expect(await nativeCallGraph(dir)).toBeUndefined();
    same(await loadCallGraph(dir), await reference(dir));
    expect((await loadCallGraph(dir)).stats.services).toContain('rédis');
    const mixed = join(tempDir(), 'mixed');
    writeFiles(mixed, randomSpanFiles(6, 1, 10), () => false);
    writeFileSync(join(mixed, 'j.json'), JSON.stringify({ data: [{ traceID: 'ab', processes: { p: { serviceName: 'S' } }, spans: [{ traceID: 'ab', spanID: '1', processID: 'p' }] }] }));
    expect(await nativeCallGraph(mixed)).toBeUndefined();
    same(await loadCallGraph(mixed), await reference(mixed));
  });
  it('the binding takes one call at a time per handle, and only its own handles', async () => {
    const h = binding.spanGraphNew();
    const bytes = new TextEncoder().encode('TraceID,SpanID,ParentID,PodName\nt,s,root,p\n');
    const first = binding.spanGraphAdd(h, bytes);
    expect(() => binding.spanGraphAdd(h, bytes)).toThrow(expect.objectContaining({ code: 'MS_BAD_INPUT' }));
    expect(await first).toBeNull();
    expect(await binding.spanGraphAdd(h, bytes)).toBeNull();
    expect((await binding.spanGraphCount(h)).spans).toBe(2);
    expect(() => binding.spanGraphAdd({} as typeof h, bytes)).toThrow(expect.objectContaining({ code: 'MS_BAD_INPUT' }));
  });
});
