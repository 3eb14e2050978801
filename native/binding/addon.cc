// Module init: registers the entry points (one file per family, see entry_points.h) and the JS
// error class. The job runtime is job.cc, argument reading args.cc/convert.cc, results result.cc.
#include <napi.h>

#include <algorithm>
#include <thread>

#include "binding/convert.h"
#include "binding/entry_points.h"
#include "kernels/parallel.h"

namespace msb {
namespace {

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) { throwError(env, "MS_BAD_INPUT", "setErrorClass expects a constructor"); return env.Undefined(); }
  env.GetInstanceData<AddonData>()->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass));
  exports.Set("corrMatrix", Napi::Function::New(env, CorrMatrix));
  exports.Set("discretize", Napi::Function::New(env, Discretize));
  exports.Set("columnsCoded", Napi::Function::New(env, ColumnsCoded));
  exports.Set("kendallTau", Napi::Function::New(env, KendallTau));
  exports.Set("ksg", Napi::Function::New(env, Ksg));
  exports.Set("ksgMatrix", Napi::Function::New(env, KsgMatrix));
  exports.Set("ksgResample", Napi::Function::New(env, KsgResample));
  exports.Set("prepare", Napi::Function::New(env, Prepare));
  exports.Set("preparedMatrices", Napi::Function::New(env, PreparedMatrices));
  exports.Set("preparedPair", Napi::Function::New(env, PreparedPair));
  exports.Set("preparedResample", Napi::Function::New(env, PreparedResample));
  exports.Set("preparedCodes", Napi::Function::New(env, PreparedCodes));
  exports.Set("preparedDispose", Napi::Function::New(env, PreparedDispose));
  exports.Set("deviceInfo", Napi::Function::New(env, DeviceInfo));
  exports.Set("preparedCodesAll", Napi::Function::New(env, PreparedCodesAll));
  exports.Set("preparedFromCounts", Napi::Function::New(env, PreparedFromCounts));
  exports.Set("cmiResample", Napi::Function::New(env, CmiResample));
  exports.Set("teNull", Napi::Function::New(env, TeNull));
  exports.Set("parseCsv", Napi::Function::New(env, ParseCsv));
  exports.Set("formatCsvMatrix", Napi::Function::New(env, FormatCsvMatrix));
  exports.Set("spanGraphNew", Napi::Function::New(env, SpanGraphNew));
  exports.Set("spanGraphAdd", Napi::Function::New(env, SpanGraphAdd));
  exports.Set("spanGraphCount", Napi::Function::New(env, SpanGraphCount));
#if defined(MS_HAVE_ZLIB)
  exports.Set("spanGraphInflates", Napi::Boolean::New(env, true));
#else
  exports.Set("spanGraphInflates", Napi::Boolean::New(env, false));
#endif
  exports.Set("hardwareConcurrency", Napi::Number::New(env, std::max(1u, std::thread::hardware_concurrency())));
  // Which threads the kernels run on: "openmp", or "pool" (the portable pool; same results).
  exports.Set("threading", Napi::String::New(env, ms::usesOpenMP() ? "openmp" : "pool"));
  return exports;
}

}  // namespace
}  // namespace msb

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return msb::Init(env, exports); }
NODE_API_MODULE(metricsift, InitAddon)
