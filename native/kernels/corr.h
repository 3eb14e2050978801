// Correlation matrices over the same inputs: Pearson, Spearman (Pearson of average ranks) and
// Kendall's tau-b (Knight's O(n log n) algorithm per pair). Missing values are excluded pairwise;
// columns without missing values take a fast path (standardised once, then blocked dot products).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "buffer.h"
#include "column.h"
#include "status.h"
#include "tiles.h"
#include "mi_tile.h"  // PairSinkFn

namespace ms {

enum class CorrMethod { Pearson, Spearman, Kendall };

// Per-column data prepared once and reused by every pair. Buffers are default-initialised (not
// zero-filled), so pages of columns that never need a copy are never touched.
struct CorrTable {
  int M = 0;
  int64_t n = 0;
  CorrMethod method = CorrMethod::Pearson;
  BigPtr<double> z;       // Pearson/Spearman, M×n: complete non-constant columns standardised
                                     // (ranks for Spearman); columns with missing cells: their raw values
  std::vector<uint8_t> complete;     // 1: no missing value and non-zero variance (z standardised)
  std::vector<uint8_t> constant;     // 1: no missing value and zero variance (every pair NaN)
  BigPtr<int32_t> rank;   // Kendall, M×n: dense rank per row (-1 missing)
  BigPtr<int32_t> order;  // Kendall, M×n: rows sorted by value, missing rows left out
  // Kendall with n < 2^16: the same ranks and orders of complete columns as 16-bit integers (other
  // columns' rows are not filled). Half the bytes for the all-pairs loop to stream and gather.
  BigPtr<uint16_t> rank16, order16;
  std::vector<int32_t> levels;       // Kendall: distinct values per column (dense ranks are 0..levels-1)
  std::vector<int64_t> yTies;        // Kendall: pairs of a column's valid rows tied in value
  std::vector<uint32_t> topDigits;   // Kendall, M×32: complete columns' ranks per top 5-bit radix digit
  std::vector<int64_t> valid;        // rows per column with a value
  // Spearman, when some column has missing cells: each column's valid rows in value order (ranks on
  // a pair's common rows then need no sort); empty otherwise.
  std::vector<std::vector<int32_t>> rowsByValue;
  std::vector<std::vector<double>> ownRank;  // Spearman: a column with missing cells, its ranks on its valid rows (by row)
  const double* column(int c) const { return z.get() + static_cast<size_t>(c) * n; }
};

Status prepareCorr(const std::vector<ColumnView>& cols, CorrMethod method, int threads, CorrTable* out, int* badColumn);

Status corrAllPairs(const CorrTable& t, int threads, int rowFirst, int rowLast, const Control& ctl, const PairSinkFn& sink);

// One pair on its pairwise-complete rows (used by the matrix for columns with missing values).
double corrPair(const CorrTable& t, int i, int j, uint32_t* rows);

// A column with itself: 1 where the correlation is defined (≥ 2 values, not constant), else NaN.
double corrDiagonal(const CorrTable& t, int i, uint32_t* rows);

// Kendall's tau-b of two equally long integer-ranked sequences (exposed for tests of the counting).
double kendallTauB(const int32_t* rx, const int32_t* ry, int64_t n);

// For tests: the discordant-pair count's AVX-512 pass on (where the CPU has it) or off (the portable
// AVX2/scalar pass). Returns whether the AVX-512 pass is now in use. Not thread-safe.
bool kendallUseAvx512(bool on);

}  // namespace ms
