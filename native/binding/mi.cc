// Binned (plug-in) entry points outside the prepared table: discretize (one series' codes and cuts),
// and the count of columns coded so far (tests and benchmarks check that a pipeline codes once).
// MI/NMI matrices, entropies and pairs are calls on the prepared table (prepared.cc).
#include <cmath>

#include "binding/args.h"
#include "binding/entry_points.h"
#include "binding/job.h"
#include "binding/result.h"
#include "kernels/binning.h"
#include "kernels/mi_tile.h"

namespace msb {

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

// columnsCoded() → columns the binning kernel has coded in this process
Napi::Value ColumnsCoded(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ms::columnsCoded()));
}

}  // namespace msb
