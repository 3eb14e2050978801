/**
 * Label series from a file, for ranking to an external target: a CSV with a header line and one
 * column (the label) or two (time, label), one data row per row of the metrics table.
 */
import { ErrorCode, MetricsiftError } from '../errors.js';
import { parseCell, readCsvStrings } from './csv.js';

/** A label series: numbers when every present label is a number, strings (categories) otherwise. */
export interface Labels {
  name: string;
  /** Numbers (NaN = missing) or strings ('' = missing). */
  values: Float64Array | string[];
  source: string;
}

/**
 * Numbers when every cell is a number or a missing spelling (empty, `NaN`, `NA`, `null`…), else
 * the cells as categories, with the missing spellings as '' (missing).
 */
export function labelValues(cells: string[]): Float64Array | string[] {
  const nums = new Float64Array(cells.length);
  let numeric = true;
  for (let i = 0; i < cells.length; i++) {
    const x = parseCell(cells[i]);
    if (x === undefined) { numeric = false; break; }
    nums[i] = x;
  }
  if (numeric) return nums;
  return cells.map((c) => (Number.isNaN(parseCell(c)) ? '' : c));
}

/**
 * Reads a labels file (`.csv`, `.tsv`, optionally gzip-compressed).
 * @throws MetricsiftError `MS_FILE_NOT_FOUND`, `MS_BAD_FORMAT` (more than two columns), and the CSV errors.
 */
export async function readLabels(path: string): Promise<Labels> {
  const t = await readCsvStrings(path, { delimiter: /\.tsv(\.gz)?$/i.test(path) ? '\t' : ',' });
  if (t.names.length > 2) {
    throw new MetricsiftError(`${path}: a labels file has one column (label) or two (time, label), but this one has ${t.names.length}`, ErrorCode.BAD_FORMAT);
  }
  const j = t.names.length - 1;
  return { name: t.names[j], values: labelValues(t.columns[j]), source: path };
}
