// KSG on cases with a known answer: a bivariate normal (I = −½ ln(1 − ρ²)), independent normals
// (0), and the statuses for k ≥ rows, infinite values and constant columns.
#include <cmath>
#include <cstdio>
#include <vector>

#include "check.h"
#include "columns.h"
#include "kernels/ksg.h"
#include "kernels/random.h"

namespace {

void normalPair(double rho, int n, uint64_t seed, std::vector<double>* x, std::vector<double>* y) {
  ms::Ziggurat g(seed);
  x->resize(n);
  y->resize(n);
  for (int i = 0; i < n; ++i) {
    (*x)[i] = g();
    (*y)[i] = rho * (*x)[i] + std::sqrt(1 - rho * rho) * g();
  }
}

double ksg(const std::vector<double>& x, const std::vector<double>& y, int k, ms::Status* status = nullptr) {
  ms::KsgOptions o;
  o.k = k;
  double out = NAN;
  const ms::Status s = ms::ksgMutualInformation({x.data(), y.data()}, static_cast<int64_t>(x.size()), {0}, {1}, o, &out);
  if (status) *status = s;
  return out;
}

void bivariateNormal() {
  std::vector<double> x, y;
  normalPair(0.9, 2000, 7, &x, &y);
  const double truth = -0.5 * std::log(1 - 0.81);  // 0.8304 nats
  CHECK_NEAR(ksg(x, y, 3), truth, 0.05);
  normalPair(0.0, 2000, 8, &x, &y);
  CHECK_NEAR(ksg(x, y, 3), 0.0, 0.03);
}

void invariantToScale() {
  // Standardised first: x·1e160 gives the same estimate (issue 11 measured ~0 instead of 1.2 nats).
  std::vector<double> x, y;
  normalPair(0.95, 500, 9, &x, &y);
  std::vector<double> big = x;
  for (double& v : big) v *= 1e160;
  CHECK_NEAR(ksg(big, y, 3), ksg(x, y, 3), 1e-6);
  CHECK(ksg(x, y, 3) > 1.0);
}

void statuses() {
  std::vector<double> x = {1, 2, 3}, y = {3, 1, 2};
  ms::Status s;
  ksg(x, y, 3, &s);
  CHECK_STATUS(s, ms::Code::TooFewRows);  // k = 3 needs 4 rows
  ksg(x, y, 0, &s);
  CHECK_STATUS(s, ms::Code::BadOption);
  std::vector<double> inf = {1, INFINITY, 3, 4, 5}, ok = {5, 3, 4, 1, 2};
  ksg(inf, ok, 1, &s);
  CHECK_STATUS(s, ms::Code::BadInput);
  std::vector<double> flat = {2, 2, 2, 2, 2};
  ksg(flat, ok, 1, &s);
  CHECK_STATUS(s, ms::Code::BadInput);
  // The matrix refuses k ≥ rows as the pair does (issue 11), and names an infinite column.
  std::vector<ms::ColumnView> cols = {mstest::view(x), mstest::view(y)};
  ms::KsgOptions o;
  o.k = 3;
  auto sink = [](int, int, int, double, uint32_t) {};
  CHECK_STATUS(ms::ksgAllPairs(cols, o, 1, 0, -1, ms::Control{}, sink), ms::Code::BadOption);
  std::vector<ms::ColumnView> withInf = {mstest::view(ok), mstest::view(inf)};
  int bad = -1;
  o.k = 1;
  CHECK_STATUS(ms::ksgAllPairs(withInf, o, 1, 0, -1, ms::Control{}, sink, &bad), ms::Code::BadInput);
  CHECK(bad == 1);
  std::vector<double> shorter = {1, 2, 3, 4};
  std::vector<ms::ColumnView> ragged = {mstest::view(ok), mstest::view(shorter)};
  CHECK_STATUS(ms::ksgAllPairs(ragged, o, 1, 0, -1, ms::Control{}, sink, &bad), ms::Code::LengthMismatch);
}

void resamplingIsSeeded() {
  std::vector<double> x, y;
  normalPair(0.5, 300, 10, &x, &y);
  ms::KsgOptions o;
  double obs1 = 0, obs4 = 0;
  std::vector<double> d1, d4, other;
  CHECK(ms::ksgResample(x.data(), y.data(), 300, o, ms::KsgResampling::kHalfSample, 20, 1, 42, 1, &obs1, &d1).ok());
  CHECK(ms::ksgResample(x.data(), y.data(), 300, o, ms::KsgResampling::kHalfSample, 20, 1, 42, 4, &obs4, &d4).ok());
  CHECK(obs1 == obs4);
  CHECK(d1 == d4);
  CHECK(ms::ksgResample(x.data(), y.data(), 300, o, ms::KsgResampling::kHalfSample, 20, 1, 43, 2, &obs4, &other).ok());
  CHECK(other != d1);
}

// The AVX-512 passes (eight queries a group, eight count guesses at once) give the same bits as
// the AVX2 ones: continuous, tied, heavy-tailed and copied data, sizes that are not multiples of
// the groups, every specialised k; single pairs and a matrix (whose marginals are built per tile
// or once for the matrix: the same bits too).
void avx512SameBits() {
  const bool wide = ms::ksgUseAvx512(true);
  if (!wide) std::printf("  (no AVX-512 on this processor: one path only)\n");
  for (const int n : {9, 301, 5003}) {
    std::vector<double> x, y;
    normalPair(0.7, n, 50 + n, &x, &y);
    std::vector<double> tied(x), heavy(x), copy(x);
    for (double& v : tied) v = std::round(2 * v);
    for (double& v : heavy) v = std::exp(3 * v);
    const std::vector<std::vector<double>> cols = {x, y, tied, heavy, copy};
    for (const int k : {1, 2, 3, 4, 5, 6, 7, 8, 10}) {
      if (k >= n) continue;
      for (size_t i = 0; i < cols.size(); ++i)
        for (size_t j = i + 1; j < cols.size(); ++j) {
          ms::ksgUseAvx512(false);
          const double narrow = ksg(cols[i], cols[j], k);
          ms::ksgUseAvx512(true);
          CHECK(ksg(cols[i], cols[j], k) == narrow);
        }
    }
    std::vector<ms::ColumnView> views;
    for (const auto& c : cols) views.push_back(mstest::view(c));
    // Narrow with marginals built per tile, wide with them built once for the matrix.
    std::vector<double> m[2];
    for (int w = 0; w < 2; ++w) {
      ms::ksgUseAvx512(w == 1);
      const double budget = ms::ksgSharedMarginalBudget(w == 1 ? 1e12 : 0);
      m[w].assign(cols.size() * cols.size(), NAN);
      CHECK(ms::ksgAllPairs(views, ms::KsgOptions{}, 2, 0, -1, ms::Control{}, [&](int, int i, int j, double v, uint32_t) {
              m[w][i * cols.size() + j] = v;
            }).ok());
      ms::ksgSharedMarginalBudget(budget);
    }
    for (size_t q = 0; q < m[0].size(); ++q) CHECK(m[0][q] == m[1][q] || (std::isnan(m[0][q]) && std::isnan(m[1][q])));
  }
  ms::ksgUseAvx512(true);
}

}  // namespace

TEST_MAIN(bivariateNormal, invariantToScale, statuses, resamplingIsSeeded, avx512SameBits)
