#include "convert.h"
#include "binding/options.gen.h"

#include <cmath>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

namespace msb {

Napi::Error makeError(Napi::Env env, const char* code, const std::string& message) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data && !data->errorClass.IsEmpty()) {
    Napi::Object err = data->errorClass.New({Napi::String::New(env, message), Napi::String::New(env, code)});
    if (!env.IsExceptionPending()) return Napi::Error(env, err);
  }
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

void throwError(Napi::Env env, const char* code, const std::string& message) {
  makeError(env, code, message).ThrowAsJavaScriptException();
}

namespace {

// The external buffers alive now, by their data pointer (any thread may finalize one).
struct ExternalRegistry {
  std::mutex mu;
  std::unordered_map<const void*, std::weak_ptr<void>> blocks;
};
ExternalRegistry& externals() {
  static ExternalRegistry* r = new ExternalRegistry;  // never destroyed: finalizers may run at exit
  return *r;
}

// The owner of an external buffer whose memory starts at `base`, or null.
std::shared_ptr<void> externalOwner(const void* base) {
  ExternalRegistry& r = externals();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.blocks.find(base);
  return it == r.blocks.end() ? nullptr : it->second.lock();
}

bool dtypeOf(napi_typedarray_type t, ms::DType* out) {
  switch (t) {
    case napi_float64_array: *out = ms::DType::F64; return true;
    case napi_float32_array: *out = ms::DType::F32; return true;
    case napi_int8_array: *out = ms::DType::I8; return true;
    case napi_uint8_array: *out = ms::DType::U8; return true;
    case napi_uint8_clamped_array: *out = ms::DType::U8; return true;
    case napi_int16_array: *out = ms::DType::I16; return true;
    case napi_uint16_array: *out = ms::DType::U16; return true;
    case napi_int32_array: *out = ms::DType::I32; return true;
    case napi_uint32_array: *out = ms::DType::U32; return true;
    default: return false;
  }
}

// A typed array's element type, length, data pointer (offset included) and whether its buffer is
// detached, for views over an ArrayBuffer or a SharedArrayBuffer alike. Napi::TypedArray's
// ArrayBuffer() accessors assume an ArrayBuffer and abort on a SharedArrayBuffer.
struct ViewInfo {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  const uint8_t* data = nullptr;
  bool detached = false;
  const void* base = nullptr;  // the ArrayBuffer's start (null for a SharedArrayBuffer)
};

bool viewInfo(Napi::Env env, Napi::Value v, ViewInfo* out) {
  void* data = nullptr;
  napi_value buffer = nullptr;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &out->type, &out->length, &data, &buffer, &offset) != napi_ok) return false;
  out->data = static_cast<const uint8_t*>(data);
  bool isArrayBuffer = false;
  if (napi_is_arraybuffer(env, buffer, &isArrayBuffer) != napi_ok) return false;
  // A SharedArrayBuffer cannot be detached; an ArrayBuffer can (transfer, structuredClone).
  if (isArrayBuffer && napi_is_detached_arraybuffer(env, buffer, &out->detached) != napi_ok) return false;
  if (isArrayBuffer && !out->detached) {
    void* base = nullptr;
    if (napi_get_arraybuffer_info(env, buffer, &base, nullptr) != napi_ok) return false;
    out->base = base;
  }
  return true;
}

size_t elementBytes(ms::DType t) {
  switch (t) {
    case ms::DType::F64: return 8;
    case ms::DType::F32: case ms::DType::I32: case ms::DType::U32: return 4;
    case ms::DType::I16: case ms::DType::U16: return 2;
    default: return 1;
  }
}

std::string label(const std::vector<std::string>& names, size_t i) {
  return i < names.size() ? "column \"" + names[i] + "\"" : "column " + std::to_string(i);
}

}  // namespace

Napi::ArrayBuffer externalArrayBuffer(Napi::Env env, std::shared_ptr<void> owner, void* data, size_t bytes) {
  auto* hint = new std::shared_ptr<void>(owner);
  napi_value ab;
  const napi_status st = napi_create_external_arraybuffer(
      env, data, bytes,
      [](napi_env, void* data, void* hint) {
        auto* keep = static_cast<std::shared_ptr<void>*>(hint);
        {
          ExternalRegistry& r = externals();
          std::lock_guard<std::mutex> lock(r.mu);
          auto it = r.blocks.find(data);
          if (it != r.blocks.end() && !it->second.owner_before(*keep) && !keep->owner_before(it->second)) r.blocks.erase(it);
        }
        delete keep;  // the memory goes when the last call borrowing it ends
      },
      hint, &ab);
  if (st != napi_ok) {  // external buffers not allowed in this runtime: copy
    delete hint;
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, bytes);
    std::memcpy(buf.Data(), data, bytes);
    return buf;
  }
  {
    ExternalRegistry& r = externals();
    std::lock_guard<std::mutex> lock(r.mu);
    r.blocks[data] = owner;
  }
  return Napi::ArrayBuffer(env, ab);
}

