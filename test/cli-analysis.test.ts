// The analysis commands (rank, drift, leakage, te) run as a user would: child processes, files out.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rankToTarget, readTable } from '../src/index.js';
import { cli, cliBuilt, repoRoot, rng, useTempDir } from './helpers.js';

const example = join(repoRoot, 'examples/trainticket/metrics.csv.gz');
const target = 'front/LatencyP90(s)';
const tmp = useTempDir('cli-analysis');

/** A small wide CSV: b follows a until row 300, then not; c = a delayed by one row. */
function smallCsv(path: string): void {
  const r = rng(17);
  const a = Array.from({ length: 600 }, () => Math.floor(r() * 4));
  const lines = ['time,a,b,c'];
  for (let t = 0; t < 600; t++) lines.push(`t${t},${a[t]},${t < 300 ? a[t] : Math.floor(r() * 4)},${t > 0 ? a[t - 1] : 0}`);
  writeFileSync(path, lines.join('\n') + '\n');
}

describe.skipIf(!cliBuilt)('analysis commands (needs `npm run build:ts`)', () => {
  it('rank writes {target, ranking: [{metric, mi, ci, p}]} sorted by MI, as the library computes it', async () => {
    const out = join(tmp(), 'rank.json');
    const r = await cli('rank', example, '--target', target, '--ci', '0.9', '--replicates', '50', '--permutations', '19', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/878 metrics ranked to front\/LatencyP90\(s\); top \d+ carry 80 %/);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.target).toBe(target);
    expect(j.ranking.length).toBe(878);
    for (const e of j.ranking) {
      expect(Object.keys(e)).toEqual(['metric', 'mi', 'estimate', 'ci', 'p', 'q', 'excess', 'excess_ci']);
      if (e.mi === null) { expect([e.ci, e.p]).toEqual([null, null]); continue; }  // no row in common with the target
      expect(e.ci.length).toBe(2);
      expect(e.ci[0] <= e.estimate && e.estimate <= e.ci[1]).toBe(true);
      expect(e.p).toBeGreaterThan(0);
      expect(e.p).toBeLessThanOrEqual(1);
    }
    const mi = j.ranking.map((e: { mi: number | null }) => e.mi ?? -1);
    expect(mi).toEqual([...mi].sort((a: number, b: number) => b - a));
    expect(j.ranking[0].p).toBe(1 / 20);
    expect(j.details[0].bins).toEqual([16, 16]);
    // The same numbers as the library on the same table.
    const lib = await rankToTarget(await readTable(example), target);
    expect(j.ranking.slice(0, 20).map((e: { metric: string }) => e.metric)).toEqual(lib.ranking.slice(0, 20).map((e) => e.metric));
    expect(j.ranking[0].mi).toBe(lib.ranking[0].mi);
    expect(j.topN).toBe(lib.topN);
    // CSV on stdout.
    const csv = await cli('rank', example, '--target', target, '--bins', '8');
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('metric,mi_bits,ci_lo,ci_hi,p,rows_used,bins,warnings');
    expect(rows.length).toBe(879);
    expect(rows[1]).toMatch(/^[^,]+,[0-9.]+,,,,741,8x8,$/);
  });

  it('rank to a labels file (strings, one or two columns) and given a confounder; bad targets exit 2', async () => {
    const csv = join(tmp(), 'small-rank.csv');
    smallCsv(csv);
    const a = readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    const labels = a.map((v) => (v >= 2 ? 'high' : 'low'));
    const one = join(tmp(), 'labels.csv'), two = join(tmp(), 'labels2.csv');
    writeFileSync(one, ['level', ...labels].join('\n') + '\n');
    writeFileSync(two, ['time,level', ...labels.map((l, i) => `t${i},${l}`)].join('\n') + '\n');
    const oa = join(tmp(), 'a.json'), ob = join(tmp(), 'b.json');
    expect((await cli('rank', csv, '--target', one, '--out', oa)).code).toBe(0);
    expect((await cli('rank', csv, '--target', two, '--out', ob, '--quiet')).code).toBe(0);
    const ja = JSON.parse(readFileSync(oa, 'utf8')), jb = JSON.parse(readFileSync(ob, 'utf8'));
    expect(ja.target).toBe('level');
    expect(ja.ranking.map((e: { metric: string }) => e.metric)).toEqual(['a', 'b', 'c']);  // every column, a included
    expect(ja.ranking[0].mi).toBeCloseTo(1, 1);  // high/low splits a's four values in two halves: about 1 bit
    expect(jb.ranking).toEqual(ja.ranking);
    expect(ja.details[0].bins).toEqual([4, 2]);
    const given = join(tmp(), 'given.csv');
    expect((await cli('rank', csv, '--target', 'a', '--given', 'c', '--out', given)).code).toBe(0);
    const g = readFileSync(given, 'utf8').trimEnd().split('\n');
    expect(g[0]).toBe('metric,cmi_bits,ci_lo,ci_hi,p,rows_used,bins,warnings,mi_bits');
    expect(g[1]).toMatch(/^b,[0-9.]+,,,,600,4x4x4,,[0-9.]+$/);
    const constant = join(tmp(), 'const.csv'), short = join(tmp(), 'short.csv');
    writeFileSync(constant, ['level', ...labels.map(() => 'ok')].join('\n') + '\n');
    writeFileSync(short, 'level\nok\nbreach\n');
    const bad = [
      [['--target', 'nope'], 'MS_TARGET_MISSING'], [['--target', constant], 'MS_ONE_CLASS'],
      [['--target', short], 'MS_LENGTH_MISMATCH'], [['--target', 'a', '--given', 'nope'], 'MS_COLUMN_MISSING'],
      [['--target', 'a', '--share', '2'], 'MS_BAD_OPTION'], [['--target', 'a', '--out', join(tmp(), 'x.arrow')], 'MS_BAD_FORMAT'],
    ] as const;
    // Independent child processes: run them side by side.
    const runs = await Promise.all(bad.map(([args]) => cli('rank', csv, ...args)));
    runs.forEach((r, k) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(bad[k][1]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('drift writes windows and an HTML report with the flagged change; bad windows exit 2', async () => {
    const csv = join(tmp(), 'small.csv');
    smallCsv(csv);
    const out = join(tmp(), 'drift.json'), report = join(tmp(), 'drift.html');
    const r = await cli('drift', csv, '--pair', 'a,b', '--pair', 'a,c', '--window', '60', '--step', '30', '--bins', '4', '--replicates', '200', '--out', out, '--report', report);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.map((p: { a: string; b: string }) => `${p.a}~${p.b}`)).toEqual(['a~b', 'a~c']);
    expect(j[0].block).toBe('auto');
    expect(j[0].windows.every((w: { block: number }) => w.block >= 1 && w.block <= 30)).toBe(true);
    expect(j[0].changes.length).toBe(1);
    expect(j[0].changes[0].direction).toBe('down');
    expect([270, 300]).toContain(j[0].changes[0].start);
    expect(j[1].changes).toEqual([]);  // c is a lagged copy: no same-time MI at all, so no change either
    expect(j[0].windows[0].time).toEqual(['t0', 't59']);
    const html = readFileSync(report, 'utf8');
    expect(html.match(/<svg /g)!.length).toBe(2);
    expect(html).toContain('class="flagged"');
    expect(html).toContain('class="ci-band"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);  // self-contained
    const csvOut = await cli('drift', csv, '--pair', 'a,b', '--window', '100', '--bins', '4', '--replicates', '50');
    expect(csvOut.stdout.split('\n')[0]).toBe('a,b,window,start,end,mi_bits,ci_lo,ci_hi,rows_used,outside,flagged,warnings,estimate,block');
    expect(csvOut.stdout.trimEnd().split('\n').length).toBe(7);
    const bad = [
      [['--pair', 'a,b', '--window', '601'], 'MS_WINDOW_TOO_LONG'], [['--pair', 'a,b', '--window', '10', '--block', '6'], 'MS_TOO_FEW_ROWS'],
      [['--window', '60'], 'MS_BAD_OPTION'], [['--pair', 'a,zz', '--window', '60'], 'MS_COLUMN_MISSING'], [['--target', 'zz', '--window', '60'], 'MS_TARGET_MISSING'],
    ] as const;
    const runs = await Promise.all(bad.map(([args]) => cli('drift', csv, ...args)));
    runs.forEach((e, k) => {
      expect(e.code).toBe(2);
      expect(e.stderr).toContain(bad[k][1]);
    });
  });

  it('leakage reads text columns and flags the leaking segment; te finds the direction', async () => {
    const csv = join(tmp(), 'events.csv');
    const r = rng(4);
    const lines = ['user,hash,region'];
    for (let i = 0; i < 3000; i++) {
      const u = `user-${Math.floor(r() * 5)}`;
      const reg = i % 2 ? 'eu' : 'us';
      lines.push(`${u},${reg === 'eu' ? `h(${u})` : `h${Math.floor(r() * 5)}`},${reg}`);
    }
    writeFileSync(csv, lines.join('\n') + '\n');
    const out = join(tmp(), 'leak.json');
    const leak = await cli('leakage', csv, '--pseudonym', 'hash', '--identifier', 'user', '--by', 'region', '--out', out);
    expect(leak).toMatchObject({ code: 0, stderr: '' });
    // The summary sits on stdout with the results' place when they went to a file; --quiet drops it.
    expect(leak.stdout).toMatch(/^hash reveals [\d.]+ bits \([\d.]+ % of H\(user\)\); 1 of 2 segments of region flagged; written to .*leak\.json\n$/);
    expect((await cli('leakage', csv, '--pseudonym', 'hash', '--identifier', 'user', '--out', join(tmp(), 'leak-q.json'), '--quiet')).stdout).toBe('');
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.flagged).toEqual(['eu']);
    expect(j.segments[0].mi).toBeCloseTo(j.segments[0].hIdentifier, 12);
    expect(j.segments[1].mi).toBeLessThan(0.02);
    const text = await cli('leakage', csv, '--pseudonym', 'hash', '--identifier', 'user', '--threshold', '3');
    expect(text.stdout.split('\n')[0]).toBe('segment,mi_bits,h_identifier_bits,fraction,rows_used,flagged,warnings');
    expect((await cli('leakage', csv, '--pseudonym', 'hash', '--identifier', 'uid')).stderr).toContain('MS_COLUMN_MISSING');

    const small = join(tmp(), 'te.csv');
    smallCsv(small);
    const te = await cli('te', small, '--from', 'a', '--to', 'c', '--permutations', '99');
    expect(te.code).toBe(0);
    const t = JSON.parse(te.stdout);
    expect(t.forward.te).toBeGreaterThan(1.9);  // c is a copy of a one row later: TE = H(a) ≈ 2 bits
    expect(t.forward.p).toBe(0.01);
    expect(t.backward.te).toBeLessThan(0.1);
    expect((await cli('te', small, '--from', 'a', '--to', 'nope')).code).toBe(2);
    // --out through the one writer: .csv one row per direction; another extension refused before computing.
    const teCsv = join(tmp(), 'te-out.csv');
    const teOut = await cli('te', small, '--from', 'a', '--to', 'c', '--permutations', '9', '--out', teCsv, '--threads', '1');
    expect(teOut).toMatchObject({ code: 0, stderr: '' });
    expect(teOut.stdout).toMatch(/^TE\(a → c\) = [\d.]+ bits \(p = 0\.100\), TE\(c → a\) = [\d.]+ bits \(p = [\d.]+\), lag 1; written to .*te-out\.csv\n$/);
    expect((await cli('te', small, '--from', 'a', '--to', 'c', '--permutations', '9', '--out', teCsv, '--quiet')).stdout).toBe('');
    // --json is the default without --out (the same bytes), and conflicts with it; the p-value does not depend on --threads.
    const teJson = await cli('te', small, '--from', 'a', '--to', 'c', '--permutations', '99', '--json', '--threads', '1');
    expect(teJson.stdout).toBe(te.stdout);
    expect((await cli('te', small, '--from', 'a', '--to', 'c', '--json', '--out', teCsv)).stderr).toMatch(/--json.*cannot be used with.*--out/);
    const rows = readFileSync(teCsv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('from,to,lag,te_bits,p,excess,estimate,ci_lo,ci_hi,block,rows_used,bins,warnings');
    expect(rows.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['a,c,1', 'c,a,1']);
    const badOut = await cli('te', small, '--from', 'a', '--to', 'c', '--out', join(tmp(), 'te.txt'));
    expect([badOut.code, badOut.stderr.includes('MS_BAD_FORMAT')]).toEqual([2, true]);
  });

  it('issue 14 flags: rank --fdr/--order-by/--estimator ksg/--block auto, te --ci; bad input names the option and exits 2', async () => {
    const small = join(tmp(), 'flags.csv');
    smallCsv(small);
    const out = join(tmp(), 'flags.json');
    const r = await cli('rank', small, '--target', 'b', '--bins', '4', '--ci', '0.95', '--replicates', '200', '--permutations', '99', '--fdr', '0.05', '--order-by', 'excess', '--out', out);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect([j.order_by, j.q, j.block, j.method]).toEqual(['excess', 0.05, 'auto', 'bias-corrected']);
    expect(j.ranking.map((e: { metric: string }) => e.metric)).toEqual(['a', 'c']);
    expect(j.top).toEqual(['a']);  // c is independent of b at the same time: not significant, not in the top
    expect(j.ranking[0].q).toBeLessThanOrEqual(0.05);
    expect(j.details[0].block).toBeGreaterThanOrEqual(1);
    const csvOut = await cli('rank', small, '--target', 'b', '--bins', '4', '--ci', '0.9', '--replicates', '50', '--permutations', '19');
    expect(csvOut.stdout.split('\n')[0]).toBe('metric,mi_bits,ci_lo,ci_hi,p,rows_used,bins,warnings,estimate,q,excess,excess_lo,excess_hi,block');
    expect(csvOut.stderr).toContain('MS_FEW_REPLICATES');
    const ksg = await cli('rank', small, '--target', 'a', '--estimator', 'ksg', '--k', '4', '--out', join(tmp(), 'ksg.json'));
    expect(ksg.code).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp(), 'ksg.json'), 'utf8')).estimator).toBe('ksg');
    const te = JSON.parse((await cli('te', small, '--from', 'a', '--to', 'c', '--permutations', '19', '--ci', '0.95', '--replicates', '200')).stdout);
    expect(te.forward.ci[0]).toBeGreaterThan(1);
    expect(te.forward.ci[0] <= te.forward.estimate && te.forward.estimate <= te.forward.ci[1]).toBe(true);
    const bad = [
      [['rank', small, '--target', 'b', '--fdr', '0.05'], '--fdr'],
      [['rank', small, '--target', 'b', '--ci', '0.9', '--block', '600'], 'block'],
      [['rank', small, '--target', 'b', '--estimator', 'ksg', '--k', '600'], ' k '],
      [['rank', small, '--target', 'b', '--order-by', 'estimate'], 'orderBy'],
    ] as const;
    for (const [args, name] of bad) {
      const x = await cli(...args);
      expect(x.code).toBe(2);
      expect(x.stderr).toContain('MS_BAD_OPTION');
      expect(x.stderr).toContain(name);
    }
  });
});
