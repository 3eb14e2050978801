/**
 * Distributed all-pairs runs on BullMQ (Redis). A run is its shards ("tiles") as BullMQ jobs with
 * deterministic ids (`<run>-<index>`), so a tile is enqueued once and its part is stored once per
 * index: a retried tile overwrites its own part with the same bytes and is never counted twice.
 * Workers on any number of machines read the input themselves (a path on shared storage, or an
 * HTTP(S) URL the reader fetches), check its content digest against the one recorded at submit,
 * compute the tile with the same call as `matrix --shard`, and store the part in Redis. A worker
 * killed mid-tile stops renewing its lock; BullMQ's stalled-job check moves the tile back to the
 * queue for another worker. A tile that keeps failing fails the run with its `MS_*` code once its
 * attempts are spent. Collecting merges the parts exactly as `metricsift merge` does.
 *
 * bullmq and ioredis are optional dependencies, loaded only here.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ErrorCode, MetricsiftError, badOption } from './errors.js';
import { DEFAULTS } from './options.js';
import { canonicalPairwiseOptions, checkPairwiseOptions, type PairwiseOptions } from './estimators/pairwise.js';
import type { PairList, PairMatrix } from './estimators/matrix.js';
import { readTable } from './io/read.js';
import { computeShard, decodePart, encodePart, mergeParts, prepareOptionsOf, shardRows, tableDigest } from './shard.js';
import { prepare, type PreparedTable } from './estimators/prepared.js';
import type { ColumnTable } from './table.js';

type BullMQ = typeof import('bullmq');
type RedisCtor = typeof import('ioredis').Redis;
type Redis = InstanceType<RedisCtor>;

const QUEUE = 'metricsift-tiles';
const runKey = (id: string) => `metricsift:run:${id}`;
const partsKey = (id: string) => `metricsift:run:${id}:parts`;
/**
 * A list workers push to when a tile of the run completes or fails for good: waiters block on it
 * (BLPOP) instead of polling every tile's state, and look at the full status when woken.
 */
const eventsKey = (id: string) => `metricsift:run:${id}:events`;

async function deps(): Promise<{ bullmq: BullMQ; Redis: RedisCtor }> {
  try {
    const [bullmq, ioredis] = await Promise.all([import('bullmq'), import('ioredis')]);
    return { bullmq, Redis: ioredis.Redis };
  } catch {
    throw new MetricsiftError(
      'Distributed runs need the optional dependencies bullmq and ioredis: npm install bullmq ioredis',
      ErrorCode.MISSING_DEPENDENCY,
    );
  }
}

/** The Redis URL: the option, else `METRICSIFT_REDIS`. @throws `MS_BAD_OPTION` when neither is a redis:// URL. */
export function redisUrl(url?: string): string {
  const u = url ?? process.env.METRICSIFT_REDIS;
  if (!u) badOption('--redis', 'a Redis URL (redis://host:6379), or METRICSIFT_REDIS set', u);
  if (!/^rediss?:\/\//.test(u)) badOption('--redis', 'a redis:// or rediss:// URL', u);
  return u;
}

/**
 * A connection. Commands that answer a user (submit, status, collect) fail fast with
 * `MS_REDIS_UNREACHABLE`; workers (`persistent`) retry for ever with a capped back-off, as BullMQ
 * workers must (`maxRetriesPerRequest: null`), and resume where they were when Redis returns.
 */
async function connect(url: string, persistent: boolean): Promise<Redis> {
  const { Redis } = await deps();
  const redis = new Redis(url, persistent
    ? { maxRetriesPerRequest: null, retryStrategy: (n: number) => Math.min(200 * 2 ** Math.min(n, 6), 10_000) }
    : { maxRetriesPerRequest: 1, connectTimeout: 5_000, lazyConnect: true, retryStrategy: () => null });
  if (!persistent) {
    redis.on('error', () => undefined); // reported by connect() below
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      throw new MetricsiftError(`Cannot reach Redis at ${url.replace(/\/\/[^@/]*@/, '//…@')}: ${(e as Error).message}`, ErrorCode.REDIS_UNREACHABLE);
    }
  }
  return redis;
}

