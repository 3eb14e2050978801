// The addon's entry points. Each all-pairs call is a Job: inputs are read and validated here on
// the main thread, run() executes the kernels (no N-API) on a libuv thread for the async form or
// inline for the sync form, and result() builds the JS object. One AsyncWorker serves every job.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <thread>

#include "binding/convert.h"
#include "kernels/corr.h"
#include "kernels/ksg.h"
#include "kernels/mi_tile.h"
#include "kernels/pair_sink.h"
#include "kernels/resample.h"

namespace msb {
namespace {

class Job {
 public:
  virtual ~Job() = default;
  virtual ms::Status run() = 0;
  virtual Napi::Value result(Napi::Env env) = 0;
};

// Runs the job, turning any C++ exception into a status so nothing crosses the boundary.
ms::Status runGuarded(Job& job) {
  try {
    return job.run();
  } catch (const std::bad_alloc&) {
    return ms::Status::error(ms::Code::OutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    return ms::Status::error(ms::Code::Internal, std::string("internal error: ") + e.what());
  }
}

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

// Hands a vector's memory to JS without copying (copies where external buffers are not allowed).
template <class T>
Napi::Value toTyped(Napi::Env env, std::vector<T>&& v) {
  auto* owner = new std::vector<T>(std::move(v));
  const size_t bytes = owner->size() * sizeof(T);
  napi_value ab;
  // An external buffer over no memory reads as detached in V8: empty results get a plain buffer.
  napi_status st = owner->empty() ? napi_generic_failure
                                  : napi_create_external_arraybuffer(
                                        env, owner->data(), bytes,
                                        [](napi_env, void*, void* hint) { delete static_cast<std::vector<T>*>(hint); }, owner, &ab);
  Napi::ArrayBuffer buf;
  if (st == napi_ok) {
    buf = Napi::ArrayBuffer(env, ab);
  } else {
    buf = Napi::ArrayBuffer::New(env, bytes);
    if (bytes) std::memcpy(buf.Data(), owner->data(), bytes);
    delete owner;
  }
  const size_t n = bytes / sizeof(T);
  if constexpr (std::is_same_v<T, double>) return Napi::Float64Array::New(env, n, buf, 0);
  else if constexpr (std::is_same_v<T, float>) return Napi::Float32Array::New(env, n, buf, 0);
  else if constexpr (std::is_same_v<T, uint32_t>) return Napi::Uint32Array::New(env, n, buf, 0);
  else return Napi::Int32Array::New(env, n, buf, 0);
}

// Converts a filled sink into the JS result: {values, rowsUsed} or {i, j, value, rows}.
Napi::Object sinkResult(Napi::Env env, ms::PairSink& out) {
  Napi::Object o = Napi::Object::New(env);
  if (out.kind == ms::PairSink::Threshold || out.kind == ms::PairSink::TopK) {
    const std::vector<ms::PairSink::Pair> all = out.pairs();
    std::vector<uint32_t> is(all.size()), js(all.size()), rs(all.size());
    std::vector<double> vs(all.size());
    for (size_t k = 0; k < all.size(); ++k) { is[k] = all[k].i; js[k] = all[k].j; vs[k] = all[k].value; rs[k] = all[k].rows; }
    o.Set("i", toTyped(env, std::move(is)));
    o.Set("j", toTyped(env, std::move(js)));
    o.Set("value", toTyped(env, std::move(vs)));
    o.Set("rows", toTyped(env, std::move(rs)));
  } else {
    if (out.kind == ms::PairSink::Dense64) o.Set("values", toTyped(env, std::move(out.v64)));
    else o.Set("values", toTyped(env, std::move(out.v32)));
    o.Set("rowsUsed", toTyped(env, std::move(out.rows)));
  }
  return o;
}

struct Common {
  std::vector<std::string> names;
  std::vector<ms::ColumnView> cols;
  ms::Control ctl;
  int threads = 1;
  int rowFirst = 0, rowLast = -1;

  // args: (columns, names, options, control)
  bool read(const Napi::CallbackInfo& info, Napi::Object* opts) {
    Napi::Env env = info.Env();
    if (!readNames(env, info[1], &names)) return false;
    if (!readColumns(env, info[0], names, &cols)) return false;
    if (!info[2].IsObject()) { throwError(env, "MS_BAD_OPTION", "options must be an object"); return false; }
    *opts = info[2].As<Napi::Object>();
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = hw;
    if (!optInt(env, *opts, "threads", 1, 1024, &threads)) return false;
    if (!optInt(env, *opts, "rowFirst", 0, INT32_MAX, &rowFirst)) return false;
    if (!optInt(env, *opts, "rowLast", -1, INT32_MAX, &rowLast)) return false;
    if (!readControl(env, info[3], &ctl)) return false;
    if (cols.empty()) { throwError(env, "MS_NO_COLUMNS", "no columns to compare"); return false; }
    if (cols[0].length == 0) { throwError(env, "MS_NO_ROWS", "the input has no rows"); return false; }
    if (cols[0].length == 1) { throwError(env, "MS_TOO_FEW_ROWS", "the input has a single row; at least 2 are needed"); return false; }
    return true;
  }
  bool readOutput(Napi::Env env, Napi::Object o, ms::PairSink* out) {
    int kind = 0;
    if (!optEnum(env, o, "output", {"float64", "float32", "threshold", "topk"}, &kind)) return false;
    out->kind = static_cast<ms::PairSink::Kind>(kind);
    if (!optInt(env, o, "k", 1, 1 << 20, &out->k)) return false;
    if (!optDouble(env, o, "threshold", &out->threshold)) return false;
    if (!optBool(env, o, "absolute", &out->absolute)) return false;
    return true;
  }
  ms::Status columnError(ms::Status s, int bad) const {
    if (bad >= 0) s.message = (static_cast<size_t>(bad) < names.size() ? "column \"" + names[bad] + "\"" : "column " + std::to_string(bad)) + " " + s.message;
    return s;
  }
};

class MiJob : public Job {
 public:
  Common c;
  ms::BinSpec spec;
  std::vector<double> edges;
  ms::MiOptions mo;
  bool pairs = true;  // false: entropy vector only
  ms::PairSink out;
  ms::CodedTable coded;

  ms::Status run() override {
    int bad = -1;
    ms::Status s = ms::codeColumns(c.cols, spec, mo.millerMadow, c.threads, &coded, &bad);
    if (!s.ok()) return c.columnError(s, bad);
    if (!pairs) return {};
    out.init(coded.M, c.threads);
    s = ms::miAllPairs(coded, mo, c.threads, c.rowFirst, c.rowLast, c.ctl,
                       [this](int tid, int i, int j, double v, uint32_t r) { out.put(tid, i, j, v, r); });
    if (!s.ok()) return s;
    if (out.kind == ms::PairSink::Dense64 || out.kind == ms::PairSink::Dense32) {
      for (int i = 0; i < coded.M; ++i) {  // diagonal: MI(X;X) = H(X); NMI(X;X) = 1
        ms::PairEntropies e{coded.entropy[i], coded.entropy[i], coded.entropy[i], static_cast<uint32_t>(coded.info[i].rowsUsed)};
        out.put(0, i, i, ms::finalizeMeasure(e, mo), e.rows);
      }
    }
    return {};
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Object o = pairs ? sinkResult(env, out) : Napi::Object::New(env);
    std::vector<double> h(coded.M);
    std::vector<uint32_t> rows(coded.M);
    std::vector<int32_t> levels(coded.M), discrete(coded.M);
    for (int i = 0; i < coded.M; ++i) {
      h[i] = coded.info[i].rowsUsed ? (mo.bits ? coded.entropy[i] / M_LN2 : coded.entropy[i]) : NAN;
      rows[i] = static_cast<uint32_t>(coded.info[i].rowsUsed);
      levels[i] = coded.info[i].levels;
      discrete[i] = coded.info[i].discrete;
    }
    o.Set("entropy", toTyped(env, std::move(h)));
    o.Set("entropyRows", toTyped(env, std::move(rows)));
    o.Set("levels", toTyped(env, std::move(levels)));
    o.Set("discrete", toTyped(env, std::move(discrete)));
    return o;
  }
};

// miMatrix(columns, names, options, control, async) and entropyVector(...) share MiJob.
Napi::Value MiCommon(const Napi::CallbackInfo& info, bool pairs) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<MiJob>();
  job->pairs = pairs;
  Napi::Object opts;
  if (!job->c.read(info, &opts)) return env.Undefined();
  if (!readBinSpec(env, opts, &job->spec, &job->edges)) return env.Undefined();
  if (!readMiOptions(env, opts, &job->mo)) return env.Undefined();
  if (!job->c.readOutput(env, opts, &job->out)) return env.Undefined();
  Napi::Object keep = Napi::Object::New(env);
  keep.Set("columns", info[0]);
  keep.Set("options", info[2]);
  if (info[3].IsObject()) keep.Set("control", info[3]);
  return dispatch(env, std::move(job), info[4].ToBoolean().Value(), keep);
}

Napi::Value MiMatrix(const Napi::CallbackInfo& info) { return MiCommon(info, true); }
Napi::Value EntropyVector(const Napi::CallbackInfo& info) { return MiCommon(info, false); }

class CorrJob : public Job {
 public:
  Common c;
  ms::CorrMethod method = ms::CorrMethod::Pearson;
  ms::PairSink out;
  ms::CorrTable table;

