// The prepared table: prepare() codes a table once into a CodeStore (host memory today; a device
// store can take its place) held by a type-tagged external that a TS class owns. Every other entry
// point here reads that store: several measures from one pair-count pass, shards by pair rows or
// by linear pair index, single pairs, bootstrap/permutation draws, and columns' codes.
// Jobs hold a shared_ptr to the state, so dispose() during a running job frees it when the job ends.
#include <algorithm>
#include "binding/options.gen.h"
#include <cmath>
#include <memory>
#include <string>
#include <thread>

#include "binding/args.h"
#include "binding/device.h"
#include "binding/entry_points.h"
#include "binding/job.h"
#include "binding/result.h"
#include "kernels/code_store.h"
#include "kernels/resample.h"

namespace msb {
namespace {

struct Prepared {
  std::unique_ptr<ms::CodeStore> store;
  std::vector<std::string> names;
  bool millerMadow = false;
};

struct Holder {
  std::shared_ptr<Prepared> state;
};

// Tags the externals this addon made, so a foreign external (or another handle type) is refused.
constexpr napi_type_tag kPreparedTag = {0x6d73707265706172ull, 0x65647461626c6531ull};

// The state behind a handle, or a thrown MS_DISPOSED / MS_BAD_INPUT and null.
std::shared_ptr<Prepared> stateOf(Napi::Env env, Napi::Value v) {
  Holder* h = handleData<Holder>(env, v, kPreparedTag, "a prepared-table handle (from prepare())");
  if (!h) return nullptr;
  if (!h->state) throwError(env, "MS_DISPOSED", "the prepared table was disposed; prepare the table again");
  return h->state;
}

Napi::Object entropyResult(Napi::Env env, const ms::CodeStore& s) {
  const int M = s.columns();
  std::vector<double> h(M);
  std::vector<uint32_t> rows(M);
  std::vector<int32_t> levels(M), discrete(M);
  for (int i = 0; i < M; ++i) {
    const ms::BinInfo& bi = s.info()[i];
    h[i] = bi.rowsUsed ? s.entropy()[i] : NAN;  // nats
    rows[i] = static_cast<uint32_t>(bi.rowsUsed);
    levels[i] = bi.levels;
    discrete[i] = bi.discrete;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("entropy", toTyped(env, std::move(h)));
  o.Set("entropyRows", toTyped(env, std::move(rows)));
  o.Set("levels", toTyped(env, std::move(levels)));
  o.Set("discrete", toTyped(env, std::move(discrete)));
  return o;
}

class PrepareJob : public Job {
 public:
  Common c;
  ms::BinSpec spec;
  std::vector<double> edges;
  std::shared_ptr<Prepared> state = std::make_shared<Prepared>();

  ms::Status run() override {
    int bad = -1;
    const ms::Status s = ms::HostCodeStore::build(c.cols, spec, state->millerMadow, c.threads, &state->store, &bad);
    return s.ok() ? s : c.columnError(s, bad);
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Object o = entropyResult(env, *state->store);
    o.Set("handle", newHandle(env, new Holder{std::move(state)}, kPreparedTag));
    return o;
  }
};

// Several measures of every pair from one pair-count pass, into one sink per measure.
class MatricesJob : public Job {
 public:
  std::shared_ptr<Prepared> p;
  std::vector<ms::MiOptions> measures;
  std::vector<ms::PairSink> outs;
  ms::Control ctl;
  int threads = 1, rowFirst = 0, rowLast = -1;
  int64_t pairFirst = 0, pairLast = -1;  // linear index range of pairs i < j in row-major order
  const CudaBackend* cuda = nullptr;      // set: the pair counts run on the CUDA backend
  std::string deviceDetail;

  // The device path: the store's codes as one uint8 block, then one device pass per measure (the
  // values are finalised there by the CPU's code), then the diagonal as below.
  ms::Status runCuda() {
    const ms::CodeStore& s = *p->store;
    const int M = s.columns();
    const int64_t n = s.rows();
    const int stride = s.missingCode() + 1;
    if (stride > 65) return ms::Status::error(ms::Code::BadOption, "device 'cuda' takes at most 64 bins per column (this table has " + std::to_string(stride - 1) + ")");
    std::vector<uint8_t> codes(static_cast<size_t>(M) * n);
    std::vector<uint16_t> col(n);
    for (int c = 0; c < M; ++c) {
      s.codesOf(c, col.data());
      for (int64_t t = 0; t < n; ++t) codes[static_cast<size_t>(c) * n + t] = static_cast<uint8_t>(col[t]);
    }
    for (size_t m = 0; m < measures.size(); ++m) {
      if (!byIndex()) {
        const ms::Status st = miAllPairsCuda(*cuda, codes.data(), M, n, stride, measures[m], rowFirst, rowLast, outs[m], &deviceDetail);
        if (!st.ok()) return st;
        continue;
      }
      // A pair-index shard: the device computes the shard's band of rows into a sink of every pair
      // (dense for dense outputs, so rows of NaN pairs match the CPU's), and only the shard's pairs
      // are passed on, exactly as the CPU path filters them.
      ms::PairSink band;
      band.kind = outs[m].kind == ms::PairSink::Threshold || outs[m].kind == ms::PairSink::TopK ? ms::PairSink::Threshold : ms::PairSink::Dense64;
      band.threshold = -INFINITY;
      band.init(M, 1);
      const ms::Status st = miAllPairsCuda(*cuda, codes.data(), M, n, stride, measures[m], rowFirst, rowLast, band, &deviceDetail);
      if (!st.ok()) return st;
      auto pass = [&](int i, int j, double v, uint32_t r) {
        const int64_t k = offset(i) + (j - i - 1);
        if (k >= pairFirst && k < pairLast) outs[m].put(0, i, j, v, r);
      };
      if (band.kind == ms::PairSink::Threshold) {
        for (const auto& q : band.pairs()) pass(static_cast<int>(q.i), static_cast<int>(q.j), q.value, q.rows);
      } else {
        for (int i = rowFirst; i < (rowLast < 0 ? M : rowLast); ++i)
          for (int j = i + 1; j < M; ++j) pass(i, j, band.v64[static_cast<size_t>(i) * M + j], band.rows[static_cast<size_t>(i) * M + j]);
      }
    }
    return {};
  }

  bool byIndex() const { return pairLast >= 0 || pairFirst > 0; }
  // Pairs before row i: i(M−1) − i(i−1)/2.
  int64_t offset(int64_t i) const {
    const int64_t M = p->store->columns();
    return i * (M - 1) - i * (i - 1) / 2;
  }

  ms::Status run() override {
    const ms::CodeStore& s = *p->store;
    const int M = s.columns();
    const int64_t total = static_cast<int64_t>(M) * (M - 1) / 2;
    if (byIndex()) {
      if (pairLast < 0 || pairLast > total) pairLast = total;
      if (pairFirst > pairLast) return ms::Status::error(ms::Code::BadOption, "pairRange: first must not exceed last");
      rowFirst = 0;
      while (rowFirst < M && offset(rowFirst + 1) <= pairFirst) ++rowFirst;
      rowLast = rowFirst;
      while (rowLast < M && offset(rowLast) < pairLast) ++rowLast;
    }
    for (auto& o : outs) o.init(M, threads);
    const int64_t pf = pairFirst, pl = pairLast;
    const bool shard = byIndex();
    ms::Status st = cuda ? runCuda() : s.allPairs(p->millerMadow, threads, rowFirst, rowLast, ctl, [&](int tid, int i, int j, const ms::PairEntropies& e) {
      if (shard) {
        const int64_t k = offset(i) + (j - i - 1);
        if (k < pf || k >= pl) return;
      }
      for (size_t m = 0; m < measures.size(); ++m) outs[m].put(tid, i, j, ms::finalizeMeasure(e, measures[m]), e.rows);
    });
    if (!st.ok()) return st;
    for (size_t m = 0; m < measures.size(); ++m) {
      ms::PairSink& out = outs[m];
      if (out.kind != ms::PairSink::Dense64 && out.kind != ms::PairSink::Dense32) continue;
      for (int i = 0; i < M; ++i) {  // diagonal: MI(X;X) = H(X); NMI(X;X) = 1
        const double h = s.entropy()[i];
        const ms::PairEntropies e{h, h, h, static_cast<uint32_t>(s.info()[i].rowsUsed)};
        out.put(0, i, i, ms::finalizeMeasure(e, measures[m]), e.rows);
      }
    }
    return {};
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Array a = Napi::Array::New(env, outs.size());
    for (size_t m = 0; m < outs.size(); ++m) {
      Napi::Object r = sinkResult(env, outs[m]);
      if (cuda) r.Set("deviceDetail", Napi::String::New(env, deviceDetail));
      a.Set(static_cast<uint32_t>(m), r);
    }
    return a;
  }
};

// Bootstrap replicates or permutation null of binned MI of one pair, on its complete rows.
class ResampleJob : public Job {
 public:
  std::shared_ptr<Prepared> p;
  int x = 0, y = 1, count = 1000, block = 1, threads = 1;
  bool permutation = false;
  uint64_t seed = 0;
  double observed = NAN;
  std::vector<double> draws;
  size_t rowsUsed = 0;

  ms::Status run() override {
    std::vector<std::vector<uint16_t>> codes;
    ms::completeCodes(*p->store, {x, y}, &codes);
    rowsUsed = codes[0].size();
    const int levels = std::max(1, p->store->missingCode());
    return permutation ? ms::miPermutationNull(codes[0], codes[1], levels, count, block, seed, threads, &observed, &draws)
                       : ms::miBootstrap(codes[0], codes[1], levels, count, block, seed, threads, &observed, &draws);
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Object r = Napi::Object::New(env);
    r.Set("observed", Napi::Number::New(env, observed));
    if (permutation) r.Set("p", Napi::Number::New(env, ms::permutationP(draws, observed)));
    r.Set("draws", toTyped(env, std::move(draws)));
    r.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(rowsUsed)));
    return r;
  }
};

bool columnIndex(Napi::Env env, Napi::Value v, const ms::CodeStore& s, const char* what, int* out) {
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= 0 && d < s.columns()) || d != std::floor(d)) {
    throwError(env, "MS_BAD_OPTION", std::string("Expected a column index between 0 and ") + std::to_string(s.columns() - 1) + " for " + what);
    return false;
  }
  *out = static_cast<int>(d);
  return true;
}

}  // namespace

