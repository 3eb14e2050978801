/**
 * Shards of an all-pairs run and their merge. A run over M columns is cut into N shards of
 * consecutive matrix rows whose pair counts are as equal as rows allow (row i holds the M − 1 − i
 * pairs (i, j), j > i), so shard k of N costs about 1/N of the run whatever M is. Each shard is
 * computed by the ordinary all-pairs call restricted to its rows (`rows: [first, last)`), which
 * computes every pair exactly as the whole run does, so the merged result is bit for bit the single
 * run's, and written by the same writer it is byte for byte the same file.
 *
 * A shard's result is saved as a part file (`.part`): a header naming the input's content digest,
 * the options, the shard and the kind of output, then the shard's values in binary. Merging checks
 * that the parts come from one input and one set of options and cover every shard exactly once.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ErrorCode, MetricsiftError, badOption } from './errors.js';
import type { PairList, PairMatrix } from './estimators/matrix.js';
import { toColumnTable, type ColumnTable, type TableInput } from './table.js';
import { canonicalPairwiseOptions, pairwise, pairwiseOutput, type PairwiseOptions } from './estimators/pairwise.js';
import { columnValues } from './analysis/coding.js';
import { writeBinaryAtomic } from './io/write.js';
import type { PreparedTable } from './estimators/prepared.js';

/** Shard `index` of `count` (0 ≤ index < count). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Parses `i/N` (as `--shard` takes it). @throws MetricsiftError `MS_BAD_OPTION` naming `flag`. */
export function parseShard(text: string, flag = '--shard'): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(text));
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count) || !Number.isSafeInteger(count)) {
    badOption(flag, 'i/N with 0 ≤ i < N (e.g. 0/4 … 3/4)', text);
  }
  return { index, count };
}

function checkShard(s: ShardSpec): void {
  if (!s || !Number.isInteger(s.count) || s.count < 1 || !Number.isInteger(s.index) || s.index < 0 || s.index >= s.count) {
    badOption('shard', '{index, count} with 0 ≤ index < count', s);
  }
}

/** Pairs (i, j), i < j, whose first index is below `row`, among m columns. */
function pairsBefore(m: number, row: number): number {
  return row * m - (row * (row + 1)) / 2;
}

/**
 * The rows [first, last) of shard `index` of `count` over m columns: boundaries at the first row
 * where the pairs before it reach k/count of all pairs, so every shard holds within m − 1 pairs
 * of an equal share. Shards over 0…count−1 cover every row (and so every pair) exactly once.
 */
export function shardRows(m: number, shard: ShardSpec): [first: number, last: number] {
  checkShard(shard);
  const total = pairsBefore(m, m);
  const boundary = (k: number): number => {
    if (k >= shard.count) return m;
    const want = (total * k) / shard.count;
    let lo = 0, hi = m; // smallest row r with pairsBefore(r) ≥ want
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairsBefore(m, mid) >= want) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return [boundary(shard.index), boundary(shard.index + 1)];
}

/**
 * A content digest of a table: its names and every value (Arrow nulls and NaN alike as missing),
 * independent of the file format and of how the reader chunked the columns.
 */
export function tableDigest(table: ColumnTable): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ names: table.names, rows: table.rows }));
  for (const col of table.columns) {
    const v = columnValues(col);
    // One NaN bit pattern for every missing value, so a null and a NaN cell hash alike. A column
    // without missing values is hashed as it is (copying 10,000 columns cost as much as hashing).
    let i = 0;
    while (i < v.length && v[i] === v[i]) i++;
    let canon = v;
    if (i < v.length) {
      canon = v === col.chunks[0]?.values ? Float64Array.from(v) : v;
      for (; i < canon.length; i++) if (canon[i] !== canon[i]) canon[i] = NaN;
    }
    h.update(new Uint8Array(canon.buffer, canon.byteOffset, canon.byteLength));
  }
  return h.digest('hex');
}

/** What a part holds: a dense block of rows, or a pair list (threshold or top-k). */
export type PartKind = 'dense' | 'threshold' | 'topk';

/** The header of a part file. */
export interface PartHeader {
  format: 'metricsift-part';
  version: 1;
  /** Content digest of the input table ({@link tableDigest}) and where it was read from. */
  input: { digest: string; source?: string; rows: number };
  names: string[];
  measure: string;
  /** Every option that changes values or the output (canonical JSON: equal options compare equal). */
  options: Record<string, unknown>;
  shard: ShardSpec;
  /** Matrix rows [first, last) this part computed. */
  rowRange: [number, number];
  kind: PartKind;
  /** Dense parts: element type of the values. */
  precision?: 'float64' | 'float32';
  threshold?: number;
  k?: number;
  /** Whether top-k ranks by |value| (correlations). */
  absolute?: boolean;
}

