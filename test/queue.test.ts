// Distributed runs on a real Redis (Debian's redis-server, started here on loopback): tiles
// computed by separate worker processes, one killed with SIGKILL mid-tile, merge = single run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectRun, runStatus, submitRun, waitRun, writeMatrix, writePairs } from '../src/index.js';
import { seededRandom } from '../src/analysis/random.js';

const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(existsSync);
const bin = join(import.meta.dirname, '..', 'bin', 'metricsift.js');
const dir = mkdtempSync(join(tmpdir(), 'metricsift-queue-'));
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function startRedis(port: number, data: string): Promise<void> {
  const r = spawn(REDIS!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', data], { stdio: 'ignore' });
  children.push(r);
  for (let t = 0; t < 100; t++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.includes('PONG')) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('redis-server did not start');
}

function stopRedis(port: number): void {
  spawnSync('redis-cli', ['-p', String(port), 'shutdown'], { encoding: 'utf8' });
}

function worker(url: string, ...args: string[]): ChildProcess {
  const w = spawn(process.execPath, [bin, 'worker', '--redis', url, '--threads', '1', '--stalled-interval', '500', '--quiet', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(w);
  return w;
}

function csv(name: string, cols: number, rows: number, seed: number): string {
  const rnd = seededRandom(seed);
  const lines = ['time,' + Array.from({ length: cols }, (_, c) => `m${c}`).join(',')];
  for (let r = 0; r < rows; r++) {
    const b = rnd();
    lines.push([r, ...Array.from({ length: cols }, (_, c) => (c % 3 === 0 ? b * (c + 1) + 0.2 * rnd() : rnd()).toFixed(6))].join(','));
  }
  const f = join(dir, name);
  // Written beside and renamed: a worker reading the file while a test changes it sees the old or
  // the new file, never half of one.
  writeFileSync(`${f}.part`, lines.join('\n') + '\n');
  renameSync(`${f}.part`, f);
  return f;
}

async function file(r: Awaited<ReturnType<typeof collectRun>>, name: string): Promise<Buffer> {
  const f = join(dir, name);
  if ('values' in r) await writeMatrix(f, r);
  else await writePairs(f, r);
  return readFileSync(f);
}

describe.skipIf(!REDIS)('queue on Redis (needs Debian redis-server; .ci/run installs it)', () => {
  let url = '';
  let port = 0;
  const data = mkdtempSync(join(tmpdir(), 'metricsift-redis-'));
  beforeAll(async () => {
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    await startRedis(port, data);
  });
  afterAll(() => {
    stopRedis(port);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('three workers, one killed with SIGKILL mid-tile: the tile is retried and the merge is the single run, byte for byte', async () => {
    const input = csv('ksg.csv', 36, 6000, 3);
    const opts = { measure: 'ksg', k: 3 } as const;
    const info = await submitRun(input, opts, { redis: url, tiles: 6, attempts: 3 });
    const victim = worker(url);
    // Wait until the first worker holds a tile, then kill it without a chance to clean up.
    for (let t = 0; t < 600 && (await runStatus(info.id, { redis: url })).active === 0; t++) await new Promise((r) => setTimeout(r, 50));
    expect((await runStatus(info.id, { redis: url })).completed).toBeLessThan(6);
    victim.kill('SIGKILL');
    const others = [worker(url), worker(url)];
    const merged = await collectRun(info.id, { redis: url, pollMs: 200 });
    const single = spawnSync(process.execPath, [bin, 'matrix', input, '--measure', 'ksg', '--k', '3', '--out', join(dir, 'ksg-single.csv')], { encoding: 'utf8' });
    expect(single.status, single.stderr).toBe(0);
    expect((await file(merged, 'ksg-merged.csv')).equals(readFileSync(join(dir, 'ksg-single.csv')))).toBe(true);
    const s = await runStatus(info.id, { redis: url });
    expect(s).toMatchObject({ tiles: 6, completed: 6, failed: 0, done: true });
    expect(s.stalled, 'the killed worker\'s tile was taken back by the stalled-job check').toBeGreaterThanOrEqual(1);
    // Stopped here: idle workers left running would take the next test's tiles before it changes its file.
    await Promise.all(others.map((w) => (w.exitCode !== null ? undefined : new Promise((r) => (w.once('exit', r), w.kill('SIGTERM'))))));
  }, 240_000);

  it('a tile that keeps failing fails the run with its code after the configured attempts, visible in status', async () => {
    const input = csv('changing.csv', 8, 200, 4);
    const info = await submitRun(input, { measure: 'nmi' }, { redis: url, tiles: 2, attempts: 2 });
    csv('changing.csv', 8, 200, 5); // the file changes after submit: workers must refuse it, not compute other data
    const w = worker(url);
    await expect(waitRun(info.id, { redis: url, pollMs: 200 })).rejects.toMatchObject({ code: 'MS_SHARD_MISMATCH', message: expect.stringMatching(/tile \d\/2 failed after 2 attempts/) });
    const st = spawnSync(process.execPath, [bin, 'queue', 'status', info.id, '--redis', url, '--json'], { encoding: 'utf8' });
    expect(st.status).toBe(2);
    const s = JSON.parse(st.stdout) as { failed: number; failures: { code: string; attempts: number }[] };
    expect(s.failed).toBeGreaterThan(0);
    expect(s.failures[0]).toMatchObject({ code: 'MS_SHARD_MISMATCH', attempts: 2 });
    w.kill('SIGTERM');
  }, 120_000);

  it('Redis down: a worker backs off, resumes when it returns, and nothing is lost', async () => {
    const input = csv('down.csv', 12, 300, 6);
    const info = await submitRun(input, { measure: 'spearman', threshold: 0.1 }, { redis: url, tiles: 3 });
    stopRedis(port); // appendonly: the queue survives the restart
    const w = worker(url);
    await new Promise((r) => setTimeout(r, 1500));
    expect(w.exitCode).toBe(null); // still running, retrying
    await startRedis(port, data);
    const merged = await collectRun(info.id, { redis: url, pollMs: 200 });
    const single = spawnSync(process.execPath, [bin, 'matrix', input, '--measure', 'spearman', '--threshold', '0.1', '--out', join(dir, 'down-single.csv')], { encoding: 'utf8' });
    expect(single.status, single.stderr).toBe(0);
    expect((await file(merged, 'down-merged.csv')).equals(readFileSync(join(dir, 'down-single.csv')))).toBe(true);
    w.kill('SIGTERM');
  }, 120_000);

  it('workers wake a waiter when tiles complete: collect returns long before its 10-minute poll', async () => {
    const input = csv('wake.csv', 12, 300, 8);
    const info = await submitRun(input, { measure: 'nmi', threshold: 0.05 }, { redis: url, tiles: 4 });
    const w = worker(url);
    const merged = await collectRun(info.id, { redis: url, pollMs: 600_000 });
    expect('i' in merged && merged.i.length).toBeGreaterThan(0);
    expect((await runStatus(info.id, { redis: url })).done).toBe(true);
    w.kill('SIGTERM');
  }, 90_000);

  it('CLI: submit prints the run id last; wait and collect; bad or unreachable Redis is a clear error, exit 2', () => {
    const input = csv('cli.csv', 10, 200, 7);
    const sub = spawnSync(process.execPath, [bin, 'queue', 'submit', input, '--measure', 'nmi', '--tiles', '3', '--redis', url], { encoding: 'utf8' });
    expect(sub.status, sub.stderr).toBe(0);
    const id = sub.stdout.trim().split('\n').at(-1)!;
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    const w = worker(url);
    const col = spawnSync(process.execPath, [bin, 'queue', 'collect', id, '--out', join(dir, 'cli-merged.csv'), '--quiet'], { encoding: 'utf8', env: { ...process.env, METRICSIFT_REDIS: url } });
    expect(col.status, col.stderr).toBe(0);
    spawnSync(process.execPath, [bin, 'matrix', input, '--measure', 'nmi', '--out', join(dir, 'cli-single.csv')]);
    expect(readFileSync(join(dir, 'cli-merged.csv')).equals(readFileSync(join(dir, 'cli-single.csv')))).toBe(true);
    w.kill('SIGTERM');
    const down = spawnSync(process.execPath, [bin, 'queue', 'status', id, '--redis', 'redis://127.0.0.1:1'], { encoding: 'utf8' });
    expect(down.status).toBe(2);
    expect(down.stderr).toContain('MS_REDIS_UNREACHABLE');
    const bad = spawnSync(process.execPath, [bin, 'queue', 'status', id, '--redis', 'http://x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--redis.*MS_BAD_OPTION/);
    const none = spawnSync(process.execPath, [bin, 'queue', 'status', 'nosuchrun', '--redis', url], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('MS_RUN_NOT_FOUND');
  }, 120_000);

  it('a run expires from Redis after --keep (record, tiles and parts); queue remove drops one at once', async () => {
    const redis = (...a: string[]) => spawnSync('redis-cli', ['-p', String(port), ...a], { encoding: 'utf8' }).stdout.trim();
    const input = csv('keep.csv', 10, 200, 9);
    const sub = spawnSync(process.execPath, [bin, 'queue', 'submit', input, '--measure', 'nmi', '--tiles', '2', '--keep', '3s', '--redis', url, '--quiet'], { encoding: 'utf8' });
    expect(sub.status, sub.stderr).toBe(0);
    const id = sub.stdout.trim();
    const w = worker(url);
    await collectRun(id, { redis: url, pollMs: 200 });
    const st = await runStatus(id, { redis: url });
    expect(Date.parse(st.info.expires) - Date.parse(st.info.created)).toBe(3000);
    for (const key of [`metricsift:run:${id}`, `metricsift:run:${id}:parts`]) {
      const ttl = Number(redis('PTTL', key));
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(3000);
    }
    await new Promise((r) => setTimeout(r, 3200));
    expect(redis('EXISTS', `metricsift:run:${id}`, `metricsift:run:${id}:parts`, `metricsift:run:${id}:events`)).toBe('0');
    const gone = spawnSync(process.execPath, [bin, 'queue', 'status', id, '--redis', url], { encoding: 'utf8' });
    expect([gone.status, gone.stderr.includes('MS_RUN_NOT_FOUND')]).toEqual([2, true]);
    await new Promise<void>((r) => (w.once('exit', () => r()), w.kill('SIGTERM')));
    // remove: a run no worker took, dropped with its tiles' jobs.
    const sub2 = spawnSync(process.execPath, [bin, 'queue', 'submit', input, '--measure', 'nmi', '--tiles', '3', '--redis', url, '--quiet'], { encoding: 'utf8' });
    const id2 = sub2.stdout.trim();
    expect(redis('EXISTS', `bull:metricsift-tiles:${id2}-0`)).toBe('1');
    const rm = spawnSync(process.execPath, [bin, 'queue', 'remove', id2, '--redis', url], { encoding: 'utf8' });
    expect([rm.status, rm.stdout, rm.stderr]).toEqual([0, `run ${id2} removed: 3 tiles\n`, '']);
    expect(redis('EXISTS', `metricsift:run:${id2}`, `bull:metricsift-tiles:${id2}-0`, `bull:metricsift-tiles:${id2}-2`)).toBe('0');
    const again = spawnSync(process.execPath, [bin, 'queue', 'remove', id2, '--redis', url], { encoding: 'utf8' });
    expect([again.status, again.stderr.includes('MS_RUN_NOT_FOUND')]).toEqual([2, true]);
    const badKeep = spawnSync(process.execPath, [bin, 'queue', 'submit', input, '--keep', 'soon', '--redis', url], { encoding: 'utf8' });
    expect([badKeep.status, /--keep "soon".*MS_BAD_OPTION/.test(badKeep.stderr)]).toEqual([2, true]);
  }, 60_000);
});
