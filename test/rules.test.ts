// Alert rules: the threshold band against hand-computed cases, expressions that select the source
// series (Prometheus names and labels, rate() for counters), and the rules Prometheus's own promtool
// loads and evaluates (`promtool test rules`) on the shipped Train Ticket day: they fire inside
// injected fault windows and stay silent in a held-out fault-free hour.
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { columnValues } from '../src/analysis/coding.js';
import { readCsv } from '../src/io/csv.js';
import { alertRulesYaml, band, buildAlertRules, firingRows, selectorOf } from '../src/report/rules.js';
import { selectMetrics } from '../src/select/index.js';
import { faultRows, readFaultList } from '../src/select/labels.js';
import { toColumnTable } from '../src/table.js';
import { useTempDir } from './helpers.js';

const run = promisify(execFile);
const hasPromtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const tempDir = useTempDir('rules');

describe('threshold band', () => {
  it('is the wider of median ± k·1.4826·MAD and the baseline range', () => {
    // median 5, |x − 5| = 4 3 1 0 0 1 3 4 1 → MAD 1; k = 2: 5 ± 2.9652; range [1, 9] is wider.
    const x = [1, 2, 4, 5, 5, 6, 8, 9, 4];
    expect(band(x, undefined, 2)).toMatchObject({ median: 5, mad: 1, lower: 1, upper: 9, rule: 'range' });
    // k = 6: 5 ± 8.8956 → [−3.8956, 13.8956]; non-negative data: no lower side.
    expect(band(x, undefined, 6)).toMatchObject({ lower: null, upper: 13.8956, rule: 'mad' });
    // Only baseline rows count: the 100 is outside the baseline.
    expect(band([1, 2, 3, 100], Uint8Array.from([1, 1, 1, 0]), 0)).toMatchObject({ median: 2, upper: 3, lower: 1, baselineSamples: 3 });
    // Constant baseline: widened by 10 % of |median|; negative data keeps its lower side.
    expect(band([-10, -10, -10], undefined, 6)).toMatchObject({ lower: -11, upper: -9 });
    expect(band([NaN, NaN], undefined, 6)).toBeNull();
  });
  it('rounds outwards to 6 digits, so the printed threshold never cuts into the band', () => {
    const b = band([0.0048000000000000004, 0.0048, 0.00480000000001], undefined, 6)!;
    expect(b.upper).toBeGreaterThanOrEqual(0.00480000000001);
    expect(String(b.upper).replace(/^0\.0*/, '').length).toBeLessThanOrEqual(6);
  });
});

