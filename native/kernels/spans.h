// Train Ticket span CSVs (TraceID,SpanID,ParentID,PodName,…) → the counts behind the call graph,
// without a JS object per span: IDs are interned to dense integers and the graph is counted over
// integer arrays. The JS reader (src/io/traces.ts: parseSpanCsv, callGraphFromSpans) stays the
// reference: this kernel reproduces it exactly for ASCII files, and hands anything it would have to
// word an error for (a missing column, a short line, non-ASCII bytes) back to it instead.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ms {

// Byte strings → dense ids in order of first insertion (open addressing; keys copied into blocks).
class Interner {
 public:
  Interner();
  int32_t intern(std::string_view key);
  int32_t size() const { return static_cast<int32_t>(keys_.size()); }
  std::string_view key(int32_t id) const { return keys_[static_cast<size_t>(id)]; }

 private:
  std::string_view store(std::string_view key);
  void grow();
  std::vector<int32_t> slots_;  // -1 empty, else an id
  std::vector<uint64_t> hashes_;
  std::vector<std::string_view> keys_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t blockUsed_ = 0, blockSize_ = 0;
};

// What the call graph is counted from (the JS side sorts and divides, as callGraphFromSpans does).
struct SpanCounts {
  std::vector<std::string> services;   // every service seen while parsing
  std::vector<uint8_t> present;        // 1 where a kept span (after duplicate IDs) has the service
  std::vector<double> invocations;     // per service
  std::vector<int32_t> rootService;    // services with root spans, in order of the first one counted
  std::vector<double> rootCount;
  std::vector<int32_t> callFrom, callTo;  // invocations of `from` that call `to` …
  std::vector<double> callCount;          // … this many (any order)
  int64_t traces = 0, spans = 0, orphans = 0;
};

class SpanGraphBuilder {
 public:
  // Appends the spans of one span CSV file. False (nothing to rely on: the caller re-reads every
  // file with the JS reader) with `*why` when the file is not plain ASCII or not well formed.
  bool addCsv(const char* data, size_t size, std::string* why);
  // Groups the spans by trace and counts invocations, calls and roots exactly as callGraphFromSpans.
  void count(SpanCounts* out) const;
  int64_t spans() const { return static_cast<int64_t>(trace_.size()); }

 private:
  // A span or parent ID as a key: a normalised hex ID of at most 16 digits is its value (kind
  // kHex), any other ID its number in `ids_` (kind kOther); a missing parent has kind kNone.
  static constexpr uint8_t kHex = 0, kOther = 1, kNone = 2;
  void idKey(std::string_view raw, std::string* scratch, uint64_t* v, uint8_t* kind);
  Interner traces_, ids_, pods_;
  std::vector<int32_t> podService_;  // pod id → service id
  Interner services_;
  std::vector<int32_t> trace_, service_;  // per span
  std::vector<uint64_t> span_, parent_;   // per span: ID keys
  std::vector<uint8_t> spanKind_, parentKind_;
};

// normalizeId of src/io/traces.ts on bytes: lowercase hex without leading zeros ("0" for zeros);
// anything not hex kept as it is. Returns a view of `s` or of `scratch`.
std::string_view normalizeSpanId(std::string_view s, std::string* scratch);

// podToService: `<service>-<replicaset hash>-<pod hash>` → `<service>` (names with < 2 dashes kept).
std::string_view podService(std::string_view pod);

}  // namespace ms
