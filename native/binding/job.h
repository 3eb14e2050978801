// The job runtime: every compute entry point builds a Job (inputs read and validated on the main
// thread), then dispatch() runs it inline (…Sync form) or on a libuv thread through one
// AsyncWorker that resolves a Promise. run() calls kernels only (no N-API); result() builds JS.
#pragma once
#include <napi.h>

#include <memory>

#include "kernels/status.h"

namespace msb {

class Job {
 public:
  virtual ~Job() = default;
  virtual ms::Status run() = 0;
  virtual Napi::Value result(Napi::Env env) = 0;
};

// Runs the job, turning any C++ exception into a status so nothing crosses the boundary.
ms::Status runGuarded(Job& job);

// Runs `job` inline (async = false: returns its result or throws) or on the thread pool (returns a
// Promise). `keepAlive` holds the JS inputs reachable for as long as run() may read them.
Napi::Value dispatch(Napi::Env env, std::unique_ptr<Job> job, bool async, Napi::Object keepAlive);

}  // namespace msb
