#include "binding/job.h"

#include <new>
#include <string>

#include "binding/convert.h"

namespace msb {

ms::Status runGuarded(Job& job) {
  try {
    return job.run();
  } catch (const std::bad_alloc&) {
    return ms::Status::error(ms::Code::OutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    return ms::Status::error(ms::Code::Internal, std::string("internal error: ") + e.what());
  }
}

namespace {

class JobWorker : public Napi::AsyncWorker {
 public:
  JobWorker(Napi::Env env, std::unique_ptr<Job> job, Napi::Object keepAlive)
      : Napi::AsyncWorker(env, "metricsift"), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)) {
    // Inputs (typed arrays, control block) must stay reachable while run() reads them.
    keep_ = Napi::Persistent(keepAlive);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { status_ = runGuarded(*job_); }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (!status_.ok()) {
      deferred_.Reject(makeError(env, ms::codeName(status_.code), status_.message).Value());
      return;
    }
    Napi::Value v = job_->result(env);
    if (env.IsExceptionPending()) deferred_.Reject(env.GetAndClearPendingException().Value());
    else deferred_.Resolve(v);
  }

 private:
  std::unique_ptr<Job> job_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference keep_;
  ms::Status status_;
};

}  // namespace

Napi::Value dispatch(Napi::Env env, std::unique_ptr<Job> job, bool async, Napi::Object keepAlive) {
  if (async) {
    auto* w = new JobWorker(env, std::move(job), keepAlive);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }
  const ms::Status s = runGuarded(*job);
  if (!s.ok()) {
    throwError(env, ms::codeName(s.code), s.message);
    return env.Undefined();
  }
  return job->result(env);
}

}  // namespace msb
