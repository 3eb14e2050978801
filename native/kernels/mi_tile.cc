#include "mi_tile.h"

#include "parallel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <utility>

namespace ms {

std::vector<double> xlogxTable(int64_t n) {
  std::vector<double> t(static_cast<size_t>(n) + 1);
  t[0] = 0;
  for (int64_t c = 1; c <= n; ++c) t[c] = c * std::log(static_cast<double>(c));
  return t;
}

namespace {
constexpr int kGroup = 8;   // columns histogrammed against one row column per pass over the rows
constexpr int kTripleMaxStride = 20;

// Builds CodedTable::paired; columns past M (padding to a multiple of 8) are all-missing.
void pairUp(CodedTable* t, int threads) {
  const int groups = (t->M + kGroup - 1) / kGroup;
  const int64_t n = t->n;
  const uint16_t S = static_cast<uint16_t>(t->stride);
  const uint8_t missing = static_cast<uint8_t>(S - 1);
  t->paired = bigBuffer<uint16_t>(static_cast<size_t>(groups) * (kGroup / 2) * n);
  parallel(threads, [&](Team& team) {
  for (int g = team.begin(groups, Schedule::Static); g < groups; g = team.next(g)) {
    uint16_t* dst = t->paired.get() + static_cast<size_t>(g) * (kGroup / 2) * n;
    const uint8_t* col[kGroup];
    for (int k = 0; k < kGroup; ++k) {
      const int c = g * kGroup + k;
      col[k] = c < t->M ? t->codes8.get() + static_cast<size_t>(c) * n : nullptr;
    }
    for (int64_t r = 0; r < n; ++r) {
      for (int k = 0; k < kGroup / 2; ++k) {
        const uint16_t a = col[2 * k] ? col[2 * k][r] : missing, b = col[2 * k + 1] ? col[2 * k + 1][r] : missing;
        dst[(kGroup / 2) * r + k] = static_cast<uint16_t>(a * S + b);
      }
    }
  }
  });
}
}  // namespace

PairEntropies pairEntropies(const uint32_t* joint, int S, const double* xlogx, bool millerMadow) {
  // The last row and column hold rows where one side is missing.
  return pairEntropiesOf<1024>(joint, S - 1, S, xlogx, millerMadow);
}

PairEntropies codedPairEntropies(const CodedTable& t, int i, int j, bool millerMadow) {
  const int S = t.stride;
  std::vector<uint32_t> joint(static_cast<size_t>(S) * S, 0);
  const size_t xi = static_cast<size_t>(i) * t.n, yj = static_cast<size_t>(j) * t.n;
  for (int64_t k = 0; k < t.n; ++k) {
    const uint32_t a = t.codes8 ? t.codes8[xi + k] : t.codes16[xi + k];
    const uint32_t b = t.codes8 ? t.codes8[yj + k] : t.codes16[yj + k];
    joint[a * S + b]++;
  }
  const std::vector<double> xlogx = xlogxTable(t.n);
  return pairEntropies(joint.data(), S, xlogx.data(), millerMadow);
}

Status codeColumns(const std::vector<ColumnView>& cols, const BinSpec& spec, bool millerMadow, int threads,
                   CodedTable* out, int* badColumn) {
  if (Status s = sameLength(cols, badColumn); !s.ok()) return s;
  const int M = static_cast<int>(cols.size());
  const int64_t n = M ? cols[0].length : 0;
  const int levels = maxLevels(spec);
  out->M = M;
  out->n = n;
  out->stride = levels + 1;
  const bool narrow = out->stride <= 256;
  try {
    if (narrow) out->codes8 = bigBuffer<uint8_t>(static_cast<size_t>(M) * n);
    else out->codes16 = bigBuffer<uint16_t>(static_cast<size_t>(M) * n);
    out->info.assign(M, BinInfo{});
    out->entropy.assign(M, 0.0);
  } catch (const std::bad_alloc&) {
    return Status::error(Code::OutOfMemory, "cannot allocate the coded columns");
  }
  Status first;
  int firstBad = -1;
  parallel(threads, [&](Team& team) {
    std::vector<double> x(n), scratch(n);
    std::vector<uint32_t> counts(out->stride);
    for (int c = team.begin(M, Schedule::Dynamic, 4); c < M; c = team.next(c)) {
      readColumn(cols[c], x.data());
      Status s;
      std::fill(counts.begin(), counts.end(), 0u);
      // The code buffers start uninitialised: count codes only once discretize has written them.
      if (narrow) {
        uint8_t* codes = out->codes8.get() + static_cast<size_t>(c) * n;
        s = discretize<uint8_t>(x.data(), n, spec, static_cast<uint8_t>(levels), codes, scratch.data(), &out->info[c]);
        if (s.ok()) for (int64_t t = 0; t < n; ++t) counts[codes[t]]++;
      } else {
        uint16_t* codes = out->codes16.get() + static_cast<size_t>(c) * n;
        s = discretize<uint16_t>(x.data(), n, spec, static_cast<uint16_t>(levels), codes, scratch.data(), &out->info[c]);
        if (s.ok()) for (int64_t t = 0; t < n; ++t) counts[codes[t]]++;
      }
      if (!s.ok()) {
        team.critical([&] {
          if (firstBad < 0 || c < firstBad) { firstBad = c; first = s; }
        });
        continue;
      }
      const int64_t used = out->info[c].rowsUsed;
      double h = entropyOfCounts(counts.data(), levels, used);
      if (millerMadow && used > 0) {
        int occupied = 0;
        for (int k = 0; k < levels; ++k) occupied += counts[k] != 0;
        h += (occupied - 1) / (2.0 * used);
      }
      out->entropy[c] = h;
    }
  });
  if (firstBad >= 0) {
    *badColumn = firstBad;
    return first;
  }
  if (narrow && out->stride <= kTripleMaxStride) pairUp(out, threads);
  return first;
}

namespace {

constexpr int kBlock = 32;  // tile edge, in columns (a multiple of kGroup)

// Joint histograms of x against kGroup columns ys at once. Each y gets its own histogram, so the
// increments of one row are independent and the loop is bound by load/store throughput.
template <class C>
void groupHistograms(const C* x, const C* const* ys, int64_t n, int S, uint32_t* hist) {
  const size_t SS = static_cast<size_t>(S) * S;
  std::memset(hist, 0, sizeof(uint32_t) * SS * kGroup);
  const C *y0 = ys[0], *y1 = ys[1], *y2 = ys[2], *y3 = ys[3], *y4 = ys[4], *y5 = ys[5], *y6 = ys[6], *y7 = ys[7];
  uint32_t *h0 = hist, *h1 = h0 + SS, *h2 = h1 + SS, *h3 = h2 + SS, *h4 = h3 + SS, *h5 = h4 + SS, *h6 = h5 + SS, *h7 = h6 + SS;
  for (int64_t t = 0; t < n; ++t) {
    const uint32_t a = static_cast<uint32_t>(x[t]) * S;
    h0[a + y0[t]]++;
    h1[a + y1[t]]++;
    h2[a + y2[t]]++;
    h3[a + y3[t]]++;
    h4[a + y4[t]]++;
    h5[a + y5[t]]++;
    h6[a + y6[t]]++;
    h7[a + y7[t]]++;
  }
}

// Narrow strides take the triple kernel: one increment of a 3-D histogram (x, y1, y2) serves two
// pairs, halving the increments. Counts are 16-bit, so four 3-D histograms stay in L1, flushed every
// 65,535 rows; the stride is a compile-time constant and the 8 partner columns come pre-combined
// through one pointer, which keeps the loop within the registers (pointer spills cost 2× here) and
// its loads few (the loop is load-port bound).

template <int S>
void tripleHistograms(const uint8_t* x, const uint16_t* group, int64_t n, uint32_t* hist, uint16_t* h3) {
  constexpr size_t SS = S * S, SSS = SS * S;
  std::memset(hist, 0, sizeof(uint32_t) * SS * kGroup);
  for (int64_t c0 = 0; c0 < n; c0 += 65535) {
    const int64_t c1 = std::min<int64_t>(n, c0 + 65535);
    std::memset(h3, 0, sizeof(uint16_t) * SSS * (kGroup / 2));
    for (int64_t t = c0; t < c1; ++t) {
      const uint16_t* r = group + 4 * t;
      const uint32_t a = x[t] * static_cast<uint32_t>(SS);
      h3[a + r[0]]++;
      h3[SSS + a + r[1]]++;
      h3[2 * SSS + a + r[2]]++;
      h3[3 * SSS + a + r[3]]++;
    }
    for (int k = 0; k < kGroup / 2; ++k) {
      const uint16_t* g = h3 + k * SSS;
      uint32_t* first = hist + (2 * k) * SS;
      uint32_t* second = hist + (2 * k + 1) * SS;
      for (int a = 0; a < S; ++a) {
        for (int b = 0; b < S; ++b) {
          const uint16_t* r = g + (a * S + b) * S;
          uint32_t sum = 0;
          for (int c = 0; c < S; ++c) {
            sum += r[c];
            second[a * S + c] += r[c];
          }
          first[a * S + b] += sum;
        }
      }
    }
  }
}

using TripleFn = void (*)(const uint8_t*, const uint16_t*, int64_t, uint32_t*, uint16_t*);

template <int... Ss>
constexpr TripleFn tripleFor(int S, std::integer_sequence<int, Ss...>) {
  TripleFn fn = nullptr;
  ((fn = (Ss == S ? &tripleHistograms<Ss> : fn)), ...);
  return fn;
}

TripleFn tripleKernel(int S) {
  return S <= kTripleMaxStride ? tripleFor(S, std::make_integer_sequence<int, kTripleMaxStride + 1>{}) : nullptr;
}

// Tile of pairs through the triple kernel: groups of 8 aligned columns; pairs with j ≤ i
// in a row's first group are computed and dropped (at most 7 per row).
void miTileTriple(const CodedTable& t, TripleFn kernel, const Tile& tile, bool millerMadow, const double* xlogx,
                  uint32_t* hist, uint16_t* h3, int thread, const PairEntropySinkFn& sink) {
  const int S = t.stride;
  const size_t SS = static_cast<size_t>(S) * S;
  for (int i = tile.r0; i < tile.r1; ++i) {
    const uint8_t* x = t.codes8.get() + static_cast<size_t>(i) * t.n;
    const int jFirst = std::max(tile.c0, i + 1);
    for (int g = jFirst / kGroup; g * kGroup < tile.c1; ++g) {
      kernel(x, t.paired.get() + static_cast<size_t>(g) * (kGroup / 2) * t.n, t.n, hist, h3);
      for (int k = 0; k < kGroup; ++k) {
        const int j = g * kGroup + k;
        if (j < jFirst || j >= tile.c1) continue;
        sink(thread, i, j, pairEntropies(hist + k * SS, S, xlogx, millerMadow));
      }
    }
  }
}

template <class C>
void miTile(const CodedTable& t, const C* codes, const Tile& tile, bool millerMadow, const double* xlogx,
            uint32_t* hist, int thread, const PairEntropySinkFn& sink) {
  const int S = t.stride;
  const size_t SS = static_cast<size_t>(S) * S;
  for (int i = tile.r0; i < tile.r1; ++i) {
    const C* x = codes + static_cast<size_t>(i) * t.n;
    for (int j0 = std::max(tile.c0, i + 1); j0 < tile.c1; j0 += kGroup) {
      const int g = std::min(kGroup, tile.c1 - j0);
      const C* ys[kGroup];
      // A short last group repeats its last column; those histograms are ignored.
      for (int k = 0; k < kGroup; ++k) ys[k] = codes + static_cast<size_t>(j0 + std::min(k, g - 1)) * t.n;
      groupHistograms<C>(x, ys, t.n, S, hist);
      for (int k = 0; k < g; ++k) {
        sink(thread, i, j0 + k, pairEntropies(hist + k * SS, S, xlogx, millerMadow));
      }
    }
  }
}

}  // namespace

Status miAllPairs(const CodedTable& t, const MiOptions& o, int threads, int rowFirst, int rowLast,
                  const Control& ctl, const PairSinkFn& sink) {
  return pairEntropiesAllPairs(t, o.millerMadow, threads, rowFirst, rowLast, ctl,
                               [&](int thread, int i, int j, const PairEntropies& e) { sink(thread, i, j, finalizeMeasure(e, o), e.rows); });
}

Status pairEntropiesAllPairs(const CodedTable& t, bool millerMadow, int threads, int rowFirst, int rowLast,
                             const Control& ctl, const PairEntropySinkFn& sink) {
  if (t.stride > 1025) return Status::error(Code::BadOption, "at most 1024 bins are supported for MI matrices");
  const std::vector<Tile> tiles = upperTriangleTiles(t.M, kBlock, rowFirst, rowLast);
  std::vector<double> xlogx;
  try {
    xlogx = xlogxTable(t.n);
  } catch (const std::bad_alloc&) {
    return Status::error(Code::OutOfMemory, "cannot allocate the entropy table");
  }
  const size_t SS = static_cast<size_t>(t.stride) * t.stride;
  const TripleFn triple = !t.paired ? nullptr : tripleKernel(t.stride);
  parallel(threads, [&](Team& team) {
    std::vector<uint32_t> hist(SS * kGroup);
    std::vector<uint16_t> h3(triple ? SS * t.stride * (kGroup / 2) : 0);
    const int tid = team.id();
    for (size_t k = team.begin(tiles.size(), Schedule::Dynamic, 1); k < tiles.size(); k = team.next(k)) {
      if (ctl.cancelled()) continue;
      if (triple) miTileTriple(t, triple, tiles[k], millerMadow, xlogx.data(), hist.data(), h3.data(), tid, sink);
      else if (t.codes8) miTile<uint8_t>(t, t.codes8.get(), tiles[k], millerMadow, xlogx.data(), hist.data(), tid, sink);
      else miTile<uint16_t>(t, t.codes16.get(), tiles[k], millerMadow, xlogx.data(), hist.data(), tid, sink);
      ctl.progress(tilePairs(tiles[k]));
    }
  });
  if (ctl.cancelled()) return Status::error(Code::Aborted, "the computation was cancelled");
  return {};
}

}  // namespace ms
