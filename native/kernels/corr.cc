#include "corr.h"

#include "parallel.h"
#include "scale.h"
#include "sort.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <bit>
#include <numeric>

#if defined(__x86_64__)
#include <immintrin.h>  // also for the AVX-512 functions compiled with a target attribute
#endif

namespace ms {

namespace {

typedef double v4d __attribute__((vector_size(32)));

inline v4d load4(const double* p) {
  v4d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Average ranks (1-based, ties share their mean rank) of the rows order[0, n), which lists them in
// ascending order of x, into r[row].
inline void ranksInOrder(const double* x, const int32_t* order, int64_t n, double* r) {
  for (int64_t s = 0; s < n;) {
    int64_t e = s + 1;
    while (e < n && x[order[e]] == x[order[s]]) ++e;
    const double avg = 0.5 * static_cast<double>(s + e + 1);
    for (int64_t k = s; k < e; ++k) r[order[k]] = avg;
    s = e;
  }
}

// Average ranks (1-based, ties share their mean rank) of x[0, n) into r (no NaN in x).
void averageRanks(const double* x, int64_t n, double* r, std::vector<int32_t>& idx) {
  idx.resize(n);
  for (int64_t k = 0; k < n; ++k) idx[k] = static_cast<int32_t>(k);
  radixArgsort(x, idx.data(), n);
  ranksInOrder(x, idx.data(), n, r);
}

// Pearson's r of complete data by two passes (mean, then centred sums), each variable scaled by a
// power of two first (see scale.h) so that any finite values give a finite r.
double pearsonComplete(const double* x, const double* y, int64_t n) {
  if (n < 2) return NAN;
  const Scale sx(scaleExponent(x, n)), sy(scaleExponent(y, n));
  const ScaledMoments a = scaledMoments(x, n, sx), b = scaledMoments(y, n, sy);
  double sxy = 0;
  for (int64_t t = 0; t < n; ++t) sxy += (sx(x[t]) - a.mean) * (sy(y[t]) - b.mean);
  if (!(a.ss > 0) || !(b.ss > 0)) return NAN;
  const double r = sxy / (std::sqrt(a.ss) * std::sqrt(b.ss));
  return r > 1 ? 1 : (r < -1 ? -1 : r);
}

// Standardises x so that the dot product of two standardised columns is Pearson's r (scaled by a
// power of two first: see scale.h).
bool standardise(const double* x, int64_t n, double* z) {
  const Scale sc(scaleExponent(x, n));
  const ScaledMoments s = scaledMoments(x, n, sc);
  if (!(s.ss > 0) || !std::isfinite(s.ss)) return false;
  const double inv = 1.0 / std::sqrt(s.ss);
  for (int64_t t = 0; t < n; ++t) z[t] = (sc(x[t]) - s.mean) * inv;
  return true;
}

constexpr int kDigitBits = 5, kDigits = 1 << kDigitBits;

#if defined(__AVX2__)
// b where the lane's sign bit of m is set, else a (32-bit lanes).
inline __m256i blend32(__m256i a, __m256i b, __m256i m) {
  return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), _mm256_castsi256_ps(m)));
}
#endif

// With distinct values, the last digit needs no pass of its own: the members sharing this digit d
// also share all higher ones, so their last digits are distinct, and a 32-bit mask per d of the
// last digits seen so far gives an element's inversions among them (the seen ones above its own)
// in a popcount. Called at the second-to-last level only (its shift is 1 to 5: bits the last digit
// shares with d are equal among the members sharing d).
inline uint32_t lowerDigitInversions(uint32_t* seen, int d, int32_t value) {
  const uint32_t low = static_cast<uint32_t>(value) & (kDigits - 1);
  const uint32_t above = static_cast<uint32_t>(std::popcount(seen[d] >> low));
  seen[d] |= 1u << low;
  return above;
}

// One group's pass at one digit: the inversions between its members' digits, and above[k] = the
// members whose digit is > k. Each element reads its own digit's counter, then bumps the counters
// of all digits below its own (a few vector ops, no branch).
template <bool Distinct = false, typename T = int32_t>
inline int64_t digitInversions(const T* v, int32_t s, int32_t e, int shift, uint32_t* above) {
  [[maybe_unused]] uint32_t seen[kDigits] = {};
#if defined(__AVX2__)
  // The 32 counters stay in four registers (A[q] holds digits 8q..8q+7); an element's own counter is
  // picked by two blends and a lane permute. Kept in memory instead, every element would wait on
  // the previous one's store (store forwarding on the loop's critical path): ~1.6x slower here.
  const __m256i I0 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i I1 = _mm256_add_epi32(I0, _mm256_set1_epi32(8));
  const __m256i I2 = _mm256_add_epi32(I0, _mm256_set1_epi32(16));
  const __m256i I3 = _mm256_add_epi32(I0, _mm256_set1_epi32(24));
  __m256i A0 = _mm256_setzero_si256(), A1 = A0, A2 = A0, A3 = A0;
  int64_t local = 0;
  for (int32_t t = s; t < e; ++t) {
    const int d = (v[t] >> shift) & (kDigits - 1);
    if constexpr (Distinct) local += lowerDigitInversions(seen, d, v[t]);
    const __m256i dv = _mm256_set1_epi32(d);
    // above[d]: A[d >> 3] chosen by the digit's bits 3 and 4 (moved to each lane's sign bit), lane d & 7.
    const __m256i m8 = _mm256_slli_epi32(dv, 28), m16 = _mm256_slli_epi32(dv, 27);
    const __m256i a01 = blend32(A0, A1, m8), a23 = blend32(A2, A3, m8);
    local += static_cast<uint32_t>(_mm256_cvtsi256_si32(_mm256_permutevar8x32_epi32(blend32(a01, a23, m16), dv)));
    A0 = _mm256_sub_epi32(A0, _mm256_cmpgt_epi32(dv, I0));
    A1 = _mm256_sub_epi32(A1, _mm256_cmpgt_epi32(dv, I1));
    A2 = _mm256_sub_epi32(A2, _mm256_cmpgt_epi32(dv, I2));
    A3 = _mm256_sub_epi32(A3, _mm256_cmpgt_epi32(dv, I3));
  }
  if constexpr (Distinct) return local;  // the last level: no split follows
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(above), A0);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(above + 8), A1);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(above + 16), A2);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(above + 24), A3);
  return local;
