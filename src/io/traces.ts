/**
 * Traces → call graph with call probabilities, for KIMetrix. Reads every common export (see
 * {@link TRACE_SHAPES}: Jaeger v1/v2 API and storage documents, OTLP JSON and JSON Lines, Tempo,
 * Zipkin v2) and the Train Ticket span CSV files (`TraceID,SpanID,ParentID,PodName,…`, gzip too),
 * and adjacency CSVs as PetShop's `graph.csv` (row calls column) for graphs without traces.
 *
 * Probabilities (decided; README "KIMetrix"): an invocation of service a is a span of a whose
 * parent is in another service, is missing, or is none (a root). P(b | a) = the share of a's
 * invocations whose span subtree inside a has a child span in b. P(a) as entry = the share of
 * traces whose root span is in a.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isAscii } from 'node:buffer';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { CallGraph } from '../select/topology.js';
import { fileError } from './csv.js';
import type { WorkerPool } from '../pool/pool.js';

const gunzipAsync = promisify(gunzip);

export interface Span {
  traceId: string;
  spanId: string;
  /** Null for a trace's root span. */
  parentId: string | null;
  service: string;
}

export interface TraceStats {
  traces: number;
  spans: number;
  /** Spans whose parent is not in their trace (treated as invocations, not as roots). */
  orphans: number;
  services: string[];
}

/** Train Ticket pods are `<service>-<replicaset hash>-<pod hash>`: drop the last two parts. */
export function podToService(pod: string): string {
  const parts = pod.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : pod;
}

/** Builds the call graph, its call probabilities and entry probabilities from spans. */
export function callGraphFromSpans(spans: Span[]): { graph: CallGraph; stats: TraceStats } {
  if (spans.length === 0) throw new MetricsiftError('the traces hold no span: no call graph can be built', ErrorCode.EMPTY_TRACES);
  // Spans by trace, in order of first appearance; within a trace one span per ID (a repeated ID keeps
  // its first place and its last span). Indices into `spans`, not maps of objects: a day has ~10^5.
  const byTrace = new Map<string, number[]>();
  for (let k = 0; k < spans.length; k++) {
    const list = byTrace.get(spans[k].traceId);
    if (list) list.push(k);
    else byTrace.set(spans[k].traceId, [k]);
  }
  const invocations = new Map<string, number>();               // service → invocations
  const calls = new Map<string, Map<string, number>>();         // a → b → invocations of a that call b
  const rootsOf = new Map<string, number>();                    // service → traces rooted there
  let orphans = 0;
  const services = new Set<string>();
  const at = new Map<string, number>();  // spanId → position in `trace` (one trace at a time)
  let trace: Span[] = [], parent = new Int32Array(0), entry = new Int32Array(0), chain = new Int32Array(0);
  for (const list of byTrace.values()) {
    at.clear();
    trace.length = 0;
    for (const k of list) {
      const s = spans[k], p = at.get(s.spanId);
      if (p === undefined) { at.set(s.spanId, trace.length); trace.push(s); } else trace[p] = s;
    }
    const n = trace.length;
    if (parent.length < n) { parent = new Int32Array(2 * n); entry = new Int32Array(2 * n); chain = new Int32Array(2 * n); }
    for (let u = 0; u < n; u++) {
      const pid = trace[u].parentId;
      parent[u] = pid === null ? -1 : at.get(pid) ?? -1;
      entry[u] = -1;
    }
    // A span's invocation entry: walk up while the parent is in the same service (iteratively: traces can be deep).
    const entryOf = (u: number): number => {
      if (entry[u] >= 0) return entry[u];
      let len = 0, cur = u, e = -1;
      for (;;) {
        chain[len++] = cur;
        const p = parent[cur];
        if (p < 0 || trace[p].service !== trace[cur].service || len > n) break;
        if (entry[p] >= 0) { e = entry[p]; break; }
        cur = p;
      }
      if (e < 0) e = cur;
      for (let c = 0; c < len; c++) entry[chain[c]] = e;
      return e;
    };
    const called = new Map<number, Set<string>>();  // entry span → services it calls
    for (let u = 0; u < n; u++) {
      const s = trace[u];
      services.add(s.service);
      const p = parent[u];
      if (s.parentId === null) rootsOf.set(s.service, (rootsOf.get(s.service) ?? 0) + 1);
      else if (p < 0) orphans++;
      if (entryOf(u) === u) invocations.set(s.service, (invocations.get(s.service) ?? 0) + 1);
      if (p >= 0 && trace[p].service !== s.service) {
        const e = entryOf(p);
        const set = called.get(e);
        if (set) set.add(s.service);
        else called.set(e, new Set([s.service]));
      }
    }
    for (const [e, targets] of called) {
      const a = trace[e].service;
      if (!calls.has(a)) calls.set(a, new Map());
      for (const b of targets) calls.get(a)!.set(b, (calls.get(a)!.get(b) ?? 0) + 1);
    }
  }
  return graphFromCounts({ calls, invocations, rootsOf, services, traces: byTrace.size, spans: spans.length, orphans });
}