/** What {@link submitRun} records about a run. */
export interface RunInfo {
  id: string;
  input: string;
  options: PairwiseOptions;
  tiles: number;
  digest: string;
  metrics: number;
  attempts: number;
  created: string;
  /** When Redis drops the run's record, tiles and parts (submit's `keep`). */
  expires: string;
}

/** Options of {@link submitRun}. */
export interface SubmitOptions {
  redis?: string;
  /** Tiles (shards) to cut the run into (default: 4 per 100 metrics, between 1 and 256, at most M). */
  tiles?: number;
  /** Attempts per tile before it fails the run (default 3). */
  attempts?: number;
  /**
   * Seconds the run stays in Redis after submit (default 7 days): its record, its tiles' jobs and
   * its stored parts then expire, so a queue that runs for months does not grow without bound.
   * Collect before then; {@link removeRun} drops a run at once.
   */
  keep?: number;
}

/**
 * Enqueues a run: reads the input once (to check it and record its digest), then one job per
 * tile. Returns the run id. The input must be readable by every worker under the same name.
 */
export async function submitRun(input: string, opts: PairwiseOptions, o: SubmitOptions = {}): Promise<RunInfo> {
  checkPairwiseOptions(opts);
  const url = redisUrl(o.redis);
  const attempts = o.attempts ?? DEFAULTS.attempts;
  if (!Number.isInteger(attempts) || attempts < 1) badOption('--attempts', 'an integer ≥ 1', attempts);
  const keep = o.keep ?? DEFAULTS.keepRun;
  if (!Number.isInteger(keep) || keep < 1) badOption('--keep', 'whole seconds ≥ 1', keep);
  const table = await readTable(input);
  const M = table.names.length;
  const tiles = o.tiles ?? Math.max(1, Math.min(256, M, Math.ceil(M / 25)));
  if (!Number.isInteger(tiles) || tiles < 1) badOption('--tiles', 'an integer ≥ 1', tiles);
  // Recorded canonically, as shard parts record them: a tile and a `matrix --shard` part of one run match.
  const valueOptions = canonicalPairwiseOptions(opts) as unknown as PairwiseOptions;
  const now = Date.now();
  const info: RunInfo = {
    id: randomBytes(6).toString('hex'), input, options: valueOptions, tiles, digest: tableDigest(table), metrics: M, attempts,
    created: new Date(now).toISOString(), expires: new Date(now + keep * 1000).toISOString(),
  };
  const redis = await connect(url, false);
  const { bullmq } = await deps();
  const queue = new bullmq.Queue(QUEUE, { connection: redis });
  try {
    await redis.set(runKey(info.id), JSON.stringify(info), 'PX', keep * 1000);
    // Finished tiles are dropped `keep` seconds after they finish (BullMQ removes them as later jobs end).
    await queue.addBulk(Array.from({ length: tiles }, (_, index) => ({
      name: 'tile',
      data: { run: info.id, index, count: tiles, input, options: valueOptions, digest: info.digest, expires: now + keep * 1000 },
      opts: { jobId: `${info.id}-${index}`, attempts, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: { age: keep }, removeOnFail: { age: keep } },
    })));
  } finally {
    await queue.close();
    redis.disconnect();
  }
  return info;
}

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  redis?: string;
  /** Tiles computed at once by this worker (default 1). */
  concurrency?: number;
  /** Native threads per tile (default: the cores divided among the concurrent tiles). */
  threads?: number;
  /**
   * How often (ms) workers look for tiles whose worker died (default 30,000). A tile's lock lasts
   * twice this, so a killed worker's tile is retried within about three intervals.
   */
  stalledInterval?: number;
  /** Called for each tile done or failed, and for connection errors (the worker keeps going). */
  onEvent?: (e: { kind: 'done' | 'failed' | 'error'; tile?: string; message?: string }) => void;
}

