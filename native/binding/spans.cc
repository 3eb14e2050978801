// Span CSVs → call-graph counts (kernels/spans.h) for src/io/span-graph.ts:
//   spanGraphNew() → handle; spanGraphAdd(handle, path | bytes) → Promise<null | why the JS reader
//   must decide>; spanGraphCount(handle) → Promise<counts>; spanGraphInflates: whether a gzipped
//   file given by path is inflated here (built with zlib).
// One file at a time per handle, into buffers the handle reuses for every file (fresh memory costs
// a page fault per 4 KiB): a path is read (and inflated) on the job's thread; bytes are copied on
// the main thread, so the job never reads memory JavaScript could detach or free.
#include "binding/entry_points.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(MS_HAVE_ZLIB)
#include <zlib.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <memory>
#include <string>

#include "binding/convert.h"
#include "binding/job.h"
#include "binding/result.h"
#include "kernels/spans.h"

namespace msb {
namespace {

// A buffer kept for the next file: grown (never zero-filled), not shrunk.
struct Reusable {
  std::unique_ptr<char[]> data;
  size_t capacity = 0;
  bool reserve(size_t n) {
    if (n <= capacity) return true;
    data.reset(new (std::nothrow) char[n]);
    capacity = data ? n : 0;
    return data != nullptr;
  }
};

struct SpanState {
  ms::SpanGraphBuilder builder;
  Reusable bytes, text;
  size_t size = 0;
  std::string path;  // set: read this file in the job
  std::atomic<bool> busy{false};
};

// The whole file into `into` (reused); false with `*why` when it cannot be read (the JS reader words it).
bool readWhole(const std::string& path, Reusable& into, size_t* size, std::string* why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) { *why = "unreadable"; return false; }
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && into.reserve(static_cast<size_t>(st.st_size) + 1);
  size_t got = 0;
  while (ok && got < static_cast<size_t>(st.st_size)) {
    const ssize_t r = ::read(fd, into.data.get() + got, static_cast<size_t>(st.st_size) - got);
    if (r <= 0) ok = false;
    else got += static_cast<size_t>(r);
  }
  ::close(fd);
  if (!ok) { *why = "unreadable"; return false; }
  *size = got;
  return true;
}

// Inflates every gzip member of [gz, gz + n) into `text` (reused); false with `*why` for anything
// but whole members end to end (the JS reader then raises its error or reads what Node reads).
bool gunzipAll(const unsigned char* gz, size_t n, Reusable& text, size_t* size, std::string* why) {
#if defined(MS_HAVE_ZLIB)
  // The trailer's ISIZE (mod 2^32) of the last member: a first guess of the size, grown if short.
  size_t cap = n >= 18 ? (static_cast<size_t>(gz[n - 4]) | static_cast<size_t>(gz[n - 3]) << 8 | static_cast<size_t>(gz[n - 2]) << 16 | static_cast<size_t>(gz[n - 1]) << 24) + 1 : 0;
  cap = std::max(cap, std::max<size_t>(n * 4, 1 << 16));
  if (!text.reserve(cap)) { *why = "out of memory"; return false; }
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) { *why = "zlib"; return false; }
  zs.next_in = const_cast<unsigned char*>(gz);
  zs.avail_in = static_cast<uInt>(n);
  size_t out = 0;
  bool ok = false;
  for (;;) {
    if (out == text.capacity) {
      Reusable bigger;
      if (!bigger.reserve(text.capacity * 2)) break;
      std::memcpy(bigger.data.get(), text.data.get(), out);
      text = std::move(bigger);
    }
    zs.next_out = reinterpret_cast<unsigned char*>(text.data.get() + out);
    zs.avail_out = static_cast<uInt>(std::min<size_t>(text.capacity - out, 1u << 30));
    const uInt before = zs.avail_out;
    const int r = inflate(&zs, Z_NO_FLUSH);
    out += before - zs.avail_out;
    if (r == Z_STREAM_END) {
      if (zs.avail_in == 0) { ok = true; break; }
      // Another member must follow at once; anything else is left to the JS reader.
      if (zs.avail_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b || inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (r != Z_OK && !(r == Z_BUF_ERROR && zs.avail_out == 0)) break;  // corrupt or truncated
    if (zs.avail_in == 0 && zs.avail_out != 0) break;                   // truncated
  }
  inflateEnd(&zs);
  if (!ok) { *why = "gzip"; return false; }
  *size = out;
  return true;
#else
  (void)gz; (void)n; (void)text; (void)size;
  *why = "gzip (built without zlib)";
  return false;
#endif
}
struct SpanHolder {
  std::shared_ptr<SpanState> state;
};

constexpr napi_type_tag kSpanTag = {0x6d737370616e6772ull, 0x6170686275696c64ull};

// The state behind a handle, marked busy until its job's result is made; or a thrown MS_BAD_INPUT and null.
std::shared_ptr<SpanState> claim(Napi::Env env, Napi::Value v) {
  SpanHolder* h = handleData<SpanHolder>(env, v, kSpanTag, "a span-graph handle (from spanGraphNew())");
  if (!h) return nullptr;
  std::shared_ptr<SpanState> s = h->state;
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
    if (s->path.empty()) {
      ok = s->builder.addCsv(s->bytes.data.get(), s->size, &why);
      return {};
    }
    size_t n = 0;
    if (!readWhole(s->path, s->bytes, &n, &why)) return {};
    const auto* b = reinterpret_cast<const unsigned char*>(s->bytes.data.get());
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
      size_t len = 0;
      if (!gunzipAll(b, n, s->text, &len, &why)) return {};
      ok = s->builder.addCsv(s->text.data.get(), len, &why);
    } else {
      ok = s->builder.addCsv(s->bytes.data.get(), n, &why);
    }
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
  return newHandle(env, new SpanHolder{std::make_shared<SpanState>()}, kSpanTag);
}

Napi::Value SpanGraphAdd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool path = info[1].IsString();
  if (!path && (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)) {
    throwError(env, "MS_BAD_INPUT", "spanGraphAdd expects a handle and a file path or the file's bytes as a Uint8Array");
    return env.Undefined();
  }
  std::shared_ptr<SpanState> s = claim(env, info[0]);
  if (!s) return env.Undefined();
  if (path) {
    s->path = info[1].As<Napi::String>().Utf8Value();
  } else {
    s->path.clear();
    Napi::Uint8Array b = info[1].As<Napi::Uint8Array>();
    const size_t n = b.ByteLength();
    if (!s->bytes.reserve(n)) {
      s->busy.store(false);
      throwError(env, "MS_OUT_OF_MEMORY", "out of memory copying a span file");
      return env.Undefined();
    }
    if (n) std::memcpy(s->bytes.data.get(), b.Data(), n);
    s->size = n;
  }
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
