// The sliding window of continuous mode: incremental counts equal a from-scratch recount of the
// same window with the same edges (bit for bit) and the native estimators (to rounding); the
// re-binning rule; snapshots; the delta-method interval's coverage.
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { SlidingWindow, normalQuantile, recomputeWindow } from '../src/watch/window.js';
import { mutualInformation, entropy } from '../src/index.js';
import { errorOf, gaussian, rng } from './helpers.js';

/** Rows of M metrics: shared factor, discrete, missing stretches, a level shift (re-bins), a constant. */
function rows(M: number, n: number, seed = 5): Float64Array[] {
  const r = rng(seed), g = gaussian(r);
  const out: Float64Array[] = [];
  for (let t = 0; t < n; t++) {
    const f = g(), row = new Float64Array(M);
    for (let m = 0; m < M; m++) {
      const kind = m % 6;
      let v = kind === 0 ? f + 0.3 * g() : kind === 1 ? Math.floor(3 * r()) : kind === 2 ? (r() < 0.2 ? NaN : f * f + g()) : kind === 3 ? (t > n / 2 ? 50 : 0) + g() : kind === 4 ? 7 : g();
      if (m === 5 && t % 97 < 3) v = Infinity;
      row[m] = v;
    }
    out.push(row);
  }
  return out;
}

function allPairs(M: number): [number, number][] {
  const p: [number, number][] = [];
  for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) if (i !== j && (i + j) % 3 !== 0) p.push([i, j]);
  return p;
}

function expectEqualToRecount(w: SlidingWindow): void {
  const ref = recomputeWindow(w);
  for (let m = 0; m < w.names.length; m++) expect(Object.is(w.entropy(m).value, ref.entropy[m])).toBe(true);
  ref.pairs.forEach((v, p) => {
    const got = w.pairValue(p);
    expect(got.rows).toBe(v.rows);
    for (const k of ['hx', 'hy', 'hxy', 'mi', 'nmi'] as const) expect(Object.is(got[k], v[k]), `pair ${p} ${k}: ${got[k]} vs ${v[k]}`).toBe(true);
  });
}