/** What the call graph is computed from: counts over the spans (see {@link callGraphFromSpans}). @internal */
export interface SpanCountMaps {
  /** a → b → invocations of a that call b. */
  calls: Map<string, Map<string, number>>;
  /** Service → invocations. */
  invocations: Map<string, number>;
  /** Service → traces rooted there, in order of the first root span counted. */
  rootsOf: Map<string, number>;
  services: Iterable<string>;
  traces: number;
  spans: number;
  orphans: number;
}

/** The call graph and its statistics from the counts (shared with the native span reader, src/io/span-graph.ts). @internal */
export function graphFromCounts(c: SpanCountMaps): { graph: CallGraph; stats: TraceStats } {
  const edges = [];
  for (const [a, targets] of [...c.calls].sort()) {
    for (const [b, k] of [...targets].sort()) edges.push({ from: a, to: b, probability: k / c.invocations.get(a)! });
  }
  const rootTraces = [...c.rootsOf.values()].reduce((x, y) => x + y, 0);
  const entryP: Record<string, number> = {};
  for (const [s, k] of c.rootsOf) entryP[s] = k / rootTraces;
  return {
    graph: { edges, entry: entryP, services: [...c.services].sort() },
    stats: { traces: c.traces, spans: c.spans, orphans: c.orphans, services: [...c.services].sort() },
  };
}

function bad(source: string, what: string): never {
  throw new MetricsiftError(`${source}: ${what}`, ErrorCode.BAD_FORMAT);
}

/** What a trace file may hold; named in the error for anything else. */
export const TRACE_SHAPES = [
  'Jaeger query API {"data": [traces]}',
  'a Jaeger trace {traceID, spans, processes} or an array of them',
  'Jaeger spans with an embedded "process" (storage documents; "parentSpanID" or references)',
  'OTLP JSON {"resourceSpans": …}',
  'Jaeger v2 API {"result": {"resourceSpans": …}}',
  'Tempo {"batches": …} or {"trace": {"resourceSpans"|"batches": …}}',
  'JSON Lines of any of these (the OpenTelemetry Collector file exporter)',
  'Zipkin v2 JSON [spans] or [[spans]]',
  'span CSV TraceID,SpanID,ParentID,PodName,…',
];

/**
 * One spelling per ID: hex is compared case-insensitively and without leading zeros (Jaeger writes
 * `1` where the UI writes `0000000000000001`); other strings are kept as they are.
 */
export function normalizeId(id: unknown): string {
  const s = typeof id === 'number' ? id.toString(16) : String(id ?? '');
  // Fast path (nearly every ID): lowercase hex without a leading zero is already normal.
  if (s.length > 0 && s.charCodeAt(0) !== 48) {
    let plain = true;
    for (let i = 0; i < s.length && plain; i++) {
      const ch = s.charCodeAt(i);
      plain = (ch >= 48 && ch <= 57) || (ch >= 97 && ch <= 102);
    }
    if (plain) return s;
  }
  if (!/^[0-9a-fA-F]+$/.test(s)) return s;
  const t = s.toLowerCase().replace(/^0+/, '');
  return t === '' ? '0' : t;
}

