#include "ksg.h"
#include "scale.h"

#include "ksg_scalar.h"
#include "parallel.h"
#include "random.h"
#include "resample.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace ms {
namespace {

// Row-major points of one (sub)space with a k-d tree over them.
class Space {
 public:
  Space(const std::vector<std::vector<double>>& cols, const std::vector<int>& use, int64_t n) : D_(static_cast<int>(use.size())), n_(n) {
    p_.resize(static_cast<size_t>(n) * D_);
    for (int64_t i = 0; i < n; ++i)
      for (int d = 0; d < D_; ++d) p_[i * D_ + d] = cols[use[d]][i];
    idx_.resize(n);
    std::iota(idx_.begin(), idx_.end(), 0);
    build(0, n);
  }
  int dims() const { return D_; }
  const double* point(int64_t i) const { return &p_[i * D_]; }
  double dist(int64_t a, int64_t b) const {
    double m = 0;
    for (int d = 0; d < D_; ++d) m = std::max(m, std::fabs(p_[a * D_ + d] - p_[b * D_ + d]));
    return m;
  }

  // The k nearest neighbours of point q (itself excluded), by max-norm; ties broken by index.
  void knn(int64_t q, int k, std::vector<std::pair<double, int64_t>>& heap) const {
    heap.clear();
    knnNode(0, q, k, heap);
    std::sort_heap(heap.begin(), heap.end());
  }
  // Points other than q within max-norm distance r of q: < r (strict) or ≤ r.
  int64_t countWithin(int64_t q, double r, bool strict) const { return countNode(0, q, r, strict) - 1; }

 private:
  struct Node {
    int64_t lo, hi;          // idx_[lo, hi)
    int left = -1, right = -1;
    std::vector<double> mn, mx;
  };
  int D_;
  int64_t n_;
  std::vector<double> p_;
  std::vector<int64_t> idx_;
  std::vector<Node> nodes_;
  static constexpr int64_t kLeaf = 12;

