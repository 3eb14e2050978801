/**
 * The wide CSV of the ingestion and end-to-end benchmarks, written once from the bench data
 * (bench/data.ts): a time column of ISO minutes, then one column per metric. Cells are the
 * shortest round-trip text of each value rounded to 7-17 significant digits (varied by column, as
 * exporters differ), with missing cells ("" or NaN) in every 9th column: ~90 MB at 253 × 28,800.
 *
 * CLI: node --import tsx bench/csv-data.ts [M] [n]  (prints the path; also writes a .csv.gz)
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DATA_DIR, loadData } from './data.js';

/** Bump when the format changes: the file is then rewritten. */
const VERSION = 1;

export function csvPath(M: number, n: number, gz = false): string {
  return join(DATA_DIR, `${M}x${n}.v${VERSION}.csv${gz ? '.gz' : ''}`);
}

/** Writes the CSV (and its gzip) unless present; returns the plain file's path. */
export function ensureCsv(M: number, n: number): string {
  const path = csvPath(M, n);
  if (existsSync(path) && existsSync(csvPath(M, n, true))) return path;
  const d = loadData(M, n);
  const start = Date.UTC(2023, 0, 29);
  const digits = d.columns.map((_, j) => 7 + ((j * 5) % 11));
  const lines: string[] = [['time', ...d.names].join(',')];
  for (let t = 0; t < n; t++) {
    const cells = [new Date(start + t * 60_000).toISOString()];
    for (let j = 0; j < M; j++) {
      const x = d.columns[j][t];
      if (j % 9 === 4 && (t * 2654435761 + j) % 97 < 5) cells.push(t % 2 ? '' : 'NaN');
      else cells.push(String(Number(x.toPrecision(digits[j]))));
    }
    lines.push(cells.join(','));
  }
  const text = lines.join('\n') + '\n';
  writeFileSync(path, text);
  writeFileSync(csvPath(M, n, true), gzipSync(text, { level: 6 }));
  return path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(ensureCsv(Number(process.argv[2] ?? 253), Number(process.argv[3] ?? 28800)));
}
