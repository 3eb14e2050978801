// Correlations at every magnitude (issue 11: Pearson was NaN beyond about 1e154 or below 1e-160),
// Kendall's tau-b counting, and infinite values refused with the column named.
#include <cmath>
#include <map>
#include <mutex>
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

TEST_MAIN(pearsonAtExtremeMagnitudes, pearsonByHandAndConstantColumns, kendallTauBCounts, infiniteValuesNameTheirColumn, columnsOfDifferentLengths)
