// KSG for one scalar X and one scalar Y — every all-pairs matrix entry — with exact neighbour search
// over x strips kept in y order (about a dozen candidates a query whatever the dependence) and the
// marginal counts by a block-guided search of the sorted values. Internal to ksg.cc.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "sort.h"

// Wider passes for processors with AVX-512 (8 doubles a register), compiled as separate functions
// and chosen at run time, so the addon stays x86-64-v3. Same integers and sums either way: they
// find the same counts and add them in the same order (kernels' test: ksg_test.cc).
#if defined(__x86_64__) && defined(__GNUC__)
#define MS_KSG_AVX512 1
#define MS_KSG_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
#define MS_KSG_AVX512_INLINE __attribute__((always_inline, target("avx512f,avx512bw,avx512dq,avx512vl")))
// GCC 12 warns of the undefined pass-through register inside every masked AVX-512 intrinsic.
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace ms {

#if defined(MS_KSG_AVX512)
// Smallest and largest lane, by swaps of halves, quarters and neighbours (GCC 12's _mm512_reduce_*
// warn of an undefined register).
MS_KSG_AVX512_INLINE inline double hmin8(__m512d v) {
  v = _mm512_min_pd(v, _mm512_shuffle_f64x2(v, v, 0x4E));
  v = _mm512_min_pd(v, _mm512_shuffle_f64x2(v, v, 0xB1));
  return _mm512_cvtsd_f64(_mm512_min_pd(v, _mm512_permute_pd(v, 0x55)));
}
MS_KSG_AVX512_INLINE inline double hmax8(__m512d v) {
  v = _mm512_max_pd(v, _mm512_shuffle_f64x2(v, v, 0x4E));
  v = _mm512_max_pd(v, _mm512_shuffle_f64x2(v, v, 0xB1));
  return _mm512_cvtsd_f64(_mm512_max_pd(v, _mm512_permute_pd(v, 0x55)));
}
inline const bool kKsgCpuAvx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
inline bool kKsgAvx512 = kKsgCpuAvx512;
#endif

// ψ(m) for integer m ≥ 1: −γ + Σ_{j<m} 1/j.
struct Digamma {
  std::vector<double> t{0.0, -0.57721566490153286061};
  explicit Digamma(int64_t n) { grow(n); }
  // Extends the table to ψ(n + 1) (kept tables only grow: the values never change).
  void grow(int64_t n) {
    const int64_t from = static_cast<int64_t>(t.size());
    if (n + 2 <= from) return;
    t.resize(n + 2);
    for (int64_t m = from; m < n + 2; ++m) t[m] = t[m - 1] + 1.0 / (m - 1);
  }
  double operator()(int64_t m) const { return t[m]; }
};

// One prepared scalar variable: the rows in ascending order of value, the sorted values (padded with
// +inf to whole blocks plus one) and each row's position in that order. Built once a column and
// shared by every pair the column is in.
struct Marginal {
  static constexpr int64_t B = 16;  // block of sorted values counted at once
  std::vector<double> sorted, last, density;
  std::vector<int32_t> order, rank;
  int64_t n = 0, blocks = 0;
  int64_t nearTies = 0;  // neighbours in sorted order a millionth of the mean gap apart or less

  void build(const std::vector<double>& v) {
    n = static_cast<int64_t>(v.size());
    order.resize(n);
    std::iota(order.begin(), order.end(), 0);
    radixArgsort(v.data(), order.data(), n);
    blocks = n / B + 1;  // the last block ends in padding, so a predicate false at +inf fails there
    sorted.assign(blocks * B, INFINITY);
    rank.resize(n);
    for (int64_t r = 0; r < n; ++r) {
      sorted[r] = v[order[r]];
      rank[order[r]] = static_cast<int32_t>(r);
    }
    last.resize(blocks);
    for (int64_t b = 0; b < blocks; ++b) last[b] = sorted[b * B + B - 1];
    // Ties (kept, or split by the jitter) make strips over this variable slow: see ScalarKsg::sum.
    const double tiny = 1e-6 * (sorted[n - 1] - sorted[0]) / n;
    nearTies = 0;
    for (int64_t r = 1; r < n; ++r) nearTies += sorted[r] - sorted[r - 1] <= tiny;
    // Sorted positions per unit of value around each block, to guess where a window ends.
    // Over ±√n/2 positions (at least ±4 blocks), about the reach of a k-th-neighbour window.
    density.resize(blocks);
    const int64_t half = std::max<int64_t>(4 * B, static_cast<int64_t>(std::sqrt(static_cast<double>(n)) / 2));
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t lo = std::max<int64_t>(0, b * B - half), hi = std::min<int64_t>(n - 1, b * B + half);
      const double span = sorted[hi] - sorted[lo];
      density[b] = span > 0 ? (hi - lo) / span : 0;
    }
  }

  // Σ_p ψ(n_p + 1) over every sorted position p, n_p = countWithin(p, eps[p], strict = true). In
  // two passes — all guesses, then all counts — so each pass is a short loop of independent
  // iterations the processor overlaps, instead of one long dependent chain a position. Tie-heavy
  // variables take the previous position's window ends as guesses, one position after the other.
  double sumPsiStrict(const double* eps, const Digamma& psi, std::vector<int32_t>& gr, std::vector<int32_t>& gl) const {
    double s = 0;
#if defined(MS_KSG_AVX512)
    if (kKsgAvx512 && !tieHeavy()) return sumPsiStrict512(eps, psi);
#endif
    if (tieHeavy()) {
      Ends ends;
      for (int64_t p = 0; p < n; ++p) s += psi(countWithin(p, eps[p], true, &ends) + 1);
      return s;
    }
    gr.resize(n);
    gl.resize(n);
    for (int64_t p = 0; p < n; ++p) {
      gr[p] = static_cast<int32_t>(guess(p, sorted[p] + eps[p]));
      gl[p] = static_cast<int32_t>(guess(p, sorted[p] - eps[p]));
    }
    for (int64_t p = 0; p < n; ++p) {
      const double vp = sorted[p], e = eps[p];
      const int64_t c = e > 0 ? prefix<kBelowPlusLt>(gr[p], vp, e) - prefix<kBelowMinusGe>(gl[p], vp, e) - 1 : 0;
      s += psi(c + 1);
    }
    return s;
  }

#if defined(MS_KSG_AVX512)
  // sumPsiStrict (not tie-heavy) eight positions at a time: both guesses for all eight in vector
  // lanes (the second step's values by gathers), then each position's two window ends from 16
  // values in two registers. Same guesses, same counts, same order of the sum.
  MS_KSG_AVX512_TARGET double sumPsiStrict512(const double* eps, const Digamma& psi) const {
    const __m512i LANE = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    const double* S = sorted.data();
    const double* Dn = density.data();
    alignas(64) int64_t gr[8], gl[8];
    double s = 0;
    for (int64_t p0 = 0; p0 < n; p0 += 8) {
      const int lanes = static_cast<int>(std::min<int64_t>(8, n - p0));
      const __mmask8 live = static_cast<__mmask8>((1u << lanes) - 1);
      const __m512d V = _mm512_maskz_loadu_pd(live, S + p0), E = _mm512_maskz_loadu_pd(live, eps + p0);
      const __m512i P = _mm512_add_epi64(_mm512_set1_epi64(p0), LANE);
      const __m512d D = _mm512_set1_pd(Dn[p0 / B]);  // p0 is a multiple of 8: one block of 16 for all lanes
      _mm512_store_si512(gr, guess8(_mm512_add_pd(V, E), V, P, D));
      _mm512_store_si512(gl, guess8(_mm512_sub_pd(V, E), V, P, D));
      for (int l = 0; l < lanes; ++l) {
        const double vp = S[p0 + l], e = eps[p0 + l];
        const int64_t c = e > 0 ? prefix512<kBelowPlusLt>(gr[l], vp, e) - prefix512<kBelowMinusGe>(gl[l], vp, e) - 1 : 0;
        s += psi(c + 1);
      }
    }
    return s;
  }
#endif

  // Where most values are tied (split only by the jitter), a window is a run of equal values, which
  // the density cannot locate but the previous position of a sweep usually shares.
  bool tieHeavy() const { return nearTies > n / 4; }

  // The window ends found for the previous position of a sweep (see tieHeavy).
  struct Ends {
    int64_t right = 0, left = 0;
  };
  // Rows other than the one at sorted position p with |v − v_p| < e (strict) or ≤ e. Both window
  // ends are prefix lengths of monotone predicates over the whole sorted array (v − v_p < e holds for
  // every v below v_p too), each found from a guessed position and counted with vector compares.
  // Exact: the predicates are the definition's |v − v_p| test, and floating-point subtraction is
  // monotone.
  [[gnu::always_inline]] int64_t countWithin(int64_t p, double e, bool strict, Ends* ends = nullptr) const {
    const double vp = sorted[p];
    if (strict && !(e > 0)) return 0;
    const bool tied = ends && tieHeavy();
    const int64_t gr = tied ? ends->right : guess(p, vp + e), gl = tied ? ends->left : guess(p, vp - e);
    const int64_t right = strict ? prefix<kBelowPlusLt>(gr, vp, e) : prefix<kBelowPlusLe>(gr, vp, e);
    const int64_t left = strict ? prefix<kBelowMinusGe>(gl, vp, e) : prefix<kBelowMinusGt>(gl, vp, e);
    if (ends) *ends = {right, left};
    return right - left - 1;
  }

 private:
  // Where in the sorted values `target` falls, from position p: a step by the local density, then one
  // Newton step on the empirical CDF from where it landed (skewed data: the density changes on the way).
  [[gnu::always_inline]] int64_t guess(int64_t p, double target) const {
    const double limit = static_cast<double>(n);
    int64_t g = p + static_cast<int64_t>(std::clamp((target - sorted[p]) * density[p / B], -limit, limit));
    g = std::clamp<int64_t>(g, 0, n - 1);
    g += static_cast<int64_t>(std::clamp((target - sorted[g]) * density[g / B], -limit, limit));
    return std::clamp<int64_t>(g, 0, n - 1);
  }
  // The four window-end predicates: v − v_p < e, v_p − v ≥ e, v − v_p ≤ e, v_p − v > e.
  enum Pred { kBelowPlusLt, kBelowMinusGe, kBelowPlusLe, kBelowMinusGt };
  template <Pred P>
  static bool test(double v, double vp, double e) {
    if constexpr (P == kBelowPlusLt) return v - vp < e;
    if constexpr (P == kBelowMinusGe) return vp - v >= e;
    if constexpr (P == kBelowPlusLe) return v - vp <= e;
    return vp - v > e;
  }
  // How many of the m ≤ 16 values at a hold the predicate.
  template <Pred P, int M>
  static int countTrue(const double* a, double vp, double e) {
#ifdef __AVX2__
    const __m256d VP = _mm256_set1_pd(vp), E = _mm256_set1_pd(e);
    int bits = 0;
    for (int i = 0; i < M; i += 4) {
      const __m256d v = _mm256_loadu_pd(a + i);
      __m256d c;
      if constexpr (P == kBelowPlusLt) c = _mm256_cmp_pd(_mm256_sub_pd(v, VP), E, _CMP_LT_OQ);
      else if constexpr (P == kBelowMinusGe) c = _mm256_cmp_pd(_mm256_sub_pd(VP, v), E, _CMP_GE_OQ);
      else if constexpr (P == kBelowPlusLe) c = _mm256_cmp_pd(_mm256_sub_pd(v, VP), E, _CMP_LE_OQ);
      else c = _mm256_cmp_pd(_mm256_sub_pd(VP, v), E, _CMP_GT_OQ);
      bits |= _mm256_movemask_pd(c) << i;
    }
    return __builtin_popcount(bits);
#else
    int t = 0;
    for (int i = 0; i < M; ++i) t += test<P>(a[i], vp, e);
    return t;
#endif
  }
  // Length of the prefix of sorted values where the predicate holds (true then false), from a guess:
  // the 16 values around it first (the guesses usually land within a few positions), else by blocks.
  template <Pred P>
  [[gnu::always_inline]] int64_t prefix(int64_t guess, double vp, double e) const {
    const int64_t w = std::clamp<int64_t>(guess - 8, 0, blocks * B - 16);
    const int t = countTrue<P, 16>(&sorted[w], vp, e);
    if ((t > 0 || w == 0) && t < 16) return w + t;
    return prefixByBlocks<P>(guess, vp, e);
  }
#if defined(MS_KSG_AVX512)
  // guess() for the eight targets T of the positions P (values V, density D of their block); spare
  // lanes stay in range.
  [[gnu::always_inline]] MS_KSG_AVX512_TARGET __m512i guess8(__m512d T, __m512d V, __m512i P, __m512d D) const {
    const __m512d LIMIT = _mm512_set1_pd(static_cast<double>(n)), NLIMIT = _mm512_set1_pd(-static_cast<double>(n));
    const __m512i LAST = _mm512_set1_epi64(n - 1), ZERO = _mm512_setzero_si512();
    __m512d step = _mm512_min_pd(_mm512_max_pd(_mm512_mul_pd(_mm512_sub_pd(T, V), D), NLIMIT), LIMIT);
    const __m512i g = _mm512_min_epi64(_mm512_max_epi64(_mm512_add_epi64(P, _mm512_cvttpd_epi64(step)), ZERO), LAST);
    const __m512d sg = _mm512_i64gather_pd(g, sorted.data(), 8), dg = _mm512_i64gather_pd(_mm512_srli_epi64(g, 4), density.data(), 8);
    step = _mm512_min_pd(_mm512_max_pd(_mm512_mul_pd(_mm512_sub_pd(T, sg), dg), NLIMIT), LIMIT);
    return _mm512_min_epi64(_mm512_max_epi64(_mm512_add_epi64(g, _mm512_cvttpd_epi64(step)), ZERO), LAST);
  }
  // prefix() with the 16 values in two AVX-512 registers.
  template <Pred P>
  MS_KSG_AVX512_TARGET int64_t prefix512(int64_t guess, double vp, double e) const {
    const int64_t w = std::clamp<int64_t>(guess - 8, 0, blocks * B - 16);
    const __m512d VP = _mm512_set1_pd(vp), E = _mm512_set1_pd(e);
    const __m512d a = _mm512_loadu_pd(&sorted[w]), b = _mm512_loadu_pd(&sorted[w + 8]);
    __mmask8 ma, mb;
    if constexpr (P == kBelowPlusLt) {
      ma = _mm512_cmp_pd_mask(_mm512_sub_pd(a, VP), E, _CMP_LT_OQ);
      mb = _mm512_cmp_pd_mask(_mm512_sub_pd(b, VP), E, _CMP_LT_OQ);
    } else {
      static_assert(P == kBelowMinusGe);
      ma = _mm512_cmp_pd_mask(_mm512_sub_pd(VP, a), E, _CMP_GE_OQ);
      mb = _mm512_cmp_pd_mask(_mm512_sub_pd(VP, b), E, _CMP_GE_OQ);
    }
    const int t = __builtin_popcount(static_cast<unsigned>(ma) | (static_cast<unsigned>(mb) << 8));
    if ((t > 0 || w == 0) && t < 16) return w + t;
    return prefixByBlocks<P>(guess, vp, e);
  }
#endif
  template <Pred P>
  int64_t prefixByBlocks(int64_t guess, double vp, double e) const {
    const int64_t b = std::clamp<int64_t>(guess, 0, n) / B;
    int64_t lo, hi;  // the predicate holds at last[lo] (lo = −1: before the array) and fails at last[hi]
    if (blocks >= 8) {
      // Usually within a few blocks of the guess: test the eight around it at once.
      const int64_t w0 = std::clamp<int64_t>(b - 4, 0, blocks - 8);
      const int t = countTrue<P, 8>(&last[w0], vp, e);
      if ((t > 0 || w0 == 0) && t < 8) return (w0 + t) * B + countTrue<P, B>(&sorted[(w0 + t) * B], vp, e);
      // Far from the guess (rare): gallop outward from the window, then bisect.
      if (t == 8) {
        lo = w0 + 7;
        int64_t step = 1;
        while (lo + step < blocks - 1 && test<P>(last[lo + step], vp, e)) lo += step, step *= 2;
        hi = std::min(blocks - 1, lo + step);
      } else {
        hi = w0;
        int64_t step = 1;
        while (hi - step >= 0 && !test<P>(last[hi - step], vp, e)) hi -= step, step *= 2;
        lo = std::max<int64_t>(-1, hi - step);
      }
    } else {
      lo = -1;
      hi = blocks - 1;
    }
    while (hi - lo > 1) {
      const int64_t m = lo + (hi - lo) / 2;
      (test<P>(last[m], vp, e) ? lo : hi) = m;
    }
    return hi * B + countTrue<P, B>(&sorted[hi * B], vp, e);
  }
};