/** A part: its header and the shard's result (a full-size matrix with only its rows filled, or a list). */
export interface ShardPart {
  header: PartHeader;
  result: PairMatrix | PairList;
}

const MAGIC = Buffer.from('MSPART1\n', 'latin1');

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * The bytes of a part file. Dense parts store only the upper triangle of their rows (diagonal
 * included), lists store their entries.
 */
export function encodePart(part: ShardPart): Buffer {
  const h = { ...part.header, options: canonical(part.header.options) as Record<string, unknown> };
  const r = part.result;
  const chunks: Buffer[] = [];
  if (h.kind === 'dense') {
    const m = r as PairMatrix;
    const M = m.size, [a, b] = h.rowRange;
    const n = pairsBefore(M, b) - pairsBefore(M, a) + (b - a); // upper triangle with the diagonal
    const values = m.values instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
    const rows = new Uint32Array(n);
    let at = 0;
    for (let i = a; i < b; i++) {
      values.set(m.values.subarray(i * M + i, (i + 1) * M), at);
      rows.set(m.rowsUsed.subarray(i * M + i, (i + 1) * M), at);
      at += M - i;
    }
    chunks.push(bytes(values), bytes(rows));
  } else {
    const l = r as PairList;
    chunks.push(bytes(Uint32Array.from(l.i)), bytes(Uint32Array.from(l.j)), bytes(Float64Array.from(l.value)), bytes(Uint32Array.from(l.rowsUsed)));
  }
  const head = Buffer.from(JSON.stringify(h), 'utf8');
  const len = Buffer.alloc(8);
  len.writeUInt32LE(head.length, 0);
  len.writeUInt32LE(h.kind === 'dense' ? 0 : (r as PairList).i.length, 4);
  return Buffer.concat([MAGIC, len, head, ...chunks]);
}

/** Saves a shard's result as a part file (atomically). */
export async function writePart(path: string, part: ShardPart): Promise<void> {
  await writeBinaryAtomic(path, [encodePart(part)]);
}

function badPart(path: string, why: string): never {
  throw new MetricsiftError(`${path}: not a metricsift part file (${why}); parts are written by \`metricsift matrix … --shard i/N --out F.part\``, ErrorCode.BAD_FORMAT);
}

/** Copies `n` elements of type `C` out of `buf` at `at` (parts are not aligned in the file). */
function take<T extends Float64Array | Float32Array | Uint32Array>(C: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, buf: Buffer, at: number, n: number): T {
  const size = n * C.BYTES_PER_ELEMENT;
  const ab = new ArrayBuffer(size);
  new Uint8Array(ab).set(buf.subarray(at, at + size));
  return new C(ab);
}

/** Reads a part file written by {@link writePart}. @throws `MS_BAD_FORMAT` naming the file. */
export async function readPart(path: string): Promise<ShardPart> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MetricsiftError(`${path}: ${code === 'ENOENT' ? 'no such file' : String((e as Error).message)}`, code === 'ENOENT' ? ErrorCode.FILE_NOT_FOUND : ErrorCode.BAD_INPUT);
  }
  return decodePart(buf, path);
}

/** Decodes the bytes of a part ({@link encodePart}); `path` names it in errors. */
export function decodePart(buf: Buffer, path: string): ShardPart {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) badPart(path, 'no part header');
  const hl = buf.readUInt32LE(8), count = buf.readUInt32LE(12);
  let header: PartHeader;
  try {
    header = JSON.parse(buf.subarray(16, 16 + hl).toString('utf8')) as PartHeader;
  } catch {
    badPart(path, 'unreadable header');
  }
  if (header?.format !== 'metricsift-part' || header.version !== 1) badPart(path, `unknown format ${JSON.stringify(header?.format)} version ${header?.version}`);
  const M = header.names.length;
  let at = 16 + hl;
  const need = (n: number) => {
    if (at + n > buf.length) badPart(path, 'truncated');
  };
  if (header.kind === 'dense') {
    const [a, b] = header.rowRange;
    const n = pairsBefore(M, b) - pairsBefore(M, a) + (b - a);
    const f32 = header.precision === 'float32', size = f32 ? 4 : 8;
    need(n * (size + 4));
    const tri = f32 ? take(Float32Array, buf, at, n) : take(Float64Array, buf, at, n);
    at += n * size;
    const triRows = take(Uint32Array, buf, at, n);
    at += n * 4;
    return { header, result: { names: header.names, size: M, measure: header.measure, values: tri, rowsUsed: triRows } };
  }
  need(count * 20);
  const i = take(Uint32Array, buf, at, count);
  const j = take(Uint32Array, buf, (at += count * 4), count);
  const value = take(Float64Array, buf, (at += count * 4), count);
  const rowsUsed = take(Uint32Array, buf, (at += count * 8), count);
  return { header, result: { names: header.names, size: M, measure: header.measure, i, j, value, rowsUsed, threshold: header.threshold, k: header.k } };
}

