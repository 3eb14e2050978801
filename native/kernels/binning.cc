#include "binning.h"

#include "sort.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <cmath>
#include <string>

namespace ms {

namespace {
std::atomic<uint64_t> coded{0};
}  // namespace

uint64_t columnsCoded() { return coded.load(std::memory_order_relaxed); }

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

// Order statistics by MSD radix selection: 8 bits a level, scattering a range by digit and
// recursing only into buckets that hold a wanted rank; ranges under 1,024 keys finish with
// nth_element. O(n) for a few levels, where successive nth_element calls on the whole column cost
// O(n·K). `ranks` are ascending; values land in out[].
void radixSelect(uint64_t* keys, uint64_t* tmp, int64_t lo, int64_t hi, int shift, const int64_t* rb, const int64_t* re,
                 const int64_t* rank0, double* out) {
  if (rb == re) return;
  if (hi - lo <= 1024 || shift < 0) {
    for (const int64_t* r = rb; r < re; ++r) {  // ascending ranks: each nth_element narrows the next
      std::nth_element(keys + (r == rb ? lo : r[-1]), keys + *r, keys + hi);
      out[r - rank0] = fromKey(keys[*r]);
    }
    return;
  }
  constexpr int kBits = 8, kBuckets = 1 << kBits;
  uint32_t start[kBuckets + 1] = {};
  for (int64_t i = lo; i < hi; ++i) start[((keys[i] >> shift) & (kBuckets - 1)) + 1]++;
  const int next = shift >= kBits ? shift - kBits : (shift > 0 ? 0 : -1);
  for (int b = 1; b <= kBuckets; ++b) {
    if (start[b] == static_cast<uint32_t>(hi - lo)) {  // one bucket holds everything: no scatter needed
      radixSelect(keys, tmp, lo, hi, next, rb, re, rank0, out);
      return;
    }
  }
  for (int b = 1; b <= kBuckets; ++b) start[b] += start[b - 1];
  uint32_t fill[kBuckets];
  std::memcpy(fill, start, sizeof fill);
  for (int64_t i = lo; i < hi; ++i) tmp[lo + fill[(keys[i] >> shift) & (kBuckets - 1)]++] = keys[i];
  for (const int64_t* r = rb; r < re;) {
    const int64_t rel = *r - lo;
    const int b = static_cast<int>(std::upper_bound(start, start + kBuckets + 1, static_cast<uint32_t>(rel)) - start) - 1;
    const int64_t* e = r;
    while (e < re && *e - lo < start[b + 1]) ++e;
    radixSelect(tmp, keys, lo + start[b], lo + start[b + 1], next, r, e, rank0, out);
    r = e;
  }
}

// Number of cuts ≤ v, by a branchless binary search (the compares are unpredictable).
inline int cutsAtOrBelow(const double* cuts, int nc, double v) {
  int lo = 0, len = nc;
  while (len > 0) {
    const int half = len >> 1;
    const bool right = cuts[lo + half] <= v;
    lo = right ? lo + half + 1 : lo;
    len = right ? len - half - 1 : half;
  }
  return lo;
}

template <class C>
void codeByCuts(const double* x, int64_t n, const std::vector<double>& cuts, C missing, C* codes) {
  const double* b = cuts.data();
  const int nc = static_cast<int>(cuts.size());
  if (nc > 64) {
    for (int64_t t = 0; t < n; ++t) {
      const double v = x[t];
      codes[t] = std::isnan(v) ? missing : static_cast<C>(cutsAtOrBelow(b, nc, v));
    }
    return;
  }
  // Few cuts: count them by comparing each against a block of rows, which vectorises across rows
  // (NaN compares false, so missing rows count 0 and are marked afterwards).
  constexpr int64_t kBlock = 256;
  int32_t cnt[kBlock];
  for (int64_t t0 = 0; t0 < n; t0 += kBlock) {
    const int64_t len = std::min(kBlock, n - t0);
    const double* xs = x + t0;
    for (int64_t u = 0; u < len; ++u) cnt[u] = 0;
    for (int k = 0; k < nc; ++k) {
      const double c = b[k];
      for (int64_t u = 0; u < len; ++u) cnt[u] += c <= xs[u];
    }
    for (int64_t u = 0; u < len; ++u) codes[t0 + u] = std::isnan(xs[u]) ? missing : static_cast<C>(cnt[u]);
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
  coded.fetch_add(1, std::memory_order_relaxed);
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
  // Min and max with four independent accumulators: minmax_element is one serial dependency chain.
  double lo4[4] = {scratch[0], scratch[0], scratch[0], scratch[0]}, hi4[4] = {lo4[0], lo4[0], lo4[0], lo4[0]};
  int64_t q = 0;
  for (; q + 4 <= m; q += 4)
    for (int u = 0; u < 4; ++u) {
      lo4[u] = std::min(lo4[u], scratch[q + u]);
      hi4[u] = std::max(hi4[u], scratch[q + u]);
    }
  for (; q < m; ++q) {
    lo4[0] = std::min(lo4[0], scratch[q]);
    hi4[0] = std::max(hi4[0], scratch[q]);
  }
  const double mn = std::min(std::min(lo4[0], lo4[1]), std::min(lo4[2], lo4[3]));
  const double mx = std::max(std::max(hi4[0], hi4[1]), std::max(hi4[2], hi4[3]));

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
    std::vector<int64_t> ranks(K - 1);
    for (int k = 1; k < K; ++k) ranks[k - 1] = static_cast<int64_t>((static_cast<__int128>(k) * m) / K);
    thread_local std::vector<uint64_t> keys, tmp;
    keys.resize(m);
    tmp.resize(m);
    for (int64_t i = 0; i < m; ++i) keys[i] = orderKey(scratch[i]);
    radixSelect(keys.data(), tmp.data(), 0, m, 64 - 8, ranks.data(), ranks.data() + ranks.size(), ranks.data(), info->cuts.data());
    // Every cut at the minimum (it holds more than (K−1)/K of the rows) would put every row in the
    // top bin: a column of many values with entropy 0, taken for a constant (a latency at its floor
    // with rare spikes, on a short table). Cut just above the minimum instead: its rows, the rest.
    if (!info->cuts.empty() && info->cuts.back() <= mn) {
      double next = mx;
      for (int64_t i = 0; i < m; ++i)
        if (scratch[i] > mn && scratch[i] < next) next = scratch[i];
      std::fill(info->cuts.begin(), info->cuts.end(), next);
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
  int occupied = 0;
  for (int i = 0; i < k; ++i) {
    if (counts[i]) s += counts[i] * std::log(static_cast<double>(counts[i])), ++occupied;
  }
  // One level is exactly zero bits: ln(total) − total·ln(total)/total rounds to ~1e-15 otherwise.
  if (occupied <= 1) return 0.0;
  const double h = std::log(static_cast<double>(total)) - s / total;
  return h > 0 ? h : 0.0;
}

}  // namespace ms