// Scalar X and Y. Points are cut into strips of S consecutive x ranks, each kept in y order. A query
// scans its own strip outward in y from its position while |dy| can still beat the k-th distance,
// then neighbouring strips while their x gap can. With S ≈ √((k+1)·n) that is about a dozen
// candidates a query whatever the dependence: a strong one narrows the strip's y range and the
// neighbour distance alike. Queries run strip by strip in y order, so the place a query enters a
// neighbouring strip only moves forward. Ties in distance go to the lower row index, as in the k-d
// tree path (algorithm 1 only needs the k-th distance, which no tie order changes).
class ScalarKsg {
 public:
  double sum(const Marginal& X0, const Marginal& Y0, int k, int algorithm, const Digamma& psi) {
    // Strips over the variable with fewer ties: a tie level spanning many strips would make every
    // query visit them all, while a tie level inside a strip is one run of candidates shared by four
    // queries. The estimate is symmetric, and so are the sums (computed apart), so the bits agree.
    const bool swap = Y0.nearTies < X0.nearTies;
    const Marginal& X = swap ? Y0 : X0;
    const Marginal& Y = swap ? X0 : Y0;
#if defined(MS_KSG_AVX512)
    if (algorithm == 1 && kKsgAvx512) {
      switch (k) {
        case 1: return fast8<1>(X, Y, psi);
        case 2: return fast8<2>(X, Y, psi);
        case 3: return fast8<3>(X, Y, psi);
        case 4: return fast8<4>(X, Y, psi);
        case 5: return fast8<5>(X, Y, psi);
        case 6: return fast8<6>(X, Y, psi);
        case 8: return fast8<8>(X, Y, psi);
        case 10: return fast8<10>(X, Y, psi);
        default: break;
      }
    }
#endif
#ifdef __AVX2__
    if (algorithm == 1) {
      switch (k) {
        case 1: return fast4<1>(X, Y, psi);
        case 2: return fast4<2>(X, Y, psi);
        case 3: return fast4<3>(X, Y, psi);
        case 4: return fast4<4>(X, Y, psi);
        case 5: return fast4<5>(X, Y, psi);
        case 6: return fast4<6>(X, Y, psi);
        case 8: return fast4<8>(X, Y, psi);
        case 10: return fast4<10>(X, Y, psi);
        default: break;
      }
    }
#endif
    return algorithm == 1 ? run<false>(X, Y, k, psi) : run<true>(X, Y, k, psi);
  }

