// The finalisation of a joint histogram into the requested measure, shared by the CPU kernels and
// the CUDA backend (compiled there as device code, with FMA contraction off): one source for both,
// so a matrix computed on a GPU is byte-identical to the CPU's. Plain arithmetic only: no library
// calls but sqrt (correctly rounded on both) and look-ups in a caller-built c·ln(c) table.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define MS_HD __host__ __device__
#else
#define MS_HD
#endif

namespace ms {

enum class Measure { MI, NMI };
enum class Norm { Arithmetic, Geometric, Min, Max, Joint };

struct MiOptions {
  Measure measure = Measure::MI;
  Norm norm = Norm::Arithmetic;
  bool bits = true;
  bool millerMadow = false;
};

// Entropies of one pair on its pairwise-complete rows, in nats, plug-in or Miller–Madow corrected.
struct PairEntropies {
  double hx = 0, hy = 0, hxy = 0;
  uint32_t rows = 0;
};

MS_HD inline double msMax(double a, double b) { return a < b ? b : a; }
MS_HD inline double msMin(double a, double b) { return b < a ? b : a; }

// Entropies from the K×K joint counts of the rows where both codes are present (row a at
// joint + a·ld). KMAX bounds K (the stack arrays); the CPU uses 1024, the device less.
template <int KMAX, class Count>
MS_HD inline PairEntropies pairEntropiesOf(const Count* joint, int K, int64_t ld, const double* xlogx, bool millerMadow) {
  uint32_t row[KMAX], col[KMAX];
  for (int b = 0; b < K; ++b) col[b] = 0;
  double sxy = 0;
  int64_t N = 0;
  int mxy = 0;
  for (int a = 0; a < K; ++a) {
    const Count* r = joint + a * ld;
    uint32_t rs = 0;
    for (int b = 0; b < K; ++b) {
      const uint32_t c = static_cast<uint32_t>(r[b]);
      rs += c;
      col[b] += c;
      sxy += xlogx[c];
      mxy += c != 0;
    }
    row[a] = rs;
    N += rs;
  }
  PairEntropies e;
  e.rows = static_cast<uint32_t>(N);
  if (N == 0) {
    e.hx = e.hy = e.hxy = NAN;
    return e;
  }
  double sx = 0, sy = 0;
  int mx = 0, my = 0;
  for (int a = 0; a < K; ++a) { sx += xlogx[row[a]]; mx += row[a] != 0; }
  for (int b = 0; b < K; ++b) { sy += xlogx[col[b]]; my += col[b] != 0; }
  const double lnN = xlogx[N] / N;  // ln N, from the same table
  e.hx = msMax(0.0, lnN - sx / N);
  e.hy = msMax(0.0, lnN - sy / N);
  e.hxy = msMax(0.0, lnN - sxy / N);
  if (millerMadow) {
    // Miller–Madow: H + (m − 1) / (2N), m = occupied bins.
    e.hx += (mx - 1) / (2.0 * N);
    e.hy += (my - 1) / (2.0 * N);
    e.hxy += (mxy - 1) / (2.0 * N);
  }
  return e;
}

// Value of the measure from the pair's entropies (bits or nats; NMI is unit-free).
MS_HD inline double finalizeMeasure(const PairEntropies& e, const MiOptions& o) {
  if (e.rows == 0) return NAN;
  double mi = e.hx + e.hy - e.hxy;
  // The plug-in MI is never negative; only rounding can make it so. Miller–Madow may honestly be.
  if (!o.millerMadow && mi < 0) mi = 0;
  if (o.measure == Measure::MI) return o.bits ? mi / 0.693147180559945309417232121458176568 : mi;
  double d = 0;
  switch (o.norm) {
    case Norm::Arithmetic: d = 0.5 * (e.hx + e.hy); break;
    case Norm::Geometric: d = sqrt(e.hx * e.hy); break;
    case Norm::Min: d = msMin(e.hx, e.hy); break;
    case Norm::Max: d = msMax(e.hx, e.hy); break;
    case Norm::Joint: d = e.hxy; break;
  }
  // As scikit-learn: two constant columns are a perfect match (1); otherwise 0/0 means no shared information.
  if (e.hx == 0 && e.hy == 0) return 1.0;
  return d > 0 ? mi / d : 0.0;
}

}  // namespace ms
