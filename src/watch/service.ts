/**
 * `metricsift watch`: continuous mode against a Prometheus server (issue 18). Each interval it
 * reads only the samples after the last row it has (one row per interval on a grid aligned to the
 * interval), converts counters to per-second rates, pushes the rows into the {@link SlidingWindow}
 * (which adds them and expires the oldest), and refreshes: entropies, MI/NMI of the tracked pairs,
 * MI of each metric to each target with an interval, drift against a baseline, the redundancy index
 * per service and the coverage of the current selection. It re-runs the selection when coverage
 * falls below a bound or a drift becomes sustained, and records why.
 *
 * Served over HTTP: `/metrics` (Prometheus exposition by prom-client, label cardinality bounded),
 * `/api/selection`, `/api/ranking`, `/api/drift`, `/api/redundancy`, `/healthz`, `/readyz`, and the
 * report of the latest selection at `/`. State (window, clock, selection, baselines) is written to
 * the state directory after every interval, atomically, so a restart resumes where it stopped.
 *
 * Drift rule (./drift-rule.ts). At each selection, every target pair's interval becomes its baseline. A pair drifts
 * when its current interval lies entirely below (or above) the baseline interval, by more than
 * `minDrift` bits plus the window's binning resolution, for `persist` intervals in a row (a shorter
 * excursion is a dip, not flagged; the margin keeps pairs from flagging on noise, and the rate at
 * which they still do is measured in test/watch-drift.test.ts); the flag stays on until the new
 * regime has filled the window (`capacity` intervals after it began), when the current interval
 * becomes the new baseline. Delay: if the window's MI interval first lies outside the baseline's (by the margin) at
 * the d-th interval after a change, and stays outside, the flag comes on at interval d + persist − 1
 * (the persist-th in a row), never earlier. d is at most the window (after `capacity` intervals the
 * window holds only the new regime), so a change whose new interval is disjoint from the baseline's
 * is flagged within capacity + persist − 1 intervals (test/watch.test.ts, simulated clock); a strong
 * dependence fully decoupled typically leaves the baseline before half the window is new, and a pair
 * that never changes is rarely flagged (rates over seeded repetitions: test/watch-drift.test.ts).
 */
import { serviceOrUnmapped } from '../service.js';
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { leakageScore } from '../analysis/leakage.js';
import { redundancyIndex, type RedundancyIndex } from '../analysis/redundancy.js';
import { ErrorCode, MetricsiftError, badOption } from '../errors.js';
import { connection, readPrometheus } from '../io/prometheus.js';
import { jsonNumbers } from '../io/write.js';
import { DEFAULTS, RANGES, WATCH_DEFAULTS as W } from '../options.js';
import { reportHtml } from '../report/html.js';
import { selectorOf } from '../report/rules.js';
import { counterRate } from '../select/counters.js';
import { selectMetrics, type KimetrixResult } from '../select/index.js';
import type { ColumnTable } from '../table.js';
import { watchDashboards } from './dashboards.js';
import { driftMargin, stepDrift, type DriftState } from './drift-rule.js';
import { SlidingWindow, type WindowSnapshot } from './window.js';

/** Configuration of a watch. The fields marked (state) must match a state directory's. */
export interface WatchOptions {
  /** Prometheus base URL (path, user-info and headers as for the reader). (state) */
  url: string;
  /** Selectors of the watched metrics (or `job`). (state) */
  queries?: string[];
  job?: string;
  /** Selectors of the targets (SLIs); every series they match is a target. (state) */
  targets?: string[];
  /** Seconds per interval (one row per interval). (state) */
  interval: number;
  /** Seconds of window; at least 8 intervals. (state) */
  window: number;
  /** `host:port` to serve on (default 127.0.0.1:9464; port 0 picks one). */
  listen?: string;
  /** State directory (created); resumed from when it holds a watch of the same configuration. */
  stateDir?: string;
  headers?: Record<string, string>;
  /** Bins per metric (default 16). (state) */
  bins?: number;
  /** Partners tracked per metric, by NMI at each selection (default 5). (state) */
  topPairs?: number;
  /** Metrics watched at most (default 2,000; more is an error at start-up). */
  maxMetrics?: number;
  /** `metricsift_mutual_information_bits` series at most: the pairs of highest MI (default 100). */
  maxPairSeries?: number;
  /** `metricsift_mi_to_target_*` series per target at most: the metrics of highest MI (default 100). */
  maxTargetSeries?: number;
  /** Interval level (default 0.95). */
  level?: number;
  /** Intervals outside the baseline in a row before drift is flagged (default 3). */
  persist?: number;
  /** Bits by which the current interval must clear the baseline's, beyond the window's binning resolution, to count as outside it (default 0.05). */
  minDrift?: number;
  /** Coverage under which the selection is re-run (default 0.8). */
  minCoverage?: number;
  /** Seconds behind now that a grid point is read (scrape and ingestion delay; default: one interval). */
  lag?: number;
  /**
   * Seconds between state saves (default max(interval, 300)); the state is also saved at start-up,
   * after each selection and at stop. A restart resumes from the last save and reads the rows
   * after it from Prometheus again, so saving less often loses nothing but start-up time.
   */
  saveEvery?: number;
  /**
   * Samples per Prometheus request at most, all series together (default 250,000, a response of
   * about 10 MB): the start-up read of the window, and a catch-up after an outage, are read in
   * time slices of about this size (the reader's `maxSamples`), so a day of 1,000 series at 15 s
   * (5.8 million samples) is about 30 bounded requests, not one.
   */
  maxSamples?: number;
  /**
   * Leakage scores to keep current (the executive dashboard's panel): pairs of watched series, each
   * named as watch names it (`service/metric{…}`), by its selector, or by a metric name matching one
   * series. Each interval: {@link leakageScore} of the pseudonym's window values against the
   * identifier's (as categories), served as `metricsift_leakage_bits`, `metricsift_leakage_fraction`
   * (of H(identifier)) and `metricsift_leakage_small_sample`. A name matching no watched series, or
   * several, is an error at start-up.
   */
  leakage?: { pseudonym: string; identifier: string }[];
  /** A PromQL expression of a leakage score computed elsewhere, for the executive dashboard instead. */
  leakageQuery?: string;
  /** Directory to (re)write the Grafana dashboards into after each selection (executive/on-call/debug .json). */
  dashboardsDir?: string;
  /** Clock (epoch seconds; tests move it). */
  now?: () => number;
  /** Log lines (default: stderr). */
  log?: (line: string) => void;
}

