/** `metricsift watch <prometheus-url>`: continuous mode, a long-running service over the library's {@link startWatch}. */
import { Command } from 'commander';
import { ErrorCode, MetricsiftError } from '../errors.js';
import { parseHeaders } from '../io/read.js';
import { writeFile } from 'node:fs/promises';
import { watchAlertRulesYaml } from '../watch/alerts.js';
// The service (prom-client, the HTTP server) is loaded when `watch` runs, not at every start-up.
import type { WatchOptions } from '../watch/service.js';
import { DEFAULTS, WATCH_DEFAULTS as W } from '../options.js';
import { durationSeconds, intArg, numArg, rangeArg, runCommand } from './common.js';

/** The flags as commander parses them: the numeric ones are the library's options as they are. */
interface WatchFlags extends Pick<WatchOptions, 'bins' | 'topPairs' | 'maxMetrics' | 'maxPairSeries' | 'maxTargetSeries' | 'level' | 'persist' | 'minDrift' | 'minCoverage'> {
  query?: string[];
  job?: string;
  target?: string[];
  interval: string;
  window: string;
  listen: string;
  state?: string;
  header?: string[];
  lag?: string;
  saveEvery?: string;
  alertRules?: string;
  dashboards?: string;
  leakage?: string[];
  leakageQuery?: string;
  verbose?: boolean;
}

const many = (v: string, prev: string[] = []) => [...prev, v];

/** `pseudonym,identifier`, split at the one comma outside `{…}` and quotes (series names hold commas in their labels). */
export function leakagePair(v: string): { pseudonym: string; identifier: string } {
  const cuts: number[] = [];
  let depth = 0, quote = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
    } else if (c === '"') quote = true;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) cuts.push(i);
  }
  const [a, b] = cuts.length === 1 ? [v.slice(0, cuts[0]).trim(), v.slice(cuts[0] + 1).trim()] : ['', ''];
  if (!a || !b) throw new MetricsiftError(`--leakage ${JSON.stringify(v)}: expected pseudonym,identifier (two watched series, e.g. user_hash,user_id)`, ErrorCode.BAD_OPTION);
  return { pseudonym: a, identifier: b };
}

