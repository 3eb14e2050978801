// Resampling of conditional MI and transfer entropy over codes the caller has aligned (Int32Array):
// cmiResample (bootstrap replicates, or the null with A shuffled within strata of C) and teNull
// (the observed TE and its null from surrogate sources). The codes are copied on the main thread,
// so an async job reads memory no script can detach.
#include <cmath>
#include "binding/options.gen.h"
#include <string>
#include <vector>

#include "binding/convert.h"
#include "binding/entry_points.h"
#include "binding/job.h"
#include "binding/result.h"
#include "kernels/cmi_resample.h"
#include "kernels/resample.h"

namespace msb {
namespace {

bool readCodes(Napi::Env env, Napi::Value v, const char* what, std::vector<int32_t>* out) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throwError(env, "MS_BAD_INPUT", std::string(what) + " must be an Int32Array");
    return false;
  }
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (a.ArrayBuffer().IsDetached()) {
    throwError(env, "MS_BAD_INPUT", std::string(what) + "'s buffer is detached");
    return false;
  }
  out->assign(a.Data(), a.Data() + a.ElementLength());
  return true;
}

Napi::Object draws(Napi::Env env, double observed, std::vector<double>&& d, bool permutation, int64_t rows) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("observed", Napi::Number::New(env, observed));
  if (permutation) r.Set("p", Napi::Number::New(env, d.empty() || std::isnan(observed) ? NAN : ms::permutationP(d, observed)));
  r.Set("draws", toTyped(env, std::move(d)));
  r.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(rows)));
  return r;
}

class CmiJob : public Job {
 public:
  std::vector<int32_t> a, b, c;
  int la = 1, lb = 1, lc = 1, count = 1000, block = 1, threads = 1;
  bool stratified = false;
  uint64_t seed = 0;
  double observed = NAN;
  std::vector<double> out;
  ms::Status run() override {
    const ms::Triple t{a.data(), b.data(), c.data(), static_cast<int64_t>(a.size()), la, lb, lc};
    return stratified ? ms::cmiStratifiedNull(t, count, seed, threads, &observed, &out)
                      : ms::cmiBootstrap(t, count, block, seed, threads, &observed, &out);
  }
  Napi::Value result(Napi::Env env) override { return draws(env, observed, std::move(out), stratified, static_cast<int64_t>(a.size())); }
};

class TeJob : public Job {
 public:
  std::vector<int32_t> x, y;
  int lx = 1, ly = 1, lag = 1, count = 999, block = 1, threads = 1;
  bool shift = false;
  uint64_t seed = 0;
  double observed = NAN;
  int64_t rows = 0;
  std::vector<double> out;
  ms::Status run() override {
    return ms::teSurrogateNull({x.data(), y.data(), static_cast<int64_t>(x.size()), lx, ly, lag}, count, block, shift, seed, threads, &observed, &rows, &out);
  }
  Napi::Value result(Napi::Env env) override { return draws(env, observed, std::move(out), true, rows); }
};

bool readSeed(Napi::Env env, Napi::Object o, uint64_t* seed) {
  double s = 0;
  if (!optDouble(env, o, "seed", &s)) return false;
  if (!(s >= 0) || s > 9007199254740991.0 || s != std::floor(s)) {
    throwError(env, "MS_BAD_OPTION", "seed must be an integer ≥ 0");
    return false;
  }
  *seed = static_cast<uint64_t>(s);
  return true;
}

}  // namespace

// cmiResample(a, b, c: Int32Array, {la, lb, lc, mode: 'bootstrap' | 'stratified', count, block, seed, threads}, async)
// → {observed, draws (nats), p (stratified), rowsUsed}: I(A; B | C) over complete aligned rows.
Napi::Value CmiResample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<CmiJob>();
  if (!readCodes(env, info[0], "a", &job->a) || !readCodes(env, info[1], "b", &job->b) || !readCodes(env, info[2], "c", &job->c)) return env.Undefined();
  if (job->a.size() != job->b.size() || job->a.size() != job->c.size()) { throwError(env, "MS_LENGTH_MISMATCH", "a, b and c must have the same length"); return env.Undefined(); }
  if (!info[3].IsObject()) { throwError(env, "MS_BAD_OPTION", "options must be an object"); return env.Undefined(); }
  Napi::Object o = info[3].As<Napi::Object>();
  int mode = 0;
  if (!optInt(env, o, "la", 1, 1 << 20, &job->la) || !optInt(env, o, "lb", 1, 1 << 20, &job->lb) || !optInt(env, o, "lc", 1, 1 << 20, &job->lc) ||
      !optEnum(env, o, "mode", {"bootstrap", "stratified"}, &mode) || !optInt(env, o, "count", ms::opt::kReplicatesMin, ms::opt::kReplicatesMax, &job->count) ||
      !optInt(env, o, "block", 1, INT32_MAX, &job->block) || !optInt(env, o, "threads", ms::opt::kThreadsMin, ms::opt::kThreadsMax, &job->threads) || !readSeed(env, o, &job->seed))
    return env.Undefined();
  if (static_cast<double>(job->la) * job->lb * job->lc > 1e8) { throwError(env, "MS_BAD_OPTION", "la·lb·lc must not exceed 1e8 cells"); return env.Undefined(); }
  job->stratified = mode == 1;
  return dispatch(env, std::move(job), info[4].ToBoolean().Value(), Napi::Object::New(env));
}

// teNull(x, y: Int32Array (−1: missing), {lx, ly, lag, count, block, shift, seed, threads}, async)
// → {observed, draws (nats), p, rowsUsed}: TE(X → Y) and its null from surrogate sources.
Napi::Value TeNull(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<TeJob>();
  if (!readCodes(env, info[0], "x", &job->x) || !readCodes(env, info[1], "y", &job->y)) return env.Undefined();
  if (job->x.size() != job->y.size()) { throwError(env, "MS_LENGTH_MISMATCH", "x and y must have the same length"); return env.Undefined(); }
  if (!info[2].IsObject()) { throwError(env, "MS_BAD_OPTION", "options must be an object"); return env.Undefined(); }
  Napi::Object o = info[2].As<Napi::Object>();
  if (!optInt(env, o, "lx", 1, 1 << 20, &job->lx) || !optInt(env, o, "ly", 1, 1 << 20, &job->ly) || !optInt(env, o, "lag", 1, INT32_MAX, &job->lag) ||
      !optInt(env, o, "count", 0, ms::opt::kPermutationsMax, &job->count) || !optInt(env, o, "block", 1, INT32_MAX, &job->block) ||
      !optBool(env, o, "shift", &job->shift) || !optInt(env, o, "threads", ms::opt::kThreadsMin, ms::opt::kThreadsMax, &job->threads) || !readSeed(env, o, &job->seed))
    return env.Undefined();
  if (static_cast<double>(job->ly) * job->lx * job->ly > 1e8) { throwError(env, "MS_BAD_OPTION", "lx·ly² must not exceed 1e8 cells"); return env.Undefined(); }
  return dispatch(env, std::move(job), info[3].ToBoolean().Value(), Napi::Object::New(env));
}

}  // namespace msb
