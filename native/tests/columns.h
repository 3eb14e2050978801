// Column views over plain vectors, as the binding builds them from typed arrays.
#pragma once
#include <vector>

#include "kernels/column.h"

namespace mstest {

inline ms::ColumnView view(const std::vector<double>& v) {
  ms::ColumnView c;
  ms::Segment s;
  s.data = v.data();
  s.type = ms::DType::F64;
  s.length = static_cast<int64_t>(v.size());
  c.segments.push_back(s);
  c.length = s.length;
  return c;
}

}  // namespace mstest