/** Base64 (OTLP through protobuf's JSON mapping, as Tempo answers) → hex. */
function base64ToHex(id: string): string {
  return Buffer.from(id, 'base64').toString('hex');
}

const isBase64Id = (s: unknown) => typeof s === 'string' && /^(?:[A-Za-z0-9+/]{11}=?|[A-Za-z0-9+/]{22}(?:==)?)$/.test(s);
const isHex = (s: unknown) => typeof s === 'string' && /^[0-9a-fA-F]*$/.test(s);
/** A null/empty/all-zero parent ID means "no parent" in every format. */
const parentOrNull = (id: unknown): string | null => {
  if (id === undefined || id === null || id === '') return null;
  const n = normalizeId(id);
  return n === '0' ? null : n;
};

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

interface JaegerSpan {
  traceID?: string; spanID?: string; processID?: string; parentSpanID?: string;
  process?: { serviceName?: string };
  references?: { refType?: string; traceID?: string; spanID?: string }[];
}

/** One Jaeger span: the first CHILD_OF reference in its own trace, else FOLLOWS_FROM, else `parentSpanID`. */
function jaegerSpan(s: JaegerSpan, processes: Record<string, { serviceName?: string }> | undefined, traceId: unknown, source: string): Span {
  if (typeof s !== 'object' || s === null || Array.isArray(s) || s.spanID === undefined) bad(source, 'a Jaeger span without "spanID"');
  const service = s.process?.serviceName ?? (s.processID !== undefined ? processes?.[s.processID]?.serviceName : undefined);
  if (!service) bad(source, `span ${s.spanID} has no process serviceName (processID ${s.processID ?? 'missing'})`);
  const trace = normalizeId(s.traceID ?? traceId);
  const spanId = normalizeId(s.spanID);
  const refs = (Array.isArray(s.references) ? s.references : []).filter((r) => typeof r === 'object' && r !== null && r.spanID !== undefined && (r.traceID === undefined || normalizeId(r.traceID) === trace));
  const ref = refs.find((r) => r.refType === 'CHILD_OF') ?? refs.find((r) => r.refType === 'FOLLOWS_FROM') ?? refs[0];
  let parent = ref ? parentOrNull(ref.spanID) : parentOrNull(s.parentSpanID);
  if (parent === spanId) parent = null;  // a self-reference (seen in Jaeger's own fixtures) is no parent
  return { traceId: trace, spanId, parentId: parent, service };
}

/** Spans of a Jaeger query-API JSON document (`{"data": [...]}`), a trace, or an array of traces. */
export function parseJaeger(doc: unknown, source: string): Span[] {
  const data = isObj(doc) && 'data' in doc ? doc.data : doc;
  const traces = Array.isArray(data) ? data : [data];
  if (isObj(doc) && 'data' in doc && !Array.isArray(data)) bad(source, 'not a Jaeger document (no "data" array)');
  const spans: Span[] = [];
  for (const t of traces as { traceID?: string; spans?: unknown[]; processes?: Record<string, { serviceName?: string }> }[]) {
    if (!isObj(t) || !Array.isArray(t.spans)) bad(source, `Jaeger trace ${isObj(t) ? (t.traceID ?? '?') : String(t)} has no "spans" array`);
    for (const s of t.spans) spans.push(jaegerSpan(s as JaegerSpan, t.processes, t.traceID, source));
  }
  return spans;
}

interface OtlpResource {
  resource?: { attributes?: { key: string; value?: { stringValue?: string } }[] };
  scopeSpans?: { spans?: unknown[] }[];
  instrumentationLibrarySpans?: { spans?: unknown[] }[];
}

/**
 * Spans of an OpenTelemetry OTLP/JSON document: `resourceSpans` (OTLP, the Collector's file
 * exporter, Jaeger v2's `result`) or `batches` (Tempo). IDs are hex by the OTLP/JSON spec, base64
 * where protobuf's JSON mapping was used (Tempo): a document with any non-hex ID is read as base64.
 * A resource without `service.name` is `unknown_service` (`unknown_service:<executable>` when
 * `process.executable.name` is known), as the OpenTelemetry specification says.
 */