  ms::Status run() override {
    int bad = -1;
    ms::Status s = ms::prepareCorr(c.cols, method, c.threads, &table, &bad);
    if (!s.ok()) return c.columnError(s, bad);
    out.init(table.M, c.threads);
    s = ms::corrAllPairs(table, c.threads, c.rowFirst, c.rowLast, c.ctl,
                         [this](int tid, int i, int j, double v, uint32_t r) { out.put(tid, i, j, v, r); });
    if (!s.ok()) return s;
    if (out.kind == ms::PairSink::Dense64 || out.kind == ms::PairSink::Dense32) {
      for (int i = 0; i < table.M; ++i) {
        uint32_t rows = 0;
        const double r = ms::corrDiagonal(table, i, &rows);
        out.put(0, i, i, r, rows);
      }
    }
    return {};
  }
  Napi::Value result(Napi::Env env) override { return sinkResult(env, out); }
};

Napi::Value CorrMatrix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<CorrJob>();
  Napi::Object opts;
  if (!job->c.read(info, &opts)) return env.Undefined();
  int m = 0;
  if (!optEnum(env, opts, "method", {"pearson", "spearman", "kendall"}, &m)) return env.Undefined();
  job->method = static_cast<ms::CorrMethod>(m);
  if (!job->c.readOutput(env, opts, &job->out)) return env.Undefined();
  Napi::Object keep = Napi::Object::New(env);
  keep.Set("columns", info[0]);
  if (info[3].IsObject()) keep.Set("control", info[3]);
  return dispatch(env, std::move(job), info[4].ToBoolean().Value(), keep);
}

class KsgJob : public Job {
 public:
  Common c;
  ms::KsgOptions o;
  ms::PairSink out;