/** What is persisted besides the window. */
interface WatchState {
  version: 1;
  lastTime: number;
  names: string[];
  counters: string[];
  /** PromQL selector of each watched series (for the debug dashboard's raw series). */
  selectors: Record<string, string>;
  lastRaw: Record<string, number>;
  targets: string[];
  window: WindowSnapshot;
  selection: KimetrixResult | null;
  /** The report of the selection, rendered when it was made (it needs the matrices, which are not kept). */
  report: string;
  selectedAt: number;
  history: { time: number; reason: string; selected: number; coverage: number }[];
  drift: Record<string, DriftState>;
  coverPairs: number[];
}

const SERVICE = serviceOrUnmapped;  // the one service rule (src/service.ts)

function configOf(o: Required<Pick<WatchOptions, 'interval' | 'window' | 'bins' | 'topPairs'>> & WatchOptions): Record<string, unknown> {
  return {
    url: connection(o).base, queries: o.queries ?? [], job: o.job ?? null, targets: o.targets ?? [],
    interval: o.interval, window: o.window, bins: o.bins, topPairs: o.topPairs,
  };
}

/** The running service. Create with {@link startWatch}; end with {@link Watch.stop}. */
export class Watch {
  readonly options: WatchOptions & Required<Pick<WatchOptions, 'interval' | 'window' | 'bins' | 'topPairs' | 'maxMetrics' | 'maxPairSeries' | 'maxTargetSeries' | 'level' | 'persist' | 'minDrift' | 'minCoverage' | 'lag' | 'saveEvery' | 'maxSamples'>>;
  readonly registry = new Registry();
  #server: Server | null = null;
  #state!: WatchState;
  #window!: SlidingWindow;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopping = false;
  #failures = 0;
  #lastSuccess = 0;
  #log: (line: string) => void;
  #now: () => number;
  #redundancy: RedundancyIndex | null = null;
  #coverage = NaN;
  #ready = false;
  #savedAt = -Infinity;
  #g!: ReturnType<Watch['makeMetrics']>;
  /** The `leakage` option's pairs as window columns (resolved at start-up). */
  #leakage: { pseudonym: number; identifier: number }[] = [];
  /** The address served on (`host:port`), once listening. */
  address = '';