export function parseOtlp(doc: unknown, source: string): Span[] {
  const rs = isObj(doc) ? (doc.resourceSpans ?? doc.batches) : undefined;
  if (!Array.isArray(rs)) bad(source, 'not an OTLP document (no "resourceSpans" array)');
  const raw: { traceId: unknown; spanId: unknown; parentSpanId: unknown; service: string }[] = [];
  for (const r of rs as OtlpResource[]) {
    if (typeof r !== 'object' || r === null) bad(source, 'a resourceSpans entry is not an object');
    const attr = (k: string) => r.resource?.attributes?.find((a) => a?.key === k)?.value?.stringValue;
    const exe = attr('process.executable.name');
    const service = attr('service.name') || (exe ? `unknown_service:${exe}` : 'unknown_service');
    for (const scope of r.scopeSpans ?? r.instrumentationLibrarySpans ?? []) {
      if (!isObj(scope)) bad(source, `service "${service}": a scopeSpans entry is ${scope === null ? 'null' : typeof scope}, not an object`);
      for (const s of (scope.spans ?? []) as Obj[]) {
        if (!isObj(s) || s.spanId === undefined) bad(source, `an OTLP span of service "${service}" has no "spanId"`);
        raw.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, service });
      }
    }
  }
  // Base64 only when some ID is not hex and every ID is the base64 of 8 or 16 bytes (OTLP's sizes).
  const ids = raw.flatMap((s) => [s.traceId, s.spanId, ...(s.parentSpanId ? [s.parentSpanId] : [])]);
  const b64 = ids.some((x) => !isHex(x)) && ids.every(isBase64Id);
  const id = (x: unknown) => (b64 && typeof x === 'string' ? base64ToHex(x) : x);
  return raw.map((s) => {
    const spanId = normalizeId(id(s.spanId));
    const parent = parentOrNull(id(s.parentSpanId));
    return { traceId: normalizeId(id(s.traceId)), spanId, parentId: parent === spanId ? null : parent, service: s.service };
  });
}

interface ZipkinSpan { traceId?: string; id?: string; parentId?: string; shared?: boolean; localEndpoint?: { serviceName?: string } }

/**
 * Spans of Zipkin v2 JSON (a list of spans, or the API's list of traces). A `shared` server span
 * reuses its client's ID (B3 join): it becomes the child of that client span.
 */
export function parseZipkin(doc: unknown, source: string): Span[] {
  const flat: ZipkinSpan[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (isObj(x) && x.traceId !== undefined && x.id !== undefined) flat.push(x as ZipkinSpan);
    else bad(source, 'a Zipkin v2 element is not a span (needs "traceId" and "id")');
  };
  walk(doc);
  const shared = new Set(flat.filter((s) => s.shared).map((s) => `${normalizeId(s.traceId)} ${normalizeId(s.id)}`));
  return flat.map((s) => {
    const trace = normalizeId(s.traceId), id = normalizeId(s.id);
    const service = s.localEndpoint?.serviceName || 'unknown_service';
    const twin = shared.has(`${trace} ${id}`);
    if (s.shared) return { traceId: trace, spanId: id, parentId: `${id}~client`, service };
    return { traceId: trace, spanId: twin ? `${id}~client` : id, parentId: parentOrNull(s.parentId), service };
  });
}

/** One parsed JSON value of any accepted shape → spans. */
export function parseTraceJson(doc: unknown, source: string): Span[] {
  if (Array.isArray(doc)) {
    if (doc.length === 0) return [];
    const first = doc.find((x) => x !== null);
    if (Array.isArray(first) || (isObj(first) && first.traceId !== undefined && first.id !== undefined)) return parseZipkin(doc, source);
    return doc.flatMap((x) => parseTraceJson(x, source));
  }
  if (!isObj(doc)) unknownShape(source, doc === null ? 'null' : typeof doc);
  if ('resourceSpans' in doc || 'batches' in doc) return parseOtlp(doc, source);
  if (isObj(doc.result)) return parseTraceJson(doc.result, source);
  if (isObj(doc.trace)) return parseTraceJson(doc.trace, source);
  if ('data' in doc) return parseJaeger(doc, source);
  if (Array.isArray(doc.spans)) return parseJaeger(doc, source);
  if (doc.spanID !== undefined) return [jaegerSpan(doc as JaegerSpan, undefined, doc.traceID, source)];
  if (doc.traceId !== undefined && doc.id !== undefined) return parseZipkin([doc], source);
  unknownShape(source, `an object with keys ${Object.keys(doc).slice(0, 6).map((k) => JSON.stringify(k)).join(', ') || '(none)'}`);
}

