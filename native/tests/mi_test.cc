// Binned MI over coded columns: independent codes give 0, identical codes give H, NMI of identical
// columns is 1, missing rows are left out pairwise; thread counts give identical values.
#include <cmath>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "check.h"
#include "columns.h"
#include "kernels/mi_tile.h"

namespace {

// 16 rows: a = t mod 4 and b = ⌊t/4⌋ mod 4 take every (a, b) cell once (exactly independent);
// c = a (identical); d = a with row 0 missing.
struct Fixture {
  std::vector<double> a, b, c, d;
  Fixture() {
    for (int t = 0; t < 16; ++t) {
      a.push_back(t % 4);
      b.push_back((t / 4) % 4);
    }
    c = a;
    d = a;
    d[0] = std::nan("");
  }
  std::vector<ms::ColumnView> views() const { return {mstest::view(a), mstest::view(b), mstest::view(c), mstest::view(d)}; }
};

void independentAndIdenticalCodes() {
  Fixture f;
  ms::CodedTable t;
  int bad = -1;
  CHECK(ms::codeColumns(f.views(), ms::BinSpec{}, false, 1, &t, &bad).ok());
  const double ln4 = std::log(4.0);
  CHECK_NEAR(t.entropy[0], ln4, 1e-14);
  const ms::PairEntropies ab = ms::codedPairEntropies(t, 0, 1, false);
  CHECK(ab.rows == 16);
  CHECK_NEAR(ab.hxy, std::log(16.0), 1e-14);
  CHECK_NEAR(ab.hx + ab.hy - ab.hxy, 0.0, 1e-14);
  const ms::PairEntropies ac = ms::codedPairEntropies(t, 0, 2, false);
  CHECK_NEAR(ac.hx + ac.hy - ac.hxy, ln4, 1e-14);
  // Pairwise-complete rows: row 0 is left out of (a, d), leaving 15 rows with counts 3, 4, 4, 4.
  const ms::PairEntropies ad = ms::codedPairEntropies(t, 0, 3, false);
  CHECK(ad.rows == 15);
  const double h15 = std::log(15.0) - (3 * std::log(3.0) + 3 * 4 * std::log(4.0)) / 15;
  CHECK_NEAR(ad.hx, h15, 1e-14);
  CHECK_NEAR(ad.hx + ad.hy - ad.hxy, h15, 1e-14);
}

std::map<std::pair<int, int>, double> allPairs(const ms::CodedTable& t, ms::Measure m, int threads) {
  std::map<std::pair<int, int>, double> out;
  std::mutex lock;
  ms::MiOptions o;
  o.measure = m;
  o.bits = false;
  const ms::Status s = ms::miAllPairs(t, o, threads, 0, -1, ms::Control{}, [&](int, int i, int j, double v, uint32_t) {
    std::lock_guard<std::mutex> g(lock);
    out[{i, j}] = v;
  });
  CHECK(s.ok());
  return out;
}

void allPairsMeasuresAndThreads() {
  Fixture f;
  ms::CodedTable t;
  int bad = -1;
  CHECK(ms::codeColumns(f.views(), ms::BinSpec{}, false, 2, &t, &bad).ok());
  const auto mi1 = allPairs(t, ms::Measure::MI, 1), mi4 = allPairs(t, ms::Measure::MI, 4);
  CHECK(mi1.size() == 6);
  CHECK(mi1 == mi4);  // bit-identical for any thread count
  CHECK_NEAR(mi1.at({0, 1}), 0.0, 1e-14);
  CHECK_NEAR(mi1.at({0, 2}), std::log(4.0), 1e-14);
  const auto nmi = allPairs(t, ms::Measure::NMI, 3);
  CHECK_NEAR(nmi.at({0, 2}), 1.0, 1e-14);
  CHECK_NEAR(nmi.at({1, 2}), 0.0, 1e-14);
}

void millerMadowAddsOccupiedCellsOverTwoN() {
  Fixture f;
  ms::CodedTable t;
  int bad = -1;
  CHECK(ms::codeColumns(f.views(), ms::BinSpec{}, true, 1, &t, &bad).ok());
  // H + (m − 1) / (2N): 4 occupied bins of 16 rows.
  CHECK_NEAR(t.entropy[0], std::log(4.0) + 3.0 / 32, 1e-14);
}

void columnsOfDifferentLengths() {
  std::vector<double> a = {1, 2, 3, 4}, b = {1, 2, 3};
  ms::CodedTable t;
  int bad = -1;
  CHECK_STATUS(ms::codeColumns({mstest::view(a), mstest::view(b)}, ms::BinSpec{}, false, 1, &t, &bad), ms::Code::LengthMismatch);
  CHECK(bad == 1);
}

}  // namespace

TEST_MAIN(independentAndIdenticalCodes, allPairsMeasuresAndThreads, millerMadowAddsOccupiedCellsOverTwoN, columnsOfDifferentLengths)
