/**
 * Readers for the recorded layouts in ../shared/datasets, producing the wide `service/metric`
 * table the rest of metricsift uses:
 * - Train Ticket (Nezha): `<day>/metric/<pod>_metric.csv` per pod plus `front_service.csv`, one row
 *   a minute, clocks 1–3 s apart (aligned by flooring to the minute), literal `NaN` cells; files
 *   that are not metric CSVs are ignored;
 * - PetShop: one CSV with four header rows (microservice, metric, statistic, unix_timestamp).
 */
import { isAscii } from 'node:buffer';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ErrorCode, MetricsiftError } from '../errors.js';
import { toColumnTable, type ColumnTable } from '../table.js';
import { fileError, parseCell } from './csv.js';
import { podToService } from './traces.js';
import { binding } from '../native.js';

/** A numeric cell by readCsv's rules (missing spellings → NaN); anything else is MS_NON_NUMERIC. */
function cell(v: string, where: () => string): number {
  const x = parseCell(v);
  if (x === undefined) throw new MetricsiftError(`${where()}: ${JSON.stringify(v)} is not a number`, ErrorCode.NON_NUMERIC);
  return x;
}

async function text(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw fileError(path, e);
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const PIECE_BYTES = 1 << 16;

/** One Train Ticket day directory (`…/trainticket/2023-01-30`) as a wide table, minutes as rows. */
export async function readTrainTicketDay(dayDir: string): Promise<ColumnTable> {
  const metricDir = join(dayDir, 'metric');
  let files: string[];
  try {
    files = (await readdir(metricDir)).filter((f) => f.endsWith('.csv')).sort();
  } catch (e) {
    throw fileError(metricDir, e);
  }
  if (files.length === 0) throw new MetricsiftError(`${metricDir}: no metric CSV files (expected <pod>_metric.csv)`, ErrorCode.BAD_FORMAT);
  const serviceOf = (f: string) => (f === 'front_service.csv' ? 'front' : f.endsWith('_metric.csv') ? podToService(basename(f, '_metric.csv')) : undefined);
  // Other applications may ship extra files: ignored. The rest are read and parsed at once (the
  // native reader on libuv's threads), taken in order; a file it hands back is parsed in JS.
  const used = files.filter((f) => serviceOf(f) !== undefined);
  const parsed = used.map(async (f) => {
    const path = join(metricDir, f);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      throw fileError(path, e);
    }
    return { buf, native: await nativeMetricFile(buf) };
  });
  for (const t of parsed) t.catch(() => {});  // awaited below, in order
  // Per file: the minute of each line and one column of values per metric cell; merged after.
  const parts: { minutes: Float64Array; cols: { name: string; values: Float64Array }[] }[] = [];
  const order = new Map<string, number>();  // metric name → column, in first-seen order
  const minutes = new Set<number>();
  for (let k = 0; k < used.length; k++) {
    const f = used[k], path = join(metricDir, f), service = serviceOf(f)!;
    const { buf, native } = await parsed[k];
    const part = native ?? metricFileJs(path, pieces(buf));
    part.header.forEach((h, c) => {
      if (!part.cols[c]) return;
      const name = `${service}/${h}`;
      if (!order.has(name)) order.set(name, order.size);
    });
    for (const m of part.minutes) minutes.add(m);
    parts.push({ minutes: part.minutes, cols: part.header.flatMap((h, c) => (part.cols[c] ? [{ name: `${service}/${h}`, values: part.cols[c]! }] : [])) });
  }
  const rows = [...minutes].sort((a, b) => a - b);
  const rowOf = new Map(rows.map((m, r) => [m, r]));
  const out = [...order.keys()].map(() => new Float64Array(rows.length).fill(NaN));
  // Files in order, lines in order: a later value for the same metric and minute wins.
  for (const p of parts) {
    const at = Int32Array.from(p.minutes, (m) => rowOf.get(m)!);
    for (const { name, values } of p.cols) {
      const col = out[order.get(name)!];
      for (let i = 0; i < values.length; i++) col[at[i]] = values[i];
    }
  }
  return { ...toColumnTable({ names: [...order.keys()], columns: out }), time: rows.map(iso), source: dayDir };
}

/** One Train Ticket metric file: its header, each line's minute, and a column per metric cell (by header index). */
interface MetricFile {
  header: string[];
  minutes: Float64Array;
  cols: (Float64Array | undefined)[];
}
const SKIP = new Set(['Time', 'TimeStamp', 'PodName', 'ServiceName']);
const minuteOf = (seconds: number) => Math.floor(seconds / 60) * 60_000;

/**
 * A metric file by the native wide-CSV reader (one thread; the files run side by side), or
 * undefined where {@link metricFileJs} must decide: a byte-order mark, a quote or a carriage
 * return (the JS parser splits at every comma and line break only), anything the kernel hands
 * back, or a cell the JS parser words an error for. Same values as metricFileJs otherwise (text
 * is UTF-8 on both sides: the kernel's strings are made by the decoder Buffer's utf8 uses).
 * @internal
 */
