#include "sort.h"

#include <utility>

namespace ms {

void radixArgsort(const double* x, int32_t* idx, int64_t m) {
  struct Item {
    uint64_t key;
    int32_t row;
  };
  constexpr int kBits = 11, kBuckets = 1 << kBits, kPasses = 6;
  thread_local std::vector<Item> a, b;
  thread_local std::vector<uint32_t> count;
  a.resize(m);
  b.resize(m);
  count.assign(static_cast<size_t>(kBuckets) * kPasses, 0);
  for (int64_t i = 0; i < m; ++i) {
    const uint64_t k = orderKey(x[idx[i]]);
    a[i] = {k, idx[i]};
    for (int p = 0; p < kPasses; ++p) count[p * kBuckets + ((k >> (p * kBits)) & (kBuckets - 1))]++;
  }
  Item *src = a.data(), *dst = b.data();
  for (int p = 0; p < kPasses && m > 0; ++p) {
    uint32_t* c = count.data() + p * kBuckets;
    if (c[(src[0].key >> (p * kBits)) & (kBuckets - 1)] == static_cast<uint32_t>(m)) continue;
    uint32_t sum = 0;
    for (int q = 0; q < kBuckets; ++q) { const uint32_t k = c[q]; c[q] = sum; sum += k; }
    for (int64_t i = 0; i < m; ++i) dst[c[(src[i].key >> (p * kBits)) & (kBuckets - 1)]++] = src[i];
    std::swap(src, dst);
  }
  for (int64_t i = 0; i < m; ++i) idx[i] = src[i].row;
}

}  // namespace ms
