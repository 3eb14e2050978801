/**
 * One error class for everything metricsift rejects, with a stable machine-readable `code`.
 * The native addon builds these too (the class is handed to it at load), so an error from C++,
 * from a worker thread or from TypeScript looks the same to the caller.
 */

/** Stable error codes. Messages may improve; codes do not change. */
export const ErrorCode = {
  /** An option has the wrong type or an out-of-range value (bins < 2, threads < 1, unknown measure…). */
  BAD_OPTION: 'MS_BAD_OPTION',
  /** An input is not something metricsift can read (wrong typed-array type, not a table…). */
  BAD_INPUT: 'MS_BAD_INPUT',
  /** A typed array's buffer was detached (transferred or freed) before metricsift could read it. */
  DETACHED_BUFFER: 'MS_DETACHED_BUFFER',
  /** Columns that must be the same length are not. */
  LENGTH_MISMATCH: 'MS_LENGTH_MISMATCH',
  /** Two columns share a name. */
  DUPLICATE_COLUMN: 'MS_DUPLICATE_COLUMN',
  /** The input has no data rows. */
  NO_ROWS: 'MS_NO_ROWS',
  /** The input has too few rows for the estimate asked for (e.g. one row). */
  TOO_FEW_ROWS: 'MS_TOO_FEW_ROWS',
  /** The input has no columns (or none that are numeric). */
  NO_COLUMNS: 'MS_NO_COLUMNS',
  /** A cell that should be a number is not (names the file, row and column). */
  NON_NUMERIC: 'MS_NON_NUMERIC',
  /** A CSV row has more or fewer cells than the header. */
  RAGGED_ROW: 'MS_RAGGED_ROW',
  /** A file could not be found or read. */
  FILE_NOT_FOUND: 'MS_FILE_NOT_FOUND',
  /** An output file could not be written (missing directory, permission, full disk). */
  WRITE_FAILED: 'MS_WRITE_FAILED',
  /** A Prometheus server could not be reached (connection refused, DNS, timeout). */
  PROMETHEUS_UNREACHABLE: 'MS_PROMETHEUS_UNREACHABLE',
  /** A Prometheus server (or the proxy before it) refused the credentials (401/403) or answered an HTML page (a login form). */
  PROMETHEUS_AUTH: 'MS_PROMETHEUS_AUTH',
  /** Two rows of a long-format table give the same (time, metric, labels). */
  DUPLICATE_ROW: 'MS_DUPLICATE_ROW',
  /** A Prometheus server answered with an error (bad query, HTTP error). */
  PROMETHEUS_ERROR: 'MS_PROMETHEUS_ERROR',
  /** An optional dependency needed for this input is not installed (the message says which). */
  MISSING_DEPENDENCY: 'MS_MISSING_DEPENDENCY',
  /** Traces hold no span at all. */
  EMPTY_TRACES: 'MS_EMPTY_TRACES',
  /** A file exists but its format is not understood (unknown extension, corrupt content). */
  BAD_FORMAT: 'MS_BAD_FORMAT',
  /** User-given bin edges are not strictly increasing or not finite. */
  BAD_EDGES: 'MS_BAD_EDGES',
  /** The call was cancelled through its AbortSignal. */
  ABORTED: 'MS_ABORTED',
  /** Memory for the result could not be allocated. */
  OUT_OF_MEMORY: 'MS_OUT_OF_MEMORY',
  /** A target (a column to rank against) is not in the table and not a usable labels file. */
  TARGET_MISSING: 'MS_TARGET_MISSING',
  /** A named column (a pair, a confounder, a pseudonym, an identifier, a group-by column) is not in the table. */
  COLUMN_MISSING: 'MS_COLUMN_MISSING',
  /** A target or labels series has fewer than two distinct values (constant, or one class): MI to it is 0 by construction. */
  ONE_CLASS: 'MS_ONE_CLASS',
  /** A sliding window is longer than the series. */
  WINDOW_TOO_LONG: 'MS_WINDOW_TOO_LONG',
  /** A prepared table was used after `dispose()`. */
  DISPOSED: 'MS_DISPOSED',
  /** Part files given to merge come from different inputs, options or shard counts. */
  SHARD_MISMATCH: 'MS_SHARD_MISMATCH',
  /** A shard of a sharded run is missing, or given twice, at merge. */
  SHARD_MISSING: 'MS_SHARD_MISSING',
  /** `-` (standard input) was given but standard input is a terminal, not a pipe or a file. */
  STDIN_TERMINAL: 'MS_STDIN_TERMINAL',
  /** A `METRICSIFT_*` environment variable is unknown or holds an invalid value. */
  BAD_ENV: 'MS_BAD_ENV',
  /** The native addon could not be loaded (no prebuilt binary for this platform and no source build). */
  ADDON_UNAVAILABLE: 'MS_ADDON_UNAVAILABLE',
  /** A device asked for (`--device cuda`) is not available here; the message names what is missing (library, driver, device). */
  NO_DEVICE: 'MS_NO_DEVICE',
  /** The Redis server of a distributed run cannot be reached. */
  REDIS_UNREACHABLE: 'MS_REDIS_UNREACHABLE',
  /** No distributed run with this id in the Redis server. */
  RUN_NOT_FOUND: 'MS_RUN_NOT_FOUND',
  /** A continuous-mode window holds fewer than 8 intervals (`watch --window` vs `--interval`). */
  WINDOW_TOO_SHORT: 'MS_WINDOW_TOO_SHORT',
  /** A state directory holds a watch of another configuration (URL, selectors, interval, window, bins). */
  STATE_MISMATCH: 'MS_STATE_MISMATCH',
  /** An address to serve on cannot be listened on (in use, not local, no permission). */
  LISTEN_FAILED: 'MS_LISTEN_FAILED',
  /** A bug in metricsift: please report it. */
  INTERNAL: 'MS_INTERNAL',
} as const;

