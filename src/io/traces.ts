/**
 * Traces → call graph with call probabilities, for KIMetrix. Reads Jaeger JSON (the query API's
 * `{"data": [{traceID, spans, processes}]}`), OpenTelemetry OTLP JSON (`resourceSpans`) and the
 * Train Ticket span CSV files (`TraceID,SpanID,ParentID,PodName,…`, gzip too), and adjacency
 * CSVs as PetShop's `graph.csv` (row calls column) for graphs without traces.
 *
 * Probabilities (decided; README "KIMetrix"): an invocation of service a is a span of a whose
 * parent is in another service, is missing, or is none (a root). P(b | a) = the share of a's
 * invocations whose span subtree inside a has a child span in b. P(a) as entry = the share of
 * traces whose root span is in a.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { CallGraph } from '../select/topology.js';
import { fileError } from './csv.js';

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
  const byTrace = new Map<string, Map<string, Span>>();
  for (const s of spans) {
    if (!byTrace.has(s.traceId)) byTrace.set(s.traceId, new Map());
    byTrace.get(s.traceId)!.set(s.spanId, s);
  }
  const invocations = new Map<string, number>();               // service → invocations
  const calls = new Map<string, Map<string, number>>();         // a → b → invocations of a that call b
  const rootsOf = new Map<string, number>();                    // service → traces rooted there
  let orphans = 0;
  const services = new Set<string>();
  for (const trace of byTrace.values()) {
    const entryOf = new Map<string, string>();  // spanId → its invocation's entry spanId
    const entry = (s: Span): string => {
      const known = entryOf.get(s.spanId);
      if (known) return known;
      // Walk up while the parent is in the same service (iteratively: traces can be deep).
      const chain: Span[] = [];
      let cur: Span = s;
      for (;;) {
        chain.push(cur);
        const parent = cur.parentId === null ? undefined : trace.get(cur.parentId);
        if (!parent || parent.service !== cur.service || chain.length > trace.size) break;
        const k = entryOf.get(parent.spanId);
        if (k) { for (const c of chain) entryOf.set(c.spanId, k); return k; }
        cur = parent;
      }
      for (const c of chain) entryOf.set(c.spanId, cur.spanId);
      return cur.spanId;
    };
    const called = new Map<string, Set<string>>();  // entry spanId → services it calls
    for (const s of trace.values()) {
      services.add(s.service);
      const parent = s.parentId === null ? undefined : trace.get(s.parentId);
      if (s.parentId === null) rootsOf.set(s.service, (rootsOf.get(s.service) ?? 0) + 1);
      else if (!parent) orphans++;
      if (entry(s) === s.spanId) invocations.set(s.service, (invocations.get(s.service) ?? 0) + 1);
      if (parent && parent.service !== s.service) {
        const e = entry(parent);
        if (!called.has(e)) called.set(e, new Set());
        called.get(e)!.add(s.service);
      }
    }
    for (const [e, targets] of called) {
      const a = trace.get(e)!.service;
      if (!calls.has(a)) calls.set(a, new Map());
      for (const b of targets) calls.get(a)!.set(b, (calls.get(a)!.get(b) ?? 0) + 1);
    }
  }
  const edges = [];
  for (const [a, targets] of [...calls].sort()) {
    for (const [b, k] of [...targets].sort()) edges.push({ from: a, to: b, probability: k / invocations.get(a)! });
  }
  const rootTraces = [...rootsOf.values()].reduce((x, y) => x + y, 0);
  const entry: Record<string, number> = {};
  for (const [s, k] of rootsOf) entry[s] = k / rootTraces;
  return {
    graph: { edges, entry, services: [...services].sort() },
    stats: { traces: byTrace.size, spans: spans.length, orphans, services: [...services].sort() },
  };
}

function bad(source: string, what: string): never {
  throw new MetricsiftError(`${source}: ${what}`, ErrorCode.BAD_FORMAT);
}

/** Spans of a Jaeger query-API JSON document. */
export function parseJaeger(doc: unknown, source: string): Span[] {
  const data = (doc as { data?: unknown }).data;
  if (!Array.isArray(data)) bad(source, 'not a Jaeger document (no "data" array)');
  const spans: Span[] = [];
  for (const t of data as { traceID?: string; spans?: unknown[]; processes?: Record<string, { serviceName?: string }> }[]) {
    if (!Array.isArray(t.spans) || !t.processes) bad(source, `trace ${t.traceID ?? '?'} has no spans or processes`);
    for (const s of t.spans as { traceID?: string; spanID: string; processID: string; references?: { refType: string; spanID: string }[] }[]) {
      const service = t.processes[s.processID]?.serviceName;
      if (!service) bad(source, `span ${s.spanID} names process ${s.processID}, which has no serviceName`);
      const parent = s.references?.find((r) => r.refType === 'CHILD_OF') ?? s.references?.[0];
      spans.push({ traceId: s.traceID ?? t.traceID ?? '', spanId: s.spanID, parentId: parent ? parent.spanID : null, service });
    }
  }
  return spans;
}