#else
  alignas(32) uint32_t a[kDigits] = {};
  int64_t local = 0;
  for (int32_t t = s; t < e; ++t) {
    const int d = (v[t] >> shift) & (kDigits - 1);
    if constexpr (Distinct) local += lowerDigitInversions(seen, d, v[t]);
    local += a[d];
    for (int k = 0; k < kDigits; ++k) a[k] += d > k;
  }
  if constexpr (Distinct) return local;
  std::memcpy(above, a, sizeof a);
  return local;
#endif
}

// Bits that cover values 0..maxV, and the 5-bit radix levels over them.
inline int radixBits(int32_t maxV) {
  int bits = 1;
  while (bits < 31 && (int64_t{1} << bits) <= maxV) ++bits;
  return bits;
}
inline int radixLevels(int bits) { return (bits + kDigitBits - 1) / kDigitBits; }

// Level `level`'s digit is (v >> shift) & 31. Digits are aligned to the top bit, so the first level
// always has up to 32 groups (a y of 40 levels: 20 groups of 2 values, not 2 of 32); the last
// digit may then overlap the one before, harmlessly: the overlapping bits are equal within a group.
inline int digitShift(int bits, int level) { return std::max(0, bits - kDigitBits * (level + 1)); }

#if defined(__x86_64__) && defined(__GNUC__)
#define MS_KENDALL_AVX512 1
// The same pass with the 32 counters as 16-bit lanes of one AVX-512 register: an element's own
// counter is one vpermw, the update one masked add, about half the instructions of the AVX2 pass.
// Only for groups below 2^16 members (the counters cannot overflow); chosen at run time, so the
// addon stays x86-64-v3 and gives the same integers on every CPU.
template <bool Distinct = false, typename T = int32_t>
__attribute__((target("avx512f,avx512bw"))) inline int64_t digitInversions16(const T* v, int32_t s, int32_t e, int shift,
                                                                                           uint32_t* above) {
  [[maybe_unused]] uint32_t seen[kDigits] = {};
  const __m512i I = _mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5,
                                     4, 3, 2, 1, 0);
  const __m512i one = _mm512_set1_epi16(1);
  __m512i A = _mm512_setzero_si512();
  int64_t local = 0;
  for (int32_t t = s; t < e; ++t) {
    const int d = (v[t] >> shift) & (kDigits - 1);
    if constexpr (Distinct) local += lowerDigitInversions(seen, d, v[t]);
    const __m512i dv = _mm512_set1_epi16(static_cast<short>(d));
    local += static_cast<uint16_t>(_mm512_cvtsi512_si32(_mm512_permutexvar_epi16(dv, A)));
    A = _mm512_mask_add_epi16(A, _mm512_cmpgt_epi16_mask(dv, I), A, one);
  }
  if constexpr (Distinct) return local;  // the last level: no split follows
  alignas(64) uint16_t a[kDigits];
  _mm512_store_si512(a, A);
  for (int k = 0; k < kDigits; ++k) above[k] = a[k];
  return local;
}
#endif

// Inversions (pairs s < t with v[s] > v[t]; ties are not inversions) of v[0, n), values ≥ 0, by
// MSD radix over 5-bit digits: within each run of equal higher digits (a group), an element's
// inversions at this digit are the earlier group members with a larger digit (digitInversions);
// the group is then stably split by the digit (into the other buffer: v and tmp swap roles each
// level) for the next level. Three levels cover ranks below 2^15, about 2.8× faster than a
// branchless merge sort here. v and tmp are both overwritten.
template <bool Wide, typename T = int32_t>
inline int64_t countInversionsLevels(T* v, T* tmp, int32_t* bounds, int32_t* next, int64_t n, int bits, int firstLevel,
                                     int64_t groups, bool distinct = false) {
  int64_t inv = 0;
  const int levels = radixLevels(bits);
  for (int level = firstLevel; level < levels; ++level) {
    const int shift = digitShift(bits, level);
    const bool last = level + 1 == levels;
    if (distinct && level + 2 == levels) {
      // Distinct values: this level and the last in one pass per group (lowerDigitInversions).
      for (int64_t g = 0; g < groups; ++g) {
        const int32_t s = bounds[g], e = bounds[g + 1];
        if (e - s < 2) continue;
#if defined(MS_KENDALL_AVX512)
        if constexpr (Wide) {
          inv += e - s < 65536 ? digitInversions16<true>(v, s, e, shift, nullptr) : digitInversions<true>(v, s, e, shift, nullptr);
          continue;
        }
#endif
        inv += digitInversions<true>(v, s, e, shift, nullptr);
      }
      return inv;
    }
    int64_t made = 0;
    for (int64_t g = 0; g < groups; ++g) {
      const int32_t s = bounds[g], e = bounds[g + 1];
      if (e - s < 2) {
        next[made++] = s;
        if (!last && e > s) tmp[s] = v[s];
        continue;
      }
      uint32_t above[kDigits];
#if defined(MS_KENDALL_AVX512)
      if constexpr (Wide) {
        inv += e - s < 65536 ? digitInversions16(v, s, e, shift, above) : digitInversions(v, s, e, shift, above);
      } else {
        inv += digitInversions(v, s, e, shift, above);
      }
#else
      inv += digitInversions(v, s, e, shift, above);
#endif
      if (last) continue;
      // Members per digit from the counters: digit k occurs above[k-1] - above[k] times (above[-1]
      // being the group's size); then the stable split by digit.
      uint32_t start[kDigits];
      uint32_t prev = static_cast<uint32_t>(e - s), at = 0;
      for (int k = 0; k < kDigits; ++k) {
        const uint32_t c = prev - above[k];
        start[k] = at;
        if (c) next[made++] = s + static_cast<int32_t>(at);
        at += c;
        prev = above[k];
      }
      for (int32_t t = s; t < e; ++t) tmp[s + start[(v[t] >> shift) & (kDigits - 1)]++] = v[t];
    }
    if (!last) std::swap(v, tmp);
    next[made] = static_cast<int32_t>(n);
    std::swap(bounds, next);
    groups = made;
  }
  return inv;
}