 private:
  std::vector<double> sx_, sy_;  // strip layout: coordinates by slot
  std::vector<int32_t> rx_, ry_, ptr_;  // each slot's x and y rank; strip entry points
  std::vector<double> epsX_, epsY_;     // k-th distances by x rank and by y rank
  std::vector<int32_t> seen_;           // strip from which each strip's entry point was last found
  std::vector<int32_t> gr_, gl_;        // count sweeps' guesses
  std::vector<double> bd_, bx_, by_;
  std::vector<int32_t> bi_;

  // Rows taken in y order and appended to their x strip: every strip ends up sorted by y. Returns S.
  int64_t layout(const Marginal& X, const Marginal& Y, int k) {
    const int64_t n = X.n;
    const int64_t S = std::clamp<int64_t>(static_cast<int64_t>(std::sqrt(static_cast<double>(k + 1) * n)), 8, n);
    const int64_t strips = (n + S - 1) / S;
    sx_.resize(n);
    sy_.resize(n);
    rx_.resize(n);
    ry_.resize(n);
    ptr_.resize(strips);
    for (int64_t t = 0; t < strips; ++t) ptr_[t] = static_cast<int32_t>(t * S);
    const int32_t S32 = static_cast<int32_t>(S);
    for (int64_t r = 0; r < n; ++r) {
      const int32_t rx = X.rank[Y.order[r]];
      const int32_t slot = ptr_[rx / S32]++;  // 32-bit division: several times cheaper than 64-bit
      sx_[slot] = X.sorted[rx];
      sy_[slot] = Y.sorted[r];
      rx_[slot] = rx;
      ry_[slot] = static_cast<int32_t>(r);
    }
    return S;
  }

