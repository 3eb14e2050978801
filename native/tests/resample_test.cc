// The one resampling engine: seeded draws identical for any thread count, the one p-value rule,
// plug-in CMI on hand-computed cases, and the statuses of bad lengths, blocks and codes.
#include <cmath>
#include <vector>

#include "check.h"
#include "kernels/cmi_resample.h"
#include "kernels/resample.h"

namespace {

// a = t mod 4, b = a with one row in four changed, 64 rows.
void pair(std::vector<uint16_t>* a, std::vector<uint16_t>* b) {
  for (int t = 0; t < 64; ++t) {
    a->push_back(t % 4);
    b->push_back(t % 8 == 0 ? (t / 8) % 4 : t % 4);
  }
}

void permutationPRule() {
  const std::vector<double> null = {1, 2, 3};
  CHECK_NEAR(ms::permutationP(null, 2), 0.75, 0);      // (1 + 2) / (1 + 3)
  CHECK_NEAR(ms::permutationP(null, 2 + 1e-13), 0.75, 0);  // a tie within 1e-12 counts against
  CHECK_NEAR(ms::permutationP(null, 5), 0.25, 0);       // never 0
}

void miDrawsIdenticalForAnyThreadCount() {
  std::vector<uint16_t> a, b;
  pair(&a, &b);
  double o1 = 0, o4 = 0;
  std::vector<double> b1, b4, p1, p4, other;
  CHECK(ms::miBootstrap(a, b, 4, 200, 1, 7, 1, &o1, &b1).ok());
  CHECK(ms::miBootstrap(a, b, 4, 200, 1, 7, 4, &o4, &b4).ok());
  CHECK(o1 == o4 && b1 == b4);
  CHECK(ms::miBootstrap(a, b, 4, 200, 1, 8, 4, &o4, &other).ok());
  CHECK(other != b1);
  CHECK(ms::miPermutationNull(a, b, 4, 99, 4, 7, 1, &o1, &p1).ok());
  CHECK(ms::miPermutationNull(a, b, 4, 99, 4, 7, 3, &o4, &p4).ok());
  CHECK(o1 == o4 && p1 == p4);
  // Permuting rows breaks the pairing: the null lies well below the observed MI of a near-copy.
  CHECK(ms::miPermutationNull(a, b, 4, 99, 1, 7, 2, &o1, &p1).ok());
  double mean = 0;
  for (double v : p1) mean += v / p1.size();
  CHECK(mean < 0.5 * o1);
}

void cmiByHand() {
  // a = b and c constant: I(A; B | C) = H(A) = ln 4.
  std::vector<int32_t> a, b, c, zero(64, 0);
  for (int t = 0; t < 64; ++t) {
    a.push_back(t % 4);
    b.push_back((t / 4) % 4);
    c.push_back((t / 16) % 4);
  }
  CHECK_NEAR(ms::cmiPlugIn({a.data(), a.data(), zero.data(), 64, 4, 4, 1}), std::log(4.0), 1e-14);
  // Every (a, b, c) cell once: conditionally independent, 0.
  CHECK_NEAR(ms::cmiPlugIn({a.data(), b.data(), c.data(), 64, 4, 4, 4}), 0.0, 1e-14);
  // b = a given c: I(A; A | C) = H(A | C) = ln 4 (a and c independent).
  CHECK_NEAR(ms::cmiPlugIn({a.data(), a.data(), c.data(), 64, 4, 4, 4}), std::log(4.0), 1e-14);
}

void cmiDrawsIdenticalForAnyThreadCount() {
  std::vector<int32_t> a, b, c;
  for (int t = 0; t < 200; ++t) {
    a.push_back((t * 7) % 5);
    b.push_back(((t * 7) % 5 + (t % 3 == 0)) % 5);
    c.push_back(t % 3);
  }
  const ms::Triple tr{a.data(), b.data(), c.data(), 200, 5, 5, 3};
  double o1 = 0, o4 = 0;
  std::vector<double> d1, d4, n1, n4;
  CHECK(ms::cmiBootstrap(tr, 100, 5, 11, 1, &o1, &d1).ok());
  CHECK(ms::cmiBootstrap(tr, 100, 5, 11, 4, &o4, &d4).ok());
  CHECK(o1 == o4 && d1 == d4);
  CHECK_NEAR(o1, ms::cmiPlugIn(tr), 0);
  CHECK(ms::cmiStratifiedNull(tr, 50, 11, 1, &o1, &n1).ok());
  CHECK(ms::cmiStratifiedNull(tr, 50, 11, 3, &o4, &n4).ok());
  CHECK(n1 == n4);
}

void statuses() {
  CHECK_STATUS(ms::checkResampling(1, 10, 1, "a bootstrap", "replicates"), ms::Code::TooFewRows);
  CHECK_STATUS(ms::checkResampling(10, 0, 1, "a bootstrap", "replicates"), ms::Code::BadOption);
  CHECK_STATUS(ms::checkResampling(10, 10, 6, "a bootstrap", "replicates"), ms::Code::BadOption);  // block > n/2
  CHECK(ms::checkResampling(10, 10, 5, "a bootstrap", "replicates").ok());
  std::vector<uint16_t> a, b;
  pair(&a, &b);
  std::vector<uint16_t> shorter(b.begin(), b.end() - 1);
  double o = 0;
  std::vector<double> out;
  CHECK_STATUS(ms::miBootstrap(a, shorter, 4, 10, 1, 0, 1, &o, &out), ms::Code::LengthMismatch);
  CHECK_STATUS(ms::miPermutationNull(a, shorter, 4, 10, 1, 0, 1, &o, &out), ms::Code::LengthMismatch);
  std::vector<int32_t> x = {0, 1, 2, 3}, y = {0, 1, 2, 4};  // 4 is out of range for 4 levels
  CHECK_STATUS(ms::cmiBootstrap({x.data(), y.data(), x.data(), 4, 4, 4, 4}, 10, 1, 0, 1, &o, &out), ms::Code::BadInput);
  CHECK_STATUS(ms::cmiBootstrap({x.data(), x.data(), x.data(), 4, 4, 4, 0}, 10, 1, 0, 1, &o, &out), ms::Code::BadInput);
  int64_t rows = 0;
  CHECK_STATUS(ms::teSurrogateNull({x.data(), x.data(), 4, 4, 4, 0}, 10, 1, false, 0, 1, &o, &rows, &out), ms::Code::BadOption);
  CHECK_STATUS(ms::teSurrogateNull({x.data(), x.data(), 4, 4, 4, 2}, 10, 1, false, 0, 1, &o, &rows, &out), ms::Code::TooFewRows);
}

}  // namespace

TEST_MAIN(permutationPRule, miDrawsIdenticalForAnyThreadCount, cmiByHand, cmiDrawsIdenticalForAnyThreadCount, statuses)
