// KSG entry points: ksgMatrix (a KsgJob), the single (conditional) pair ksg, and ksgResample.
#include <cmath>
#include "binding/options.gen.h"

#include "binding/device.h"
#include "binding/args.h"
#include "binding/entry_points.h"
#include "binding/job.h"
#include "binding/result.h"
#include "kernels/ksg.h"

namespace msb {
namespace {

class KsgJob : public Job {
 public:
  Common c;
  ms::KsgOptions o;
  ms::PairSink out;

  ms::Status run() override {
    out.init(static_cast<int>(c.cols.size()), c.threads);
    int bad = -1;
    ms::Status s = ms::ksgAllPairs(c.cols, o, c.threads, c.rowFirst, c.rowLast, c.ctl,
                                   [this](int tid, int i, int j, double v, uint32_t r) { out.put(tid, i, j, v, r); }, &bad);
    if (!s.ok()) return c.columnError(s, bad);
    if (out.kind == ms::PairSink::Dense64 || out.kind == ms::PairSink::Dense32) {
      for (size_t i = 0; i < c.cols.size(); ++i) out.put(0, static_cast<int>(i), static_cast<int>(i), NAN, 0);  // I(X;X) is infinite for continuous X
    }
    return {};
  }
  Napi::Value result(Napi::Env env) override { return sinkResult(env, out); }
};

}  // namespace

// ksgMatrix(columns, names, {k, algorithm, standardize, jitter, seed, output, …}, control, async)
Napi::Value KsgMatrix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<KsgJob>();
  Napi::Object opts;
  if (!job->c.read(info, &opts)) return env.Undefined();
  if (!readKsgOptions(env, opts, &job->o) || !job->c.readOutput(env, opts, &job->out)) return env.Undefined();
  Napi::Object keep = Napi::Object::New(env);
  keep.Set("columns", info[0]);
  if (info[3].IsObject()) keep.Set("control", info[3]);
  return dispatch(env, std::move(job), info[4].ToBoolean().Value(), keep);
}

// ksg(columns, names, {x, y, z?, k, algorithm, standardize, jitter, seed}) → {value (nats), rowsUsed}.
// Rows with a missing value in any used column are left out.
Napi::Value Ksg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  Napi::Object opts;
  if (!c.read(info, &opts)) return env.Undefined();
  auto indices = [&](const char* key, std::vector<int>* out) {
    Napi::Value v = opts.Get(key);
    if (v.IsUndefined()) return true;
    if (!v.IsArray()) { throwError(env, "MS_BAD_OPTION", std::string(key) + " must be an array of column indices"); return false; }
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      const double d = a.Get(i).ToNumber().DoubleValue();
      if (!(d >= 0 && d < c.cols.size()) || d != std::floor(d)) { throwError(env, "MS_BAD_OPTION", std::string(key) + " holds an invalid column index"); return false; }
      out->push_back(static_cast<int>(d));
    }
    return true;
  };
  std::vector<int> x, y, z;
  if (!indices("x", &x) || !indices("y", &y) || !indices("z", &z)) return env.Undefined();
  ms::KsgOptions o;
  if (!readKsgOptions(env, opts, &o)) return env.Undefined();
  // Listwise-complete rows over the used columns, materialised as doubles (buffers kept between
  // calls, as the kernel's: a loop of small calls should not page-fault fresh memory each time).
  const int64_t n = c.cols[0].length;
  thread_local std::vector<std::vector<double>> raw;
  raw.resize(c.cols.size());
  for (size_t k = 0; k < c.cols.size(); ++k) {
    raw[k].resize(n);
    ms::readColumn(c.cols[k], raw[k].data());
    if (!c.rejectInfinite(env, static_cast<int>(k), raw[k].data(), n)) return env.Undefined();
  }
  struct Release {  // a big one-off call does not pin its memory
    int64_t n;
    ~Release() { if (n > (1 << 18)) raw = {}; }
  } release{n};
  std::vector<int> used = x;
  used.insert(used.end(), y.begin(), y.end());
  used.insert(used.end(), z.begin(), z.end());
  std::vector<char> complete(n, 1);
  int64_t m = 0;
  for (int64_t t = 0; t < n; ++t) {
    for (int u : used) complete[t] &= !std::isnan(raw[u][t]);
    m += complete[t];
  }
  // Compacted only when some row is missing: a complete data set is used where it was read.
  std::vector<std::vector<double>> kept(c.cols.size());
  std::vector<const double*> dims(c.cols.size(), nullptr);
  for (int u : used) {
    if (m == n) { dims[u] = raw[u].data(); continue; }
    if (kept[u].empty()) {
      kept[u].reserve(m);
      for (int64_t t = 0; t < n; ++t)
        if (complete[t]) kept[u].push_back(raw[u][t]);
    }
    dims[u] = kept[u].data();
  }
  // The kernel standardises every dimension it is given: pass only the used ones.
  std::vector<const double*> usedDims;
  std::vector<int> pos(c.cols.size(), -1);
  for (int u : used) if (pos[u] < 0) { pos[u] = static_cast<int>(usedDims.size()); usedDims.push_back(dims[u]); }
  auto map = [&](const std::vector<int>& v) { std::vector<int> r; for (int u : v) r.push_back(pos[u]); return r; };
  double value = NAN;
  ms::Status st = z.empty() ? ms::ksgMutualInformation(usedDims, m, map(x), map(y), o, &value)
                            : ms::ksgConditionalMutualInformation(usedDims, m, map(x), map(y), map(z), o, &value);
  if (!st.ok()) {
    throwError(env, ms::codeName(st.code), st.message);
    return env.Undefined();
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("value", Napi::Number::New(env, value));
  r.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(m)));
  return r;
}