template <bool Wide>
inline int64_t countInversionsImpl(int32_t* v, int32_t* tmp, int32_t* bounds, int32_t* next, int64_t n, bool distinct) {
  int32_t maxV = 0;
  for (int64_t t = 0; t < n; ++t) maxV = std::max(maxV, v[t]);
  bounds[0] = 0;
  bounds[1] = static_cast<int32_t>(n);
  return countInversionsLevels<Wide>(v, tmp, bounds, next, n, radixBits(maxV), 0, 1, distinct);
}

#if defined(MS_KENDALL_AVX512)
// Level 0 fused with the gather (the values are src[idx[t]]) and with the stable split, whose
// destinations (start, from the digit counts known beforehand) need no counting pass: one pass over
// the rows instead of three. n < 2^16.
// One level only (values below 32): the gather and the counting pass, nothing to split.
template <typename S, typename X>
__attribute__((target("avx512f,avx512bw"))) int64_t gatherInversions16(const S* src, const X* idx, int64_t n) {
  const __m512i I = _mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5,
                                     4, 3, 2, 1, 0);
  const __m512i one = _mm512_set1_epi16(1);
  __m512i A = _mm512_setzero_si512();
  int64_t local = 0;
  for (int64_t t = 0; t < n; ++t) {
    const __m512i dv = _mm512_set1_epi16(static_cast<short>(src[idx[t]]));
    local += static_cast<uint16_t>(_mm512_cvtsi512_si32(_mm512_permutexvar_epi16(dv, A)));
    A = _mm512_mask_add_epi16(A, _mm512_cmpgt_epi16_mask(dv, I), A, one);
  }
  return local;
}

template <typename S, typename X, typename T>
__attribute__((target("avx512f,avx512bw"))) inline int64_t gatherDigitSplit16(const S* src, const X* idx, int64_t n, int shift,
                                                                            uint32_t* start, T* out) {
  const __m512i I = _mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5,
                                     4, 3, 2, 1, 0);
  const __m512i one = _mm512_set1_epi16(1);
  __m512i A = _mm512_setzero_si512();
  int64_t local = 0;
  for (int64_t t = 0; t < n; ++t) {
    const int32_t y = src[idx[t]];
    const int d = (y >> shift) & (kDigits - 1);
    const __m512i dv = _mm512_set1_epi16(static_cast<short>(d));
    local += static_cast<uint16_t>(_mm512_cvtsi512_si32(_mm512_permutexvar_epi16(dv, A)));
    A = _mm512_mask_add_epi16(A, _mm512_cmpgt_epi16_mask(dv, I), A, one);
    out[start[d]++] = y;
  }
  return local;
}

template <typename S, typename I>
__attribute__((target("avx512f,avx512bw"), flatten)) int64_t countInversionsGatheredAvx512(const S* src, const I* idx, int64_t n,
                                                                                          int bits, const uint32_t* digits, int32_t* v,
                                                                                          int32_t* tmp, int32_t* bounds, int32_t* next,
                                                                                          bool distinct) {
  uint32_t start[kDigits];
  int64_t groups = 0;
  for (uint32_t k = 0, at = 0; k < kDigits; ++k) {
    start[k] = at;
    if (digits[k]) bounds[groups++] = static_cast<int32_t>(at);
    at += digits[k];
  }
  bounds[groups] = static_cast<int32_t>(n);
  if constexpr (sizeof(S) == 2) {
    // 16-bit values: the levels' buffers as 16-bit too (half the bytes to split and read back).
    uint16_t* v16 = reinterpret_cast<uint16_t*>(v);
    const int64_t inv = gatherDigitSplit16(src, idx, n, digitShift(bits, 0), start, v16);
    return inv + countInversionsLevels<true>(v16, reinterpret_cast<uint16_t*>(tmp), bounds, next, n, bits, 1, groups, distinct);
  } else {
    const int64_t inv = gatherDigitSplit16(src, idx, n, digitShift(bits, 0), start, v);
    return inv + countInversionsLevels<true>(v, tmp, bounds, next, n, bits, 1, groups, distinct);
  }
}