/** A running worker; `close()` finishes the tiles in hand and stops. */
export interface RunningWorker {
  close(): Promise<void>;
}

/** Codes survive Redis as a "<code>: message" failure reason. */
function codeOf(reason: string | undefined): string | undefined {
  return /^(MS_[A-Z_]+): /.exec(reason ?? '')?.[1];
}

/** Starts a worker that computes tiles of any run until closed. */
export async function startWorker(o: WorkerOptions = {}): Promise<RunningWorker> {
  const url = redisUrl(o.redis);
  const concurrency = o.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) badOption('--concurrency', 'an integer ≥ 1', concurrency);
  // One thread budget: concurrent tiles share the cores instead of each taking all of them.
  const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / concurrency));
  const stalledInterval = o.stalledInterval ?? 30_000;
  const { bullmq } = await deps();
  const redis = await connect(url, true);
  const store = await connect(url, true);
  // The input read and its digest checked once per worker (per input and digest), not once per
  // tile. The promise is cached synchronously, so concurrent tiles share one read; a failed read
  // is not cached (the next tile tries again).
  let cached: { input: string; digest: string; table: Promise<ColumnTable> } | undefined;
  const tableFor = (input: string, digest: string): Promise<ColumnTable> => {
    if (cached?.input === input && cached.digest === digest) return cached.table;
    const entry = {
      input, digest, table: readTable(input).then((table) => {
        const got = tableDigest(table);
        if (got !== digest) {
          throw new MetricsiftError(`${input} is not the data the run was submitted with (content digest ${got.slice(0, 12)} ≠ ${digest.slice(0, 12)}): it changed, or this worker sees another file`, ErrorCode.SHARD_MISMATCH);
        }
        return table;
      }),
    };
    entry.table.catch(() => {
      if (cached === entry) cached = undefined;
    });
    cached = entry;
    return entry.table;
  };
  // The table binned once per worker (per input and binning), not once per tile: binning 10,000
  // metrics is seconds of CPU, and a run has many tiles. Set synchronously, so concurrent tiles share it.
  let prepared: { key: string; table: ColumnTable; ready: Promise<PreparedTable> } | undefined;
  const preparedFor = (table: ColumnTable, o: PairwiseOptions): Promise<PreparedTable> | undefined => {
    if (o.measure !== 'mi' && o.measure !== 'nmi') return undefined;
    const key = JSON.stringify(prepareOptionsOf(o));
    if (prepared?.key !== key || prepared.table !== table) {
      // A call still running on the old one keeps its codes until it ends.
      void prepared?.ready.then((p) => p.dispose(), () => undefined);
      prepared = { key, table, ready: prepare(table, { ...prepareOptionsOf(o), threads }) };
    }
    return prepared.ready;
  };
  const worker = new bullmq.Worker(QUEUE, async (job) => {
    const d = job.data as { run: string; index: number; count: number; input: string; options: PairwiseOptions; digest: string; expires?: number };
    try {
      const table = await tableFor(d.input, d.digest);
      // The digest was checked when the table was read: the part records it without hashing again.
      const part = await computeShard(table, { ...d.options, threads }, { index: d.index, count: d.count }, d.input, await preparedFor(table, d.options), d.digest);
      await store.hset(partsKey(d.run), String(d.index), encodePart(part));
      // The parts expire with the run's record (runs submitted before expiry existed keep theirs).
      if (typeof d.expires === 'number') await store.pexpireat(partsKey(d.run), d.expires);
      return { rows: shardRows(table.names.length, { index: d.index, count: d.count }) };
    } catch (e) {
      const err = e as Error & { code?: string };
      throw new Error(`${err.code ?? ErrorCode.INTERNAL}: ${err.message}`);
    }
  }, { connection: redis, concurrency, lockDuration: 2 * stalledInterval, stalledInterval, maxStalledCount: 1_000 });
  // Waiters are woken once the tile's state is final in BullMQ (so the status they then read shows
  // it). They also look every few seconds, so a worker dying right here delays the news, not loses it.
  const wake = (run: unknown, what: string, expires: unknown) => {
    if (typeof run !== 'string') return;
    const m = store.multi().lpush(eventsKey(run), what);
    if (typeof expires === 'number') m.pexpireat(eventsKey(run), expires);
    void m.exec().catch(() => undefined);
  };
  worker.on('completed', (job) => {
    wake(job.data?.run, String(job.data?.index), job.data?.expires);
    o.onEvent?.({ kind: 'done', tile: job.id });
  });
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) wake(job.data?.run, 'failed', job.data?.expires);
    o.onEvent?.({ kind: 'failed', tile: job?.id, message: err.message });
  });
  worker.on('error', (err) => o.onEvent?.({ kind: 'error', message: err.message }));
  return {
    async close() {
      await worker.close();
      redis.disconnect();
      store.disconnect();
    },
  };
}

