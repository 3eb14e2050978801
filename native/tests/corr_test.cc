// Correlations at every magnitude (issue 11: Pearson was NaN beyond about 1e154 or below 1e-160),
// Kendall's tau-b counting, and infinite values refused with the column named.
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <random>
#include <utility>
#include <vector>

#include "check.h"
#include "columns.h"
#include "kernels/corr.h"

namespace {

std::map<std::pair<int, int>, double> matrix(const std::vector<std::vector<double>>& cols, ms::CorrMethod m, int threads) {
  std::vector<ms::ColumnView> views;
  for (const auto& c : cols) views.push_back(mstest::view(c));
  ms::CorrTable t;
  int bad = -1;
  std::map<std::pair<int, int>, double> out;
  CHECK(ms::prepareCorr(views, m, threads, &t, &bad).ok());
  std::mutex lock;
  CHECK(ms::corrAllPairs(t, threads, 0, -1, ms::Control{}, [&](int, int i, int j, double v, uint32_t) {
    std::lock_guard<std::mutex> g(lock);
    out[{i, j}] = v;
  }).ok());
  for (int i = 0; i < t.M; ++i) {
    uint32_t rows = 0;
    out[{i, i}] = ms::corrDiagonal(t, i, &rows);
  }
  return out;
}

void pearsonAtExtremeMagnitudes() {
  std::vector<double> base = {1, 2, 3, 5, 8, 13, 21, 34}, huge, tiny, neg, gappy;
  for (double v : base) {
    huge.push_back(v * 1e300);
    tiny.push_back((2 * v + 1) * 1e-300);
    neg.push_back(-v * 1e200);
  }
  gappy = huge;
  gappy[2] = std::nan("");  // the pairwise path (a column with a missing cell)
  for (auto m : {ms::CorrMethod::Pearson, ms::CorrMethod::Spearman}) {
    const auto r = matrix({huge, tiny, neg, gappy}, m, 2);
    for (int i = 0; i < 4; ++i) CHECK_NEAR(r.at({i, i}), 1.0, 0);
    CHECK_NEAR(r.at({0, 1}), 1.0, 1e-12);
    CHECK_NEAR(r.at({0, 2}), -1.0, 1e-12);
    CHECK_NEAR(r.at({1, 2}), -1.0, 1e-12);
    CHECK_NEAR(r.at({0, 3}), 1.0, 1e-12);
    CHECK_NEAR(r.at({2, 3}), -1.0, 1e-12);
  }
}

void pearsonByHandAndConstantColumns() {
  // x = 1..4, y = 1, 3, 2, 4: r = 0.8 (Σdxdy = 4, Σdx² = Σdy² = 5).
  const auto r = matrix({{1, 2, 3, 4}, {1, 3, 2, 4}, {7, 7, 7, 7}}, ms::CorrMethod::Pearson, 1);
  CHECK_NEAR(r.at({0, 1}), 0.8, 1e-15);
  CHECK(std::isnan(r.at({0, 2})));
  CHECK(std::isnan(r.at({2, 2})));
}

void kendallTauBCounts() {
  const std::vector<int32_t> a = {0, 1, 2, 3}, rev = {3, 2, 1, 0}, swap = {1, 0, 2, 3};
  CHECK_NEAR(ms::kendallTauB(a.data(), a.data(), 4), 1.0, 1e-15);
  CHECK_NEAR(ms::kendallTauB(a.data(), rev.data(), 4), -1.0, 1e-15);
  // One discordant pair of six: (5 − 1) / 6.
  CHECK_NEAR(ms::kendallTauB(a.data(), swap.data(), 4), 4.0 / 6, 1e-15);
}

// Tau-b from counts found independently of the kernel: rows sorted by (x, y), tie runs counted,
// discordant pairs as strict inversions of y by a Fenwick tree; the same formula as the kernel.
double tauBReference(const std::vector<int32_t>& x, const std::vector<int32_t>& y) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<int64_t> idx(n);
  for (int64_t k = 0; k < n; ++k) idx[k] = k;
  std::sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return x[a] != x[b] ? x[a] < x[b] : y[a] < y[b]; });
  auto pairs = [](int64_t k) { return k * (k - 1) / 2; };
  int64_t n1 = 0, n2 = 0, n3 = 0, dis = 0;
  for (int64_t s = 0; s < n;) {
    int64_t e = s + 1, u = s;
    while (e < n && x[idx[e]] == x[idx[s]]) ++e;
    n1 += pairs(e - s);
    while (u < e) {
      int64_t v = u + 1;
      while (v < e && y[idx[v]] == y[idx[u]]) ++v;
      n3 += pairs(v - u);
      u = v;
    }
    s = e;
  }
  const int32_t maxY = n ? *std::max_element(y.begin(), y.end()) : 0;
  std::vector<int64_t> count(maxY + 2, 0), fenwick(maxY + 2, 0);
  for (int32_t v : y) count[v]++;
  for (int64_t c : count) n2 += pairs(c);
  for (int64_t k = 0; k < n; ++k) {
    const int32_t v = y[idx[k]];
    int64_t atMost = 0;  // earlier values ≤ v
    for (int32_t p = v + 1; p > 0; p -= p & -p) atMost += fenwick[p];
    dis += k - atMost;
    for (int32_t p = v + 1; p <= maxY + 1; p += p & -p) fenwick[p]++;
  }
  if (n < 2) return NAN;
  const int64_t n0 = pairs(n);
  const double num = static_cast<double>(n0 - n1 - n2 + n3 - 2 * dis);
  const double den = std::sqrt(static_cast<double>(n0 - n1) * static_cast<double>(n0 - n2));
  if (!(den > 0)) return NAN;
  const double tau = num / den;
  return tau > 1 ? 1 : (tau < -1 ? -1 : tau);
}