// flatten: the generic level loop and the 16-bit pass are inlined here, compiled for AVX-512.
__attribute__((target("avx512f,avx512bw"), flatten)) int64_t countInversionsAvx512(int32_t* v, int32_t* tmp, int32_t* bounds, int32_t* next, int64_t n,
                                                                                  bool distinct) {
  return countInversionsImpl<true>(v, tmp, bounds, next, n, distinct);
}
const bool kCpuAvx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
bool kHasAvx512 = kCpuAvx512;
#endif

// distinct: no two values of v are equal (a faster last level; see lowerDigitInversions).
int64_t countInversions(int32_t* v, int32_t* tmp, int32_t* bounds, int32_t* next, int64_t n, bool distinct = false) {
#if defined(MS_KENDALL_AVX512)
  if (kHasAvx512) return countInversionsAvx512(v, tmp, bounds, next, n, distinct);
#endif
  return countInversionsImpl<false>(v, tmp, bounds, next, n, distinct);
}

// Inversions of src[idx[0]], …, src[idx[n-1]], whose largest value is maxV and whose top radix
// digits (digitShift(radixBits(maxV), 0)) occur digits[0..31] times; v and tmp are overwritten.
template <typename S, typename I>
int64_t countInversionsGathered(const S* src, const I* idx, int64_t n, int32_t maxV, const uint32_t* digits, int32_t* v,
                                int32_t* tmp, int32_t* bounds, int32_t* next, bool distinct) {
  const int bits = radixBits(maxV);
#if defined(MS_KENDALL_AVX512)
  if (kHasAvx512 && n < 65536) {
    return radixLevels(bits) > 1 ? countInversionsGatheredAvx512(src, idx, n, bits, digits, v, tmp, bounds, next, distinct)
                                 : gatherInversions16(src, idx, n);
  }
#endif
  for (int64_t k = 0; k < n; ++k) v[k] = src[idx[k]];
  return countInversions(v, tmp, bounds, next, n, distinct);
}

inline int64_t pairsOf(int64_t k) { return k * (k - 1) / 2; }

// Kendall tau-b of (rx, ry) already ordered by rx; ry within runs of equal rx gets sorted here.
// Kendall tau-b from the tie counts (pairs tied in x, in y, in both) and the discordant pairs,
// which are the inversions of ry when the rows are ordered by (rx, ry).
double tauB(int64_t n, int64_t n1, int64_t n2, int64_t n3, int64_t dis) {
  if (n < 2) return NAN;
  const int64_t n0 = pairsOf(n);
  const double num = static_cast<double>(n0 - n1 - n2 + n3 - 2 * dis);
  const double den = std::sqrt(static_cast<double>(n0 - n1) * static_cast<double>(n0 - n2));
  if (!(den > 0)) return NAN;
  const double tau = num / den;
  return tau > 1 ? 1 : (tau < -1 ? -1 : tau);
}

// Tau-b of (rx, ry) already ordered by rx; ry within runs of equal rx gets sorted here. rx may be
// null when x has no ties (then there are no runs to sort); yTies ≥ 0 gives the pairs tied in y
// (known when the rows are all of y's), else they are counted here.
double tauBOrdered(const int32_t* rx, int32_t* ry, int64_t n, int32_t* tmp, int32_t* b1, int32_t* b2, std::vector<int64_t>& yCount,
                   int64_t yTies = -1) {
  int64_t n1 = 0, n3 = 0;
  for (int64_t s = 0; rx && s < n;) {
    int64_t e = s + 1;
    while (e < n && rx[e] == rx[s]) ++e;
    if (e - s > 1) {
      std::sort(ry + s, ry + e);
      n1 += pairsOf(e - s);
      for (int64_t u = s; u < e;) {
        int64_t v = u + 1;
        while (v < e && ry[v] == ry[u]) ++v;
        n3 += pairsOf(v - u);
        u = v;
      }
    }
    s = e;
  }
  int64_t n2 = yTies;
  if (n2 < 0) {
    n2 = 0;
    for (int64_t t = 0; t < n; ++t) yCount[ry[t]]++;
    for (int64_t t = 0; t < n; ++t) {
      const int64_t c = yCount[ry[t]];
      if (c) { n2 += pairsOf(c); yCount[ry[t]] = 0; }
    }
  }
  return tauB(n, n1, n2, n3, countInversions(ry, tmp, b1, b2, n, n2 == 0));
}

struct Scratch {
  std::vector<double> a, b, ra, rb, rowX, rowY;
  std::vector<int32_t> idx, rx, ry, tmp, b1, b2;
  std::vector<int64_t> yCount;  // kept all-zero between uses
  std::vector<int32_t> xPos;    // kept all-zero between uses
};
thread_local Scratch tls;

constexpr int kCorrBlock = 24;  // divisible by the 4×3 micro-kernel
constexpr int64_t kChunk = 512; // rows per pass, so a tile's columns stay in L2

// acc[a][b] += Σ_t X[a][t]·Y[b][t] over t in [t0, t1): 4×3 register block, fixed summation order.
inline void dot4x3(const double* const* X, const double* const* Y, int64_t t0, int64_t t1, double acc[4][3]) {
  v4d s[4][3] = {};
  int64_t t = t0;
  for (; t + 4 <= t1; t += 4) {
    const v4d y0 = load4(Y[0] + t), y1 = load4(Y[1] + t), y2 = load4(Y[2] + t);
    for (int a = 0; a < 4; ++a) {
      const v4d x = load4(X[a] + t);
      s[a][0] += x * y0;
      s[a][1] += x * y1;
      s[a][2] += x * y2;
    }
  }
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 3; ++b) {
      double r = (s[a][b][0] + s[a][b][1]) + (s[a][b][2] + s[a][b][3]);
      for (int64_t u = t; u < t1; ++u) r += X[a][u] * Y[b][u];
      acc[a][b] += r;
    }
}

