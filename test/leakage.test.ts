// Leakage score: exactly H(identifier) for a bijective pseudonym, 0 for an exactly independent
// design and about 0 (bias-sized) for a random independent one, per-segment flags against the
// policy threshold, string and numeric columns alike, and the CSV string reader it uses.
import { describe, expect, it } from 'vitest';
import { leakageScore, leakageTable, parseCsvStrings } from '../src/index.js';
import { errorOf, rng } from './helpers.js';

const log2 = Math.log2;

describe('leakageScore', () => {
  it('is exactly H(identifier) for a bijective pseudonym (strings or numbers)', () => {
    const r = rng(3);
    // 8 users with unequal frequencies; the pseudonym is a fixed one-to-one relabelling.
    const weights = [1, 1, 2, 2, 3, 5, 8, 13];
    const cum = weights.map((_, i) => weights.slice(0, i + 1).reduce((a, b) => a + b, 0) / 35);
    const ids = Array.from({ length: 5000 }, () => `user${cum.findIndex((c) => r() < c)}`);
    const pseud = ids.map((id) => `h${(Number(id.slice(4)) * 5 + 3) % 8}`);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const H = -[...counts.values()].reduce((s, c) => s + (c / 5000) * log2(c / 5000), 0);
    const s = leakageScore(pseud, ids);
    expect(s.overall.mi).toBeCloseTo(H, 12);
    expect(s.overall.hIdentifier).toBeCloseTo(H, 12);
    expect(s.overall.fraction).toBeCloseTo(1, 12);
    expect(s.overall.flagged).toBe(true);
    expect(s.overall.bins).toEqual([8, 8]);
    // Numeric identifiers are categories too (no binning): 100 distinct ids, still exactly H.
    const num = Array.from({ length: 4000 }, (_, i) => (i * 37) % 100);
    const n = leakageScore(num.map((v) => v * 1000 + 17), num);
    expect(n.overall.mi).toBeCloseTo(log2(100), 12);
    expect(n.overall.bins).toEqual([100, 100]);
  });

  it('is 0 for an exactly independent design and about 0 for a random independent pseudonym', () => {
    // Every (pseudonym, identifier) combination equally often: MI exactly 0.
    const ids: string[] = [], ps: string[] = [];
    for (let a = 0; a < 6; a++) for (let b = 0; b < 4; b++) for (let k = 0; k < 3; k++) { ids.push(`u${a}`); ps.push(`p${b}`); }
    const e = leakageScore(ps, ids, { units: 'nats' });
    expect(e.overall.mi).toBeCloseTo(0, 14);
    expect(e.overall.hIdentifier).toBeCloseTo(Math.log(6), 14);
    expect(e.overall.flagged).toBe(false);
    // Random independent: the plug-in is biased up by about (cells − 1)/(2N·ln 2) bits; Miller–Madow removes most of it.
    const r = rng(11);
    const n = 40_000;
    const id = Array.from({ length: n }, () => `id${Math.floor(r() * 10)}`);
    const p = Array.from({ length: n }, () => `p${Math.floor(r() * 10)}`);
    const plug = leakageScore(p, id).overall.mi;
    const bias = 81 / (2 * n * Math.LN2);
    expect(plug).toBeGreaterThan(0);
    expect(plug).toBeLessThan(4 * bias);  // ≈ 0.0015 bits, against H(id) ≈ 3.32
    const mm = leakageScore(p, id, { millerMadow: true }).overall.mi;
    expect(Math.abs(mm)).toBeLessThan(Math.abs(plug));
    expect(Math.abs(mm)).toBeLessThan(2 * bias);
  });

  it('scores segments and flags those above the threshold (bits, or a fraction of H)', () => {
    // Region "eu" uses a reversible pseudonym, "us" a random one, "ap" has few rows.
    const r = rng(5);
    const id: string[] = [], p: string[] = [], region: (string | null)[] = [];
    for (let i = 0; i < 6000; i++) {
      const u = `u${Math.floor(r() * 4)}`;
      const reg = i % 3 === 0 ? 'eu' : i % 3 === 1 ? 'us' : i < 30 ? 'ap' : null;
      if (reg === null) continue;
      id.push(u);
      region.push(reg);
      p.push(reg === 'eu' ? `x${u}` : `r${Math.floor(r() * 4)}`);
    }
    const s = leakageScore(p, id, { by: region, pseudonymName: 'pseudo', identifierName: 'user' });
    expect(s.segments.map((g) => g.segment)).toEqual(['ap', 'eu', 'us']);
    const eu = s.segments[1], us = s.segments[2], ap = s.segments[0];
    expect(eu.mi).toBeCloseTo(eu.hIdentifier, 12);
    expect(us.mi).toBeLessThan(0.01);
    expect(s.flagged).toEqual(expect.arrayContaining(['eu']));
    expect(s.flagged).not.toContain('us');
    expect(s.thresholdFraction).toBe(0.1);
    expect(ap.rowsUsed).toBe(10);
    expect(ap.warnings.map((w) => w.code)).toEqual(['MS_SMALL_SAMPLE']);  // 4×4 cells for 10 rows
    expect(ap.warnings[0].message).toMatch(/segment "ap"/);
    // A threshold in bits replaces the default fraction.
    const bits = leakageScore(p, id, { by: region, threshold: 1.5 });
    expect(bits.thresholdFraction).toBeUndefined();
    expect(bits.segments.filter((g) => g.flagged).map((g) => g.segment)).toEqual(eu.mi > 1.5 ? ['eu'] : []);
  });

  it('reads string columns from CSV and scores named columns; bad input has codes', () => {
    const text = 'user,pseudo,region\nalice,h1,eu\nbob,h2,eu\n"carol, jr",h3,us\nalice,h1,us\n,h9,us\n';
    const t = parseCsvStrings(text, 'mem.csv');
    expect(t.names).toEqual(['user', 'pseudo', 'region']);
    expect(t.columns[0]).toEqual(['alice', 'bob', 'carol, jr', 'alice', '']);
    const s = leakageTable(t, { pseudonym: 'pseudo', identifier: 'user', by: 'region' });
    expect(s.by).toBe('region');
    expect(s.overall.rowsUsed).toBe(4);  // the empty user is missing
    expect(s.overall.mi).toBeCloseTo(1.5, 12);  // bijective over alice (2), bob, carol: H = 1.5 bits
    expect(errorOf(() => leakageTable(t, { pseudonym: 'pseudo', identifier: 'uid' })).code).toBe('MS_COLUMN_MISSING');
    expect(errorOf(() => leakageScore(['a'], ['a', 'b'])).code).toBe('MS_LENGTH_MISMATCH');
    expect(errorOf(() => leakageScore(['a', ''], ['', 'b'])).code).toBe('MS_NO_ROWS');
    expect(errorOf(() => leakageScore(['a'], ['a'], { thresholdFraction: 2 })).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => parseCsvStrings('a,b\n1,2,3\n', 'bad.csv')).code).toBe('MS_RAGGED_ROW');
    // In a one-column file an empty line is a missing cell, not a skipped line.
    expect(parseCsvStrings('label\nok\n\nslow\n', 'l.csv').columns[0]).toEqual(['ok', '', 'slow']);
  });
});
