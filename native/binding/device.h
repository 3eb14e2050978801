// The CUDA backend seen from the addon: libmetricsift_cuda.so (native/cuda) is looked up beside the
// addon and dlopen'ed the first time a call asks for the device, never at load time, so a machine
// without CUDA, a driver or the library loads the addon as usual; what is missing becomes the
// message of an MS_NO_DEVICE error. The wrappers below turn the plain C interface back into the
// kernels' types (statuses, PairSink).
#pragma once
#include <string>
#include <vector>

#include "cuda/ms_gpu.h"
#include "kernels/ksg.h"
#include "kernels/mi_tile.h"
#include "kernels/pair_sink.h"
#include "kernels/status.h"

namespace msb {

struct CudaBackend {
  int (*deviceCount)(void);
  msg_status (*deviceInfo)(int32_t, char*, size_t, size_t*, int32_t*, int32_t*);
  msg_status (*miAllPairs)(const msg_mi_request*, msg_mi_result*);
  msg_status (*ksgResample)(const msg_ksg_request*, msg_ksg_result*);
  void (*free)(void*);
  const char* (*lastError)(void);
  std::string name;         // device 0
  size_t memoryBytes = 0;
  int major = 0, minor = 0;
};

// The backend with at least one usable device, loaded once; null with *why naming what is missing
// (the library, the driver, a device).
const CudaBackend* cudaBackend(std::string* why);

// Binned MI of every pair of `t` (rows [rowFirst, rowLast)) on the device into `out` (initialised),
// exactly as miAllPairs + PairSink::put would fill it. Out of device memory: retried with smaller
// tiles, then MS_OUT_OF_MEMORY. *detail says which kernel ran.
// Codes: M columns of n rows, column-major uint8, code stride − 1 = missing.
ms::Status miAllPairsCuda(const CudaBackend& b, const uint8_t* codes, int M, int64_t n, int stride, const ms::MiOptions& mo, int rowFirst,
                          int rowLast, ms::PairSink& out, std::string* detail);

// KSG draws (ksgPrepareDraws' output) on the device: algorithm 1, k ≤ 10.
ms::Status ksgResampleCuda(const CudaBackend& b, const ms::KsgDraws& d, int k, bool half, int count, std::vector<double>* out);

}  // namespace msb
