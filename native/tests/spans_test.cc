// The span-CSV kernel alone: ID normalisation and pod names as the JS reader has them, and the
// counts of the hand-built example of test/io-traces.test.ts (P(B|A) = P(C|A) = 1/2, P(D|B) = 1/2).
#include <cstdio>
#include <string>

#include "check.h"
#include "kernels/spans.h"

int main() {
  std::string scratch;
  auto norm = [&](const char* s) { return std::string(ms::normalizeSpanId(s, &scratch)); };
  CHECK(norm("00ab") == "ab");
  CHECK(norm("00AB") == "ab");
  CHECK(norm("0000") == "0");
  CHECK(norm("abc") == "abc");
  CHECK(norm("span.1") == "span.1");
  CHECK(norm("") == "");
  CHECK(ms::podService("ts-travel-service-64469b5b48-5rjvb") == "ts-travel-service");
  CHECK(ms::podService("redis") == "redis");
  CHECK(ms::podService("a-b") == "a-b");
  CHECK(ms::podService("-a-b") == "");

  // Two traces rooted in A; the first invocation of A (an internal A span) calls B twice, the
  // second calls C; B calls D once. One ID spelled two ways (0A2 / a2), one file split in two.
  const std::string head = "TraceID,SpanID,ParentID,PodName,Op\n";
  const std::string one = head + "t1,a1,root,A-x-y,op\nt1,0A2,a1,A-x-y,op\nt1,b1,a2,B-x-y,op\n";
  const std::string two = head + "t1,b2,a2,B-x-z,op\nt1,d1,b2,D-x-y,op\nt2,a3,root,A-x-y,op\nt2,c1,a3,C-x-y,op\n";
  ms::SpanGraphBuilder b;
  std::string why;
  CHECK(b.addCsv(one.data(), one.size(), &why));
  CHECK(b.addCsv(two.data(), two.size(), &why));
  ms::SpanCounts c;
  b.count(&c);
  CHECK(c.traces == 2 && c.spans == 7 && c.orphans == 0);
  auto id = [&](const char* s) { for (size_t i = 0; i < c.services.size(); ++i) if (c.services[i] == s) return static_cast<int>(i); return -1; };
  CHECK(c.invocations[id("A")] == 2 && c.invocations[id("B")] == 2 && c.invocations[id("C")] == 1 && c.invocations[id("D")] == 1);
  CHECK(c.rootService.size() == 1 && c.rootService[0] == id("A") && c.rootCount[0] == 2);
  double ab = 0, ac = 0, bd = 0;
  for (size_t e = 0; e < c.callFrom.size(); ++e) {
    if (c.callFrom[e] == id("A") && c.callTo[e] == id("B")) ab = c.callCount[e];
    if (c.callFrom[e] == id("A") && c.callTo[e] == id("C")) ac = c.callCount[e];
    if (c.callFrom[e] == id("B") && c.callTo[e] == id("D")) bd = c.callCount[e];
  }
  CHECK(c.callFrom.size() == 3 && ab == 1 && ac == 1 && bd == 1);
  // What the JS reader must decide: a short line, a missing column, non-ASCII bytes.
  const std::string shortLine = head + "t1,a1\n", noPod = "TraceID,SpanID,ParentID\nt,s,root\n", utf8 = head + "t,s,root,r\xc3\xa9" "dis,op\n";
  CHECK(!b.addCsv(shortLine.data(), shortLine.size(), &why));
  CHECK(!b.addCsv(noPod.data(), noPod.size(), &why));
  CHECK(!b.addCsv(utf8.data(), utf8.size(), &why));
  if (mstest::failures()) return 1;
  std::printf("spans: ok\n");
  return 0;
}
