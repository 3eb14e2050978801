// Threads for the kernels, with or without OpenMP. A region runs on a team of threads (OpenMP's
// when built with it, else a persistent portable pool); the work of a region's loop is handed out
// by this file in both builds (contiguous blocks, or chunks taken in order from a shared counter),
// so the same iterations (tiles, columns, draws) run whichever threads exist, and results are
// byte-identical between the two builds.
//
//   ms::parallel(threads, [&](ms::Team& team) {
//     std::vector<double> scratch(n);                       // per thread
//     for (int64_t i = team.begin(count, ms::Schedule::Dynamic, 1); i < count; i = team.next(i)) { … }
//   });
//
// One work-shared loop per region (the region's end is the only barrier). Nested regions run on
// the calling thread alone, as OpenMP does without nested parallelism.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#if defined(MS_OPENMP)
#include <omp.h>
#endif

namespace ms {

enum class Schedule { Static, Dynamic };

/** What a team shares: the loop's next free iteration and a lock for critical sections. */
struct TeamShared {
  std::atomic<int64_t> next{0};
  std::mutex lock;
};

/** One thread's view of its team. */
class Team {
 public:
  Team(TeamShared* shared, int id, int size) : shared_(shared), id_(id), size_(size) {}
  int id() const { return id_; }
  int size() const { return size_; }

  /**
   * The first iteration of [0, n) this thread runs (n when none). Static: one contiguous block per
   * thread; Dynamic: chunks of `chunk` iterations taken in order by whichever thread is free.
   */
  template <class I>
  I begin(I n, Schedule schedule, int chunk = 1) {
    n_ = static_cast<int64_t>(n);
    schedule_ = schedule;
    chunk_ = std::max(1, chunk);
    if (schedule == Schedule::Static) {
      const int64_t per = n_ / size_, extra = n_ % size_;
      const int64_t first = id_ * per + std::min<int64_t>(id_, extra);
      end_ = first + per + (id_ < extra ? 1 : 0);
      return static_cast<I>(first < end_ ? first : n_);
    }
    return static_cast<I>(grab());
  }
  /** The iteration after `i` that this thread runs (n when none is left). */
  template <class I>
  I next(I i) {
    const int64_t k = static_cast<int64_t>(i) + 1;
    if (k < end_) return static_cast<I>(k);
    return static_cast<I>(schedule_ == Schedule::Static ? n_ : grab());
  }
  /** Runs f under the team's lock (`#pragma omp critical`). */
  template <class F>
  void critical(F&& f) {
    std::lock_guard<std::mutex> hold(shared_->lock);
    f();
  }

 private:
  int64_t grab() {
    const int64_t first = shared_->next.fetch_add(chunk_, std::memory_order_relaxed);
    if (first >= n_) return n_;
    end_ = std::min(n_, first + chunk_);
    return first;
  }
  TeamShared* shared_;
  int id_, size_;
  int64_t n_ = 0, end_ = 0;
  Schedule schedule_ = Schedule::Static;
  int chunk_ = 1;
};

namespace detail {
/** Whether this thread is inside a region (nested regions run serially). */
bool& inRegion();
/** Runs job(tid) for tid in [0, threads) on the portable pool, the caller as tid 0; rethrows the first exception. */
void poolRun(int threads, const std::function<void(int)>& job);
}  // namespace detail

/** Whether this build uses OpenMP (else the portable pool). */
constexpr bool usesOpenMP() {
#if defined(MS_OPENMP)
  return true;
#else
  return false;
#endif
}

/** Runs region(team) on `threads` threads (at least one). */
template <class Region>
void parallel(int threads, Region&& region) {
  TeamShared shared;
  if (detail::inRegion()) threads = 1;
  threads = std::max(1, threads);
  auto body = [&](int tid, int size) {
    struct Mark {  // restores the flag however the region ends
      bool& flag;
      bool was;
      ~Mark() { flag = was; }
    } mark{detail::inRegion(), detail::inRegion()};
    mark.flag = true;
    Team team(&shared, tid, size);
    region(team);
  };
  if (threads == 1) {
    body(0, 1);
    return;
  }
#if defined(MS_OPENMP)
#pragma omp parallel num_threads(threads)
  body(omp_get_thread_num(), omp_get_num_threads());
#else
  detail::poolRun(threads, [&](int tid) { body(tid, threads); });
#endif
}

}  // namespace ms
