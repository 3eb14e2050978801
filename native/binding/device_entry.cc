// deviceInfo(): whether the CUDA backend can run here, and if not, what is missing. (The gpu.js
// path's native halves are prepared-table calls: preparedCodesAll, preparedFromCounts.)
#include <cmath>
#include <string>

#include "binding/args.h"
#include "binding/device.h"
#include "binding/entry_points.h"
#include "binding/result.h"
#include "kernels/mi_tile.h"

namespace msb {

// deviceInfo() → {cuda: {available, reason?, name?, memoryBytes?, computeCapability?}}
Napi::Value DeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string why;
  const CudaBackend* b = cudaBackend(&why);
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("available", Napi::Boolean::New(env, b != nullptr));
  if (b) {
    cuda.Set("name", Napi::String::New(env, b->name));
    cuda.Set("memoryBytes", Napi::Number::New(env, static_cast<double>(b->memoryBytes)));
    cuda.Set("computeCapability", Napi::String::New(env, std::to_string(b->major) + "." + std::to_string(b->minor)));
  } else {
    cuda.Set("reason", Napi::String::New(env, why));
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("cuda", cuda);
  return o;
}

}  // namespace msb
