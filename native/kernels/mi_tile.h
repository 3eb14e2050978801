// All-pairs binned mutual information over coded columns: the per-tile kernel (joint histograms of
// one row column against a group of columns at once), the finalisation of a joint histogram into
// the requested measure, and the threaded driver over tiles.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "binning.h"
#include "buffer.h"
#include "column.h"
#include "mi_finalize.h"  // Measure, Norm, MiOptions, PairEntropies, finalizeMeasure
#include "status.h"
#include "tiles.h"

namespace ms {

// Coded columns, column-major: column c is codes + c * n; `stride` = levels + 1, code stride-1 = missing.
struct CodedTable {
  int M = 0;
  int64_t n = 0;
  int stride = 0;
  BigPtr<uint8_t> codes8;         // used when stride <= 256 (M×n)
  BigPtr<uint16_t> codes16;       // otherwise
  // For narrow strides, partner codes pre-combined for the triple kernel: group g (columns
  // 8g..8g+7) holds, for row t at [g·4n + 4t, +4), code(8g+2k)·stride + code(8g+2k+1) for k = 0..3,
  // so the kernel reads 8 columns through one pointer with 4 loads and no index arithmetic.
  BigPtr<uint16_t> paired;
  std::vector<BinInfo> info;
  std::vector<double> entropy;    // per-column entropy (nats, plug-in or MM as asked)
};

// Discretises every column (in parallel over columns). On error, `badColumn` names the column index.
Status codeColumns(const std::vector<ColumnView>& cols, const BinSpec& spec, bool millerMadow, int threads,
                   CodedTable* out, int* badColumn);

// Joint histogram of columns x and y (stride S) → pairwise-complete entropies.
PairEntropies pairEntropies(const uint32_t* joint, int S, const double* xlogx, bool millerMadow);

// Entropies of columns i and j of a coded table on their pairwise-complete rows (one pair alone).
PairEntropies codedPairEntropies(const CodedTable& t, int i, int j, bool millerMadow);

// c·ln(c) for c in [0, n], so entropies cost table look-ups instead of logarithms.
std::vector<double> xlogxTable(int64_t n);

using PairSinkFn = std::function<void(int thread, int i, int j, double value, uint32_t rows)>;
// The pair-count phase's output: one pair's entropies (nats), handed over from the computing thread.
// Several measures (MI, NMI, …) are finalised from one histogram pass through this.
using PairEntropySinkFn = std::function<void(int thread, int i, int j, const PairEntropies& e)>;

// Computes every pair i < j of the table (rows restricted to [rowFirst, rowLast) for sharding) and
// hands each value to `sink` from the thread that computed it.
Status miAllPairs(const CodedTable& t, const MiOptions& o, int threads, int rowFirst, int rowLast,
                  const Control& ctl, const PairSinkFn& sink);

// The same pass, handing each pair's entropies (plug-in or Miller–Madow) instead of one measure.
Status pairEntropiesAllPairs(const CodedTable& t, bool millerMadow, int threads, int rowFirst, int rowLast,
                             const Control& ctl, const PairEntropySinkFn& sink);

}  // namespace ms
