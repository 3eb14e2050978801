// Resampling for binned MI: permutation tests against independence (plain or block permutations
// for autocorrelated series). Permutation b uses its own generator seeded from (seed, b), so the
// null distribution is identical for any thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "random.h"
#include "status.h"

namespace ms {

// n ≥ 2 rows, count ≥ 1 draws, 1 ≤ block ≤ n/2; `what` and `countName` word the errors.
Status checkResampling(int64_t n, int count, int block, const char* what, const char* countName);

// A permutation of n rows into perm: shuffled rows (block = 1), or circular blocks of `block` rows
// in random order after a random rotation (time series keep their within-block dependence).
void drawPermutation(SplitMix& rng, int64_t n, int block, std::vector<int64_t>& perm, std::vector<int64_t>& order);

// The one p-value rule of every permutation test here: p = (1 + #{null ≥ observed}) / (1 + B), a
// null value within 1e-12·max(1, |observed|) of the observed one counting as a tie (against the observed value), so
// rounding in the statistic never makes p smaller than it should be; never 0.
double permutationP(const std::vector<double>& null, double observed);

// Complete rows only: a[t], b[t] in [0, levels). `block` = 1 permutes rows; > 1 permutes circular
// blocks of that length (keeping within-block order). Fills null[0, permutations) with MI (nats)
// of (a, permuted b) and *observed with MI(a, b).
Status miPermutationNull(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b, int levels, int permutations, int block,
                         uint64_t seed, int threads, double* observed, std::vector<double>* null);

// Bootstrap replicates of MI(a, b) (nats) into out, and MI(a, b) itself into *observed: rows drawn
// with replacement (`block` = 1) or circular blocks of `block` rows (time series); replicate r
// uses its own generator seeded from (seed, r).
Status miBootstrap(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b, int levels, int replicates, int block,
                   uint64_t seed, int threads, double* observed, std::vector<double>* out);

}  // namespace ms
