// The addon's entry points, one file per family (mi.cc, corr.cc, ksg.cc, prepared.cc, cmi.cc, csv.cc, device_entry.cc);
// addon.cc registers them.
#pragma once
#include <napi.h>

namespace msb {

// mi.cc — binned codes of one series; the count of columns coded
Napi::Value Discretize(const Napi::CallbackInfo& info);
Napi::Value ColumnsCoded(const Napi::CallbackInfo& info);

// corr.cc — correlations
Napi::Value CorrMatrix(const Napi::CallbackInfo& info);
Napi::Value KendallTau(const Napi::CallbackInfo& info);

// ksg.cc — KSG (k-nearest-neighbour) estimators
Napi::Value KsgMatrix(const Napi::CallbackInfo& info);
Napi::Value Ksg(const Napi::CallbackInfo& info);
Napi::Value KsgResample(const Napi::CallbackInfo& info);

// device_entry.cc — whether the CUDA backend can run here
Napi::Value DeviceInfo(const Napi::CallbackInfo& info);

// cmi.cc — resampling of conditional MI and transfer entropy over aligned codes
Napi::Value CmiResample(const Napi::CallbackInfo& info);
Napi::Value TeNull(const Napi::CallbackInfo& info);

// prepared.cc — the prepared table (codes kept between calls)
Napi::Value Prepare(const Napi::CallbackInfo& info);
Napi::Value PreparedMatrices(const Napi::CallbackInfo& info);
Napi::Value PreparedPair(const Napi::CallbackInfo& info);
Napi::Value PreparedResample(const Napi::CallbackInfo& info);
Napi::Value PreparedCodes(const Napi::CallbackInfo& info);
Napi::Value PreparedDispose(const Napi::CallbackInfo& info);
Napi::Value PreparedCodesAll(const Napi::CallbackInfo& info);
Napi::Value PreparedFromCounts(const Napi::CallbackInfo& info);

// csv.cc — the wide-CSV reader, and the CSV text of a matrix
Napi::Value ParseCsv(const Napi::CallbackInfo& info);
Napi::Value FormatCsvMatrix(const Napi::CallbackInfo& info);

// spans.cc — span CSVs → call-graph counts
Napi::Value SpanGraphNew(const Napi::CallbackInfo& info);
Napi::Value SpanGraphAdd(const Napi::CallbackInfo& info);
Napi::Value SpanGraphCount(const Napi::CallbackInfo& info);

}  // namespace msb
