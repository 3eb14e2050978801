// Correlation entry points: corrMatrix (a CorrJob) and kendallTau.
#include "binding/args.h"
#include "binding/entry_points.h"
#include "binding/job.h"
#include "binding/result.h"
#include "kernels/corr.h"

namespace msb {
namespace {

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

}  // namespace

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

}  // namespace msb