  // For a group of strip s visiting strip t (slots [lo, hi)): the first slot whose y is ≥ ly.
  // Groups go up in y, so after the first visit from s the entry moves a few slots from the last
  // one: walk there; the first visit bisects, branch-free. Shared by fast4 and fast8.
  int64_t stripEntry(const double* SY, int64_t t, int64_t s, int64_t lo, int64_t hi, double ly) {
    int64_t j;
    if (seen_[t] == s) {
      j = ptr_[t];
      while (j < hi && SY[j] < ly) ++j;
      while (j > lo && SY[j - 1] >= ly) --j;
    } else {
      const double* b = SY + lo;
      int64_t len = hi - lo;
      while (len > 1) {
        const int64_t half = len / 2;
        b = b[half] < ly ? b + half : b;
        len -= half;
      }
      j = (b - SY) + (*b < ly);
      seen_[t] = static_cast<int32_t>(s);
    }
    ptr_[t] = static_cast<int32_t>(j);
    return j;
  }

#ifdef __AVX2__
  // Algorithm 1 for a fixed small k, four consecutive queries of a strip at once, one per AVX lane:
  // they are y neighbours in one strip, so one pass over the union of their candidates serves all
  // four. The k best distances stay in registers and every candidate goes through a branch-free
  // insertion; candidates are taken four slots at a time, with the bound tested between groups.
  template <int K>
  double fast4(const Marginal& X, const Marginal& Y, const Digamma& psi) {
    const int64_t n = X.n;
    const int64_t S = layout(X, Y, K);
    const int64_t strips = (n + S - 1) / S;
    const double* SX = sx_.data();
    const double* SY = sy_.data();
    epsX_.resize(n);
    epsY_.resize(n);
    seen_.assign(strips, -1);
    const __m256d INF = _mm256_set1_pd(INFINITY);
    const __m256d ABS = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFFFFFFFFFFFFFFll));
    // masks[l]: lane l only (the query itself).
    alignas(32) static const int64_t masks[4][4] = {{-1, 0, 0, 0}, {0, -1, 0, 0}, {0, 0, -1, 0}, {0, 0, 0, -1}};
    auto hmax = [](__m256d v) {
      const __m128d m = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
      return std::max(_mm_cvtsd_f64(m), _mm_cvtsd_f64(_mm_unpackhi_pd(m, m)));
    };
    auto hmin = [](__m256d v) {
      const __m128d m = _mm_min_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
      return std::min(_mm_cvtsd_f64(m), _mm_cvtsd_f64(_mm_unpackhi_pd(m, m)));
    };
    for (int64_t s = 0; s < strips; ++s) {
      const int64_t beg = s * S, end = std::min(n, beg + S);
      for (int64_t q0 = beg; q0 < end; q0 += 4) {
        const int lanes = static_cast<int>(std::min<int64_t>(4, end - q0));
        // A short last group repeats its last query in the spare lanes (their results are unused).
        __m256d XQ, YQ;
        if (lanes == 4) {  // one vector load: assembling lanes through memory stalls store forwarding
          XQ = _mm256_loadu_pd(SX + q0);
          YQ = _mm256_loadu_pd(SY + q0);
        } else {
          const int64_t last = q0 + lanes - 1;
          XQ = _mm256_setr_pd(SX[q0], SX[std::min(q0 + 1, last)], SX[std::min(q0 + 2, last)], SX[last]);
          YQ = _mm256_setr_pd(SY[q0], SY[std::min(q0 + 1, last)], SY[std::min(q0 + 2, last)], SY[last]);
        }
        __m256d bd[K];
        for (int m = 0; m < K; ++m) bd[m] = INF;
        auto offerDistance = [&](__m256d d) {
          for (int m = K - 1; m > 0; --m) bd[m] = _mm256_min_pd(bd[m], _mm256_max_pd(bd[m - 1], d));
          bd[0] = _mm256_min_pd(bd[0], d);
        };
        auto distance = [&](int64_t j) {
          const __m256d dx = _mm256_and_pd(_mm256_sub_pd(_mm256_set1_pd(SX[j]), XQ), ABS);
          const __m256d dy = _mm256_and_pd(_mm256_sub_pd(_mm256_set1_pd(SY[j]), YQ), ABS);
          return _mm256_max_pd(dx, dy);
        };
        auto offer = [&](int64_t j) { offerDistance(distance(j)); };
        // y range any lane still needs: [min(y − ε), max(y + ε)].
        auto lowY = [&] { return hmin(_mm256_sub_pd(YQ, bd[K - 1])); };
        auto highY = [&] { return hmax(_mm256_add_pd(YQ, bd[K - 1])); };
        // Own strip: a window around the group, then outward while some lane can still gain.
        const int64_t w0 = std::max(beg, q0 - K), w1 = std::min(end, q0 + 4 + K);
        for (int64_t j = w0; j < q0; ++j) offer(j);
        for (int l = 0; l < lanes; ++l)  // the group's own slots: each is not its own neighbour
          offerDistance(_mm256_blendv_pd(distance(q0 + l), INF, _mm256_load_pd(reinterpret_cast<const double*>(masks[l]))));
        for (int64_t j = q0 + lanes; j < w1; ++j) offer(j);
        for (int64_t j = w1; j < end;) {
          const double hy = highY();
          if (SY[j] > hy) break;
          for (const int64_t e = std::min(end, j + 4); j < e; ++j) offer(j);
        }
        for (int64_t j = w0 - 1; j >= beg;) {
          const double ly = lowY();
          if (SY[j] < ly) break;
          for (const int64_t e = std::max(beg - 1, j - 4); j > e; --j) offer(j);
        }
        // Neighbouring strips while some lane's x gap can beat its k-th distance; inside one, the
        // slots from the lowest y any lane needs upward.
        auto visit = [&](int64_t t) {
          const int64_t lo = t * S, hi = std::min(n, lo + S);
          int64_t j = stripEntry(SY, t, s, lo, hi, lowY());
          for (; j < hi;) {
            if (SY[j] > highY()) break;
            for (const int64_t e = std::min(hi, j + 4); j < e; ++j) offer(j);
          }
        };
        for (int64_t t = s - 1; t >= 0 && X.sorted[(t + 1) * S - 1] >= hmin(_mm256_sub_pd(XQ, bd[K - 1])); --t) visit(t);
        for (int64_t t = s + 1; t < strips && X.sorted[t * S] <= hmax(_mm256_add_pd(XQ, bd[K - 1])); ++t) visit(t);
        alignas(32) double eps[4];
        _mm256_store_pd(eps, bd[K - 1]);
        for (int l = 0; l < lanes; ++l) epsX_[rx_[q0 + l]] = epsY_[ry_[q0 + l]] = eps[l];
      }
    }
    // ψ(n_x + 1) + ψ(n_y + 1) as two sweeps, in x order and in y order, each reading its sorted values
    // sequentially; summed apart, so that swapping X and Y gives the same bits.
    const double sx = X.sumPsiStrict(epsX_.data(), psi, gr_, gl_);
    const double sy = Y.sumPsiStrict(epsY_.data(), psi, gr_, gl_);
    return sx + sy;
  }