  ms::Status run() override {
    out.init(static_cast<int>(c.cols.size()), c.threads);
    ms::Status s = ms::ksgAllPairs(c.cols, o, c.threads, c.rowFirst, c.rowLast, c.ctl,
                                   [this](int tid, int i, int j, double v, uint32_t r) { out.put(tid, i, j, v, r); });
    if (!s.ok()) return s;
    if (out.kind == ms::PairSink::Dense64 || out.kind == ms::PairSink::Dense32) {
      for (size_t i = 0; i < c.cols.size(); ++i) out.put(0, static_cast<int>(i), static_cast<int>(i), NAN, 0);  // I(X;X) is infinite for continuous X
    }
    return {};
  }
  Napi::Value result(Napi::Env env) override { return sinkResult(env, out); }
};

// The KSG options every KSG call shares: k, algorithm, standardize, jitter and its seed (`seed`).
bool readKsgOptions(Napi::Env env, Napi::Object opts, ms::KsgOptions* o) {
  double seed = 0;
  if (!optInt(env, opts, "k", 1, 1 << 20, &o->k) || !optInt(env, opts, "algorithm", 1, 2, &o->algorithm) ||
      !optBool(env, opts, "standardize", &o->standardize) || !optBool(env, opts, "jitter", &o->jitter) ||
      !optDouble(env, opts, "seed", &seed)) return false;
  o->seed = static_cast<uint64_t>(seed);
  return true;
}

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

// discretize(columns[1], names, options) → {codes: Int32Array (-1 missing), cuts, levels, discrete, rowsUsed}
Napi::Value Discretize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  Napi::Object opts;
  if (!c.read(info, &opts)) return env.Undefined();
  ms::BinSpec spec;
  std::vector<double> edges;
  if (!readBinSpec(env, opts, &spec, &edges)) return env.Undefined();
  const int64_t n = c.cols[0].length;
  std::vector<double> x(n), scratch(n);
  std::vector<uint16_t> codes(n);
  ms::readColumn(c.cols[0], x.data());
  ms::BinInfo bi;
  const uint16_t missing = 0xFFFF;
  ms::Status s = ms::discretize<uint16_t>(x.data(), n, spec, missing, codes.data(), scratch.data(), &bi);
  if (!s.ok()) {
    throwError(env, ms::codeName(s.code), c.columnError(s, 0).message);
    return env.Undefined();
  }
  std::vector<int32_t> out(n);
  for (int64_t t = 0; t < n; ++t) out[t] = codes[t] == missing ? -1 : codes[t];
  Napi::Object o = Napi::Object::New(env);
  o.Set("codes", toTyped(env, std::move(out)));
  o.Set("cuts", toTyped(env, std::move(bi.cuts)));
  o.Set("levels", Napi::Number::New(env, bi.levels));
  o.Set("discrete", Napi::Boolean::New(env, bi.discrete));
  o.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(bi.rowsUsed)));
  return o;
}