  constructor(o: WatchOptions) {
    if (!o || typeof o !== 'object') badOption('options', 'an object', o);
    const num = (name: string, v: number | undefined, ok: (x: number) => boolean, what: string, d: number) => {
      if (v === undefined) return d;
      if (typeof v !== 'number' || !ok(v)) badOption(name, what, v);
      return v;
    };
    const int = (x: number) => Number.isInteger(x) && x >= 1;
    const inRange = (x: number, [lo, hi]: readonly [number, number]) => Number.isInteger(x) && x >= lo && x <= hi;
    const interval = num('interval', o.interval, (x) => x > 0 && Number.isFinite(x), 'seconds > 0', NaN);
    const window = num('window', o.window, (x) => x > 0 && Number.isFinite(x), 'seconds > 0', NaN);
    if (Number.isNaN(interval) || Number.isNaN(window)) badOption('interval/window', 'both given, in seconds', o);
    if (window / interval < 8) {
      throw new MetricsiftError(`A window of ${window} s holds ${Math.floor(window / interval)} intervals of ${interval} s; it needs at least 8 (give a longer --window or a shorter --interval)`, ErrorCode.WINDOW_TOO_SHORT);
    }
    if (!o.queries?.length && !o.job) badOption('queries', 'selectors of the metrics to watch (or a job)', o.queries);
    this.options = {
      ...o, interval, window,
      bins: num('bins', o.bins, (x) => inRange(x, RANGES.watchBins), `an integer in [${RANGES.watchBins.join(', ')}]`, DEFAULTS.bins),
      topPairs: num('topPairs', o.topPairs, (x) => inRange(x, RANGES.topPairs), `an integer in [${RANGES.topPairs.join(', ')}]`, W.topPairs),
      maxMetrics: num('maxMetrics', o.maxMetrics, int, 'an integer ≥ 1', W.maxMetrics),
      maxPairSeries: num('maxPairSeries', o.maxPairSeries, (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0', W.maxPairSeries),
      maxTargetSeries: num('maxTargetSeries', o.maxTargetSeries, (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0', W.maxTargetSeries),
      level: num('level', o.level, (x) => x > 0 && x < 1, 'a number in (0, 1)', DEFAULTS.level),
      persist: num('persist', o.persist, int, 'an integer ≥ 1', DEFAULTS.persist),
      minDrift: num('minDrift', o.minDrift, (x) => x >= 0 && Number.isFinite(x), 'bits ≥ 0', W.minDrift),
      minCoverage: num('minCoverage', o.minCoverage, (x) => x >= 0 && x <= 1, 'a number in [0, 1]', W.minCoverage),
      lag: num('lag', o.lag, (x) => x >= 0 && Number.isFinite(x), 'seconds ≥ 0', interval),
      maxSamples: num('maxSamples', o.maxSamples, int, 'an integer ≥ 1', W.maxSamples),
      saveEvery: num('saveEvery', o.saveEvery, (x) => x >= 0 && Number.isFinite(x), 'seconds ≥ 0', Math.max(interval, 300)),
    };
    connection(o); // a bad URL is a start-up error
    this.#log = o.log ?? ((l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`));
    this.#now = o.now ?? (() => Date.now() / 1000);
  }

  get capacity(): number {
    return Math.floor(this.options.window / this.options.interval);
  }

  /** The window (read-only use: its values, pairs, entropies). */
  get window(): SlidingWindow {
    return this.#window;
  }

  /** Grid time of the last row read (epoch seconds). */
  get lastTime(): number {
    return this.#state.lastTime;
  }

  private makeMetrics() {
    const r = this.registry;
    const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [r] });
    const c = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [r] });
    collectDefaultMetrics({ register: r, prefix: 'metricsift_process_' });
    return {
      mi: g('metricsift_mutual_information_bits', 'Binned MI of a tracked pair over the window (the pairs of highest MI, bounded)', ['a', 'b']),
      nmi: g('metricsift_normalized_mutual_information', 'Arithmetic NMI of a tracked pair over the window', ['a', 'b']),
      toTarget: g('metricsift_mi_to_target_bits', 'Binned MI of a metric to a target over the window', ['metric', 'target']),
      lower: g('metricsift_mi_to_target_lower_bits', 'Lower bound of the MI interval (delta method, level --level)', ['metric', 'target']),
      upper: g('metricsift_mi_to_target_upper_bits', 'Upper bound of the MI interval', ['metric', 'target']),
      baseLower: g('metricsift_mi_to_target_baseline_lower_bits', 'Lower bound of the baseline MI interval (set at selection)', ['metric', 'target']),
      baseUpper: g('metricsift_mi_to_target_baseline_upper_bits', 'Upper bound of the baseline MI interval', ['metric', 'target']),
      drift: g('metricsift_drift_active', '1 while the MI to the target has left its baseline interval (by more than --min-drift bits plus the binning resolution) for --persist intervals or more', ['metric', 'target']),
      redundancy: g('metricsift_redundancy_index', 'Share of a service\'s metrics carried by another metric (NMI > theta, tracked pairs)', ['service']),
      coverage: g('metricsift_selection_coverage', 'Coverage of the current selection over the window (tracked pairs)'),
      selected: g('metricsift_selected', '1 for each selected metric', ['metric', 'service']),
      duration: g('metricsift_run_duration_seconds', 'Seconds the last interval took (read, update, refresh)'),
      samples: c('metricsift_samples_read_total', 'Samples read from Prometheus'),
      errors: c('metricsift_errors_total', 'Failed intervals, by error code', ['code']),
      lastSuccess: g('metricsift_last_success_timestamp_seconds', 'When the last interval succeeded'),
      stale: g('metricsift_stale', '1 while the last interval failed (values are from the last success)'),
      rows: g('metricsift_window_rows', 'Rows in the window'),
      metrics: g('metricsift_watched_metrics', 'Metrics in the window'),
      pairs: g('metricsift_tracked_pairs', 'Pairs tracked incrementally'),
      selections: c('metricsift_selections_total', 'Selections run, by reason', ['reason']),
      rebins: c('metricsift_rebins_total', 'Metrics re-binned (their data left their bin edges)'),
      leakBits: g('metricsift_leakage_bits', 'I(pseudonym; identifier) over the window, exact plug-in over their values as categories', ['pseudonym', 'identifier']),
      leakFraction: g('metricsift_leakage_fraction', 'The leakage score as a share of H(identifier): 1 = the pseudonym reveals the identifier', ['pseudonym', 'identifier']),
      leakSmall: g('metricsift_leakage_small_sample', '1 where the rows are under 5 per joint cell: the leakage score is then dominated by bias', ['pseudonym', 'identifier']),
    };
  }

