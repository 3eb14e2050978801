// Moments that are right at every magnitude. Sums of values near 1e154 overflow when squared, and
// squares of values near 1e-160 underflow to zero: both turned finite columns into NaN
// correlations. Dividing by a power of two near the largest |value| first is exact and brings
// every value into [-1, 1], where sums of n values and of their squares are safe.
#pragma once
#include <cmath>
#include <cstdint>

namespace ms {

// e such that every |x[t]| < 2^e (0 when all are zero or none is finite); x / 2^e = scalbn(x, -e).
inline int scaleExponent(const double* x, int64_t n) {
  double m = 0;
  for (int64_t t = 0; t < n; ++t) {
    const double a = std::fabs(x[t]);
    if (a > m && std::isfinite(a)) m = a;
  }
  if (!(m > 0)) return 0;
  int e = 0;
  std::frexp(m, &e);  // m = f · 2^e with f in [0.5, 1)
  return e;
}

// Multiplication by 2^-e: one exact multiply when 2^-e is a normal double (every column but one
// whose largest value is itself subnormal), scalbn otherwise.
struct Scale {
  int e = 0;
  double f = 1;
  explicit Scale(int exponent) : e(exponent), f(exponent >= -1022 && exponent <= 1022 ? std::ldexp(1.0, -exponent) : 0) {}
  double operator()(double x) const { return f != 0 ? x * f : std::scalbn(x, -e); }
};

// Mean and centred sum of squares of x[0, n) scaled by `s` (finite values, n ≥ 1).
struct ScaledMoments {
  double mean = 0, ss = 0;
};
inline ScaledMoments scaledMoments(const double* x, int64_t n, const Scale& s) {
  ScaledMoments r;
  for (int64_t t = 0; t < n; ++t) r.mean += s(x[t]);
  r.mean /= static_cast<double>(n);
  for (int64_t t = 0; t < n; ++t) {
    const double d = s(x[t]) - r.mean;
    r.ss += d * d;
  }
  return r;
}

}  // namespace ms