// miPair(columns[2], names, options) → entropies of one pair on its pairwise-complete rows, and MI/NMI.
Napi::Value MiPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  Napi::Object opts;
  if (!c.read(info, &opts)) return env.Undefined();
  if (c.cols.size() != 2) { throwError(env, "MS_BAD_INPUT", "miPair needs exactly two columns"); return env.Undefined(); }
  ms::BinSpec spec;
  std::vector<double> edges;
  ms::MiOptions mo;
  if (!readBinSpec(env, opts, &spec, &edges) || !readMiOptions(env, opts, &mo)) return env.Undefined();
  ms::CodedTable t;
  int bad = -1;
  ms::Status s = ms::codeColumns(c.cols, spec, mo.millerMadow, 1, &t, &bad);
  if (!s.ok()) { throwError(env, ms::codeName(s.code), c.columnError(s, bad).message); return env.Undefined(); }
  const ms::PairEntropies e = ms::codedPairEntropies(t, 0, 1, mo.millerMadow);
  const double u = mo.bits ? 1.0 / M_LN2 : 1.0;
  Napi::Object o = Napi::Object::New(env);
  o.Set("hx", Napi::Number::New(env, e.hx * u));
  o.Set("hy", Napi::Number::New(env, e.hy * u));
  o.Set("hxy", Napi::Number::New(env, e.hxy * u));
  ms::MiOptions m2 = mo;
  m2.measure = ms::Measure::MI;
  o.Set("mi", Napi::Number::New(env, ms::finalizeMeasure(e, m2)));
  m2.measure = ms::Measure::NMI;
  o.Set("nmi", Napi::Number::New(env, ms::finalizeMeasure(e, m2)));
  o.Set("rowsUsed", Napi::Number::New(env, e.rows));
  return o;
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

