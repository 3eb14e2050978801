/**
 * Grafana dashboards (classic dashboard JSON, importable as is) over the series `watch` serves
 * (issue 18): executive (top metrics by MI to a business target, redundancy index, projected
 * samples per day saved by dropping unselected metrics, a leakage score where one is configured:
 * watch's own for its `leakage` pairs, or any PromQL expression),
 * on-call (each SLI with its most informative signals and their intervals, recent MI drops, drift
 * and watch's health) and debug (raw series of the top signals, MI with interval over time, the
 * redundancy heatmap). The Prometheus data source is a dashboard variable, so an import needs no
 * edit. The shape follows `@grafana/schema`'s `Dashboard` (test/watch-dashboards.test.ts validates
 * every field against it).
 */

/** What the dashboards are built for. */
export interface DashboardOptions {
  /** The Prometheus job that scrapes watch (default `metricsift`). */
  job?: string;
  /** Target (SLI) names as watch labels them (`service/metric{…}`); the variable's default choices. */
  targets?: string[];
  /** PromQL selectors of the top signals, for the debug dashboard's raw series (at most 10 are drawn). */
  topSignals?: { name: string; selector: string }[];
  /** Seconds between scrapes of the watched metrics (default 15): samples per day = 86,400 / it. */
  scrapeInterval?: number;
  /**
   * Draw the leakage panel from the series watch exports for its configured pseudonym/identifier
   * pairs (`metricsift_leakage_fraction`, `metricsift_leakage_bits`; watch's `leakage` option).
   */
  leakage?: boolean;
  /** A PromQL expression of a leakage score computed elsewhere (drawn instead of watch's series when given). */
  leakageQuery?: string;
  /** Dashboard refresh (default `1m`). */
  refresh?: string;
}

type Json = Record<string, unknown>;

const DS = { type: 'prometheus', uid: '${datasource}' };

