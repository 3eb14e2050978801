#include "csv.h"

#include "parallel.h"

#include <charconv>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>

#if defined(MS_HAVE_ZLIB)
#include <zlib.h>
#endif

namespace ms {
namespace {

constexpr char kQuote = '"';
inline bool isEol(char c) { return c == '\n' || c == '\r'; }

// What ended a field.
enum Term { Delim, Eol, Eof };

// One field: [s, s + len) is its content without the surrounding quotes; `escaped` when it holds
// doubled quotes still to be collapsed.
struct Field {
  const char* s;
  size_t len;
  bool escaped;
};

// Reads the field at *p (bounded by `end`) and steps past its terminator (a CRLF counts as one).
// Returns false where the JS parser raises an error: a quote never closed, text after a closing quote.
bool readField(const char*& p, const char* end, char delim, Field* f, Term* term) {
  const char* q = p;
  if (q < end && *q == kQuote) {
    const char* start = q + 1;
    const char* r = start;
    bool escaped = false;
    for (;;) {
      r = static_cast<const char*>(std::memchr(r, kQuote, static_cast<size_t>(end - r)));
      if (!r) return false;
      if (r + 1 < end && r[1] == kQuote) { escaped = true; r += 2; continue; }
      break;
    }
    *f = Field{start, static_cast<size_t>(r - start), escaped};
    q = r + 1;
    if (q < end && *q != delim && !isEol(*q)) return false;
  } else {
    const char* start = q;
    while (q < end && *q != delim && !isEol(*q)) ++q;
    *f = Field{start, static_cast<size_t>(q - start), false};
  }
  if (q >= end) { *term = Eof; p = q; }
  else if (*q == delim) { *term = Delim; p = q + 1; }
  else { *term = Eol; p = (*q == '\r' && q + 1 < end && q[1] == '\n') ? q + 2 : q + 1; }
  return true;
}

std::string unquote(const Field& f) {
  std::string s(f.s, f.len);
  if (!f.escaped) return s;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    out.push_back(s[i]);
    if (s[i] == kQuote) ++i;  // "" → "
  }
  return out;
}

const double kPow10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                           1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// The spellings the JS cell rule maps to NaN or ±Infinity (compared lower-cased, no whitespace).
bool spelled(const char* s, size_t len, double* x) {
  if (len == 0 || len > 9) return false;
  char b[10];
  for (size_t i = 0; i < len; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c <= ' ' || c >= 0x80) return false;  // whitespace or non-ASCII: JS trims, decide there
    b[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  const std::string_view v(b, len);
  if (v == "nan" || v == "-nan" || v == "na" || v == "n/a" || v == "null" || v == "none") { *x = NAN; return true; }
  if (v == "inf" || v == "+inf" || v == "infinity" || v == "+infinity") { *x = INFINITY; return true; }
  if (v == "-inf" || v == "-infinity") { *x = -INFINITY; return true; }
  return false;
}

}  // namespace

bool parseCsvNumber(const char* s, size_t len, double* x) {
  if (len == 0) { *x = NAN; return true; }
  const char* p = s;
  const char* end = s + len;
  bool neg = false;
  if (*p == '-' || *p == '+') { neg = *p == '-'; ++p; }
  // JS StrDecimalLiteral without whitespace: digits [. digits] | . digits, then [e|E [sign] digits].
  const char* body = p;
  uint64_t mant = 0;
  int digits = 0, scale = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10) { if (digits < 19) mant = mant * 10 + (*p - '0'); ++digits; ++p; }
  if (p < end && *p == '.') {
    ++p;
    while (p < end && static_cast<unsigned>(*p - '0') < 10) { if (digits < 19) { mant = mant * 10 + (*p - '0'); --scale; } ++digits; ++p; }
  }
  if (digits == 0) return spelled(s, len, x);
  int exp = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool eneg = false;
    if (p < end && (*p == '-' || *p == '+')) { eneg = *p == '-'; ++p; }
    const char* e0 = p;
    while (p < end && static_cast<unsigned>(*p - '0') < 10) { if (exp < 100000) exp = exp * 10 + (*p - '0'); ++p; }
    if (p == e0) return false;  // "1e": not a number; JS words the error
    if (eneg) exp = -exp;
  }
  if (p != end) return spelled(s, len, x);
  // Clinger's fast path: an exact integer mantissa times or over an exact power of ten is one
  // correctly rounded operation, i.e. what Number() gives. Digits beyond 19 were not accumulated.
  const int e10 = scale + exp;
  if (digits <= 19 && mant < (uint64_t{1} << 53) && e10 >= -22 && e10 <= 22) {
    const double m = static_cast<double>(mant);
    const double v = e10 >= 0 ? m * kPow10[e10] : m / kPow10[-e10];
    *x = neg ? -v : v;
    return true;
  }
  // Otherwise libstdc++'s from_chars (correctly rounded); out of range (→ 0 or ±Infinity in JS)
  // is left to the JS rule.
  double v;
  const auto r = std::from_chars(body, end, v, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != end) return false;
  *x = neg ? -v : v;
  return true;
}