/**
 * Stable codes of warnings (results that are computed but should be read with care). Like error
 * codes, they do not change.
 */
export const WarningCode = {
  /** More joint bins than rows / 5: the plug-in estimate is dominated by its small-sample bias. */
  SMALL_SAMPLE: 'MS_SMALL_SAMPLE',
  /** A window (or segment) has too few complete rows for an estimate; its values are NaN. */
  TOO_FEW_ROWS: 'MS_TOO_FEW_ROWS',
  /** An interval was asked for with fewer than 100 resampled replicates: its limits rest on a few draws. */
  FEW_REPLICATES: 'MS_FEW_REPLICATES',
  // Metric selection (selectMetrics, scan): the result is made, with this caveat.
  /** An exclude or keep pattern matches no metric. */
  PATTERN_UNMATCHED: 'MS_PATTERN_UNMATCHED',
  /** A metric named like a counter goes up and down: analysed as it is, not as a rate. */
  COUNTER_NOT_CUMULATIVE: 'MS_COUNTER_NOT_CUMULATIVE',
  /** The table has no readable row times: counters became increases per row, not per second. */
  RATES_PER_ROW: 'MS_RATES_PER_ROW',
  /** A metric maps to no service (serviceOfMetric): placed in "(unmapped)", a root. */
  UNMAPPED_METRIC: 'MS_UNMAPPED_METRIC',
  /** A kept metric (keep pattern) is constant or empty. */
  KEPT_CONSTANT: 'MS_KEPT_CONSTANT',
  /** Every service of the call graph has a caller: roots were chosen by breaking cycles. */
  NO_ROOT: 'MS_NO_ROOT',
  /** A service has more paths than maxPaths; the rest were not enumerated. */
  PATHS_TRUNCATED: 'MS_PATHS_TRUNCATED',
  /** Call-graph cycles were broken by dropping the edges named. */
  CYCLE_BROKEN: 'MS_CYCLE_BROKEN',
  /** A service of the call graph has no metrics. */
  SERVICE_WITHOUT_METRICS: 'MS_SERVICE_WITHOUT_METRICS',
  /** maxMetrics is at least the informative metrics: every informative non-duplicate is kept. */
  MAX_METRICS_ABOVE_INFORMATIVE: 'MS_MAX_METRICS_ABOVE_INFORMATIVE',
  /** An option has no effect in the chosen mode (cover mode: epsilon and tuner). */
  OPTION_IGNORED: 'MS_OPTION_IGNORED',
  /** The ε sweep stopped before the curve was complete. */
  CURVE_TRUNCATED: 'MS_CURVE_TRUNCATED',
  /** No subset reaches minCoverage (within maxMetrics): the highest was chosen. */
  COVERAGE_NOT_REACHED: 'MS_COVERAGE_NOT_REACHED',
  /** Coverage serviceCoverage in every service needs more than maxMetrics: chosen on overall coverage alone. */
  SERVICE_COVERAGE_NOT_REACHED: 'MS_SERVICE_COVERAGE_NOT_REACHED',
  /** No subset has at most maxMetrics metrics: the smallest was chosen. */
  MAX_METRICS_TOO_SMALL: 'MS_MAX_METRICS_TOO_SMALL',
  // Traces read by scan (loadTraces with lenient, the call graph against the metrics).
  /** A trace file could not be read and was skipped (`--lenient`). */
  TRACE_FILE_SKIPPED: 'MS_TRACE_FILE_SKIPPED',
  /** Services with metrics appear in no span: they are roots of the call graph. */
  SERVICE_NOT_IN_TRACES: 'MS_SERVICE_NOT_IN_TRACES',
} as const;

export type WarningCodeValue = (typeof WarningCode)[keyof typeof WarningCode];

/**
 * A warning attached to a result: a stable `code`, one of {@link WarningCode} (the type makes an
 * unregistered code a compile error), and a message naming what it concerns.
 */
export interface AnalysisWarning {
  code: WarningCodeValue;
  message: string;
}

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error thrown for every input metricsift rejects. `code` is one of {@link ErrorCode}. */
export class MetricsiftError extends Error {
  readonly code: ErrorCodeValue | string;
  constructor(message: string, code: ErrorCodeValue | string = ErrorCode.INTERNAL) {
    super(message);
    this.code = code;
  }
  override get name(): string {
    return 'MetricsiftError';
  }
}

/** Throws a MetricsiftError with `code` unless `cond` holds. */
export function check(cond: unknown, code: ErrorCodeValue, message: string): asserts cond {
  if (!cond) throw new MetricsiftError(message, code);
}

/** Describes a value for "expected X for Y but received Z" messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Throws MS_BAD_OPTION: "Expected <what> for <name> but received <value>". */
export function badOption(name: string, what: string, value: unknown): never {
  throw new MetricsiftError(`Expected ${what} for ${name} but received ${describe(value)}`, ErrorCode.BAD_OPTION);
}
