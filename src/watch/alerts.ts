/**
 * Prometheus alerting rules over the series `watch` serves (issue 18), as the practice advises:
 * a page when the MI of a signal to its target (an SLI) collapses beyond its interval — the upper
 * bound of the current interval below the lower bound of the baseline interval — and stays
 * collapsed for N intervals; a ticket on sustained drift (the service's own `persist` rule,
 * held for longer); a ticket when watch is stale. A dip shorter than N intervals pages nobody: it
 * is inside the `for:` duration, which Prometheus resets when the condition clears.
 */
import { badOption } from '../errors.js';

export interface WatchAlertOptions {
  /** The watch interval in seconds (the `for:` durations are whole intervals). */
  interval: number;
  /** Intervals a collapse must last before it pages (default 5). */
  collapseFor?: number;
  /** Intervals drift must stay flagged before a ticket (default 10). */
  driftFor?: number;
  /** Intervals of staleness before a ticket (default 5). */
  staleFor?: number;
  /** Lowest baseline lower bound (bits) for a pair to page on: a pair that never carried information cannot collapse (default 0.05). */
  minBaselineBits?: number;
}

/** Prometheus duration of `n` intervals of `s` seconds (`90s`, `5m`, `2h`). */
export function promDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** The rules, as Prometheus rule-file YAML (one group, `metricsift-watch`). */
export function watchAlertRulesYaml(o: WatchAlertOptions): string {
  const int = (name: string, v: number | undefined, d: number) => {
    if (v === undefined) return d;
    if (!Number.isInteger(v) || v < 1) badOption(name, 'an integer ≥ 1 (intervals)', v);
    return v;
  };
  if (typeof o?.interval !== 'number' || !(o.interval > 0)) badOption('interval', 'seconds > 0', o?.interval);
  const collapse = int('collapseFor', o.collapseFor, 5), drift = int('driftFor', o.driftFor, 10), stale = int('staleFor', o.staleFor, 5);
  const floor = o.minBaselineBits ?? 0.05;
  if (typeof floor !== 'number' || !(floor >= 0)) badOption('minBaselineBits', 'bits ≥ 0', floor);
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    'groups:',
    '  - name: metricsift-watch',
    `    interval: ${promDuration(o.interval)}`,
    '    rules:',
    '      - alert: MetricsiftMiCollapse',
    '        expr: >-',
    '          metricsift_mi_to_target_upper_bits',
    '          < on (job, instance, metric, target) metricsift_mi_to_target_baseline_lower_bits',
    `          and on (job, instance, metric, target) metricsift_mi_to_target_baseline_lower_bits > ${floor}`,
    `        for: ${promDuration(collapse * o.interval)}`,
    '        labels:',
    '          severity: page',
    '        annotations:',
    `          summary: ${q('MI of {{ $labels.metric }} to {{ $labels.target }} collapsed below its baseline interval')}`,
    `          description: ${q(`The upper bound of the MI interval ({{ $value | printf "%.3f" }} bits) has stayed below the lower bound of the baseline interval for ${collapse} intervals: the signal no longer tells about the target.`)}`,
    '      - alert: MetricsiftMiDrift',
    '        expr: metricsift_drift_active == 1',
    `        for: ${promDuration(drift * o.interval)}`,
    '        labels:',
    '          severity: ticket',
    '        annotations:',
    `          summary: ${q('MI of {{ $labels.metric }} to {{ $labels.target }} has drifted from its baseline')}`,
    `          description: ${q(`metricsift watch has flagged a sustained change of dependence for ${drift} intervals; review the selection (/api/drift, /api/selection).`)}`,
    '      - alert: MetricsiftStale',
    '        expr: metricsift_stale == 1',
    `        for: ${promDuration(stale * o.interval)}`,
    '        labels:',
    '          severity: ticket',
    '        annotations:',
    `          summary: ${q('metricsift watch cannot read Prometheus')}`,
    `          description: ${q('Its last intervals failed (metricsift_errors_total says why); the MI series are from the last success.')}`,
  ];
  return lines.join('\n') + '\n';
}