// prepare(columns, names, {binning, bins, discreteMax, edges, millerMadow, threads}, control, async)
//   → {handle, entropy (nats), entropyRows, levels, discrete}
Napi::Value Prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<PrepareJob>();
  Napi::Object opts;
  if (!job->c.read(info, &opts)) return env.Undefined();
  if (!readBinSpec(env, opts, &job->spec, &job->edges) || !optBool(env, opts, "millerMadow", &job->state->millerMadow)) return env.Undefined();
  job->state->names = job->c.names;
  Napi::Object keep = Napi::Object::New(env);
  keep.Set("columns", info[0]);
  keep.Set("options", info[2]);
  if (info[3].IsObject()) keep.Set("control", info[3]);
  return dispatch(env, std::move(job), info[4].ToBoolean().Value(), keep);
}

// preparedMatrices(handle, {measures: ('mi'|'nmi')[], normalization, units, output, k, threshold,
//   threads, rowFirst, rowLast, pairFirst, pairLast}, control, async) → one result per measure.
Napi::Value PreparedMatrices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<MatricesJob>();
  if (!(job->p = stateOf(env, info[0]))) return env.Undefined();
  if (!info[1].IsObject()) { throwError(env, "MS_BAD_OPTION", "options must be an object"); return env.Undefined(); }
  Napi::Object opts = info[1].As<Napi::Object>();
  ms::MiOptions base;
  if (!readMiOptions(env, opts, &base)) return env.Undefined();
  base.millerMadow = job->p->millerMadow;
  Napi::Value mv = opts.Get("measures");
  if (!mv.IsArray() || mv.As<Napi::Array>().Length() == 0) { throwError(env, "MS_BAD_OPTION", "measures must be a non-empty array of 'mi' or 'nmi'"); return env.Undefined(); }
  Napi::Array ma = mv.As<Napi::Array>();
  ms::PairSink proto;
  Common c;
  if (!c.readOutput(env, opts, &proto)) return env.Undefined();
  for (uint32_t k = 0; k < ma.Length(); ++k) {
    const std::string m = ma.Get(k).IsString() ? ma.Get(k).As<Napi::String>().Utf8Value() : "";
    if (m != "mi" && m != "nmi") { throwError(env, "MS_BAD_OPTION", "measures must hold 'mi' or 'nmi', not '" + m + "'"); return env.Undefined(); }
    ms::MiOptions o = base;
    o.measure = m == "mi" ? ms::Measure::MI : ms::Measure::NMI;
    job->measures.push_back(o);
    job->outs.push_back(proto);
  }
  job->threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double pf = 0, pl = -1;
  if (!optInt(env, opts, "threads", ms::opt::kThreadsMin, ms::opt::kThreadsMax, &job->threads) || !optInt(env, opts, "rowFirst", 0, INT32_MAX, &job->rowFirst) ||
      !optInt(env, opts, "rowLast", -1, INT32_MAX, &job->rowLast) || !optDouble(env, opts, "pairFirst", &pf) ||
      !optDouble(env, opts, "pairLast", &pl) || !readControl(env, info[2], &job->ctl)) return env.Undefined();
  if (pf < 0 || pf != std::floor(pf) || (pl != -1 && (pl < 0 || pl != std::floor(pl)))) {
    throwError(env, "MS_BAD_OPTION", "pairRange must be integers ≥ 0");
    return env.Undefined();
  }
  job->pairFirst = static_cast<int64_t>(pf);
  job->pairLast = static_cast<int64_t>(pl);
  int device = 0;
  if (!optEnum(env, opts, "device", {"cpu", "cuda"}, &device)) return env.Undefined();
  if (device == 1) {
    std::string why;
    job->cuda = cudaBackend(&why);
    if (!job->cuda) { throwError(env, "MS_NO_DEVICE", "device 'cuda' is not available: " + why); return env.Undefined(); }
  }
  Napi::Object keep = Napi::Object::New(env);
  if (info[2].IsObject()) keep.Set("control", info[2]);
  return dispatch(env, std::move(job), info[3].ToBoolean().Value(), keep);
}