function unknownShape(source: string, what: string): never {
  bad(source, `not a trace shape metricsift reads (found ${what}); accepted: ${TRACE_SHAPES.join('; ')}`);
}

/**
 * Spans of a Train Ticket span CSV (ParentID `root` for a root span; service from PodName). Lines
 * are scanned in place (a day is ~180,000 spans, 30 MB): only the four cells used become strings,
 * and a pod's service is worked out once per pod.
 */
export function parseSpanCsv(text: string, source: string): Span[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const eol = (from: number) => {
    const e = text.indexOf('\n', from);
    return e < 0 ? text.length : e;
  };
  const headEnd = eol(0);
  const header = text.slice(0, headEnd).replace(/\r$/, '').split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) bad(source, `no "${name}" column (expected TraceID,SpanID,ParentID,PodName,…)`);
    return i;
  };
  const [ti, si, pi, podi] = [col('TraceID'), col('SpanID'), col('ParentID'), col('PodName')];
  const services = new Map<string, string>();
  const spans: Span[] = [];
  const cells = new Array<string>(4);
  const want = [ti, si, pi, podi];
  // The previous line's raw trace ID and pod (and what they gave), reused while they repeat.
  const raw: (string | undefined)[] = [undefined, undefined, undefined, undefined];
  let traceId = '', service = '';
  let line = 1;
  for (let start = headEnd + 1; start < text.length; line++) {
    let end = eol(start);
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;  // \r\n
    if (end > start) {
      // Cell c spans [from, comma); count every cell (a short line is an error), keep the four used.
      let from = start, c = 0;
      for (;;) {
        const comma = text.indexOf(',', from);
        const to = comma < 0 || comma > end ? end : comma;
        const k = want.indexOf(c);
        if (k >= 0) {
          // A trace's spans and a pod's name come in runs: the previous line's string is reused.
          const prev = k === 0 || k === 3 ? raw[k] : undefined;
          cells[k] = prev !== undefined && prev.length === to - from && text.startsWith(prev, from) ? prev : text.slice(from, to);
          for (let k2 = k + 1; k2 < 4; k2++) if (want[k2] === c) cells[k2] = cells[k];
        }
        c++;
        if (to === end) break;
        from = to + 1;
      }
      if (c < header.length) bad(source, `line ${line + 1} has ${c} cells but the header has ${header.length}`);
      const [trace, span, parent, pod] = cells;
      if (trace !== raw[0]) traceId = normalizeId((raw[0] = trace));
      if (pod !== raw[3]) {
        raw[3] = pod;
        const known = services.get(pod);
        if (known === undefined) services.set(pod, (service = podToService(pod)));
        else service = known;
      }
      spans.push({ traceId, spanId: normalizeId(span), parentId: parent === 'root' ? null : parentOrNull(parent), service });
    }
    start = next;
  }
  return spans;
}

async function readText(path: string): Promise<string> {
  const buf = await readTraceBytes(path);
  // ASCII (span CSVs are): latin1 gives the same string without UTF-8 decoding.
  return (isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8')).replace(/^\uFEFF/, '');
}

/** A trace file's bytes, inflated when gzipped (by content, not by name). @internal */
export async function readTraceBytes(path: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      // On libuv's threads (files inflate while others are parsed), into one buffer of the size the
      // gzip trailer states (ISIZE, mod 2^32; a hint only, capped): no chunks to collect and join.
      const size = buf.length >= 18 ? buf.readUInt32LE(buf.length - 4) : 0;
      buf = await gunzipAsync(buf, { chunkSize: Math.min(Math.max(size + 1, 1 << 14), 1 << 26) });
    } catch (e) {
      bad(path, `corrupt or truncated gzip (${(e as Error).message})`);
    }
  }
  return buf;
}

