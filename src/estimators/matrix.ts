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

/**
 * A sparse result; no dense matrix is built. From a threshold call: the pairs i < j above it, sorted
 * by (i, j). From a top-k call: for each column i, its best k partners j (highest value, or |r| for
 * correlations; ties to the lower index), grouped by i in rank order.
 */
export interface PairList {
  names: string[];
  size: number;
  measure: string;
  /** Set by threshold calls. */
  threshold?: number;
  /** Set by top-k calls. */
  k?: number;
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
