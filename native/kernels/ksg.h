// Kraskov–Stögbauer–Grassberger estimators of mutual information (algorithms 1 and 2, max-norm,
// digamma form) for multivariate X and Y, and conditional MI I(X;Y|Z) by the Frenzel–Pompe
// construction. Exact neighbour search (k-d tree with box pruning), O(n log n) per estimate.
#pragma once
#include <cstdint>
#include <vector>

#include "column.h"
#include "mi_tile.h"  // PairSinkFn
#include "status.h"
#include "tiles.h"

namespace ms {

struct KsgOptions {
  int k = 3;
  int algorithm = 1;         // 1 or 2
  bool standardize = true;   // divide every dimension by its standard deviation (ddof 0), as scikit-learn
  bool jitter = true;        // add 1e-10·max(1, mean|v|)·N(0,1) noise after scaling, as scikit-learn
  uint64_t seed = 0;         // for the jitter
};

// Points as dimensions: dims[d][i], all of length n, no NaN (missing rows removed by the caller).
// X, Y (and Z for CMI) are index lists into dims. Result in nats.
Status ksgMutualInformation(const std::vector<const double*>& dims, int64_t n, const std::vector<int>& x, const std::vector<int>& y,
                            const KsgOptions& o, double* out);
Status ksgConditionalMutualInformation(const std::vector<const double*>& dims, int64_t n, const std::vector<int>& x,
                                       const std::vector<int>& y, const std::vector<int>& z, const KsgOptions& o, double* out);

// Resampled scalar KSG estimates of I(x; y) on n complete rows, count of them into out (nats), and
// the estimate on all rows into *observed. kHalfSample: n/2 rows drawn without replacement (or half
// of the circular blocks of `block` rows, at a random rotation) — not the with-replacement bootstrap,
// whose repeated rows are zero-distance neighbours that KSG reads as unbounded density. Because
// draws are without replacement, the spread of half-sample estimates is that of the full-sample
// one (finite-population correction 1 − m/n = 1/2). kPermutation: y permuted (rows or circular
// blocks), for a test against independence. Draw r has its own generator seeded from (seed, r):
// the same for any thread count. Variables are standardised and jittered once, on all rows.
enum class KsgResampling { kHalfSample, kPermutation };
Status ksgResample(const double* x, const double* y, int64_t n, const KsgOptions& o, KsgResampling mode, int count, int block,
                   uint64_t seed, int threads, double* observed, std::vector<double>* out);

// What a device needs to compute ksgResample's draws itself: the prepared (standardised, jittered)
// x and y, ψ(0..n+1), and for draw r at rows[r·m, (r+1)·m) the rows it uses (a permutation of y's
// rows, m = n; or the half-sample's rows), from the same generator as ksgResample.
struct KsgDraws {
  std::vector<double> x, y, psi;
  std::vector<int32_t> rows;
  int64_t m = 0;
};
Status ksgPrepareDraws(const double* x, const double* y, int64_t n, const KsgOptions& o, KsgResampling mode, int count, int block,
                       uint64_t seed, int threads, KsgDraws* out);

// All pairs i < j of scalar columns (rows [rowFirst, rowLast) of the pair matrix), each on its
// pairwise-complete rows and computed exactly as the single-pair call with x = i, y = j; values in
// nats, handed to `sink` from the computing thread. A pair whose column is constant or has at most
// k complete rows gets NaN. Errors: k ≥ rows (BadOption); an infinite value (BadInput, its column
// in *badColumn, the message starting with the rest of a sentence about that column).
Status ksgAllPairs(const std::vector<ColumnView>& cols, const KsgOptions& o, int threads, int rowFirst, int rowLast,
                   const Control& ctl, const PairSinkFn& sink, int* badColumn = nullptr);

// Whether the scalar KSG kernels may use their AVX-512 passes (when the processor has them; on by
// default). Returns whether they will. For tests: both settings give the same bits.
bool ksgUseAvx512(bool on);

// Most bytes of prepared marginals ksgAllPairs builds once for the whole matrix (default 512 MiB);
// above it, once per tile. Returns the previous value. For tests: both ways give the same bits.
double ksgSharedMarginalBudget(double bytes);

}  // namespace ms
