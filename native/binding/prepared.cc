// The prepared table: prepare() codes a table once into a CodeStore (host memory today; a device
// store can take its place) held by a type-tagged external that a TS class owns. Every other entry
// point here reads that store: several measures from one pair-count pass, shards by pair rows or
// by linear pair index, single pairs, bootstrap/permutation draws, and columns' codes.
// Jobs hold a shared_ptr to the state, so dispose() during a running job frees it when the job ends.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <thread>

#include "binding/args.h"
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
  bool ours = false;
  if (v.IsExternal()) napi_check_object_type_tag(env, v, &kPreparedTag, &ours);
  if (!ours) {
    throwError(env, "MS_BAD_INPUT", "expected a prepared-table handle (from prepare())");
    return nullptr;
  }
  Holder* h = v.As<Napi::External<Holder>>().Data();
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
    auto* holder = new Holder{std::move(state)};
    Napi::External<Holder> ext = Napi::External<Holder>::New(env, holder, [](Napi::Env, Holder* h) { delete h; });
    napi_type_tag_object(env, ext, &kPreparedTag);
    o.Set("handle", ext);
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

  ms::Status run() override {
    const ms::CodeStore& s = *p->store;
    const int M = s.columns();
    const int64_t total = static_cast<int64_t>(M) * (M - 1) / 2;
    // Pairs before row i: i(M−1) − i(i−1)/2.
    auto offset = [M](int64_t i) { return i * (M - 1) - i * (i - 1) / 2; };
    const bool byIndex = pairLast >= 0 || pairFirst > 0;
    if (byIndex) {
      if (pairLast < 0 || pairLast > total) pairLast = total;
      if (pairFirst > pairLast) return ms::Status::error(ms::Code::BadOption, "pairRange: first must not exceed last");
      rowFirst = 0;
      while (rowFirst < M && offset(rowFirst + 1) <= pairFirst) ++rowFirst;
      rowLast = rowFirst;
      while (rowLast < M && offset(rowLast) < pairLast) ++rowLast;
    }
    for (auto& o : outs) o.init(M, threads);
    const int64_t pf = pairFirst, pl = pairLast;
    ms::Status st = s.allPairs(p->millerMadow, threads, rowFirst, rowLast, ctl, [&](int tid, int i, int j, const ms::PairEntropies& e) {
      if (byIndex) {
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
    for (size_t m = 0; m < outs.size(); ++m) a.Set(static_cast<uint32_t>(m), sinkResult(env, outs[m]));
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
  if (!optInt(env, opts, "threads", 1, 1024, &job->threads) || !optInt(env, opts, "rowFirst", 0, INT32_MAX, &job->rowFirst) ||
      !optInt(env, opts, "rowLast", -1, INT32_MAX, &job->rowLast) || !optDouble(env, opts, "pairFirst", &pf) ||
      !optDouble(env, opts, "pairLast", &pl) || !readControl(env, info[2], &job->ctl)) return env.Undefined();
  if (pf < 0 || pf != std::floor(pf) || (pl != -1 && (pl < 0 || pl != std::floor(pl)))) {
    throwError(env, "MS_BAD_OPTION", "pairRange must be integers ≥ 0");
    return env.Undefined();
  }
  job->pairFirst = static_cast<int64_t>(pf);
  job->pairLast = static_cast<int64_t>(pl);
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
      !optEnum(env, opts, "mode", {"bootstrap", "permutation"}, &mode) || !optInt(env, opts, "count", 1, 10000000, &job->count) ||
      !optInt(env, opts, "block", 1, INT32_MAX, &job->block) || !optDouble(env, opts, "seed", &seed) ||
      !optInt(env, opts, "threads", 1, 1024, &job->threads)) return env.Undefined();
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
  bool ours = false;
  if (info[0].IsExternal()) napi_check_object_type_tag(env, info[0], &kPreparedTag, &ours);
  if (!ours) { throwError(env, "MS_BAD_INPUT", "expected a prepared-table handle (from prepare())"); return env.Undefined(); }
  info[0].As<Napi::External<Holder>>().Data()->state.reset();
  return env.Undefined();
}

}  // namespace msb