/** Progress of a run across all workers. */
export interface RunStatus {
  id: string;
  tiles: number;
  completed: number;
  active: number;
  waiting: number;
  failed: number;
  /** Tiles whose attempts are spent, with the error code and message of the last attempt. */
  failures: { tile: number; code?: string; message: string; attempts: number }[];
  /** Attempts that failed and were (or will be) retried, over all tiles. */
  retries: number;
  /** Times a tile was taken back from a worker that stopped renewing its lock (killed, hung). */
  stalled: number;
  /** Every tile completed. */
  done: boolean;
  info: RunInfo;
}

type AnyQueue = { getJob(id: string): Promise<{ getState(): Promise<string>; remove(): Promise<void>; failedReason?: string; attemptsMade?: number; stalledCounter?: number } | undefined | null>; close(): Promise<void> };

async function withQueue<T>(url: string, fn: (q: AnyQueue, redis: Redis) => Promise<T>): Promise<T> {
  const redis = await connect(url, false);
  const { bullmq } = await deps();
  const q: AnyQueue = new bullmq.Queue(QUEUE, { connection: redis });
  try {
    return await fn(q, redis);
  } finally {
    await q.close();
    redis.disconnect();
  }
}

/** The run's record. @throws `MS_RUN_NOT_FOUND` when Redis has none. */
async function runInfoOf(redis: Redis, id: string): Promise<RunInfo> {
  const raw = await redis.get(runKey(id));
  if (!raw) throw new MetricsiftError(`No run ${JSON.stringify(id)} in this Redis (submitted to another one, expired after submit's --keep, or removed)`, ErrorCode.RUN_NOT_FOUND);
  return JSON.parse(raw) as RunInfo;
}

async function statusWith(q: AnyQueue, redis: Redis, id: string): Promise<RunStatus> {
  const info = await runInfoOf(redis, id);
  const s: RunStatus = { id, tiles: info.tiles, completed: 0, active: 0, waiting: 0, failed: 0, failures: [], retries: 0, stalled: 0, done: false, info };
  // All tiles' states asked at once (one round trip's wait instead of two per tile).
  const jobs = await Promise.all(Array.from({ length: info.tiles }, (_, t) => q.getJob(`${id}-${t}`)));
  const states = await Promise.all(jobs.map((job) => (job ? job.getState() : 'unknown')));
  for (let t = 0; t < info.tiles; t++) {
    const job = jobs[t], state = states[t];
    if (state === 'completed') s.completed++;
    else if (state === 'active') s.active++;
    else if (state === 'failed') {
      s.failed++;
      s.failures.push({ tile: t, code: codeOf(job?.failedReason), message: job?.failedReason ?? '', attempts: job?.attemptsMade ?? 0 });
    } else s.waiting++;
    s.retries += Math.max(0, (job?.attemptsMade ?? 0) - (state === 'completed' ? 1 : 0));
    s.stalled += job?.stalledCounter ?? 0;
  }
  s.done = s.completed === info.tiles;
  return s;
}