function variables(o: Required<Pick<DashboardOptions, 'job' | 'scrapeInterval'>> & DashboardOptions): Json {
  const targets = o.targets ?? [];
  return {
    list: [
      { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', hide: 0, refresh: 1, options: [] },
      {
        name: 'job', label: 'watch job', type: 'custom', query: o.job, current: { text: o.job, value: o.job, selected: true },
        options: [{ text: o.job, value: o.job, selected: true }], hide: 0,
      },
      {
        name: 'target', label: 'target (SLI)', type: 'query', datasource: DS, query: { query: 'label_values(metricsift_mi_to_target_bits{job="$job"}, target)', refId: 'targets' },
        refresh: 2, includeAll: true, multi: true, current: targets.length ? { text: targets, value: targets, selected: true } : { text: 'All', value: '$__all', selected: true }, hide: 0, sort: 1,
      },
      {
        name: 'scrape_interval', label: 'scrape interval (s)', type: 'constant', query: String(o.scrapeInterval), hide: 2,
        current: { text: String(o.scrapeInterval), value: String(o.scrapeInterval), selected: true }, options: [],
      },
    ],
  };
}

let nextId = 1;
function panel(type: string, title: string, grid: [number, number, number, number], targets: { expr: string; legend?: string; instant?: boolean }[], extra: Json = {}): Json {
  return {
    id: nextId++, type, title, datasource: DS,
    gridPos: { x: grid[0], y: grid[1], w: grid[2], h: grid[3] },
    targets: targets.map((t, k) => ({
      refId: String.fromCharCode(65 + k), datasource: DS, expr: t.expr, legendFormat: t.legend ?? '__auto',
      ...(t.instant ? { instant: true, range: false, format: 'table' } : { range: true }),
    })),
    fieldConfig: { defaults: {}, overrides: [] },
    options: {},
    ...extra,
  };
}

function dashboard(uid: string, title: string, description: string, panels: Json[], o: Required<Pick<DashboardOptions, 'job' | 'scrapeInterval' | 'refresh'>> & DashboardOptions): Json {
  return {
    uid, title, description, tags: ['metricsift', 'mutual-information'], editable: true, graphTooltip: 1,
    schemaVersion: 39, version: 1, refresh: o.refresh, time: { from: 'now-24h', to: 'now' }, timezone: 'browser',
    templating: variables(o), annotations: { list: [] }, links: [], panels,
  };
}

/**
 * The three dashboards. Each is a plain object to write as JSON and import into Grafana
 * (Dashboards → New → Import), or to provision from a file.
 */
export function watchDashboards(opts: DashboardOptions = {}): { executive: Json; oncall: Json; debug: Json } {
  const o = { job: 'metricsift', scrapeInterval: 15, refresh: '1m', ...opts };
  nextId = 1;
  const j = `job="$job"`;
  const executive = dashboard('metricsift-executive', 'metricsift · executive', 'Which metrics carry information about the business targets, how redundant the rest is, and what dropping it saves.', [
    panel('bargauge', 'Top metrics by MI to the target (bits)', [0, 0, 12, 10], [{ expr: `topk(10, metricsift_mi_to_target_bits{${j}, target=~"$target"})`, legend: '{{metric}} → {{target}}', instant: true }],
      { options: { orientation: 'horizontal', displayMode: 'gradient', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: true } }, fieldConfig: { defaults: { unit: 'none', decimals: 3, min: 0 }, overrides: [] } }),
    panel('bargauge', 'Redundancy index by service', [12, 0, 12, 10], [{ expr: `metricsift_redundancy_index{${j}}`, legend: '{{service}}', instant: true }],
      { options: { orientation: 'horizontal', displayMode: 'gradient', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: true } }, fieldConfig: { defaults: { unit: 'percentunit', min: 0, max: 1 }, overrides: [] } }),
    panel('stat', 'Coverage of the selection', [0, 10, 6, 5], [{ expr: `metricsift_selection_coverage{${j}}` }], { fieldConfig: { defaults: { unit: 'percentunit', min: 0, max: 1 }, overrides: [] } }),
    panel('stat', 'Metrics selected', [6, 10, 6, 5], [{ expr: `count(metricsift_selected{${j}})`, legend: 'selected' }, { expr: `metricsift_watched_metrics{${j}}`, legend: 'watched' }]),
    panel('stat', 'Projected samples per day saved by dropping unselected metrics', [12, 10, 12, 5], [
      { expr: `(sum(metricsift_watched_metrics{${j}}) - count(metricsift_selected{${j}})) * 86400 / $scrape_interval`, legend: 'samples/day' },
    ], { fieldConfig: { defaults: { unit: 'short' }, overrides: [] }, description: 'Unselected watched series × samples per day (86,400 / the scrape interval variable).' }),
    ...(o.leakageQuery
      ? [panel('stat', 'Leakage score', [0, 15, 24, 5], [{ expr: o.leakageQuery }])]
      : o.leakage
        ? [panel('bargauge', 'Leakage score: share of the identifier\'s entropy its pseudonym reveals', [0, 15, 24, 5], [{ expr: `metricsift_leakage_fraction{${j}}`, legend: '{{pseudonym}} → {{identifier}}', instant: true }],
          { options: { orientation: 'horizontal', displayMode: 'gradient', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: true } }, fieldConfig: { defaults: { unit: 'percentunit', min: 0, max: 1 }, overrides: [] }, description: 'I(pseudonym; identifier) / H(identifier) over the window, exact plug-in over their values as categories (leakageScore); metricsift_leakage_small_sample is 1 where the rows are too few for the score to mean anything.' })]
        : []),
  ], o);
  const oncall = dashboard('metricsift-oncall', 'metricsift · on-call', 'Each SLI with its most informative diagnostic signals, recent MI drops and drift, and whether watch is current.', [
    panel('timeseries', 'MI to $target: the most informative signals (bits)', [0, 0, 24, 9], [{ expr: `topk(5, metricsift_mi_to_target_bits{${j}, target=~"$target"})`, legend: '{{metric}}' }],
      { repeat: 'target', repeatDirection: 'v', fieldConfig: { defaults: { unit: 'none', decimals: 3, min: 0 }, overrides: [] } }),
    panel('table', 'Recent MI drops (baseline lower bound − current upper bound, bits)', [0, 9, 12, 9], [
      { expr: `metricsift_mi_to_target_baseline_lower_bits{${j}, target=~"$target"} - on (job, instance, metric, target) metricsift_mi_to_target_upper_bits{${j}, target=~"$target"} > 0`, instant: true },
    ]),
    panel('table', 'Drift flagged', [12, 9, 12, 9], [{ expr: `metricsift_drift_active{${j}, target=~"$target"} == 1`, instant: true }]),
    panel('stat', 'watch stale', [0, 18, 6, 4], [{ expr: `max(metricsift_stale{${j}})` }], { fieldConfig: { defaults: { min: 0, max: 1, thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] } }, overrides: [] } }),
    panel('timeseries', 'watch errors per minute', [6, 18, 9, 4], [{ expr: `sum by (code) (rate(metricsift_errors_total{${j}}[5m])) * 60`, legend: '{{code}}' }]),
    panel('stat', 'Seconds since the last successful interval', [15, 18, 9, 4], [{ expr: `time() - max(metricsift_last_success_timestamp_seconds{${j}})` }], { fieldConfig: { defaults: { unit: 's' }, overrides: [] } }),
  ], o);
  const top = (o.topSignals ?? []).slice(0, 10);
  const debug = dashboard('metricsift-debug', 'metricsift · debug', 'Raw series of the top signals, MI with its interval over time, and the redundancy between tracked pairs.', [
    panel('timeseries', 'Raw series of the top signals', [0, 0, 24, 9], top.length ? top.map((s) => ({ expr: s.selector, legend: s.name })) : [{ expr: `metricsift_mi_to_target_bits{${j}}`, legend: '{{metric}} (no signals given)' }]),
    panel('timeseries', 'MI to $target with its interval (bits)', [0, 9, 24, 9], [
      { expr: `metricsift_mi_to_target_bits{${j}, target=~"$target"}`, legend: '{{metric}}' },
      { expr: `metricsift_mi_to_target_lower_bits{${j}, target=~"$target"}`, legend: '{{metric}} lower' },
      { expr: `metricsift_mi_to_target_upper_bits{${j}, target=~"$target"}`, legend: '{{metric}} upper' },
      { expr: `metricsift_mi_to_target_baseline_lower_bits{${j}, target=~"$target"}`, legend: '{{metric}} baseline lower' },
    ], { fieldConfig: { defaults: { unit: 'none', decimals: 3, min: 0 }, overrides: [] } }),
    panel('heatmap', 'Redundancy heatmap: NMI of the tracked pairs over time', [0, 18, 24, 10], [{ expr: `metricsift_normalized_mutual_information{${j}}`, legend: '{{a}} ~ {{b}}' }],
      { options: { calculate: false, yAxis: { axisPlacement: 'left' }, color: { mode: 'scheme', scheme: 'Oranges', min: 0, max: 1 }, cellGap: 1 } }),
  ], o);
  return { executive, oncall, debug };
}
