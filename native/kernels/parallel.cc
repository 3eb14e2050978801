// The portable pool behind ms::parallel when OpenMP is not used: worker threads that live for the
// whole process (spawning threads per call costs more than it saves on small inputs), handed out
// to regions on demand, so concurrent calls from different jobs never wait for each other.
#include "parallel.h"

#include <condition_variable>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

namespace ms {
namespace detail {

bool& inRegion() {
  thread_local bool flag = false;
  return flag;
}

#if !defined(MS_OPENMP)
namespace {

class Worker {
 public:
  Worker() : thread_([this] { loop(); }) { thread_.detach(); }
  void post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> hold(m_);
      job_ = std::move(job);
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> hold(m_);
        cv_.wait(hold, [this] { return static_cast<bool>(job_); });
        job = std::move(job_);
        job_ = nullptr;
      }
      job();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::function<void()> job_;
  std::thread thread_;
};

// Leaked on purpose: detached workers may still be parked when static destructors run at exit.
std::mutex& poolLock() {
  static auto* m = new std::mutex;
  return *m;
}
std::vector<Worker*>& idle() {
  static auto* v = new std::vector<Worker*>;
  return *v;
}

}  // namespace

void poolRun(int threads, const std::function<void(int)>& job) {
  const int helpers = threads - 1;
  std::vector<Worker*> team;
  {
    std::lock_guard<std::mutex> hold(poolLock());
    auto& free = idle();
    while (static_cast<int>(team.size()) < helpers && !free.empty()) {
      team.push_back(free.back());
      free.pop_back();
    }
  }
  while (static_cast<int>(team.size()) < helpers) team.push_back(new Worker);

  std::mutex doneLock;
  std::condition_variable doneCv;
  int running = helpers;
  std::exception_ptr first;
  auto run = [&](int tid) {
    try {
      job(tid);
    } catch (...) {
      std::lock_guard<std::mutex> hold(doneLock);
      if (!first) first = std::current_exception();
    }
  };
  for (int k = 0; k < helpers; ++k) {
    team[k]->post([&, tid = k + 1] {
      run(tid);
      std::lock_guard<std::mutex> hold(doneLock);
      if (--running == 0) doneCv.notify_one();
    });
  }
  run(0);
  {
    std::unique_lock<std::mutex> hold(doneLock);
    doneCv.wait(hold, [&] { return running == 0; });
  }
  {
    std::lock_guard<std::mutex> hold(poolLock());
    for (Worker* w : team) idle().push_back(w);
  }
  if (first) std::rethrow_exception(first);
}
#else
void poolRun(int threads, const std::function<void(int)>& job) {
  for (int tid = 0; tid < threads; ++tid) job(tid);  // unused with OpenMP; kept for the declaration
}
#endif

}  // namespace detail
}  // namespace ms
