#include "spans.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace ms {
namespace {

uint64_t hashBytes(std::string_view s) {
  // 8 bytes at a time, multiply-xorshift mixing: IDs are short hex strings.
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (s.size() * 0xff51afd7ed558ccdull);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  uint64_t w = 0;
  if (i < s.size()) std::memcpy(&w, s.data() + i, s.size() - i);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 29);
}

inline bool isLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
inline bool isHex(char c) { return isLowerHex(c) || (c >= 'A' && c <= 'F'); }
// Lowercase hex digit → its value; any other byte → 0xff (a table: branchless on random hex IDs).
struct HexTable {
  uint8_t v[256];
  constexpr HexTable() : v() {
    for (int c = 0; c < 256; ++c) v[c] = 0xff;
    for (int c = '0'; c <= '9'; ++c) v[c] = static_cast<uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) v[c] = static_cast<uint8_t>(c - 'a' + 10);
  }
};
constexpr HexTable kHexDigit;

// String.prototype.trim's white space, restricted to ASCII (the kernel only reads ASCII files).
inline bool isJsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace

Interner::Interner() : slots_(1024, -1), hashes_(1024, 0) {}

std::string_view Interner::store(std::string_view key) {
  if (key.empty()) return std::string_view();
  if (blockUsed_ + key.size() > blockSize_) {
    blockSize_ = std::max<size_t>(size_t{1} << 20, key.size());
    blocks_.emplace_back(new char[blockSize_]);
    blockUsed_ = 0;
  }
  char* p = blocks_.back().get() + blockUsed_;
  std::memcpy(p, key.data(), key.size());
  blockUsed_ += key.size();
  return std::string_view(p, key.size());
}

void Interner::grow() {
  const size_t cap = slots_.size() * 2;
  std::vector<int32_t> slots(cap, -1);
  std::vector<uint64_t> hashes(cap, 0);
  for (size_t k = 0; k < slots_.size(); ++k) {
    if (slots_[k] < 0) continue;
    size_t i = hashes_[k] & (cap - 1);
    while (slots[i] >= 0) i = (i + 1) & (cap - 1);
    slots[i] = slots_[k];
    hashes[i] = hashes_[k];
  }
  slots_.swap(slots);
  hashes_.swap(hashes);
}

int32_t Interner::intern(std::string_view key) {
  const uint64_t h = hashBytes(key);
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  for (; slots_[i] >= 0; i = (i + 1) & mask) {
    if (hashes_[i] == h && keys_[static_cast<size_t>(slots_[i])] == key) return slots_[i];
  }
  const int32_t id = static_cast<int32_t>(keys_.size());
  keys_.push_back(store(key));
  slots_[i] = id;
  hashes_[i] = h;
  if (keys_.size() * 2 > slots_.size()) grow();  // load ≤ 1/2
  return id;
}

std::string_view normalizeSpanId(std::string_view s, std::string* scratch) {
  if (!s.empty() && s[0] != '0' && std::all_of(s.begin(), s.end(), isLowerHex)) return s;
  if (s.empty() || !std::all_of(s.begin(), s.end(), isHex)) return s;
  size_t z = 0;
  while (z < s.size() && s[z] == '0') ++z;
  if (z == s.size()) return "0";
  scratch->assign(s.substr(z));
  for (char& c : *scratch) if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return *scratch;
}

std::string_view podService(std::string_view pod) {
  const size_t last = pod.rfind('-');
  if (last == std::string_view::npos || last == 0) return pod;
  const size_t second = pod.rfind('-', last - 1);
  return second == std::string_view::npos ? pod : pod.substr(0, second);
}

