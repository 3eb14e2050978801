/**
 * How metricsift's MI matrix scales: a size sweep (M = 253, 1000, 4000 at n = 28,800; --quick
 * drops 4000; --sizes a,b,c picks others) on all cores, and a thread sweep (1, 2, ..., all cores)
 * at the two smallest sizes. The work is M^2*n/2 histogram increments, so seconds per increment
 * should stay roughly constant across sizes and fall as 1/threads.
 */
import { miMatrix } from '../../src/index.js';
import { CORES, emit, log, parseArgs, time, type Timing } from '../common.js';
import { generate } from '../data.js';

const args = parseArgs();
const threadList = [...new Set([1, 2, CORES])].filter((t) => t <= CORES);
const maxM = Math.max(...args.sizes);
// One generation at the largest size: every smaller M is a prefix of it (see data.ts).
log(`generating ${maxM}x${args.n} in memory`);
const all = generate(maxM, args.n);
const points: { M: number; n: number; threads: number; increments: number; time: Timing }[] = [];
const sizes = [...args.sizes].sort((a, b) => a - b);
for (const M of sizes) {
  const table = { names: all.names.slice(0, M), columns: all.columns.slice(0, M) };
  const increments = (M * M * args.n) / 2;
  // Thread sweep at the two smallest sizes; the larger ones only on all cores.
  for (const threads of sizes.indexOf(M) < 2 ? threadList : [CORES]) {
    const expected = increments / 1.5e9 / threads; // rough seconds: fewer repetitions for long runs
    const reps = expected > 60 ? 1 : expected > 5 ? 2 : 3;
    const t = await time(() => miMatrix(table, { bins: 16, binning: 'quantile', measure: 'mi', units: 'nats', threads }), reps, expected < 60);
    log(`M=${M} threads=${threads}: median ${t.median.toFixed(3)} s (${reps} runs)`);
    points.push({ M, n: args.n, threads, increments, time: t });
  }
}
emit({ suite: 'mi-sweep', cores: CORES, points });
