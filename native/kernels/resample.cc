#include "resample.h"

#include "parallel.h"
#include "random.h"

#include "mi_tile.h"  // xlogxTable

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ms {
namespace {

// MI (nats) from a levels × levels table of counts over n rows; ra, rb: scratch of `levels`.
double miOfJoint(const std::vector<uint32_t>& joint, int levels, int64_t n, const std::vector<double>& xlogx, std::vector<uint32_t>& ra,
                 std::vector<uint32_t>& rb) {
  std::fill(ra.begin(), ra.end(), 0u);
  std::fill(rb.begin(), rb.end(), 0u);
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

// Per-thread scratch of the MI resampling loops.
struct MiScratch {
  std::vector<uint32_t> joint, ra, rb;
  explicit MiScratch(int levels) : joint(static_cast<size_t>(levels) * levels), ra(levels), rb(levels) {}
  void clear() { std::fill(joint.begin(), joint.end(), 0u); }
};

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
  if (b.size() != a.size()) return Status::error(Code::LengthMismatch, "the two variables have " + std::to_string(a.size()) + " and " + std::to_string(b.size()) + " rows");
  const Status s = checkResampling(n, permutations, block, "a permutation test", "permutations");
  if (!s.ok()) return s;
  const std::vector<double> xlogx = xlogxTable(n);
  // a's codes pre-multiplied: a row's cell is rowBase[t] + (permuted b).
  std::vector<uint32_t> rowBase(n);
  for (int64_t t = 0; t < n; ++t) rowBase[t] = static_cast<uint32_t>(a[t]) * levels;
  {
    MiScratch w(levels);
    for (int64_t t = 0; t < n; ++t) w.joint[rowBase[t] + b[t]]++;
    *observed = miOfJoint(w.joint, levels, n, xlogx, w.ra, w.rb);
  }
  null->assign(permutations, 0.0);
  parallel(threads, [&](Team& team) {
    MiScratch w(levels);
    std::vector<uint16_t> pb;
    std::vector<int64_t> order;
    for (int p = team.begin(permutations, Schedule::Static); p < permutations; p = team.next(p)) {
      // The same draws as drawPermutation (so the null is as documented), without an index array:
      // rows shuffle a copy of b's codes by the same swaps; blocks are read as contiguous runs.
      SplitMix rng{seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(p) + 1};
      w.clear();
      if (block == 1) {
        pb.assign(b.begin(), b.end());
        for (int64_t t = n - 1; t > 0; --t) std::swap(pb[t], pb[rng.below(t + 1)]);
        for (int64_t t = 0; t < n; ++t) w.joint[rowBase[t] + pb[t]]++;
      } else {
        const int64_t blocks = (n + block - 1) / block;
        const int64_t shift = static_cast<int64_t>(rng.below(n));
        order.resize(blocks);
        std::iota(order.begin(), order.end(), 0);
        for (int64_t t = blocks - 1; t > 0; --t) std::swap(order[t], order[rng.below(t + 1)]);
        int64_t k = 0;
        for (int64_t q = 0; q < blocks; ++q) {
          const int64_t first = order[q] * block, len = std::min<int64_t>(block, n - first);
          int64_t src = (first + shift) % n;
          for (int64_t u = 0; u < len; ++u, ++k) {
            w.joint[rowBase[k] + b[src]]++;
            if (++src == n) src = 0;
          }
        }
      }
      (*null)[p] = miOfJoint(w.joint, levels, n, xlogx, w.ra, w.rb);
    }
  });
  return {};
}

Status miBootstrap(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b, int levels, int replicates, int block,
                   uint64_t seed, int threads, double* observed, std::vector<double>* out) {
  const int64_t n = static_cast<int64_t>(a.size());
  if (b.size() != a.size()) return Status::error(Code::LengthMismatch, "the two variables have " + std::to_string(a.size()) + " and " + std::to_string(b.size()) + " rows");
  const Status s = checkResampling(n, replicates, block, "a bootstrap", "replicates");
  if (!s.ok()) return s;
  const std::vector<double> xlogx = xlogxTable(n);
  // Each row's joint cell, once: a replicate counts the cells of the rows it draws.
  std::vector<uint32_t> cell(n);
  for (int64_t t = 0; t < n; ++t) cell[t] = static_cast<uint32_t>(a[t]) * levels + b[t];
  {
    MiScratch w(levels);
    for (int64_t t = 0; t < n; ++t) w.joint[cell[t]]++;
    *observed = miOfJoint(w.joint, levels, n, xlogx, w.ra, w.rb);
  }
  out->assign(replicates, 0.0);
  parallel(threads, [&](Team& team) {
    MiScratch w(levels);
    for (int r = team.begin(replicates, Schedule::Static); r < replicates; r = team.next(r)) {
      SplitMix rng{(seed ^ 0xB5AD4ECEDA1CE2A9ull) * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(r) + 1};
      w.clear();
      for (int64_t k = 0; k < n;) {  // circular blocks of `block` rows (1: single rows)
        const int64_t start = static_cast<int64_t>(rng.below(n));
        const int64_t len = std::min<int64_t>(block, n - k);
        const int64_t head = std::min(len, n - start);  // rows before the wrap
        for (int64_t u = 0; u < head; ++u) w.joint[cell[start + u]]++;
        for (int64_t u = 0; u < len - head; ++u) w.joint[cell[u]]++;
        k += len;
      }
      (*out)[r] = miOfJoint(w.joint, levels, n, xlogx, w.ra, w.rb);
    }
  });
  return {};
}

}  // namespace ms