describe('sliding window', () => {
  const M = 12;
  const data = rows(M, 900);

  it('equals a from-scratch recount of the same window, bit for bit, at every step, re-binnings included', () => {
    const w = new SlidingWindow(Array.from({ length: M }, (_, m) => `m${m}`), { capacity: 150, bins: 8 });
    w.track(allPairs(M));
    const rebinned = new Set<number>();
    data.forEach((row, t) => {
      for (const m of w.push(row, t)) rebinned.add(m);
      if (t % 23 === 0 || (t > 445 && t < 460)) expectEqualToRecount(w);
    });
    expect(w.size).toBe(150);
    expect(w.added).toBe(900);
    // The level shift of kind-3 metrics re-binned them (beyond their first binning).
    expect(w.epoch(3).epoch).toBeGreaterThan(1);
    expect(w.epoch(4).epoch).toBe(1); // the constant never leaves its range
    expect(rebinned.has(3)).toBe(true);
  });

  it('agrees with the native estimators on the window with the same edges (1e-12)', () => {
    const w = new SlidingWindow(Array.from({ length: M }, (_, m) => `m${m}`), { capacity: 200, bins: 8 });
    const pairs = allPairs(M);
    w.track(pairs);
    data.slice(0, 731).forEach((row, t) => w.push(row, t));
    // The native side gets each metric's codes as values: one bin per distinct code, the same partition.
    const codes = Array.from({ length: M }, (_, m) => {
      const e = w.epoch(m);
      return w.values(m).map((v) => {
        if (Number.isNaN(v)) return NaN;
        let c = 0;
        while (c < e.cuts.length && e.cuts[c] <= v) c++;
        return c;
      });
    });
    for (let m = 0; m < M; m++) {
      const h = entropy(codes[m], { discreteMax: 64, bins: 2 });
      expect(w.entropy(m).value).toBeCloseTo(h.value, 12);
      expect(w.entropy(m).rows).toBe(h.rowsUsed);
    }
    pairs.forEach(([i, j], p) => {
      const ref = mutualInformation(codes[i], codes[j], { discreteMax: 64, bins: 2 });
      const got = w.pairValue(p);
      expect(Math.abs(got.mi - ref.value)).toBeLessThan(1e-12);
      expect(got.rows).toBe(ref.rowsUsed);
    });
  });

  it('re-bins by the documented rule: more than rebinShare of the rows outside the epoch range', () => {
    const w = new SlidingWindow(['a'], { capacity: 100, bins: 4, minRows: 20, rebinShare: 0.1 });
    const g = gaussian(rng(2));
    for (let t = 0; t < 19; t++) expect(w.push([g()], t)).toEqual([]);
    expect(w.epoch(0).epoch).toBe(0); // not binned before minRows values
    expect(w.push([g()], 19)).toEqual([0]);
    for (let t = 20; t < 100; t++) w.push([0.5 * g()], t); // inside the first range mostly
    const e = w.epoch(0);
    // Values outside [lo, hi]: at most 10 % of the rows may be outside before a re-bin.
    let t = 100, outside = 0;
    while (w.epoch(0).epoch === e.epoch) {
      w.push([e.hi + 1 + t], t++);
      outside++;
      expect(outside).toBeLessThanOrEqual(11);
    }
    expect(outside).toBe(11); // 11 of 100 > 10 %
    expect(w.epoch(0).hi).toBe(e.hi + 1 + (t - 1));
  });

  it('keeps counts of pairs tracked before, counts new ones from the stored codes', () => {
    const w = new SlidingWindow(Array.from({ length: M }, (_, m) => `m${m}`), { capacity: 120, bins: 6 });
    w.track([[0, 1], [2, 3]]);
    data.slice(0, 300).forEach((row, t) => w.push(row, t));
    const before = w.pairValue(1);
    w.track([[2, 3], [0, 5], [6, 7]]);
    expect(w.pairValue(0)).toEqual(before);
    expectEqualToRecount(w);
    data.slice(300, 420).forEach((row, t) => w.push(row, 300 + t));
    expectEqualToRecount(w);
    expect(errorOf(() => w.track([[1, 1]])).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => w.push([1, 2], 0)).code).toBe('MS_LENGTH_MISMATCH');
  });

  it('restores from a snapshot without recounting and continues identically', () => {
    const a = new SlidingWindow(Array.from({ length: M }, (_, m) => `m${m}`), { capacity: 90, bins: 8 });
    a.track(allPairs(M));
    data.slice(0, 400).forEach((row, t) => a.push(row, t));
    const b = SlidingWindow.restore(structuredClone(a.snapshot()));
    data.slice(400, 600).forEach((row, t) => {
      a.push(row, 400 + t);
      b.push(row, 400 + t);
    });
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(Array.from(b.times())).toEqual(Array.from(a.times()));
    // Without copies (watch's saves serialize it at once): the same content, the window's own arrays.
    const live = a.snapshot({ copy: false });
    expect(deserialize(serialize(live))).toEqual(a.snapshot());
    expect(SlidingWindow.restore(deserialize(serialize(live))).snapshot()).toEqual(a.snapshot());
    expect(a.snapshot({ copy: false }).values).toBe(live.values);
    expect(a.snapshot().values).not.toBe(live.values);
    const s = a.snapshot();
    s.pairSums = s.pairSums.subarray(1);
    expect(errorOf(() => SlidingWindow.restore(s)).code).toBe('MS_BAD_FORMAT');
  });

  it('gives a delta-method interval that covers the true MI about 95 % of the time (independent rows)', () => {
    // Discrete X ∈ {0,1,2}, Y = X with probability 0.6 else uniform: exact MI known.
    const q = 0.6, pxy = (a: number, b: number) => (1 / 3) * ((a === b ? q : 0) + (1 - q) / 3);
    let truth = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) truth += pxy(a, b) * Math.log2(pxy(a, b) / (1 / 9));
    const r = rng(11);
    let covered = 0;
    const reps = 300;
    for (let k = 0; k < reps; k++) {
      const w = new SlidingWindow(['x', 'y'], { capacity: 400, bins: 4 });
      w.track([[0, 1]]);
      for (let t = 0; t < 400; t++) {
        const x = Math.floor(3 * r());
        w.push([x, r() < q ? x : Math.floor(3 * r())], t);
      }
      const iv = w.miInterval(0);
      if (iv.lower <= truth && truth <= iv.upper) covered++;
    }
    // Binomial(300, 0.95) lies in [0.91, 0.99] with probability > 0.999; the plug-in bias
    // ((K−1)² / 2n ≈ 0.007 bits here) shifts it a little lower.
    expect(covered / reps).toBeGreaterThan(0.88);
    expect(covered / reps).toBeLessThan(0.99);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 8);
  });
});
