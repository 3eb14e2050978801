// A read-only view of one numeric column in one or more segments (Arrow record batches), with
// optional validity bitmaps, and the one routine that turns it into doubles (NaN = missing).
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "status.h"

namespace ms {

enum class DType : uint8_t { F64, F32, I8, U8, I16, U16, I32, U32 };

struct Segment {
  const void* data = nullptr;
  DType type = DType::F64;
  int64_t length = 0;
  const uint8_t* validity = nullptr;  // Arrow bitmap, bit set = valid; null = all valid
  int64_t validityOffset = 0;         // bit index of this segment's first row
};

struct ColumnView {
  std::vector<Segment> segments;
  int64_t length = 0;
};

template <class T>
inline void readSegment(const Segment& s, double* out) {
  const T* p = static_cast<const T*>(s.data);
  for (int64_t i = 0; i < s.length; ++i) out[i] = static_cast<double>(p[i]);
  if (s.validity) {
    for (int64_t i = 0; i < s.length; ++i) {
      const int64_t b = s.validityOffset + i;
      if (!((s.validity[b >> 3] >> (b & 7)) & 1)) out[i] = NAN;
    }
  }
}

// Writes the column's values as doubles into out[0, length); missing (null or NaN) becomes NaN.
inline void readColumn(const ColumnView& c, double* out) {
  for (const Segment& s : c.segments) {
    switch (s.type) {
      case DType::F64: readSegment<double>(s, out); break;
      case DType::F32: readSegment<float>(s, out); break;
      case DType::I8: readSegment<int8_t>(s, out); break;
      case DType::U8: readSegment<uint8_t>(s, out); break;
      case DType::I16: readSegment<int16_t>(s, out); break;
      case DType::U16: readSegment<uint16_t>(s, out); break;
      case DType::I32: readSegment<int32_t>(s, out); break;
      case DType::U32: readSegment<uint32_t>(s, out); break;
    }
    out += s.length;
  }
}

// Columns of one table have one length: the first column whose length differs from the first
// one's is a LengthMismatch (its index in *badColumn, the message continuing "column … ").
inline Status sameLength(const std::vector<ColumnView>& cols, int* badColumn) {
  for (size_t c = 1; c < cols.size(); ++c) {
    if (cols[c].length != cols[0].length) {
      if (badColumn) *badColumn = static_cast<int>(c);
      return Status::error(Code::LengthMismatch, "has " + std::to_string(cols[c].length) + " rows but the first column has " + std::to_string(cols[0].length));
    }
  }
  return {};
}

}  // namespace ms
