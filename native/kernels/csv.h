// Wide CSV ingestion (a header row, then one row per time step; optionally a first column of time
// labels, every other column numeric) straight from the file's UTF-8 bytes into one column-major
// float64 buffer, chunked over threads at line boundaries.
//
// The JS parser (src/io/csv.ts) stays the reference: this kernel handles the common case exactly and
// hands everything else back instead of guessing. Cells it cannot decide alone (spellings Number()
// accepts with whitespace, out-of-range exponents, ...) come back as `deferred` text for the JS
// cell rule; any structural problem (ragged row, stray quote, empty file) sets `fallback`, and the
// caller re-parses with the JS parser, which raises the error with its file/line/column message.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "buffer.h"
#include "status.h"

namespace ms {

struct CsvInput {
  const char* data = nullptr;
  size_t size = 0;
  char delim = ',';
  bool timeColumn = true;
  int threads = 1;
};

// A cell the kernel leaves to the JS cell rule: metric column, data row, unquoted text.
struct CsvDeferred {
  uint32_t col;
  uint32_t row;
  std::string text;
};

struct CsvTable {
  std::vector<std::string> header;  // every header cell, unquoted (the time column's included)
  int M = 0;                        // metric columns
  int64_t rows = 0;
  BigPtr<double> values;            // column-major M × rows (column j at j·rows)
  std::vector<std::string> time;    // time labels (timeColumn), unquoted
  std::vector<CsvDeferred> deferred;
  bool fallback = false;            // the JS parser must decide (it raises the precise error)
  std::string why;                  // why fallback was set (for tests and debugging)
};

// Parses the bytes. Never throws (out-of-memory becomes a status); `out->fallback` is not an error.
Status parseWideCsv(const CsvInput& in, CsvTable* out);

// Parses gzip-compressed CSV bytes (one member or several): one thread inflates while the others
// parse the lines already inflated, each run of lines into its own block, joined at the end. Quotes
// in the body, an odd row or a size other than the trailer's send the whole text through
// parseWideCsv; invalid gzip data (and a build without zlib) sets `out->fallback` (why "gzip ...").
Status parseWideCsvGzip(const CsvInput& in, CsvTable* out);

// Writes x as JavaScript's String(x) does (the shortest digits that read back to x, laid out by
// ECMA-262 Number::toString: "0.001", "1e-7", "123456789012345680000", "1e+21", "-0" as "0",
// "NaN", "Infinity") into out, which has room for 32 bytes; returns the length written.
size_t jsNumberText(double x, char* out);

// One cell by the kernel's rule: true with *x when decided here (exactly what the JS cell rule,
// Number() with missing/infinity spellings, gives), false when it must be deferred.
bool parseCsvNumber(const char* s, size_t len, double* x);

}  // namespace ms
