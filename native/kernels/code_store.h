// A prepared table's coded columns behind one interface: where the codes live (host memory now, a
// device later) is the store's business. Callers ask for the pair-count phase over a range of pair
// rows, one pair, or one column's codes copied to the host (for resampling and conditional MI).
// No N-API here: pointers, lengths, a status.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "binning.h"
#include "column.h"
#include "mi_tile.h"
#include "status.h"
#include "tiles.h"

namespace ms {

class CodeStore {
 public:
  virtual ~CodeStore() = default;
  virtual int columns() const = 0;
  virtual int64_t rows() const = 0;
  // Code of a missing value; codes in [0, missingCode()) are bins.
  virtual int missingCode() const = 0;
  virtual const std::vector<BinInfo>& info() const = 0;
  // H(column) over its non-missing rows, nats (Miller–Madow corrected if prepared so).
  virtual const std::vector<double>& entropy() const = 0;
  // The pair-count phase: entropies of every pair i < j with i in [rowFirst, rowLast).
  virtual Status allPairs(bool millerMadow, int threads, int rowFirst, int rowLast, const Control& ctl,
                          const PairEntropySinkFn& sink) const = 0;
  virtual PairEntropies pair(int i, int j, bool millerMadow) const = 0;
  // Column i's codes (missing = missingCode()) into out[0, rows()).
  virtual void codesOf(int i, uint16_t* out) const = 0;
};

// The host store: codes in this process's memory, counted by the tiled CPU kernels.
class HostCodeStore : public CodeStore {
 public:
  // Codes `cols` (in parallel over columns); on error `badColumn` names the column index.
  static Status build(const std::vector<ColumnView>& cols, const BinSpec& spec, bool millerMadow, int threads,
                      std::unique_ptr<CodeStore>* out, int* badColumn);
  int columns() const override { return t_.M; }
  int64_t rows() const override { return t_.n; }
  int missingCode() const override { return t_.stride - 1; }
  const std::vector<BinInfo>& info() const override { return t_.info; }
  const std::vector<double>& entropy() const override { return t_.entropy; }
  Status allPairs(bool millerMadow, int threads, int rowFirst, int rowLast, const Control& ctl,
                  const PairEntropySinkFn& sink) const override {
    return pairEntropiesAllPairs(t_, millerMadow, threads, rowFirst, rowLast, ctl, sink);
  }
  PairEntropies pair(int i, int j, bool millerMadow) const override { return codedPairEntropies(t_, i, j, millerMadow); }
  void codesOf(int i, uint16_t* out) const override;

 private:
  CodedTable t_;
};

// Codes of the listed columns on the rows where all of them are present (compacted, aligned).
void completeCodes(const CodeStore& s, const std::vector<int>& cols, std::vector<std::vector<uint16_t>>* out);

}  // namespace ms
