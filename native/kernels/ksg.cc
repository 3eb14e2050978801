#include "ksg.h"

#include "sort.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>
#include <random>

#include <omp.h>

namespace ms {
namespace {

// ψ(m) for integer m ≥ 1: −γ + Σ_{j<m} 1/j.
struct Digamma {
  std::vector<double> t;
  explicit Digamma(int64_t n) : t(n + 2) {
    t[1] = -0.57721566490153286061;
    for (int64_t m = 2; m < static_cast<int64_t>(t.size()); ++m) t[m] = t[m - 1] + 1.0 / (m - 1);
  }
  double operator()(int64_t m) const { return t[m]; }
};

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

// Copies the used dimensions, standardised and jittered as asked.
Status prepare(const std::vector<const double*>& dims, int64_t n, const KsgOptions& o, std::vector<std::vector<double>>* out) {
  if (o.k < 1) return Status::error(Code::BadOption, "k must be at least 1");
  if (n < o.k + 1) {
    return Status::error(Code::TooFewRows, std::to_string(n) + " complete rows; KSG with k = " + std::to_string(o.k) + " needs at least k + 1 = " + std::to_string(o.k + 1));
  }
  std::mt19937_64 rng(o.seed);
  std::normal_distribution<double> normal;
  out->assign(dims.size(), std::vector<double>(n));
  for (size_t d = 0; d < dims.size(); ++d) {
    std::vector<double>& v = (*out)[d];
    double mean = 0, absMean = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double x = dims[d][i];
      if (!std::isfinite(x)) return Status::error(Code::BadInput, "dimension " + std::to_string(d) + " has an infinite value at row " + std::to_string(i));
      v[i] = x;
      mean += x;
    }
    mean /= n;
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += (v[i] - mean) * (v[i] - mean);
    const double sd = std::sqrt(ss / n);
    if (!(sd > 0)) return Status::error(Code::BadInput, "dimension " + std::to_string(d) + " is constant");
    if (o.standardize)
      for (int64_t i = 0; i < n; ++i) v[i] /= sd;
    if (o.jitter) {
      for (int64_t i = 0; i < n; ++i) absMean += std::fabs(v[i]);
      const double amp = 1e-10 * std::max(1.0, absMean / n);
      for (int64_t i = 0; i < n; ++i) v[i] += amp * normal(rng);
    }
  }
  return {};
}

std::vector<int> concat(std::initializer_list<const std::vector<int>*> parts) {
  std::vector<int> out;
  for (const auto* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

// Points other than the one at sorted position p with |v − v_p| < e (strict) or ≤ e, in values
// sorted ascending: galloping outward from p (the window is small and local), then a binary search
// inside the last step. Exact: each boundary is decided by the same |v − v_p| test as the definition.
int64_t countSorted(const std::vector<double>& s, int64_t p, double e, bool strict) {
  const double vi = s[p];
  auto inside = [&](double v) { const double d = std::fabs(v - vi); return strict ? d < e : d <= e; };
  const int64_t n = static_cast<int64_t>(s.size());
  // Rightmost inside: gallop, then binary search in (last inside, first outside).
  int64_t in = p, step = 1;
  while (in + step < n && inside(s[in + step])) { in += step; step *= 2; }
  int64_t out = std::min(n, in + step);
  while (out - in > 1) { const int64_t m = in + (out - in) / 2; (inside(s[m]) ? in : out) = m; }
  const int64_t right = inside(s[p]) ? in : p - 1;  // e = 0 and strict: nothing is inside
  int64_t in2 = p;
  step = 1;
  while (in2 - step >= 0 && inside(s[in2 - step])) { in2 -= step; step *= 2; }
  int64_t out2 = std::max<int64_t>(-1, in2 - step);
  while (in2 - out2 > 1) { const int64_t m = out2 + (in2 - out2) / 2; (inside(s[m]) ? in2 : out2) = m; }
  const int64_t left = inside(s[p]) ? in2 : p + 1;
  return std::max<int64_t>(0, right - left + 1 - (inside(s[p]) ? 1 : 0));
}

// Scalar X and Y: k nearest neighbours by a ring search over a G×G grid whose cells are quantiles
// of x and of y (about k + 1 points a cell), stopping when the ring's lower bound exceeds the k-th
// distance; marginal counts by binary search. Same definitions (and tie order) as the k-d tree path.
double ksgScalar(const std::vector<double>& x, const std::vector<double>& y, int k, int algorithm, const Digamma& psi) {
  const int64_t n = static_cast<int64_t>(x.size());
  const int G = std::max<int>(1, static_cast<int>(std::sqrt(static_cast<double>(n) / (k + 1))));
  auto cellsOf = [&](const std::vector<double>& v, std::vector<int>& cell, std::vector<double>& edge, std::vector<double>& sorted, std::vector<int64_t>& pos) {
    std::vector<int32_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    radixArgsort(v.data(), order.data(), n);
    cell.resize(n);
    sorted.resize(n);
    pos.resize(n);
    edge.assign(G + 1, INFINITY);  // edge[c]: smallest value in cell column c; edge[G] = +inf
    for (int64_t r = 0; r < n; ++r) {
      const int c = static_cast<int>((r * G) / n);
      cell[order[r]] = c;
      sorted[r] = v[order[r]];
      pos[order[r]] = r;
      if (edge[c] == INFINITY) edge[c] = v[order[r]];
    }
  };
  std::vector<int> cx, cy;
  std::vector<double> ex, ey, sx, sy;
  std::vector<int64_t> px, py;
  cellsOf(x, cx, ex, sx, px);
  cellsOf(y, cy, ey, sy, py);
  std::vector<int64_t> start(static_cast<size_t>(G) * G + 1, 0), pts(n);
  for (int64_t i = 0; i < n; ++i) start[static_cast<size_t>(cx[i]) * G + cy[i] + 1]++;
  for (size_t c = 1; c < start.size(); ++c) start[c] += start[c - 1];
  // Coordinates stored in cell order, so a cell's candidates are read sequentially.
  std::vector<double> gx(n), gy(n);
  {
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t slot = fill[static_cast<size_t>(cx[i]) * G + cy[i]]++;
      pts[slot] = i;
      gx[slot] = x[i];
      gy[slot] = y[i];
    }
  }
  std::vector<std::pair<double, int64_t>> best;
  best.reserve(k + 1);
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) {
    best.clear();
    const double xi = x[i], yi = y[i];
    for (int r = 0;; ++r) {
      const int c0 = cx[i] - r, c1 = cx[i] + r, r0 = cy[i] - r, r1 = cy[i] + r;
      for (int c = std::max(0, c0); c <= std::min(G - 1, c1); ++c) {
        // The ring's own cells: whole edge columns, only the top and bottom cells of inner ones.
        const bool edgeCol = c == c0 || c == c1;
        const int qFirst = std::max(0, r0), qLast = std::min(G - 1, r1);
        const int qStep = edgeCol || r == 0 ? 1 : std::max(1, r1 - r0);
        for (int q = edgeCol ? qFirst : (r0 >= 0 ? r0 : r1); q <= qLast; q += qStep) {
          if (!edgeCol && q != r0 && q != r1) continue;
          const size_t cell = static_cast<size_t>(c) * G + q;
          for (int64_t s = start[cell]; s < start[cell + 1]; ++s) {
            const int64_t j = pts[s];
            if (j == i) continue;
            const std::pair<double, int64_t> cand{std::max(std::fabs(gx[s] - xi), std::fabs(gy[s] - yi)), j};
            // The k best so far, ascending; k is small, so insertion beats a heap.
            if (static_cast<int>(best.size()) < k) {
              best.insert(std::upper_bound(best.begin(), best.end(), cand), cand);
            } else if (cand < best.back()) {
              best.pop_back();
              best.insert(std::upper_bound(best.begin(), best.end(), cand), cand);
            }
          }
        }
      }
      if (c0 <= 0 && c1 >= G - 1 && r0 <= 0 && r1 >= G - 1) break;  // the whole grid is searched
      // Points beyond this ring are at least this far (cell edges are data values; ties stay safe).
      const double bound = std::min({c0 > 0 ? xi - ex[c0] : INFINITY, c1 + 1 < G ? ex[c1 + 1] - xi : INFINITY,
                                     r0 > 0 ? yi - ey[r0] : INFINITY, r1 + 1 < G ? ey[r1 + 1] - yi : INFINITY});
      if (static_cast<int>(best.size()) == k && bound > best.back().first) break;
    }
    if (algorithm == 1) {
      const double eps = best.back().first;
      acc += psi(countSorted(sx, px[i], eps, true) + 1) + psi(countSorted(sy, py[i], eps, true) + 1);
    } else {
      double e1 = 0, e2 = 0;
      for (const auto& h : best) {
        e1 = std::max(e1, std::fabs(x[h.second] - xi));
        e2 = std::max(e2, std::fabs(y[h.second] - yi));
      }
      acc += psi(countSorted(sx, px[i], e1, false)) + psi(countSorted(sy, py[i], e2, false));
    }
  }
  return acc;
}

}  // namespace