// preparedPair(handle, i, j, {normalization, units}) → {hx, hy, hxy (nats), mi, nmi (as finalised for
// the matrices, in `units`), rowsUsed} of one pair on its complete rows.
Napi::Value PreparedPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Prepared> p = stateOf(env, info[0]);
  if (!p) return env.Undefined();
  int i = 0, j = 0;
  ms::MiOptions mo;
  if (!columnIndex(env, info[1], *p->store, "x", &i) || !columnIndex(env, info[2], *p->store, "y", &j)) return env.Undefined();
  if (info[3].IsObject() && !readMiOptions(env, info[3].As<Napi::Object>(), &mo)) return env.Undefined();
  mo.millerMadow = p->millerMadow;
  const ms::PairEntropies e = p->store->pair(i, j, p->millerMadow);
  Napi::Object o = Napi::Object::New(env);
  o.Set("hx", Napi::Number::New(env, e.hx));
  o.Set("hy", Napi::Number::New(env, e.hy));
  o.Set("hxy", Napi::Number::New(env, e.hxy));
  mo.measure = ms::Measure::MI;
  o.Set("mi", Napi::Number::New(env, ms::finalizeMeasure(e, mo)));
  mo.measure = ms::Measure::NMI;
  o.Set("nmi", Napi::Number::New(env, ms::finalizeMeasure(e, mo)));
  o.Set("rowsUsed", Napi::Number::New(env, e.rows));
  return o;
}