// Codes of two columns on their complete rows, for the resampling functions.
bool completeCodes(Napi::Env env, const Common& c, const ms::BinSpec& spec, std::vector<uint16_t>* a, std::vector<uint16_t>* b, int* levels) {
  if (c.cols.size() != 2) { throwError(env, "MS_BAD_INPUT", "resampling needs exactly two columns"); return false; }
  ms::CodedTable t;
  int bad = -1;
  ms::Status s = ms::codeColumns(c.cols, spec, false, 1, &t, &bad);
  if (!s.ok()) { throwError(env, ms::codeName(s.code), c.columnError(s, bad).message); return false; }
  const int missing = t.stride - 1;
  for (int64_t k = 0; k < t.n; ++k) {
    const int x = t.codes8 ? t.codes8[k] : t.codes16[k];
    const int y = t.codes8 ? t.codes8[t.n + k] : t.codes16[t.n + k];
    if (x != missing && y != missing) { a->push_back(static_cast<uint16_t>(x)); b->push_back(static_cast<uint16_t>(y)); }
  }
  *levels = std::max(1, missing);
  return true;
}

// What the resampling entry points share: two columns coded on their complete rows, the count of
// replicates/permutations (option `countKey`), the block length and the seed.
struct Resampling {
  Common c;
  std::vector<uint16_t> a, b;
  int levels = 1, count = 0, block = 1;
  uint64_t seed = 0;
  bool read(const Napi::CallbackInfo& info, const char* countKey, int countDefault) {
    Napi::Env env = info.Env();
    Napi::Object opts;
    if (!c.read(info, &opts)) return false;
    ms::BinSpec spec;
    std::vector<double> edges;
    double s = 0;
    count = countDefault;
    if (!readBinSpec(env, opts, &spec, &edges) || !optInt(env, opts, countKey, 1, 10000000, &count) ||
        !optInt(env, opts, "block", 1, INT32_MAX, &block) || !optDouble(env, opts, "seed", &s)) return false;
    seed = static_cast<uint64_t>(s);
    return completeCodes(env, c, spec, &a, &b, &levels);
  }
};

// miBootstrap(columns[2], names, {binning…, replicates, block, seed}) → {observed, replicates: Float64Array, rowsUsed} (nats).
// ksgResample(columns [x, y], names, {mode: 'half' | 'permutation', count, block, drawSeed, k, algorithm,
// standardize, jitter, seed (the jitter's), threads}) → {observed, draws (nats), rowsUsed}; complete rows of x and y.
Napi::Value KsgResample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Common c;
  Napi::Object opts;
  if (!c.read(info, &opts)) return env.Undefined();
  if (c.cols.size() != 2) { throwError(env, "MS_BAD_INPUT", "ksgResample takes exactly two columns"); return env.Undefined(); }
  ms::KsgOptions o;
  int count = 200, block = 1;
  double drawSeed = 0;
  std::string mode = "half";
  if (!readKsgOptions(env, opts, &o) || !optDouble(env, opts, "drawSeed", &drawSeed) ||
      !optInt(env, opts, "count", 1, 10000000, &count) || !optInt(env, opts, "block", 1, INT32_MAX, &block)) return env.Undefined();
  if (opts.Get("mode").IsString()) mode = opts.Get("mode").As<Napi::String>().Utf8Value();
  if (mode != "half" && mode != "permutation") { throwError(env, "MS_BAD_OPTION", "mode must be 'half' or 'permutation'"); return env.Undefined(); }
  const int64_t n = c.cols[0].length;
  std::vector<double> rx(n), ry(n), x, y;
  ms::readColumn(c.cols[0], rx.data());
  ms::readColumn(c.cols[1], ry.data());
  for (int64_t t = 0; t < n; ++t)
    if (!std::isnan(rx[t]) && !std::isnan(ry[t])) { x.push_back(rx[t]); y.push_back(ry[t]); }
  double observed = NAN;
  std::vector<double> draws;
  const ms::Status s = ms::ksgResample(x.data(), y.data(), static_cast<int64_t>(x.size()), o,
                                       mode == "half" ? ms::KsgResampling::kHalfSample : ms::KsgResampling::kPermutation, count, block,
                                       static_cast<uint64_t>(drawSeed), c.threads, &observed, &draws);
  if (!s.ok()) { throwError(env, ms::codeName(s.code), s.message); return env.Undefined(); }
  Napi::Object r = Napi::Object::New(env);
  r.Set("observed", Napi::Number::New(env, observed));
  r.Set("draws", toTyped(env, std::move(draws)));
  r.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(x.size())));
  return r;
}

