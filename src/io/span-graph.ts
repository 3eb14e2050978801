/**
 * The call graph straight from trace files: span CSVs (Train Ticket's layout) are counted by the
 * native kernel (native/kernels/spans.cc: IDs interned to integers, no JS object per span, on
 * libuv's threads, each file read and inflated there too), every other case by the JS reader
 * ({@link loadTraces} + {@link callGraphFromSpans}), which stays the reference: the kernel hands
 * back any file it would have to word an error for, and the JS reader then reads them all.
 */
import { binding } from '../native.js';
import type { CallGraph } from '../select/topology.js';
import { callGraphFromSpans, graphFromCounts, loadTraces, readTraceBytes, traceFiles, type TraceRead, type TraceReadOptions, type TraceStats } from './traces.js';

/** A call graph read from traces, with what {@link traceSummary} needs of the read. */
export interface TraceGraph extends Pick<TraceRead, 'files' | 'skipped'> {
  graph: CallGraph;
  stats: TraceStats;
}

const SPAN_CSV = /\.csv(\.gz)?$/i;

/**
 * The call graph of the traces at `path` (a file or a directory, as {@link loadTraces} takes):
 * the same graph and statistics as `callGraphFromSpans((await loadTraces(path, opts)).spans)`,
 * read several times faster when every file is a span CSV.
 */
export async function loadCallGraph(path: string, opts: TraceReadOptions = {}): Promise<TraceGraph> {
  const fast = await nativeCallGraph(path);
  if (fast) return fast;
  const read = await loadTraces(path, opts);
  return { ...callGraphFromSpans(read.spans), files: read.files, skipped: read.skipped };
}

/** The native path, or undefined where the JS reader must decide (JSON, a bad file, no spans). @internal */
export async function nativeCallGraph(path: string): Promise<TraceGraph | undefined> {
  if (typeof binding.spanGraphNew !== 'function') return undefined;  // an older prebuilt addon
  let files: string[];
  try {
    files = await traceFiles(path);
  } catch {
    return undefined;  // the JS reader words it
  }
  if (!files.every((f) => SPAN_CSV.test(f))) return undefined;
  const handle = binding.spanGraphNew();
  // The addon reads (and inflates) each file itself where it was built with zlib; else files are
  // read and inflated here a few ahead (libuv's threads) of the one being counted.
  const byPath = binding.spanGraphInflates === true;
  const AHEAD = 4;
  const bytes: Promise<Buffer>[] = [];
  const fetch = (k: number) => {
    if (k < files.length && !bytes[k]) (bytes[k] = readTraceBytes(files[k])).catch(() => {});  // awaited below, in order
  };
  try {
    for (let k = 0; k < files.length; k++) {
      if (!byPath) for (let j = k; j <= k + AHEAD; j++) fetch(j);
      const why = await binding.spanGraphAdd(handle, byPath ? files[k] : await bytes[k]);
      delete bytes[k];
      if (why !== null) return undefined;
    }
    const c = await binding.spanGraphCount(handle);
    if (c.spans === 0) return undefined;
    const calls = new Map<string, Map<string, number>>();
    for (let e = 0; e < c.callFrom.length; e++) {
      const a = c.services[c.callFrom[e]];
      if (!calls.has(a)) calls.set(a, new Map());
      calls.get(a)!.set(c.services[c.callTo[e]], c.callCount[e]);
    }
    const built = graphFromCounts({
      calls,
      invocations: new Map(c.services.map((s, i) => [s, c.invocations[i]])),
      rootsOf: new Map(Array.from(c.rootService, (s, i) => [c.services[s], c.rootCount[i]])),
      services: c.services.filter((_, i) => c.present[i]),
      traces: c.traces, spans: c.spans, orphans: c.orphans,
    });
    return { ...built, files: files.length, skipped: [] };
  } catch {
    return undefined;  // an unreadable or corrupt file: the JS reader raises or skips it
  }
}
