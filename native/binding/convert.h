// N-API side of the boundary: reading JS arguments into kernel structs, and raising errors that
// carry a stable `code`. Every function here reports failure by throwing a pending JS exception
// and returning false; callers return at once (no C++ exceptions cross the boundary).
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "kernels/binning.h"
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

// Columns: an array of columns, each an array of segments {values, validity?, validityOffset?}.
// Checks types, detached buffers, bitmap sizes and equal lengths. `names` (optional) improves messages.
bool readColumns(Napi::Env env, Napi::Value v, const std::vector<std::string>& names, std::vector<ms::ColumnView>* out);
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
