// The per-point steps of the device KSG (ms_gpu.cu), as host-and-device functions so the CPU-only
// harness runs the very same code against the CPU path (bench/gpu/harness.cc).
#pragma once
#include <cmath>
#include <cstdint>

#include "../kernels/mi_finalize.h"  // MS_HD

namespace msg {

// k-th max-norm distance from point p to the others, points in x order (sx ascending, yy their y):
// walk outward, nearer x side first, until the x gap alone exceeds the k-th distance so far. Exact:
// every point not visited is at least that far. Ties need no rule: only the k-th value is used.
template <int K>
MS_HD inline double kthDistance(const double* sx, const double* yy, int64_t m, int64_t p) {
  const double xq = sx[p], yq = yy[p];
  double bd[K];
  for (int a = 0; a < K; ++a) bd[a] = INFINITY;
  int64_t l = p - 1, h = p + 1;
  for (;;) {
    const double dl = l >= 0 ? xq - sx[l] : INFINITY;
    const double dh = h < m ? sx[h] - xq : INFINITY;
    const bool left = dl <= dh;
    const double dx = left ? dl : dh;
    if (dx > bd[K - 1] || dx == INFINITY) break;
    const int64_t j = left ? l-- : h++;
    const double d = ms::msMax(fabs(sx[j] - xq), fabs(yy[j] - yq));
    for (int a = K - 1; a > 0; --a) bd[a] = ms::msMin(bd[a], ms::msMax(bd[a - 1], d));
    bd[0] = ms::msMin(bd[0], d);
  }
  return bd[K - 1];
}

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
