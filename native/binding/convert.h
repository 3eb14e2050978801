// N-API side of the boundary: reading JS arguments into kernel structs, and raising errors that
// carry a stable `code`. Every function here reports failure by throwing a pending JS exception
// and returning false; callers return at once (no C++ exceptions cross the boundary).
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "kernels/binning.h"
#include "kernels/buffer.h"
#include "kernels/column.h"
#include "kernels/mi_tile.h"
#include "kernels/status.h"
#include "kernels/tiles.h"

namespace msb {

// The MetricsiftError class from JS (handed over by setErrorClass), kept per environment.
struct AddonData {
  Napi::FunctionReference errorClass;
};

Napi::Error makeError(Napi::Env env, const char* code, const std::string& message);
void throwError(Napi::Env env, const char* code, const std::string& message);

// Handles: native state behind a JS External tagged with `tag`, owned (deleted) by the External,
// so a foreign external or another kind of handle is refused instead of read as the wrong type.
template <typename T>
Napi::External<T> newHandle(Napi::Env env, T* data, const napi_type_tag& tag) {
  Napi::External<T> ext = Napi::External<T>::New(env, data, [](Napi::Env, T* p) { delete p; });
  napi_type_tag_object(env, ext, &tag);
  return ext;
}

// The state behind a handle made by newHandle with `tag`; or a thrown MS_BAD_INPUT ("expected
// `what`") and null.
template <typename T>
T* handleData(Napi::Env env, Napi::Value v, const napi_type_tag& tag, const char* what) {
  bool ours = false;
  if (v.IsExternal()) napi_check_object_type_tag(env, v, &tag, &ours);
  if (!ours) {
    throwError(env, "MS_BAD_INPUT", std::string("expected ") + what);
    return nullptr;
  }
  return v.As<Napi::External<T>>().Data();
}

// Native-owned copies of the bytes an asynchronous job reads. While the job runs on a libuv thread,
// JavaScript may transfer (detach) an input buffer, and V8 may free it after a GC: a reference to
// the view does not keep the memory. A copy taken on the main thread, before the call returns,
// cannot change or vanish. N-API (version 8) offers no way to pin an ArrayBuffer's backing store.
// Every segment of a call lands in one huge-page-advised block: one allocation per column (each
// above malloc's mmap threshold) cost a fresh mapping and a page fault per 4 KiB, ~0.2 s of main
// thread for a 58 MB table.
// Buffers the addon itself made and handed to JS (externalArrayBuffer: the CSV reader's values)
// are not copied: the call keeps their memory alive (`borrowed`), so a transfer or a GC during the
// job frees nothing under it. Writing into such a table while a call on it runs is a race, as with
// any memory two threads share.
struct OwnedInputs {
  ms::BigPtr<uint8_t> block;
  std::vector<std::shared_ptr<void>> borrowed;
};

// An ArrayBuffer over native memory that `owner` keeps alive, without a copy; async calls given
// views of it borrow the memory (see OwnedInputs) instead of copying it. Falls back to a copy
// where the runtime refuses external buffers.
Napi::ArrayBuffer externalArrayBuffer(Napi::Env env, std::shared_ptr<void> owner, void* data, size_t bytes);

// Columns: an array of columns, each an array of segments {values, validity?, validityOffset?}.
// Checks types, detached buffers, bitmap sizes and equal lengths. `names` (optional) improves messages.
// Views over an ArrayBuffer or a SharedArrayBuffer are both read. With `own`, the values and
// bitmaps are copied into it and the views point there (for jobs that outlive the call).
bool readColumns(Napi::Env env, Napi::Value v, const std::vector<std::string>& names, std::vector<ms::ColumnView>* out,
                 OwnedInputs* own = nullptr);
bool readNames(Napi::Env env, Napi::Value v, std::vector<std::string>* out);

// Option readers: a missing/undefined key leaves `*out` unchanged.
bool optInt(Napi::Env env, Napi::Object o, const char* key, int lo, int hi, int* out);
bool optBool(Napi::Env env, Napi::Object o, const char* key, bool* out);
bool optDouble(Napi::Env env, Napi::Object o, const char* key, double* out);
bool optEnum(Napi::Env env, Napi::Object o, const char* key, const std::vector<std::string>& allowed, int* out);

// Binning and MI options shared by the MI functions; edges are copied into `edgeStore`.
bool readBinSpec(Napi::Env env, Napi::Object o, ms::BinSpec* spec, std::vector<double>* edgeStore);
bool readMiOptions(Napi::Env env, Napi::Object o, ms::MiOptions* mo);

// The optional Int32Array(2) control block [cancel, done].
bool readControl(Napi::Env env, Napi::Value v, ms::Control* ctl);

}  // namespace msb