#endif

#if defined(MS_KSG_AVX512)
  // fast4 with eight queries a group, one per AVX-512 lane: half the groups, so half the scan
  // loops, strip entries and bound reductions a query, for a few more candidates a group. The
  // same candidates reach every lane that needs them, so the same k-th distances and sums.
  template <int K>
  MS_KSG_AVX512_TARGET double fast8(const Marginal& X, const Marginal& Y, const Digamma& psi) {
    const int64_t n = X.n;
    const int64_t S = layout(X, Y, K);
    const int64_t strips = (n + S - 1) / S;
    const double* SX = sx_.data();
    const double* SY = sy_.data();
    epsX_.resize(n);
    epsY_.resize(n);
    seen_.assign(strips, -1);
    const __m512d INF = _mm512_set1_pd(INFINITY);
    for (int64_t s = 0; s < strips; ++s) {
      const int64_t beg = s * S, end = std::min(n, beg + S);
      for (int64_t q0 = beg; q0 < end; q0 += 8) {
        const int lanes = static_cast<int>(std::min<int64_t>(8, end - q0));
        // A short last group repeats its last query in the spare lanes (their results are unused).
        const __mmask8 live = static_cast<__mmask8>((1u << lanes) - 1);
        const int64_t last = q0 + lanes - 1;
        const __m512d XQ = _mm512_mask_loadu_pd(_mm512_set1_pd(SX[last]), live, SX + q0);
        const __m512d YQ = _mm512_mask_loadu_pd(_mm512_set1_pd(SY[last]), live, SY + q0);
        __m512d bd[K];
        for (int m = 0; m < K; ++m) bd[m] = INF;
        auto offerDistance = [&](__m512d d) MS_KSG_AVX512_INLINE {
          for (int m = K - 1; m > 0; --m) bd[m] = _mm512_min_pd(bd[m], _mm512_max_pd(bd[m - 1], d));
          bd[0] = _mm512_min_pd(bd[0], d);
        };
        auto distance = [&](int64_t j) MS_KSG_AVX512_INLINE {
          const __m512d dx = _mm512_abs_pd(_mm512_sub_pd(_mm512_set1_pd(SX[j]), XQ));
          const __m512d dy = _mm512_abs_pd(_mm512_sub_pd(_mm512_set1_pd(SY[j]), YQ));
          return _mm512_max_pd(dx, dy);
        };
        auto offer = [&](int64_t j) MS_KSG_AVX512_INLINE { offerDistance(distance(j)); };
        // y range any lane still needs: [min(y − ε), max(y + ε)].
        auto lowY = [&]() MS_KSG_AVX512_INLINE { return hmin8(_mm512_sub_pd(YQ, bd[K - 1])); };
        auto highY = [&]() MS_KSG_AVX512_INLINE { return hmax8(_mm512_add_pd(YQ, bd[K - 1])); };
        // Own strip: a window around the group, then outward while some lane can still gain.
        const int64_t w0 = std::max(beg, q0 - K), w1 = std::min(end, q0 + 8 + K);
        for (int64_t j = w0; j < q0; ++j) offer(j);
        for (int l = 0; l < lanes; ++l)  // the group's own slots: each is not its own neighbour
          offerDistance(_mm512_mask_mov_pd(distance(q0 + l), static_cast<__mmask8>(1u << l), INF));
        for (int64_t j = q0 + lanes; j < w1; ++j) offer(j);
        for (int64_t j = w1; j < end;) {
          const double hy = highY();
          if (SY[j] > hy) break;
          for (const int64_t e = std::min(end, j + 4); j < e; ++j) offer(j);
        }
        for (int64_t j = w0 - 1; j >= beg;) {
          const double ly = lowY();
          if (SY[j] < ly) break;
          for (const int64_t e = std::max(beg - 1, j - 4); j > e; --j) offer(j);
        }
        // Neighbouring strips while some lane's x gap can beat its k-th distance; inside one, the
        // slots from the lowest y any lane needs upward.
        auto visit = [&](int64_t t) MS_KSG_AVX512_INLINE {
          const int64_t lo = t * S, hi = std::min(n, lo + S);
          int64_t j = stripEntry(SY, t, s, lo, hi, lowY());
          for (; j < hi;) {
            if (SY[j] > highY()) break;
            for (const int64_t e = std::min(hi, j + 4); j < e; ++j) offer(j);
          }
        };
        for (int64_t t = s - 1; t >= 0 && X.sorted[(t + 1) * S - 1] >= hmin8(_mm512_sub_pd(XQ, bd[K - 1])); --t) visit(t);
        for (int64_t t = s + 1; t < strips && X.sorted[t * S] <= hmax8(_mm512_add_pd(XQ, bd[K - 1])); ++t) visit(t);
        alignas(64) double eps[8];
        _mm512_store_pd(eps, bd[K - 1]);
        for (int l = 0; l < lanes; ++l) epsX_[rx_[q0 + l]] = epsY_[ry_[q0 + l]] = eps[l];
      }
    }
    const double sx = X.sumPsiStrict(epsX_.data(), psi, gr_, gl_);
    const double sy = Y.sumPsiStrict(epsY_.data(), psi, gr_, gl_);
    return sx + sy;
  }