void dotTile(const CorrTable& t, const Tile& tile, double acc[kCorrBlock][kCorrBlock]) {
  std::memset(acc, 0, sizeof(double) * kCorrBlock * kCorrBlock);
  const double* z = t.z.get();
  auto col = [&](int c, int last) { return z + static_cast<size_t>(std::min(c, last - 1)) * t.n; };
  for (int64_t t0 = 0; t0 < t.n; t0 += kChunk) {
    const int64_t t1 = std::min(t.n, t0 + kChunk);
    for (int i = tile.r0; i < tile.r1; i += 4) {
      const double* X[4] = {col(i, tile.r1), col(i + 1, tile.r1), col(i + 2, tile.r1), col(i + 3, tile.r1)};
      // Skip column triples wholly at or below the diagonal.
      for (int j = std::max(tile.c0, ((i + 1 - tile.c0) / 3) * 3 + tile.c0); j < tile.c1; j += 3) {
        const double* Y[3] = {col(j, tile.c1), col(j + 1, tile.c1), col(j + 2, tile.c1)};
        double block[4][3] = {};
        dot4x3(X, Y, t0, t1, block);
        for (int a = 0; a < 4 && i + a < tile.r1; ++a)
          for (int b = 0; b < 3 && j + b < tile.c1; ++b) acc[i + a - tile.r0][j + b - tile.c0] += block[a][b];
      }
    }
  }
}

}  // namespace

namespace {

// Kendall tau-b of columns i (x) and j (y) on the rows present in both. Two ways to order the rows
// by (x, y), chosen by how tied x is; both then count discordant pairs as inversions of y.
double kendallPair(const CorrTable& t, int i, int j, uint32_t* rows) {
  Scratch& s = tls;
  for (auto* v : {&s.rx, &s.ry, &s.tmp}) v->resize(t.n);
  s.b1.resize(t.n + 2);
  s.b2.resize(t.n + 2);
  const int32_t* ri = t.rank.get() + static_cast<size_t>(i) * t.n;
  const int32_t* rj = t.rank.get() + static_cast<size_t>(j) * t.n;
  int32_t* sx = s.rx.data();
  int32_t* sy = s.ry.data();
  int64_t m = 0;

  if (t.levels[i] >= t.valid[i] - t.valid[i] / 16) {
    // x nearly free of ties: gather y in x order; tauBOrdered sorts the few short x-tie runs.
    if (s.yCount.size() < static_cast<size_t>(t.n) + 1) s.yCount.assign(t.n + 1, 0);
    const int32_t* oi = t.order.get() + static_cast<size_t>(i) * t.n;
    // Untied x (every value distinct): no runs to sort, so x's ranks are not gathered.
    const bool untied = t.levels[i] == t.valid[i];
    if (untied && t.valid[i] == t.n && t.valid[j] == t.n) {
      // Every row in the pair: y's values and their top digits are column j's own, counted once.
      *rows = static_cast<uint32_t>(t.n);
      const uint32_t* digits = &t.topDigits[static_cast<size_t>(j) * kDigits];
      const size_t at = static_cast<size_t>(j) * t.n, ai = static_cast<size_t>(i) * t.n;
      const int64_t dis = t.rank16 ? countInversionsGathered(t.rank16.get() + at, t.order16.get() + ai, t.n, t.levels[j] - 1, digits, sy, s.tmp.data(),
                                                             s.b1.data(), s.b2.data(), t.levels[j] == t.n)
                                   : countInversionsGathered(rj, oi, t.n, t.levels[j] - 1, digits, sy, s.tmp.data(), s.b1.data(), s.b2.data(),
                                                             t.levels[j] == t.n);
      return tauB(t.n, 0, t.yTies[j], 0, dis);
    }
    if (untied && t.valid[j] == t.n) {
      for (int64_t k = 0; k < t.valid[i]; ++k) sy[k] = rj[oi[k]];
      m = t.valid[i];
    } else {
      for (int64_t k = 0; k < t.valid[i]; ++k) {
        const int32_t row = oi[k];
        const int32_t y = rj[row];
        if (y >= 0) { sx[m] = ri[row]; sy[m] = y; ++m; }
      }
    }
    *rows = static_cast<uint32_t>(m);
    return tauBOrdered(untied ? nullptr : sx, sy, m, s.tmp.data(), s.b1.data(), s.b2.data(), s.yCount, m == t.valid[j] ? t.yTies[j] : -1);
  }

  // Many x ties: visit the rows in y order (column j's sorted rows) and place them by a stable
  // counting sort on x's dense rank, which orders them by (x, y) in O(n) with no per-run sorting.
  // y ties are consecutive in the visit order, x ties in the counts.
  if (s.xPos.size() < static_cast<size_t>(t.n) + 1) s.xPos.assign(t.n + 1, 0);
  const int32_t* oj = t.order.get() + static_cast<size_t>(j) * t.n;
  int32_t* pos = s.xPos.data();
  const int32_t dx = t.levels[i];
  int64_t n2 = 0, yRun = 0;
  int32_t prevY = -1;
  for (int64_t k = 0; k < t.valid[j]; ++k) {
    const int32_t row = oj[k];
    const int32_t x = ri[row];
    if (x < 0) continue;
    pos[x]++;
    ++m;
    const int32_t y = rj[row];
    if (y != prevY) { n2 += pairsOf(yRun); yRun = 0; prevY = y; }
    ++yRun;
  }
  n2 += pairsOf(yRun);
  int64_t n1 = 0;
  for (int32_t x = 0, start = 0; x < dx; ++x) {
    const int32_t c = pos[x];
    n1 += pairsOf(c);
    pos[x] = start;
    start += c;
  }
  for (int64_t k = 0; k < t.valid[j]; ++k) {
    const int32_t row = oj[k];
    const int32_t x = ri[row];
    if (x < 0) continue;
    const int32_t p = pos[x]++;
    sx[p] = x;
    sy[p] = rj[row];
  }
  std::fill(pos, pos + dx, 0);
  int64_t n3 = 0, run = 1;
  for (int64_t u = 1; u < m; ++u) {
    if (sx[u] == sx[u - 1] && sy[u] == sy[u - 1]) ++run;
    else { n3 += pairsOf(run); run = 1; }
  }
  if (m > 0) n3 += pairsOf(run);
  *rows = static_cast<uint32_t>(m);
  return tauB(m, n1, n2, n3, countInversions(sy, s.tmp.data(), s.b1.data(), s.b2.data(), m));
}

}  // namespace