bool readNames(Napi::Env env, Napi::Value v, std::vector<std::string>* out) {
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsArray()) { throwError(env, "MS_BAD_INPUT", "names must be an array of strings"); return false; }
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) out->push_back(a.Get(i).ToString().Utf8Value());
  return !env.IsExceptionPending();
}

bool readColumns(Napi::Env env, Napi::Value v, const std::vector<std::string>& names, std::vector<ms::ColumnView>* out, OwnedInputs* own) {
  if (!v.IsArray()) { throwError(env, "MS_BAD_INPUT", "columns must be an array"); return false; }
  Napi::Array cols = v.As<Napi::Array>();
  out->resize(cols.Length());
  // With `own`: what to copy, gathered first so that one block holds it all.
  struct Copy {
    uint32_t col;
    size_t seg;
    bool validity;
    const uint8_t* from;
    size_t bytes;
  };
  std::vector<Copy> copies;
  for (uint32_t c = 0; c < cols.Length(); ++c) {
    Napi::Value cv = cols.Get(c);
    if (!cv.IsArray()) { throwError(env, "MS_BAD_INPUT", label(names, c) + ": expected an array of chunks"); return false; }
    Napi::Array segs = cv.As<Napi::Array>();
    ms::ColumnView& view = (*out)[c];
    view.length = 0;
    for (uint32_t s = 0; s < segs.Length(); ++s) {
      Napi::Value sv = segs.Get(s);
      if (!sv.IsObject()) { throwError(env, "MS_BAD_INPUT", label(names, c) + ": a chunk is not an object"); return false; }
      Napi::Object so = sv.As<Napi::Object>();
      Napi::Value values = so.Get("values");
      if (!values.IsTypedArray()) {
        throwError(env, "MS_BAD_INPUT", label(names, c) + ": expected a numeric typed array of values");
        return false;
      }
      ViewInfo vi;
      if (!viewInfo(env, values, &vi)) {
        if (!env.IsExceptionPending()) throwError(env, "MS_BAD_INPUT", label(names, c) + ": its values could not be read");
        return false;
      }
      ms::Segment seg;
      if (!dtypeOf(vi.type, &seg.type)) {
        throwError(env, "MS_BAD_INPUT", label(names, c) + ": BigInt typed arrays are not supported (use Float64Array or a 32-bit type)");
        return false;
      }
      if (vi.detached) {
        throwError(env, "MS_DETACHED_BUFFER", label(names, c) + ": its buffer is detached (transferred or freed)");
        return false;
      }
      seg.length = static_cast<int64_t>(vi.length);
      seg.data = vi.data;
      if (own && seg.length) {
        std::shared_ptr<void> owner = vi.base ? externalOwner(vi.base) : nullptr;
        if (owner) own->borrowed.push_back(std::move(owner));
        else copies.push_back({c, view.segments.size(), false, vi.data, vi.length * elementBytes(seg.type)});
      }
      Napi::Value vb = so.Get("validity");
      if (!vb.IsUndefined() && !vb.IsNull()) {
        ViewInfo bi;
        if (!vb.IsTypedArray() || !viewInfo(env, vb, &bi) || bi.type != napi_uint8_array) {
          if (!env.IsExceptionPending()) throwError(env, "MS_BAD_INPUT", label(names, c) + ": validity must be a Uint8Array bitmap");
          return false;
        }
        if (bi.detached) {
          throwError(env, "MS_DETACHED_BUFFER", label(names, c) + ": its validity buffer is detached");
          return false;
        }
        int64_t off = 0;
        Napi::Value ov = so.Get("validityOffset");
        if (ov.IsNumber()) off = ov.As<Napi::Number>().Int64Value();
        if (off < 0 || static_cast<int64_t>(bi.length) * 8 < off + seg.length) {
          throwError(env, "MS_BAD_INPUT", label(names, c) + ": validity bitmap is shorter than the values");
          return false;
        }
        seg.validity = bi.data;
        seg.validityOffset = off;
        if (own && seg.length) {
          // Only the bytes holding this segment's bits; the offset keeps its bit position in the first.
          const int64_t first = off >> 3, last = (off + seg.length - 1) >> 3;
          copies.push_back({c, view.segments.size(), true, bi.data + first, static_cast<size_t>(last - first + 1)});
          seg.validityOffset = off & 7;
        }
      }
      view.segments.push_back(seg);
      view.length += seg.length;
    }
    if (c > 0 && view.length != (*out)[0].length) {
      throwError(env, "MS_LENGTH_MISMATCH", label(names, c) + " has " + std::to_string(view.length) + " rows but " +
                                                label(names, 0) + " has " + std::to_string((*out)[0].length));
      return false;
    }
    if (view.length > INT32_MAX) {
      throwError(env, "MS_BAD_INPUT", label(names, c) + ": more than 2^31-1 rows are not supported");
      return false;
    }
  }
  if (copies.empty()) return true;
  const auto padded = [](size_t b) { return (b + 63) & ~size_t{63}; };  // each piece cache-line aligned
  size_t total = 0;
  for (const Copy& k : copies) total += padded(k.bytes);
  try {
    own->block = ms::bigBuffer<uint8_t>(total);
  } catch (const std::bad_alloc&) {
    throwError(env, "MS_OUT_OF_MEMORY", "could not allocate " + std::to_string(total) + " bytes for a copy of the columns' values");
    return false;
  }
  uint8_t* at = own->block.get();
  for (const Copy& k : copies) {
    std::memcpy(at, k.from, k.bytes);
    ms::Segment& seg = (*out)[k.col].segments[k.seg];
    if (k.validity) seg.validity = at;
    else seg.data = at;
    at += padded(k.bytes);
  }
  return true;
}