// preparedResample(handle, {x, y, mode: 'bootstrap' | 'permutation', count, block, seed, threads},
//   control, async) → {observed, draws (nats), rowsUsed, p (permutation)}.
Napi::Value PreparedResample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<ResampleJob>();
  if (!(job->p = stateOf(env, info[0]))) return env.Undefined();
  if (!info[1].IsObject()) { throwError(env, "MS_BAD_OPTION", "options must be an object"); return env.Undefined(); }
  Napi::Object opts = info[1].As<Napi::Object>();
  int mode = 0;
  double seed = 0;
  job->threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!columnIndex(env, opts.Get("x"), *job->p->store, "x", &job->x) || !columnIndex(env, opts.Get("y"), *job->p->store, "y", &job->y) ||
      !optEnum(env, opts, "mode", {"bootstrap", "permutation"}, &mode) || !optInt(env, opts, "count", ms::opt::kReplicatesMin, ms::opt::kReplicatesMax, &job->count) ||
      !optInt(env, opts, "block", 1, INT32_MAX, &job->block) || !optDouble(env, opts, "seed", &seed) ||
      !optInt(env, opts, "threads", ms::opt::kThreadsMin, ms::opt::kThreadsMax, &job->threads)) return env.Undefined();
  job->permutation = mode == 1;
  job->seed = static_cast<uint64_t>(seed);
  return dispatch(env, std::move(job), info[3].ToBoolean().Value(), Napi::Object::New(env));
}

