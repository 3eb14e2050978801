// Span CSVs → call-graph counts (kernels/spans.h) for src/io/span-graph.ts:
//   spanGraphNew() → handle; spanGraphAdd(handle, bytes) → Promise<null | why the JS reader must
//   decide>; spanGraphCount(handle) → Promise<counts>.
// One file at a time per handle: its bytes are copied (on the main thread, into one buffer reused
// for every file of the handle) so the job never reads memory JavaScript could detach or free.
#include "binding/entry_points.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <string>

#include "binding/convert.h"
#include "binding/job.h"
#include "binding/result.h"
#include "kernels/spans.h"

namespace msb {
namespace {

struct SpanState {
  ms::SpanGraphBuilder builder;
  std::unique_ptr<char[]> bytes;
  size_t capacity = 0, size = 0;
  std::atomic<bool> busy{false};
};
struct SpanHolder {
  std::shared_ptr<SpanState> state;
};

constexpr napi_type_tag kSpanTag = {0x6d737370616e6772ull, 0x6170686275696c64ull};

// The state behind a handle, marked busy until its job's result is made; or a thrown MS_BAD_INPUT and null.
std::shared_ptr<SpanState> claim(Napi::Env env, Napi::Value v) {
  bool ours = false;
  if (v.IsExternal()) napi_check_object_type_tag(env, v, &kSpanTag, &ours);
  if (!ours) {
    throwError(env, "MS_BAD_INPUT", "expected a span-graph handle (from spanGraphNew())");
    return nullptr;
  }
  std::shared_ptr<SpanState> s = v.As<Napi::External<SpanHolder>>().Data()->state;
  if (s->busy.exchange(true)) {
    throwError(env, "MS_BAD_INPUT", "a span-graph handle takes one call at a time: await the previous one");
    return nullptr;
  }
  return s;
}

class AddJob : public Job {
 public:
  std::shared_ptr<SpanState> s;
  std::string why;
  bool ok = false;
  ms::Status run() override {
    ok = s->builder.addCsv(s->bytes.get(), s->size, &why);
    return {};
  }
  // Free again once the promise settles with a result (after a failed run the handle stays busy: spent).
  Napi::Value result(Napi::Env env) override {
    s->busy.store(false);
    return ok ? env.Null() : Napi::String::New(env, why);
  }
};

class CountJob : public Job {
 public:
  std::shared_ptr<SpanState> s;
  ms::SpanCounts c;
  ms::Status run() override {
    s->builder.count(&c);
    return {};
  }
  Napi::Value result(Napi::Env env) override {
    s->busy.store(false);
    Napi::Object o = Napi::Object::New(env);
    Napi::Array services = Napi::Array::New(env, c.services.size());
    for (size_t i = 0; i < c.services.size(); ++i) services.Set(static_cast<uint32_t>(i), Napi::String::New(env, c.services[i]));
    o.Set("services", services);
    std::vector<int32_t> present(c.present.begin(), c.present.end());
    o.Set("present", toTyped(env, std::move(present)));
    o.Set("invocations", toTyped(env, std::move(c.invocations)));
    o.Set("rootService", toTyped(env, std::move(c.rootService)));
    o.Set("rootCount", toTyped(env, std::move(c.rootCount)));
    o.Set("callFrom", toTyped(env, std::move(c.callFrom)));
    o.Set("callTo", toTyped(env, std::move(c.callTo)));
    o.Set("callCount", toTyped(env, std::move(c.callCount)));
    o.Set("traces", Napi::Number::New(env, static_cast<double>(c.traces)));
    o.Set("spans", Napi::Number::New(env, static_cast<double>(c.spans)));
    o.Set("orphans", Napi::Number::New(env, static_cast<double>(c.orphans)));
    return o;
  }
};

}  // namespace

Napi::Value SpanGraphNew(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* holder = new SpanHolder{std::make_shared<SpanState>()};
  Napi::External<SpanHolder> ext = Napi::External<SpanHolder>::New(env, holder, [](Napi::Env, SpanHolder* h) { delete h; });
  napi_type_tag_object(env, ext, &kSpanTag);
  return ext;
}

Napi::Value SpanGraphAdd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throwError(env, "MS_BAD_INPUT", "spanGraphAdd expects a handle and the file's bytes as a Uint8Array");
    return env.Undefined();
  }
  std::shared_ptr<SpanState> s = claim(env, info[0]);
  if (!s) return env.Undefined();
  Napi::Uint8Array b = info[1].As<Napi::Uint8Array>();
  const size_t n = b.ByteLength();
  if (n > s->capacity) {
    s->bytes.reset(new (std::nothrow) char[n]);
    s->capacity = s->bytes ? n : 0;
    if (!s->bytes) {
      s->busy.store(false);
      throwError(env, "MS_OUT_OF_MEMORY", "out of memory copying a span file");
      return env.Undefined();
    }
  }
  if (n) std::memcpy(s->bytes.get(), b.Data(), n);
  s->size = n;
  auto job = std::make_unique<AddJob>();
  job->s = std::move(s);
  return dispatch(env, std::move(job), true, Napi::Object::New(env));
}

Napi::Value SpanGraphCount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<SpanState> s = claim(env, info[0]);
  if (!s) return env.Undefined();
  auto job = std::make_unique<CountJob>();
  job->s = std::move(s);
  return dispatch(env, std::move(job), true, Napi::Object::New(env));
}

}  // namespace msb