namespace {

// Half-sample or permutation draws of KSG MI on the complete rows of x and y (read on the main
// thread into owned vectors, so the job reads no JS memory). With `cuda` set, the CPU draws the
// rows and prepares the points exactly as ksgResample; the device estimates.
class KsgResampleJob : public Job {
 public:
  ms::KsgOptions o;
  ms::KsgResampling mode = ms::KsgResampling::kHalfSample;
  int count = 200, block = 1, threads = 1;
  uint64_t drawSeed = 0;
  const CudaBackend* cuda = nullptr;
  std::vector<double> x, y, draws;
  double observed = NAN;

  ms::Status run() override {
    const int64_t n = static_cast<int64_t>(x.size());
    if (!cuda) return ms::ksgResample(x.data(), y.data(), n, o, mode, count, block, drawSeed, threads, &observed, &draws);
    ms::KsgDraws d;
    ms::Status s = ms::ksgPrepareDraws(x.data(), y.data(), n, o, mode, count, block, drawSeed, threads, &d);
    if (s.ok()) s = ms::ksgMutualInformation({x.data(), y.data()}, n, {0}, {1}, o, &observed);
    if (s.ok()) s = ksgResampleCuda(*cuda, d, o.k, mode == ms::KsgResampling::kHalfSample, count, &draws);
    return s;
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Object r = Napi::Object::New(env);
    r.Set("observed", Napi::Number::New(env, observed));
    r.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(x.size())));
    r.Set("draws", toTyped(env, std::move(draws)));
    return r;
  }
};

}  // namespace

// ksgResample(columns [x, y], names, {mode: 'half' | 'permutation', count, block, drawSeed, k, algorithm,
// standardize, jitter, seed (the jitter's), threads, device: 'cpu' | 'cuda'}, control, async)
// → {observed, draws (nats), rowsUsed}; complete rows of x and y.
Napi::Value KsgResample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  Napi::Object opts;
  if (!c.read(info, &opts)) return env.Undefined();
  if (c.cols.size() != 2) { throwError(env, "MS_BAD_INPUT", "ksgResample takes exactly two columns"); return env.Undefined(); }
  auto job = std::make_unique<KsgResampleJob>();
  ms::KsgOptions& o = job->o;
  double drawSeed = 0;
  std::string mode = "half";
  if (!readKsgOptions(env, opts, &o) || !optDouble(env, opts, "drawSeed", &drawSeed) ||
      !optInt(env, opts, "count", ms::opt::kReplicatesMin, ms::opt::kReplicatesMax, &job->count) || !optInt(env, opts, "block", 1, INT32_MAX, &job->block)) return env.Undefined();
  if (opts.Get("mode").IsString()) mode = opts.Get("mode").As<Napi::String>().Utf8Value();
  if (mode != "half" && mode != "permutation") { throwError(env, "MS_BAD_OPTION", "mode must be 'half' or 'permutation'"); return env.Undefined(); }
  int device = 0;
  if (!optEnum(env, opts, "device", {"cpu", "cuda"}, &device)) return env.Undefined();
  if (device == 1) {
    // The device path is algorithm 1 with k ≤ 10: say which option is not supported before anything else.
    if (o.algorithm != 1) { throwError(env, "MS_BAD_OPTION", "device 'cuda' computes KSG algorithm 1 only (algorithm: " + std::to_string(o.algorithm) + ")"); return env.Undefined(); }
    if (o.k > 10) { throwError(env, "MS_BAD_OPTION", "device 'cuda' computes KSG with k from 1 to 10 (k: " + std::to_string(o.k) + ")"); return env.Undefined(); }
    std::string why;
    job->cuda = cudaBackend(&why);
    if (!job->cuda) { throwError(env, "MS_NO_DEVICE", "device 'cuda' is not available: " + why); return env.Undefined(); }
  }
  job->mode = mode == "half" ? ms::KsgResampling::kHalfSample : ms::KsgResampling::kPermutation;
  job->drawSeed = static_cast<uint64_t>(drawSeed);
  job->threads = c.threads;
  const int64_t n = c.cols[0].length;
  std::vector<double> rx(n), ry(n);
  ms::readColumn(c.cols[0], rx.data());
  ms::readColumn(c.cols[1], ry.data());
  if (!c.rejectInfinite(env, 0, rx.data(), n) || !c.rejectInfinite(env, 1, ry.data(), n)) return env.Undefined();
  for (int64_t t = 0; t < n; ++t)
    if (!std::isnan(rx[t]) && !std::isnan(ry[t])) { job->x.push_back(rx[t]); job->y.push_back(ry[t]); }
  return dispatch(env, std::move(job), info[4].ToBoolean().Value(), Napi::Object::New(env));
}

}  // namespace msb
