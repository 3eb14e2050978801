// Where the values of an all-pairs run go: a dense symmetric matrix (float64 or float32), only the
// pairs above a threshold, or each column's k best partners. The sparse forms never allocate the
// M×M matrix; each thread collects its own candidates and the merge is deterministic, so results do
// not depend on the thread count.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace ms {

struct PairSink {
  enum Kind { Dense64, Dense32, Threshold, TopK } kind = Dense64;
  double threshold = 0;
  bool absolute = false;  // rank / compare |value| (correlations)
  int k = 0;              // TopK: partners kept per column
  int M = 0;

  struct Pair {
    uint32_t i, j;
    double value;
    uint32_t rows;
  };
  std::vector<double> v64;
  std::vector<float> v32;
  std::vector<uint32_t> rows;
  std::vector<std::vector<Pair>> perThread;             // Threshold: pairs i < j above it
  std::vector<std::vector<std::vector<Pair>>> best;     // TopK: [thread][column] min-heap of ≤ k partners

  double score(double v) const { return absolute ? std::fabs(v) : v; }
  // "a ranks before b": higher score, then lower partner index.
  bool before(const Pair& a, const Pair& b) const {
    const double sa = score(a.value), sb = score(b.value);
    return sa != sb ? sa > sb : a.j < b.j;
  }

  void init(int m, int threads) {
    M = m;
    const size_t mm = static_cast<size_t>(m) * m;
    if (kind == Dense64) v64.assign(mm, NAN);
    if (kind == Dense32) v32.assign(mm, NAN);
    if (kind == Dense64 || kind == Dense32) rows.assign(mm, 0);
    if (kind == Threshold) perThread.assign(threads, {});
    if (kind == TopK) best.assign(threads, std::vector<std::vector<Pair>>(m));
  }

  void offer(int tid, uint32_t col, uint32_t partner, double value, uint32_t r) {
    std::vector<Pair>& h = best[tid][col];
    const Pair p{col, partner, value, r};
    auto worse = [this](const Pair& a, const Pair& b) { return before(a, b); };  // heap top = worst kept
    if (static_cast<int>(h.size()) < k) {
      h.push_back(p);
      std::push_heap(h.begin(), h.end(), worse);
    } else if (before(p, h.front())) {
      std::pop_heap(h.begin(), h.end(), worse);
      h.back() = p;
      std::push_heap(h.begin(), h.end(), worse);
    }
  }

  // Called from the computing thread `tid` for every pair i < j (and i == j for the diagonal).
  void put(int tid, int i, int j, double value, uint32_t r) {
    const size_t a = static_cast<size_t>(i) * M + j, b = static_cast<size_t>(j) * M + i;
    switch (kind) {
      case Dense64: v64[a] = v64[b] = value; rows[a] = rows[b] = r; break;
      case Dense32: v32[a] = v32[b] = static_cast<float>(value); rows[a] = rows[b] = r; break;
      case Threshold:
        if (score(value) > threshold) perThread[tid].push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j), value, r});
        break;
      case TopK:
        if (i == j || std::isnan(value) || k <= 0) break;
        offer(tid, i, j, value, r);
        offer(tid, j, i, value, r);
        break;
    }
  }

  // Threshold: pairs i < j sorted by (i, j). TopK: per column i, its best partners j in rank order.
  std::vector<Pair> pairs() const {
    std::vector<Pair> all;
    if (kind == Threshold) {
      for (const auto& t : perThread) all.insert(all.end(), t.begin(), t.end());
      std::sort(all.begin(), all.end(), [](const Pair& a, const Pair& b) { return a.i != b.i ? a.i < b.i : a.j < b.j; });
    } else if (kind == TopK) {
      std::vector<Pair> col;
      for (int c = 0; c < M; ++c) {
        col.clear();
        for (const auto& t : best) col.insert(col.end(), t[c].begin(), t[c].end());
        std::sort(col.begin(), col.end(), [this](const Pair& a, const Pair& b) { return before(a, b); });
        all.insert(all.end(), col.begin(), col.begin() + std::min<size_t>(col.size(), k));
      }
    }
    return all;
  }
};

}  // namespace ms
