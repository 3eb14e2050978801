#include "binding/args.h"
#include "binding/options.gen.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <thread>

namespace msb {

bool Common::read(const Napi::CallbackInfo& info, Napi::Object* opts) {
  Napi::Env env = info.Env();
  const bool async = info.Length() > 4 && info[4].ToBoolean().Value();
  if (!readNames(env, info[1], &names)) return false;
  if (!readColumns(env, info[0], names, &cols, async ? &owned : nullptr)) return false;
  if (!info[2].IsObject()) { throwError(env, "MS_BAD_OPTION", "options must be an object"); return false; }
  *opts = info[2].As<Napi::Object>();
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = hw;
  if (!optInt(env, *opts, "threads", ms::opt::kThreadsMin, ms::opt::kThreadsMax, &threads)) return false;
  if (!optInt(env, *opts, "rowFirst", 0, INT32_MAX, &rowFirst)) return false;
  if (!optInt(env, *opts, "rowLast", -1, INT32_MAX, &rowLast)) return false;
  if (!readControl(env, info[3], &ctl)) return false;
  if (cols.empty()) { throwError(env, "MS_NO_COLUMNS", "no columns to compare"); return false; }
  if (cols[0].length == 0) { throwError(env, "MS_NO_ROWS", "the input has no rows"); return false; }
  if (cols[0].length == 1) { throwError(env, "MS_TOO_FEW_ROWS", "the input has a single row; at least 2 are needed"); return false; }
  return true;
}

bool Common::readOutput(Napi::Env env, Napi::Object o, ms::PairSink* out) {
  int kind = 0;
  if (!optEnum(env, o, "output", {"float64", "float32", "threshold", "topk"}, &kind)) return false;
  out->kind = static_cast<ms::PairSink::Kind>(kind);
  if (!optInt(env, o, "k", ms::opt::kKMin, ms::opt::kKMax, &out->k)) return false;
  if (!optDouble(env, o, "threshold", &out->threshold)) return false;
  if (!optBool(env, o, "absolute", &out->absolute)) return false;
  return true;
}

bool Common::rejectInfinite(Napi::Env env, int col, const double* v, int64_t n) const {
  for (int64_t t = 0; t < n; ++t) {
    if (!std::isinf(v[t])) continue;
    const ms::Status s = ms::Status::error(ms::Code::BadInput, "has an infinite value at row " + std::to_string(t) +
                                                                   "; KSG needs finite values (clean the data or leave the row out)");
    throwError(env, "MS_BAD_INPUT", columnError(s, col).message);
    return false;
  }
  return true;
}

ms::Status Common::columnError(ms::Status s, int bad) const {
  if (bad >= 0) s.message = (static_cast<size_t>(bad) < names.size() ? "column \"" + names[bad] + "\"" : "column " + std::to_string(bad)) + " " + s.message;
  return s;
}

bool readKsgOptions(Napi::Env env, Napi::Object opts, ms::KsgOptions* o) {
  double seed = 0;
  if (!optInt(env, opts, "k", ms::opt::kKMin, ms::opt::kKMax, &o->k) || !optInt(env, opts, "algorithm", 1, 2, &o->algorithm) ||
      !optBool(env, opts, "standardize", &o->standardize) || !optBool(env, opts, "jitter", &o->jitter) ||
      !optDouble(env, opts, "seed", &seed)) return false;
  o->seed = static_cast<uint64_t>(seed);
  return true;
}

}  // namespace msb
