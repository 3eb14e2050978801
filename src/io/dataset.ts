/**
 * Opens whatever a user points `scan` at and says what it found: a wide table (CSV/TSV/Arrow), a
 * Train Ticket day directory (`metric/`, with `trace/` and `fault_list.json` beside it), or PetShop
 * data (a `metrics.csv` with four header rows, `graph.csv` beside it or one level up).
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { open } from 'node:fs/promises';
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { ColumnTable } from '../table.js';
import { fileError } from './csv.js';
import { readPetshopMetrics, readTrainTicketDay } from './layouts.js';
import { readArrow } from './arrow.js';
import { readCsv } from './csv.js';
import { readParquet } from './parquet.js';
import { readPrometheusUrl, readTable } from './read.js';

export interface Dataset {
  table: ColumnTable;
  layout: 'table' | 'trainticket' | 'petshop';
  /** Found beside the metrics (used when the caller gives none). */
  traces?: string;
  graph?: string;
  faults?: string;
}

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

async function startsWith(path: string, prefix: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(prefix.length);
    await fh.read(buf, 0, prefix.length, 0);
    return buf.toString('utf8') === prefix;
  } finally {
    await fh.close();
  }
}

async function firstExisting(paths: string[], want: 'file' | 'dir'): Promise<string | undefined> {
  for (const p of paths) if ((await kind(p)) === want) return p;
  return undefined;
}

/** Input formats `scan --format` names (otherwise detected). */
export const INPUT_FORMATS = ['csv', 'tsv', 'arrow', 'parquet', 'trainticket', 'petshop', 'prometheus'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/**
 * Reads metrics from a file, a directory of a known layout or a Prometheus URL, with the side files
 * it finds; `format` names the reader instead of detecting it.
 */
export async function openDataset(path: string, format?: InputFormat): Promise<Dataset> {
  switch (format) {
    case undefined: break;
    case 'csv': return { table: await readCsv(path), layout: 'table' };
    case 'tsv': return { table: await readCsv(path, { delimiter: '\t' }), layout: 'table' };
    case 'arrow': return { table: await readArrow(path), layout: 'table' };
    case 'parquet': return { table: await readParquet(path), layout: 'table' };
    case 'prometheus': return { table: await readPrometheusUrl(path), layout: 'table' };
    case 'trainticket':
      if ((await kind(path)) !== 'dir') throw new MetricsiftError(`${path}: --format trainticket needs a day directory (with metric/)`, ErrorCode.BAD_FORMAT);
      return openDataset(path);
    case 'petshop':
      if ((await kind(path)) === 'dir') return openDataset(path);
      return { table: await readPetshopMetrics(path), layout: 'petshop', graph: await firstExisting([join(dirname(path), 'graph.csv'), join(dirname(path), '..', 'graph.csv')], 'file') };
  }
  if (/^https?:\/\//i.test(path)) return { table: await readTable(path), layout: 'table' };  // Prometheus
  const k = await kind(path);
  if (!k) throw fileError(path, Object.assign(new Error('not found'), { code: 'ENOENT' }));
  if (k === 'dir') {
    if ((await kind(join(path, 'metric'))) === 'dir') {
      return {
        table: await readTrainTicketDay(path), layout: 'trainticket',
        traces: await firstExisting([join(path, 'trace')], 'dir'),
        faults: await firstExisting([join(path, 'fault_list.json')], 'file'),
      };
    }
    const pet = await firstExisting([join(path, 'metrics.csv'), join(path, 'noissue', 'metrics.csv')], 'file');
    if (pet) return openDataset(pet);
    throw new MetricsiftError(
      `${path}: a directory of unknown layout (expected a Train Ticket day with metric/, or PetShop data with metrics.csv or noissue/metrics.csv)`,
      ErrorCode.BAD_FORMAT,
    );
  }
  if (/\.csv$/i.test(path) && (await startsWith(path, 'microservice,'))) {
    const graph = await firstExisting([join(dirname(path), 'graph.csv'), join(dirname(path), '..', 'graph.csv')], 'file');
    return { table: await readPetshopMetrics(path), layout: 'petshop', graph };
  }
  return { table: await readTable(path), layout: 'table' };
}
