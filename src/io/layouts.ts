/**
 * Readers for the recorded layouts in ../shared/datasets, producing the wide `service/metric`
 * table the rest of metricsift uses:
 * - Train Ticket (Nezha): `<day>/metric/<pod>_metric.csv` per pod plus `front_service.csv`, one row
 *   a minute, clocks 1–3 s apart (aligned by flooring to the minute), literal `NaN` cells; files
 *   that are not metric CSVs are ignored;
 * - PetShop: one CSV with four header rows (microservice, metric, statistic, unix_timestamp).
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ErrorCode, MetricsiftError } from '../errors.js';
import { toColumnTable, type ColumnTable } from '../table.js';
import { fileError, parseCell } from './csv.js';
import { podToService } from './traces.js';

/** A numeric cell by readCsv's rules (missing spellings → NaN); anything else is MS_NON_NUMERIC. */
function cell(v: string, where: () => string): number {
  const x = parseCell(v);
  if (x === undefined) throw new MetricsiftError(`${where()}: ${JSON.stringify(v)} is not a number`, ErrorCode.NON_NUMERIC);
  return x;
}

async function text(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw fileError(path, e);
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** One Train Ticket day directory (`…/trainticket/2023-01-30`) as a wide table, minutes as rows. */
export async function readTrainTicketDay(dayDir: string): Promise<ColumnTable> {
  const metricDir = join(dayDir, 'metric');
  let files: string[];
  try {
    files = (await readdir(metricDir)).filter((f) => f.endsWith('.csv')).sort();
  } catch (e) {
    throw fileError(metricDir, e);
  }
  if (files.length === 0) throw new MetricsiftError(`${metricDir}: no metric CSV files (expected <pod>_metric.csv)`, ErrorCode.BAD_FORMAT);
  const skip = new Set(['Time', 'TimeStamp', 'PodName', 'ServiceName']);
  const columns = new Map<string, Map<number, number>>();
  const minutes = new Set<number>();
  for (const f of files) {
    const service = f === 'front_service.csv' ? 'front' : f.endsWith('_metric.csv') ? podToService(basename(f, '_metric.csv')) : undefined;
    if (!service) continue;  // other applications may ship extra files: ignored
    const lines = (await text(join(metricDir, f))).split(/\r?\n/).filter((l) => l.length);
    if (lines.length === 0) throw new MetricsiftError(`${join(metricDir, f)}: empty file (expected a header with TimeStamp, then one row a minute)`, ErrorCode.BAD_FORMAT);
    const header = lines[0].split(',');
    const ts = header.indexOf('TimeStamp');
    if (ts < 0) throw new MetricsiftError(`${join(metricDir, f)}: no TimeStamp column`, ErrorCode.BAD_FORMAT);
    // One map per metric column of this file, found once (not per cell: the day has ~10^6 cells).
    const target = header.map((h) => {
      if (skip.has(h)) return undefined;
      const name = `${service}/${h}`;
      let m = columns.get(name);
      if (!m) columns.set(name, (m = new Map()));
      return m;
    });
    for (let l = 1; l < lines.length; l++) {
      const cells = lines[l].split(',');
      if (cells.length !== header.length) {
        throw new MetricsiftError(`${join(metricDir, f)} line ${l + 1}: ${cells.length} cells but the header has ${header.length}`, ErrorCode.RAGGED_ROW);
      }
      const seconds = Number(cells[ts]);
      if (cells[ts].trim() === '' || !Number.isFinite(seconds)) {
        throw new MetricsiftError(`${join(metricDir, f)} line ${l + 1}: TimeStamp ${JSON.stringify(cells[ts])} is not a number of seconds`, ErrorCode.NON_NUMERIC);
      }
      const minute = Math.floor(seconds / 60) * 60_000;
      minutes.add(minute);
      for (let c = 0; c < cells.length; c++) {
        const m = target[c];
        if (!m) continue;
        const x = parseCell(cells[c]);
        m.set(minute, x !== undefined ? x : cell(cells[c], () => `${join(metricDir, f)} line ${l + 1}, column "${header[c]}"`));
      }
    }
  }
  const rows = [...minutes].sort((a, b) => a - b);
  const obj: Record<string, Float64Array> = {};
  for (const [name, byMinute] of columns) obj[name] = Float64Array.from(rows, (m) => byMinute.get(m) ?? NaN);
  return { ...toColumnTable(obj), time: rows.map(iso), source: dayDir };
}

/** A PetShop `metrics.csv` (four header rows) as a wide table named `node/metric.statistic`. */
export async function readPetshopMetrics(path: string): Promise<ColumnTable> {
  const lines = (await text(path)).split(/\r?\n/).filter((l) => l.length);
  const head = lines.slice(0, 4).map((l) => l.split(','));
  if (head.length < 4 || head[0][0] !== 'microservice' || head[1][0] !== 'metric' || head[2][0] !== 'statistic') {
    throw new MetricsiftError(`${path}: not a PetShop metrics file (expected header rows microservice, metric, statistic, unix_timestamp)`, ErrorCode.BAD_FORMAT);
  }
  const names = head[0].slice(1).map((node, c) => `${node}/${head[1][c + 1]}.${head[2][c + 1]}`);
  const data = lines.slice(4).map((l) => l.split(','));
  const cols = names.map(() => new Float64Array(data.length));
  data.forEach((cells, r) => {
    if (cells.length !== names.length + 1) throw new MetricsiftError(`${path} line ${r + 5}: ${cells.length} cells but the header has ${names.length + 1}`, ErrorCode.RAGGED_ROW);
    for (let c = 0; c < names.length; c++) cols[c][r] = cell(cells[c + 1], () => `${path} line ${r + 5}, column "${names[c]}"`);
  });
  const time = data.map((cells) => iso(Number(cells[0]) * 1000));
  return { ...toColumnTable({ names, columns: cols }), time, source: path };
}
