#include "cmi_resample.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mi_tile.h"  // xlogxTable
#include "parallel.h"
#include "random.h"
#include "resample.h"

namespace ms {
namespace {

// Σ k ln k sums of the cube of counts; the ln n terms cancel in the CMI.
struct CmiCounter {
  int la, lb, lc;
  std::vector<uint32_t> cube, ac, bc, cc;
  CmiCounter(int a, int b, int c)
      : la(a), lb(b), lc(c), cube(static_cast<size_t>(a) * b * c), ac(static_cast<size_t>(a) * c), bc(static_cast<size_t>(b) * c), cc(c) {}
  template <class Row>
  double run(int64_t n, const std::vector<double>& xlogx, Row row) {
    std::fill(cube.begin(), cube.end(), 0u);
    for (int64_t t = 0; t < n; ++t) {
      int32_t a, b, c;
      row(t, &a, &b, &c);
      cube[(static_cast<size_t>(c) * lb + b) * la + a]++;
    }
    std::fill(ac.begin(), ac.end(), 0u);
    std::fill(bc.begin(), bc.end(), 0u);
    std::fill(cc.begin(), cc.end(), 0u);
    double sabc = 0;
    for (int c = 0; c < lc; ++c)
      for (int b = 0; b < lb; ++b) {
        const uint32_t* r = &cube[(static_cast<size_t>(c) * lb + b) * la];
        uint32_t s = 0;
        for (int a = 0; a < la; ++a) {
          sabc += xlogx[r[a]];
          s += r[a];
          ac[static_cast<size_t>(c) * la + a] += r[a];
        }
        bc[static_cast<size_t>(c) * lb + b] = s;
        cc[c] += s;
      }
    double sac = 0, sbc = 0, sc = 0;
    for (uint32_t v : ac) sac += xlogx[v];
    for (uint32_t v : bc) sbc += xlogx[v];
    for (uint32_t v : cc) sc += xlogx[v];
    if (n == 0) return NAN;
    const double v = (sabc + sc - sac - sbc) / static_cast<double>(n);
    return v > 0 ? v : 0.0;
  }
};

Status checkTriple(const Triple& t) {
  if (t.la < 1 || t.lb < 1 || t.lc < 1) return Status::error(Code::BadInput, "levels must be at least 1");
  for (int64_t k = 0; k < t.n; ++k)
    if (t.a[k] < 0 || t.a[k] >= t.la || t.b[k] < 0 || t.b[k] >= t.lb || t.c[k] < 0 || t.c[k] >= t.lc)
      return Status::error(Code::BadInput, "code out of range at row " + std::to_string(k));
  return {};
}

uint64_t drawSeed(uint64_t seed, uint64_t salt, int64_t draw) { return (seed ^ salt) * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(draw) + 1; }

// The plug-in CMI with the caller's k·ln k table (the resampling functions build it once).
double cmiWith(const Triple& t, const std::vector<double>& xlogx) {
  CmiCounter k(t.la, t.lb, t.lc);
  return k.run(t.n, xlogx, [&](int64_t r, int32_t* a, int32_t* b, int32_t* c) { *a = t.a[r]; *b = t.b[r]; *c = t.c[r]; });
}

}  // namespace

double cmiPlugIn(const Triple& t) { return cmiWith(t, xlogxTable(t.n)); }

Status cmiBootstrap(const Triple& t, int replicates, int block, uint64_t seed, int threads, double* observed, std::vector<double>* out) {
  Status s = checkResampling(t.n, replicates, block, "a bootstrap", "replicates");
  if (s.ok()) s = checkTriple(t);
  if (!s.ok()) return s;
  const std::vector<double> xlogx = xlogxTable(t.n);
  *observed = cmiWith(t, xlogx);
  out->assign(replicates, 0.0);
  const int64_t n = t.n;
  parallel(threads, [&](Team& team) {
    CmiCounter k(t.la, t.lb, t.lc);
    std::vector<int64_t> rows(n);
    for (int r = team.begin(replicates, Schedule::Static); r < replicates; r = team.next(r)) {
      SplitMix rng{drawSeed(seed, 0xB5AD4ECEDA1CE2A9ull, r)};
      for (int64_t q = 0; q < n;) {
        const int64_t start = static_cast<int64_t>(rng.below(n));
        for (int64_t u = 0; u < block && q < n; ++u, ++q) rows[q] = (start + u) % n;
      }
      (*out)[r] = k.run(n, xlogx, [&](int64_t i, int32_t* a, int32_t* b, int32_t* c) {
        const int64_t w = rows[i];
        *a = t.a[w]; *b = t.b[w]; *c = t.c[w];
      });
    }
  });
  return {};
}

Status cmiStratifiedNull(const Triple& t, int permutations, uint64_t seed, int threads, double* observed, std::vector<double>* null) {
  Status s = checkResampling(t.n, permutations, 1, "a permutation test", "permutations");
  if (s.ok()) s = checkTriple(t);
  if (!s.ok()) return s;
  const std::vector<double> xlogx = xlogxTable(t.n);
  *observed = cmiWith(t, xlogx);
  // Rows of each stratum of C, contiguous: stratum c is rows[start[c], start[c + 1]).
  std::vector<int64_t> start(t.lc + 1, 0), rows(t.n);
  for (int64_t r = 0; r < t.n; ++r) start[t.c[r] + 1]++;
  std::partial_sum(start.begin(), start.end(), start.begin());
  {
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t r = 0; r < t.n; ++r) rows[fill[t.c[r]]++] = r;
  }
  null->assign(permutations, 0.0);
  const int64_t n = t.n;
  parallel(threads, [&](Team& team) {
    CmiCounter k(t.la, t.lb, t.lc);
    std::vector<int32_t> pa(n);
    for (int p = team.begin(permutations, Schedule::Static); p < permutations; p = team.next(p)) {
      SplitMix rng{drawSeed(seed, 0x2545F4914F6CDD1Dull, p)};
      std::copy(t.a, t.a + n, pa.begin());
      for (int c = 0; c < t.lc; ++c) {
        const int64_t* rs = rows.data() + start[c];
        for (int64_t q = start[c + 1] - start[c] - 1; q > 0; --q) std::swap(pa[rs[q]], pa[rs[rng.below(q + 1)]]);
      }
      (*null)[p] = k.run(n, xlogx, [&](int64_t i, int32_t* a, int32_t* b, int32_t* c) { *a = pa[i]; *b = t.b[i]; *c = t.c[i]; });
    }
  });
  return {};
}

