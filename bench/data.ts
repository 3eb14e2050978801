/**
 * The one synthetic data set every suite reads, Node and Python alike, so that all peers compute
 * on the same bytes. Written once to bench/.data/<M>x<n>.f64: M columns of n float64 values,
 * column-major, little-endian, with a JSON header beside it (<M>x<n>.json).
 *
 * Columns look like monitoring metrics: AR(1) latent "load" factors with a daily cycle, mixed with
 * noise at signal-to-noise ratios spread over three decades (so MI values vary), some log-normal or
 * Student-t heavy tails, some rounded counters (ties), a few with 2-12 distinct values, a few
 * constant. Column j depends only on (seed, j): a smaller M is a prefix of a larger one.
 *
 * CLI: node --import tsx bench/data.ts [M] [n]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '.data');
export const SEED = 20240611;
/** Bump when the generator changes: files with another version are rewritten. */
const VERSION = 2;
const FACTORS = 7; // factor 0 is a global load every column follows a little
const DAY = 1440; // one sample a minute: n = 28,800 is 20 days

export interface BenchData {
  names: string[];
  columns: Float64Array[];
  kinds: string[];
  rows: number;
}

interface Header {
  version: number;
  seed: number;
  M: number;
  n: number;
  dtype: '<f8';
  order: 'column-major';
  names: string[];
  kinds: string[];
}

/** xoshiro128** seeded through splitmix32: small, fast and reproducible in any language. */
function rng(seed: number): { u: () => number; normal: () => number } {
  let x = seed >>> 0;
  const split = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const next = () => {
    const r = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = ((d << 11) | (d >>> 21)) >>> 0;
    return r;
  };
  const u = () => (next() + 0.5) / 4294967296; // in (0, 1)
  let spare = NaN;
  const normal = () => {
    if (!Number.isNaN(spare)) { const s = spare; spare = NaN; return s; }
    const r = Math.sqrt(-2 * Math.log(u())), th = 2 * Math.PI * u();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  return { u, normal };
}

/** Latent factors: AR(1) with persistence 0.9-0.999 plus a daily cycle of random phase. */
function latents(n: number): Float64Array[] {
  const g = rng(SEED);
  return Array.from({ length: FACTORS }, () => {
    const phi = 0.9 + 0.099 * g.u(), amp = g.u(), phase = 2 * Math.PI * g.u();
    const f = new Float64Array(n);
    let s = 0;
    for (let t = 0; t < n; t++) {
      s = phi * s + Math.sqrt(1 - phi * phi) * g.normal();
      f[t] = s + amp * Math.sin((2 * Math.PI * t) / DAY + phase);
    }
    return f;
  });
}

function column(j: number, f: Float64Array[], n: number): { kind: string; values: Float64Array } {
  const g = rng((SEED ^ Math.imul(j + 1, 0x27d4eb2d)) >>> 0);
  const v = new Float64Array(n);
  if (j % 97 === 41) return { kind: 'constant', values: v.fill(Math.round(100 * g.u())) };
  // The global factor, 1-2 of the others ("the service it belongs to"), then noise at SNR 10^[-1, 2].
  const k = 1 + Math.floor(2 * g.u());
  const which = [0, ...Array.from({ length: k }, () => 1 + Math.floor((FACTORS - 1) * g.u()))];
  const load = which.map((w) => (w === 0 ? 0.3 : 1) * g.normal());
  const noise = Math.pow(10, -1 + 1.5 * g.u());
  const heavy = g.u();
  const tail = heavy < 0.15 ? 'student-t' : heavy < 0.3 ? 'lognormal' : heavy < 0.38 ? 'counter' : 'gaussian';
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let q = 0; q < which.length; q++) s += load[q] * f[which[q]][t];
    let e = g.normal();
    if (tail === 'student-t') { // t with 3 degrees of freedom
      const a = g.normal(), b = g.normal(), c = g.normal();
      e /= Math.sqrt((a * a + b * b + c * c) / 3);
    }
    v[t] = s + noise * e;
  }
  if (tail === 'lognormal') for (let t = 0; t < n; t++) v[t] = Math.exp(0.7 * v[t]);
  if (tail === 'counter') for (let t = 0; t < n; t++) v[t] = Math.round(Math.exp(0.5 * v[t]) * 8);
  if (j % 31 === 17) { // few distinct values: a state or level metric
    const levels = 2 + (j % 11);
    for (let t = 0; t < n; t++) v[t] = Math.min(levels - 1, Math.max(0, Math.floor(levels / 2 + v[t])));
    return { kind: `discrete-${levels}`, values: v };
  }
  return { kind: tail, values: v };
}

/** Generates the data in memory (no file). */
export function generate(M: number, n: number): BenchData {
  const f = latents(n);
  const cols = Array.from({ length: M }, (_, j) => column(j, f, n));
  return { names: cols.map((_, j) => `m${String(j).padStart(4, '0')}`), columns: cols.map((c) => c.values), kinds: cols.map((c) => c.kind), rows: n };
}

export function dataPath(M: number, n: number): { bin: string; header: string } {
  return { bin: join(DATA_DIR, `${M}x${n}.f64`), header: join(DATA_DIR, `${M}x${n}.json`) };
}

/** Writes bench/.data/<M>x<n>.f64 (+ .json) unless an up-to-date copy exists; returns the paths. */
export function ensureData(M: number, n: number): { bin: string; header: string } {
  const p = dataPath(M, n);
  if (existsSync(p.header) && existsSync(p.bin) && (JSON.parse(readFileSync(p.header, 'utf8')) as Header).version === VERSION) return p;
  if (endianness() !== 'LE') throw new Error('bench data is written little-endian; this machine is big-endian');
  const d = generate(M, n);
  mkdirSync(DATA_DIR, { recursive: true });
  const all = new Float64Array(M * n);
  d.columns.forEach((c, j) => all.set(c, j * n));
  writeFileSync(p.bin, all);
  const header: Header = { version: VERSION, seed: SEED, M, n, dtype: '<f8', order: 'column-major', names: d.names, kinds: d.kinds };
  writeFileSync(p.header, JSON.stringify(header));
  return p;
}

/** Reads the data written by {@link ensureData} (generating it first if needed); columns are views, not copies. */
export function loadData(M: number, n: number): BenchData {
  const p = ensureData(M, n);
  const h = JSON.parse(readFileSync(p.header, 'utf8')) as Header;
  const buf = readFileSync(p.bin);
  const all = new Float64Array(buf.buffer, buf.byteOffset, M * n);
  return { names: h.names, kinds: h.kinds, rows: n, columns: Array.from({ length: M }, (_, j) => all.subarray(j * n, (j + 1) * n)) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const M = Number(process.argv[2] ?? 253), n = Number(process.argv[3] ?? 28800);
  const p = ensureData(M, n);
  console.log(p.bin);
}
