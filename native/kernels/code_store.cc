#include "code_store.h"

namespace ms {

Status HostCodeStore::build(const std::vector<ColumnView>& cols, const BinSpec& spec, bool millerMadow, int threads,
                            std::unique_ptr<CodeStore>* out, int* badColumn) {
  auto s = std::make_unique<HostCodeStore>();
  Status st = codeColumns(cols, spec, millerMadow, threads, &s->t_, badColumn);
  if (!st.ok()) return st;
  *out = std::move(s);
  return {};
}

void HostCodeStore::codesOf(int i, uint16_t* out) const {
  const size_t off = static_cast<size_t>(i) * t_.n;
  if (t_.codes8) for (int64_t k = 0; k < t_.n; ++k) out[k] = t_.codes8[off + k];
  else for (int64_t k = 0; k < t_.n; ++k) out[k] = t_.codes16[off + k];
}

void completeCodes(const CodeStore& s, const std::vector<int>& cols, std::vector<std::vector<uint16_t>>* out) {
  const int64_t n = s.rows();
  const uint16_t missing = static_cast<uint16_t>(s.missingCode());
  std::vector<std::vector<uint16_t>> all(cols.size(), std::vector<uint16_t>(n));
  for (size_t c = 0; c < cols.size(); ++c) s.codesOf(cols[c], all[c].data());
  out->assign(cols.size(), {});
  for (int64_t t = 0; t < n; ++t) {
    bool ok = true;
    for (const auto& a : all) ok &= a[t] != missing;
    if (ok) for (size_t c = 0; c < cols.size(); ++c) (*out)[c].push_back(all[c][t]);
  }
}

}  // namespace ms
