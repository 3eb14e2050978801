#include "binding/device.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>
#include <mutex>

namespace msb {
namespace {

std::string addonDirectory() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&cudaBackend), &info) && info.dli_fname) {
    const std::string f = info.dli_fname;
    const size_t slash = f.rfind('/');
    if (slash != std::string::npos) return f.substr(0, slash);
  }
  return ".";
}

struct Loaded {
  CudaBackend backend;
  bool ok = false;
  std::string why;
};

Loaded load() {
  Loaded l;
  const char* env = std::getenv("METRICSIFT_CUDA_LIB");
  const std::string path = env && *env ? env : addonDirectory() + "/libmetricsift_cuda.so";
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    l.why = "the CUDA backend is not built (no " + path +
            "; on a machine with the CUDA toolkit: npx cmake-js rebuild --CDMETRICSIFT_CUDA=ON)";
    return l;
  }
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    l.why = std::string("the CUDA backend could not be loaded: ") + (e ? e : path);
    return l;
  }
  auto sym = [&](const char* name) { return dlsym(h, name); };
  auto abi = reinterpret_cast<int (*)(void)>(sym("msg_abi_version"));
  CudaBackend& b = l.backend;
  b.deviceCount = reinterpret_cast<int (*)(void)>(sym("msg_device_count"));
  b.deviceInfo = reinterpret_cast<msg_status (*)(int32_t, char*, size_t, size_t*, int32_t*, int32_t*)>(sym("msg_device_info"));
  b.miAllPairs = reinterpret_cast<msg_status (*)(const msg_mi_request*, msg_mi_result*)>(sym("msg_mi_all_pairs"));
  b.ksgResample = reinterpret_cast<msg_status (*)(const msg_ksg_request*, msg_ksg_result*)>(sym("msg_ksg_resample"));
  b.free = reinterpret_cast<void (*)(void*)>(sym("msg_free"));
  b.lastError = reinterpret_cast<const char* (*)(void)>(sym("msg_last_error"));
  if (!abi || !b.deviceCount || !b.deviceInfo || !b.miAllPairs || !b.ksgResample || !b.free || !b.lastError) {
    l.why = "the CUDA backend at " + path + " lacks an entry point (a different version?)";
    return l;
  }
  if (abi() != MSG_ABI_VERSION) {
    l.why = "the CUDA backend at " + path + " has interface version " + std::to_string(abi()) + ", this addon needs " + std::to_string(MSG_ABI_VERSION) + ": rebuild both";
    return l;
  }
  if (b.deviceCount() < 1) {
    l.why = std::string("no usable CUDA device: ") + b.lastError();
    return l;
  }
  char name[256] = {0};
  int32_t major = 0, minor = 0;
  if (b.deviceInfo(0, name, sizeof name, &b.memoryBytes, &major, &minor) == MSG_OK) {
    b.name = name;
    b.major = major;
    b.minor = minor;
  }
  l.ok = true;
  return l;
}

ms::Status fromBackend(const CudaBackend& b, msg_status s) {
  const std::string m = b.lastError();
  switch (s) {
    case MSG_OK: return {};
    case MSG_NO_DEVICE: return ms::Status::error(ms::Code::NoDevice, m);
    case MSG_OUT_OF_MEMORY: return ms::Status::error(ms::Code::OutOfMemory, m);
    case MSG_BAD_ARGUMENT: return ms::Status::error(ms::Code::BadOption, m);
    default: return ms::Status::error(ms::Code::Internal, "CUDA backend: " + m);
  }
}

}  // namespace

const CudaBackend* cudaBackend(std::string* why) {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = load(); });
  if (!loaded.ok) {
    if (why) *why = loaded.why;
    return nullptr;
  }
  return &loaded.backend;
}

ms::Status miAllPairsCuda(const CudaBackend& b, const uint8_t* codes, int M, int64_t n, int stride, const ms::MiOptions& mo, int rowFirst,
                          int rowLast, ms::PairSink& out, std::string* detail) {
  const std::vector<double> xlogx = ms::xlogxTable(n);
  msg_mi_request q{};
  q.codes = codes;
  q.M = M;
  q.n = n;
  q.stride = stride;
  q.xlogx = xlogx.data();
  q.measure = mo.measure == ms::Measure::NMI ? 1 : 0;
  q.norm = static_cast<int32_t>(mo.norm);
  q.bits = mo.bits;
  q.millerMadow = mo.millerMadow;
  q.rowFirst = rowFirst;
  q.rowLast = rowLast;
  q.output = out.kind == ms::PairSink::Dense64 ? MSG_OUT_DENSE64 : out.kind == ms::PairSink::Dense32 ? MSG_OUT_DENSE32
           : out.kind == ms::PairSink::Threshold ? MSG_OUT_THRESHOLD : MSG_OUT_TOPK;
  q.threshold = out.threshold;
  q.absolute = out.absolute;
  q.k = out.k;
  q.kernel = MSG_KERNEL_AUTO;
  msg_mi_result r{};
  r.values64 = out.kind == ms::PairSink::Dense64 ? out.v64.data() : nullptr;
  r.values32 = out.kind == ms::PairSink::Dense32 ? out.v32.data() : nullptr;
  r.rows = out.rows.empty() ? nullptr : out.rows.data();
  // Out of device memory: the tiles shrink with the share of free memory they may take.
  msg_status s = MSG_OUT_OF_MEMORY;
  for (double fraction : {0.5, 0.2, 0.05}) {
    q.memoryFraction = fraction;
    s = b.miAllPairs(&q, &r);
    if (s != MSG_OUT_OF_MEMORY) break;
  }
  if (s != MSG_OK) return fromBackend(b, s);
  for (int64_t p = 0; p < r.pairCount; ++p) {
    const msg_pair& pp = r.pairs[p];
    if (out.kind == ms::PairSink::Threshold) out.perThread[0].push_back({pp.i, pp.j, pp.value, pp.rows});
    else out.offer(0, pp.i, pp.j, pp.value, pp.rows);
  }
  if (r.pairs) b.free(r.pairs);
  if (detail) {
    *detail = b.name + ", " + (r.kernelUsed == MSG_KERNEL_TENSOR ? "int8 tensor-core" : "shared-memory histogram") + " counts, tiles of " +
              std::to_string(r.tileColumns) + " columns";
  }
  return {};
}

ms::Status ksgResampleCuda(const CudaBackend& b, const ms::KsgDraws& d, int k, bool half, int count, std::vector<double>* out) {
  out->assign(count, 0.0);
  msg_ksg_request q{};
  q.x = d.x.data();
  q.y = d.y.data();
  q.n = static_cast<int64_t>(d.x.size());
  q.k = k;
  q.mode = half ? 1 : 0;
  q.count = count;
  q.m = d.m;
  q.rows = d.rows.data();
  q.psi = d.psi.data();
  msg_ksg_result r{};
  r.out = out->data();
  return fromBackend(b, b.ksgResample(&q, &r));
}

}  // namespace msb
