// Discretisation rules (README "Binning") and the plug-in entropy of counts, on hand-computed cases.
#include <cmath>
#include <vector>

#include "check.h"
#include "kernels/binning.h"

namespace {

const double kNaN = std::nan("");

struct Coded {
  ms::Status status;
  std::vector<uint16_t> codes;
  ms::BinInfo info;
};

Coded code(const std::vector<double>& x, const ms::BinSpec& spec) {
  Coded c;
  c.codes.assign(x.size(), 0);
  std::vector<double> scratch(x.size());
  c.status = ms::discretize<uint16_t>(x.data(), static_cast<int64_t>(x.size()), spec, uint16_t{0xFFFF}, c.codes.data(), scratch.data(), &c.info);
  return c;
}

void entropyOfCountsByHand() {
  const uint32_t uniform4[] = {1, 1, 1, 1}, single[] = {4, 0, 0}, skew[] = {2, 1, 1};
  CHECK_NEAR(ms::entropyOfCounts(uniform4, 4, 4), std::log(4.0), 1e-15);
  CHECK_NEAR(ms::entropyOfCounts(single, 3, 4), 0.0, 1e-15);
  // ln 4 − (2 ln 2) / 4 = 1.5 ln 2
  CHECK_NEAR(ms::entropyOfCounts(skew, 3, 4), 1.5 * std::log(2.0), 1e-15);
  CHECK(std::isnan(ms::entropyOfCounts(single, 3, 0)));
}

void fewDistinctValuesKeepOneCodePerValue() {
  const Coded c = code({5, 7, 5, 9, kNaN}, ms::BinSpec{});
  CHECK(c.status.ok());
  CHECK(c.info.discrete);
  CHECK(c.info.levels == 3);
  CHECK(c.info.rowsUsed == 4);
  CHECK((c.codes == std::vector<uint16_t>{0, 1, 0, 2, 0xFFFF}));
}

void quantileCutsAreOrderStatistics() {
  ms::BinSpec spec;
  spec.bins = 4;
  spec.discreteMax = 0;
  // Cut k is s[floor(k·8/4)] = 2, 4, 6; a value's bin is the number of cuts ≤ it.
  const Coded c = code({7, 6, 5, 4, 3, 2, 1, 0}, spec);
  CHECK(c.status.ok());
  CHECK(!c.info.discrete);
  CHECK(c.info.levels == 4);
  CHECK((c.info.cuts == std::vector<double>{2, 4, 6}));
  CHECK((c.codes == std::vector<uint16_t>{3, 3, 2, 2, 1, 1, 0, 0}));
}

void quantileCutsAllAtTheMinimumMoveJustAboveIt() {
  ms::BinSpec spec;
  spec.bins = 4;
  spec.discreteMax = 0;
  // 16 rows at the floor 1 and 4 spikes: every cut s[5], s[10], s[15] is 1, so every row would be
  // in bin 3 (entropy 0 for a column of 5 values); the cuts move to the next value, 7.
  std::vector<double> x(20, 1.0);
  x[2] = 9, x[8] = 7, x[12] = 30, x[19] = 8;
  const Coded c = code(x, spec);
  CHECK(c.status.ok());
  CHECK((c.info.cuts == std::vector<double>{7, 7, 7}));
  for (size_t i = 0; i < x.size(); ++i) CHECK(c.codes[i] == (x[i] > 1 ? 3 : 0));
  // With one cut above the minimum the cuts stay the order statistics s[5], s[10], s[15] = 1, 1, 3.
  std::vector<double> y(20, 1.0);
  for (int i = 0; i < 6; ++i) y[i] = 2.0 + i;
  CHECK((code(y, spec).info.cuts == std::vector<double>{1, 1, 3}));
}

void uniformBinsOfEqualWidth() {
  ms::BinSpec spec;
  spec.mode = ms::Binning::Uniform;
  spec.bins = 5;
  spec.discreteMax = 0;
  // Width 9 / 5 = 1.8: bin floor(v / 1.8), the maximum in the last bin.
  const Coded c = code({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, spec);
  CHECK(c.status.ok());
  CHECK(c.info.levels == 5);
  CHECK((c.codes == std::vector<uint16_t>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
  CHECK_NEAR(c.info.cuts[0], 1.8, 1e-15);
}

void edgesAndEmptyColumns() {
  ms::BinSpec spec;
  const double edges[] = {0.5, 2.5};
  spec.mode = ms::Binning::Edges;
  spec.edges = edges;
  spec.nEdges = 2;
  const Coded c = code({0, 1, 2, 3, kNaN}, spec);
  CHECK(c.info.levels == 3);
  CHECK((c.codes == std::vector<uint16_t>{0, 1, 1, 2, 0xFFFF}));
  const Coded none = code({kNaN, kNaN}, ms::BinSpec{});
  CHECK(none.status.ok());
  CHECK(none.info.levels == 0 && none.info.rowsUsed == 0);
  CHECK((none.codes == std::vector<uint16_t>{0xFFFF, 0xFFFF}));
}

void infiniteValuesRejectedByEqualWidthOnly() {
  ms::BinSpec uniform;
  uniform.mode = ms::Binning::Uniform;
  uniform.discreteMax = 0;
  std::vector<double> x(40);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
  x[3] = INFINITY;
  CHECK_STATUS(code(x, uniform).status, ms::Code::BadInput);
  ms::BinSpec quantile;
  quantile.discreteMax = 0;
  CHECK(code(x, quantile).status.ok());  // quantiles are defined with an infinite value
}

void everyCodingIsCounted() {
  const uint64_t before = ms::columnsCoded();
  code({1, 2, 3}, ms::BinSpec{});
  code({1, 2, 3}, ms::BinSpec{});
  CHECK(ms::columnsCoded() - before == 2);
}

}  // namespace

TEST_MAIN(entropyOfCountsByHand, fewDistinctValuesKeepOneCodePerValue, quantileCutsAreOrderStatistics, quantileCutsAllAtTheMinimumMoveJustAboveIt, uniformBinsOfEqualWidth,
          edgesAndEmptyColumns, infiniteValuesRejectedByEqualWidthOnly, everyCodingIsCounted)