  int build(int64_t lo, int64_t hi) {
    const int id = static_cast<int>(nodes_.size());
    nodes_.push_back({lo, hi, -1, -1, std::vector<double>(D_, INFINITY), std::vector<double>(D_, -INFINITY)});
    for (int64_t k = lo; k < hi; ++k)
      for (int d = 0; d < D_; ++d) {
        nodes_[id].mn[d] = std::min(nodes_[id].mn[d], p_[idx_[k] * D_ + d]);
        nodes_[id].mx[d] = std::max(nodes_[id].mx[d], p_[idx_[k] * D_ + d]);
      }
    if (hi - lo <= kLeaf) return id;
    int split = 0;
    for (int d = 1; d < D_; ++d)
      if (nodes_[id].mx[d] - nodes_[id].mn[d] > nodes_[id].mx[split] - nodes_[id].mn[split]) split = d;
    if (!(nodes_[id].mx[split] > nodes_[id].mn[split])) return id;  // all points equal: a leaf
    const int64_t mid = lo + (hi - lo) / 2;
    std::nth_element(idx_.begin() + lo, idx_.begin() + mid, idx_.begin() + hi,
                     [&](int64_t a, int64_t b) { return p_[a * D_ + split] < p_[b * D_ + split]; });
    const int l = build(lo, mid);
    const int r = build(mid, hi);
    nodes_[id].left = l;
    nodes_[id].right = r;
    return id;
  }
  double boxDist(const Node& nd, const double* q) const {
    double m = 0;
    for (int d = 0; d < D_; ++d) m = std::max(m, std::max(nd.mn[d] - q[d], q[d] - nd.mx[d]));
    return m;
  }
  void knnNode(int id, int64_t q, int k, std::vector<std::pair<double, int64_t>>& heap) const {
    const Node& nd = nodes_[id];
    const double* qp = point(q);
    if (static_cast<int>(heap.size()) == k && boxDist(nd, qp) > heap.front().first) return;
    if (nd.left < 0) {
      for (int64_t s = nd.lo; s < nd.hi; ++s) {
        const int64_t j = idx_[s];
        if (j == q) continue;
        const std::pair<double, int64_t> c{dist(q, j), j};
        if (static_cast<int>(heap.size()) < k) {
          heap.push_back(c);
          std::push_heap(heap.begin(), heap.end());
        } else if (c < heap.front()) {
          std::pop_heap(heap.begin(), heap.end());
          heap.back() = c;
          std::push_heap(heap.begin(), heap.end());
        }
      }
      return;
    }
    const int a = nd.left, b = nd.right;
    const bool leftFirst = boxDist(nodes_[a], qp) <= boxDist(nodes_[b], qp);
    knnNode(leftFirst ? a : b, q, k, heap);
    knnNode(leftFirst ? b : a, q, k, heap);
  }
  int64_t countNode(int id, int64_t q, double r, bool strict) const {
    const Node& nd = nodes_[id];
    const double* qp = point(q);
    const double bd = boxDist(nd, qp);
    if (strict ? bd >= r : bd > r) return 0;
    double far = 0;  // max-norm distance from q to the farthest corner of the box
    for (int d = 0; d < D_; ++d) far = std::max(far, std::max(std::fabs(qp[d] - nd.mn[d]), std::fabs(qp[d] - nd.mx[d])));
    if (strict ? far < r : far <= r) return nd.hi - nd.lo;
    if (nd.left < 0) {
      int64_t c = 0;
      for (int64_t s = nd.lo; s < nd.hi; ++s) {
        const double dd = dist(q, idx_[s]);
        c += strict ? dd < r : dd <= r;
      }
      return c;
    }
    return countNode(nd.left, q, r, strict) + countNode(nd.right, q, r, strict);
  }
};

Status checkRows(int64_t n, const KsgOptions& o) {
  if (o.k < 1) return Status::error(Code::BadOption, "k must be at least 1");
  if (n < o.k + 1) {
    return Status::error(Code::TooFewRows, std::to_string(n) + " complete rows; KSG with k = " + std::to_string(o.k) + " needs at least k + 1 = " + std::to_string(o.k + 1));
  }
  return {};
}

// One dimension of n values (no NaN), standardised and jittered as asked, into out. The jitter's
// generator is seeded from the seed and a hash of the values themselves, so a variable gets the same
// noise in every call it is in, whatever its position: an estimate does not depend on argument order,
// and a matrix entry equals the single-pair call on the same rows.
Status prepareDim(const double* x, int64_t n, const KsgOptions& o, int d, std::vector<double>* out) {
  std::vector<double>& v = *out;
  v.resize(n);
  uint64_t h = o.seed ^ 0x6A09E667F3BCC909ull;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return Status::error(Code::BadInput, "dimension " + std::to_string(d) + " has an infinite value at row " + std::to_string(i));
    v[i] = x[i];
    uint64_t bits;
    std::memcpy(&bits, &x[i], 8);
    h = (h ^ bits) * 0x100000001B3ull;  // FNV-style; SplitMix below mixes the result
  }
  // Moments of the values scaled by a power of two (exact, see scale.h): x·1e160 gives the same
  // standardised values as x instead of an infinite sum of squares.
  const Scale sc(scaleExponent(x, n));
  const ScaledMoments m = scaledMoments(x, n, sc);
  const double sd = std::sqrt(m.ss / n);  // of the scaled values
  if (!(sd > 0)) return Status::error(Code::BadInput, "dimension " + std::to_string(d) + " is constant");
  if (o.standardize)
    for (int64_t i = 0; i < n; ++i) v[i] = sc(v[i]) / sd;
  if (o.jitter) {
    double absMean = 0;  // of the scaled values when not standardised, so the sum stays finite
    const Scale sv(o.standardize ? 0 : sc.e);
    for (int64_t i = 0; i < n; ++i) absMean += std::fabs(sv(v[i]));
    const double amp = 1e-10 * std::max(1.0, std::scalbn(absMean / n, sv.e));
    Ziggurat normal(SplitMix{h}.next());
    for (int64_t i = 0; i < n; ++i) v[i] += amp * normal();
  }
  return {};
}

