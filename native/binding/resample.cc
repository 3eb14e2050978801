// Resampling entry points of binned MI: miBootstrap and miPermutation.
#include <algorithm>

#include "binding/args.h"
#include "binding/entry_points.h"
#include "binding/result.h"
#include "kernels/binning.h"
#include "kernels/resample.h"

namespace msb {
namespace {

// Codes of two columns on their complete rows, for the resampling functions.
bool completeCodes(Napi::Env env, const Common& c, const ms::BinSpec& spec, std::vector<uint16_t>* a, std::vector<uint16_t>* b, int* levels) {
  if (c.cols.size() != 2) { throwError(env, "MS_BAD_INPUT", "resampling needs exactly two columns"); return false; }
  ms::CodedTable t;
  int bad = -1;
  ms::Status s = ms::codeColumns(c.cols, spec, false, 1, &t, &bad);
  if (!s.ok()) { throwError(env, ms::codeName(s.code), c.columnError(s, bad).message); return false; }
  const int missing = t.stride - 1;
  for (int64_t k = 0; k < t.n; ++k) {
    const int x = t.codes8 ? t.codes8[k] : t.codes16[k];
    const int y = t.codes8 ? t.codes8[t.n + k] : t.codes16[t.n + k];
    if (x != missing && y != missing) { a->push_back(static_cast<uint16_t>(x)); b->push_back(static_cast<uint16_t>(y)); }
  }
  *levels = std::max(1, missing);
  return true;
}

// What the resampling entry points share: two columns coded on their complete rows, the count of
// replicates/permutations (option `countKey`), the block length and the seed.
struct Resampling {
  Common c;
  std::vector<uint16_t> a, b;
  int levels = 1, count = 0, block = 1;
  uint64_t seed = 0;
  bool read(const Napi::CallbackInfo& info, const char* countKey, int countDefault) {
    Napi::Env env = info.Env();
    Napi::Object opts;
    if (!c.read(info, &opts)) return false;
    ms::BinSpec spec;
    std::vector<double> edges;
    double s = 0;
    count = countDefault;
    if (!readBinSpec(env, opts, &spec, &edges) || !optInt(env, opts, countKey, 1, 10000000, &count) ||
        !optInt(env, opts, "block", 1, INT32_MAX, &block) || !optDouble(env, opts, "seed", &s)) return false;
    seed = static_cast<uint64_t>(s);
    return completeCodes(env, c, spec, &a, &b, &levels);
  }
};

}  // namespace

// miBootstrap(columns[2], names, {binning…, replicates, block, seed}) → {observed, replicates: Float64Array, rowsUsed} (nats).
Napi::Value MiBootstrap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Resampling rs;
  if (!rs.read(info, "replicates", 1000)) return env.Undefined();
  double observed = 0;
  std::vector<double> reps;
  ms::Status s = ms::miBootstrap(rs.a, rs.b, rs.levels, rs.count, rs.block, rs.seed, rs.c.threads, &observed, &reps);
  if (!s.ok()) { throwError(env, ms::codeName(s.code), s.message); return env.Undefined(); }
  Napi::Object r = Napi::Object::New(env);
  r.Set("observed", Napi::Number::New(env, observed));
  r.Set("replicates", toTyped(env, std::move(reps)));
  r.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(rs.a.size())));
  return r;
}

// miPermutation(columns[2], names, {binning…, permutations, block, seed}) → {observed, p, null, rowsUsed} (nats).
Napi::Value MiPermutation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Resampling rs;
  if (!rs.read(info, "permutations", 999)) return env.Undefined();
  const int permutations = rs.count;
  double observed = 0;
  std::vector<double> null;
  ms::Status s = ms::miPermutationNull(rs.a, rs.b, rs.levels, permutations, rs.block, rs.seed, rs.c.threads, &observed, &null);
  if (!s.ok()) { throwError(env, ms::codeName(s.code), s.message); return env.Undefined(); }
  Napi::Object r = Napi::Object::New(env);
  r.Set("observed", Napi::Number::New(env, observed));
  r.Set("p", Napi::Number::New(env, ms::permutationP(null, observed)));
  r.Set("null", toTyped(env, std::move(null)));
  r.Set("rowsUsed", Napi::Number::New(env, static_cast<double>(rs.a.size())));
  return r;
}

}  // namespace msb
