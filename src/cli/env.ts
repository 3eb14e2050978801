/**
 * The `METRICSIFT_*` environment variables the command line reads, checked once at start: an
 * unknown name (a typo would otherwise be ignored silently) or an invalid value is MS_BAD_ENV.
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { RANGES } from '../options.js';

const [THREADS_MIN, THREADS_MAX] = RANGES.threads;

/** Every variable metricsift reads, with what it means (shown by `metricsift --help`). */
export const ENV_VARS = {
  METRICSIFT_THREADS: `default for --threads: native threads, an integer from ${THREADS_MIN} to ${THREADS_MAX}`,
  METRICSIFT_PROMETHEUS_URL: 'the Prometheus server for inputs given as a query only (?job=…&start=…&end=…)',
  METRICSIFT_ADDON: 'the native addon file to load instead of the shipped or built one',
  METRICSIFT_CUDA_LIB: 'the CUDA backend library (libmetricsift_cuda.so) to load for --device cuda instead of the one beside the addon',
  METRICSIFT_REDIS: 'default for --redis of queue and worker: redis://host:6379',
} as const;

/** Defaults the CLI takes from the environment. */
export interface EnvDefaults {
  threads?: number;
  prometheusUrl?: string;
}

const bad = (name: string, value: string, expected: string) =>
  new MetricsiftError(`environment variable ${name}=${JSON.stringify(value)}: expected ${expected}`, ErrorCode.BAD_ENV);

/**
 * Reads and checks the `METRICSIFT_*` variables of `env`.
 * @throws MetricsiftError `MS_BAD_ENV` naming the variable: unknown, or an invalid value.
 */
export function envDefaults(env: NodeJS.ProcessEnv = process.env): EnvDefaults {
  const out: EnvDefaults = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('METRICSIFT_') || value === undefined) continue;
    switch (name) {
      case 'METRICSIFT_THREADS': {
        const n = Number(value);
        if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < THREADS_MIN || n > THREADS_MAX) throw bad(name, value, `an integer from ${THREADS_MIN} to ${THREADS_MAX}`);
        out.threads = n;
        break;
      }
      case 'METRICSIFT_PROMETHEUS_URL': {
        let ok = false;
        try {
          ok = /^https?:$/.test(new URL(value).protocol);
        } catch {
          ok = false;
        }
        if (!ok) throw bad(name, value, 'an http(s) URL such as http://127.0.0.1:9090');
        out.prometheusUrl = value;
        break;
      }
      case 'METRICSIFT_REDIS':
        if (!/^rediss?:\/\/./.test(value)) throw bad(name, value, 'a redis:// or rediss:// URL');
        break;
      case 'METRICSIFT_ADDON':
        if (value.trim() === '') throw bad(name, value, 'the path of a .node file');
        break;
      case 'METRICSIFT_CUDA_LIB':
        if (value.trim() === '') throw bad(name, value, 'the path of a .so file');
        break;
      default:
        throw new MetricsiftError(`unknown environment variable ${name} (known: ${Object.keys(ENV_VARS).join(', ')})`, ErrorCode.BAD_ENV);
    }
  }
  return out;
}
