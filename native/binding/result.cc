#include "binding/result.h"

namespace msb {

Napi::Object sinkResult(Napi::Env env, ms::PairSink& out) {
  Napi::Object o = Napi::Object::New(env);
  if (out.kind == ms::PairSink::Threshold || out.kind == ms::PairSink::TopK) {
    const std::vector<ms::PairSink::Pair> all = out.pairs();
    std::vector<uint32_t> is(all.size()), js(all.size()), rs(all.size());
    std::vector<double> vs(all.size());
    for (size_t k = 0; k < all.size(); ++k) { is[k] = all[k].i; js[k] = all[k].j; vs[k] = all[k].value; rs[k] = all[k].rows; }
    o.Set("i", toTyped(env, std::move(is)));
    o.Set("j", toTyped(env, std::move(js)));
    o.Set("value", toTyped(env, std::move(vs)));
    o.Set("rows", toTyped(env, std::move(rs)));
  } else {
    if (out.kind == ms::PairSink::Dense64) o.Set("values", toTyped(env, std::move(out.v64)));
    else o.Set("values", toTyped(env, std::move(out.v32)));
    o.Set("rowsUsed", toTyped(env, std::move(out.rows)));
  }
  return o;
}

}  // namespace msb