Status ksgMutualInformation(const std::vector<const double*>& dims, int64_t n, const std::vector<int>& x, const std::vector<int>& y,
                            const KsgOptions& o, double* out) {
  if (x.empty() || y.empty()) return Status::error(Code::BadInput, "X and Y each need at least one column");
  if (o.algorithm != 1 && o.algorithm != 2) return Status::error(Code::BadOption, "algorithm must be 1 or 2");
  std::vector<std::vector<double>> cols;
  Status s = prepare(dims, n, o, &cols);
  if (!s.ok()) return s;
  const Digamma psi(n);
  const double base = psi(o.k) + psi(n) - (o.algorithm == 2 ? 1.0 / o.k : 0.0);
  if (x.size() == 1 && y.size() == 1) {
    *out = base - ksgScalar(cols[x[0]], cols[y[0]], o.k, o.algorithm, psi) / n;
    return {};
  }
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

Status ksgAllPairs(const std::vector<ColumnView>& cols, const KsgOptions& o, int threads, int rowFirst, int rowLast,
                   const Control& ctl, const PairSinkFn& sink) {
  const int M = static_cast<int>(cols.size());
  const int64_t n = M ? cols[0].length : 0;
  std::vector<std::vector<double>> raw(M, std::vector<double>(n));
  for (int c = 0; c < M; ++c) readColumn(cols[c], raw[c].data());
  const std::vector<Tile> tiles = upperTriangleTiles(M, 8, rowFirst, rowLast);
  const Digamma psi(n);
#pragma omp parallel num_threads(threads)
  {
    const int tid = omp_get_thread_num();
    std::vector<double> a, b;
    std::vector<std::vector<double>> prepared;
#pragma omp for schedule(dynamic, 1)
    for (size_t t = 0; t < tiles.size(); ++t) {
      if (ctl.cancelled()) continue;
      const Tile& tile = tiles[t];
      for (int i = tile.r0; i < tile.r1; ++i) {
        for (int j = std::max(tile.c0, i + 1); j < tile.c1; ++j) {
          a.clear();
          b.clear();
          for (int64_t r = 0; r < n; ++r) {
            if (std::isnan(raw[i][r]) || std::isnan(raw[j][r])) continue;
            a.push_back(raw[i][r]);
            b.push_back(raw[j][r]);
          }
          const int64_t m = static_cast<int64_t>(a.size());
          double v = NAN;
          if (prepare({a.data(), b.data()}, m, o, &prepared).ok()) {
            const double base = psi(o.k) + psi(m) - (o.algorithm == 2 ? 1.0 / o.k : 0.0);
            v = base - ksgScalar(prepared[0], prepared[1], o.k, o.algorithm, psi) / m;
          }
          sink(tid, i, j, v, static_cast<uint32_t>(m));
        }
      }
      ctl.progress(tilePairs(tile));
    }
  }
  if (ctl.cancelled()) return Status::error(Code::Aborted, "the computation was cancelled");
  return {};
}

}  // namespace ms