/** Where a run stands (tiles completed, active, waiting, failed with their codes). */
export async function runStatus(id: string, o: { redis?: string } = {}): Promise<RunStatus> {
  return withQueue(redisUrl(o.redis), (q, redis) => statusWith(q, redis, id));
}

function failure(s: RunStatus): MetricsiftError {
  const f = s.failures[0];
  return new MetricsiftError(
    `Run ${s.id} failed: tile ${f.tile}/${s.tiles} failed after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}: ${f.message.replace(/^MS_[A-Z_]+: /, '')}`,
    (f.code as (typeof ErrorCode)[keyof typeof ErrorCode]) ?? ErrorCode.INTERNAL,
  );
}

/**
 * Waits until every tile of the run is done. Rejects with the failed tile's own code as soon as a
 * tile has spent its attempts. Workers wake the waiter when a tile completes or fails; `pollMs`
 * (default 5,000) bounds the wait between status reads if no word comes (a worker died).
 */
export async function waitRun(id: string, o: { redis?: string; pollMs?: number; onStatus?: (s: RunStatus) => void; signal?: AbortSignal } = {}): Promise<RunStatus> {
  return withQueue(redisUrl(o.redis), async (q, redis) => {
    // Woken by the workers (a tile completed or failed for good), else every pollMs: a run of 32
    // tiles is some 32 status reads, where polling twice a second cost ~3 ms of CPU a poll here.
    const wait = Math.max(0.01, (o.pollMs ?? 5_000) / 1000);
    for (;;) {
      const s = await statusWith(q, redis, id);
      o.onStatus?.(s);
      if (s.failed > 0) throw failure(s);
      if (s.done) return s;
      if (o.signal?.aborted) throw new MetricsiftError('Waiting was cancelled', ErrorCode.ABORTED);
      // Events that came while the status was read are in the list: BLPOP returns at once for them.
      if (await redis.blpop(eventsKey(id), wait)) await redis.del(eventsKey(id));
    }
  });
}

/** Waits for the run, then merges its parts into the single run's result ({@link mergeParts}). */
export async function collectRun(id: string, o: { redis?: string; pollMs?: number; onStatus?: (s: RunStatus) => void } = {}): Promise<PairMatrix | PairList> {
  await waitRun(id, o);
  return withQueue(redisUrl(o.redis), async (_q, redis) => {
    const parts = await redis.hgetallBuffer(partsKey(id));
    const names = Object.keys(parts).sort((a, b) => Number(a) - Number(b));
    return mergeParts(names.map((k) => decodePart(parts[k], `run ${id} tile ${k}`)), names.map((k) => `tile ${k}`));
  });
}

/**
 * Drops a run from Redis now: its record, stored parts, wake-up list and the jobs of its tiles that
 * are not being computed. A tile a worker holds is left to finish (its part then expires with the
 * run's `keep`); the count of those is returned.
 * @throws MetricsiftError `MS_RUN_NOT_FOUND` when Redis has no such run.
 */
export async function removeRun(id: string, o: { redis?: string } = {}): Promise<{ removed: number; active: number }> {
  return withQueue(redisUrl(o.redis), async (q, redis) => {
    const info = await runInfoOf(redis, id);
    let removed = 0, active = 0;
    for (let t = 0; t < info.tiles; t++) {
      const job = await q.getJob(`${id}-${t}`);
      if (!job) continue;
      try {
        await job.remove();
        removed++;
      } catch {
        active++;  // locked by a worker computing it
      }
    }
    await redis.del(runKey(id), partsKey(id), eventsKey(id));
    return { removed, active };
  });
}