namespace {

// Eight ASCII digits at once (the SWAR tests of fast_float, Lemire 2021): whether the 8 bytes are
// all digits, and their value.
inline uint64_t load8(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }
inline bool eightDigits(uint64_t v) {
  return (((v & 0xF0F0F0F0F0F0F0F0) | (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) == 0x3333333333333333);
}
inline uint32_t eightValue(uint64_t v) {
  v -= 0x3030303030303030;
  v = (v * 10) + (v >> 8);
  return static_cast<uint32_t>(((((v & 0x000000FF000000FF) * (100 + (1000000ULL << 32))) + (((v >> 16) & 0x000000FF000000FF) * (1 + (10000ULL << 32)))) >> 32));
}

// The common cell in one pass: a plain decimal with at most 19 digits and a small power of ten,
// ended by the delimiter, a line break or the end. Returns where it ended (the terminator), or
// nullptr for anything else (the general path then reads the cell again).
inline const char* plainNumber(const char* p, const char* end, char delim, double* x) {
  bool neg = false;
  if (p < end && (*p == '-' || *p == '+')) { neg = *p == '-'; ++p; }
  uint64_t mant = 0;
  int digits = 0, scale = 0;
  unsigned d;
  // Past 19 digits the mantissa wraps, but such cells are refused below anyway.
  while (end - p >= 8 && eightDigits(load8(p))) { mant = mant * 100000000 + eightValue(load8(p)); digits += 8; p += 8; }
  while (p < end && (d = static_cast<unsigned>(*p - '0')) < 10) { mant = mant * 10 + d; ++digits; ++p; }
  if (p < end && *p == '.') {
    ++p;
    const char* f0 = p;
    while (end - p >= 8 && eightDigits(load8(p))) { mant = mant * 100000000 + eightValue(load8(p)); p += 8; }
    while (p < end && (d = static_cast<unsigned>(*p - '0')) < 10) { mant = mant * 10 + d; ++p; }
    digits += static_cast<int>(p - f0);
    scale = -static_cast<int>(p - f0);
  }
  if (digits == 0 || digits > 19) return nullptr;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool eneg = false;
    if (p < end && (*p == '-' || *p == '+')) { eneg = *p == '-'; ++p; }
    int exp = 0, ed = 0;
    while (p < end && (d = static_cast<unsigned>(*p - '0')) < 10) { if (exp < 100000) exp = exp * 10 + static_cast<int>(d); ++ed; ++p; }
    if (ed == 0) return nullptr;
    scale += eneg ? -exp : exp;
  }
  if (p < end && *p != delim && !isEol(*p)) return nullptr;
  if (mant >= (uint64_t{1} << 53) || scale < -22 || scale > 22) return nullptr;
  const double m = static_cast<double>(mant);
  const double v = scale >= 0 ? m * kPow10[scale] : m / kPow10[-scale];
  *x = neg ? -v : v;
  return p;
}

// Non-blank lines in [b, e): an upper bound on the rows there (exact without quoted line breaks).
int64_t countLines(const char* b, const char* e) {
  if (b >= e) return 0;
  const size_t len = static_cast<size_t>(e - b);
  int64_t n = 0;
  if (!std::memchr(b, '\r', len)) {
    n = *b != '\n';
    for (const char* p = static_cast<const char*>(std::memchr(b, '\n', len)); p;
         p = static_cast<const char*>(std::memchr(p + 1, '\n', static_cast<size_t>(e - p - 1)))) {
      if (p + 1 < e && p[1] != '\n') ++n;
    }
    return n;
  }
  bool atStart = true;
  for (const char* p = b; p < e; ++p) {
    const bool t = isEol(*p);
    if (!t && atStart) ++n;
    atStart = t;
  }
  return n;
}

struct Chunk {
  Chunk(const char* begin, const char* finish) : b(begin), e(finish) {}
  const char* b;
  const char* e;
  int64_t firstRow = 0;  // where its rows go
  int64_t rows = 0;      // rows parsed
  bool fallback = false;
  std::string why;
  std::vector<CsvDeferred> deferred;
};

// Parses the rows of one chunk into values (column j at j·stride) and time labels.
void parseChunk(Chunk& c, const CsvInput& in, int M, int64_t stride, double* values, std::string* time) {
  const char* p = c.b;
  const char* end = c.e;
  int64_t r = c.firstRow;
  Field f;
  Term term = Eof;
  std::string cell;
  const auto fail = [&](const char* why) { c.fallback = true; c.why = why; };
  for (;;) {
    while (p < end && isEol(*p)) ++p;  // blank lines
    if (p >= end) break;
    if (r >= c.firstRow + stride) return fail("more rows than line breaks");  // cannot happen; guards the writes
    if (in.timeColumn) {
      if (!readField(p, end, in.delim, &f, &term)) return fail("quoting");
      time[r] = unquote(f);
      if (term != Delim) return fail("ragged row");
    }
    for (int j = 0; j < M; ++j) {
      double x;
      if (const char* q = plainNumber(p, end, in.delim, &x)) {
        values[static_cast<size_t>(j) * stride + r] = x;
        if (q >= end) { term = Eof; p = q; }
        else if (*q == in.delim) { term = Delim; p = q + 1; }
        else { term = Eol; p = (*q == '\r' && q + 1 < end && q[1] == '\n') ? q + 2 : q + 1; }
        if (term != Delim && j < M - 1) return fail("ragged row");
        continue;
      }
      if (!readField(p, end, in.delim, &f, &term)) return fail("quoting");
      if (f.escaped) {
        cell = unquote(f);
        if (!parseCsvNumber(cell.data(), cell.size(), &x)) { c.deferred.push_back({static_cast<uint32_t>(j), static_cast<uint32_t>(r), cell}); x = 0; }
      } else if (!parseCsvNumber(f.s, f.len, &x)) {
        c.deferred.push_back({static_cast<uint32_t>(j), static_cast<uint32_t>(r), std::string(f.s, f.len)});
        x = 0;
      }
      values[static_cast<size_t>(j) * stride + r] = x;
      if (term != Delim && j < M - 1) return fail("ragged row");
    }
    if (term == Delim) return fail("ragged row");
    ++r;
  }
  c.rows = r - c.firstRow;
}

// One chunk per thread, on the kernels' threads (ms::parallel: OpenMP's or the portable pool).
template <class F>
void runChunks(std::vector<Chunk>& chunks, F&& fn) {
  const int64_t n = static_cast<int64_t>(chunks.size());
  ms::parallel(static_cast<int>(n), [&](ms::Team& team) {
    for (int64_t k = team.begin(n, ms::Schedule::Static); k < n; k = team.next(k)) fn(chunks[k]);
  });
}

// Reads the header row from `p` (after a BOM and blank lines) into out->header and out->M; leaves
// `p` at the first byte of the body. Returns false with out->fallback set where the JS side decides.
bool parseHeader(const char*& p, const char* end, const CsvInput& in, CsvTable* out) {
  if (end - p >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;  // UTF-8 BOM
  while (p < end && isEol(*p)) ++p;
  if (p >= end) { out->fallback = true; out->why = "no header"; return false; }
  Field f;
  Term term;
  do {
    if (!readField(p, end, in.delim, &f, &term)) { out->fallback = true; out->why = "quoting"; return false; }
    out->header.push_back(unquote(f));
  } while (term == Delim);
  out->M = static_cast<int>(out->header.size()) - (in.timeColumn ? 1 : 0);
  if (out->M <= 0) { out->fallback = true; out->why = "no metric column"; return false; }
  return true;
}

}  // namespace

Status parseWideCsv(const CsvInput& in, CsvTable* out) {
  const char* p = in.data;
  const char* end = in.data + in.size;
  if (!parseHeader(p, end, in, out)) return {};
  const int M = out->M;

  // Chunks start right after a line feed. A quote anywhere in the body could hide a line break, so
  // such files are read in one chunk (the line count is then only an upper bound on the rows).
  const size_t body = static_cast<size_t>(end - p);
  const bool quoted = std::memchr(p, kQuote, body) != nullptr;
  constexpr size_t kMinChunk = size_t{1} << 20;
  const int want = quoted ? 1 : static_cast<int>(std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(1, in.threads)), body / kMinChunk)));
  std::vector<Chunk> chunks;
  const char* b = p;
  for (int k = 1; k <= want && b < end; ++k) {
    const char* e = end;
    if (k < want) {
      const char* target = p + body / want * k;
      if (target > b) {
        const char* lf = static_cast<const char*>(std::memchr(target, '\n', static_cast<size_t>(end - target)));
        e = lf ? lf + 1 : end;
      } else {
        continue;
      }
    }
    chunks.emplace_back(b, e);
    b = e;
  }
  if (chunks.empty()) chunks.emplace_back(p, end);

  std::vector<int64_t> lines(chunks.size());
  runChunks(chunks, [&](Chunk& c) { lines[&c - chunks.data()] = countLines(c.b, c.e); });
  int64_t stride = 0;
  for (size_t k = 0; k < chunks.size(); ++k) { chunks[k].firstRow = stride; stride += lines[k]; }

  try {
    out->values = bigBuffer<double>(std::max<int64_t>(1, stride) * M);
    if (in.timeColumn) out->time.resize(static_cast<size_t>(stride));
  } catch (const std::bad_alloc&) {
    return Status::error(Code::OutOfMemory, "out of memory reading the CSV");
  }
  double* values = out->values.get();
  std::string* time = in.timeColumn ? out->time.data() : nullptr;
  runChunks(chunks, [&](Chunk& c) {
    try {
      parseChunk(c, in, M, stride, values, time);
    } catch (const std::bad_alloc&) {
      c.fallback = true;
      c.why = "out of memory";
    }
  });
  int64_t rows = 0;
  for (Chunk& c : chunks) {
    if (c.fallback) { out->fallback = true; out->why = c.why; return {}; }
    // Chunks are contiguous only when each parsed every line it counted (always, without quotes).
    if (c.firstRow != rows) { out->fallback = true; out->why = "row count"; return {}; }
    rows += c.rows;
  }
  // Quoted line breaks: fewer rows than lines. Close the gaps between columns (moving left only).
  if (rows < stride) {
    for (int j = 1; j < M; ++j) std::memmove(values + static_cast<size_t>(j) * rows, values + static_cast<size_t>(j) * stride, static_cast<size_t>(rows) * sizeof(double));
    if (in.timeColumn) out->time.resize(static_cast<size_t>(rows));
  }
  out->rows = rows;
  for (Chunk& c : chunks) {
    for (CsvDeferred& d : c.deferred) out->deferred.push_back(std::move(d));
  }
  return {};
}

