#include "sort.h"

#include <algorithm>
#include <utility>

namespace ms {

// Four LSD passes of 8 bits (256 buckets keep the scatter in cache) over a 32-bit key — the high half of the 64-bit order key —
// with 8-byte items, then each run of equal high halves (values that agree to ~5 significant
// digits, or exact ties) ordered by the full key and row. Half the passes and half the bytes of a
// full 64-bit radix sort, and still exact and stable.
void radixArgsort(const double* x, int32_t* idx, int64_t m) {
  struct Item {
    uint32_t key;
    int32_t row;
  };
  constexpr int kBuckets = 256, kPasses = 4;
  constexpr int kShift[kPasses] = {0, 8, 16, 24};
  thread_local std::vector<Item> a, b;
  thread_local std::vector<uint32_t> count;
  a.resize(m);
  b.resize(m);
  count.assign(static_cast<size_t>(kBuckets) * kPasses, 0);
  for (int64_t i = 0; i < m; ++i) {
    const uint32_t k = static_cast<uint32_t>(orderKey(x[idx[i]]) >> 32);
    a[i] = {k, idx[i]};
    for (int p = 0; p < kPasses; ++p) count[p * kBuckets + ((k >> kShift[p]) & (kBuckets - 1))]++;
  }
  Item *src = a.data(), *dst = b.data();
  for (int p = 0; p < kPasses && m > 0; ++p) {
    uint32_t* c = count.data() + p * kBuckets;
    if (c[(src[0].key >> kShift[p]) & (kBuckets - 1)] == static_cast<uint32_t>(m)) continue;
    uint32_t sum = 0;
    for (int q = 0; q < kBuckets; ++q) { const uint32_t k = c[q]; c[q] = sum; sum += k; }
    for (int64_t i = 0; i < m; ++i) dst[c[(src[i].key >> kShift[p]) & (kBuckets - 1)]++] = src[i];
    std::swap(src, dst);
  }
  for (int64_t i = 0; i < m; ++i) idx[i] = src[i].row;
  // Runs sharing the high half: order by the whole key, then row (the radix passes kept row order).
  for (int64_t i = 0; i < m;) {
    int64_t j = i + 1;
    while (j < m && src[j].key == src[i].key) ++j;
    if (j - i > 1) {
      std::sort(idx + i, idx + j, [x](int32_t r, int32_t s) {
        const uint64_t kr = orderKey(x[r]), ks = orderKey(x[s]);
        return kr < ks || (kr == ks && r < s);
      });
    }
    i = j;
  }
}

}  // namespace ms
