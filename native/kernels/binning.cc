#include "binning.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ms {

int maxLevels(const BinSpec& spec) {
  if (spec.mode == Binning::Edges) return spec.nEdges + 1;
  return std::max(spec.bins, spec.discreteMax);
}

namespace {

// Up to `limit` distinct values of x (sorted), or false once there are more: O(n log limit),
// and it stops early on continuous columns.
bool fewDistinct(const double* x, int64_t n, int limit, std::vector<double>& out) {
  out.clear();
  for (int64_t t = 0; t < n; ++t) {
    const double v = x[t];
    if (std::isnan(v)) continue;
    auto it = std::lower_bound(out.begin(), out.end(), v);
    if (it != out.end() && *it == v) continue;
    if (static_cast<int>(out.size()) == limit) return false;
    out.insert(it, v);
  }
  return true;
}

template <class C>
void codeByCuts(const double* x, int64_t n, const std::vector<double>& cuts, C missing, C* codes) {
  const double* b = cuts.data();
  const double* e = b + cuts.size();
  for (int64_t t = 0; t < n; ++t) {
    const double v = x[t];
    codes[t] = std::isnan(v) ? missing : static_cast<C>(std::upper_bound(b, e, v) - b);
  }
}

template <class C>
void codeUniform(const double* x, int64_t n, double mn, double w, int K, C missing, C* codes) {
  for (int64_t t = 0; t < n; ++t) {
    const double v = x[t];
    if (std::isnan(v)) { codes[t] = missing; continue; }
    const double q = std::floor((v - mn) / w);
    codes[t] = static_cast<C>(q >= K - 1 ? K - 1 : (q < 0 ? 0 : q));
  }
}

}  // namespace

template <class C>
Status discretize(const double* x, int64_t n, const BinSpec& spec, C missing, C* codes, double* scratch, BinInfo* info) {
  info->cuts.clear();
  info->discrete = false;
  // Non-missing values, compacted into scratch.
  int64_t m = 0;
  bool infinite = false;
  for (int64_t t = 0; t < n; ++t) {
    const double v = x[t];
    if (!std::isnan(v)) { scratch[m++] = v; infinite |= std::isinf(v); }
  }
  info->rowsUsed = m;

  if (spec.mode == Binning::Edges) {
    info->cuts.assign(spec.edges, spec.edges + spec.nEdges);
    info->levels = spec.nEdges + 1;
    codeByCuts(x, n, info->cuts, missing, codes);
    return {};
  }
  if (m == 0) {
    std::fill(codes, codes + n, missing);
    info->levels = 0;
    return {};
  }
  const auto [mnIt, mxIt] = std::minmax_element(scratch, scratch + m);
  const double mn = *mnIt, mx = *mxIt;

  int K = spec.bins;
  if (spec.mode == Binning::Auto) {
    // Freedman–Diaconis width from order-statistic quartiles; Sturges when the IQR is zero.
    std::nth_element(scratch, scratch + m / 4, scratch + m);
    const double q1 = scratch[m / 4];
    std::nth_element(scratch, scratch + (3 * m) / 4, scratch + m);
    const double q3 = scratch[(3 * m) / 4];
    const double iqr = q3 - q1;
    double k = (iqr > 0 && std::isfinite(iqr)) ? std::ceil((mx - mn) * std::cbrt(static_cast<double>(m)) / (2.0 * iqr))
                                               : std::ceil(std::log2(static_cast<double>(m))) + 1.0;
    if (!(k >= 2)) k = 2;
    K = static_cast<int>(std::min<double>(k, spec.bins));
  }

  const int dmax = spec.discreteMax >= 0 ? spec.discreteMax : K;
  std::vector<double> distinct;
  if (fewDistinct(scratch, m, dmax, distinct)) {
    info->discrete = true;
    info->levels = static_cast<int>(distinct.size());
    const double* b = distinct.data();
    const double* e = b + distinct.size();
    for (int64_t t = 0; t < n; ++t) {
      const double v = x[t];
      codes[t] = std::isnan(v) ? missing : static_cast<C>(std::lower_bound(b, e, v) - b);
    }
    return {};
  }

  if (spec.mode == Binning::Quantile) {
    // Equal frequency: cut k is the order statistic s[floor(k·m/K)].
    info->cuts.resize(K - 1);
    int64_t lo = 0;
    for (int k = 1; k < K; ++k) {
      const int64_t r = static_cast<int64_t>((static_cast<__int128>(k) * m) / K);
      std::nth_element(scratch + lo, scratch + r, scratch + m);
      info->cuts[k - 1] = scratch[r];
      lo = r;
    }
    info->levels = K;
    codeByCuts(x, n, info->cuts, missing, codes);
    return {};
  }

  // Uniform (and auto, which is uniform with the rule's K).
  if (infinite) {
    return Status::error(Code::BadInput, "contains an infinite value; equal-width bins need finite values (use quantile binning or clean the data)");
  }
  const double w = (mx - mn) / K;
  info->cuts.resize(K - 1);
  for (int k = 1; k < K; ++k) info->cuts[k - 1] = mn + k * w;
  info->levels = K;
  codeUniform(x, n, mn, w, K, missing, codes);
  return {};
}

template Status discretize<uint8_t>(const double*, int64_t, const BinSpec&, uint8_t, uint8_t*, double*, BinInfo*);
template Status discretize<uint16_t>(const double*, int64_t, const BinSpec&, uint16_t, uint16_t*, double*, BinInfo*);

double entropyOfCounts(const uint32_t* counts, int k, int64_t total) {
  if (total <= 0) return NAN;
  double s = 0;
  for (int i = 0; i < k; ++i) {
    if (counts[i]) s += counts[i] * std::log(static_cast<double>(counts[i]));
  }
  const double h = std::log(static_cast<double>(total)) - s / total;
  return h > 0 ? h : 0.0;
}

}  // namespace ms
