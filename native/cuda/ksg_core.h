// The per-point steps of the device KSG (ms_gpu.cu), as host-and-device functions so the CPU-only
// harness runs the very same code against the CPU path (bench/gpu/harness.cc).
#pragma once
#include <cmath>
#include <cstdint>

#include "../kernels/mi_finalize.h"  // MS_HD

namespace msg {

// Rows other than sorted position p strictly within e of it: the CPU's Marginal::countWithin
// predicates (v − v_p < e, v_p − v ≥ e) over the whole sorted array, by bisection.
MS_HD inline int64_t strictCount(const double* s, int64_t m, int64_t p, double e) {
  if (!(e > 0)) return 0;
  const double vp = s[p];
  int64_t lo = 0, hi = m;
  while (lo < hi) {
    const int64_t mid = (lo + hi) >> 1;
    if (s[mid] - vp < e) lo = mid + 1;
    else hi = mid;
  }
  const int64_t right = lo;
  lo = 0, hi = m;
  while (lo < hi) {
    const int64_t mid = (lo + hi) >> 1;
    if (vp - s[mid] >= e) lo = mid + 1;
    else hi = mid;
  }
  return right - lo - 1;
}

}  // namespace msg

namespace msg {

// The CPU's strip layout (ksg_scalar.h, ScalarKsg::layout): strips of S consecutive x ranks, each
// in y order, built by taking points in y order and appending each to its strip. xRankAtY[q] is the
// x rank of the point with y rank q; sortedX/sortedY the sorted values. Fills, by slot, the
// coordinates (sx, sy) and ranks (rx, ry); ptr holds one entry per strip (scratch).
MS_HD inline void stripLayout(const int32_t* xRankAtY, const double* sortedX, const double* sortedY, int64_t m, int64_t S, double* sx,
                              double* sy, int32_t* rx, int32_t* ry, int32_t* ptr) {
  const int64_t strips = (m + S - 1) / S;
  for (int64_t t = 0; t < strips; ++t) ptr[t] = static_cast<int32_t>(t * S);
  for (int64_t q = 0; q < m; ++q) {
    const int32_t x = xRankAtY[q];
    const int32_t slot = ptr[x / S]++;
    sx[slot] = sortedX[x];
    sy[slot] = sortedY[q];
    rx[slot] = x;
    ry[slot] = static_cast<int32_t>(q);
  }
}

// Strip edge of the CPU path: S = clamp(⌊√((k+1)·m)⌋, 8, m).
MS_HD inline int64_t stripSize(int k, int64_t m) {
  int64_t S = static_cast<int64_t>(sqrt(static_cast<double>(k + 1) * static_cast<double>(m)));
  return S < 8 ? (m < 8 ? m : 8) : (S > m ? m : S);
}

// k-th max-norm distance of the point in slot j to the others, searched as the CPU's ScalarKsg::run:
// its own strip outward in y while |dy| can still beat the k-th distance, then neighbouring strips
// (nearest first on each side) while their x gap can, each entered by bisection at the query's y.
template <int K>
MS_HD inline double stripKth(const double* sx, const double* sy, const double* sortedX, int64_t m, int64_t S, int64_t j) {
  const double xq = sx[j], yq = sy[j];
  double bd[K];
  for (int a = 0; a < K; ++a) bd[a] = INFINITY;
  auto offer = [&](int64_t c) {
    const double d = ms::msMax(fabs(sx[c] - xq), fabs(sy[c] - yq));
    for (int a = K - 1; a > 0; --a) bd[a] = ms::msMin(bd[a], ms::msMax(bd[a - 1], d));
    bd[0] = ms::msMin(bd[0], d);
  };
  auto scan = [&](int64_t lo, int64_t hi, int64_t up, int64_t down) {
    for (int64_t c = up; c < hi && sy[c] - yq <= bd[K - 1]; ++c) offer(c);
    for (int64_t c = down; c >= lo && yq - sy[c] <= bd[K - 1]; --c) offer(c);
  };
  const int64_t s = j / S, strips = (m + S - 1) / S;
  const int64_t beg = s * S, end = beg + S < m ? beg + S : m;
  scan(beg, end, j + 1, j - 1);
  auto visit = [&](int64_t t) {
    const int64_t lo = t * S, hi = lo + S < m ? lo + S : m;
    int64_t a = lo, b = hi;  // first slot with y ≥ yq
    while (a < b) {
      const int64_t mid = (a + b) >> 1;
      if (sy[mid] < yq) a = mid + 1;
      else b = mid;
    }
    scan(lo, hi, a, a - 1);
  };
  // Nearest strips first on each side, while their x gap can beat the k-th distance.
  for (int64_t t = s - 1; t >= 0 && xq - sortedX[(t + 1) * S - 1] <= bd[K - 1]; --t) visit(t);
  for (int64_t t = s + 1; t < strips && sortedX[t * S] - xq <= bd[K - 1]; ++t) visit(t);
  return bd[K - 1];
}

}  // namespace msg
