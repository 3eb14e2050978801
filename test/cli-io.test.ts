// One CLI: every command reads every input the resolver knows (files, layout directories,
// Prometheus URLs, `-` for CSV on stdin, gzip detected by magic bytes), the shared flags, where
// results and diagnostics go, one-line usage errors, METRICSIFT_* defaults, shell completion.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { envDefaults } from '../src/cli/env.js';
import { program } from '../src/cli/main.js';
import { openDataset } from '../src/io/dataset.js';
import { readStdinBytes } from '../src/io/stdin.js';
import { cli, cliBuilt, cliWith, errorOf, errorOfAsync, fixtures, repoRoot, rng, useTempDir } from './helpers.js';

const tempDir = useTempDir('cli-io');
const day = join(fixtures, 'trainticket/2023-01-30');

/** A small wide CSV: x, a noisy copy y, an unrelated z, and a time column. */
function smallCsv(): string {
  const r = rng(11);
  const lines = ['time,a/x,a/y,b/z'];
  for (let t = 0; t < 400; t++) {
    const x = r();
    lines.push(`t${t},${x},${x + 0.2 * r()},${r()}`);
  }
  return lines.join('\n') + '\n';
}
const hasBash = spawnSync('bash', ['--version']).status === 0;
const hasZsh = spawnSync('zsh', ['--version']).status === 0;
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('the input resolver (library)', () => {
  it('reads `-` from a stream, gzip or not, and refuses a terminal with its own code', async () => {
    const text = smallCsv();
    const plain = new PassThrough();
    plain.end(text);
    const a = await openDataset('-', { stdin: plain });
    const gz = new PassThrough();
    gz.end(gzipSync(text));
    const b = await openDataset('-', { stdin: gz });
    expect(a.table.names).toEqual(['a/x', 'a/y', 'b/z']);
    expect(b.table.names).toEqual(a.table.names);
    expect(Array.from(b.table.columns[1].chunks[0].values)).toEqual(Array.from(a.table.columns[1].chunks[0].values));
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    const e = await errorOfAsync(readStdinBytes(tty));
    expect(e.code).toBe('MS_STDIN_TERMINAL');
    expect(e.message).toMatch(/standard input is a terminal.*piped/);
    const bad = new PassThrough();
    bad.end(Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(await errorOfAsync(openDataset('-', { stdin: bad }))).toMatchObject({ code: 'MS_BAD_FORMAT', message: expect.stringMatching(/<stdin>: not valid gzip data/) });
    const arrow = new PassThrough();
    arrow.end('x');
    expect((await errorOfAsync(openDataset('-', { format: 'arrow', stdin: arrow }))).code).toBe('MS_BAD_OPTION');
  });
  it('resolves a Prometheus query against the default server, and names what a Prometheus input is', async () => {
    const e = await errorOfAsync(openDataset('?job=shop&start=0&end=600', { prometheusUrl: 'http://127.0.0.1:9' }));
    expect(e).toMatchObject({ code: 'MS_PROMETHEUS_UNREACHABLE', message: expect.stringMatching(/127\.0\.0\.1:9/) });
    expect((await errorOfAsync(openDataset('?job=shop&start=0&end=600'))).message).toMatch(/METRICSIFT_PROMETHEUS_URL/);
    expect((await errorOfAsync(openDataset('metrics.csv', 'prometheus'))).code).toBe('MS_BAD_FORMAT');
  });
});

describe('METRICSIFT_* variables', () => {
  it('gives defaults and rejects unknown names and bad values with MS_BAD_ENV', () => {
    expect(envDefaults({ METRICSIFT_THREADS: '3', METRICSIFT_PROMETHEUS_URL: 'http://127.0.0.1:9090', PATH: '/bin' })).toEqual({ threads: 3, prometheusUrl: 'http://127.0.0.1:9090' });
    for (const env of [{ METRICSIFT_THREAD: '2' }, { METRICSIFT_THREADS: '0' }, { METRICSIFT_THREADS: 'all' }, { METRICSIFT_PROMETHEUS_URL: 'localhost:9090' }]) {
      const e = errorOf(() => envDefaults(env));
      expect(e.code).toBe('MS_BAD_ENV');
      expect(e.message).toContain(Object.keys(env)[0]);
    }
  });
});

describe.skipIf(!cliBuilt)('one CLI (needs `npm run build:ts`)', () => {
  it('every metrics command reads `-` (CSV on stdin, plain or gzip) like the file', async () => {
    const text = smallCsv();
    const file = join(tempDir(), 'small.csv');
    writeFileSync(file, text);
    const fromFile = await cli('matrix', file, '--measure', 'pearson');
    expect(fromFile.code).toBe(0);
    const piped = await cliWith({ stdin: text }, 'matrix', '-', '--measure', 'pearson');
    const gz = await cliWith({ stdin: gzipSync(text) }, 'matrix', '-', '--measure', 'pearson');
    expect(piped).toEqual(fromFile);
    expect(gz).toEqual(fromFile);
    const runs = await Promise.all([
      cliWith({ stdin: text }, 'entropy', '-', '--json'),
      cliWith({ stdin: text }, 'rank', '-', '--target', 'a/x'),
      cliWith({ stdin: text }, 'drift', '-', '--pair', 'a/x,a/y', '--window', '100', '--replicates', '20'),
      cliWith({ stdin: text }, 'te', '-', '--from', 'a/x', '--to', 'a/y', '--permutations', '9'),
      cliWith({ stdin: text.replaceAll(',', '\t') }, 'leakage', '-', '--format', 'tsv', '--pseudonym', 'a/x', '--identifier', 'a/y'),
      cliWith({ stdin: gzipSync(text) }, 'scan', '-', '--out', join(tempDir(), 'scan-stdin'), '--iterations', '5', '--quiet'),
    ]);
    for (const r of runs) expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(runs[0].stdout).map((e: { metric: string }) => e.metric)).toEqual(['a/x', 'a/y', 'b/z']);
    expect(runs[1].stdout.split('\n')[1]).toMatch(/^a\/y,/);  // the noisy copy ranks first
  });
  it('every metrics command reads a Train Ticket day directory (matrix and entropy did not)', async () => {
    const [m, h] = await Promise.all([cli('matrix', day, '--measure', 'spearman', '--json'), cli('entropy', day, '--format', 'trainticket')]);
    expect(m.code).toBe(0);
    const j = JSON.parse(m.stdout);
    expect(j.names).toHaveLength(81);  // front's 5 + 4 pods × 19
    expect(h.code).toBe(0);
    expect(h.stdout.trimEnd().split('\n')).toHaveLength(82);
  });
  it.skipIf(!hasScript)('stdin that is a terminal is refused at once, saying what is expected (`script`, Debian bsdutils)', async () => {
    // `script` runs the command on a pseudo-terminal: its stdin is a TTY.
    const r = spawnSync('script', ['-qec', `"${process.execPath}" bin/metricsift.js matrix -`, '/dev/null'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000, input: '' });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/standard input is a terminal.*MS_STDIN_TERMINAL/);
  });
  it('--json, --quiet and summaries: results and summaries on stdout, nothing on stderr', async () => {
    const out = join(tempDir(), 'h.csv');
    const r = await cli('entropy', day, '--out', out);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/entropy of 81 metrics × 120 rows \(bits\) written to .*h\.csv/);
    expect((await cli('entropy', day, '--out', out, '--quiet')).stdout).toBe('');
    const m = await cli('matrix', day, '--out', join(tempDir(), 'm.csv'));
    expect(m.stdout).toMatch(/81 × 81 mi matrix of 81 metrics × 120 rows written to/);
    expect(readFileSync(join(tempDir(), 'm.csv'), 'utf8').split('\n')).toHaveLength(83);
  });
  it('a usage error is one line naming the command, with a code and where the help is; exit 2', async () => {
    const runs = await Promise.all([
      cli('matrix', day, '--bogus'), cli('matrix', day, '--bins', '1'), cli('matrix'), cli('entropy', day, '--json', '--out', 'x.csv'),
      cli('nosuchcommand'), cli('completion', 'fish'),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^metricsift( \w+)?: .*\[MS_BAD_OPTION\]; see 'metricsift( \w+)? --help'$/m);
    }
    expect(runs[0].stderr).toMatch(/^metricsift matrix: unknown option '--bogus'/);
    expect(runs[3].stderr).toMatch(/--json.*cannot be used with.*--out/);
  });
  it('METRICSIFT_THREADS is the default of --threads; bad or unknown METRICSIFT_* are MS_BAD_ENV, exit 2', async () => {
    const csv = join(tempDir(), 'small.csv');
    writeFileSync(csv, smallCsv());
    const ok = await cliWith({ env: { METRICSIFT_THREADS: '1' } }, 'matrix', csv, '--measure', 'pearson');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe((await cli('matrix', csv, '--measure', 'pearson', '--threads', '1')).stdout);
    for (const env of [{ METRICSIFT_THREADS: 'many' }, { METRICSIFT_TREADS: '2' }] as Record<string, string>[]) {
      const r = await cliWith({ env }, 'matrix', csv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^metricsift: .*${Object.keys(env)[0]}.*\\[MS_BAD_ENV\\]\\n$`));
    }
    const prom = await cliWith({ env: { METRICSIFT_PROMETHEUS_URL: 'http://127.0.0.1:9' } }, 'entropy', '?job=shop&start=0&end=600');
    expect(prom.code).toBe(2);
    expect(prom.stderr).toMatch(/Prometheus at http:\/\/127\.0\.0\.1:9 is unreachable.*MS_PROMETHEUS_UNREACHABLE/);
  });
  it.skipIf(!hasBash)('completion bash completes commands, flags and flag values', async () => {
    const script = (await cli('completion', 'bash')).stdout;
    const complete = (...words: string[]) =>
      execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _metricsift; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).trim().split('\n');
    expect(complete('metricsift', 'ma')).toEqual(['matrix']);
    expect(complete('metricsift', 'matrix', '--meas')).toEqual(['--measure']);
    expect(complete('metricsift', 'matrix', '--measure', 'k').sort()).toEqual(['kendall', 'ksg']);
    expect(complete('metricsift', 'scan', '--form')).toEqual(['--format']);
    expect(complete('metricsift', 'entropy', '--format', 'tr')).toEqual(['trainticket']);
    expect(complete('metricsift', 'completion', 'z')).toEqual(['zsh']);
  });
  it.skipIf(!hasZsh)('completion zsh is a valid zsh script (Debian package zsh)', async () => {
    const file = join(tempDir(), '_metricsift');
    writeFileSync(file, (await cli('completion', 'zsh')).stdout);
    expect(spawnSync('zsh', ['-n', file]).status).toBe(0);
  });
});

describe('the command tree, loaded lazily', () => {
  it('holds every command for --help and completion, one command for a run of it, none for --version', async () => {
    const all = ['scan', 'matrix', 'merge', 'queue', 'worker', 'entropy', 'rank', 'drift', 'leakage', 'te', 'watch', 'completion'];
    expect((await program()).commands.map((c) => c.name())).toEqual(all);
    expect((await program('--help')).commands.map((c) => c.name())).toEqual(all);
    expect((await program('completion')).commands.map((c) => c.name())).toEqual(all);
    for (const name of all.filter((n) => n !== 'completion')) expect((await program(name)).commands.map((c) => c.name())).toEqual([name]);
    expect((await program('--version')).commands).toEqual([]);
  });
});