// The discordant-pair count on every path: one to four 5-bit radix levels, tied and untied y,
// groups above 2^16 members (where the AVX-512 pass's 16-bit counters hand over to the 32-bit
// pass), with the AVX-512 pass on (where the CPU has it) and off; bit-equal to the reference.
void kendallCountingPaths() {
  std::mt19937_64 rng(13);
  struct Case { int64_t n; int32_t yLevels; };  // yLevels 0: y a permutation (untied)
  for (const Case c : {Case{2, 0}, Case{31, 0}, Case{700, 9}, Case{3000, 0}, Case{3000, 40}, Case{40000, 0}, Case{70000, 0}, Case{70000, 3},
                       Case{70000, 1024}, Case{70000, 50000}}) {
    std::vector<int32_t> x(c.n), y(c.n);
    std::vector<double> latent(c.n);
    for (int64_t k = 0; k < c.n; ++k) latent[k] = std::normal_distribution<double>()(rng);
    // y follows x loosely, so counts are neither all concordant nor half.
    std::vector<int64_t> ord(c.n);
    for (int64_t k = 0; k < c.n; ++k) ord[k] = k;
    std::vector<double> noisy(c.n);
    for (int64_t k = 0; k < c.n; ++k) noisy[k] = latent[k] + std::normal_distribution<double>()(rng);
    std::sort(ord.begin(), ord.end(), [&](int64_t a, int64_t b) { return noisy[a] < noisy[b]; });
    for (int64_t k = 0; k < c.n; ++k) y[ord[k]] = c.yLevels ? static_cast<int32_t>(k * c.yLevels / c.n) : static_cast<int32_t>(k);
    for (int64_t k = 0; k < c.n; ++k) x[k] = static_cast<int32_t>(std::floor(latent[k] * 1000)) + 100000;  // a few ties
    const double want = tauBReference(x, y);
    for (bool wide : {true, false}) {
      ms::kendallUseAvx512(wide);
      const double got = ms::kendallTauB(x.data(), y.data(), c.n);
      CHECK(got == want || (std::isnan(got) && std::isnan(want)));
    }
    ms::kendallUseAvx512(true);
  }
}

// The matrix path on complete columns (where the gather, the top digit and the split are one pass),
// untied and tied columns (one radix level or more) on either side of a pair, below and above 2^16 rows, AVX-512 on and off.
void kendallMatrixCompleteColumns() {
  std::mt19937_64 rng(17);
  for (const int64_t n : {int64_t{3000}, int64_t{70000}}) {
    std::vector<double> latent(n);
    for (auto& v : latent) v = std::normal_distribution<double>()(rng);
    std::vector<std::vector<int32_t>> ints;
    for (const int32_t levels : {0, 40, 0, 1024, 9}) {  // 0: untied; 9: one radix level
      std::vector<double> noisy(n);
      for (int64_t k = 0; k < n; ++k) noisy[k] = latent[k] + std::normal_distribution<double>()(rng);
      std::vector<int64_t> ord(n);
      for (int64_t k = 0; k < n; ++k) ord[k] = k;
      std::sort(ord.begin(), ord.end(), [&](int64_t a, int64_t b) { return noisy[a] < noisy[b]; });
      std::vector<int32_t> c(n);
      for (int64_t k = 0; k < n; ++k) c[ord[k]] = levels ? static_cast<int32_t>(k * levels / n) : static_cast<int32_t>(k);
      ints.push_back(c);
    }
    std::vector<std::vector<double>> cols;
    for (const auto& c : ints) cols.emplace_back(c.begin(), c.end());
    for (bool wide : {true, false}) {
      ms::kendallUseAvx512(wide);
      const auto r = matrix(cols, ms::CorrMethod::Kendall, 2);
      for (int i = 0; i < 5; ++i)
        for (int j = i + 1; j < 5; ++j) CHECK(r.at({i, j}) == tauBReference(ints[i], ints[j]));
    }
    ms::kendallUseAvx512(true);
  }
}

void infiniteValuesNameTheirColumn() {
  std::vector<double> ok = {1, 2, 3, 4}, inf = {1, INFINITY, 3, 4};
  std::vector<ms::ColumnView> views = {mstest::view(ok), mstest::view(inf)};
  ms::CorrTable t;
  int bad = -1;
  CHECK_STATUS(ms::prepareCorr(views, ms::CorrMethod::Pearson, 1, &t, &bad), ms::Code::BadInput);
  CHECK(bad == 1);
}

void columnsOfDifferentLengths() {
  std::vector<double> a = {1, 2, 3, 4}, b = {1, 2, 3};
  std::vector<ms::ColumnView> views = {mstest::view(a), mstest::view(b)};
  ms::CorrTable t;
  int bad = -1;
  CHECK_STATUS(ms::prepareCorr(views, ms::CorrMethod::Pearson, 1, &t, &bad), ms::Code::LengthMismatch);
  CHECK(bad == 1);
}

}  // namespace

TEST_MAIN(pearsonAtExtremeMagnitudes, pearsonByHandAndConstantColumns, kendallTauBCounts, kendallCountingPaths, kendallMatrixCompleteColumns, infiniteValuesNameTheirColumn, columnsOfDifferentLengths)
