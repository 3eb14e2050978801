import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  correlationMatrix, correlationPairsAbove, correlationTopK, ksgMatrix, ksgPairsAbove, ksgTopK, miMatrix, miPairsAbove, miTopK,
  canonicalPairwiseOptions, computeShard, mergePartFiles, parseShard, readPart, shardRows, tableDigest, toColumnTable, writeMatrix, writePairs, writePart,
  type PairList, type PairMatrix, type ShardSpec,
} from '../src/index.js';
import { seededRandom } from '../src/analysis/random.js';

const dir = mkdtempSync(join(tmpdir(), 'metricsift-shard-'));

/** 23 columns × 300 rows: linked pairs, ties, missing cells and one constant column. */
function table() {
  const rnd = seededRandom(7);
  const n = 300, cols: Record<string, Float64Array> = {};
  const base = Float64Array.from({ length: n }, () => rnd());
  for (let c = 0; c < 23; c++) {
    cols[`m${c}`] = Float64Array.from({ length: n }, (_, r) => {
      if (c === 5) return 1;
      if ((r * 7 + c) % 31 === 0) return NaN;
      const v = c % 3 === 0 ? base[r] * (c + 1) + rnd() * 0.3 : rnd();
      return c % 4 === 1 ? Math.round(v * 4) : v;
    });
  }
  return toColumnTable(cols);
}

type Output = 'dense' | 'threshold' | 'topk';
type Measure = 'mi' | 'nmi' | 'ksg' | 'pearson' | 'spearman' | 'kendall';

async function compute(t: ReturnType<typeof table>, measure: Measure, output: Output, rows?: [number, number]): Promise<PairMatrix | PairList> {
  const threads = 2;
  if (measure === 'mi' || measure === 'nmi') {
    const o = { measure, rows, threads } as const;
    return output === 'dense' ? miMatrix(t, o) : output === 'threshold' ? miPairsAbove(t, 0.05, o) : miTopK(t, 3, o);
  }
  if (measure === 'ksg') {
    const o = { k: 3, rows, threads };
    return output === 'dense' ? ksgMatrix(t, o) : output === 'threshold' ? ksgPairsAbove(t, 0.02, o) : ksgTopK(t, 3, o);
  }
  const o = { method: measure, rows, threads } as const;
  return output === 'dense' ? correlationMatrix(t, o) : output === 'threshold' ? correlationPairsAbove(t, 0.1, o) : correlationTopK(t, 3, o);
}

async function written(r: PairMatrix | PairList, name: string): Promise<Buffer> {
  const f = join(dir, name);
  if ('values' in r) await writeMatrix(f, r);
  else await writePairs(f, r);
  return readFileSync(f);
}

describe('shards', () => {
  it('cut the rows so every pair is in exactly one shard, balanced by pair count', () => {
    for (const m of [1, 2, 3, 10, 253, 4000]) {
      for (const count of [1, 2, 3, 7, 16, 50]) {
        const total = (m * (m - 1)) / 2;
        let next = 0, pairs = 0;
        for (let index = 0; index < count; index++) {
          const [a, b] = shardRows(m, { index, count });
          expect(a).toBe(next);
          next = b;
          let p = 0;
          for (let i = a; i < b; i++) p += m - 1 - i;
          pairs += p;
          expect(Math.abs(p - total / count)).toBeLessThanOrEqual(Math.max(1, m - 1));
        }
        expect(next).toBe(m);
        expect(pairs).toBe(total);
      }
    }
  });

  it('parse i/N and reject anything else with MS_BAD_OPTION naming the flag', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    for (const bad of ['5/5', '-1/3', '1', 'a/b', '0/0', '1/2/3', '']) {
      expect(() => parseShard(bad)).toThrow(expect.objectContaining({ code: 'MS_BAD_OPTION', message: expect.stringContaining('--shard') }));
    }
  });

  const measures: Measure[] = ['mi', 'nmi', 'ksg', 'pearson', 'spearman', 'kendall'];
  const outputs: Output[] = ['dense', 'threshold', 'topk'];
  for (const measure of measures) {
    it(`${measure}: shards merged give the single run's output byte for byte (dense, threshold, top-k; 1, 3 and 30 shards)`, async () => {
      const t = table();
      const digest = tableDigest(t);
      for (const output of outputs) {
        const whole = await compute(t, measure, output);
        const expected = await written(whole, `${measure}-${output}.csv`);
        for (const count of [1, 3, 30]) {
          const paths: string[] = [];
          // Written out of order: merge sorts by shard index.
          for (let index = count - 1; index >= 0; index--) {
            const shard: ShardSpec = { index, count };
            const rows = shardRows(t.names.length, shard);
            const r = await compute(t, measure, output, rows);
            const path = join(dir, `${measure}-${output}-${index}of${count}.part`);
            await writePart(path, {
              header: {
                format: 'metricsift-part', version: 1, input: { digest, rows: t.rows }, names: t.names, measure: r.measure,
                options: { measure, output }, shard, rowRange: rows, kind: output,
                threshold: 'threshold' in r ? r.threshold : undefined, k: 'k' in r ? r.k : undefined, absolute: !['mi', 'nmi', 'ksg'].includes(measure),
              },
              result: r,
            });
            paths.push(path);
          }
          const merged = await mergePartFiles(paths);
          const got = await written(merged, `${measure}-${output}-merged${count}.csv`);
          expect(got.equals(expected), `${measure} ${output} over ${count} shards`).toBe(true);
          if ('values' in merged) expect(Buffer.from(merged.values.buffer).equals(Buffer.from((whole as PairMatrix).values.buffer))).toBe(true);
        }
      }
    });
  }

  it('the digest follows the values, not the chunking or null-vs-NaN', () => {
    const a = toColumnTable({ x: [1, NaN, 3], y: [4, 5, 6] });
    const b = toColumnTable({ names: ['x', 'y'], columns: [Float32Array.from([1, NaN, 3]), [4, 5, 6]] });
    expect(tableDigest(a)).toBe(tableDigest(b));
    expect(tableDigest(a)).not.toBe(tableDigest(toColumnTable({ x: [1, NaN, 3], y: [4, 5, 7] })));
  });

  it('the digest of a NaN with a payload is that of any NaN, leaves the caller\'s bits alone, and is the pinned value', () => {
    const x = new Float64Array([1, 2, 3]);
    new DataView(x.buffer).setBigUint64(8, 0x7ff8000000000123n, true);
    const t = toColumnTable({ names: ['x', 'y'], columns: [x, [4.5, -0, 6]] });
    // Pinned from the version that copied every column before hashing: parts written by either agree.
    expect(tableDigest(t)).toBe('b90de6fa2e8a407d9451f7394672be6f440d8ead45346f1951c78f7a69c17deb');
    expect(tableDigest(t)).toBe(tableDigest(toColumnTable({ names: ['x', 'y'], columns: [[1, NaN, 3], [4.5, -0, 6]] })));
    expect(new DataView(x.buffer).getBigUint64(8, true)).toBe(0x7ff8000000000123n);
  });
});