function mismatch(what: string, a: string, b: string, va: unknown, vb: unknown): never {
  throw new MetricsiftError(`Parts ${a} and ${b} differ in ${what} (${JSON.stringify(va)} vs ${JSON.stringify(vb)}): they are not shards of one run`, ErrorCode.SHARD_MISMATCH);
}

/**
 * Merges the parts of one sharded run into the single run's result (bit for bit). `paths` name
 * the parts in messages (defaults: part 0, 1, …).
 * @throws MetricsiftError `MS_SHARD_MISMATCH` (parts of different inputs, options, measures or
 *   shard counts), `MS_SHARD_MISSING` (a shard missing or given twice).
 */
export function mergeParts(parts: ShardPart[], paths: string[] = parts.map((_, k) => `#${k}`)): PairMatrix | PairList {
  if (parts.length === 0) throw new MetricsiftError('No parts to merge', ErrorCode.SHARD_MISSING);
  const first = parts[0].header, p0 = paths[0];
  const firstOptions = JSON.stringify(canonical(first.options));
  const seen = new Map<number, string>();
  for (let k = 0; k < parts.length; k++) {
    const h = parts[k].header, p = paths[k];
    if (h.input.digest !== first.input.digest) mismatch('input (content digest)', p0, p, first.input.source ?? first.input.digest.slice(0, 12), h.input.source ?? h.input.digest.slice(0, 12));
    if (h.measure !== first.measure) mismatch('measure', p0, p, first.measure, h.measure);
    if (h.kind !== first.kind) mismatch('output kind', p0, p, first.kind, h.kind);
    if (JSON.stringify(canonical(h.options)) !== firstOptions) mismatch('options', p0, p, first.options, h.options);
    if (h.shard.count !== first.shard.count) mismatch('shard count', p0, p, first.shard.count, h.shard.count);
    const dup = seen.get(h.shard.index);
    if (dup !== undefined) throw new MetricsiftError(`Shard ${h.shard.index}/${h.shard.count} is given twice (${dup} and ${p})`, ErrorCode.SHARD_MISSING);
    seen.set(h.shard.index, p);
  }
  const missing = [];
  for (let s = 0; s < first.shard.count; s++) if (!seen.has(s)) missing.push(`${s}/${first.shard.count}`);
  if (missing.length) throw new MetricsiftError(`Missing shard${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} (${parts.length} of ${first.shard.count} given)`, ErrorCode.SHARD_MISSING);
  const ordered = [...parts].sort((a, b) => a.header.shard.index - b.header.shard.index);
  const names = first.names, M = names.length;
  if (first.kind === 'dense') {
    const values = first.precision === 'float32' ? new Float32Array(M * M) : new Float64Array(M * M);
    const rowsUsed = new Uint32Array(M * M);
    for (const { header, result } of ordered) {
      const tri = result as PairMatrix;
      let at = 0;
      for (let i = header.rowRange[0]; i < header.rowRange[1]; i++) {
        for (let j = i; j < M; j++, at++) {
          values[i * M + j] = values[j * M + i] = tri.values[at];
          rowsUsed[i * M + j] = rowsUsed[j * M + i] = tri.rowsUsed[at];
        }
      }
    }
    return { names, size: M, measure: first.measure, values, rowsUsed };
  }
  if (first.kind === 'threshold') {
    // Each shard's list is sorted by (i, j) and shards hold increasing rows: concatenation is sorted.
    return concatLists(ordered.map((p) => p.result as PairList), names, first.measure, { threshold: first.threshold });
  }
  return mergeTopK(ordered.map((p) => p.result as PairList), names, first.measure, first.k!, first.absolute ?? false);
}

function concatLists(ls: PairList[], names: string[], measure: string, extra: { threshold?: number; k?: number }): PairList {
  const n = ls.reduce((s, l) => s + l.i.length, 0);
  const out = { i: new Uint32Array(n), j: new Uint32Array(n), value: new Float64Array(n), rowsUsed: new Uint32Array(n) };
  let at = 0;
  for (const l of ls) {
    out.i.set(l.i, at);
    out.j.set(l.j, at);
    out.value.set(l.value, at);
    out.rowsUsed.set(l.rowsUsed, at);
    at += l.i.length;
  }
  return { names, size: names.length, measure, ...extra, ...out };
}

/**
 * Top-k: each shard holds, for every column, its best k partners among the shard's pairs; the
 * column's best k overall are among their union (every pair lives in one shard). Ranked as the
 * native sink ranks: higher value (|value| for correlations), then lower partner index.
 */