export function watchCommand(): Command {
  return new Command('watch')
    .description('continuous mode: keep MI, drift and the selection current against Prometheus; serve them as metrics, JSON and a report')
    .argument('<prometheus-url>', 'the Prometheus server (a path prefix, user:password@ and --header as for other inputs)')
    .option('--query <selector>', 'PromQL selector of the metrics to watch, repeatable', many)
    .option('--job <name>', 'watch every series of this job')
    .option('--target <selector>', 'a target (SLI) selector, repeatable; MI of every metric to it, with drift', many)
    .option('--interval <duration>', 'one row per interval (default 1m)', '1m')
    .option('--window <duration>', 'the sliding window (default 24h; at least 8 intervals)', '24h')
    .option('--listen <host:port>', 'where /metrics, /api/*, /healthz, /readyz and / are served', '127.0.0.1:9464')
    .option('--state <dir>', 'state directory: resumed on restart (same configuration only: MS_STATE_MISMATCH otherwise)')
    .option('--header <Name: value>', 'HTTP header for Prometheus, repeatable (Authorization, X-Scope-OrgID); METRICSIFT_PROMETHEUS_TOKEN sends a bearer token', many)
    .option('-b, --bins <n>', `bins per metric (default ${DEFAULTS.bins})`, rangeArg('--bins', 'watchBins'))
    .option('--top-pairs <n>', `partners tracked per metric, by NMI at each selection (default ${W.topPairs})`, rangeArg('--top-pairs', 'topPairs'))
    .option('--max-metrics <n>', `series watched at most (default ${W.maxMetrics})`, intArg('--max-metrics', 1))
    .option('--max-pair-series <n>', `metricsift_mutual_information_bits series at most (default ${W.maxPairSeries})`, intArg('--max-pair-series', 0))
    .option('--max-target-series <n>', `metricsift_mi_to_target_* series per target at most (default ${W.maxTargetSeries})`, intArg('--max-target-series', 0))
    .option('--level <x>', `interval level (default ${DEFAULTS.level})`, numArg('--level'))
    .option('--persist <n>', `intervals outside the baseline before drift is flagged (default ${DEFAULTS.persist})`, intArg('--persist', 1))
    .option('--min-drift <bits>', `bits an MI interval must clear its baseline's by, beyond the window's binning resolution, to count as outside it (default ${W.minDrift})`, numArg('--min-drift'))
    .option('--min-coverage <x>', `re-run the selection when its coverage falls below this (default ${W.minCoverage})`, numArg('--min-coverage'))
    .option('--lag <duration>', 'how far behind now a grid point is read (default: one interval)')
    .option('--save-every <duration>', 'how often the state is saved (default 5m, at least one interval; also at selections and on exit)')
    .option('--alert-rules <file>', 'write Prometheus alerting rules over the served series (page on MI collapse, ticket on drift) at start-up')
    .option('--dashboards <dir>', 'write Grafana dashboards (executive, oncall, debug .json) there after each selection')
    .option('--leakage <pseudonym,identifier>', 'keep the leakage score of a pseudonym series about an identifier series current (metricsift_leakage_*; the executive dashboard\'s panel), repeatable', many)
    .option('--leakage-query <promql>', 'a leakage score computed elsewhere, for the executive dashboard\'s panel instead')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', `
Start-up errors (exit 2): a window under 8 intervals [MS_WINDOW_TOO_SHORT], selectors matching
nothing [MS_NO_COLUMNS, MS_TARGET_MISSING], the listen address in use [MS_LISTEN_FAILED], a state
directory of another configuration [MS_STATE_MISMATCH]. Later errors are logged and counted
(metricsift_errors_total, metricsift_stale), with back-off; SIGTERM finishes the interval and exits.

Example:
  metricsift watch http://prometheus:9090 --job shop --target 'rate(http_errors_total{job="shop"}[5m])' \\
    --interval 1m --window 24h --state /var/lib/metricsift`)
    .action((url: string, f: WatchFlags) =>
      runCommand(f.verbose, async () => {
        const interval = durationSeconds('--interval', f.interval), window = durationSeconds('--window', f.window);
        if (f.alertRules) {
          await writeFile(f.alertRules, watchAlertRulesYaml({ interval })).catch((e) => {
            throw new MetricsiftError(`--alert-rules ${f.alertRules}: ${(e as Error).message}`, ErrorCode.WRITE_FAILED);
          });
        }
        const { startWatch } = await import('../watch/service.js');
        const w = await startWatch({
          url, queries: f.query, job: f.job, targets: f.target, interval, window, listen: f.listen, stateDir: f.state, headers: parseHeaders(f.header),
          bins: f.bins, topPairs: f.topPairs, maxMetrics: f.maxMetrics, maxPairSeries: f.maxPairSeries, maxTargetSeries: f.maxTargetSeries,
          dashboardsDir: f.dashboards, leakage: f.leakage?.map(leakagePair), leakageQuery: f.leakageQuery, level: f.level, persist: f.persist, minDrift: f.minDrift, minCoverage: f.minCoverage, lag: f.lag === undefined ? undefined : durationSeconds('--lag', f.lag),
          saveEvery: f.saveEvery === undefined ? undefined : durationSeconds('--save-every', f.saveEvery),
        });
        if (f.dashboards) await w.writeDashboards(f.dashboards);
        await new Promise<void>((resolve) => {
          const end = (sig: string) => {
            process.stderr.write(`metricsift watch: ${sig}: finishing the interval\n`);
            w.stop().then(resolve, resolve);
          };
          // Handlers before the line that says it is serving: a supervisor (or a test) that signals
          // as soon as it reads that line must reach them, not the default action (death, no save).
          process.once('SIGTERM', () => end('SIGTERM'));
          process.once('SIGINT', () => end('SIGINT'));
          process.stderr.write(`metricsift watch: serving on http://${w.address}/ (window ${w.window.size} rows)\n`);
        });
      }),
    );
}