Status teSurrogateNull(const TeInput& in, int permutations, int block, bool shift, uint64_t seed, int threads, double* observed, int64_t* rows,
                       std::vector<double>* null) {
  const int64_t n = in.n;
  if (in.lag < 1) return Status::error(Code::BadOption, "lag must be at least 1");
  if (n - in.lag < 3) return Status::error(Code::TooFewRows, std::to_string(n) + " rows leave fewer than 3 after a lag of " + std::to_string(in.lag));
  if (permutations < 0) return Status::error(Code::BadOption, "permutations must be at least 0");
  if (!shift && (block < 1 || 2 * static_cast<int64_t>(block) > n))
    return Status::error(Code::BadOption, "block length " + std::to_string(block) + " must be between 1 and half the " + std::to_string(n) + " rows");
  for (int64_t t = 0; t < n; ++t)
    if (in.x[t] >= in.lx || in.y[t] >= in.ly) return Status::error(Code::BadInput, "code out of range at row " + std::to_string(t));
  const std::vector<double> xlogx = xlogxTable(n);
  // TE of a source read through `src` (row t of the surrogate source is x[src(t)]): the aligned
  // rows where all three are present, into the thread's buffers, then their CMI.
  struct Buffers {
    CmiCounter k;
    std::vector<int32_t> a, b, c;
  };
  auto te = [&](Buffers& w, auto src, int64_t* used) {
    int64_t m = 0;
    for (int64_t t = in.lag; t < n; ++t) {
      const int32_t yt = in.y[t], xs = in.x[src(t - in.lag)], yp = in.y[t - 1];
      if (yt < 0 || xs < 0 || yp < 0) continue;
      w.a[m] = yt; w.b[m] = xs; w.c[m] = yp; ++m;
    }
    if (used) *used = m;
    if (m == 0) return static_cast<double>(NAN);
    return w.k.run(m, xlogx, [&](int64_t i, int32_t* a, int32_t* b, int32_t* c) { *a = w.a[i]; *b = w.b[i]; *c = w.c[i]; });
  };
  auto buffers = [&] { return Buffers{CmiCounter(in.ly, in.lx, in.ly), std::vector<int32_t>(n), std::vector<int32_t>(n), std::vector<int32_t>(n)}; };
  {
    Buffers w = buffers();
    *observed = te(w, [](int64_t t) { return t; }, rows);
  }
  null->assign(permutations, 0.0);
  if (*rows == 0) return {};
  parallel(threads, [&](Team& team) {
    Buffers w = buffers();
    std::vector<int64_t> perm, order;
    for (int p = team.begin(permutations, Schedule::Static); p < permutations; p = team.next(p)) {
      SplitMix rng{drawSeed(seed, 0x94D049BB133111EBull, p)};
      if (shift) {
        // Offsets that move the source by more than the lag on both sides of the circle.
        const int64_t span = std::max<int64_t>(1, n - 2 * (in.lag + 1));
        const int64_t d = in.lag + 1 + static_cast<int64_t>(rng.below(span));
        (*null)[p] = te(w, [&](int64_t t) { return (t + d) % n; }, nullptr);
      } else {
        drawPermutation(rng, n, block, perm, order);
        (*null)[p] = te(w, [&](int64_t t) { return perm[t]; }, nullptr);
      }
    }
  });
  return {};
}

}  // namespace ms
