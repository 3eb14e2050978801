// Binned (plug-in) entry points: miMatrix / entropyVector (one MiJob), discretize, miPair.
#include <cmath>

#include "binding/args.h"
#include "binding/entry_points.h"
#include "binding/job.h"
#include "binding/result.h"
#include "kernels/binning.h"
#include "kernels/mi_tile.h"

namespace msb {
namespace {

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

}  // namespace

Napi::Value MiMatrix(const Napi::CallbackInfo& info) { return MiCommon(info, true); }
Napi::Value EntropyVector(const Napi::CallbackInfo& info) { return MiCommon(info, false); }

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

}  // namespace msb
