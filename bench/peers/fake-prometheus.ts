/**
 * A synthetic Prometheus for bench/watch-soak.ts: `/api/v1/query_range` for `{job="soak"}` (M
 * gauges, 10 per service, each a shared factor of its service plus noise) and `slo` (the target,
 * following service 0's factor), values a deterministic function of (series, time) so any range
 * asked twice answers the same; `/api/v1/metadata` empty. Prints its port on stdout.
 *
 *   node --import tsx bench/peers/fake-prometheus.ts [M]
 */
import { createServer } from 'node:http';

const M = Number(process.argv[2] ?? 1000);

/** A hash of (a, b) to [−1, 1): noise that depends only on the series and the time. */
function noise(a: number, b: number): number {
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 31 - 1;
}
const factor = (g: number, t: number) => Math.sin(t / 3600 + g) + noise(g + 1_000_000, t);
const value = (m: number, t: number) => factor(Math.floor(m / 10), t) * ((m % 10) / 10) + noise(m, t);

const server = createServer((req, res) => {
  const u = new URL(req.url ?? '/', 'http://x');
  if (u.pathname === '/api/v1/metadata') return res.end(JSON.stringify({ status: 'success', data: {} }));
  if (u.pathname !== '/api/v1/query_range') return res.writeHead(404).end();
  const q = u.searchParams.get('query') ?? '', start = Number(u.searchParams.get('start')), end = Number(u.searchParams.get('end')), step = Number(u.searchParams.get('step'));
  const times: number[] = [];
  for (let t = start; t <= end; t += step) times.push(t);
  const result: { metric: Record<string, string>; values: [number, string][] }[] = [];
  if (q === 'slo') result.push({ metric: { __name__: 'slo', job: 'soak', service: 'front' }, values: times.map((t) => [t, String(factor(0, t) + 0.3 * noise(-1, t))]) });
  else for (let m = 0; m < M; m++) result.push({ metric: { __name__: `m${m}`, job: 'soak', service: `svc${Math.floor(m / 10)}` }, values: times.map((t) => [t, String(value(m, t))]) });
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
