/** Result types shared by the MI and correlation matrices. */

/** A dense symmetric M×M matrix of a pairwise measure, row-major. */
export interface PairMatrix {
  /** Column names, in matrix order. */
  names: string[];
  /** M. */
  size: number;
  /** values[i * size + j]; NaN where the measure is undefined (no complete rows, constant column). */
  values: Float64Array | Float32Array;
  /** Complete rows (both values present) used for each pair. */
  rowsUsed: Uint32Array;
  /** What the values are, e.g. "mi", "nmi", "pearson". */
  measure: string;
}

/** Only the pairs i < j whose value is above a threshold, sorted by (i, j); no dense matrix is built. */
export interface PairList {
  names: string[];
  size: number;
  measure: string;
  threshold: number;
  i: Uint32Array;
  j: Uint32Array;
  value: Float64Array;
  rowsUsed: Uint32Array;
}

/** The value at (i, j) of a dense matrix. */
export function at(m: PairMatrix, i: number, j: number): number {
  return m.values[i * m.size + j];
}

/** Rows of the matrix as plain arrays (for JSON or printing). */
export function toRows(m: PairMatrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.size; i++) out.push(Array.from(m.values.subarray(i * m.size, (i + 1) * m.size)));
  return out;
}
