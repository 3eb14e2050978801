// Discretisation of one continuous column into integer codes, and the plug-in entropy of codes.
// The rules here are the documented contract (README "Binning"); test/golden checks them against an
// independent numpy implementation.
#pragma once
#include <cstdint>
#include <vector>

#include "status.h"

namespace ms {

enum class Binning { Quantile, Uniform, Auto, Edges };

struct BinSpec {
  Binning mode = Binning::Quantile;
  int bins = 16;                 // K for quantile/uniform; the cap for auto
  int discreteMax = -1;          // columns with at most this many distinct values keep one code per value; -1: K
  const double* edges = nullptr; // Binning::Edges: strictly increasing interior cut points (K-1 of them)
  int nEdges = 0;
};

// The most codes any column can get under `spec` (the stride of joint histograms is this + 1).
int maxLevels(const BinSpec& spec);

struct BinInfo {
  int levels = 0;          // codes used are in [0, levels)
  int64_t rowsUsed = 0;    // non-missing rows
  bool discrete = false;   // kept as-is (few distinct values)
  std::vector<double> cuts;  // interior cut points used (empty for discrete columns)
};

// Codes x[0, n) into codes[0, n): a value in [0, maxLevels(spec)) or `missing` for NaN.
// `scratch` must hold n doubles. Infinite values are rejected for uniform/auto binning.
template <class C>
Status discretize(const double* x, int64_t n, const BinSpec& spec, C missing, C* codes, double* scratch, BinInfo* info);

// Columns coded by discretize in this process so far (every path that bins: prepared tables,
// one-shot calls, discretize). A relaxed counter: what tests and benchmarks count codings with.
uint64_t columnsCoded();

// Plug-in entropy (nats) of a histogram with `total` observations: ln(total) - Σ c ln c / total.
double entropyOfCounts(const uint32_t* counts, int k, int64_t total);

}  // namespace ms