function mergeTopK(ls: PairList[], names: string[], measure: string, k: number, absolute: boolean): PairList {
  const M = names.length;
  const byCol: number[][] = Array.from({ length: M }, () => []);
  const all = concatLists(ls, names, measure, {});
  for (let e = 0; e < all.i.length; e++) byCol[all.i[e]].push(e);
  const score = (v: number) => (absolute ? Math.abs(v) : v);
  const order: number[] = [];
  for (let c = 0; c < M; c++) {
    const es = byCol[c];
    es.sort((a, b) => {
      const sa = score(all.value[a]), sb = score(all.value[b]);
      return sa !== sb ? (sa > sb ? -1 : 1) : all.j[a] - all.j[b];
    });
    order.push(...es.slice(0, k));
  }
  const pick = <T extends Uint32Array | Float64Array>(src: T, C: { new (n: number): T }): T => {
    const out = new C(order.length);
    for (let e = 0; e < order.length; e++) out[e] = src[order[e]];
    return out;
  };
  return { names, size: M, measure, k, i: pick(all.i, Uint32Array), j: pick(all.j, Uint32Array), value: pick(all.value, Float64Array), rowsUsed: pick(all.rowsUsed, Uint32Array) };
}

/**
 * The header of shard `shard` of a {@link pairwise} run over `table` with options `opts`: the
 * input's digest and the canonical options ({@link canonicalPairwiseOptions}) for the merge's
 * checks. The one place a part header is built (library, `matrix --shard`, queue workers).
 * `digest`: the table's {@link tableDigest} when the caller already has it (hashing a
 * 10,000 × 10,080 table costs seconds; a queue worker computes it once per input, not per tile).
 */
export function partHeader(table: ColumnTable, opts: PairwiseOptions, shard: ShardSpec, measure: string, source?: string, digest?: string): PartHeader {
  const kind = pairwiseOutput(opts);
  return {
    format: 'metricsift-part', version: 1, input: { digest: digest ?? tableDigest(table), ...(source ? { source } : {}), rows: table.rows }, names: table.names,
    measure, options: canonicalPairwiseOptions(opts), shard, rowRange: shardRows(table.names.length, shard), kind,
    ...(kind === 'dense' ? { precision: opts.precision ?? 'float64' } : {}), threshold: opts.threshold, k: opts.topK,
    absolute: !['mi', 'nmi', 'ksg'].includes(opts.measure),
  };
}

/**
 * Computes shard `shard` of a {@link pairwise} run as a part: the shard's rows, with the input's
 * digest and the options that change values recorded for the merge's checks. `prepared`: the
 * table already binned with {@link prepareOptionsOf} (binned measures); `digest`: its
 * {@link tableDigest}, when known. Both only save work: the part is the same bytes without them.
 */
export async function computeShard(input: TableInput, opts: PairwiseOptions, shard: ShardSpec, source?: string, prepared?: PreparedTable, digest?: string): Promise<ShardPart> {
  const table = toColumnTable(input);
  const rows = shardRows(table.names.length, shard);
  const binned = opts.measure === 'mi' || opts.measure === 'nmi';
  const result = prepared && binned ? await pairwisePrepared(prepared, { ...opts, rows }) : await pairwise(table, { ...opts, rows });
  return { header: partHeader(table, opts, shard, result.measure, source, digest), result };
}

/** The options a table is prepared (binned) with for a binned {@link pairwise} run: what must match to reuse it. */
export function prepareOptionsOf(opts: PairwiseOptions): { bins?: number; binning?: PairwiseOptions['binning']; millerMadow?: boolean } {
  return { bins: opts.bins, binning: opts.binning, millerMadow: opts.millerMadow };
}

/**
 * A binned {@link pairwise} call on a table prepared with {@link prepareOptionsOf}: exactly what
 * `miMatrix` / `miPairsAbove` / `miTopK` do after preparing (they prepare, then call these), so the
 * values are the same bit for bit, without binning the table again for every tile.
 */
async function pairwisePrepared(p: PreparedTable, o: PairwiseOptions): Promise<PairMatrix | PairList> {
  const measure = o.measure as 'mi' | 'nmi';
  const opts = { threads: o.threads, rows: o.rows, signal: o.signal, onProgress: o.onProgress, units: o.units, normalization: o.normalization, precision: o.precision };
  const out = pairwiseOutput(o);
  if (out === 'threshold') return (await p.pairsAbove([measure], o.threshold!, opts))[0];
  if (out === 'topk') return (await p.topK([measure], o.topK!, opts))[0];
  return (await p.matrices([measure], { ...opts, precision: o.precision ?? 'float64' }))[0];
}

/** Reads part files and merges them ({@link mergeParts}). */
export async function mergePartFiles(paths: string[]): Promise<PairMatrix | PairList> {
  const parts = [];
  for (const p of paths) parts.push(await readPart(p));
  return mergeParts(parts, paths);
}