void SpanGraphBuilder::idKey(std::string_view raw, std::string* scratch, uint64_t* v, uint8_t* kind) {
  // Nearly every ID: 1–16 lowercase hex digits without a leading zero, already normal.
  if (!raw.empty() && raw.size() <= 16 && raw[0] != '0') {
    uint64_t x = 0;
    uint8_t bad = 0;
    for (char c : raw) {
      const uint8_t d = kHexDigit.v[static_cast<unsigned char>(c)];
      bad |= d;
      x = (x << 4) | (d & 15u);
    }
    if (!(bad & 0xf0)) {
      *v = x;
      *kind = kHex;
      return;
    }
  }
  const std::string_view id = normalizeSpanId(raw, scratch);
  // Normal hex has no leading zero (but "0"), so its value names it; up to 16 digits fit.
  if (!id.empty() && id.size() <= 16 && std::all_of(id.begin(), id.end(), isLowerHex)) {
    uint64_t x = 0;
    for (char c : id) x = (x << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    *v = x;
    *kind = kHex;
    return;
  }
  *v = static_cast<uint64_t>(ids_.intern(id));
  *kind = kOther;
}

bool SpanGraphBuilder::addCsv(const char* data, size_t size, std::string* why) {
  // Any byte ≥ 0x80, 64 bytes at a time (an OR the compiler vectorises).
  for (size_t i = 0; i < size; i += 64) {
    unsigned char any = 0;
    const size_t stop = std::min(size, i + 64);
    for (size_t j = i; j < stop; ++j) any |= static_cast<unsigned char>(data[j]);
    if (any & 0x80) { *why = "not ASCII"; return false; }
  }
  const char* end = data + size;
  const char* nl = static_cast<const char*>(std::memchr(data, '\n', size));
  const char* headEnd = nl ? nl : end;
  // The header as the JS reader cuts it: one trailing \r off, split at commas, trimmed, unquoted.
  std::string_view head(data, static_cast<size_t>(headEnd - data));
  if (!head.empty() && head.back() == '\r') head.remove_suffix(1);
  std::vector<std::string_view> header;
  for (size_t from = 0;;) {
    const size_t comma = head.find(',', from);
    std::string_view cell = head.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from);
    while (!cell.empty() && isJsSpace(cell.front())) cell.remove_prefix(1);
    while (!cell.empty() && isJsSpace(cell.back())) cell.remove_suffix(1);
    if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"' && cell.find_first_of("\r\n") == std::string_view::npos) cell = cell.substr(1, cell.size() - 2);
    header.push_back(cell);
    if (comma == std::string_view::npos) break;
    from = comma + 1;
  }
  int want[4];
  const char* names[4] = {"TraceID", "SpanID", "ParentID", "PodName"};
  for (int k = 0; k < 4; ++k) {
    auto it = std::find(header.begin(), header.end(), std::string_view(names[k]));
    if (it == header.end()) { *why = std::string("no ") + names[k] + " column"; return false; }
    want[k] = static_cast<int>(it - header.begin());
  }
  const int maxWant = *std::max_element(want, want + 4);
  const size_t columns = header.size();
  std::string scratch;
  // The previous line's raw trace ID and pod, and what they gave (they come in runs).
  std::string_view lastTrace, lastPod;
  int32_t traceId = -1, serviceId = -1;
  std::string_view cells[4];
  for (const char* start = nl ? nl + 1 : end; start < end;) {
    const char* e = static_cast<const char*>(std::memchr(start, '\n', static_cast<size_t>(end - start)));
    const char* lineEnd = e ? e : end;
    const char* next = e ? e + 1 : end;
    if (lineEnd > start && lineEnd[-1] == '\r') --lineEnd;
    if (lineEnd > start) {
      size_t c = 0;
      const char* from = start;
      for (;;) {
        const char* comma = static_cast<const char*>(std::memchr(from, ',', static_cast<size_t>(lineEnd - from)));
        const char* to = comma ? comma : lineEnd;
        if (static_cast<int>(c) <= maxWant) {
          for (int k = 0; k < 4; ++k) if (want[k] == static_cast<int>(c)) cells[k] = std::string_view(from, static_cast<size_t>(to - from));
        }
        ++c;
        if (!comma) break;
        from = comma + 1;
      }
      if (c < columns) { *why = "a line with fewer cells than the header"; return false; }
      if (traceId < 0 || cells[0] != lastTrace) {
        lastTrace = cells[0];
        traceId = traces_.intern(normalizeSpanId(cells[0], &scratch));
      }
      if (serviceId < 0 || cells[3] != lastPod) {
        lastPod = cells[3];
        const int32_t pod = pods_.intern(cells[3]);
        if (pod == static_cast<int32_t>(podService_.size())) podService_.push_back(services_.intern(podService(cells[3])));
        serviceId = podService_[static_cast<size_t>(pod)];
      }
      uint64_t span = 0, parent = 0;
      uint8_t spanKind = kHex, parentKind = kNone;
      idKey(cells[1], &scratch, &span, &spanKind);
      if (cells[2] != "root" && !cells[2].empty()) {
        idKey(cells[2], &scratch, &parent, &parentKind);
        if (parentKind == kHex && parent == 0) parentKind = kNone;  // "0", "000…": no parent
      }
      trace_.push_back(traceId);
      span_.push_back(span);
      spanKind_.push_back(spanKind);
      parent_.push_back(parent);
      parentKind_.push_back(parentKind);
      service_.push_back(serviceId);
    }
    start = next;
  }
  return true;
}

