// Tests that need a real Prometheus: Debian's prometheus and promtool, started on a free loopback
// port with a TSDB backfilled from OpenMetrics text (`promtool tsdb create-blocks-from openmetrics`)
// and an optional scrape configuration. Skipped (describe.skipIf) where the binaries are absent.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Whether Debian's prometheus and promtool are on the PATH. */
export const prometheusInstalled = (() => {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

export interface StartedPrometheus {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): void;
}

/**
 * Starts prometheus in `dir`: `openmetrics` (lines without `# EOF`) backfilled first when given,
 * `config` as prometheus.yml (default: no scrape jobs), extra flags appended. Resolves when ready.
 */
export async function startPrometheus(dir: string, opts: { openmetrics?: string[]; config?: string; args?: string[]; port?: number } = {}): Promise<StartedPrometheus> {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  if (opts.openmetrics?.length) {
    writeFileSync(join(dir, 'in.om'), [...opts.openmetrics, '# EOF'].join('\n') + '\n');
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'in.om'), data], { stdio: 'ignore' });
  }
  writeFileSync(join(dir, 'prometheus.yml'), opts.config ?? 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=10y', ...(opts.args ?? [])], { stdio: 'ignore' });
  const ready = (opts.args ?? []).find((a) => a.startsWith('--web.route-prefix='))?.split('=')[1] ?? '';
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${url}${ready.replace(/\/$/, '')}/-/ready`)).ok) break;
    } catch (e) {
      if (tries > 150) throw e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, process: proc, stop: () => proc.kill('SIGTERM') };
}

/** Runs a PromQL instant query; returns the result vector. */
export async function promQuery(url: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await r.json()) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data?.result ?? [];
}
