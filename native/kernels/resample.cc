#include "resample.h"

#include "parallel.h"
#include "random.h"

#include "mi_tile.h"  // xlogxTable

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ms {
namespace {

double miOf(const uint16_t* a, const uint16_t* b, const int64_t* perm, int64_t n, int levels, std::vector<uint32_t>& joint,
            const std::vector<double>& xlogx) {
  std::fill(joint.begin(), joint.end(), 0u);
  for (int64_t t = 0; t < n; ++t) joint[static_cast<size_t>(a[t]) * levels + b[perm ? perm[t] : t]]++;
  std::vector<uint32_t> ra(levels, 0), rb(levels, 0);
  double sxy = 0;
  for (int i = 0; i < levels; ++i)
    for (int j = 0; j < levels; ++j) {
      const uint32_t c = joint[static_cast<size_t>(i) * levels + j];
      ra[i] += c;
      rb[j] += c;
      sxy += xlogx[c];
    }
  double sa = 0, sb = 0;
  for (int i = 0; i < levels; ++i) { sa += xlogx[ra[i]]; sb += xlogx[rb[i]]; }
  const double mi = (sxy - sa - sb) / n + std::log(static_cast<double>(n));
  return mi > 0 ? mi : 0.0;
}

// Arguments both resampling functions share; `what` names the function in messages.
}  // namespace

double permutationP(const std::vector<double>& null, double observed) {
  int64_t atLeast = 0;
  const double tol = 1e-12 * std::max(1.0, std::fabs(observed));  // as src/analysis/intervals.ts
  for (double v : null) atLeast += v >= observed - tol;
  return (1.0 + static_cast<double>(atLeast)) / (1.0 + static_cast<double>(null.size()));
}

Status checkResampling(int64_t n, int count, int block, const char* what, const char* countName) {
  if (n < 2) return Status::error(Code::TooFewRows, std::string(what) + " needs at least 2 complete rows");
  if (count < 1) return Status::error(Code::BadOption, std::string(countName) + " must be at least 1");
  if (block < 1 || block > n / 2) {
    return Status::error(Code::BadOption, "block length " + std::to_string(block) + " must be between 1 and half the " + std::to_string(n) + " complete rows");
  }
  return {};
}

void drawPermutation(SplitMix& rng, int64_t n, int block, std::vector<int64_t>& perm, std::vector<int64_t>& order) {
  perm.resize(n);
  if (block == 1) {
    std::iota(perm.begin(), perm.end(), 0);
    for (int64_t t = n - 1; t > 0; --t) std::swap(perm[t], perm[rng.below(t + 1)]);
    return;
  }
  // Circular blocks: a random rotation, then the blocks in random order.
  const int64_t blocks = (n + block - 1) / block;
  const int64_t shift = static_cast<int64_t>(rng.below(n));
  order.resize(blocks);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t t = blocks - 1; t > 0; --t) std::swap(order[t], order[rng.below(t + 1)]);
  int64_t k = 0;
  for (int64_t q = 0; q < blocks; ++q)  // the last block may be short: still a permutation
    for (int64_t u = 0; u < block && order[q] * block + u < n; ++u) perm[k++] = (order[q] * block + u + shift) % n;
}

Status miPermutationNull(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b, int levels, int permutations, int block,
                         uint64_t seed, int threads, double* observed, std::vector<double>* null) {
  const int64_t n = static_cast<int64_t>(a.size());
  const Status s = checkResampling(n, permutations, block, "a permutation test", "permutations");
  if (!s.ok()) return s;
  const std::vector<double> xlogx = xlogxTable(n);
  {
    std::vector<uint32_t> joint(static_cast<size_t>(levels) * levels);
    *observed = miOf(a.data(), b.data(), nullptr, n, levels, joint, xlogx);
  }
  null->assign(permutations, 0.0);
  parallel(threads, [&](Team& team) {
    std::vector<uint32_t> joint(static_cast<size_t>(levels) * levels);
    std::vector<int64_t> perm, order;
    for (int p = team.begin(permutations, Schedule::Static); p < permutations; p = team.next(p)) {
      SplitMix rng{seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(p) + 1};
      drawPermutation(rng, n, block, perm, order);
      (*null)[p] = miOf(a.data(), b.data(), perm.data(), n, levels, joint, xlogx);
    }
  });
  return {};
}

Status miBootstrap(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b, int levels, int replicates, int block,
                   uint64_t seed, int threads, double* observed, std::vector<double>* out) {
  const int64_t n = static_cast<int64_t>(a.size());
  const Status s = checkResampling(n, replicates, block, "a bootstrap", "replicates");
  if (!s.ok()) return s;
  const std::vector<double> xlogx = xlogxTable(n);
  {
    std::vector<uint32_t> joint(static_cast<size_t>(levels) * levels);
    *observed = miOf(a.data(), b.data(), nullptr, n, levels, joint, xlogx);
  }
  out->assign(replicates, 0.0);
  parallel(threads, [&](Team& team) {
    std::vector<uint32_t> joint(static_cast<size_t>(levels) * levels);
    std::vector<uint16_t> ra(n), rb(n);
    for (int r = team.begin(replicates, Schedule::Static); r < replicates; r = team.next(r)) {
      SplitMix rng{(seed ^ 0xB5AD4ECEDA1CE2A9ull) * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(r) + 1};
      for (int64_t k = 0; k < n;) {  // block = 1: single rows
        const int64_t start = static_cast<int64_t>(rng.below(n));
        for (int64_t u = 0; u < block && k < n; ++u, ++k) {
          ra[k] = a[(start + u) % n];
          rb[k] = b[(start + u) % n];
        }
      }
      (*out)[r] = miOf(ra.data(), rb.data(), nullptr, n, levels, joint, xlogx);
    }
  });
  return {};
}

}  // namespace ms