namespace {

// Average ranks (as averageRanks gives them) of x on the rows where `other` has a value, written
// by row into rowRank: x's rows in value order (`ord`, `count` of them) are walked once, skipping
// the others, so no sort is needed per pair.
void ranksOnCommonRows(const double* x, const int32_t* ord, int64_t count, const double* other, int32_t* kept, double* rowRank) {
  int64_t p = 0;
  for (int64_t q = 0; q < count; ++q) {
    const int32_t r = ord[q];
    if (!std::isnan(other[r])) kept[p++] = r;
  }
  ranksInOrder(x, kept, p, rowRank);
}

}  // namespace

double corrPair(const CorrTable& t, int i, int j, uint32_t* rows) {
  if (t.method == CorrMethod::Kendall) return kendallPair(t, i, j, rows);
  Scratch& s = tls;
  *rows = 0;
  if (t.constant[i] || t.constant[j]) return NAN;
  // Complete columns hold standardised values (or ranks): an increasing affine or monotone image of
  // the data, which leaves Pearson's r and Spearman's (re-ranked) rho unchanged.
  const double* x = t.column(i);
  const double* y = t.column(j);
  s.a.resize(t.n);
  s.b.resize(t.n);
  if (t.method == CorrMethod::Spearman) {
    // The same ranks as re-ranking the pairwise-complete values (each column's value order was
    // found once), then Pearson's r of the ranks in row order: the same numbers, without a sort.
    // A column whose valid rows all have a partner value (the common case: a complete partner, or
    // one with the same gaps) keeps its own ranks, computed once.
    s.rowX.resize(t.n);
    s.rowY.resize(t.n);
    s.tmp.resize(t.n);
    int64_t common = 0;
    for (int64_t k = 0; k < t.n; ++k) common += !std::isnan(x[k]) && !std::isnan(y[k]);
    const double* rx = s.rowX.data();
    const double* ry = s.rowY.data();
    if (common == t.valid[i] && !t.ownRank[i].empty()) rx = t.ownRank[i].data();
    else ranksOnCommonRows(x, t.rowsByValue[i].data(), t.valid[i], y, s.tmp.data(), s.rowX.data());
    if (common == t.valid[j] && !t.ownRank[j].empty()) ry = t.ownRank[j].data();
    else ranksOnCommonRows(y, t.rowsByValue[j].data(), t.valid[j], x, s.tmp.data(), s.rowY.data());
    int64_t m = 0;
    for (int64_t k = 0; k < t.n; ++k) {
      if (!std::isnan(x[k]) && !std::isnan(y[k])) { s.a[m] = rx[k]; s.b[m] = ry[k]; ++m; }
    }
    *rows = static_cast<uint32_t>(m);
    return pearsonComplete(s.a.data(), s.b.data(), m);
  }
  int64_t m = 0;
  for (int64_t k = 0; k < t.n; ++k) {
    if (!std::isnan(x[k]) && !std::isnan(y[k])) { s.a[m] = x[k]; s.b[m] = y[k]; ++m; }
  }
  *rows = static_cast<uint32_t>(m);
  return pearsonComplete(s.a.data(), s.b.data(), m);
}

double corrDiagonal(const CorrTable& t, int i, uint32_t* rows) {
  *rows = static_cast<uint32_t>(t.valid[i]);
  if (t.valid[i] < 2) return NAN;
  if (t.method == CorrMethod::Kendall) return t.levels[i] > 1 ? 1.0 : NAN;
  if (t.complete[i]) return 1.0;
  if (t.constant[i]) return NAN;
  // A column with missing cells: defined when its values are not all equal.
  const double* x = t.column(i);
  double first = NAN;
  for (int64_t k = 0; k < t.n; ++k) {
    if (std::isnan(x[k])) continue;
    if (std::isnan(first)) first = x[k];
    else if (x[k] != first) return 1.0;
  }
  return NAN;
}

bool kendallUseAvx512(bool on) {
#if defined(MS_KENDALL_AVX512)
  kHasAvx512 = on && kCpuAvx512;
  return kHasAvx512;
#else
  return false;
#endif
}

