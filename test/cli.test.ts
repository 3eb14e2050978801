// The command line, run as a user would: a child process on the shipped example.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { cli, cliBuilt, repoRoot } from './helpers.js';

const root = repoRoot;
const example = join(root, 'examples/trainticket/metrics.csv.gz');
const dir = mkdtempSync(join(tmpdir(), 'metricsift-cli-'));


describe.skipIf(!cliBuilt)('metricsift CLI (needs `npm run build:ts`)', () => {
  it('matrix writes CSV, JSON and Arrow with the documented layout', async () => {
    const csv = join(dir, 'nmi.csv'), json = join(dir, 'nmi.json'), arrow = join(dir, 'nmi.arrow');
    expect((await cli('matrix', example, '--measure', 'nmi', '--out', csv)).code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(880);
    expect(lines[0].startsWith('metric,front/SuccessRate(%),front/LatencyP50(s)')).toBe(true);
    expect(lines[2].split(',')[2]).toBe('1');  // diagonal of NMI
    expect((await cli('matrix', example, '--measure', 'spearman', '--threads', '1', '--out', json)).code).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8'));
    expect(j.names.length).toBe(879);
    expect(j.values[1][1]).toBe(1);
    expect((await cli('matrix', example, '--measure', 'mi', '--nats', '--out', arrow)).code).toBe(0);
    const t = tableFromIPC(readFileSync(arrow));
    expect(t.numCols).toBe(880);
    expect(t.getChild('metric')!.get(0)).toBe('front/SuccessRate(%)');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  it('matrix --measure ksg (KSG MI, bits) with its options; NaN diagonal', async () => {
    // A small wide CSV: KSG over all 879 example metrics takes minutes on 2 cores.
    const small = join(dir, 'small.csv');
    const rows = ['time,a/x,a/y,b/z'];
    for (let t = 0; t < 300; t++) rows.push(`${t},${Math.sin(t)},${Math.sin(t) + 0.1 * Math.cos(7 * t)},${(t * 37) % 101}`);
    writeFileSync(small, rows.join('\n') + '\n');
    const out = join(dir, 'ksg.json');
    expect((await cli('matrix', small, '--measure', 'ksg', '--k', '4', '--ksg', '2', '--jitter', '7', '--out', out)).code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.names).toEqual(['a/x', 'a/y', 'b/z']);
    expect(j.values[0][1]).toBeGreaterThan(1);  // y is x plus a little noise
    expect(j.values[1][1]).toBeNull();  // NaN written as null
    expect(j.values[1][2]).toBe(j.values[2][1]);
    expect(typeof j.values[1][2]).toBe('number');
    const pairs = await cli('matrix', small, '--measure', 'ksg', '--threshold', '0.5');
    expect(pairs.code).toBe(0);
    expect(pairs.stdout.trimEnd().split('\n')).toEqual(['metric_a,metric_b,value,rows_used', expect.stringMatching(/^a\/x,a\/y,[0-9.]+,300$/)]);
  });
  it('matrix --threshold lists pairs; bits by default', async () => {
    const { code, stdout } = await cli('matrix', example, '--measure', 'kendall', '--threshold', '0.99', '--quiet');
    expect(code).toBe(0);
    const rows = stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('metric_a,metric_b,value,rows_used');
    for (const r of rows.slice(1)) expect(Math.abs(Number(r.split(',').at(-2)))).toBeGreaterThan(0.99);
  });
  it('stops quietly when the reader closes the pipe early (| head)', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const cmd = `set -o pipefail; "${process.execPath}" bin/metricsift.js matrix ${example} | head -n 2`;
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', cmd], { cwd: root });
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect(stderr).toBe('');
  });
  it('entropy writes metric,entropy_bits,rows_used,missing', async () => {
    const { code, stdout } = await cli('entropy', example, '--bins', '8');
    expect(code).toBe(0);
    const rows = stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('metric,entropy_bits,rows_used,missing');
    expect(rows.length).toBe(880);
    for (const r of rows.slice(1)) {
      const [h, used, missing] = r.split(',').slice(-3).map(Number);
      if (!Number.isNaN(h)) expect(h).toBeLessThanOrEqual(3 + 1e-12);  // ≤ log2(8)
      expect(used + missing).toBe(741);
    }
    expect(rows.some((r) => Number(r.split(',').at(-1)) > 0)).toBe(true);
  });
  it('bad input: one clear line, exit 2, no stack', async () => {
    for (const args of [['matrix', 'nope.csv'], ['matrix', example, '--bins', '1'], ['matrix', example, '--measure', 'cmi'], ['entropy', join(root, 'package.json')]]) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const missing = await cli('matrix', 'nope.csv');
    expect(missing.stderr).toMatch(/nope\.csv.*MS_FILE_NOT_FOUND/);
  });
});
