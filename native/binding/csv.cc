// parseCsv(bytes | path, {delimiter, timeColumn, threads}): the wide-CSV kernel on a libuv thread.
// Resolves {fallback: why} when the JS side must decide (invalid gzip data, an unreadable file, anything
// the JS parser words an error for), else {header, rows, values, timeBytes?, timeEnds?, deferredCol,
// deferredRow, deferredText}: values is one Float64Array, column j at j·rows; time label k is the
// UTF-8 bytes timeBytes[timeEnds[k-1], timeEnds[k]).
//
// A path is memory-mapped rather than read: on the machines measured, read() into fresh memory
// cost ~0.5 s of CPU for a 100 MB file (page faults on the destination), a populated map ~5 ms.
#include "binding/entry_points.h"
#include "binding/options.gen.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "binding/convert.h"
#include "kernels/csv.h"

namespace msb {
namespace {

// A read-only private map of a whole file; empty() when it could not be mapped.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<const char*>(p);
        size_ = static_cast<size_t>(st.st_size);
        ::madvise(p, size_, MADV_SEQUENTIAL);
      }
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  bool empty() const { return data_ == nullptr; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

class CsvWorker : public Napi::AsyncWorker {
 public:
  // From bytes in memory (kept alive while Execute reads them) or from a file path.
  CsvWorker(Napi::Env env, Napi::Value input, ms::CsvInput in)
      : Napi::AsyncWorker(env, "metricsift:csv"), in_(in), deferred_(Napi::Promise::Deferred::New(env)) {
    if (input.IsString()) path_ = input.As<Napi::String>().Utf8Value();
    else bytes_ = Napi::Persistent(input.As<Napi::Uint8Array>());
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      if (path_.empty()) {
        status_ = ms::parseWideCsv(in_, &table_);
        return;
      }
      MappedFile file(path_);
      // Unreadable or empty: the JS side reads it (and words any error).
      if (file.empty()) {
        table_.fallback = true;
        table_.why = "unmapped";
        return;
      }
      ms::CsvInput in = in_;
      in.data = file.data();
      in.size = file.size();
      // gzip (by its magic bytes, whatever the name) is inflated here, beside the parsing; invalid
      // data comes back as a fallback for the JS reader to word.
      const bool gz = file.size() >= 2 && static_cast<unsigned char>(file.data()[0]) == 0x1f && static_cast<unsigned char>(file.data()[1]) == 0x8b;
      status_ = gz ? ms::parseWideCsvGzip(in, &table_) : ms::parseWideCsv(in, &table_);
    } catch (const std::exception& e) {
      status_ = ms::Status::error(ms::Code::Internal, std::string("internal error reading CSV: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (!status_.ok()) {
      deferred_.Reject(makeError(env, ms::codeName(status_.code), status_.message).Value());
      return;
    }
    Napi::Object o = Napi::Object::New(env);
    if (table_.fallback) {
      o.Set("fallback", Napi::String::New(env, table_.why));
      deferred_.Resolve(o);
      return;
    }
    Napi::Array header = Napi::Array::New(env, table_.header.size());
    for (size_t i = 0; i < table_.header.size(); ++i) header.Set(static_cast<uint32_t>(i), Napi::String::New(env, table_.header[i]));
    o.Set("header", header);
    o.Set("rows", Napi::Number::New(env, static_cast<double>(table_.rows)));
    const size_t count = static_cast<size_t>(table_.rows) * static_cast<size_t>(table_.M);
    Napi::ArrayBuffer buf;
    if (count == 0) {
      buf = Napi::ArrayBuffer::New(env, 0);
    } else {
      // Handed over without a copy (freed when JS and every call reading it are done with it).
      double* data = table_.values.get();
      std::shared_ptr<void> owner(table_.values.release(), [](void* p) { std::free(p); });
      buf = externalArrayBuffer(env, std::move(owner), data, count * sizeof(double));
    }
    o.Set("values", Napi::Float64Array::New(env, count, buf, 0));
    if (in_.timeColumn) {
      // The labels as one UTF-8 block and each one's end: JS makes the strings when they are first
      // read (28,800 strings cost young-generation collections that most commands never need).
      size_t total = 0;
      for (const std::string& t : table_.time) total += t.size();
      Napi::Uint8Array bytes = Napi::Uint8Array::New(env, total);
      Napi::Float64Array ends = Napi::Float64Array::New(env, table_.time.size());
      size_t at = 0;
      for (size_t i = 0; i < table_.time.size(); ++i) {
        std::memcpy(bytes.Data() + at, table_.time[i].data(), table_.time[i].size());
        at += table_.time[i].size();
        ends[i] = static_cast<double>(at);
      }
      o.Set("timeBytes", bytes);
      o.Set("timeEnds", ends);
    }
    const size_t nd = table_.deferred.size();
    Napi::Uint32Array col = Napi::Uint32Array::New(env, nd), row = Napi::Uint32Array::New(env, nd);
    Napi::Array text = Napi::Array::New(env, nd);
    for (size_t k = 0; k < nd; ++k) {
      col[k] = table_.deferred[k].col;
      row[k] = table_.deferred[k].row;
      text.Set(static_cast<uint32_t>(k), Napi::String::New(env, table_.deferred[k].text));
    }
    o.Set("deferredCol", col);
    o.Set("deferredRow", row);
    o.Set("deferredText", text);
    deferred_.Resolve(o);
  }

 private:
  ms::CsvInput in_;
  std::string path_;
  ms::CsvTable table_;
  ms::Status status_;
  Napi::Reference<Napi::Uint8Array> bytes_;
  Napi::Promise::Deferred deferred_;
};

}  // namespace

// formatCsvMatrix(values: Float64Array | Float32Array, m, rowNames: string[] (CSV fields), header: string)
//   → Buffer: the header line, then per row its name and m numbers as String(x) writes them (NaN as
//   an empty field), comma-separated: what writeMatrix's CSV writer writes, made without a string per cell.
Napi::Value FormatCsvMatrix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsArray() || !info[3].IsString()) {
    throwError(env, "MS_BAD_INPUT", "formatCsvMatrix(values, m, rowNames, header)");
    return env.Undefined();
  }
  // The view's data whether its buffer is an ArrayBuffer or a SharedArrayBuffer.
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, info[0], &type, &length, &data, &ab, &offset) != napi_ok) return env.Undefined();
  const double md = info[1].As<Napi::Number>().DoubleValue();
  Napi::Array names = info[2].As<Napi::Array>();
  if ((type != napi_float64_array && type != napi_float32_array) || !(md >= 0) || md != std::floor(md) || md * md != static_cast<double>(length) || names.Length() != md) {
    throwError(env, "MS_BAD_INPUT", "formatCsvMatrix: an m × m Float64Array or Float32Array and m row names");
    return env.Undefined();
  }
  const size_t m = static_cast<size_t>(md);
  const uint8_t* base = static_cast<const uint8_t*>(data);
  std::string text = info[3].As<Napi::String>().Utf8Value();
  text.reserve(text.size() + m * m * 20 + m * 32);
  char num[32];
  for (size_t i = 0; i < m; ++i) {
    text += names.Get(static_cast<uint32_t>(i)).ToString().Utf8Value();
    for (size_t j = 0; j < m; ++j) {
      const size_t at = i * m + j;
      double x;
      if (type == napi_float64_array) std::memcpy(&x, base + at * 8, 8);
      else { float f; std::memcpy(&f, base + at * 4, 4); x = f; }
      text += ',';
      if (x == x) text.append(num, ms::jsNumberText(x, num));
    }
    text += '\n';
  }
  return Napi::Buffer<char>::Copy(env, text.data(), text.size());
}

Napi::Value ParseCsv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool bytes = info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
  if (!bytes && !info[0].IsString()) {
    throwError(env, "MS_BAD_INPUT", "parseCsv expects a file path or the file's bytes as a Uint8Array");
    return env.Undefined();
  }
  ms::CsvInput in;
  if (bytes) {
    Napi::Uint8Array b = info[0].As<Napi::Uint8Array>();
    in.data = reinterpret_cast<const char*>(b.Data());
    in.size = b.ByteLength();
  }
  if (info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    Napi::Value d = o.Get("delimiter");
    if (!d.IsUndefined()) {
      const std::string s = d.ToString().Utf8Value();
      if (s.size() != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r' || static_cast<unsigned char>(s[0]) >= 0x80) {
        throwError(env, "MS_BAD_OPTION", "delimiter must be one ASCII character other than a quote or line break");
        return env.Undefined();
      }
      in.delim = s[0];
    }
    if (!optBool(env, o, "timeColumn", &in.timeColumn)) return env.Undefined();
    if (!optInt(env, o, "threads", ms::opt::kThreadsMin, ms::opt::kThreadsMax, &in.threads)) return env.Undefined();
  }
  auto* w = new CsvWorker(env, info[0], in);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

}  // namespace msb
