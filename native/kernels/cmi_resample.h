// Conditional MI of binned codes and its resampling, on the same engine as binned MI's
// (resample.h): one SplitMix generator per draw seeded from (seed, draw), so results do not depend
// on the thread count, and the one p-value rule `permutationP`. Used by the conditional ranking
// (CMI of a metric and the target given a conditioning variable) and by transfer entropy.
#pragma once
#include <cstdint>
#include <vector>

#include "status.h"

namespace ms {

// Codes of three aligned variables on complete rows: a[t] < la, b[t] < lb, c[t] < lc.
struct Triple {
  const int32_t* a;
  const int32_t* b;
  const int32_t* c;
  int64_t n;
  int la, lb, lc;
};

// Plug-in I(A; B | C) in nats: H(A,C) + H(B,C) − H(A,B,C) − H(C), clamped at 0.
double cmiPlugIn(const Triple& t);

// Bootstrap replicates of I(A; B | C): n rows drawn as circular blocks of `block` rows (1: rows).
Status cmiBootstrap(const Triple& t, int replicates, int block, uint64_t seed, int threads, double* observed, std::vector<double>* out);

// Permutation null of I(A; B | C) against conditional independence: A shuffled within each stratum
// of C (keeps A–C and B–C, breaks A–B given C).
Status cmiStratifiedNull(const Triple& t, int permutations, uint64_t seed, int threads, double* observed, std::vector<double>* null);

// Transfer entropy TE(X → Y) at `lag` = I(Y_t; X_{t−lag} | Y_{t−1}) over the rows where the three
// are present (codes < 0 are missing), and its null from surrogate sources: X as circular blocks of
// `block` rows in random order after a random rotation (`shift` false), or X rotated by an offset
// of more than `lag` + 1 rows on both sides of the circle (`shift` true).
struct TeInput {
  const int32_t* x;
  const int32_t* y;
  int64_t n;
  int lx, ly, lag;
};
Status teSurrogateNull(const TeInput& in, int permutations, int block, bool shift, uint64_t seed, int threads, double* observed, int64_t* rows,
                       std::vector<double>* null);

}  // namespace ms