// preparedCodes(handle, i) → Int32Array of column i's codes (−1 = missing).
Napi::Value PreparedCodes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Prepared> p = stateOf(env, info[0]);
  int i = 0;
  if (!p || !columnIndex(env, info[1], *p->store, "column", &i)) return env.Undefined();
  const int64_t n = p->store->rows();
  std::vector<uint16_t> codes(n);
  p->store->codesOf(i, codes.data());
  const int missing = p->store->missingCode();
  std::vector<int32_t> out(n);
  for (int64_t t = 0; t < n; ++t) out[t] = codes[t] == missing ? -1 : codes[t];
  return toTyped(env, std::move(out));
}

// preparedDispose(handle): frees the codes now (a running job keeps them until it ends); idempotent.
Napi::Value PreparedDispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (Holder* h = handleData<Holder>(env, info[0], kPreparedTag, "a prepared-table handle (from prepare())")) h->state.reset();
  return env.Undefined();
}

// preparedCodesAll(handle) → {codes: Float32Array (M·n, column c at [c·n, (c+1)·n), code K = missing), K, n}:
// every column's codes for a device that counts pairs in float32 (gpu.js). K = the most bins any column uses.
Napi::Value PreparedCodesAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Prepared> p = stateOf(env, info[0]);
  if (!p) return env.Undefined();
  const ms::CodeStore& s = *p->store;
  const int M = s.columns();
  const int64_t n = s.rows();
  int K = 1;
  for (int c = 0; c < M; ++c) K = std::max(K, s.info()[c].levels);
  std::vector<float> codes(static_cast<size_t>(M) * n);
  std::vector<uint16_t> col(n);
  for (int c = 0; c < M; ++c) {
    s.codesOf(c, col.data());
    for (int64_t t = 0; t < n; ++t) codes[static_cast<size_t>(c) * n + t] = static_cast<float>(col[t] >= K ? K : col[t]);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("codes", toTyped(env, std::move(codes)));
  o.Set("K", Napi::Number::New(env, K));
  o.Set("n", Napi::Number::New(env, static_cast<double>(n)));
  return o;
}