#endif

  // Any k, both algorithms, any target: one query at a time, the k best kept sorted with their x
  // and y distances and row (algorithm 2 needs the neighbours themselves, ties to the lower row).
  template <bool kAlg2>
  double run(const Marginal& X, const Marginal& Y, int k, const Digamma& psi) {
    const int64_t n = X.n;
    const int64_t S = layout(X, Y, k);
    const int64_t strips = (n + S - 1) / S;
    bd_.assign(k, INFINITY);
    bx_.assign(k, 0);
    by_.assign(k, 0);
    bi_.assign(k, INT32_MAX);
    const double* SX = sx_.data();
    const double* SY = sy_.data();
    const int32_t* RX = rx_.data();
    const int32_t* RY = ry_.data();
    const int32_t* rowOf = Y.order.data();  // slot j's row is rowOf[RY[j]]: ties go to the lower row
    double acc = 0;
    for (int64_t s = 0; s < strips; ++s) {
      const int64_t beg = s * S, end = std::min(n, beg + S);
      for (int64_t t = 0; t < strips; ++t) ptr_[t] = static_cast<int32_t>(t * S);
      for (int64_t q = beg; q < end; ++q) {
        const double xq = SX[q], yq = SY[q];
        std::fill(bd_.begin(), bd_.end(), INFINITY);
        if constexpr (kAlg2) std::fill(bi_.begin(), bi_.end(), INT32_MAX);
        double* bd = bd_.data();
        // Offer slot j, |dy| = ady, to the k best (ascending by distance, then row).
        auto offer = [&](int64_t j, double ady) {
          const double adx = std::fabs(SX[j] - xq);
          const double d = std::max(adx, ady);
          if constexpr (kAlg2) {
            if (d > bd[k - 1] || (d == bd[k - 1] && rowOf[RY[j]] > bi_[k - 1])) return;
            int m = k - 1;
            while (m > 0 && (bd[m - 1] > d || (bd[m - 1] == d && bi_[m - 1] > rowOf[RY[j]]))) {
              bd[m] = bd[m - 1], bi_[m] = bi_[m - 1], bx_[m] = bx_[m - 1], by_[m] = by_[m - 1];
              --m;
            }
            bd[m] = d, bi_[m] = rowOf[RY[j]], bx_[m] = adx, by_[m] = ady;
          } else {
            if (!(d < bd[k - 1])) return;
            int m = k - 1;
            while (m > 0 && bd[m - 1] > d) { bd[m] = bd[m - 1]; --m; }
            bd[m] = d;
          }
        };
        // Scan strip slots [lo, hi) upward from `up` and downward from `down` while |dy| ≤ k-th distance.
        auto scan = [&](int64_t lo, int64_t hi, int64_t up, int64_t down) {
          for (int64_t j = up; j < hi; ++j) {
            const double ady = SY[j] - yq;
            if (ady > bd[k - 1]) break;
            offer(j, ady);
          }
          for (int64_t j = down; j >= lo; --j) {
            const double ady = yq - SY[j];
            if (ady > bd[k - 1]) break;
            offer(j, ady);
          }
        };
        // Own strip: the query's y neighbours first (a finite k-th distance early), then outward.
        const int64_t seedLo = std::max(beg, q - k), seedHi = std::min(end, q + k + 1);
        for (int64_t j = seedLo; j < seedHi; ++j)
          if (j != q) offer(j, std::fabs(SY[j] - yq));
        scan(beg, end, seedHi, seedLo - 1);
        // Neighbouring strips, nearest first on each side, while their x gap can beat the k-th distance.
        auto visit = [&](int64_t t) {
          const int64_t lo = t * S, hi = std::min(n, lo + S);
          int64_t p = ptr_[t];
          // First slot with y ≥ yq: the entry point only moves forward within a strip of queries.
          int64_t len = hi - p;
          while (len > 0) {
            const int64_t half = len / 2;
            if (SY[p + half] < yq) { p += half + 1; len -= half + 1; } else len = half;
          }
          ptr_[t] = static_cast<int32_t>(p);
          scan(lo, hi, p, p - 1);
        };
        for (int64_t t = s - 1; t >= 0 && xq - X.sorted[std::min(n, (t + 1) * S) - 1] <= bd[k - 1]; --t) visit(t);
        for (int64_t t = s + 1; t < strips && X.sorted[t * S] - xq <= bd[k - 1]; ++t) visit(t);
        const int64_t px = RX[q], py = RY[q];
        if constexpr (kAlg2) {
          double e1 = 0, e2 = 0;
          for (int m = 0; m < k; ++m) e1 = std::max(e1, bx_[m]), e2 = std::max(e2, by_[m]);
          acc += psi(X.countWithin(px, e1, false)) + psi(Y.countWithin(py, e2, false));
        } else {
          const double eps = bd[k - 1];
          acc += psi(X.countWithin(px, eps, true) + 1) + psi(Y.countWithin(py, eps, true) + 1);
        }
      }
    }
    return acc;
  }
};

}  // namespace ms