Napi::Value MiBootstrap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Resampling rs;
  if (!rs.read(info, "replicates", 1000)) return env.Undefined();
  double observed = 0;
  std::vector<double> reps;
  ms::Status s = ms::miBootstrap(rs.a, rs.b, rs.levels, rs.count, rs.block, rs.seed, rs.c.threads, &observed, &reps);
  if (!s.ok()) { throwError(env, ms::codeName(s.code), s.message); return env.Undefined(); }
  Napi::Object r = Napi::Object::New(env);
  r.Set("observed", Napi::Number::New(env, observed));
  r.Set("replicates", toTyped(env, std::move(reps)));
  r.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(rs.a.size())));
  return r;
}

// miPermutation(columns[2], names, {binning…, permutations, block, seed}) → {observed, p, null, rowsUsed} (nats).
Napi::Value MiPermutation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Resampling rs;
  if (!rs.read(info, "permutations", 999)) return env.Undefined();
  const int permutations = rs.count;
  double observed = 0;
  std::vector<double> null;
  ms::Status s = ms::miPermutationNull(rs.a, rs.b, rs.levels, permutations, rs.block, rs.seed, rs.c.threads, &observed, &null);
  if (!s.ok()) { throwError(env, ms::codeName(s.code), s.message); return env.Undefined(); }
  int64_t atLeast = 0;
  for (double v : null) atLeast += v >= observed - 1e-12;  // ties with the observed value count against it
  Napi::Object r = Napi::Object::New(env);
  r.Set("observed", Napi::Number::New(env, observed));
  r.Set("p", Napi::Number::New(env, (1.0 + atLeast) / (1.0 + permutations)));
  r.Set("null", toTyped(env, std::move(null)));
  r.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(rs.a.size())));
  return r;
}

Napi::Value KendallTau(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || !info[1].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throwError(env, "MS_BAD_INPUT", "kendallTau expects two Int32Arrays of non-negative ranks");
    return env.Undefined();
  }
  Napi::Int32Array x = info[0].As<Napi::Int32Array>(), y = info[1].As<Napi::Int32Array>();
  if (x.ElementLength() != y.ElementLength()) { throwError(env, "MS_LENGTH_MISMATCH", "rank arrays differ in length"); return env.Undefined(); }
  for (size_t k = 0; k < x.ElementLength(); ++k) {
    if (x[k] < 0 || y[k] < 0) { throwError(env, "MS_BAD_INPUT", "ranks must be non-negative"); return env.Undefined(); }
  }
  return Napi::Number::New(env, ms::kendallTauB(x.Data(), y.Data(), static_cast<int64_t>(x.ElementLength())));
}

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) { throwError(env, "MS_BAD_INPUT", "setErrorClass expects a constructor"); return env.Undefined(); }
  env.GetInstanceData<AddonData>()->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass));
  exports.Set("miMatrix", Napi::Function::New(env, MiMatrix));
  exports.Set("entropyVector", Napi::Function::New(env, EntropyVector));
  exports.Set("corrMatrix", Napi::Function::New(env, CorrMatrix));
  exports.Set("discretize", Napi::Function::New(env, Discretize));
  exports.Set("miPair", Napi::Function::New(env, MiPair));
  exports.Set("kendallTau", Napi::Function::New(env, KendallTau));
  exports.Set("ksg", Napi::Function::New(env, Ksg));
  exports.Set("ksgMatrix", Napi::Function::New(env, KsgMatrix));
  exports.Set("miPermutation", Napi::Function::New(env, MiPermutation));
  exports.Set("miBootstrap", Napi::Function::New(env, MiBootstrap));
  exports.Set("ksgResample", Napi::Function::New(env, KsgResample));
  exports.Set("hardwareConcurrency", Napi::Number::New(env, std::max(1u, std::thread::hardware_concurrency())));
  return exports;
}

}  // namespace
}  // namespace msb

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return msb::Init(env, exports); }
NODE_API_MODULE(metricsift, InitAddon)