describe('metricsift matrix --shard / merge', () => {
  const bin = join(import.meta.dirname, '..', 'bin', 'metricsift.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  const csv = join(dir, 'in.csv');
  const csv2 = join(dir, 'in2.csv');
  const t = table();
  const lines = ['time,' + t.names.join(',')];
  for (let r = 0; r < t.rows; r++) lines.push([r, ...t.columns.map((c) => String(c.chunks[0].values[r]))].join(','));
  writeFileSync(csv, lines.join('\n') + '\n');
  writeFileSync(csv2, lines.slice(0, -1).join('\n') + '\n');

  it('writes parts whose merge is the single run, byte for byte, for CSV, JSON and Arrow outputs', () => {
    const cases = [[['--measure', 'nmi'], ['csv', 'json', 'arrow']], [['--measure', 'spearman', '--threshold', '0.1'], ['csv']], [['--measure', 'mi', '--top-k', '2'], ['json']]] as const;
    for (const [extra, exts] of cases) {
      const parts = [0, 1, 2].map((i) => {
        const p = join(dir, `cli-${extra[1]}-${i}.part`);
        const r = run('matrix', csv, ...extra, '--shard', `${i}/3`, '--out', p, '--quiet');
        expect(r.status, r.stderr).toBe(0);
        return p;
      });
      for (const ext of exts) {
        const single = join(dir, `cli-${extra[1]}-single.${ext}`), merged = join(dir, `cli-${extra[1]}-merged.${ext}`);
        expect(run('matrix', csv, ...extra, '--out', single, '--quiet').status).toBe(0);
        const r = run('merge', ...parts.reverse(), '--out', merged);
        expect(r.status, r.stderr).toBe(0);
        expect(readFileSync(merged).equals(readFileSync(single)), `${extra.join(' ')} .${ext}`).toBe(true);
      }
    }
  }, 240_000);

  it('a CLI part and a library (queue-tile) part of one run record the same canonical options and merge to the single run', async () => {
    // Queue workers write their tiles with computeShard; the CLI with its flags. Both must record
    // the same options, or a run split between them would be refused as a mismatch.
    const cases: [string[], Parameters<typeof computeShard>[1], string][] = [
      [['--measure', 'nmi'], { measure: 'nmi' }, 'csv'],
      [['--measure', 'ksg', '--threshold', '0.02'], { measure: 'ksg', threshold: 0.02, k: 3, units: 'bits', threads: 1 }, 'csv'],
      [['--measure', 'pearson', '--top-k', '2'], { measure: 'pearson', topK: 2, precision: 'float32' }, 'json'],
    ];
    const { readTable } = await import('../src/index.js');
    const tbl = await readTable(csv);
    for (const [flags, opts, ext] of cases) {
      const cliPart = join(dir, `mixed-${flags[1]}-0.part`), libPart = join(dir, `mixed-${flags[1]}-1.part`);
      const r = run('matrix', csv, ...flags, '--shard', '0/2', '--out', cliPart, '--quiet');
      expect(r.status, r.stderr).toBe(0);
      await writePart(libPart, await computeShard(tbl, opts, { index: 1, count: 2 }, csv));
      const [a, b] = [await readPart(cliPart), await readPart(libPart)];
      expect(a.header.options).toEqual(b.header.options);
      expect(a.header.options).toEqual(canonicalPairwiseOptions(opts));
      const single = join(dir, `mixed-${flags[1]}-single.${ext}`), merged = join(dir, `mixed-${flags[1]}-merged.${ext}`);
      expect(run('matrix', csv, ...flags, '--out', single, '--quiet').status).toBe(0);
      const m = run('merge', cliPart, libPart, '--out', merged);
      expect(m.status, m.stderr).toBe(0);
      expect(readFileSync(merged).equals(readFileSync(single)), flags.join(' ')).toBe(true);
    }
    // A library part with a value-changing option the CLI part lacks is still refused.
    const other = join(dir, 'mixed-other-1.part');
    await writePart(other, await computeShard(tbl, { measure: 'nmi', bins: 8 }, { index: 1, count: 2 }, csv));
    const m = run('merge', join(dir, 'mixed-nmi-0.part'), other);
    expect(m.status).toBe(2);
    expect(m.stderr).toContain('MS_SHARD_MISMATCH');
  }, 240_000);

  it('a shard computed on a prepared (binned once) table is the same part, byte for byte (what queue workers do)', async () => {
    const { prepare, encodePart: enc } = await import('../src/index.js');
    const t = table();
    for (const opts of [{ measure: 'nmi', bins: 8 }, { measure: 'mi', threshold: 0.05, units: 'nats' }, { measure: 'nmi', topK: 3, normalization: 'max' }] as const) {
      const p = await prepare(t, { bins: (opts as { bins?: number }).bins });
      try {
        for (const index of [0, 2]) {
          const a = await computeShard(t, opts, { index, count: 3 });
          const b = await computeShard(t, opts, { index, count: 3 }, undefined, p);
          expect(enc(b).equals(enc(a)), JSON.stringify(opts)).toBe(true);
          // A worker passes the digest it checked once per input instead of hashing per tile.
          const c = await computeShard(t, opts, { index, count: 3 }, undefined, p, tableDigest(t));
          expect(enc(c).equals(enc(a)), JSON.stringify(opts)).toBe(true);
        }
      } finally {
        p.dispose();
      }
    }
  });

  it('canonical options: only what the measure reads, defaults filled, run-only options dropped', () => {
    expect(canonicalPairwiseOptions({ measure: 'pearson', bins: 8, k: 5, threads: 2, units: 'nats' })).toEqual({ measure: 'pearson', precision: 'float64' });
    expect(canonicalPairwiseOptions({ measure: 'ksg', threshold: 0.1, precision: 'float32' })).toEqual({ measure: 'ksg', threshold: 0.1, k: 3, algorithm: 1, jitter: 0, standardize: true, units: 'bits' });
    expect(canonicalPairwiseOptions({ measure: 'mi', topK: 2, normalization: 'max', rows: [0, 1] })).toEqual({ measure: 'mi', topK: 2, millerMadow: false, units: 'bits' });
    expect(canonicalPairwiseOptions({ measure: 'nmi', normalization: 'max', bins: 8 })).toEqual({ measure: 'nmi', precision: 'float64', bins: 8, millerMadow: false, units: 'bits', normalization: 'max' });
  });

  it('refuses parts of different inputs or options, missing and duplicated shards, and non-parts, with codes and exit 2', async () => {
    const p = (name: string, ...args: string[]) => {
      const f = join(dir, `bad-${name}.part`);
      expect(run('matrix', ...args, '--out', f, '--quiet').status).toBe(0);
      return f;
    };
    const a0 = p('a0', csv, '--shard', '0/2'), a1 = p('a1', csv, '--shard', '1/2');
    const other = p('other', csv2, '--shard', '1/2'), bins = p('bins', csv, '--shard', '1/2', '--bins', '8');
    const expectErr = (args: string[], code: string, text: RegExp) => {
      const r = run('merge', ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(code);
      expect(r.stderr).toMatch(text);
    };
    expectErr([a0, other], 'MS_SHARD_MISMATCH', /input/);
    expectErr([a0, bins], 'MS_SHARD_MISMATCH', /options/);
    expectErr([a0], 'MS_SHARD_MISSING', /1\/2/);
    expectErr([a0, a0], 'MS_SHARD_MISSING', /twice/);
    expectErr([a0, csv], 'MS_BAD_FORMAT', /in\.csv/);
    // --out is checked before the parts are read: a bad extension names --out even with parts that would fail.
    expectErr([a0, '--out', join(dir, 'merged.txt')], 'MS_BAD_FORMAT', /--out .*merged\.txt/);
    expect((await readPart(a1)).header.shard).toEqual({ index: 1, count: 2 });
    const bad = run('matrix', csv, '--shard', '2/2', '--out', join(dir, 'x.part'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--shard/);
    const noPart = run('matrix', csv, '--shard', '0/2', '--out', join(dir, 'x.csv'));
    expect(noPart.status).toBe(2);
    expect(noPart.stderr).toMatch(/\.part/);
  }, 240_000);
});