// Every dimension prepared (see prepareDim).
Status prepare(const std::vector<const double*>& dims, int64_t n, const KsgOptions& o, std::vector<std::vector<double>>* out) {
  Status s = checkRows(n, o);
  if (!s.ok()) return s;
  out->resize(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    s = prepareDim(dims[d], n, o, static_cast<int>(d), &(*out)[d]);
    if (!s.ok()) return s;
  }
  return {};
}

// The scalar KSG estimate (nats) on `rows` rows from two prepared marginals: every scalar path —
// single pair, matrix entry, resampled draw — ends here, so they agree bit for bit.
double scalarEstimate(const Marginal& a, const Marginal& b, int64_t rows, const KsgOptions& o, const Digamma& psi, ScalarKsg& ksg) {
  return psi(o.k) + psi(rows) - (o.algorithm == 2 ? 1.0 / o.k : 0.0) - ksg.sum(a, b, o.k, o.algorithm, psi) / rows;
}

std::vector<int> concat(std::initializer_list<const std::vector<int>*> parts) {
  std::vector<int> out;
  for (const auto* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

}  // namespace

Status ksgMutualInformation(const std::vector<const double*>& dims, int64_t n, const std::vector<int>& x, const std::vector<int>& y,
                            const KsgOptions& o, double* out) {
  if (x.empty() || y.empty()) return Status::error(Code::BadInput, "X and Y each need at least one column");
  if (o.algorithm != 1 && o.algorithm != 2) return Status::error(Code::BadOption, "algorithm must be 1 or 2");
  if (x.size() == 1 && y.size() == 1) {
    // Everything a scalar pair needs is kept per thread between calls, so a loop of single-pair calls
    // allocates (and page-faults) nothing; dropped after a call on more than 2^18 rows, so a big
    // one-off does not pin its memory.
    struct Workspace {
      std::vector<std::vector<double>> cols;
      Digamma psi{0};
      Marginal x, y;
      ScalarKsg ksg;
    };
    thread_local Workspace ws;
    Status s = prepare({dims[x[0]], dims[y[0]]}, n, o, &ws.cols);
    if (!s.ok()) return s;
    ws.psi.grow(n);
    ws.x.build(ws.cols[0]);
    ws.y.build(ws.cols[1]);
    *out = scalarEstimate(ws.x, ws.y, n, o, ws.psi, ws.ksg);
    if (n > (1 << 18)) ws = Workspace{};
    return {};
  }
  std::vector<std::vector<double>> cols;
  Status s = prepare(dims, n, o, &cols);
  if (!s.ok()) return s;
  const Digamma psi(n);
  const double base = psi(o.k) + psi(n) - (o.algorithm == 2 ? 1.0 / o.k : 0.0);
  const std::vector<int> xy = concat({&x, &y});
  const Space joint(cols, xy, n), sx(cols, x, n), sy(cols, y, n);
  std::vector<std::pair<double, int64_t>> heap;
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) {
    joint.knn(i, o.k, heap);
    if (o.algorithm == 1) {
      const double eps = heap.back().first;
      acc += psi(sx.countWithin(i, eps, true) + 1) + psi(sy.countWithin(i, eps, true) + 1);
    } else {
      double ex = 0, ey = 0;
      for (const auto& h : heap) {
        ex = std::max(ex, sx.dist(i, h.second));
        ey = std::max(ey, sy.dist(i, h.second));
      }
      acc += psi(sx.countWithin(i, ex, false)) + psi(sy.countWithin(i, ey, false));
    }
  }
  *out = base - acc / n;
  return {};
}

Status ksgConditionalMutualInformation(const std::vector<const double*>& dims, int64_t n, const std::vector<int>& x,
                                       const std::vector<int>& y, const std::vector<int>& z, const KsgOptions& o, double* out) {
  if (x.empty() || y.empty() || z.empty()) return Status::error(Code::BadInput, "X, Y and Z each need at least one column");
  std::vector<std::vector<double>> cols;
  Status s = prepare(dims, n, o, &cols);
  if (!s.ok()) return s;
  const std::vector<int> xyz = concat({&x, &y, &z}), xz = concat({&x, &z}), yz = concat({&y, &z});
  const Space joint(cols, xyz, n), sxz(cols, xz, n), syz(cols, yz, n), sz(cols, z, n);
  const Digamma psi(n);
  std::vector<std::pair<double, int64_t>> heap;
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) {
    joint.knn(i, o.k, heap);
    const double eps = heap.back().first;
    acc += psi(sxz.countWithin(i, eps, true) + 1) + psi(syz.countWithin(i, eps, true) + 1) - psi(sz.countWithin(i, eps, true) + 1);
  }
  *out = psi(o.k) - acc / n;
  return {};
}

