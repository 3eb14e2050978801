/**
 * metricsift's all-pairs binned MI at the size (253 metrics x 28,800 samples, 16 quantile
 * bins, nats, all cores). Saves the matrix for the agreement check against the numpy peer.
 */
import { miMatrix } from '../../src/index.js';
import { BASE, CORES, emit, log, saveMatrix, time } from '../common.js';
import { loadData } from '../data.js';

const { M, n } = BASE;
const opts = { bins: 16, binning: 'quantile', measure: 'mi', units: 'nats', threads: CORES } as const;
const data = loadData(M, n);
let values: Float64Array | Float32Array = new Float64Array(0);
const t = await time(async () => { values = (await miMatrix(data, opts)).values; }, 5);
log(`metricsift MI ${M}x${n}, ${CORES} threads: median ${t.median.toFixed(3)} s`);
emit({ suite: 'mi', M, n, bins: 16, threads: CORES, time: t, matrix: saveMatrix('mi-metricsift', values) });