void SpanGraphBuilder::count(SpanCounts* out) const {
  const int32_t S = services_.size(), T = traces_.size();
  const size_t N = trace_.size();
  out->services.clear();
  for (int32_t s = 0; s < S; ++s) out->services.emplace_back(services_.key(s));
  out->present.assign(static_cast<size_t>(S), 0);
  out->invocations.assign(static_cast<size_t>(S), 0);
  out->traces = T;
  out->spans = static_cast<int64_t>(N);
  out->orphans = 0;
  // Spans by trace (traces in order of first appearance, spans in file order): a counting sort.
  std::vector<int64_t> first(static_cast<size_t>(T) + 1, 0);
  for (size_t k = 0; k < N; ++k) ++first[static_cast<size_t>(trace_[k]) + 1];
  for (int32_t t = 0; t < T; ++t) first[static_cast<size_t>(t) + 1] += first[static_cast<size_t>(t)];
  std::vector<int32_t> order(N);
  {
    std::vector<int64_t> at(first.begin(), first.end() - 1);
    for (size_t k = 0; k < N; ++k) order[static_cast<size_t>(at[static_cast<size_t>(trace_[k])]++)] = static_cast<int32_t>(k);
  }
  // Span ID → position in the trace: a small open-addressing table per trace (IDs are per trace).
  struct Slot { uint64_t v; int32_t pos; uint8_t kind; };
  std::vector<Slot> table(16, Slot{0, -1, 0});
  size_t mask = 15;
  auto slotOf = [&](uint64_t v, uint8_t kind) -> Slot& {
    uint64_t h = (v ^ (static_cast<uint64_t>(kind) << 62)) * 0x9e3779b97f4a7c15ull;
    size_t i = static_cast<size_t>(h >> 32) & mask;
    while (table[i].pos >= 0 && (table[i].v != v || table[i].kind != kind)) i = (i + 1) & mask;
    return table[i];
  };
  std::vector<int32_t> roots(static_cast<size_t>(S), -1);          // service → index in rootService
  std::vector<int32_t> tr, parent, entry, chain;
  std::vector<std::pair<int32_t, int32_t>> called;                 // (entry span, service it calls)
  std::vector<std::pair<int64_t, double>> callList;               // (from · S + to, invocations)
  std::unordered_map<int64_t, int32_t> callAt;                     // from · S + to → index in callList
  for (int32_t t = 0; t < T; ++t) {
    tr.clear();
    const int64_t count = first[static_cast<size_t>(t) + 1] - first[static_cast<size_t>(t)];
    size_t cap = 16;
    while (cap < static_cast<size_t>(count) * 2) cap <<= 1;
    if (cap > table.size()) table.resize(cap);
    mask = cap - 1;
    std::fill(table.begin(), table.begin() + static_cast<std::ptrdiff_t>(cap), Slot{0, -1, 0});
    // One span per ID: a repeated ID keeps its first place and its last span.
    for (int64_t q = first[static_cast<size_t>(t)]; q < first[static_cast<size_t>(t) + 1]; ++q) {
      const int32_t k = order[static_cast<size_t>(q)];
      Slot& sl = slotOf(span_[static_cast<size_t>(k)], spanKind_[static_cast<size_t>(k)]);
      if (sl.pos < 0) { sl = Slot{span_[static_cast<size_t>(k)], static_cast<int32_t>(tr.size()), spanKind_[static_cast<size_t>(k)]}; tr.push_back(k); }
      else tr[static_cast<size_t>(sl.pos)] = k;
    }
    const int32_t n = static_cast<int32_t>(tr.size());
    parent.assign(static_cast<size_t>(n), -1);
    entry.assign(static_cast<size_t>(n), -1);
    if (chain.size() < static_cast<size_t>(n) + 2) chain.resize(static_cast<size_t>(n) + 2);
    auto svc = [&](int32_t u) { return service_[static_cast<size_t>(tr[static_cast<size_t>(u)])]; };
    for (int32_t u = 0; u < n; ++u) {
      const size_t k = static_cast<size_t>(tr[static_cast<size_t>(u)]);
      parent[static_cast<size_t>(u)] = parentKind_[k] == kNone ? -1 : slotOf(parent_[k], parentKind_[k]).pos;
    }
    // A span's invocation entry: up while the parent is in the same service (as the JS entryOf).
    auto entryOf = [&](int32_t u) -> int32_t {
      if (entry[static_cast<size_t>(u)] >= 0) return entry[static_cast<size_t>(u)];
      int32_t len = 0, cur = u, e = -1;
      for (;;) {
        chain[static_cast<size_t>(len++)] = cur;
        const int32_t p = parent[static_cast<size_t>(cur)];
        if (p < 0 || svc(p) != svc(cur) || len > n) break;
        if (entry[static_cast<size_t>(p)] >= 0) { e = entry[static_cast<size_t>(p)]; break; }
        cur = p;
      }
      if (e < 0) e = cur;
      for (int32_t c = 0; c < len; ++c) entry[static_cast<size_t>(chain[static_cast<size_t>(c)])] = e;
      return e;
    };
    called.clear();
    for (int32_t u = 0; u < n; ++u) {
      const int32_t s = svc(u);
      out->present[static_cast<size_t>(s)] = 1;
      const int32_t p = parent[static_cast<size_t>(u)];
      if (parentKind_[static_cast<size_t>(tr[static_cast<size_t>(u)])] == kNone) {
        if (roots[static_cast<size_t>(s)] < 0) {
          roots[static_cast<size_t>(s)] = static_cast<int32_t>(out->rootService.size());
          out->rootService.push_back(s);
          out->rootCount.push_back(0);
        }
        out->rootCount[static_cast<size_t>(roots[static_cast<size_t>(s)])] += 1;
      } else if (p < 0) {
        ++out->orphans;
      }
      if (entryOf(u) == u) out->invocations[static_cast<size_t>(s)] += 1;
      if (p >= 0 && svc(p) != s) called.emplace_back(entryOf(p), s);
    }
    // Each (invocation, callee service) once: invocations of a that call b.
    std::sort(called.begin(), called.end());
    called.erase(std::unique(called.begin(), called.end()), called.end());
    for (const auto& [e, b] : called) {
      const int64_t key = static_cast<int64_t>(svc(e)) * S + b;
      auto [it, added] = callAt.try_emplace(key, static_cast<int32_t>(callList.size()));
      if (added) callList.emplace_back(key, 0.0);
      callList[static_cast<size_t>(it->second)].second += 1;
    }
  }
  out->callFrom.clear();
  out->callTo.clear();
  out->callCount.clear();
  for (const auto& [key, count] : callList) {
    out->callFrom.push_back(static_cast<int32_t>(key / S));
    out->callTo.push_back(static_cast<int32_t>(key % S));
    out->callCount.push_back(count);
  }
}

}  // namespace ms
