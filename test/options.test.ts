// The options layer (src/options.ts): the library's checks, the CLI's flags and help texts and the
// addon's boundary checks use the same ranges and defaults.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, RANGES, SELECT_DEFAULTS, WATCH_DEFAULTS, optionsHeader, thetaFor } from '../src/options.js';
import { entropy, miBootstrapIntervalSync, ksgMutualInformation } from '../src/index.js';
import { envDefaults } from '../src/cli/env.js';
import { cli, cliBuilt, errorOf, repoRoot, useTempDir } from './helpers.js';

const dir = useTempDir('options');

/** Every `optInt(env, obj, "key", min, max, …)` of the binding, with min/max evaluated. */
function nativeRanges(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const bindingDir = join(repoRoot, 'native', 'binding');
  // The generated header's constants, by name (ms::opt::kThreadsMax → 1024).
  const gen = new Map([...readFileSync(join(bindingDir, 'options.gen.h'), 'utf8').matchAll(/constexpr int (\w+) = (-?\d+);/g)].map((m) => [m[1], Number(m[2])]));
  const value = (e: string) => {
    const t = e.trim();
    const named = /^ms::opt::(\w+)$/.exec(t);
    if (named && gen.has(named[1])) return gen.get(named[1])!;
    if (/^\d+$/.test(t)) return Number(t);
    const sh = /^(\d+)\s*<<\s*(\d+)$/.exec(t);
    if (sh) return Number(sh[1]) * 2 ** Number(sh[2]);
    return t;  // INT32_MAX and the like
  };
  for (const f of readdirSync(bindingDir).filter((n) => n.endsWith('.cc'))) {
    const text = readFileSync(join(bindingDir, f), 'utf8');
    for (const m of text.matchAll(/optInt\(env,\s*\*?\w+,\s*"(\w+)",\s*([^,]+),\s*([^,]+),/g)) {
      const set = out.get(m[1]) ?? out.set(m[1], new Set()).get(m[1])!;
      set.add(`${value(m[2])},${value(m[3])}`);
    }
  }
  return out;
}

describe('options layer', () => {
  it("the addon's boundary checks hold the same ranges, and its defaults are the library's", () => {
    const native = nativeRanges();
    for (const key of ['bins', 'discreteMax', 'k', 'threads'] as const) {
      expect([key, [...(native.get(key) ?? [])]]).toEqual([key, [RANGES[key].join(',')]]);
    }
    // Draw counts: the addon's `count` is bounded as replicates and permutations are.
    expect(RANGES.replicates[1]).toBe(RANGES.permutations[1]);
    for (const r of native.get('count') ?? []) expect(Number(r.split(',')[1])).toBe(RANGES.replicates[1]);
    const binning = readFileSync(join(repoRoot, 'native/kernels/binning.h'), 'utf8');
    expect(binning).toMatch(new RegExp(`int bins = ${DEFAULTS.bins};`));
    expect(readFileSync(join(repoRoot, 'native/kernels/ksg.h'), 'utf8')).toMatch(new RegExp(`int k = ${DEFAULTS.k};`));
  });

  it('the addon reads its limits from native/binding/options.gen.h, which is what src/options.ts generates', () => {
    expect(readFileSync(join(repoRoot, 'native/binding/options.gen.h'), 'utf8')).toBe(optionsHeader());
    // No binding file spells a shared limit as a literal any more.
    for (const f of readdirSync(join(repoRoot, 'native/binding')).filter((n) => n.endsWith('.cc'))) {
      const text = readFileSync(join(repoRoot, 'native/binding', f), 'utf8');
      for (const m of text.matchAll(/optInt\(env,\s*\*?\w+,\s*"(threads|k|bins|discreteMax|count)",\s*([^,]+),\s*([^,]+),/g)) {
        expect([f, m[1], m[3].trim()]).toEqual([f, m[1], expect.stringMatching(/^ms::opt::k\w+Max$/)]);
      }
    }
  });

  it('the library refuses what the ranges refuse, naming the option and the range', () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => i % 7);
    const e = errorOf(() => miBootstrapIntervalSync(x, x, { bins: RANGES.bins[1] + 1 }));
    expect(e.code).toBe('MS_BAD_OPTION');
    expect(e.message).toContain(`between ${RANGES.bins[0]} and ${RANGES.bins[1]}`);
    expect(errorOf(() => ksgMutualInformation(x, x, { k: 0 })).message).toContain(`between ${RANGES.k[0]} and ${RANGES.k[1]}`);
    expect(errorOf(() => entropy(x, { bins: 1 })).code).toBe('MS_BAD_OPTION');
  });

  it.skipIf(!cliBuilt)('CLI flags: the same range at parse time (exit 2), defaults in the help from DEFAULTS', async () => {
    const f = join(dir(), 't.csv');
    writeFileSync(f, 'time,a\n0,1\n1,2\n2,3\n');
    const r = await cli('entropy', f, '--bins', String(RANGES.bins[1] + 1));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--bins must be an integer from ${RANGES.bins[0]} to ${RANGES.bins[1]}`);
    const k = await cli('matrix', f, '--measure', 'ksg', '--k', '0');
    expect(k.code).toBe(2);
    expect(k.stderr).toContain(`--k must be an integer from ${RANGES.k[0]}`);
    const help = await cli('rank', '--help');
    expect(help.stdout).toContain(`(default ${DEFAULTS.bins})`);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(`default ${DEFAULTS.replicates}; KSG half-samples ${DEFAULTS.ksgReplicates}`);
  });

  it('METRICSIFT_THREADS is checked against the threads range (MS_BAD_ENV above it)', () => {
    expect(envDefaults({ METRICSIFT_THREADS: String(RANGES.threads[1]) }).threads).toBe(RANGES.threads[1]);
    const e = errorOf(() => envDefaults({ METRICSIFT_THREADS: String(RANGES.threads[1] + 1) }));
    expect(e.code).toBe('MS_BAD_ENV');
    expect(e.message).toContain(`an integer from ${RANGES.threads[0]} to ${RANGES.threads[1]}`);
  });

  it('no TypeScript module outside the options layer repeats its range limits', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.ts') && e.name !== 'options.ts') files.push(join(d, e.name));
      }
    };
    walk(join(repoRoot, 'src'));
    // The tops of the shared ranges, as literals: 1024 (bins, discreteMax, threads, target classes),
    // 10_000_000 (draws) and 256 (watch's bins).
    const literal = /\b(1024|1,024|10_000_000|10000000)\b|\b2, 256\b|\[2, 256\]/;
    const offenders = files.filter((f) => literal.test(readFileSync(f, 'utf8'))).map((f) => relative(repoRoot, f));
    expect(offenders).toEqual([]);
  });

  it.skipIf(!cliBuilt)("every command's help prints the options layer's defaults", async () => {
    const scan = (await cli('scan', '--help')).stdout.replace(/\s+/g, ' ');
    expect(scan).toContain(`default ${thetaFor('spearman')} for spearman, ${thetaFor('pearson')} pearson, ${thetaFor('kendall')} kendall, ${thetaFor('mi')} mi`);
    expect(scan).toContain(`(default ${SELECT_DEFAULTS.iterations})`);
    expect(scan).toContain(`seed ε0 (default ${SELECT_DEFAULTS.epsilon0})`);
    const watch = (await cli('watch', '--help')).stdout.replace(/\s+/g, ' ');
    expect(watch).toContain(`bins per metric (default ${DEFAULTS.bins})`);
    expect(watch).toContain(`(default ${WATCH_DEFAULTS.topPairs})`);
    expect(watch).toContain(`(default ${WATCH_DEFAULTS.minCoverage})`);
    const rank = (await cli('rank', '--help')).stdout.replace(/\s+/g, ' ');
    expect(rank).toContain(`total MI (default ${DEFAULTS.share})`);
    const drift = (await cli('drift', '--help')).stdout.replace(/\s+/g, ' ');
    expect(drift).toContain(`flagged (default ${DEFAULTS.persist})`);
    // A flag's range at parse time: watch's bins, and te's permutations (0 allowed: no p-value).
    const w = await cli('watch', 'http://127.0.0.1:9', '--bins', String(RANGES.watchBins[1] + 1));
    expect(w.code).toBe(2);
    expect(w.stderr).toContain(`--bins must be an integer from ${RANGES.watchBins[0]} to ${RANGES.watchBins[1]}`);
    const te = await cli('te', 'x.csv', '--from', 'a', '--to', 'b', '--permutations', String(RANGES.permutations[1] + 1));
    expect(te.code).toBe(2);
    expect(te.stderr).toContain(`--permutations must be an integer from 0 to ${RANGES.permutations[1]}`);
    const topK = await cli('matrix', 'x.csv', '--top-k', '0');
    expect(topK.code).toBe(2);
    expect(topK.stderr).toContain(`--top-k must be an integer from ${RANGES.k[0]} to ${RANGES.k[1]}`);
  });
});