bool optInt(Napi::Env env, Napi::Object o, const char* key, int lo, int hi, int* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= lo && d <= hi) || d != std::floor(d)) {
    throwError(env, "MS_BAD_OPTION", std::string("Expected an integer between ") + std::to_string(lo) + " and " + std::to_string(hi) +
                                         " for " + key);
    return false;
  }
  *out = static_cast<int>(d);
  return true;
}

bool optBool(Napi::Env env, Napi::Object o, const char* key, bool* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  if (!v.IsBoolean()) { throwError(env, "MS_BAD_OPTION", std::string("Expected a boolean for ") + key); return false; }
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

bool optDouble(Napi::Env env, Napi::Object o, const char* key, double* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  if (!v.IsNumber() || std::isnan(v.As<Napi::Number>().DoubleValue())) {
    throwError(env, "MS_BAD_OPTION", std::string("Expected a number for ") + key);
    return false;
  }
  *out = v.As<Napi::Number>().DoubleValue();
  return true;
}

bool optEnum(Napi::Env env, Napi::Object o, const char* key, const std::vector<std::string>& allowed, int* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (allowed[i] == s) { *out = static_cast<int>(i); return true; }
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throwError(env, "MS_BAD_OPTION", std::string("Expected one of ") + list + " for " + key);
  return false;
}

bool readBinSpec(Napi::Env env, Napi::Object o, ms::BinSpec* spec, std::vector<double>* edgeStore) {
  int mode = 0;
  if (!optEnum(env, o, "binning", {"quantile", "uniform", "auto", "edges"}, &mode)) return false;
  spec->mode = static_cast<ms::Binning>(mode);
  spec->bins = spec->mode == ms::Binning::Auto ? 64 : 16;
  if (!optInt(env, o, "bins", ms::opt::kBinsMin, ms::opt::kBinsMax, &spec->bins)) return false;
  if (!optInt(env, o, "discreteMax", ms::opt::kDiscreteMaxMin, ms::opt::kDiscreteMaxMax, &spec->discreteMax)) return false;
  if (spec->mode == ms::Binning::Edges) {
    Napi::Value ev = o.Get("edges");
    if (!ev.IsTypedArray() || ev.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throwError(env, "MS_BAD_EDGES", "edges must be a Float64Array of interior cut points");
      return false;
    }
    Napi::Float64Array e = ev.As<Napi::Float64Array>();
    edgeStore->assign(e.Data(), e.Data() + e.ElementLength());
    if (edgeStore->empty() || edgeStore->size() > 1023) {
      throwError(env, "MS_BAD_EDGES", "edges must hold between 1 and 1023 cut points");
      return false;
    }
    for (size_t k = 0; k < edgeStore->size(); ++k) {
      if (!std::isfinite((*edgeStore)[k]) || (k > 0 && !((*edgeStore)[k] > (*edgeStore)[k - 1]))) {
        throwError(env, "MS_BAD_EDGES", "edges must be finite and strictly increasing (edge " + std::to_string(k) + ")");
        return false;
      }
    }
    spec->edges = edgeStore->data();
    spec->nEdges = static_cast<int>(edgeStore->size());
  }
  return true;
}

bool readMiOptions(Napi::Env env, Napi::Object o, ms::MiOptions* mo) {
  int measure = 0, norm = 0, units = 0;
  if (!optEnum(env, o, "measure", {"mi", "nmi"}, &measure)) return false;
  if (!optEnum(env, o, "normalization", {"arithmetic", "geometric", "min", "max", "joint"}, &norm)) return false;
  if (!optEnum(env, o, "units", {"bits", "nats"}, &units)) return false;
  if (!optBool(env, o, "millerMadow", &mo->millerMadow)) return false;
  mo->measure = static_cast<ms::Measure>(measure);
  mo->norm = static_cast<ms::Norm>(norm);
  mo->bits = units == 0;
  return true;
}

bool readControl(Napi::Env env, Napi::Value v, ms::Control* ctl) {
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array || v.As<Napi::Int32Array>().ElementLength() < 2) {
    throwError(env, "MS_BAD_INPUT", "control must be an Int32Array of length 2");
    return false;
  }
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  ctl->cancel = a.Data();
  ctl->done = a.Data() + 1;
  return true;
}

}  // namespace msb
