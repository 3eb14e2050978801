// A tiny check harness for the kernels' unit tests: no framework to download or install. A failed
// CHECK prints the file, line and expression (and the values, for the numeric forms) and the test
// executable exits 1, which ctest reports.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>

namespace mstest {

inline int& failures() {
  static int n = 0;
  return n;
}

inline void fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what.c_str());
  ++failures();
}

inline bool near(double a, double b, double tol) { return std::fabs(a - b) <= tol || (std::isnan(a) && std::isnan(b)); }

}  // namespace mstest

#define CHECK(cond) \
  do { if (!(cond)) mstest::fail(__FILE__, __LINE__, #cond); } while (0)

// |a − b| ≤ tol (NaN equals NaN).
#define CHECK_NEAR(a, b, tol)                                                                                  \
  do {                                                                                                         \
    const double a_ = (a), b_ = (b);                                                                           \
    if (!mstest::near(a_, b_, (tol)))                                                                          \
      mstest::fail(__FILE__, __LINE__, std::string(#a " ≈ " #b ": ") + std::to_string(a_) + " vs " + std::to_string(b_)); \
  } while (0)

// A kernel Status with the expected code.
#define CHECK_STATUS(status, expected)                                                                             \
  do {                                                                                                             \
    const ms::Status s_ = (status);                                                                                \
    if (s_.code != (expected))                                                                                     \
      mstest::fail(__FILE__, __LINE__, std::string(#status " gave ") + ms::codeName(s_.code) + " (" + s_.message + \
                                           "), expected " + ms::codeName(expected));                               \
  } while (0)

// Each test file's main: runs the listed test functions and returns 1 if any check failed.
#define TEST_MAIN(...)                                                                  \
  int main() {                                                                          \
    void (*tests[])() = {__VA_ARGS__};                                                  \
    for (auto t : tests) t();                                                           \
    if (mstest::failures()) std::fprintf(stderr, "%d check(s) failed\n", mstest::failures()); \
    return mstest::failures() ? 1 : 0;                                                  \
  }