double kendallTauB(const int32_t* rx, const int32_t* ry, int64_t n) {
  std::vector<int64_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [rx](int64_t a, int64_t b) { return rx[a] < rx[b]; });
  int32_t maxY = 0;
  for (int64_t k = 0; k < n; ++k) maxY = std::max(maxY, ry[k]);
  std::vector<int32_t> x(n), y(n), tmp(n);
  for (int64_t k = 0; k < n; ++k) { x[k] = rx[idx[k]]; y[k] = ry[idx[k]]; }
  std::vector<int64_t> yCount(static_cast<size_t>(maxY) + 1, 0);
  std::vector<int32_t> b1(n + 2), b2(n + 2);
  return tauBOrdered(x.data(), y.data(), n, tmp.data(), b1.data(), b2.data(), yCount);
}

Status prepareCorr(const std::vector<ColumnView>& cols, CorrMethod method, int threads, CorrTable* out, int* badColumn) {
  if (Status s = sameLength(cols, badColumn); !s.ok()) return s;
  const int M = static_cast<int>(cols.size());
  const int64_t n = M ? cols[0].length : 0;
  const size_t cells = static_cast<size_t>(M) * n;
  out->M = M;
  out->n = n;
  out->method = method;
  try {
    out->complete.assign(M, 0);
    out->constant.assign(M, 0);
    out->valid.assign(M, 0);
    out->levels.assign(M, 0);
    out->yTies.assign(M, 0);
    if (method == CorrMethod::Kendall) {
      out->rank = bigBuffer<int32_t>(cells);
      out->order = bigBuffer<int32_t>(cells);
      if (n < 65536) {
        out->rank16 = bigBuffer<uint16_t>(cells);
        out->order16 = bigBuffer<uint16_t>(cells);
      }
      out->topDigits.assign(static_cast<size_t>(M) * kDigits, 0);
    } else {
      out->z = bigBuffer<double>(cells);
      if (method == CorrMethod::Spearman) {
        out->rowsByValue.assign(M, {});
        out->ownRank.assign(M, {});
      }
    }
  } catch (const std::bad_alloc&) {
    return Status::error(Code::OutOfMemory, "cannot allocate the prepared columns");
  }
  int bad = -1;
  parallel(threads, [&](Team& team) {
    std::vector<double> x(n), r;
    std::vector<int32_t> idx;
    for (int c = team.begin(M, Schedule::Dynamic, 4); c < M; c = team.next(c)) {
      readColumn(cols[c], x.data());
      int64_t valid = 0;
      bool inf = false;
      for (int64_t t = 0; t < n; ++t) {
        valid += !std::isnan(x[t]);
        inf |= std::isinf(x[t]);
      }
      out->valid[c] = valid;
      if (inf && method == CorrMethod::Pearson) {
        team.critical([&] {
          if (bad < 0 || c < bad) bad = c;
        });
        continue;
      }
      if (method == CorrMethod::Kendall) {
        int32_t* rk = out->rank.get() + static_cast<size_t>(c) * n;
        int32_t* ord = out->order.get() + static_cast<size_t>(c) * n;
        int64_t m = 0;
        for (int64_t t = 0; t < n; ++t) {
          rk[t] = -1;
          if (!std::isnan(x[t])) ord[m++] = static_cast<int32_t>(t);
        }
        radixArgsort(x.data(), ord, m);
        int32_t dense = -1;
        for (int64_t k = 0; k < m; ++k) {
          if (k == 0 || x[ord[k]] != x[ord[k - 1]]) ++dense;
          rk[ord[k]] = dense;
        }
        out->levels[c] = dense + 1;
        int64_t ties = 0;
        for (int64_t k = 0, run = 1; k < m; ++k, ++run)
          if (k + 1 == m || rk[ord[k + 1]] != rk[ord[k]]) { ties += pairsOf(run); run = 0; }
        out->yTies[c] = ties;
        // Top radix digits of the ranks (see countInversionsGathered), for complete columns.
        if (m == n && m > 0) {
          uint32_t* dg = &out->topDigits[static_cast<size_t>(c) * kDigits];
          const int shift = digitShift(radixBits(dense), 0);
          for (int64_t t = 0; t < n; ++t) dg[(rk[t] >> shift) & (kDigits - 1)]++;
          if (out->rank16) {
            uint16_t* r16 = out->rank16.get() + static_cast<size_t>(c) * n;
            uint16_t* o16 = out->order16.get() + static_cast<size_t>(c) * n;
            for (int64_t t = 0; t < n; ++t) {
              r16[t] = static_cast<uint16_t>(rk[t]);
              o16[t] = static_cast<uint16_t>(ord[t]);
            }
          }
        }
        continue;
      }
      double* z = out->z.get() + static_cast<size_t>(c) * n;
      if (valid != n) {  // pairs with this column go through corrPair on the raw values
        std::memcpy(z, x.data(), sizeof(double) * n);
        if (method == CorrMethod::Spearman) {  // and, for ranks on a pair's common rows, the value order
          std::vector<int32_t>& ord = out->rowsByValue[c];
          ord.reserve(valid);
          for (int64_t t = 0; t < n; ++t)
            if (!std::isnan(x[t])) ord.push_back(static_cast<int32_t>(t));
          radixArgsort(x.data(), ord.data(), valid);
          // Its own average ranks on its valid rows, by row (what a pair that loses none of them uses).
          std::vector<double>& own = out->ownRank[c];
          own.assign(n, NAN);
          for (int64_t s0 = 0; s0 < valid;) {
            int64_t e = s0 + 1;
            while (e < valid && x[ord[e]] == x[ord[s0]]) ++e;
            const double avg = 0.5 * static_cast<double>(s0 + e + 1);
            for (int64_t k = s0; k < e; ++k) own[ord[k]] = avg;
            s0 = e;
          }
        }
        continue;
      }
      if (method == CorrMethod::Spearman) {
        r.resize(n);
        averageRanks(x.data(), n, r.data(), idx);
        out->complete[c] = standardise(r.data(), n, z);
      } else {
        out->complete[c] = standardise(x.data(), n, z);
      }
      out->constant[c] = !out->complete[c];
      // The dot-product tiles read every column of a tile; give constant ones defined values.
      if (out->constant[c]) std::fill(z, z + n, 0.0);
    }
  });
  if (method == CorrMethod::Spearman && bad < 0) {
    // Complete columns meet columns with missing cells in corrPair: their rows in value order too
    // (the order of the standardised ranks in z). Without any missing cell none is needed.
    bool anyMissing = false;
    for (int c = 0; c < M; ++c) anyMissing |= out->valid[c] != n;
    if (!anyMissing) {
      std::vector<std::vector<int32_t>>().swap(out->rowsByValue);
      std::vector<std::vector<double>>().swap(out->ownRank);
    } else {
      parallel(threads, [&](Team& team) {
        for (int c = team.begin(M, Schedule::Dynamic, 4); c < M; c = team.next(c)) {
          if (!out->complete[c]) continue;
          std::vector<int32_t>& ord = out->rowsByValue[c];
          ord.resize(n);
          for (int64_t t = 0; t < n; ++t) ord[t] = static_cast<int32_t>(t);
          radixArgsort(out->column(c), ord.data(), n);
        }
      });
    }
  }
  if (bad >= 0) {
    *badColumn = bad;
    return Status::error(Code::BadInput, "contains an infinite value; Pearson correlation needs finite values (use spearman or kendall, or clean the data)");
  }
  return {};
}

