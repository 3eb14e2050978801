// Generated from src/options.ts by scripts/gen-options-header.ts: do not edit.
// The addon checks its integer options against these, the library and the CLI against RANGES.
#pragma once

namespace ms::opt {
constexpr int kMaxLevels = 1024;
constexpr int kBinsMin = 2;
constexpr int kBinsMax = 1024;
constexpr int kDiscreteMaxMin = 0;
constexpr int kDiscreteMaxMax = 1024;
constexpr int kKMin = 1;
constexpr int kKMax = 1048576;
constexpr int kThreadsMin = 1;
constexpr int kThreadsMax = 1024;
constexpr int kReplicatesMin = 1;
constexpr int kReplicatesMax = 10000000;
constexpr int kPermutationsMin = 1;
constexpr int kPermutationsMax = 10000000;
constexpr int kWatchBinsMin = 2;
constexpr int kWatchBinsMax = 256;
constexpr int kTopPairsMin = 0;
constexpr int kTopPairsMax = 100;
constexpr int kDefaultBins = 16;
constexpr int kDefaultK = 3;
}  // namespace ms::opt
