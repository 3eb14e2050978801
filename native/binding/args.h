// Argument reading shared by the entry points: the (columns, names, options, control) prologue,
// the output shape of all-pairs calls, and the KSG options. Reports failure as convert.h does
// (a pending JS exception and `false`).
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "binding/convert.h"
#include "kernels/column.h"
#include "kernels/ksg.h"
#include "kernels/pair_sink.h"
#include "kernels/status.h"
#include "kernels/tiles.h"

namespace msb {

struct Common {
  std::vector<std::string> names;
  std::vector<ms::ColumnView> cols;
  ms::Control ctl;
  int threads = 1;
  int rowFirst = 0, rowLast = -1;
  OwnedInputs owned;  // an async call's copy of its inputs (see OwnedInputs)

  // args: (columns, names, options, control, async); an async call's columns are read from `owned`.
  bool read(const Napi::CallbackInfo& info, Napi::Object* opts);
  // {output, k, threshold, absolute}: the sink an all-pairs call fills.
  bool readOutput(Napi::Env env, Napi::Object o, ms::PairSink* out);
  // Prefixes a kernel status with the name of column `bad` (when >= 0).
  ms::Status columnError(ms::Status s, int bad) const;
  // KSG reads finite values only: an infinite one in column `col` is an error naming it and the row.
  bool rejectInfinite(Napi::Env env, int col, const double* v, int64_t n) const;
};

// The KSG options every KSG call shares: k, algorithm, standardize, jitter and its seed (`seed`).
bool readKsgOptions(Napi::Env env, Napi::Object opts, ms::KsgOptions* o);

}  // namespace msb