export async function nativeMetricFile(buf: Buffer): Promise<MetricFile | undefined> {
  // A BOM stays in the JS parser's first header cell; the kernel would drop it.
  if (buf[0] === 0xef || buf.indexOf(34) >= 0 || buf.indexOf(13) >= 0) return undefined;
  const r = await binding.parseCsv(buf, { timeColumn: false, threads: 1 });
  if (r.fallback !== undefined) return undefined;
  const { header, rows, values } = r;
  const ts = header.indexOf('TimeStamp');
  if (ts < 0) return undefined;
  const minutes = new Float64Array(rows);
  for (let l = 0; l < rows; l++) minutes[l] = values[ts * rows + l];
  for (let k = 0; k < r.deferredCol.length; k++) {
    const c = r.deferredCol[k], v = r.deferredText[k];
    if (c === ts) {
      minutes[r.deferredRow[k]] = Number(v);
      if (v.trim() === '') return undefined;
    } else if (!SKIP.has(header[c])) {
      const x = parseCell(v);
      if (x === undefined) return undefined;
      values[c * rows + r.deferredRow[k]] = x;
    }
  }
  for (let l = 0; l < rows; l++) {
    if (!Number.isFinite(minutes[l])) return undefined;
    minutes[l] = minuteOf(minutes[l]);
  }
  return { header, minutes, cols: header.map((h, c) => (SKIP.has(h) ? undefined : values.subarray(c * rows, (c + 1) * rows))) };
}

/**
 * A file's bytes as text in pieces of at most about 64 KiB, each cut after a line break: strings that size
 * are made in V8's young space and die young; one string of a whole file lands in the large-object
 * space (each one a step toward a full collection). latin1 for ASCII (no UTF-8 decoding to do).
 * @internal
 */
export function pieces(buf: Buffer): string[] {
  const encoding = isAscii(buf) ? 'latin1' : 'utf8';
  const out: string[] = [];
  for (let at = 0; at < buf.length;) {
    const cut = buf.indexOf(10, Math.min(buf.length, at + PIECE_BYTES));
    const end = cut < 0 ? buf.length : cut + 1;  // a line break is one byte in UTF-8 too
    out.push(buf.toString(encoding, at, end));
    at = end;
  }
  return out;
}

/** A metric file parsed in JS (the reference, with every error's wording). @internal */
export function metricFileJs(path: string, pieces: string[]): MetricFile {
  const lines: [number, number, number][] = [];  // [piece, start, end) of each non-empty line
  pieces.forEach((text, p) => {
    for (let at = 0; at < text.length;) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const next = end + 1;
      if (end > at && text.charCodeAt(end - 1) === 13) end--;
      if (end > at) lines.push([p, at, end]);
      at = next;
    }
  });
  if (lines.length === 0) throw new MetricsiftError(`${path}: empty file (expected a header with TimeStamp, then one row a minute)`, ErrorCode.BAD_FORMAT);
  const header = pieces[lines[0][0]].slice(lines[0][1], lines[0][2]).split(',');
  const ts = header.indexOf('TimeStamp');
  if (ts < 0) throw new MetricsiftError(`${path}: no TimeStamp column`, ErrorCode.BAD_FORMAT);
  const n = lines.length - 1;
  const fileMinutes = new Float64Array(n);
  const target = header.map((h) => (SKIP.has(h) ? undefined : new Float64Array(n)));
  for (let l = 1; l <= n; l++) {
    const [p, from, end] = lines[l];
    const text = pieces[p];
    let cellsIn = 1;
    for (let i = text.indexOf(',', from); i >= 0 && i < end; i = text.indexOf(',', i + 1)) cellsIn++;
    if (cellsIn !== header.length) {
      throw new MetricsiftError(`${path} line ${l + 1}: ${cellsIn} cells but the header has ${header.length}`, ErrorCode.RAGGED_ROW);
    }
    let at = from, c = 0;
    for (;;) {
      let to = text.indexOf(',', at);
      if (to < 0 || to > end) to = end;
      {
        const v = text.slice(at, to);
        if (c === ts) {
          const seconds = Number(v);
          if (v.trim() === '' || !Number.isFinite(seconds)) {
            throw new MetricsiftError(`${path} line ${l + 1}: TimeStamp ${JSON.stringify(v)} is not a number of seconds`, ErrorCode.NON_NUMERIC);
          }
          fileMinutes[l - 1] = minuteOf(seconds);
        } else if (target[c]) {
          const x = parseCell(v);
          target[c]![l - 1] = x !== undefined ? x : cell(v, () => `${path} line ${l + 1}, column "${header[c]}"`);
        }
      }
      c++;
      if (to === end) break;
      at = to + 1;
    }
  }
  return { header, minutes: fileMinutes, cols: target };
}

/** A PetShop `metrics.csv` (four header rows) as a wide table named `node/metric.statistic`. */
export async function readPetshopMetrics(path: string): Promise<ColumnTable> {
  const lines = (await text(path)).split(/\r?\n/).filter((l) => l.length);
  const head = lines.slice(0, 4).map((l) => l.split(','));
  if (head.length < 4 || head[0][0] !== 'microservice' || head[1][0] !== 'metric' || head[2][0] !== 'statistic') {
    throw new MetricsiftError(`${path}: not a PetShop metrics file (expected header rows microservice, metric, statistic, unix_timestamp)`, ErrorCode.BAD_FORMAT);
  }
  const names = head[0].slice(1).map((node, c) => `${node}/${head[1][c + 1]}.${head[2][c + 1]}`);
  const data = lines.slice(4).map((l) => l.split(','));
  const cols = names.map(() => new Float64Array(data.length));
  data.forEach((cells, r) => {
    if (cells.length !== names.length + 1) throw new MetricsiftError(`${path} line ${r + 5}: ${cells.length} cells but the header has ${names.length + 1}`, ErrorCode.RAGGED_ROW);
    for (let c = 0; c < names.length; c++) cols[c][r] = cell(cells[c + 1], () => `${path} line ${r + 5}, column "${names[c]}"`);
  });
  const time = data.map((cells) => iso(Number(cells[0]) * 1000));
  return { ...toColumnTable({ names, columns: cols }), time, source: path };
}
