// The tile scheduler shared by every all-pairs kernel: the upper triangle of an M×M pair matrix is
// cut into fixed blocks of columns (row block × column block). A tile is the unit of work for
// native threads now and for worker-pool shards, other machines or a GPU later. Because the tiling
// never depends on the thread count and each pair is computed wholly inside one tile, results are
// bit-identical for any number of threads.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

namespace ms {

struct Tile {
  int r0, r1;  // rows [r0, r1)
  int c0, c1;  // columns [c0, c1); only pairs i < j are computed
};

// Caller-owned control words (a JS Int32Array, written with Atomics): `cancel` is polled between
// tiles; `done` counts finished pairs, for progress bars.
struct Control {
  int32_t* cancel = nullptr;
  int32_t* done = nullptr;
  bool cancelled() const { return cancel && std::atomic_ref<int32_t>(*cancel).load(std::memory_order_relaxed) != 0; }
  void progress(int64_t pairs) const {
    if (done) std::atomic_ref<int32_t>(*done).fetch_add(static_cast<int32_t>(pairs > INT32_MAX ? INT32_MAX : pairs), std::memory_order_relaxed);
  }
};

// Tiles covering all pairs i < j of [first, last) (a shard of rows) × [0, M).
inline std::vector<Tile> upperTriangleTiles(int M, int block, int rowFirst = 0, int rowLast = -1) {
  if (rowLast < 0) rowLast = M;
  std::vector<Tile> tiles;
  for (int r0 = rowFirst; r0 < rowLast; r0 += block) {
    const int r1 = r0 + block < rowLast ? r0 + block : rowLast;
    for (int c0 = (r0 / block) * block; c0 < M; c0 += block) {
      const int c1 = c0 + block < M ? c0 + block : M;
      if (c1 - 1 > r0) tiles.push_back({r0, r1, c0, c1});
    }
  }
  return tiles;
}

inline int64_t tilePairs(const Tile& t) {
  int64_t n = 0;
  for (int i = t.r0; i < t.r1; ++i) {
    const int j0 = t.c0 > i + 1 ? t.c0 : i + 1;
    if (t.c1 > j0) n += t.c1 - j0;
  }
  return n;
}

}  // namespace ms