namespace {

// A tile's Kendall pairs. Tau-b comes from the same integer counts whichever column of a pair is x
// (its row order read in sequence) and whichever is y (its ranks gathered, read at random), so the
// roles are chosen for speed: x is the complete untied column where only one of the two is (the
// fastest path), else j. The gathered column is kept fixed along the inner loop so that its ranks
// stay in cache: row i along j for the pairs whose y is i, then column j along i for the others
// (a complete untied i and a tied j: without this, each such pair gathered from a cold column,
// about a third slower).
void kendallTile(const CorrTable& t, const Tile& tile, int tid, const PairSinkFn& sink) {
  auto fast = [&](int c) { return t.levels[c] == t.n && t.valid[c] == t.n; };
  auto yIsJ = [&](int i, int j) { return fast(i) && !fast(j); };
  auto manyTies = [&](int c) { return t.levels[c] < t.valid[c] - t.valid[c] / 16; };  // kendallPair's test
  for (int i = tile.r0; i < tile.r1; ++i) {
    for (int j = std::max(tile.c0, i + 1); j < tile.c1; ++j) {
      if (yIsJ(i, j)) continue;
      uint32_t rows = 0;
      // A many-tied i (and a j that is not the fast x) is x instead: the many-ties path gathers x's
      // ranks and reads y's row order in sequence, so row i's ranks stay in cache that way round.
      const double v = manyTies(i) && !fast(j) ? kendallPair(t, i, j, &rows) : kendallPair(t, j, i, &rows);
      sink(tid, i, j, v, rows);
    }
  }
  for (int j = tile.c0; j < tile.c1; ++j) {
    if (fast(j)) continue;
    for (int i = tile.r0; i < std::min(tile.r1, j); ++i) {
      if (!yIsJ(i, j)) continue;
      uint32_t rows = 0;
      const double v = kendallPair(t, i, j, &rows);
      sink(tid, i, j, v, rows);
    }
  }
}

}  // namespace

Status corrAllPairs(const CorrTable& t, int threads, int rowFirst, int rowLast, const Control& ctl, const PairSinkFn& sink) {
  const std::vector<Tile> tiles = upperTriangleTiles(t.M, kCorrBlock, rowFirst, rowLast);
  const bool kendall = t.method == CorrMethod::Kendall;
  parallel(threads, [&](Team& team) {
    const int tid = team.id();
    alignas(64) double acc[kCorrBlock][kCorrBlock];
    for (size_t k = team.begin(tiles.size(), Schedule::Dynamic, 1); k < tiles.size(); k = team.next(k)) {
      if (ctl.cancelled()) continue;
      const Tile& tile = tiles[k];
      if (kendall) {
        kendallTile(t, tile, tid, sink);
        ctl.progress(tilePairs(tile));
        continue;
      }
      dotTile(t, tile, acc);
      for (int i = tile.r0; i < tile.r1; ++i) {
        for (int j = std::max(tile.c0, i + 1); j < tile.c1; ++j) {
          uint32_t rows = static_cast<uint32_t>(t.n);
          double v;
          if (t.complete[i] && t.complete[j]) {
            v = acc[i - tile.r0][j - tile.c0];
            v = v > 1 ? 1 : (v < -1 ? -1 : v);
          } else if (t.constant[i] || t.constant[j]) {
            v = NAN;  // a constant column: correlation undefined
          } else {
            v = corrPair(t, i, j, &rows);
          }
          sink(tid, i, j, v, rows);
        }
      }
      ctl.progress(tilePairs(tile));
    }
  });
  if (ctl.cancelled()) return Status::error(Code::Aborted, "the computation was cancelled");
  return {};
}

}  // namespace ms