/** Spans of an OpenTelemetry OTLP/JSON document (`resourceSpans`). */
export function parseOtlp(doc: unknown, source: string): Span[] {
  const rs = (doc as { resourceSpans?: unknown }).resourceSpans;
  if (!Array.isArray(rs)) bad(source, 'not an OTLP document (no "resourceSpans" array)');
  const spans: Span[] = [];
  for (const r of rs as { resource?: { attributes?: { key: string; value?: { stringValue?: string } }[] }; scopeSpans?: { spans?: unknown[] }[]; instrumentationLibrarySpans?: { spans?: unknown[] }[] }[]) {
    const service = r.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue;
    if (!service) bad(source, 'a resourceSpans entry has no service.name attribute');
    for (const scope of r.scopeSpans ?? r.instrumentationLibrarySpans ?? []) {
      for (const s of (scope.spans ?? []) as { traceId: string; spanId: string; parentSpanId?: string }[]) {
        spans.push({ traceId: s.traceId, spanId: s.spanId, parentId: s.parentSpanId ? s.parentSpanId : null, service });
      }
    }
  }
  return spans;
}

/** Spans of a Train Ticket span CSV (ParentID `root` for a root span; service from PodName). */
export function parseSpanCsv(text: string, source: string): Span[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(',');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) bad(source, `no "${name}" column (expected TraceID,SpanID,ParentID,PodName,…)`);
    return i;
  };
  const [ti, si, pi, podi] = [col('TraceID'), col('SpanID'), col('ParentID'), col('PodName')];
  const spans: Span[] = [];
  for (let l = 1; l < lines.length; l++) {
    if (!lines[l]) continue;
    const f = lines[l].split(',');
    if (f.length < header.length) bad(source, `line ${l + 1} has ${f.length} cells but the header has ${header.length}`);
    const parent = f[pi];
    spans.push({ traceId: f[ti], spanId: f[si], parentId: parent === 'root' || parent === '' ? null : parent, service: podToService(f[podi]) });
  }
  return spans;
}

async function readText(path: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
  return (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
}

/**
 * Spans from a file or a directory of them (every `*.csv`, `*.csv.gz`, `*.json`, `*.json.gz`
 * inside, other files ignored). JSON is Jaeger or OTLP, told apart by content.
 */
export async function readTraces(path: string): Promise<Span[]> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw fileError(path, e);
  }
  const files = info.isDirectory()
    ? (await readdir(path)).filter((f) => /\.(csv|json)(\.gz)?$/i.test(f)).sort().map((f) => join(path, f))
    : [path];
  if (files.length === 0) bad(path, 'no trace files (*.csv, *.csv.gz, *.json, *.json.gz) in this directory');
  const spans: Span[] = [];
  for (const f of files) {
    const text = await readText(f);
    if (/\.json(\.gz)?$/i.test(f)) {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        bad(f, `malformed JSON (${(e as Error).message})`);
      }
      spans.push(...((doc as { resourceSpans?: unknown }).resourceSpans ? parseOtlp(doc, f) : parseJaeger(doc, f)));
    } else {
      spans.push(...parseSpanCsv(text, f));
    }
  }
  return spans;
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
  const edges = Array.isArray(doc) ? doc : (doc as { edges?: unknown }).edges;
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
