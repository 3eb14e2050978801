/**
 * `metricsift queue submit|status|wait|collect` and `metricsift worker`: a matrix run cut into
 * tiles on a BullMQ queue in Redis, computed by workers on any number of machines.
 */
import { Command } from 'commander';
import { collectRun, removeRun, runStatus, startWorker, submitRun, waitRun, type RunStatus } from '../queue.js';
import { writeMatrix, writePairs } from '../io/write.js';
import { DEFAULTS } from '../options.js';
import { addMatrixOptions, pairwiseOptions, type MatrixFlags } from './matrix.js';
import { durationSeconds, intArg, runCommand, rangeArg, summary } from './common.js';

const REDIS_HELP = 'Redis URL, redis://host:6379 (default: $METRICSIFT_REDIS)';

function line(s: RunStatus): string {
  const fail = s.failures.map((f) => ` tile ${f.tile}: ${f.message}`).join(';');
  return `run ${s.id}: ${s.completed}/${s.tiles} tiles done, ${s.active} active, ${s.waiting} waiting, ${s.failed} failed, ${s.retries} retried, ${s.stalled} taken from stopped workers${fail ? ` —${fail}` : ''}`;
}

function statusOnStderr(quiet: boolean | undefined): ((s: RunStatus) => void) | undefined {
  if (quiet) return undefined;
  let last = '';
  return (s) => {
    const l = line(s);
    if (l !== last) process.stderr.write(`${l}\n`);
    last = l;
  };
}

export function queueCommand(): Command {
  const queue = new Command('queue').description('distributed matrix runs on a BullMQ queue in Redis (see also: metricsift worker)');
  queue.addCommand(addMatrixOptions(new Command('submit')
    .description('enqueue a matrix run as tiles; prints the run id as the last line of standard output')
    .argument('<input>', 'a path every worker can read (shared storage) or an HTTP(S) URL'))
    .option('--redis <url>', REDIS_HELP)
    .option('--tiles <n>', 'tiles to cut the run into (default: 1 per 25 metrics, at most 256)', intArg('--tiles', 1))
    .option('--attempts <n>', `attempts per tile before it fails the run (default ${DEFAULTS.attempts})`, intArg('--attempts', 1))
    .option('--keep <duration>', `how long the run, its tiles and parts stay in Redis (default ${DEFAULTS.keepRun / 86400}d; e.g. 12h, 30d)`)
    .option('-q, --quiet', 'only the run id')
    .option('--verbose', 'stack traces on errors')
    .action((input: string, f: MatrixFlags & { redis?: string; tiles?: number; attempts?: number; keep?: string }) => runCommand(f.verbose, async () => {
      const keep = f.keep === undefined ? undefined : Math.ceil(durationSeconds('--keep', f.keep));
      const info = await submitRun(input, pairwiseOptions(f), { redis: f.redis, tiles: f.tiles, attempts: f.attempts, keep });
      if (!f.quiet) process.stderr.write(`submitted ${info.tiles} tiles of a ${f.measure} run over ${info.metrics} metrics of ${input}\n`);
      process.stdout.write(`${info.id}\n`);
    })));
  queue.addCommand(new Command('status')
    .description('tiles done, active, waiting and failed (with their error codes), across all workers')
    .argument('<run>', 'run id printed by submit')
    .option('--redis <url>', REDIS_HELP)
    .option('--json', 'the status as JSON')
    .option('--verbose', 'stack traces on errors')
    .action((run: string, f: { redis?: string; json?: boolean; verbose?: boolean }) => runCommand(f.verbose, async () => {
      const s = await runStatus(run, { redis: f.redis });
      process.stdout.write(f.json ? `${JSON.stringify({ ...s, info: undefined, input: s.info.input, options: s.info.options }, null, 2)}\n` : `${line(s)}\n`);
      if (s.failed > 0) process.exitCode = 2;
    })));
  queue.addCommand(new Command('wait')
    .description('wait until every tile is done (exit 2 with the code of a tile that failed)')
    .argument('<run>', 'run id printed by submit')
    .option('--redis <url>', REDIS_HELP)
    .option('-q, --quiet', 'no progress on stderr')
    .option('--verbose', 'stack traces on errors')
    .action((run: string, f: { redis?: string; quiet?: boolean; verbose?: boolean }) => runCommand(f.verbose, async () => {
      const s = await waitRun(run, { redis: f.redis, onStatus: statusOnStderr(f.quiet) });
      process.stdout.write(`${line(s)}\n`);
    })));
  queue.addCommand(new Command('collect')
    .description('wait for the run, then merge its tiles into the output the single run writes, byte for byte')
    .argument('<run>', 'run id printed by submit')
    .option('--redis <url>', REDIS_HELP)
    .option('-o, --out <file>', 'output file; format by extension: .csv, .json, .arrow (default: CSV on stdout)')
    .option('-q, --quiet', 'no progress on stderr')
    .option('--verbose', 'stack traces on errors')
    .action((run: string, f: { redis?: string; out?: string; quiet?: boolean; verbose?: boolean }) => runCommand(f.verbose, async () => {
      const result = await collectRun(run, { redis: f.redis, onStatus: statusOnStderr(f.quiet) });
      if ('values' in result) await writeMatrix(f.out ?? '-', result);
      else await writePairs(f.out ?? '-', result);
    })));
  queue.addCommand(new Command('remove')
    .description('drop a run from Redis now: its record, parts and the tiles not being computed')
    .argument('<run>', 'run id printed by submit')
    .option('--redis <url>', REDIS_HELP)
    .option('-q, --quiet', 'no summary')
    .option('--verbose', 'stack traces on errors')
    .action((run: string, f: { redis?: string; quiet?: boolean; verbose?: boolean }) => runCommand(f.verbose, async () => {
      const r = await removeRun(run, { redis: f.redis });
      summary(f.quiet, [`run ${run} removed: ${r.removed} tiles${r.active ? `; ${r.active} being computed are left to finish (their parts expire with the run)` : ''}`]);
    })));
  return queue;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('compute tiles of queued runs until stopped (SIGTERM/SIGINT finish the tiles in hand)')
    .option('--redis <url>', REDIS_HELP)
    .option('-c, --concurrency <k>', 'tiles at once (default 1); the cores are shared among them', intArg('--concurrency', 1))
    .option('-t, --threads <n>', 'native threads per tile (default: cores / concurrency)', rangeArg('--threads', 'threads'))
    .option('--stalled-interval <ms>', 'how often to look for tiles of dead workers (default 30000; their lock lasts twice this)', intArg('--stalled-interval', 100))
    .option('-q, --quiet', 'no line per tile on stderr')
    .option('--verbose', 'stack traces on errors')
    .action((f: { redis?: string; concurrency?: number; threads?: number; stalledInterval?: number; quiet?: boolean; verbose?: boolean }) => runCommand(f.verbose, async () => {
      const w = await startWorker({
        redis: f.redis, concurrency: f.concurrency, threads: f.threads, stalledInterval: f.stalledInterval,
        onEvent: (e) => {
          if (e.kind === 'error') process.stderr.write(`metricsift worker: ${e.message} (retrying)\n`);
          else if (!f.quiet) process.stderr.write(`tile ${e.tile} ${e.kind}${e.message ? `: ${e.message}` : ''}\n`);
        },
      });
      await new Promise<void>((resolve) => {
        const stop = () => { void w.close().then(resolve); };
        // Handlers before "ready": a signal sent on reading it must finish the tiles in hand, not kill.
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        if (!f.quiet) process.stderr.write(`metricsift worker ${process.pid} ready\n`);
      });
    }));
}
