// Result marshalling: kernel outputs (vectors, pair sinks) into JS typed arrays and objects.
#pragma once
#include <napi.h>

#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/pair_sink.h"

namespace msb {

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
Napi::Object sinkResult(Napi::Env env, ms::PairSink& out);

}  // namespace msb