size_t jsNumberText(double x, char* out) {
  char* p = out;
  if (x != x) { std::memcpy(p, "NaN", 3); return 3; }
  if (x == 0) { *p = '0'; return 1; }
  if (x < 0) { *p++ = '-'; x = -x; }
  if (std::isinf(x)) { std::memcpy(p, "Infinity", 8); return static_cast<size_t>(p - out) + 8; }
  // Shortest round-trip digits (ties to the closer, then even: what V8 picks too), then JS's layout.
  char sci[40];
  const auto r = std::to_chars(sci, sci + sizeof sci, x, std::chars_format::scientific);
  char digits[24];
  int k = 0;
  const char* q = sci;
  for (; q < r.ptr && *q != 'e'; ++q) if (*q != '.') digits[k++] = *q;
  int e = 0;
  const bool eneg = q + 1 < r.ptr && q[1] == '-';
  for (const char* d = q + 2; d < r.ptr; ++d) e = e * 10 + (*d - '0');
  const int n = (eneg ? -e : e) + 1;  // x = 0.d1…dk × 10^n
  if (k <= n && n <= 21) {
    std::memcpy(p, digits, k);
    p += k;
    for (int i = k; i < n; ++i) *p++ = '0';
  } else if (0 < n && n <= 21) {
    std::memcpy(p, digits, n);
    p += n;
    *p++ = '.';
    std::memcpy(p, digits + n, k - n);
    p += k - n;
  } else if (-6 < n && n <= 0) {
    *p++ = '0';
    *p++ = '.';
    for (int i = 0; i < -n; ++i) *p++ = '0';
    std::memcpy(p, digits, k);
    p += k;
  } else {
    *p++ = digits[0];
    if (k > 1) {
      *p++ = '.';
      std::memcpy(p, digits + 1, k - 1);
      p += k - 1;
    }
    *p++ = 'e';
    *p++ = n - 1 >= 0 ? '+' : '-';
    const auto w = std::to_chars(p, p + 8, n - 1 >= 0 ? n - 1 : 1 - n);
    p = w.ptr;
  }
  return static_cast<size_t>(p - out);
}