namespace {
// The rows draw r uses, from its own generator: the half-sample's rows (half of the blocks, without
// replacement, after a rotation) or the permutation of y's rows. One source for the CPU replicates
// and the device's (ksgPrepareDraws), so both estimate the same draws.
void drawRows(int r, int64_t n, int block, bool half, uint64_t seed, std::vector<int64_t>& rows, std::vector<int64_t>& order) {
  SplitMix rng{(seed ^ 0x2545F4914F6CDD1Dull) * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(r) + 1};
  if (!half) {
    drawPermutation(rng, n, block, rows, order);
    return;
  }
  const int64_t blocks = n / block;
  const int64_t shift = block > 1 ? static_cast<int64_t>(rng.below(n)) : 0;
  order.resize(blocks);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t t = 0; t < blocks / 2; ++t) std::swap(order[t], order[t + static_cast<int64_t>(rng.below(blocks - t))]);
  rows.clear();
  for (int64_t q = 0; q < blocks / 2; ++q)
    for (int64_t u = 0; u < block; ++u) rows.push_back((order[q] * block + u + shift) % n);
}

// Checks and prepares what every resampled KSG call needs; *m = rows a draw uses.
Status resamplingInputs(const double* x, const double* y, int64_t n, const KsgOptions& o, bool half, int count, int block,
                        std::vector<std::vector<double>>* p, int64_t* m) {
  if (o.algorithm != 1 && o.algorithm != 2) return Status::error(Code::BadOption, "algorithm must be 1 or 2");
  Status s = checkResampling(n, count, block, half ? "a half-sample interval" : "a permutation test", half ? "replicates" : "permutations");
  if (!s.ok()) return s;
  s = prepare({x, y}, n, o, p);
  if (!s.ok()) return s;
  // Half-samples hold half the blocks: at least k + 1 rows.
  const int64_t blocks = n / block;
  *m = half ? (blocks / 2) * block : n;
  if (*m < o.k + 1) {
    return Status::error(Code::TooFewRows, std::to_string(n) + " complete rows give half-samples of " + std::to_string(*m) + " rows; KSG with k = " + std::to_string(o.k) + " needs at least k + 1");
  }
  return {};
}
}  // namespace

Status ksgResample(const double* x, const double* y, int64_t n, const KsgOptions& o, KsgResampling mode, int count, int block,
                   uint64_t seed, int threads, double* observed, std::vector<double>* out) {
  const bool half = mode == KsgResampling::kHalfSample;
  std::vector<std::vector<double>> p;
  int64_t m = 0;
  Status s = resamplingInputs(x, y, n, o, half, count, block, &p, &m);
  if (!s.ok()) return s;
  const Digamma psi(n);
  Marginal mx, my;
  mx.build(p[0]);
  my.build(p[1]);
  {
    ScalarKsg ksg;
    *observed = scalarEstimate(mx, my, n, o, psi, ksg);
  }
  out->assign(count, 0.0);
  parallel(threads, [&](Team& team) {
    ScalarKsg ksg;
    Marginal a, b;
    std::vector<double> va(m), vb(m);
    std::vector<int64_t> rows, order;
    for (int r = team.begin(count, Schedule::Dynamic, 1); r < count; r = team.next(r)) {
      drawRows(r, n, block, half, seed, rows, order);
      if (half) {
        for (int64_t k = 0; k < m; ++k) {
          va[k] = p[0][rows[k]];
          vb[k] = p[1][rows[k]];
        }
        a.build(va);
        b.build(vb);
        (*out)[r] = scalarEstimate(a, b, m, o, psi, ksg);
      } else {
        for (int64_t t = 0; t < n; ++t) vb[t] = p[1][rows[t]];
        b.build(vb);
        (*out)[r] = scalarEstimate(mx, b, n, o, psi, ksg);
      }
    }
  });
  return {};
}

