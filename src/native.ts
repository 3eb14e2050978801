/**
 * The one typed view of the raw addon. Everything else imports from here, never the .node file.
 * Loading follows an install ladder: the local build, then one clear error listing the remedies.
 */
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, MetricsiftError } from './errors.js';
import type { NumericArray } from './table.js';

/** One chunk of a column as the addon reads it. */
export interface RawChunk {
  values: NumericArray;
  validity?: Uint8Array | null;
  validityOffset?: number;
}
export type RawColumns = RawChunk[][];

export interface RawBinOptions {
  binning?: 'quantile' | 'uniform' | 'auto' | 'edges';
  bins?: number;
  discreteMax?: number;
  edges?: Float64Array;
}
export interface RawMiOptions extends RawBinOptions {
  measure?: 'mi' | 'nmi';
  normalization?: 'arithmetic' | 'geometric' | 'min' | 'max' | 'joint';
  units?: 'bits' | 'nats';
  millerMadow?: boolean;
}
export interface RawRunOptions {
  threads?: number;
  /** Where the binned pair counts run (the addon's own devices; gpu.js runs in JS). */
  device?: 'cpu' | 'cuda';
  /** Shard of pair rows [rowFirst, rowLast) to compute; the default is all. */
  rowFirst?: number;
  rowLast?: number;
  output?: 'float64' | 'float32' | 'threshold' | 'topk';
  threshold?: number;
  k?: number;
  absolute?: boolean;
}
export interface RawDense {
  values: Float64Array | Float32Array;
  rowsUsed: Uint32Array;
}
export interface RawPairs {
  i: Uint32Array;
  j: Uint32Array;
  value: Float64Array;
  rows: Uint32Array;
}
export interface RawEntropies {
  entropy: Float64Array;
  entropyRows: Uint32Array;
  levels: Int32Array;
  discrete: Int32Array;
}
export type RawPairResult = Partial<RawDense> & Partial<RawPairs> & { deviceDetail?: string };
/** A prepared table's codes for the gpu.js path: column c at codes[c·n, (c+1)·n), code K = missing. */
export interface RawCoded {
  codes: Float32Array;
  K: number;
  n: number;
}

/** An opaque handle to a prepared table's native state (a type-tagged external). */
export type RawPreparedHandle = { readonly __preparedTable: unique symbol };
export interface RawPrepared extends RawEntropies {
  handle: RawPreparedHandle;
}
export interface RawMatricesOptions extends RawRunOptions {
  measures: ('mi' | 'nmi')[];
  normalization?: RawMiOptions['normalization'];
  units?: 'bits' | 'nats';
  /** Linear pair range [pairFirst, pairLast) over pairs i < j in row-major order. */
  pairFirst?: number;
  pairLast?: number;
}
export interface RawResampleOptions {
  x: number;
  y: number;
  mode: 'bootstrap' | 'permutation';
  count: number;
  block?: number;
  seed?: number;
  threads?: number;
}
export interface RawResampled {
  observed: number;
  draws: Float64Array;
  rowsUsed: number;
  p?: number;
}
/** What the native CSV reader resolves to (native/binding/csv.cc): `fallback` set means the JS parser must decide. */
export interface RawCsv {
  fallback?: string;
  header: string[];
  rows: number;
  values: Float64Array;
  /** Time labels as UTF-8 bytes, label k at [timeEnds[k-1], timeEnds[k]). */
  timeBytes?: Uint8Array;
  timeEnds?: Float64Array;
  deferredCol: Uint32Array;
  deferredRow: Uint32Array;
  deferredText: string[];
}

/** Call-graph counts of span CSVs (native/binding/spans.cc): indices are into `services`. */
export interface RawSpanCounts {
  services: string[];
  /** 1 where a span kept after duplicate IDs has the service. */
  present: Int32Array;
  invocations: Float64Array;
  /** Services with root spans, in order of the first one counted, and their root counts. */
  rootService: Int32Array;
  rootCount: Float64Array;
  callFrom: Int32Array;
  callTo: Int32Array;
  callCount: Float64Array;
  traces: number;
  spans: number;
  orphans: number;
}
/** An opaque handle to a native span-graph builder. */
export type RawSpanGraphHandle = { readonly __spanGraph: unique symbol };