#if defined(MS_HAVE_ZLIB)
namespace {

// A run of whole lines of the inflated text, parsed on its own into its own column-major block.
struct Piece {
  Piece(const char* b, const char* e) : chunk(b, e) {}
  Chunk chunk;
  int64_t lines = 0;
  BigPtr<double> values;
  std::vector<std::string> time;
};

// What the inflating thread and the parsing threads share.
struct GzipState {
  std::mutex mu;
  std::condition_variable cv;
  size_t avail = 0;      // bytes of text inflated so far
  bool done = false;     // inflation over (see ok, overflow)
  bool ok = false;       // the gzip data was whole and valid
  bool overflow = false; // more text than the trailer announced: `rest` holds the remainder
  bool abandon = false;  // a piece needs the whole-buffer path (quotes, an odd row): stop taking pieces
  bool headerRead = false;
  size_t next = 0;       // the first text byte not yet handed out
  std::vector<std::unique_ptr<Piece>> pieces;  // in text order
};

// Inflates the whole gzip input (one or more members) into text[0, cap), then into `rest` past
// cap, publishing progress to the parsers.
void inflateAll(const unsigned char* gz, size_t gzSize, char* text, size_t cap, GzipState& st, std::string* rest) {
  z_stream zs{};
  bool ok = false, overflow = false;
  if (inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK) {
    size_t consumed = 0, pos = 0;
    std::vector<char> spill;
    constexpr size_t kStep = size_t{1} << 20;
    for (;;) {
      if (zs.avail_in == 0 && consumed < gzSize) {
        zs.next_in = const_cast<unsigned char*>(gz + consumed);
        zs.avail_in = static_cast<uInt>(std::min<size_t>(gzSize - consumed, UINT_MAX));
        consumed += zs.avail_in;
      }
      char* to;
      size_t room;
      if (pos < cap) {
        to = text + pos;
        room = std::min(kStep, cap - pos);
      } else {
        spill.resize(kStep);
        to = spill.data();
        room = kStep;
      }
      zs.next_out = reinterpret_cast<unsigned char*>(to);
      zs.avail_out = static_cast<uInt>(room);
      const int r = inflate(&zs, Z_NO_FLUSH);
      const size_t wrote = room - zs.avail_out;
      if (pos < cap) {
        pos += wrote;
        std::lock_guard<std::mutex> lock(st.mu);
        st.avail = pos;
        st.cv.notify_all();
      } else if (wrote) {
        overflow = true;
        rest->append(spill.data(), wrote);
      }
      if (r == Z_STREAM_END) {
        const size_t left = static_cast<size_t>(gz + gzSize - zs.next_in);
        if (left == 0) { ok = true; break; }
        // Another member follows (what `cat a.gz b.gz` makes); anything else is left to the JS reader.
        if (left < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b || inflateReset(&zs) != Z_OK) break;
        continue;
      }
      if (r == Z_OK) continue;
      // No progress: more input to feed, or the data ends before the stream does (truncated).
      if (r == Z_BUF_ERROR && !(zs.avail_in == 0 && consumed >= gzSize)) continue;
      break;  // corrupt data, truncated, out of memory
    }
    inflateEnd(&zs);
  }
  std::lock_guard<std::mutex> lock(st.mu);
  st.ok = ok;
  st.overflow = overflow;
  st.done = true;
  st.cv.notify_all();
}

// Takes and parses pieces of the text as it is inflated, until none is left or the path is abandoned.
void parsePieces(const CsvInput& in, const char* text, GzipState& st, CsvTable* head) {
  constexpr size_t kPiece = size_t{4} << 20, kMinPiece = size_t{1} << 20;
  std::unique_lock<std::mutex> lock(st.mu);
  for (;;) {
    if (st.abandon || (st.done && (!st.ok || st.overflow))) return;
    if (!st.headerRead) {
      // The header once its line is out (a quoted line break in it waits for the whole text).
      const char* e = st.done ? text + st.avail : static_cast<const char*>(std::memchr(text, '\n', st.avail));
      const char* p = text;
      if (e) {
        if (!st.done) ++e;
        CsvTable h;
        if (parseHeader(p, e, in, &h) && (st.done || p == e)) {
          *head = std::move(h);
          st.headerRead = true;
          st.next = static_cast<size_t>(p - text);
          continue;
        }
        if (st.done) { st.abandon = true; return; }  // the whole-buffer path words it
      }
      st.cv.wait(lock);
      continue;
    }
    const size_t have = st.avail, start = st.next;
    if (start >= have && st.done) return;
    size_t end;
    if (st.done && have - start <= kPiece) {
      end = have;
    } else {
      const size_t limit = std::min(have, start + kPiece);
      size_t lf = limit;
      while (lf > start && text[lf - 1] != '\n') --lf;
      if (lf == start || (!st.done && limit - start < kMinPiece)) {
        if (st.done && lf == start) { end = have; }  // no line feed in a whole piece: the rest is one
        else { st.cv.wait(lock); continue; }
      } else {
        end = lf;
      }
    }
    st.next = end;
    st.pieces.push_back(std::make_unique<Piece>(text + start, text + end));
    Piece& pc = *st.pieces.back();
    lock.unlock();
    bool bad = std::memchr(text + start, kQuote, end - start) != nullptr;  // the whole-buffer path reads quotes
    if (!bad) {
      try {
        pc.lines = countLines(pc.chunk.b, pc.chunk.e);
        pc.values = bigBuffer<double>(static_cast<size_t>(std::max<int64_t>(1, pc.lines)) * head->M);
        if (in.timeColumn) pc.time.resize(static_cast<size_t>(pc.lines));
        parseChunk(pc.chunk, in, head->M, pc.lines, pc.values.get(), in.timeColumn ? pc.time.data() : nullptr);
        bad = pc.chunk.fallback || pc.chunk.rows != pc.lines;
      } catch (const std::bad_alloc&) {
        bad = true;
      }
    }
    lock.lock();
    if (bad) {
      st.abandon = true;
      st.cv.notify_all();
      return;
    }
  }
}

}  // namespace
#endif