describe('expressions', () => {
  it('select the Prometheus series a column came from, rate() for counters; one group per service; no placeholder', () => {
    const t = toColumnTable({ 'cart/http_requests_total{code="200"}': [1, 5, 9, 13, 17, 21], 'cart/mem': [3, 4, 3, 4, 3, 4], 'web/x': [1, 2, 3, 4, 5, 6] });
    const table = {
      ...t,
      series: {
        'cart/http_requests_total{code="200"}': { metric: 'http_requests_total', labels: { job: 'cart', instance: 'cart:8080', code: '200' }, type: 'counter' },
        'cart/mem': { metric: 'process_resident_memory_bytes', labels: { job: 'cart', instance: 'cart:8080' }, type: 'gauge' },
      },
    };
    const rules = buildAlertRules({ cart: ['cart/http_requests_total{code="200"}', 'cart/mem'], web: ['web/x'] }, table, { counters: ['cart/http_requests_total{code="200"}'] });
    expect(rules.map((r) => r.selector)).toEqual([
      'rate(http_requests_total{code="200",instance="cart:8080",job="cart"}[5m])',
      'process_resident_memory_bytes{instance="cart:8080",job="cart"}',
      'x{service="web"}',
    ]);
    // The counter's rate is 4/60 per second throughout: a constant band around it.
    expect(rules[0].median).toBeCloseTo(4 / 60, 12);
    expect(rules[0].expr).toMatch(/^rate\(.*\) > 0\.073334 or rate\(.*\) < 0\.06$/);  // 4/60 ± 10 %, rounded outwards
    // median 3.5, MAD 0.5: 3.5 + 6 · 1.4826 · 0.5 = 7.9478 (the lower side would be negative: left out).
    expect(rules[1].expr).toBe('process_resident_memory_bytes{instance="cart:8080",job="cart"} > 7.9478');
    const yaml = alertRulesYaml(rules);
    expect(yaml.match(/- name:/g)).toHaveLength(2);
    expect(yaml).not.toMatch(/> 0"|FILL IN|placeholder/);
    for (const k of ['severity: "warning"', 'summary:', 'description:', 'for: 2m']) expect(yaml).toContain(k);
    expect(selectorOf({ metric: 'a', labels: { 'weird-label': 'x"y' } })).toBe('a{weird_label="x\\"y"}');
  });
});

describe.skipIf(!hasPromtool)('promtool on the shipped Train Ticket day (Debian package prometheus)', () => {
  it('check rules passes; test rules: Prometheus fires them where metricsift says, inside fault windows, and not in a held-out fault-free hour', async () => {
    const table = await readCsv(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url).pathname);
    const faults = await readFaultList(new URL('../examples/trainticket/fault_list.json', import.meta.url).pathname);
    const res = await selectMetrics(table, {});
    const t = table.time!.map((s) => Date.parse(s));
    const t0 = t[0];
    const quietStart = Date.parse('2023-01-30T22:00:00Z');
    const quiet = t.map((x) => x >= quietStart && x < quietStart + 3_600_000);
    const inFault = faultRows(table, faults);
    const baselineRows = Uint8Array.from(inFault, (f, r) => (f || quiet[r] ? 0 : 1));  // the quiet hour is held out
    const rules = buildAlertRules(res.byService, table, { baselineRows });
    expect(rules.length).toBe(res.selected.length);
    const dir = tempDir();
    writeFileSync(join(dir, 'rules.yaml'), alertRulesYaml(rules));
    const check = await run('promtool', ['check', 'rules', join(dir, 'rules.yaml')]);
    expect(check.stdout).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));

    const fire = rules.map((r) => firingRows(r, table));
    const minute = (r: number) => Math.round((t[r] - t0) / 60_000);
    // Faults caught: a rule firing from the fault's start to its end plus the `for` delay.
    const caughtAt = faults.map((f) => {
      const rows = t.map((x, r) => (x + 60_000 > f.start && x < f.end + 2 * 60_000 ? r : -1)).filter((r) => r >= 0);
      return rows.find((r) => fire.some((fr) => fr[r])) ?? -1;
    });
    const caught = caughtAt.filter((r) => r >= 0).length;
    const cpu = faults.map((f, i) => [f, caughtAt[i]] as const).filter(([f]) => f.type === 'cpu_contention');
    expect(cpu.every(([, r]) => r >= 0)).toBe(true);  // every CPU contention fault is caught
    expect(caught).toBeGreaterThanOrEqual(4);
    const quietRows = quiet.map((q, r) => (q ? r : -1)).filter((r) => r >= 0);
    expect(quietRows).toHaveLength(60);
    expect(fire.every((fr) => quietRows.every((r) => !fr[r]))).toBe(true);  // silent in the held-out hour

    // promtool evaluates the same rules on the same samples and must agree at every checked time.
    const at = [...new Set([...caughtAt.filter((r) => r >= 0), ...quietRows])];
    const labelsOf = (r: (typeof rules)[number]) => ({ ...r.series.labels, ...r.labels });
    const doc = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: rules.map((r) => ({
          series: r.selector,
          values: Array.from(columnValues(table.columns[table.names.indexOf(r.metric)]), (v) => (Number.isFinite(v) ? String(v) : '_')).join(' '),
        })),
        alert_rule_test: at.flatMap((row) => rules.map((r, i) => ({
          eval_time: `${minute(row)}m`, alertname: r.alert,
          exp_alerts: fire[i][row] ? [{ exp_labels: labelsOf(r), exp_annotations: r.annotations }] : [],
        }))),
      }],
    };
    expect(t.every((x, i) => x - t0 === i * 60_000)).toBe(true);  // one row a minute, no gaps: row i is minute i
    writeFileSync(join(dir, 'test.yaml'), JSON.stringify(doc));
    const out = await run('promtool', ['test', 'rules', join(dir, 'test.yaml')], { maxBuffer: 1 << 26 }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: `${e.stdout}\n${e.stderr}`.slice(0, 4000) }));
    expect(out.stdout).toMatch(/SUCCESS/);
    expect(doc.tests[0].alert_rule_test.filter((x) => x.exp_alerts.length).length).toBeGreaterThanOrEqual(caught);
  }, 180_000);
});
