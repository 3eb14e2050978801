// Radix sorting of doubles, shared by binning (order statistics) and correlations (ranks).
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

namespace ms {

// Order-preserving 64-bit keys of doubles (no NaN); −0 and +0 get the same key.
inline uint64_t orderKey(double v) {
  v += 0.0;
  uint64_t u;
  std::memcpy(&u, &v, 8);
  return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

inline double fromKey(uint64_t k) {
  const uint64_t u = (k >> 63) ? (k & 0x7FFFFFFFFFFFFFFFull) : ~k;
  double v;
  std::memcpy(&v, &u, 8);
  return v;
}

// Stable argsort of x[idx[k]] for the m row indices in idx (no NaN among them): LSD radix sort of
// (key, index) pairs, 11 bits a pass, skipping passes where all keys share the digit. Several times
// faster than std::sort with an indirect comparator at metric sizes.
void radixArgsort(const double* x, int32_t* idx, int64_t m);

}  // namespace ms