Status parseWideCsvGzip(const CsvInput& in, CsvTable* out) {
#if !defined(MS_HAVE_ZLIB)
  out->fallback = true;
  out->why = "gzip (built without zlib)";
  return {};
#else
  const auto* gz = reinterpret_cast<const unsigned char*>(in.data);
  const size_t gzSize = in.size;
  if (gzSize < 18 || gz[0] != 0x1f || gz[1] != 0x8b) { out->fallback = true; out->why = "gzip data"; return {}; }
  // The trailer's ISIZE: the last member's size mod 2^32, exact for one member under 4 GiB; a
  // wrong guess only costs the whole-buffer path.
  const size_t isize = static_cast<size_t>(gz[gzSize - 4]) | static_cast<size_t>(gz[gzSize - 3]) << 8 |
                       static_cast<size_t>(gz[gzSize - 2]) << 16 | static_cast<size_t>(gz[gzSize - 1]) << 24;
  const size_t cap = std::max<size_t>(isize, 1);
  BigPtr<char> text;
  try {
    text = bigBuffer<char>(cap);
  } catch (const std::bad_alloc&) {
    return Status::error(Code::OutOfMemory, "out of memory reading the CSV");
  }
  GzipState st;
  std::string rest;
  CsvTable head;
  // One thread inflates (then parses what is left); the others parse the lines already out.
  const int threads = std::max(1, in.threads);
  ms::parallel(threads, [&](ms::Team& team) {
    if (team.id() == 0) inflateAll(gz, gzSize, text.get(), cap, st, &rest);
    parsePieces(in, text.get(), st, &head);
  });
  if (!st.ok) { out->fallback = true; out->why = "gzip data"; return {}; }
  if (st.overflow || st.abandon) {
    // The whole text, then the plain path (which decides quotes, odd rows and errors as for a file).
    CsvInput whole = in;
    std::string joined;
    if (st.overflow) {
      try {
        joined.reserve(cap + rest.size());
        joined.append(text.get(), cap).append(rest);
      } catch (const std::bad_alloc&) {
        return Status::error(Code::OutOfMemory, "out of memory reading the CSV");
      }
      text.reset();
      whole.data = joined.data();
      whole.size = joined.size();
    } else {
      whole.data = text.get();
      whole.size = st.avail;
    }
    return parseWideCsv(whole, out);
  }
  // Every piece parsed: join the blocks, column by column.
  *out = std::move(head);
  const int M = out->M;
  int64_t rows = 0;
  std::vector<int64_t> first(st.pieces.size());
  for (size_t k = 0; k < st.pieces.size(); ++k) { first[k] = rows; rows += st.pieces[k]->lines; }
  try {
    out->values = bigBuffer<double>(static_cast<size_t>(std::max<int64_t>(1, rows)) * M);
  } catch (const std::bad_alloc&) {
    return Status::error(Code::OutOfMemory, "out of memory reading the CSV");
  }
  double* values = out->values.get();
  ms::parallel(threads, [&](ms::Team& team) {
    for (int j = team.begin(M, ms::Schedule::Static); j < M; j = team.next(j)) {
      for (size_t k = 0; k < st.pieces.size(); ++k) {
        const Piece& pc = *st.pieces[k];
        if (pc.lines) std::memcpy(values + static_cast<size_t>(j) * rows + first[k], pc.values.get() + static_cast<size_t>(j) * pc.lines, static_cast<size_t>(pc.lines) * sizeof(double));
      }
    }
  });
  if (in.timeColumn) {
    out->time.reserve(static_cast<size_t>(rows));
    for (auto& pc : st.pieces) for (std::string& t : pc->time) out->time.push_back(std::move(t));
  }
  for (size_t k = 0; k < st.pieces.size(); ++k) {
    for (CsvDeferred& d : st.pieces[k]->chunk.deferred) {
      d.row += static_cast<uint32_t>(first[k]);
      out->deferred.push_back(std::move(d));
    }
  }
  out->rows = rows;
  return {};
#endif
}

}  // namespace ms