Status ksgPrepareDraws(const double* x, const double* y, int64_t n, const KsgOptions& o, KsgResampling mode, int count, int block,
                       uint64_t seed, int threads, KsgDraws* out) {
  const bool half = mode == KsgResampling::kHalfSample;
  std::vector<std::vector<double>> p;
  Status s = resamplingInputs(x, y, n, o, half, count, block, &p, &out->m);
  if (!s.ok()) return s;
  out->x = std::move(p[0]);
  out->y = std::move(p[1]);
  out->rows.resize(static_cast<size_t>(count) * out->m);
  const Digamma psi(n);
  out->psi.assign(psi.t.begin(), psi.t.begin() + n + 2);
  parallel(threads, [&](Team& team) {
    std::vector<int64_t> rows, order;
    for (int r = team.begin(count, Schedule::Static); r < count; r = team.next(r)) {
      drawRows(r, n, block, half, seed, rows, order);
      int32_t* dst = out->rows.data() + static_cast<size_t>(r) * out->m;
      for (int64_t t = 0; t < out->m; ++t) dst[t] = static_cast<int32_t>(rows[t]);
    }
  });
  return {};
}

namespace {
double sharedMarginalBytes = 512.0 * (1 << 20);
}  // namespace

double ksgSharedMarginalBudget(double bytes) {
  const double before = sharedMarginalBytes;
  sharedMarginalBytes = bytes;
  return before;
}

bool ksgUseAvx512(bool on) {
#if defined(MS_KSG_AVX512)
  kKsgAvx512 = on && kKsgCpuAvx512;
  return kKsgAvx512;
#else
  return false;
#endif
}

