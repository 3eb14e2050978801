// Outputs are all or nothing: --out is checked before any computation, temporary files go away on
// failure and on SIGINT/SIGTERM, stale ones from killed runs are removed, multi-file outputs are
// renamed into place only when complete.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDirectory, writeFiles, writeTextAtomic } from '../src/io/write.js';
import { cli, cliBuilt, errorOfAsync, repoRoot, useTempDir } from './helpers.js';

const dir = useTempDir('outputs', true);
const leftovers = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

describe('the writer module', () => {
  it('a stale temporary file of a dead process is removed by the next write of the same target', async () => {
    const stale = join(dir(), '.out.csv.999999999.deadbeef.tmp');
    const other = join(dir(), '.other.csv.999999999.deadbeef.tmp');
    writeFileSync(stale, 'half a file');
    writeFileSync(other, 'not ours to remove');
    await writeTextAtomic(join(dir(), 'out.csv'), 'a\n1\n');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(other)).toBe(true);
  });
  it('writeDirectory: a failure half-way leaves neither the directory nor a temporary one', async () => {
    const out = join(dir(), 'scan-out');
    const e = await errorOfAsync(writeDirectory(out, async (stage) => {
      await writeTextAtomic(join(stage, 'a.json'), '{}\n');
      throw new (await import('../src/errors.js')).MetricsiftError('stop', 'MS_WRITE_FAILED');
    }));
    expect(e.code).toBe('MS_WRITE_FAILED');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir())).toEqual([]);
    await writeDirectory(out, async (stage) => { await writeTextAtomic(join(stage, 'a.json'), '{}\n'); });
    expect(readdirSync(out)).toEqual(['a.json']);
    writeFileSync(join(out, 'mine.txt'), 'kept');
    await writeDirectory(out, async (stage) => { await writeTextAtomic(join(stage, 'b.json'), '[]\n'); });
    expect(readdirSync(out).sort()).toEqual(['a.json', 'b.json', 'mine.txt']);
    expect(leftovers(dir())).toEqual([]);
  });
  it('writeFiles: all files or none', async () => {
    const a = join(dir(), 'a.csv'), b = join(dir(), 'b.html');
    await errorOfAsync(writeFiles([a, b], async ([sa]) => {
      await writeTextAtomic(sa, 'x\n');
      throw new (await import('../src/errors.js')).MetricsiftError('stop', 'MS_WRITE_FAILED');
    }));
    expect(readdirSync(dir())).toEqual([]);
    await writeFiles([a, b], async ([sa, sb]) => { await writeTextAtomic(sa, 'x\n'); await writeTextAtomic(sb, '<p>\n'); });
    expect(readdirSync(dir()).sort()).toEqual(['a.csv', 'b.html']);
  });
});

describe.skipIf(!cliBuilt)('on the command line (needs `npm run build:ts`)', () => {
  it('a bad --out extension or directory is found before reading or computing anything', async () => {
    const missing = join(dir(), 'no-such-input.csv');
    let r = await cli('matrix', missing, '--out', join(dir(), 'm.txt'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MS_BAD_FORMAT/);
    expect(r.stderr).toMatch(/--out/);
    r = await cli('matrix', missing, '--out', join(dir(), 'no-dir', 'm.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MS_WRITE_FAILED.*|does not exist/);
    expect(r.stderr).toContain(join(dir(), 'no-dir'));
    r = await cli('drift', missing, '--pair', 'a,b', '--window', '10', '--report', join(dir(), 'r.pdf'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--report/);
    writeFileSync(join(dir(), 'file'), 'x');
    r = await cli('scan', missing, '--out', join(dir(), 'file', 'x'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MS_WRITE_FAILED/);
    expect(r.stderr).not.toMatch(/Cannot read/);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} while the output is being written leaves no temporary file and no output`, async () => {
      // 2,000 columns × 40 rows: the correlation is quick, the 2000 × 2000 CSV (~80 MB) is not.
      const input = join(dir(), 'wide.csv');
      const m = 2000;
      const lines = ['time,' + Array.from({ length: m }, (_, c) => `m${c}`).join(',')];
      for (let t = 0; t < 40; t++) lines.push(`${t},` + Array.from({ length: m }, (_, c) => Math.sin(t * (c + 1) * 0.37).toFixed(6)).join(','));
      writeFileSync(input, lines.join('\n') + '\n');
      const outDir = join(dir(), 'out');
      mkdirSync(outDir);
      const out = join(outDir, 'r.csv');
      const child = spawn(process.execPath, [join(repoRoot, 'bin/metricsift.js'), 'matrix', input, '--measure', 'pearson', '--out', out], { stdio: 'ignore' });
      const exited = new Promise<[number | null, string | null]>((res) => child.on('exit', (code, sig) => res([code, sig])));
      let sent = false;
      for (let i = 0; i < 6000 && !sent; i++) {
        if (leftovers(outDir).length > 0) {
          child.kill(signal);
          sent = true;
        } else {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      const [code, sig] = await exited;
      expect(sent).toBe(true);
      expect(code === null ? sig : code).not.toBe(0); // killed, not finished
      expect(readdirSync(outDir)).toEqual([]);
    });
  }
});