/** Options of `cmiResample`: levels of the three aligned code arrays and the draws (seeded per draw). */
export interface RawCmiOptions { la: number; lb: number; lc: number; mode: 'bootstrap' | 'stratified'; count: number; block?: number; seed: number; threads: number }
/** Options of `teNull`: TE(X → Y) at `lag`, surrogate sources as circular blocks (or a shift). */
export interface RawTeOptions { lx: number; ly: number; lag: number; count: number; block: number; shift: boolean; seed: number; threads: number }
/** The observed statistic (nats) and its draws; `p` by the one permutation rule where the draws are a null. */
export interface RawDraws { observed: number; draws: Float64Array; p?: number; rowsUsed: number }
export interface RawKsgResampleOptions {
  mode: 'half' | 'permutation'; count: number; block: number; drawSeed: number; seed?: number; threads: number; k?: number; algorithm?: number; standardize?: boolean; jitter?: boolean; device?: 'cpu' | 'cuda';
}
export interface RawKsgDraws {
  observed: number;
  draws: Float64Array;
  rowsUsed: number;
}

export interface Binding {
  setErrorClass(cls: typeof MetricsiftError): void;
  corrMatrix(columns: RawColumns, names: string[], options: { method?: 'pearson' | 'spearman' | 'kendall' } & RawRunOptions, control: Int32Array | null, async: true): Promise<RawPairResult>;
  corrMatrix(columns: RawColumns, names: string[], options: { method?: 'pearson' | 'spearman' | 'kendall' } & RawRunOptions, control: Int32Array | null, async: false): RawPairResult;
  discretize(columns: RawColumns, names: string[], options: RawBinOptions): { codes: Int32Array; cuts: Float64Array; levels: number; discrete: boolean; rowsUsed: number };
  kendallTau(x: Int32Array, y: Int32Array): number;
  /** Columns the native binning kernel has coded in this process (tests and benchmarks count codings). */
  columnsCoded(): number;
  ksgMatrix(columns: RawColumns, names: string[], options: { k?: number; algorithm?: number; standardize?: boolean; jitter?: boolean; seed?: number } & RawRunOptions, control: Int32Array | null, async: true): Promise<RawPairResult>;
  ksgResample(columns: RawColumns, names: string[], options: RawKsgResampleOptions, control: Int32Array | null, async: true): Promise<RawKsgDraws>;
  ksgResample(columns: RawColumns, names: string[], options: RawKsgResampleOptions, control: Int32Array | null, async: false): RawKsgDraws;
  ksg(columns: RawColumns, names: string[], options: { x: number[]; y: number[]; z?: number[]; k?: number; algorithm?: number; standardize?: boolean; jitter?: boolean; seed?: number; threads?: number }): { value: number; rowsUsed: number };
  prepare(columns: RawColumns, names: string[], options: RawBinOptions & { millerMadow?: boolean; threads?: number }, control: Int32Array | null, async: true): Promise<RawPrepared>;
  prepare(columns: RawColumns, names: string[], options: RawBinOptions & { millerMadow?: boolean; threads?: number }, control: Int32Array | null, async: false): RawPrepared;
  preparedMatrices(handle: RawPreparedHandle, options: RawMatricesOptions, control: Int32Array | null, async: true): Promise<RawPairResult[]>;
  preparedMatrices(handle: RawPreparedHandle, options: RawMatricesOptions, control: Int32Array | null, async: false): RawPairResult[];
  preparedPair(handle: RawPreparedHandle, i: number, j: number, options: Pick<RawMiOptions, 'normalization' | 'units'>): { hx: number; hy: number; hxy: number; mi: number; nmi: number; rowsUsed: number };
  preparedResample(handle: RawPreparedHandle, options: RawResampleOptions, control: Int32Array | null, async: true): Promise<RawResampled>;
  preparedResample(handle: RawPreparedHandle, options: RawResampleOptions, control: Int32Array | null, async: false): RawResampled;
  preparedCodes(handle: RawPreparedHandle, column: number): Int32Array;
  preparedDispose(handle: RawPreparedHandle): void;
  deviceInfo(): { cuda: { available: boolean; reason?: string; name?: string; memoryBytes?: number; computeCapability?: string } };
  preparedCodesAll(handle: RawPreparedHandle): RawCoded;
  preparedFromCounts(handle: RawPreparedHandle, counts: Float32Array, pi: Uint32Array, pj: Uint32Array, K: number, options: RawMatricesOptions): RawPairResult[];
  cmiResample(a: Int32Array, b: Int32Array, c: Int32Array, options: RawCmiOptions, async: true): Promise<RawDraws>;
  cmiResample(a: Int32Array, b: Int32Array, c: Int32Array, options: RawCmiOptions, async: false): RawDraws;
  teNull(x: Int32Array, y: Int32Array, options: RawTeOptions, async: true): Promise<RawDraws>;
  teNull(x: Int32Array, y: Int32Array, options: RawTeOptions, async: false): RawDraws;
  /** The CSV text of an m × m matrix (header line given, then each row's name field and m numbers as String(x); NaN empty). */
  formatCsvMatrix(values: Float64Array | Float32Array, m: number, rowNames: string[], header: string): Buffer;
  parseCsv(input: Uint8Array | string, options: { delimiter?: string; timeColumn?: boolean; threads?: number }): Promise<RawCsv>;
  spanGraphNew(): RawSpanGraphHandle;
  /** Counts one span CSV file's spans (a path: read, and inflated if gzipped, by the addon); null, or why the JS reader must decide (then the builder is spent). */
  spanGraphAdd(handle: RawSpanGraphHandle, file: string | Uint8Array): Promise<string | null>;
  /** Whether spanGraphAdd inflates a gzipped file given by path (the addon was built with zlib). */
  spanGraphInflates: boolean;
  spanGraphCount(handle: RawSpanGraphHandle): Promise<RawSpanCounts>;
  hardwareConcurrency: number;
  /** The kernels' threads: OpenMP's, or the portable pool (same results). */
  threading: 'openmp' | 'pool';
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The C library of this Linux ('glibc' or 'musl'); undefined elsewhere. */
function linuxLibc(): 'glibc' | 'musl' | undefined {
  if (process.platform !== 'linux') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/**
 * Where the prebuilt addon for this platform lives in the package (prebuildify's layout:
 * `prebuilds/<platform>-<arch>/node.napi[.<libc>].node`).
 */
export function prebuiltAddonPath(): string {
  const libc = linuxLibc();
  return join('prebuilds', `${process.platform}-${process.arch}`, `node.napi${libc ? `.${libc}` : ''}.node`);
}

/** The addon file that was loaded (relative to the package root unless given absolute). */
export let addonPath = '';

function load(): Binding {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  // The install ladder: METRICSIFT_ADDON (another build, e.g. the sanitizer's) alone if set; else
  // a source build (made at install only when the prebuilt did not work, or by a developer), then
  // the prebuilt binary shipped in the package.
  // The prebuilt's name is worked out only when needed: telling glibc from musl takes a process
  // report (~15 ms of start-up).
  const candidates: (string | (() => string))[] = process.env.METRICSIFT_ADDON
    ? [process.env.METRICSIFT_ADDON]
    : ['build/Release/metricsift.node', 'build/Debug/metricsift.node', prebuiltAddonPath];
  for (const c of candidates) {
    const p = typeof c === 'string' ? c : c();
    try {
      const b = require(isAbsolute(p) ? p : join(root, p)) as Binding;
      addonPath = p;
      return b;
    } catch (e) {
      tried.push(`${p}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new MetricsiftError(
    'The metricsift native addon could not be loaded. Tried:\n  ' + tried.join('\n  ') +
      `\nRemedies:\n  - let the install step run (it picks the prebuilt binary or builds one): npm blocks dependencies' install scripts` +
      ` unless approved, so run \`npm install-scripts approve metricsift && npm rebuild metricsift\` (global installs: --allow-scripts=metricsift; never --ignore-scripts);` +
      `\n  - prebuilt binaries ship for linux-x64 (glibc); this is ${process.platform}-${process.arch}${linuxLibc() ? ` (${linuxLibc()})` : ''};` +
      `\n  - build from source: install cmake ≥ 3.15 and a C++20 compiler (Debian: apt-get install cmake g++; macOS: xcode-select --install, brew install cmake),` +
      ` then run \`npm rebuild metricsift\` (or \`npm run build:native\` in the package directory). OpenMP is optional.`,
    ErrorCode.ADDON_UNAVAILABLE,
  );
}

/** The raw addon. Validated, typed wrappers live in src/estimators. */
export const binding: Binding = load();
binding.setErrorClass(MetricsiftError);