/** A JSON document, or JSON Lines (one document a line) when the whole text is not one. */
export function parseTraceText(text: string, source: string): Span[] {
  try {
    return parseTraceJson(JSON.parse(text), source);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const lines = text.split(/\r?\n/);
    if (lines.filter((l) => l.trim()).length < 2) bad(source, `malformed JSON (${e.message})`);
    const spans: Span[] = [];
    lines.forEach((l, k) => {
      if (!l.trim()) return;
      let doc: unknown;
      try {
        doc = JSON.parse(l);
      } catch (le) {
        bad(source, `malformed JSON on line ${k + 1} (${(le as Error).message}); neither one JSON document nor JSON Lines`);
      }
      for (const s of parseTraceJson(doc, `${source} line ${k + 1}`)) spans.push(s);
    });
    return spans;
  }
}

export interface TraceReadOptions {
  /** Skip a file that cannot be read or parsed, with a warning, instead of failing (default false). */
  lenient?: boolean;
  /** Read and parse the files of a directory in this pool's workers (same spans, same order). */
  pool?: WorkerPool;
}

export interface TraceRead {
  spans: Span[];
  /** Files read (skipped ones not counted). */
  files: number;
  /** Files skipped under `lenient`, each with why. */
  skipped: { file: string; reason: string }[];
}

const TRACE_FILE = /\.(csv|json|jsonl|ndjson)(\.gz)?$/i;

/** The trace files a path names: itself, or a directory's trace files by name, sorted. @internal */
export async function traceFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw fileError(path, e);
  }
  const files = info.isDirectory()
    ? (await readdir(path)).filter((f) => TRACE_FILE.test(f)).sort().map((f) => join(path, f))
    : [path];
  if (files.length === 0) bad(path, 'no trace files (*.csv, *.json, *.jsonl, *.ndjson, gzipped or not) in this directory');
  return files;
}

/**
 * Spans from a file or a directory of them (every `*.csv`, `*.json`, `*.jsonl`, `*.ndjson`,
 * gzipped or not, inside; other files ignored), with how many files were read and which were
 * skipped. JSON of any shape in {@link TRACE_SHAPES}, told apart by content.
 */
export async function loadTraces(path: string, opts: TraceReadOptions = {}): Promise<TraceRead> {
  const files = await traceFiles(path);
  const spans: Span[] = [];
  const skipped: TraceRead['skipped'] = [];
  // With a pool the files are read and parsed in its workers, all at once; collected in file order.
  const parse = opts.pool ? (f: string) => opts.pool!.run<Span[]>('traces', { file: f }) : readTraceFile;
  const got = await Promise.allSettled(opts.pool ? files.map(parse) : []);
  // Without a pool, files are read and inflated a few ahead of the one being parsed.
  const AHEAD = 4;
  const texts: Promise<string>[] = [];
  const fetch = (k: number) => {
    if (k < files.length && !texts[k]) (texts[k] = readText(files[k])).catch(() => {});  // awaited below, in order
  };
  for (let k = 0; k < files.length; k++) {
    try {
      let fileSpans: Span[];
      if (opts.pool) fileSpans = settled(got[k]);
      else {
        for (let j = k; j <= k + AHEAD; j++) fetch(j);
        fileSpans = spansOf(await texts[k], files[k]);
        delete texts[k];
      }
      for (const s of fileSpans) spans.push(s);
    } catch (e) {
      if (!opts.lenient || !(e instanceof MetricsiftError)) throw e;
      skipped.push({ file: files[k], reason: e.message });
    }
  }
  return { spans, files: files.length - skipped.length, skipped };
}

