/**
 * Standard input as a source of CSV (`-` on the command line): read whole, then parsed like a
 * file; gzip is recognised by its magic bytes, as for files.
 */
import type { Readable } from 'node:stream';
import { ErrorCode, MetricsiftError } from '../errors.js';
import type { ColumnTable } from '../table.js';
import { csvText, parseCsv, parseCsvStrings, type CsvOptions, type StringTable } from './csv.js';

/** The name that means standard input, and how it is named in messages. */
export const STDIN = '-';
export const STDIN_NAME = '<stdin>';

/** A readable stream with the `isTTY` flag `process.stdin` has on a terminal. */
export type InputStream = Readable & { isTTY?: boolean };

/**
 * All bytes of standard input (or `stream`).
 * @throws MetricsiftError `MS_STDIN_TERMINAL` when it is a terminal: nothing was piped in, and
 *   waiting for typed CSV is never what was meant.
 */
export async function readStdinBytes(stream: InputStream = process.stdin): Promise<Buffer> {
  if (stream.isTTY) {
    throw new MetricsiftError(
      "standard input is a terminal: '-' reads a CSV (optionally gzip-compressed) piped in, e.g. `zcat metrics.csv.gz | metricsift matrix -`; or give a file, a directory or a Prometheus URL",
      ErrorCode.STDIN_TERMINAL,
    );
  }
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(parts);
}

/** A wide CSV (or TSV with `delimiter: '\t'`) from standard input, by {@link parseCsv}'s rules. */
export async function readCsvStdin(options: CsvOptions = {}, stream?: InputStream): Promise<ColumnTable> {
  return parseCsv(await csvText(await readStdinBytes(stream), STDIN_NAME), STDIN_NAME, options);
}

/** A CSV of text cells from standard input, by {@link parseCsvStrings}'s rules. */
export async function readCsvStringsStdin(options: Pick<CsvOptions, 'delimiter'> = {}, stream?: InputStream): Promise<StringTable> {
  return parseCsvStrings(await csvText(await readStdinBytes(stream), STDIN_NAME), STDIN_NAME, options);
}