  /** Reads rows (grid times t0 … t1) of the metrics and targets; NaN where a series has no sample. */
  async #read(t0: number, t1: number, names?: string[]): Promise<{ table: ColumnTable; targets: ColumnTable | null; times: number[] }> {
    const o = this.options, step = o.interval;
    const base = { url: o.url, headers: o.headers, start: t0, end: t1, step, metadata: !names, maxSamples: undefined as number | undefined };
    // The reader wants end > start: a single new point is read with the one before it (dropped at ingest).
    if (t1 <= t0) base.start = t0 - step;
    // Slices (the first one a single row) only where one request could exceed the bound: the start-up read, a catch-up.
    if ((Math.round((t1 - base.start) / step) + 1) * (names ? names.length : Infinity) > o.maxSamples) base.maxSamples = o.maxSamples;
    const table = await readPrometheus({ ...base, queries: o.queries, job: o.job });
    const targets = o.targets?.length ? await readPrometheus({ ...base, queries: o.targets }) : null;
    const times: number[] = [];
    for (let t = base.start; t <= t1 + 1e-9; t += step) times.push(t);
    return { table, targets, times };
  }

  /** Start-up: resume from the state directory, or read the window's worth of history. */
  async init(): Promise<void> {
    const o = this.options;
    this.#g = this.makeMetrics();
    const dir = o.stateDir;
    const config = configOf(o);
    if (dir) {
      await mkdir(dir, { recursive: true }).catch((e) => {
        throw new MetricsiftError(`--state ${dir}: cannot create the directory (${(e as Error).message})`, ErrorCode.WRITE_FAILED);
      });
      const prior = await readFile(join(dir, 'config.json'), 'utf8').catch(() => null);
      if (prior !== null) {
        const before = JSON.parse(prior) as Record<string, unknown>;
        const diff = Object.keys(config).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(config[k]));
        if (diff.length) {
          throw new MetricsiftError(`--state ${dir} holds a watch of another configuration (${diff.map((k) => `${k}: ${JSON.stringify(before[k])} there, ${JSON.stringify(config[k])} now`).join('; ')}); give another directory or the same options`, ErrorCode.STATE_MISMATCH);
        }
        const bytes = await readFile(join(dir, 'state.v8')).catch(() => null);
        if (bytes) {
          this.#state = deserialize(bytes) as WatchState;
          this.#window = SlidingWindow.restore(this.#state.window);
          this.#savedAt = this.#state.lastTime;
          this.#log(`resumed from ${dir}: ${this.#window.size} rows, last ${new Date(this.#state.lastTime * 1000).toISOString()}`);
          this.#resolveLeakage();
          this.#refresh();
          this.#ready = this.#state.selection !== null;
          return;
        }
      }
      await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    }
    // A first read of the whole window: also checks every selector at start-up.
    const step = o.interval, end = Math.floor((this.#now() - o.lag) / step) * step, start = end - (this.capacity - 1) * step;
    let read;
    try {
      read = await this.#read(start, end);
    } catch (e) {
      if (e instanceof MetricsiftError && e.code === ErrorCode.NO_COLUMNS) {
        const which = /no series for (.*) in the range/.exec(e.message)?.[1] ?? '';
        const isTarget = o.targets?.some((t) => which.includes(t)) && !o.queries?.some((q) => which.includes(q));
        throw new MetricsiftError(`${isTarget ? '--target' : 'the metric selectors'} ${which} matched no series in the last ${o.window} s at ${connection(o).base}`, isTarget ? ErrorCode.TARGET_MISSING : ErrorCode.NO_COLUMNS);
      }
      throw e;
    }
    const targetNames = read.targets?.names ?? [];
    const names = [...read.table.names.filter((n) => !targetNames.includes(n)), ...targetNames];
    if (names.length > o.maxMetrics) {
      throw new MetricsiftError(`The selectors match ${names.length} series, more than --max-metrics ${o.maxMetrics}; narrow them or raise the bound`, ErrorCode.BAD_OPTION);
    }
    const counters = [read.table, read.targets].flatMap((t) => (t ? Object.entries(t.series ?? {}).filter(([, s]) => s.type === 'counter').map(([n]) => n) : []));
    this.#window = new SlidingWindow(names, { capacity: this.capacity, bins: o.bins });
    const selectors: Record<string, string> = {};
    for (const t of [read.table, read.targets]) for (const [n, info] of Object.entries(t?.series ?? {})) selectors[n] = selectorOf(info);
    this.#state = {
      version: 1, lastTime: start - step, names, counters, selectors, lastRaw: {}, targets: targetNames, window: null as unknown as WindowSnapshot,
      selection: null, report: '', selectedAt: NaN, history: [], drift: {}, coverPairs: [],
    };
    this.#resolveLeakage();
    this.#log(`watching ${names.length} series (${targetNames.length} targets, ${counters.length} counters as rates) at ${connection(o).base}, window ${this.capacity} × ${step} s`);
    await this.#ingest(read);
    await this.#afterRows();
  }

  /** The `leakage` option's names as window columns; MS_BAD_OPTION for a name matching no watched series or several. */
  #resolveLeakage(): void {
    const s = this.#state;
    const find = (x: string, role: string): number => {
      const hits = s.names.map((n, i) => [n, i] as const).filter(([n]) => n === x || s.selectors[n] === x || s.selectors[n]?.replace(/\{.*$/, '') === x);
      if (hits.length !== 1) {
        throw new MetricsiftError(`--leakage ${role} ${JSON.stringify(x)} matches ${hits.length ? `${hits.length} watched series (${hits.slice(0, 3).map(([n]) => n).join(', ')}…); give one by its full name` : 'no watched series'}`, ErrorCode.BAD_OPTION);
      }
      return hits[0][1];
    };
    this.#leakage = (this.options.leakage ?? []).map((l) => ({ pseudonym: find(l.pseudonym, 'pseudonym'), identifier: find(l.identifier, 'identifier') }));
  }

  /** Pushes rows read into the window (counters as rates); returns how many rows were added. */
  async #ingest(read: { table: ColumnTable; targets: ColumnTable | null; times: number[] }): Promise<number> {
    const s = this.#state, M = s.names.length, idx = new Map(s.names.map((n, i) => [n, i]));
    const rows = read.times.length;
    const cols: (Float64Array | undefined)[] = new Array(M);
    let samples = 0;
    for (const t of [read.table, read.targets]) {
      if (!t) continue;
      t.names.forEach((n, k) => {
        const i = idx.get(n);
        if (i === undefined) return;
        let v = Float64Array.from(t.columns[k].chunks.flatMap((c) => Array.from(c.values as ArrayLike<number>)));
        for (const x of v) if (!Number.isNaN(x)) samples++;
        if (s.counters.includes(n)) {
          // Rates continue across reads: the last raw value of the previous read comes first.
          const prev = s.lastRaw[n] ?? NaN;
          const withPrev = Float64Array.from([prev, ...v]);
          for (let r = v.length - 1; r >= 0; r--) if (!Number.isNaN(v[r])) { s.lastRaw[n] = v[r]; break; }
          v = counterRate(withPrev).subarray(1).map((x) => x / this.options.interval);
        }
        cols[i] = v;
      });
    }
    const row = new Float64Array(M);
    for (let r = 0; r < rows; r++) {
      if (read.times[r] <= s.lastTime) continue; // never count a row twice
      for (let i = 0; i < M; i++) row[i] = cols[i]?.[r] ?? NaN;
      const rebinned = this.#window.push(row, read.times[r]);
      if (rebinned.length) this.#g.rebins.inc(rebinned.length);
      s.lastTime = read.times[r];
    }
    this.#g.samples.inc(samples);
    return rows;
  }

  /** One interval: read the new rows, update, refresh, re-select if needed, save. */
  async tick(): Promise<void> {
    const o = this.options, step = o.interval, t0 = performance.now();
    const end = Math.floor((this.#now() - o.lag) / step) * step;
    try {
      if (end > this.#state.lastTime) {
        // Only the grid points after the last row: never more than a window's worth.
        const start = Math.max(this.#state.lastTime + step, end - (this.capacity - 1) * step);
        const read = await this.#read(start, end, this.#state.names).catch((e) => {
          // No series in the range is an empty interval, not an error.
          if (e instanceof MetricsiftError && e.code === ErrorCode.NO_COLUMNS) return null;
          throw e;
        });
        if (read) await this.#ingest(read);
        else {
          const times: number[] = [];
          for (let t = start; t <= end; t += step) times.push(t);
          await this.#ingest({ table: { names: [], columns: [], rows: times.length } as unknown as ColumnTable, targets: null, times });
        }
      }
      await this.#afterRows();
      this.#failures = 0;
      this.#lastSuccess = this.#now();
      this.#g.lastSuccess.set(this.#lastSuccess);
      this.#g.stale.set(0);
    } catch (e) {
      this.#failures++;
      const code = (e as { code?: string }).code ?? 'MS_INTERNAL';
      this.#g.errors.inc({ code });
      this.#g.stale.set(1);
      this.#log(`interval failed (${this.#failures} in a row): ${(e as Error).message} [${code}]`);
    } finally {
      this.#g.duration.set((performance.now() - t0) / 1000);
    }
  }

  async #afterRows(): Promise<void> {
    const s = this.#state;
    if (this.#window.size >= Math.min(this.capacity, 4 * this.options.bins)) {
      if (!s.selection) await this.#select('first selection');
    }
    this.#refresh();
    if (s.selection) {
      if (this.#coverage < this.options.minCoverage && this.#sinceSelection() >= this.options.persist) {
        await this.#select(`coverage ${this.#coverage.toFixed(3)} below ${this.options.minCoverage}`);
        this.#refresh();
      } else {
        const fresh = Object.entries(s.drift).find(([, d]) => d.active && d.since === s.lastTime);
        if (fresh && this.#sinceSelection() >= this.options.persist) {
          await this.#select(`drift sustained: ${fresh[0]}`);
          this.#refresh();
        }
      }
    }
    this.#ready = s.selection !== null;
    if (s.lastTime - this.#savedAt >= this.options.saveEvery || s.selectedAt === s.lastTime) await this.#save();
  }

  #sinceSelection(): number {
    return Math.round((this.#state.lastTime - this.#state.selectedAt) / this.options.interval);
  }

  /** Runs the selection on the window and chooses the pairs to track. */
  async #select(reason: string): Promise<void> {
    const s = this.#state, w = this.#window, M = s.names.length;
    const metricIdx = s.names.map((_, i) => i).filter((i) => !s.targets.includes(s.names[i]));
    const table = { names: metricIdx.map((i) => s.names[i]), columns: metricIdx.map((i) => w.values(i)) };
    const res = await selectMetrics(table, { bins: this.options.bins, rawCounters: true, keepMatrices: true, mode: 'flat' });
    const red = res.matrices!.redundancy, size = red.size;
    const local = new Map(res.selected.map((n) => [table.names.indexOf(n), true]));
    const pairs: [number, number][] = [];
    const seen = new Set<string>();
    const add = (a: number, b: number) => {
      const k = a < b ? `${a},${b}` : `${b},${a}`;
      if (a === b || seen.has(k)) return -1;
      seen.add(k);
      return pairs.push(a < b ? [a, b] : [b, a]) - 1;
    };
    // Each metric's best partners (NMI), and its best selected partners (for coverage).
    const cover: number[] = [];
    for (let a = 0; a < size; a++) {
      const order = Array.from({ length: size }, (_, b) => b).filter((b) => b !== a && Number.isFinite(red.values[a * size + b])).sort((x, y) => red.values[a * size + y] - red.values[a * size + x]);
      for (const b of order.slice(0, this.options.topPairs)) add(metricIdx[a], metricIdx[b]);
      for (const b of order.filter((b) => local.has(b)).slice(0, 3)) {
        const p = add(metricIdx[a], metricIdx[b]);
        cover.push(p >= 0 ? p : -1);
      }
    }
    // Target pairs last, in a fixed order: metric × target.
    const targetPair: Record<string, number> = {};
    for (const t of s.targets) {
      const ti = s.names.indexOf(t);
      for (let i = 0; i < M; i++) {
        if (i === ti) continue;
        const key = `${s.names[i]} ~ ${t}`;
        const k = i < ti ? `${i},${ti}` : `${ti},${i}`;
        if (seen.has(k)) targetPair[key] = pairs.findIndex(([a, b]) => `${a},${b}` === k);
        else targetPair[key] = add(i, ti);
      }
    }
    w.track(pairs);
    s.coverPairs = [...new Set(cover.filter((p) => p >= 0))];
    const drift: Record<string, DriftState> = {};
    for (const [key, p] of Object.entries(targetPair)) {
      const iv = w.miInterval(p, this.options.level);
      const old = s.drift[key];
      // A pair keeps its baseline across selections: the baseline is about the target, not the selection.
      drift[key] = old ? { ...old, pair: p } : { pair: p, baseline: [iv.lower, iv.upper], streak: 0, active: false, since: NaN, direction: 0 };
    }
    s.drift = drift;
    s.report = reportHtml(res);
    s.selection = { ...res, matrices: undefined };
    s.selectedAt = s.lastTime;
    s.history.push({ time: s.lastTime, reason, selected: res.selected.length, coverage: res.coverage });
    if (s.history.length > 100) s.history.splice(0, s.history.length - 100);
    this.#g.selections.inc({ reason: reason.split(/[ :]/)[0] });
    if (this.options.dashboardsDir) await this.writeDashboards(this.options.dashboardsDir);
    this.#log(`selection (${reason}): ${res.selected.length} of ${table.names.length} metrics, coverage ${res.coverage.toFixed(3)}; ${pairs.length} pairs tracked`);
  }

  /** Recomputes the views and the exported series from the window's counts. */
  #refresh(): void {
    const s = this.#state, w = this.#window, g = this.#g, M = s.names.length;
    const pairs = w.pairs();
    g.rows.set(w.size);
    g.metrics.set(M);
    g.pairs.set(pairs.length);
    // Drift: each target pair against its baseline. A pair with less than half a window of complete
    // rows (a series that stopped) says nothing.
    const rule = {
      persist: this.options.persist, minDrift: this.options.minDrift, level: this.options.level,
      minRows: Math.max(8, this.capacity / 2), time: s.lastTime, refill: this.capacity * this.options.interval,
    };
    for (const d of Object.values(s.drift)) stepDrift(d, w, rule);
    // Redundancy and coverage from the tracked pairs (a dense NMI matrix holding only them).
    const names = s.names.filter((n) => !s.targets.includes(n));
    const local = new Map(names.map((n, k) => [s.names.indexOf(n), k]));
    const size = names.length, values = new Float64Array(size * size).fill(NaN);
    for (let k = 0; k < size; k++) values[k * size + k] = w.entropy(s.names.indexOf(names[k])).value > 0 ? 1 : 0;
    pairs.forEach(([i, j], p) => {
      const a = local.get(i), b = local.get(j);
      if (a === undefined || b === undefined) return;
      const v = w.pairValue(p).nmi;
      values[a * size + b] = values[b * size + a] = v;
    });
    const theta = s.selection?.theta ?? 0.5;
    this.#redundancy = redundancyIndex({ names, size, values } as never, theta, SERVICE);
    const sel = new Set((s.selection?.selected ?? []).map((n) => local.get(s.names.indexOf(n))!));
    let covered = 0, universe = 0;
    for (let k = 0; k < size; k++) {
      if (!(values[k * size + k] > 0)) continue;
      universe++;
      if (sel.has(k)) covered++;
      else for (const c of sel) if (values[k * size + c] > theta) { covered++; break; }
    }
    this.#coverage = universe ? covered / universe : NaN;
    // Exported series, bounded.
    g.mi.reset();
    g.nmi.reset();
    const byMi = pairs.map((_, p) => [p, w.pairValue(p).mi] as const).filter(([, v]) => Number.isFinite(v)).sort((a, b) => b[1] - a[1]).slice(0, this.options.maxPairSeries);
    for (const [p, v] of byMi) {
      const [i, j] = pairs[p];
      g.mi.set({ a: s.names[i], b: s.names[j] }, v);
      g.nmi.set({ a: s.names[i], b: s.names[j] }, w.pairValue(p).nmi);
    }
    for (const m of [g.toTarget, g.lower, g.upper, g.baseLower, g.baseUpper, g.drift]) m.reset();
    for (const t of s.targets) {
      const entries = Object.entries(s.drift).filter(([k]) => k.endsWith(` ~ ${t}`));
      entries.sort((a, b) => b[1].baseline[1] - a[1].baseline[1]);
      for (const [key, d] of entries.slice(0, this.options.maxTargetSeries)) {
        const metric = key.slice(0, key.length - t.length - 3), lb = { metric, target: t };
        const iv = w.miInterval(d.pair, this.options.level);
        if (!Number.isFinite(iv.mi)) continue;
        g.toTarget.set(lb, iv.mi);
        g.lower.set(lb, iv.lower);
        g.upper.set(lb, iv.upper);
        g.baseLower.set(lb, d.baseline[0]);
        g.baseUpper.set(lb, d.baseline[1]);
        g.drift.set(lb, d.active ? 1 : 0);
      }
    }
    for (const m of [g.leakBits, g.leakFraction, g.leakSmall]) m.reset();
    for (const l of this.#leakage) {
      const lb = { pseudonym: s.names[l.pseudonym], identifier: s.names[l.identifier] };
      let r;
      try {
        r = leakageScore(w.values(l.pseudonym), w.values(l.identifier)).overall;
      } catch {
        continue;  // no row with both: nothing to say this interval
      }
      g.leakBits.set(lb, r.mi);
      g.leakFraction.set(lb, Number.isFinite(r.fraction) ? r.fraction : 0);
      g.leakSmall.set(lb, r.warnings.length ? 1 : 0);
    }
    g.redundancy.reset();
    for (const [svc, r] of Object.entries(this.#redundancy.byService)) g.redundancy.set({ service: svc }, r.share);
    g.coverage.set(this.#coverage);
    g.selected.reset();
    for (const n of s.selection?.selected ?? []) g.selected.set({ metric: n, service: SERVICE(n) }, 1);
  }

  async #save(): Promise<void> {
    const dir = this.options.stateDir;
    if (!dir) return;
    this.#savedAt = this.#state.lastTime;
    // The window's own arrays, serialized at once: one transient copy of the window (the bytes), not two.
    this.#state.window = this.#window.snapshot({ copy: false });
    const bytes = serialize(this.#state);
    this.#state.window = null as unknown as WindowSnapshot;
    const tmp = join(dir, `state.v8.${process.pid}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(dir, 'state.v8')); // atomic: a kill leaves the old state or the new one
  }

  /** The dashboards for the current state: targets and top signals (by MI to the first target, else the selection). */
  dashboards(opts: { job?: string; scrapeInterval?: number } = {}): ReturnType<typeof watchDashboards> {
    const s = this.#state, w = this.#window, t = s.targets[0];
    const top = t
      ? Object.entries(s.drift).filter(([k]) => k.endsWith(` ~ ${t}`)).map(([k, d]) => [k.slice(0, k.length - t.length - 3), w.pairValue(d.pair).mi] as const).sort((a, b) => (b[1] || 0) - (a[1] || 0)).map(([n]) => n)
      : (s.selection?.selected ?? []);
    return watchDashboards({ ...opts, leakage: this.#leakage.length > 0, leakageQuery: this.options.leakageQuery, targets: s.targets, topSignals: top.slice(0, 10).filter((n) => s.selectors[n]).map((n) => ({ name: n, selector: s.selectors[n] })) });
  }

  /** Writes executive.json, oncall.json and debug.json into `dir`. */
  async writeDashboards(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const [name, d] of Object.entries(this.dashboards())) await writeFile(join(dir, `${name}.json`), JSON.stringify(d, null, 2) + '\n');
  }

  /** The JSON views. */
  view(which: 'selection' | 'ranking' | 'drift' | 'redundancy'): unknown {
    const s = this.#state, w = this.#window;
    if (which === 'selection') {
      const sel = s.selection;
      return {
        selected: sel?.selected ?? [], byService: sel?.byService ?? {}, coverageAtSelection: sel?.coverage ?? null, coverage: this.#coverage,
        theta: sel?.theta ?? null, selectedAt: Number.isFinite(s.selectedAt) ? new Date(s.selectedAt * 1000).toISOString() : null, history: s.history.map((h) => ({ ...h, time: new Date(h.time * 1000).toISOString() })),
      };
    }
    if (which === 'ranking') {
      const out: Record<string, { metric: string; mi: number; lower: number; upper: number; rows: number }[]> = {};
      for (const t of s.targets) {
        out[t] = Object.entries(s.drift).filter(([k]) => k.endsWith(` ~ ${t}`)).map(([k, d]) => ({ metric: k.slice(0, k.length - t.length - 3), ...w.miInterval(d.pair, this.options.level) }))
          .sort((a, b) => (b.mi || 0) - (a.mi || 0));
      }
      return { units: 'bits', level: this.options.level, window: { rows: w.size, last: new Date(s.lastTime * 1000).toISOString() }, targets: out };
    }
    if (which === 'drift') {
      return {
        persist: this.options.persist, level: this.options.level, minDrift: this.options.minDrift,
        pairs: Object.entries(s.drift).map(([k, d]) => ({ pair: k, active: d.active, since: Number.isFinite(d.since) && d.active ? new Date(d.since * 1000).toISOString() : null, streak: d.streak, direction: d.direction, baseline: d.baseline, margin: driftMargin(w, d.pair, this.options.minDrift), current: w.miInterval(d.pair, this.options.level) })),
      };
    }
    return this.#redundancy;
  }

  async #handle(path: string): Promise<{ status: number; type: string; body: string }> {
    const json = (v: unknown, status = 200) => ({ status, type: 'application/json', body: JSON.stringify(v, jsonNumbers) });
    switch (path) {
      case '/metrics':
        return { status: 200, type: this.registry.contentType, body: await this.registry.metrics() };
      case '/healthz':
        return json({ status: 'ok' });
      case '/readyz':
        return this.#ready ? json({ status: 'ready', stale: this.#failures > 0 }) : json({ status: 'not ready: no selection yet' }, 503);
      case '/api/selection':
      case '/api/ranking':
      case '/api/drift':
      case '/api/redundancy':
        return json(this.view(path.slice(5) as 'selection'));
      case '/':
        return this.#state.report ? { status: 200, type: 'text/html; charset=utf-8', body: this.#state.report } : { status: 503, type: 'text/plain', body: 'no selection yet\n' };
      default:
        return { status: 404, type: 'text/plain', body: 'not found\n' };
    }
  }

  /** Serves on `listen`; MS_LISTEN_FAILED when the address is in use or not ours. */
  async listen(): Promise<void> {
    const spec = this.options.listen ?? '127.0.0.1:9464';
    const m = /^(.*):(\d+)$/.exec(spec);
    if (!m) badOption('listen', 'host:port', spec);
    const host = m[1].replace(/^\[|\]$/g, ''), port = Number(m[2]);
    const server = createServer((req, res) => {
      this.#handle(new URL(req.url ?? '/', 'http://x').pathname).then(
        (r) => res.writeHead(r.status, { 'content-type': r.type }).end(r.body),
        (e) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new MetricsiftError(`--listen ${spec}: ${e.code === 'EADDRINUSE' ? 'the address is in use' : e.message}`, ErrorCode.LISTEN_FAILED)));
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    const a = server.address() as { address: string; port: number };
    this.address = `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** Runs intervals until {@link stop}: each at the next grid point, with back-off after failures. */
  run(): void {
    const schedule = () => {
      if (this.#stopping) return;
      const step = this.options.interval;
      const backoff = this.#failures ? Math.min(step * 2 ** (this.#failures - 1), 10 * step, 300) : 0;
      const next = backoff > 0 ? backoff * 1000 : ((Math.floor(this.#now() / step) + 1) * step - this.#now()) * 1000;
      this.#timer = setTimeout(() => {
        this.#running = this.tick().finally(() => {
          this.#running = null;
          schedule();
        });
      }, Math.max(10, next));
    };
    schedule();
  }

  /** Finishes the interval in progress, saves the state and stops serving. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    if (this.#state && this.#window) await this.#save();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
    this.#server?.closeAllConnections?.();
  }
}

/** Validates, resumes or backfills, listens, and starts the intervals. Errors here are start-up errors. */
export async function startWatch(o: WatchOptions): Promise<Watch> {
  const w = new Watch(o);
  // The address first: a port in use fails before any work.
  await w.listen();
  try {
    await w.init();
  } catch (e) {
    await w.stop();
    throw e;
  }
  w.run();
  return w;
}