function settled<T>(r: PromiseSettledResult<T>): T {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

/** The spans of one trace file (CSV by its name, JSON of any shape otherwise). @internal */
export async function readTraceFile(f: string): Promise<Span[]> {
  return spansOf(await readText(f), f);
}

function spansOf(text: string, f: string): Span[] {
  return /\.csv(\.gz)?$/i.test(f) ? parseSpanCsv(text, f) : parseTraceText(text, f);
}

/** Spans from a file or a directory of them; see {@link loadTraces}. */
export async function readTraces(path: string, opts: TraceReadOptions = {}): Promise<Span[]> {
  return (await loadTraces(path, opts)).spans;
}

/** What a scan tells about the traces it read: counts, and how the graph and the metrics agree. */
export interface TraceSummary {
  files: number;
  skipped: { file: string; reason: string }[];
  traces: number;
  spans: number;
  orphans: number;
  edges: number;
  /** Services that have metrics but appear in no span (a wrong trace file makes them all roots). */
  metricServicesNotInGraph: string[];
  /** Services of the graph without any metric. */
  graphServicesWithoutMetrics: string[];
}

/** The summary of a trace read against the services that have metrics. */
export function traceSummary(read: Pick<TraceRead, 'files' | 'skipped'>, stats: TraceStats, graph: CallGraph, metricServices: string[]): TraceSummary {
  const inGraph = new Set([...stats.services, ...graph.edges.flatMap((e) => [e.from, e.to])]);
  const withMetrics = new Set(metricServices);
  return {
    files: read.files, skipped: read.skipped, traces: stats.traces, spans: stats.spans, orphans: stats.orphans, edges: graph.edges.length,
    metricServicesNotInGraph: [...withMetrics].filter((s) => !inGraph.has(s)).sort(),
    graphServicesWithoutMetrics: [...inGraph].filter((s) => !withMetrics.has(s)).sort(),
  };
}

/**
 * A given call graph: JSON edges (`[{from, to, probability?}]` or `{edges: [...], entry?}`) or an
 * adjacency CSV (first row and column: service names; non-zero: row calls column), by extension.
 */
export async function readGraph(path: string): Promise<CallGraph> {
  if (!/\.json$/i.test(path)) return readGraphCsv(path);
  let doc: unknown;
  try {
    doc = JSON.parse(await readText(path));
  } catch (e) {
    if (e instanceof MetricsiftError) throw e;
    bad(path, `malformed JSON (${(e as Error).message})`);
  }
  const edges = Array.isArray(doc) ? doc : isObj(doc) ? doc.edges : undefined;
  if (!Array.isArray(edges)) bad(path, 'expected an array of edges or {"edges": [...]}');
  edges.forEach((e: { from?: unknown; to?: unknown; probability?: unknown }, k) => {
    if (typeof e?.from !== 'string' || typeof e?.to !== 'string') bad(path, `edge ${k} needs string "from" and "to"`);
    if (e.probability !== undefined && typeof e.probability !== 'number') bad(path, `edge ${k}: probability must be a number`);
  });
  const entry = Array.isArray(doc) ? undefined : (doc as { entry?: Record<string, number> }).entry;
  return { edges: edges as CallGraph['edges'], entry };
}

/** A call graph from an adjacency CSV (first row and column: service names; non-zero: row calls column). */
export async function readGraphCsv(path: string): Promise<CallGraph> {
  const lines = (await readText(path)).split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length < 2) bad(path, 'an adjacency CSV needs a header row and one row per service');
  const cols = lines[0].split(',').slice(1);
  const edges: CallGraph['edges'] = [];
  const services = new Set(cols);
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r].split(',');
    if (cells.length !== cols.length + 1) bad(path, `line ${r + 1} has ${cells.length} cells but the header has ${cols.length + 1}`);
    services.add(cells[0]);
    cells.slice(1).forEach((v, c) => {
      const x = Number(v);
      if (v.trim() === '' || Number.isNaN(x)) bad(path, `line ${r + 1}, column "${cols[c]}": "${v}" is not a number`);
      if (x !== 0 && cells[0] !== cols[c]) edges.push({ from: cells[0], to: cols[c] });
    });
  }
  return { edges, services: [...services].sort() };
}
