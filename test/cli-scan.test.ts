// `metricsift scan` as a user runs it: the shipped example, slices of the recorded layouts in
// test/fixtures (the whole datasets: test/data/cli-scan.test.ts), the
// rules file checked by Prometheus's own promtool, and bad input.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { cli, cliBuilt, fixtures, repoRoot, useTempDir } from './helpers.js';

const run = promisify(execFile);

const root = repoRoot;
const example = join(root, 'examples/trainticket/metrics.csv.gz');
const tempDir = useTempDir('scan');
const hasPromtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();


describe.skipIf(!cliBuilt)('metricsift scan (needs `npm run build:ts`)', () => {
  it('writes selection.json, aimd.csv, mi.arrow and rules.yaml for the shipped example, with a summary', async () => {
    const out = join(tempDir(), 'ex');
    const r = await cli('scan', example, '--out', out, '--tuner', 'aimd', '--iterations', '50');
    expect(r.code).toBe(0);
    // The summary is a result: on stdout (`scan … > summary.txt` keeps it).
    expect(r.stdout).toMatch(/read 879 metrics × 741 rows/);
    expect(r.stdout).toMatch(/dropped \d+ constant or empty metrics/);
    expect(r.stdout).toMatch(/selected \d+ of \d+ informative metrics in \d+ services \(topology, AIMD\).*coverage/);
    expect(readdirSync(out).sort()).toEqual(['aimd.csv', 'curve.csv', 'mi.arrow', 'report.html', 'rules.yaml', 'selection.json']);
    const sel = JSON.parse(readFileSync(join(out, 'selection.json'), 'utf8'));
    for (const k of ['selected', 'byService', 'epsilon', 'coverage', 'measure', 'theta', 'mode', 'iterations', 'options', 'version']) expect(sel).toHaveProperty(k);
    expect(sel.iterations).toHaveLength(50);
    expect(sel).not.toHaveProperty('matrices');
    expect(readFileSync(join(out, 'aimd.csv'), 'utf8').split('\n')[0]).toBe('iteration,epsilon,size,coverage,next');
    expect(tableFromIPC(readFileSync(join(out, 'mi.arrow'))).numCols).toBe(880);
    const rules = readFileSync(join(out, 'rules.yaml'), 'utf8');
    expect(rules.match(/- alert:/g)).toHaveLength(sel.selected.length);
  });
  it('prints and stores trace statistics, warns about services with metrics missing from the traces; --lenient skips a bad file', async () => {
    const dir = join(tempDir(), 'traces');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.json'), readFileSync(join(root, 'test/fixtures/traces/zipkin-skew.json')));
    writeFileSync(join(dir, 'b.json'), '{"nope": true}');
    const failed = await cli('scan', example, '--traces', dir, '--out', join(tempDir(), 'tr0'), '--iterations', '5');
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/b\.json: not a trace shape/);
    const out = join(tempDir(), 'tr');
    const r = await cli('scan', example, '--traces', dir, '--lenient', '--out', out, '--iterations', '5');
    expect(r.code).toBe(0);
    const all = r.stdout + r.stderr;
    expect(all).toMatch(/traces: 1 files, 1 traces, 4 spans, 0 orphan spans, 1 edges/);
    expect(all).toMatch(/warning \[MS_TRACE_FILE_SKIPPED\]: .*b\.json/);
    expect(all).toMatch(/warning \[MS_SERVICE_NOT_IN_TRACES\]: \d+ services with metrics appear in no span/);
    const sel = JSON.parse(readFileSync(join(out, 'selection.json'), 'utf8'));
    expect(sel.traces).toMatchObject({ files: 1, traces: 1, spans: 4, orphans: 0, edges: 1, graphServicesWithoutMetrics: ['servicea', 'serviceb'] });
    expect(sel.traces.metricServicesNotInGraph.length).toBeGreaterThan(10);
  });
  it.skipIf(!hasPromtool)('rules.yaml passes `promtool check rules` (Debian package prometheus)', async () => {
    const out = join(tempDir(), 'ex');
    const { stdout } = await run('promtool', ['check', 'rules', join(out, 'rules.yaml')]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
  it('--format names the reader; progress appears only on a terminal (none here: stderr is a pipe)', async () => {
    const r = await cli('scan', join(fixtures, 'petshop/high_traffic/noissue/metrics.csv'), '--format', 'petshop', '--out', join(tempDir(), 'pf'), '--iterations', '10');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(petshop\); call graph from graph .*graph\.csv/);
    expect(r.stderr).not.toMatch(/\r|%\n/);
  });
  it('finds the traces beside a Train Ticket day and the graph beside PetShop data; --json prints the selection', async () => {
    const tt = await cli('scan', join(fixtures, 'trainticket/2023-01-30'), '--out', join(tempDir(), 'tt'), '--iterations', '20');
    expect(tt.code).toBe(0);
    expect(tt.stdout).toMatch(/\(trainticket\); call graph from traces .*2023-01-30\/trace/);
    const pet = await cli('scan', join(fixtures, 'petshop/high_traffic'), '--out', join(tempDir(), 'pet'), '--iterations', '20', '--json', '--measure', 'spearman');
    expect(pet.code).toBe(0);
    const sel = JSON.parse(pet.stdout);
    expect(sel.measure).toBe('spearman');
    expect(sel.warnings.map((w: { code: string }) => w.code)).toContain('MS_SERVICE_WITHOUT_METRICS');
  });
  it('bad input: one clear line, exit 2, and no output directory left looking complete', async () => {
    const dir = join(tempDir(), 'wrong');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const textOnly = join(tempDir(), 'text.csv');
    writeFileSync(textOnly, 'time\n2023-01-01\n');
    const badTrace = join(tempDir(), 'bad.json');
    writeFileSync(badTrace, '{"data": [');
    for (const [args, re] of [
      [['scan', join(tempDir(), 'missing.csv')], /missing\.csv.*MS_FILE_NOT_FOUND/],
      [['scan', dir], /unknown layout.*MS_BAD_FORMAT/],
      [['scan', textOnly], /MS_NO_COLUMNS/],
      [['scan', example, '--traces', badTrace], /bad\.json.*malformed JSON.*MS_BAD_FORMAT/],
      [['scan', example, '--theta', '2'], /theta.*MS_BAD_OPTION/],
      [['scan', example, '--min-coverage', '0'], /--min-coverage but received number 0 .*MS_BAD_OPTION/],
      [['scan', example, '--min-coverage', '1.5'], /--min-coverage but received number 1\.5 .*MS_BAD_OPTION/],
      [['scan', example, '--max-metrics', '0'], /--max-metrics but received number 0 .*MS_BAD_OPTION/],
      [['scan', example, '--duplicate-bound', '1.2'], /--duplicate-bound but received number 1\.2 .*MS_BAD_OPTION/],
      [['scan', example, '--service-coverage', '1.2'], /--service-coverage but received number 1\.2 .*MS_BAD_OPTION/],
      [['scan', example, '--keep', '/a(b/'], /--keep but received the string "\/a\(b\/".*MS_BAD_OPTION/],
      [['scan', 'http://127.0.0.1:9/?job=shop&start=0&end=600'], /Prometheus at http:\/\/127\.0\.0\.1:9 is unreachable.*MS_PROMETHEUS_UNREACHABLE/],
      [['scan', example, '--format', 'trainticket'], /needs a day directory.*MS_BAD_FORMAT/],
    ] as const) {
      const out = join(tempDir(), `o${Math.random()}`);
      const r = await cli(...args, '--out', out);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(out, 'selection.json'))).toBe(false);
    }
  });
});