Status ksgAllPairs(const std::vector<ColumnView>& cols, const KsgOptions& o, int threads, int rowFirst, int rowLast,
                   const Control& ctl, const PairSinkFn& sink, int* badColumn) {
  if (Status s = sameLength(cols, badColumn); !s.ok()) return s;
  const int M = static_cast<int>(cols.size());
  const int64_t n = M ? cols[0].length : 0;
  // As the single pair: k must leave at least one more row than k. Pairs whose complete rows are
  // fewer (missing cells) are NaN and counted by the caller from their row counts.
  if (o.k < 1 || n <= o.k)
    return Status::error(Code::BadOption, "k = " + std::to_string(o.k) + " needs more than k rows but the table has " + std::to_string(n));
  std::vector<std::vector<double>> raw(M, std::vector<double>(n));
  std::vector<char> complete(M);
  for (int c = 0; c < M; ++c) {
    readColumn(cols[c], raw[c].data());
    complete[c] = std::none_of(raw[c].begin(), raw[c].end(), [](double v) { return std::isnan(v); });
    // As Pearson: an infinite value is an error, not a silent NaN for every pair of its column.
    const auto inf = std::find_if(raw[c].begin(), raw[c].end(), [](double v) { return std::isinf(v); });
    if (inf != raw[c].end()) {
      if (badColumn) *badColumn = c;
      return Status::error(Code::BadInput, "has an infinite value at row " + std::to_string(inf - raw[c].begin()) +
                                               "; KSG needs finite values (clean the data or leave the row out)");
    }
  }
  // Tiles of 16 × 16 columns. The sorted marginals of complete columns are built once for the whole
  // matrix when they fit in the budget (253 columns × 28,800 rows: 120 MiB; building them per
  // tile redid each about 17 times, a few per cent of the time); otherwise per tile, where they serve its (up
  // to) 256 pairs while memory stays at two tiles' columns a thread, whatever M.
  constexpr int kTile = 16;
  const double budget = sharedMarginalBytes;
  const std::vector<Tile> tiles = upperTriangleTiles(M, kTile, rowFirst, rowLast);
  const Digamma psi(n);
  const bool enoughRows = checkRows(n, o).ok();
  const double marginalBytes = 17.0 * static_cast<double>(n + Marginal::B);  // sorted, order, rank, last, density
  std::vector<Marginal> shared;
  std::vector<char> sharedUsable;  // its preparation succeeded (not constant, enough rows)
  if (static_cast<double>(std::count(complete.begin(), complete.end(), 1)) * marginalBytes <= budget) {
    // Only the columns this shard's tiles use (a row shard of a big matrix needs all of them anyway).
    std::vector<char> used(M, 0);
    for (const Tile& t : tiles) {
      std::fill(used.begin() + t.r0, used.begin() + t.r1, 1);
      std::fill(used.begin() + t.c0, used.begin() + t.c1, 1);
    }
    shared.resize(M);
    sharedUsable.assign(M, 0);
    parallel(threads, [&](Team& team) {
      std::vector<double> one;
      for (int c = team.begin(M, Schedule::Dynamic, 1); c < M; c = team.next(c)) {
        if (!complete[c] || !used[c] || ctl.cancelled()) continue;
        sharedUsable[c] = enoughRows && prepareDim(raw[c].data(), n, o, 0, &one).ok();
        if (sharedUsable[c]) shared[c].build(one);
      }
    });
  }
  parallel(threads, [&](Team& team) {
    const int tid = team.id();
    std::vector<double> a, b;
    std::vector<std::vector<double>> prepared;
    std::vector<double> one;
    std::vector<Marginal> cache(shared.empty() ? 2 * kTile : 0);
    std::vector<int> cached(2 * kTile, -1);   // column held by each cache slot
    std::vector<char> usable(2 * kTile, 0);  // its preparation succeeded (not constant, enough rows)
    Marginal mx, my;
    ScalarKsg scalar;
    auto marginalOf = [&](int c) -> int {
      for (int s = 0; s < 2 * kTile; ++s)
        if (cached[s] == c) return s;
      return -1;
    };
    // The prepared marginal of complete column c (null: constant or too few rows).
    auto marginal = [&](int c) -> const Marginal* {
      if (!shared.empty()) return sharedUsable[c] ? &shared[c] : nullptr;
      const int s = marginalOf(c);
      return usable[s] ? &cache[s] : nullptr;
    };
    for (size_t t = team.begin(tiles.size(), Schedule::Dynamic, 1); t < tiles.size(); t = team.next(t)) {
      if (ctl.cancelled()) continue;
      const Tile& tile = tiles[t];
      if (shared.empty()) {
        std::fill(cached.begin(), cached.end(), -1);
        int slot = 0;
        for (int part = 0; part < 2; ++part)
          for (int c = part ? tile.c0 : tile.r0; c < (part ? tile.c1 : tile.r1); ++c) {
            if (!complete[c] || marginalOf(c) >= 0) continue;
            cached[slot] = c;
            usable[slot] = enoughRows && prepareDim(raw[c].data(), n, o, 0, &one).ok();
            if (usable[slot]) cache[slot].build(one);
            ++slot;
          }
      }
      for (int i = tile.r0; i < tile.r1; ++i) {
        for (int j = std::max(tile.c0, i + 1); j < tile.c1; ++j) {
          double v = NAN;
          int64_t m = n;
          if (complete[i] && complete[j]) {
            const Marginal *mi = marginal(i), *mj = marginal(j);
            if (mi && mj) v = scalarEstimate(*mi, *mj, n, o, psi, scalar);
          } else {
            // Pairwise-complete rows: prepared for this pair alone, exactly as the single-pair call.
            a.clear();
            b.clear();
            for (int64_t r = 0; r < n; ++r) {
              if (std::isnan(raw[i][r]) || std::isnan(raw[j][r])) continue;
              a.push_back(raw[i][r]);
              b.push_back(raw[j][r]);
            }
            m = static_cast<int64_t>(a.size());
            if (prepare({a.data(), b.data()}, m, o, &prepared).ok()) {
              mx.build(prepared[0]);
              my.build(prepared[1]);
              v = scalarEstimate(mx, my, m, o, psi, scalar);
            }
          }
          sink(tid, i, j, v, static_cast<uint32_t>(m));
        }
      }
      ctl.progress(tilePairs(tile));
    }
  });
  if (ctl.cancelled()) return Status::error(Code::Aborted, "the computation was cancelled");
  return {};
}

}  // namespace ms
