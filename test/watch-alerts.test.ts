// The alerting rules generated for watch's series, checked by Prometheus's own promtool on
// synthetic series: a sustained MI collapse pages (after N intervals, not before), a dip shorter
// than N intervals does not, sustained drift opens a ticket, a pair without baseline information
// never pages.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { promDuration, watchAlertRulesYaml } from '../src/watch/alerts.js';
import { errorOf, useTempDir } from './helpers.js';
import { prometheusInstalled } from './prometheus.js';

const tempDir = useTempDir('watch-alerts');
const run = promisify(execFile);

describe('watch alert rules', () => {
  it('durations are whole intervals; bad options are MS_BAD_OPTION', () => {
    expect(promDuration(300)).toBe('5m');
    expect(promDuration(7200)).toBe('2h');
    expect(promDuration(45)).toBe('45s');
    expect(watchAlertRulesYaml({ interval: 60 })).toMatch(/for: 5m[\s\S]*severity: page[\s\S]*for: 10m[\s\S]*severity: ticket/);
    expect(errorOf(() => watchAlertRulesYaml({ interval: 0 })).code).toBe('MS_BAD_OPTION');
    expect(errorOf(() => watchAlertRulesYaml({ interval: 60, collapseFor: 0 })).code).toBe('MS_BAD_OPTION');
  });

  it.skipIf(!prometheusInstalled)('promtool: a collapse pages after N intervals, a dip does not, drift opens a ticket (Debian package prometheus)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'rules.yaml'), watchAlertRulesYaml({ interval: 60, collapseFor: 5, driftFor: 10 }));
    await run('promtool', ['check', 'rules', join(dir, 'rules.yaml')]);
    const cpu = 'job="metricsift",instance="w:9464",metric="shop/cpu",target="shop/latency"';
    const q = 'job="metricsift",instance="w:9464",metric="shop/queue",target="shop/latency"';
    const flat = 'job="metricsift",instance="w:9464",metric="shop/flat",target="shop/latency"';
    // cpu (promtool's `a x n` is n + 1 samples): healthy 0–10 min, a dip 11–13 (3 intervals < 5),
    // healthy 14–24, a collapse from 25 on (pages at 30); drift flagged from 23 (ticket at 33).
    const upper = '1.2x10 0.3x2 1.2x10 0.3x30';
    const test = `rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'metricsift_mi_to_target_upper_bits{${cpu}}'
        values: '${upper}'
      - series: 'metricsift_mi_to_target_baseline_lower_bits{${cpu}}'
        values: '0.8x60'
      - series: 'metricsift_mi_to_target_upper_bits{${q}}'
        values: '1.5x60'
      - series: 'metricsift_mi_to_target_baseline_lower_bits{${q}}'
        values: '1.1x60'
      - series: 'metricsift_mi_to_target_upper_bits{${flat}}'
        values: '0.01x60'
      - series: 'metricsift_mi_to_target_baseline_lower_bits{${flat}}'
        values: '0.02x60'
      - series: 'metricsift_drift_active{${cpu}}'
        values: '0x22 1x30'
      - series: 'metricsift_stale{job="metricsift",instance="w:9464"}'
        values: '0x60'
    alert_rule_test:
      - eval_time: 12m
        alertname: MetricsiftMiCollapse
        exp_alerts: []
      - eval_time: 14m
        alertname: MetricsiftMiCollapse
        exp_alerts: []
      - eval_time: 29m
        alertname: MetricsiftMiCollapse
        exp_alerts: []
      - eval_time: 31m
        alertname: MetricsiftMiCollapse
        exp_alerts:
          - exp_labels: { severity: page, ${cpu.replace(/="/g, ': "').replace(/",/g, '", ')} }
            exp_annotations:
              summary: 'MI of shop/cpu to shop/latency collapsed below its baseline interval'
              description: 'The upper bound of the MI interval (0.300 bits) has stayed below the lower bound of the baseline interval for 5 intervals: the signal no longer tells about the target.'
      - eval_time: 32m
        alertname: MetricsiftMiDrift
        exp_alerts: []
      - eval_time: 34m
        alertname: MetricsiftMiDrift
        exp_alerts:
          - exp_labels: { severity: ticket, ${cpu.replace(/="/g, ': "').replace(/",/g, '", ')} }
            exp_annotations:
              summary: 'MI of shop/cpu to shop/latency has drifted from its baseline'
              description: 'metricsift watch has flagged a sustained change of dependence for 10 intervals; review the selection (/api/drift, /api/selection).'
      - eval_time: 40m
        alertname: MetricsiftStale
        exp_alerts: []
`;
    writeFileSync(join(dir, 'test.yaml'), test);
    const out = await run('promtool', ['test', 'rules', join(dir, 'test.yaml')]).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: `${e.stdout}\n${e.stderr}` }));
    expect(out.stdout).toMatch(/SUCCESS/);
  });
});