// preparedFromCounts(handle, counts: Float32Array (P·K²), pi, pj: Uint32Array (P), K, {measures, normalization,
// units, output, k, threshold}) → one result per measure, as preparedMatrices gives: the joint counts of
// pairs (pi[p], pj[p]) made elsewhere (gpu.js), checked to be whole numbers of rows, and finalised here by
// the CPU's code. Codes at or above K never occur (K from preparedCodesAll); the zero cells a larger
// stride would add change no sum, so the values equal the CPU kernels' byte for byte.
Napi::Value PreparedFromCounts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Prepared> p = stateOf(env, info[0]);
  if (!p) return env.Undefined();
  auto typed = [&](int a, napi_typedarray_type type) {
    return info[a].IsTypedArray() && info[a].As<Napi::TypedArray>().TypedArrayType() == type;
  };
  if (!typed(1, napi_float32_array) || !typed(2, napi_uint32_array) || !typed(3, napi_uint32_array) || !info[4].IsNumber() || !info[5].IsObject()) {
    throwError(env, "MS_BAD_INPUT", "preparedFromCounts(handle, counts: Float32Array, pi: Uint32Array, pj: Uint32Array, K, options)");
    return env.Undefined();
  }
  const ms::CodeStore& s = *p->store;
  const int M = s.columns();
  const int64_t n = s.rows();
  Napi::Float32Array counts = info[1].As<Napi::Float32Array>();
  Napi::Uint32Array pi = info[2].As<Napi::Uint32Array>(), pj = info[3].As<Napi::Uint32Array>();
  const int K = info[4].As<Napi::Number>().Int32Value();
  Napi::Object opts = info[5].As<Napi::Object>();
  int maxLevels = 1;
  for (int c = 0; c < M; ++c) maxLevels = std::max(maxLevels, s.info()[c].levels);
  const size_t P = pi.ElementLength(), KK = static_cast<size_t>(std::max(1, K)) * std::max(1, K);
  if (K < maxLevels || K > ms::opt::kMaxLevels || pj.ElementLength() != P || counts.ElementLength() != P * KK) {
    throwError(env, "MS_BAD_INPUT", "preparedFromCounts: K must cover every column's bins and counts hold K² entries per pair");
    return env.Undefined();
  }
  ms::MiOptions base;
  if (!readMiOptions(env, opts, &base)) return env.Undefined();
  base.millerMadow = p->millerMadow;
  Napi::Value mv = opts.Get("measures");
  if (!mv.IsArray() || mv.As<Napi::Array>().Length() == 0) { throwError(env, "MS_BAD_OPTION", "measures must be a non-empty array of 'mi' or 'nmi'"); return env.Undefined(); }
  Napi::Array ma = mv.As<Napi::Array>();
  ms::PairSink proto;
  Common c;
  if (!c.readOutput(env, opts, &proto)) return env.Undefined();
  std::vector<ms::MiOptions> measures;
  std::vector<ms::PairSink> outs;
  for (uint32_t k = 0; k < ma.Length(); ++k) {
    const std::string m = ma.Get(k).IsString() ? ma.Get(k).As<Napi::String>().Utf8Value() : "";
    if (m != "mi" && m != "nmi") { throwError(env, "MS_BAD_OPTION", "measures must hold 'mi' or 'nmi', not '" + m + "'"); return env.Undefined(); }
    ms::MiOptions o = base;
    o.measure = m == "mi" ? ms::Measure::MI : ms::Measure::NMI;
    measures.push_back(o);
    outs.push_back(proto);
    outs.back().init(M, 1);
  }
  const std::vector<double> xlogx = ms::xlogxTable(n);
  std::vector<uint32_t> joint(KK);
  for (size_t q = 0; q < P; ++q) {
    const uint32_t i = pi[q], j = pj[q];
    if (i >= static_cast<uint32_t>(M) || j >= static_cast<uint32_t>(M) || i >= j) {
      throwError(env, "MS_BAD_INPUT", "preparedFromCounts: pair " + std::to_string(q) + " is not i < j < M");
      return env.Undefined();
    }
    int64_t sum = 0;
    for (size_t cell = 0; cell < KK; ++cell) {
      const float v = counts[q * KK + cell];
      // Counts must be exact: anything but a whole number in [0, n] is a device fault.
      if (!(v >= 0) || v > static_cast<float>(n) || v != std::floor(v)) {
        throwError(env, "MS_INTERNAL", "the device returned a count that is not a whole number of rows (" + std::to_string(v) + ") for pair " + std::to_string(i) + ", " + std::to_string(j));
        return env.Undefined();
      }
      joint[cell] = static_cast<uint32_t>(v);
      sum += joint[cell];
    }
    if (sum > n) {
      throwError(env, "MS_INTERNAL", "the device returned more rows than the table has for pair " + std::to_string(i) + ", " + std::to_string(j));
      return env.Undefined();
    }
    const ms::PairEntropies e = ms::pairEntropiesOf<ms::opt::kMaxLevels>(joint.data(), K, K, xlogx.data(), p->millerMadow);
    for (size_t m = 0; m < measures.size(); ++m) outs[m].put(0, static_cast<int>(i), static_cast<int>(j), ms::finalizeMeasure(e, measures[m]), e.rows);
  }
  Napi::Array a = Napi::Array::New(env, outs.size());
  for (size_t m = 0; m < measures.size(); ++m) {
    ms::PairSink& out = outs[m];
    if (out.kind == ms::PairSink::Dense64 || out.kind == ms::PairSink::Dense32) {
      for (int i = 0; i < M; ++i) {  // as MatricesJob: MI(X;X) = H(X); NMI(X;X) = 1
        const double h = s.entropy()[i];
        const ms::PairEntropies e{h, h, h, static_cast<uint32_t>(s.info()[i].rowsUsed)};
        out.put(0, i, i, ms::finalizeMeasure(e, measures[m]), e.rows);
      }
    }
    a.Set(static_cast<uint32_t>(m), sinkResult(env, out));
  }
  return a;
}

}  // namespace msb
