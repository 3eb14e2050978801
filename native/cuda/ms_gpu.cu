// The CUDA backend (see ms_gpu.h). Binned MI over all pairs: the M columns are cut into tiles of TB
// columns sized from free device memory; for each tile of the upper triangle the joint counts of
// every pair land as exact int32 in one tile matrix C (row i·K + a, column j·K + b), by one of two
// kernels — shared-memory histograms, or the one-hot codes multiplied on int8 tensor cores — and a
// finalisation kernel turns each pair's K×K block into its value with the CPU's own code
// (kernels/mi_finalize.h, compiled without FMA contraction). Dense results come back tile by tile
// (copies overlapped with the next tile's counts); thresholded and top-k results are reduced on the
// device, so the M×M matrix never crosses the bus for them.
#include "ms_gpu.h"

#include <cuda_runtime.h>
#include <dlfcn.h>
#include <mma.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../kernels/mi_finalize.h"
#include "ksg_core.h"

namespace {

thread_local std::string gError;

msg_status fail(msg_status s, const std::string& m) {
  gError = m;
  return s;
}

msg_status cudaFail(cudaError_t e, const char* what) {
  cudaGetLastError();  // clear a sticky non-fatal error so the next call starts clean
  const std::string m = std::string(what) + ": " + cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation) return fail(MSG_OUT_OF_MEMORY, "out of device memory (" + m + ")");
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver || e == cudaErrorNoKernelImageForDevice ||
      e == cudaErrorUnsupportedPtxVersion)
    return fail(MSG_NO_DEVICE, m);
  return fail(MSG_CUDA_ERROR, m);
}

#define CU(call)                                   \
  do {                                             \
    const cudaError_t e_ = (call);                 \
    if (e_ != cudaSuccess) return cudaFail(e_, #call); \
  } while (0)

// Device memory owned for one call.
template <class T>
struct DevBuf {
  T* p = nullptr;
  size_t count = 0;
  DevBuf() = default;
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
  ~DevBuf() { if (p) cudaFree(p); }
  cudaError_t alloc(size_t c) {
    count = c;
    return cudaMalloc(&p, std::max<size_t>(1, c) * sizeof(T));
  }
};
template <class T>
struct HostBuf {  // pinned, for overlapped copies
  T* p = nullptr;
  ~HostBuf() { if (p) cudaFreeHost(p); }
  cudaError_t alloc(size_t c) { return cudaMallocHost(&p, std::max<size_t>(1, c) * sizeof(T)); }
};
struct Stream {
  cudaStream_t s = nullptr;
  ~Stream() { if (s) cudaStreamDestroy(s); }
};
struct Event {
  cudaEvent_t e = nullptr;
  ~Event() { if (e) cudaEventDestroy(e); }
};

constexpr int kMaxK = 64;      // levels per column on the device (stack arrays of the finalisation)
constexpr int kMaxTopK = 64;   // partners kept per column on the device
constexpr int kGemmTile = 128; // wmma block tile (features)
constexpr int kGemmK = 64;     // rows of the codes per shared-memory stage

// One-hot codes: P[(c·K + a)·nP + t] = 1 where column c has code a at row t (missing: all zero);
// rows past n and columns past M are zero.
__global__ void oneHotKernel(const uint8_t* codes, int M, int64_t n, int K, int Mp, int64_t nP, int8_t* P, int cFirst) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int c = cFirst + blockIdx.y;
  if (t >= nP || c >= Mp) return;
  const int code = (c < M && t < n) ? codes[static_cast<int64_t>(c) * n + t] : K;
  int8_t* dst = P + static_cast<int64_t>(c) * K * nP + t;
  for (int a = 0; a < K; ++a) dst[a * nP] = static_cast<int8_t>(code == a);
}

// C[F×F] (row-major, int32) = A·Bᵀ for A = the tile's row features, B = its column features, both
// rows of P (length nP): joint counts of every pair of the tile, exactly (0/1 products, int32 sums).
// 8 warps per block, 4×2, each a 32×64 block of C from 2×4 16×16×16 int8 fragments. Shared memory
// holds the stage in 16-byte k-slabs (32-byte rows) so every fragment pointer is 256-bit aligned.
__global__ void __launch_bounds__(256) oneHotGemmKernel(const int8_t* P, int64_t nP, int64_t rowFeature0, int64_t colFeature0,
                                                        int F, int32_t* C, int skipLower) {
  using namespace nvcuda;
  const int br = blockIdx.y, bc = blockIdx.x;
  if (skipLower && br > bc) return;  // only pairs i < j are wanted: the lower blocks of a diagonal tile are not
  __shared__ __align__(32) int8_t As[kGemmK / 16][kGemmTile][32];
  __shared__ __align__(32) int8_t Bs[kGemmK / 16][kGemmTile][32];
  const int warp = threadIdx.x >> 5, wr = warp >> 1, wc = warp & 1;
  wmma::fragment<wmma::accumulator, 16, 16, 16, int> acc[2][4];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) wmma::fill_fragment(acc[i][j], 0);
  const int8_t* Arow = P + (rowFeature0 + static_cast<int64_t>(br) * kGemmTile) * nP;
  const int8_t* Brow = P + (colFeature0 + static_cast<int64_t>(bc) * kGemmTile) * nP;
  for (int64_t k0 = 0; k0 < nP; k0 += kGemmK) {
    for (int v = threadIdx.x; v < kGemmTile * (kGemmK / 16); v += blockDim.x) {
      const int r = v >> 2, s = v & 3;
      *reinterpret_cast<int4*>(&As[s][r][0]) = *reinterpret_cast<const int4*>(Arow + r * nP + k0 + s * 16);
      *reinterpret_cast<int4*>(&Bs[s][r][0]) = *reinterpret_cast<const int4*>(Brow + r * nP + k0 + s * 16);
    }
    __syncthreads();
#pragma unroll
    for (int s = 0; s < kGemmK / 16; ++s) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, signed char, wmma::row_major> a[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, signed char, wmma::col_major> b[4];
      for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(a[i], &As[s][wr * 32 + i * 16][0], 32);
      for (int j = 0; j < 4; ++j) wmma::load_matrix_sync(b[j], &Bs[s][wc * 64 + j * 16][0], 32);
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 4; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      int32_t* dst = C + static_cast<int64_t>(br * kGemmTile + wr * 32 + i * 16) * F + bc * kGemmTile + wc * 64 + j * 16;
      wmma::store_matrix_sync(dst, acc[i][j], F, wmma::mem_row_major);
    }
}

// Joint histograms in shared memory: block (li, group) counts column i = r0 + li against G columns
// j = c0 + group·G + g, the rows strided over the threads; each pair's K×K block goes to C.
__global__ void histogramKernel(const uint8_t* codes, int M, int64_t n, int K, int r0, int c0, int TB, int G, int F, int32_t* C) {
  extern __shared__ uint32_t h[];
  const int li = blockIdx.y, i = r0 + li;
  const int lj0 = blockIdx.x * G;
  const int KK = K * K;
  if (i >= M || c0 + lj0 + G - 1 <= i) return;  // no pair i < j in this group (uniform across the block)
  for (int v = threadIdx.x; v < G * KK; v += blockDim.x) h[v] = 0;
  __syncthreads();
  const uint8_t* x = codes + static_cast<int64_t>(i) * n;
  const int g1 = min(G, min(TB - lj0, M - (c0 + lj0)));
  for (int64_t t = threadIdx.x; t < n; t += blockDim.x) {
    const int a = x[t];
    if (a >= K) continue;
    for (int g = 0; g < g1; ++g) {
      const int b = codes[static_cast<int64_t>(c0 + lj0 + g) * n + t];
      if (b < K) atomicAdd(&h[g * KK + a * K + b], 1u);
    }
  }
  __syncthreads();
  for (int v = threadIdx.x; v < g1 * KK; v += blockDim.x) {
    const int g = v / KK, a = (v % KK) / K, b = v % K;
    C[static_cast<int64_t>(li * K + a) * F + (lj0 + g) * K + b] = static_cast<int32_t>(h[v]);
  }
}

struct FinalOpts {
  ms::MiOptions mo;
  int K, F, TB, M, r0, c0, rowFirst, rowLast;
};

__device__ bool pairWanted(const FinalOpts& f, int i, int j) {
  return i < f.M && j < f.M && i < j && i >= f.rowFirst && i < f.rowLast;
}

// One thread per pair of the tile: its value and rows from its K×K block of C (NaN where unwanted).
__global__ void finalizeKernel(const int32_t* C, const double* xlogx, FinalOpts f, double* vals, uint32_t* rows) {
  const int lj = blockIdx.x * blockDim.x + threadIdx.x, li = blockIdx.y;
  if (lj >= f.TB) return;
  const int i = f.r0 + li, j = f.c0 + lj;
  double v = NAN;
  uint32_t r = 0;
  if (pairWanted(f, i, j)) {
    const ms::PairEntropies e = ms::pairEntropiesOf<kMaxK>(C + static_cast<int64_t>(li) * f.K * f.F + lj * f.K, f.K, f.F, xlogx, f.mo.millerMadow);
    v = ms::finalizeMeasure(e, f.mo);
    r = e.rows;
  }
  vals[static_cast<int64_t>(li) * f.TB + lj] = v;
  rows[static_cast<int64_t>(li) * f.TB + lj] = r;
}

__device__ double scoreOf(double v, int absolute) { return absolute ? fabs(v) : v; }

// Threshold: the tile's wanted pairs above it, appended in any order (the caller sorts).
__global__ void thresholdKernel(const double* vals, const uint32_t* rows, FinalOpts f, double threshold, int absolute,
                                msg_pair* out, unsigned long long* count, unsigned long long cap) {
  const int lj = blockIdx.x * blockDim.x + threadIdx.x, li = blockIdx.y;
  if (lj >= f.TB) return;
  const int i = f.r0 + li, j = f.c0 + lj;
  if (!pairWanted(f, i, j)) return;
  const double v = vals[static_cast<int64_t>(li) * f.TB + lj];
  if (!(scoreOf(v, absolute) > threshold)) return;
  const unsigned long long at = atomicAdd(count, 1ull);
  if (at < cap) out[at] = msg_pair{static_cast<uint32_t>(i), static_cast<uint32_t>(j), v, rows[static_cast<int64_t>(li) * f.TB + lj]};
}

// "a ranks before b" as the CPU's PairSink: higher score, then lower partner index.
__device__ bool before(const msg_pair& a, const msg_pair& b, int absolute) {
  const double sa = scoreOf(a.value, absolute), sb = scoreOf(b.value, absolute);
  return sa != sb ? sa > sb : a.j < b.j;
}

// Top-k candidates of the tile: thread t < TB walks row li = t (partners j), thread TB + t walks
// column lj = t (partners i); each keeps its k best by insertion and appends them.
__global__ void topkKernel(const double* vals, const uint32_t* rows, FinalOpts f, int k, int absolute, msg_pair* out,
                           unsigned long long* count, unsigned long long cap) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= 2 * f.TB) return;
  const bool byRow = t < f.TB;
  const int l = byRow ? t : t - f.TB;
  const int col = byRow ? f.r0 + l : f.c0 + l;
  if (col >= f.M) return;
  msg_pair best[kMaxTopK];
  int kept = 0;
  for (int o = 0; o < f.TB; ++o) {
    const int li = byRow ? l : o, lj = byRow ? o : l;
    const int i = f.r0 + li, j = f.c0 + lj;
    if (!pairWanted(f, i, j)) continue;
    const double v = vals[static_cast<int64_t>(li) * f.TB + lj];
    if (isnan(v)) continue;
    const msg_pair p{static_cast<uint32_t>(col), static_cast<uint32_t>(byRow ? j : i), v, rows[static_cast<int64_t>(li) * f.TB + lj]};
    if (kept == k && !before(p, best[k - 1], absolute)) continue;
    int m = kept < k ? kept++ : k - 1;
    while (m > 0 && before(p, best[m - 1], absolute)) { best[m] = best[m - 1]; --m; }
    best[m] = p;
  }
  if (!kept) return;
  const unsigned long long at = atomicAdd(count, static_cast<unsigned long long>(kept));
  for (int m = 0; m < kept && at + m < cap; ++m) out[at + m] = best[m];
}


// ---- KSG (algorithm 1, scalar x and y) on resampled points ----------------------------------------
// A replicate's points, in the order of their x values: SX[p] (sorted x), YatX[p] (the y of the point
// with x rank p) and YrankAtX[p] (its y rank); SY holds the sorted y values. The k-th max-norm
// distance of every point comes from the CPU's own exact search (strips of x ranks kept in y order,
// cuda/ksg_core.h). The marginal counts are the CPU's predicates (v − v_p < ε and v_p − v ≥ ε over
// the sorted values) by bisection, and the ψ terms are summed in the CPU's order (x ranks, then y
// ranks), one thread a replicate.

// x rank of each y rank: the inverse of YrankAtX.
__global__ void ksgXrankKernel(const int32_t* YrankAtX, int64_t m, int32_t* XrankAtY) {
  const int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t r = blockIdx.y;
  if (p < m) XrankAtY[r * m + YrankAtX[r * m + p]] = static_cast<int32_t>(p);
}

// The CPU's strip layout, one thread a replicate (a sequential append per point, as the CPU's).
__global__ void ksgLayoutKernel(const int32_t* XrankAtY, const double* SX, const double* SY, int64_t sStride, int64_t m, int64_t S, int R,
                                double* lsx, double* lsy, int32_t* lrx, int32_t* lry, int32_t* ptr) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= R) return;
  const int64_t strips = (m + S - 1) / S, o = static_cast<int64_t>(r) * m;
  msg::stripLayout(XrankAtY + o, SX + r * sStride, SY + r * sStride, m, S, lsx + o, lsy + o, lrx + o, lry + o, ptr + r * strips);
}

// k-th distance of the point in each slot by the CPU's strip search; stored by x rank and by y rank.
template <int K>
__global__ void ksgEpsKernel(const double* lsx, const double* lsy, const int32_t* lrx, const int32_t* lry, const double* SX, int64_t sStride,
                             int64_t m, int64_t S, double* epsX, double* epsY) {
  const int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t r = blockIdx.y;
  if (j >= m) return;
  const int64_t o = r * m;
  const double e = msg::stripKth<K>(lsx + o, lsy + o, SX + r * sStride, m, S, j);
  epsX[o + lrx[o + j]] = e;
  epsY[o + lry[o + j]] = e;
}

// term[p·R + r] = ψ(count + 1) for sorted position p of replicate r (layout for the summing threads).
__global__ void ksgTermKernel(const double* S, int64_t sStride, const double* eps, int64_t m, int R, const double* psi, double* term) {
  const int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int r = blockIdx.y;
  if (p >= m) return;
  term[p * R + r] = psi[msg::strictCount(S + r * sStride, m, p, eps[static_cast<int64_t>(r) * m + p]) + 1];
}

__global__ void ksgSumKernel(const double* term, int64_t m, int R, double* sum) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= R) return;
  double s = 0;
  for (int64_t p = 0; p < m; ++p) s += term[p * R + r];
  sum[r] = s;
}

// Permutation replicates: x keeps its order; the point at x rank p takes y[rows[orderX[p]]].
__global__ void ksgPermBuild(const double* y, const int32_t* rows, const int32_t* orderX, const int32_t* rankY, int64_t n,
                             double* YatX, int32_t* YrankAtX) {
  const int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t r = blockIdx.y;
  if (p >= n) return;
  const int32_t row = rows[r * n + orderX[p]];
  YatX[r * n + p] = y[row];
  YrankAtX[r * n + p] = rankY[row];
}

// Exclusive prefix count of flags over the block's 1024 threads; returns the chunk's total.
__device__ int blockScan(int flag, int* out, int* shm) {
  const int t = threadIdx.x;
  shm[t] = flag;
  __syncthreads();
  for (int off = 1; off < blockDim.x; off <<= 1) {
    const int v = t >= off ? shm[t - off] : 0;
    __syncthreads();
    shm[t] += v;
    __syncthreads();
  }
  *out = shm[t] - flag;
  const int total = shm[blockDim.x - 1];
  __syncthreads();
  return total;
}

// Half-sample replicates: one block each. The replicate's sorted values are the global sorted
// order filtered by its rows (a stable compaction), its ranks the positions within that.
__global__ void ksgHalfBuild(const double* x, const double* y, const int32_t* rows, const int32_t* orderX, const int32_t* orderY,
                             int64_t n, int64_t m, uint8_t* mask, int32_t* subRankY, double* SX, double* SY, double* YatX,
                             int32_t* YrankAtX) {
  __shared__ int shm[1024];
  const int64_t r = blockIdx.x;
  uint8_t* mk = mask + r * n;
  int32_t* ry = subRankY + r * n;
  for (int64_t t = threadIdx.x; t < n; t += blockDim.x) mk[t] = 0;
  __syncthreads();
  for (int64_t t = threadIdx.x; t < m; t += blockDim.x) mk[rows[r * m + t]] = 1;
  __syncthreads();
  int64_t base = 0;
  for (int64_t g0 = 0; g0 < n; g0 += blockDim.x) {
    const int64_t g = g0 + threadIdx.x;
    const int32_t row = g < n ? orderY[g] : 0;
    const int flag = g < n && mk[row];
    int at;
    const int total = blockScan(flag, &at, shm);
    if (flag) {
      SY[r * m + base + at] = y[row];
      ry[row] = static_cast<int32_t>(base + at);
    }
    base += total;
  }
  __syncthreads();
  base = 0;
  for (int64_t g0 = 0; g0 < n; g0 += blockDim.x) {
    const int64_t g = g0 + threadIdx.x;
    const int32_t row = g < n ? orderX[g] : 0;
    const int flag = g < n && mk[row];
    int at;
    const int total = blockScan(flag, &at, shm);
    if (flag) {
      SX[r * m + base + at] = x[row];
      YatX[r * m + base + at] = y[row];
      YrankAtX[r * m + base + at] = ry[row];
    }
    base += total;
  }
}

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

extern "C" {

int msg_abi_version(void) { return MSG_ABI_VERSION; }

const char* msg_last_error(void) { return gError.c_str(); }

void msg_free(void* p) { std::free(p); }

int msg_device_count(void) {
  // Name the usual cause plainly: the CUDA runtime only says the driver is "insufficient".
  if (void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD)) {
    dlclose(h);
  } else if (void* h2 = dlopen("libcuda.so.1", RTLD_NOW)) {
    dlclose(h2);
  } else {
    gError = "no NVIDIA driver: libcuda.so.1 cannot be loaded";
    return 0;
  }
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaFail(e, "cudaGetDeviceCount");
    return 0;
  }
  if (n == 0) gError = "no CUDA device is visible";
  else gError.clear();
  return n;
}

msg_status msg_device_info(int32_t device, char* name, size_t nameCap, size_t* totalBytes, int32_t* major, int32_t* minor) {
  cudaDeviceProp p;
  CU(cudaGetDeviceProperties(&p, device));
  if (name && nameCap) {
    std::strncpy(name, p.name, nameCap - 1);
    name[nameCap - 1] = 0;
  }
  if (totalBytes) *totalBytes = p.totalGlobalMem;
  if (major) *major = p.major;
  if (minor) *minor = p.minor;
  gError.clear();
  return MSG_OK;
}

msg_status msg_mi_all_pairs(const msg_mi_request* q, msg_mi_result* res) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!q || !res || !q->codes || !q->xlogx) return fail(MSG_BAD_ARGUMENT, "null request");
  const int M = q->M, K = q->stride - 1;
  const int64_t n = q->n;
  if (M < 1 || n < 1) return fail(MSG_BAD_ARGUMENT, "no columns or no rows");
  if (K < 1 || K > kMaxK) return fail(MSG_BAD_ARGUMENT, "the CUDA backend takes at most " + std::to_string(kMaxK) + " bins per column (this table has " + std::to_string(K) + ")");
  if (n >= (int64_t(1) << 31)) return fail(MSG_BAD_ARGUMENT, "the CUDA backend takes fewer than 2^31 rows");
  if (q->output == MSG_OUT_TOPK && (q->k < 1 || q->k > kMaxTopK)) return fail(MSG_BAD_ARGUMENT, "top-k on the CUDA backend takes k ≤ " + std::to_string(kMaxTopK));
  const int rowFirst = std::max(0, q->rowFirst), rowLast = q->rowLast < 0 ? M : std::min(M, q->rowLast);
  // Outputs only: the caller's dense pointers stay.
  res->pairs = nullptr;
  res->pairCount = 0;
  res->countSeconds = res->totalSeconds = 0;
  CU(cudaSetDevice(q->device));
  cudaDeviceProp prop;
  CU(cudaGetDeviceProperties(&prop, q->device));
  const bool tensor = q->kernel == MSG_KERNEL_TENSOR || (q->kernel == MSG_KERNEL_AUTO && prop.major >= 8);
  res->kernelUsed = tensor ? MSG_KERNEL_TENSOR : MSG_KERNEL_HISTOGRAM;

  // Tile edge TB (a multiple of 128, so F = TB·K is one for the wmma tiles) from free memory; the
  // one-hot matrix (tensor path) holds every column once.
  const int64_t nP = (n + kGemmK - 1) / kGemmK * kGemmK;
  size_t freeB = 0, totalB = 0;
  CU(cudaMemGetInfo(&freeB, &totalB));
  const double frac = q->memoryFraction > 0 && q->memoryFraction <= 1 ? q->memoryFraction : 0.5;
  const size_t budget = static_cast<size_t>(freeB * frac);
  auto tileBytes = [&](int64_t TB) {
    const int64_t F = TB * K;
    return static_cast<size_t>(F * F * 4 + 2 * TB * TB * 12 + 2 * TB * TB * 12);  // C, two value/row slots on each side
  };
  int TB = 128 * std::max(1, (M + 127) / 128);
  TB = std::min(TB, 2048);
  const int Mp0 = (M + 127) / 128 * 128;
  auto oneHotBytes = [&](int tb) { return tensor ? static_cast<size_t>((M + tb - 1) / tb * tb) * K * nP : 0; };
  while (TB > 128 && tileBytes(TB) + oneHotBytes(TB) + static_cast<size_t>(M) * n > budget) TB -= 128;
  (void)Mp0;
  const int Mp = (M + TB - 1) / TB * TB;
  const int F = TB * K;
  res->tileColumns = TB;

  DevBuf<uint8_t> dCodes;
  DevBuf<double> dXlogx;
  DevBuf<int8_t> dP;
  DevBuf<int32_t> dC;
  DevBuf<double> dVals[2];
  DevBuf<uint32_t> dRows[2];
  CU(dCodes.alloc(static_cast<size_t>(M) * n));
  CU(dXlogx.alloc(n + 1));
  CU(dC.alloc(static_cast<size_t>(F) * F));
  for (int s = 0; s < 2; ++s) {
    CU(dVals[s].alloc(static_cast<size_t>(TB) * TB));
    CU(dRows[s].alloc(static_cast<size_t>(TB) * TB));
  }
  Stream comp, copy;
  CU(cudaStreamCreateWithFlags(&comp.s, cudaStreamNonBlocking));
  CU(cudaStreamCreateWithFlags(&copy.s, cudaStreamNonBlocking));
  CU(cudaMemcpyAsync(dCodes.p, q->codes, static_cast<size_t>(M) * n, cudaMemcpyHostToDevice, comp.s));
  CU(cudaMemcpyAsync(dXlogx.p, q->xlogx, sizeof(double) * (n + 1), cudaMemcpyHostToDevice, comp.s));
  Event c0, c1;
  CU(cudaEventCreate(&c0.e));
  CU(cudaEventCreate(&c1.e));
  float countMs = 0;
  if (tensor) {
    CU(dP.alloc(static_cast<size_t>(Mp) * K * nP));
    for (int cFirst = 0; cFirst < Mp; cFirst += 65535) {  // grid.y ≤ 65535
      oneHotKernel<<<dim3(static_cast<unsigned>((nP + 255) / 256), std::min(65535, Mp - cFirst)), 256, 0, comp.s>>>(dCodes.p, M, n, K, Mp, nP, dP.p, cFirst);
      CU(cudaGetLastError());
    }
  }
  // Histogram groups: as many columns as fit 48 KB of shared counts.
  const int G = std::max(1, std::min(32, static_cast<int>((48 * 1024) / (4 * K * K))));

  // Sparse outputs collect on the device; dense ones come back per tile into pinned buffers.
  const bool dense = q->output == MSG_OUT_DENSE64 || q->output == MSG_OUT_DENSE32;
  unsigned long long cap = 0;
  DevBuf<msg_pair> dPairs;
  DevBuf<unsigned long long> dCount;
  std::vector<msg_pair> pairs;
  if (!dense) {
    cap = q->output == MSG_OUT_TOPK ? static_cast<unsigned long long>(2) * TB * q->k : static_cast<unsigned long long>(TB) * TB;
    CU(dPairs.alloc(cap));
    CU(dCount.alloc(1));
  }
  HostBuf<double> hVals[2];
  HostBuf<uint32_t> hRows[2];
  if (dense) {
    for (int s = 0; s < 2; ++s) {
      CU(hVals[s].alloc(static_cast<size_t>(TB) * TB));
      CU(hRows[s].alloc(static_cast<size_t>(TB) * TB));
    }
  }
  Event done[2], copied[2];
  for (int s = 0; s < 2; ++s) {
    CU(cudaEventCreateWithFlags(&done[s].e, cudaEventDisableTiming));
    CU(cudaEventCreateWithFlags(&copied[s].e, cudaEventDisableTiming));
    CU(cudaEventRecord(copied[s].e, copy.s));
  }

  struct Pending { int slot, r0, c0; };
  std::vector<Pending> pending;
  // Scatters a copied tile into the caller's dense matrix (the same writes as PairSink::put).
  auto scatter = [&](const Pending& p) -> msg_status {
    CU(cudaEventSynchronize(copied[p.slot].e));
    const double* v = hVals[p.slot].p;
    const uint32_t* r = hRows[p.slot].p;
    for (int li = 0; li < TB; ++li) {
      const int i = p.r0 + li;
      if (i >= M || i < rowFirst || i >= rowLast) continue;
      for (int lj = 0; lj < TB; ++lj) {
        const int j = p.c0 + lj;
        if (j >= M || j <= i) continue;
        const size_t a = static_cast<size_t>(i) * M + j, b = static_cast<size_t>(j) * M + i;
        const double x = v[static_cast<size_t>(li) * TB + lj];
        if (q->output == MSG_OUT_DENSE64) res->values64[a] = res->values64[b] = x;
        else res->values32[a] = res->values32[b] = static_cast<float>(x);
        if (res->rows) res->rows[a] = res->rows[b] = r[static_cast<size_t>(li) * TB + lj];
      }
    }
    return MSG_OK;
  };

  ms::MiOptions mo;
  mo.measure = q->measure == 1 ? ms::Measure::NMI : ms::Measure::MI;
  mo.norm = static_cast<ms::Norm>(std::clamp(q->norm, 0, 4));
  mo.bits = q->bits != 0;
  mo.millerMadow = q->millerMadow != 0;
  int tile = 0;
  for (int r0 = 0; r0 < Mp; r0 += TB) {
    if (r0 + TB <= rowFirst || r0 >= rowLast) continue;
    for (int cb = r0; cb < Mp; cb += TB) {
      if (cb + TB - 1 <= r0 || cb >= M) continue;  // a tile with no pair i < j
      const int slot = tile++ & 1;
      CU(cudaStreamWaitEvent(comp.s, copied[slot].e, 0));  // its buffers are free again
      CU(cudaEventRecord(c0.e, comp.s));
      if (tensor) {
        const dim3 grid(F / kGemmTile, F / kGemmTile);
        oneHotGemmKernel<<<grid, 256, 0, comp.s>>>(dP.p, nP, static_cast<int64_t>(r0) * K, static_cast<int64_t>(cb) * K, F, dC.p, cb == r0);
      } else {
        const dim3 grid((TB + G - 1) / G, TB);
        histogramKernel<<<grid, 256, sizeof(uint32_t) * G * K * K, comp.s>>>(dCodes.p, M, n, K, r0, cb, TB, G, F, dC.p);
      }
      CU(cudaGetLastError());
      CU(cudaEventRecord(c1.e, comp.s));
      const FinalOpts f{mo, K, F, TB, M, r0, cb, rowFirst, rowLast};
      finalizeKernel<<<dim3((TB + 127) / 128, TB), 128, 0, comp.s>>>(dC.p, dXlogx.p, f, dVals[slot].p, dRows[slot].p);
      CU(cudaGetLastError());
      if (dense) {
        CU(cudaEventRecord(done[slot].e, comp.s));
        CU(cudaStreamWaitEvent(copy.s, done[slot].e, 0));
        CU(cudaMemcpyAsync(hVals[slot].p, dVals[slot].p, sizeof(double) * TB * TB, cudaMemcpyDeviceToHost, copy.s));
        CU(cudaMemcpyAsync(hRows[slot].p, dRows[slot].p, sizeof(uint32_t) * TB * TB, cudaMemcpyDeviceToHost, copy.s));
        CU(cudaEventRecord(copied[slot].e, copy.s));
        // The previous tile was copied while this one counted: place it now.
        if (!pending.empty()) {
          const msg_status s = scatter(pending.back());
          if (s != MSG_OK) return s;
          pending.pop_back();
        }
        pending.push_back({slot, r0, cb});
      } else {
        unsigned long long got = 0;
        CU(cudaMemsetAsync(dCount.p, 0, sizeof(unsigned long long), comp.s));
        if (q->output == MSG_OUT_THRESHOLD) {
          thresholdKernel<<<dim3((TB + 127) / 128, TB), 128, 0, comp.s>>>(dVals[slot].p, dRows[slot].p, f, q->threshold, q->absolute, dPairs.p, dCount.p, cap);
        } else {
          topkKernel<<<(2 * TB + 127) / 128, 128, 0, comp.s>>>(dVals[slot].p, dRows[slot].p, f, q->k, q->absolute, dPairs.p, dCount.p, cap);
        }
        CU(cudaGetLastError());
        CU(cudaMemcpyAsync(&got, dCount.p, sizeof(got), cudaMemcpyDeviceToHost, comp.s));
        CU(cudaStreamSynchronize(comp.s));
        const size_t at = pairs.size();
        pairs.resize(at + std::min(got, cap));
        CU(cudaMemcpy(pairs.data() + at, dPairs.p, sizeof(msg_pair) * std::min(got, cap), cudaMemcpyDeviceToHost));
      }
      float ms = 0;
      CU(cudaEventSynchronize(c1.e));
      CU(cudaEventElapsedTime(&ms, c0.e, c1.e));
      countMs += ms;
    }
  }
  while (!pending.empty()) {
    const msg_status s = scatter(pending.back());
    if (s != MSG_OK) return s;
    pending.pop_back();
  }
  CU(cudaStreamSynchronize(comp.s));
  CU(cudaStreamSynchronize(copy.s));
  if (!dense) {
    res->pairCount = static_cast<int64_t>(pairs.size());
    res->pairs = static_cast<msg_pair*>(std::malloc(sizeof(msg_pair) * std::max<size_t>(1, pairs.size())));
    if (!res->pairs) return fail(MSG_OUT_OF_MEMORY, "out of host memory for the pairs");
    if (!pairs.empty()) std::memcpy(res->pairs, pairs.data(), sizeof(msg_pair) * pairs.size());
  }
  res->countSeconds = countMs / 1000.0;
  res->totalSeconds = seconds(t0);
  gError.clear();
  return MSG_OK;
}


msg_status msg_ksg_resample(const msg_ksg_request* q, msg_ksg_result* res) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!q || !res || !q->x || !q->y || !q->rows || !q->psi || !res->out) return fail(MSG_BAD_ARGUMENT, "null request");
  const int64_t n = q->n, m = q->m;
  const int R = q->count;
  const bool half = q->mode == 1;
  if (n < 2 || R < 1 || m < q->k + 1 || (!half && m != n) || m > n) return fail(MSG_BAD_ARGUMENT, "bad sizes (n, m, count)");
  if (n >= (int64_t(1) << 31)) return fail(MSG_BAD_ARGUMENT, "the CUDA backend takes fewer than 2^31 rows");
  if (q->k < 1 || q->k > 10) return fail(MSG_BAD_ARGUMENT, "KSG on the CUDA backend takes k from 1 to 10 (k = " + std::to_string(q->k) + ")");
  CU(cudaSetDevice(q->device));
  // Global orders of x and y (ties by row, as a stable sort), on the host once.
  std::vector<int32_t> orderX(n), orderY(n), rankY(n);
  for (int64_t t = 0; t < n; ++t) orderX[t] = orderY[t] = static_cast<int32_t>(t);
  std::stable_sort(orderX.begin(), orderX.end(), [&](int32_t a, int32_t b) { return q->x[a] < q->x[b]; });
  std::stable_sort(orderY.begin(), orderY.end(), [&](int32_t a, int32_t b) { return q->y[a] < q->y[b]; });
  for (int64_t t = 0; t < n; ++t) rankY[orderY[t]] = static_cast<int32_t>(t);
  std::vector<double> sortedX(n), sortedY(n);
  for (int64_t t = 0; t < n; ++t) sortedX[t] = q->x[orderX[t]], sortedY[t] = q->y[orderY[t]];

  DevBuf<double> dx, dy, dSX0, dSY0, dPsi;
  DevBuf<int32_t> dOrderX, dOrderY, dRankY;
  CU(dx.alloc(n));
  CU(dy.alloc(n));
  CU(dSX0.alloc(n));
  CU(dSY0.alloc(n));
  CU(dPsi.alloc(n + 2));
  CU(dOrderX.alloc(n));
  CU(dOrderY.alloc(n));
  CU(dRankY.alloc(n));
  CU(cudaMemcpy(dx.p, q->x, 8 * n, cudaMemcpyHostToDevice));
  CU(cudaMemcpy(dy.p, q->y, 8 * n, cudaMemcpyHostToDevice));
  CU(cudaMemcpy(dSX0.p, sortedX.data(), 8 * n, cudaMemcpyHostToDevice));
  CU(cudaMemcpy(dSY0.p, sortedY.data(), 8 * n, cudaMemcpyHostToDevice));
  CU(cudaMemcpy(dPsi.p, q->psi, 8 * (n + 2), cudaMemcpyHostToDevice));
  CU(cudaMemcpy(dOrderX.p, orderX.data(), 4 * n, cudaMemcpyHostToDevice));
  CU(cudaMemcpy(dOrderY.p, orderY.data(), 4 * n, cudaMemcpyHostToDevice));
  CU(cudaMemcpy(dRankY.p, rankY.data(), 4 * n, cudaMemcpyHostToDevice));

  // Replicates in batches sized from free memory.
  size_t freeB = 0, totalB = 0;
  CU(cudaMemGetInfo(&freeB, &totalB));
  const int64_t S = msg::stripSize(q->k, m), strips = (m + S - 1) / S;
  const size_t perRep = static_cast<size_t>(m) * (4 + 8 + 4 + 8 + 8 + 8 + 8 + 8 + 28) + strips * 4 + (half ? static_cast<size_t>(n) * 5 + m * 16 : 0) + 16;
  const int B = static_cast<int>(std::clamp<size_t>(freeB / 2 / perRep, 1, std::min<size_t>(R, 65535)));  // grid.y ≤ 65535
  DevBuf<int32_t> dRows, dYrank, dSubRankY, dXrank, dLrx, dLry, dPtr;
  DevBuf<double> dYatX, dEpsX, dEpsY, dTerm, dSum, dSX, dSY, dLsx, dLsy;
  DevBuf<uint8_t> dMask;
  CU(dRows.alloc(static_cast<size_t>(B) * m));
  CU(dYrank.alloc(static_cast<size_t>(B) * m));
  CU(dYatX.alloc(static_cast<size_t>(B) * m));
  CU(dEpsX.alloc(static_cast<size_t>(B) * m));
  CU(dEpsY.alloc(static_cast<size_t>(B) * m));
  CU(dTerm.alloc(static_cast<size_t>(B) * m));
  CU(dSum.alloc(2 * static_cast<size_t>(B)));
  CU(dXrank.alloc(static_cast<size_t>(B) * m));
  CU(dLrx.alloc(static_cast<size_t>(B) * m));
  CU(dLry.alloc(static_cast<size_t>(B) * m));
  CU(dLsx.alloc(static_cast<size_t>(B) * m));
  CU(dLsy.alloc(static_cast<size_t>(B) * m));
  CU(dPtr.alloc(static_cast<size_t>(B) * strips));
  if (half) {
    CU(dMask.alloc(static_cast<size_t>(B) * n));
    CU(dSubRankY.alloc(static_cast<size_t>(B) * n));
    CU(dSX.alloc(static_cast<size_t>(B) * m));
    CU(dSY.alloc(static_cast<size_t>(B) * m));
  }
  Event e0, e1;
  CU(cudaEventCreate(&e0.e));
  CU(cudaEventCreate(&e1.e));
  double deviceMs = 0;
  std::vector<double> sums(2 * static_cast<size_t>(B));
  for (int r0 = 0; r0 < R; r0 += B) {
    const int b = std::min(B, R - r0);
    CU(cudaMemcpy(dRows.p, q->rows + static_cast<size_t>(r0) * m, 4 * static_cast<size_t>(b) * m, cudaMemcpyHostToDevice));
    CU(cudaEventRecord(e0.e));
    const dim3 grid(static_cast<unsigned>((m + 255) / 256), b);
    const double* SX = half ? dSX.p : dSX0.p;
    const double* SY = half ? dSY.p : dSY0.p;
    const int64_t stride = half ? m : 0;
    if (half) {
      ksgHalfBuild<<<b, 1024>>>(dx.p, dy.p, dRows.p, dOrderX.p, dOrderY.p, n, m, dMask.p, dSubRankY.p, dSX.p, dSY.p, dYatX.p, dYrank.p);
    } else {
      ksgPermBuild<<<grid, 256>>>(dy.p, dRows.p, dOrderX.p, dRankY.p, n, dYatX.p, dYrank.p);
    }
    CU(cudaGetLastError());
    ksgXrankKernel<<<grid, 256>>>(dYrank.p, m, dXrank.p);
    ksgLayoutKernel<<<(b + 63) / 64, 64>>>(dXrank.p, SX, SY, stride, m, S, b, dLsx.p, dLsy.p, dLrx.p, dLry.p, dPtr.p);
    CU(cudaGetLastError());
    switch (q->k) {
#define MS_EPS(KK) case KK: ksgEpsKernel<KK><<<grid, 256>>>(dLsx.p, dLsy.p, dLrx.p, dLry.p, SX, stride, m, S, dEpsX.p, dEpsY.p); break;
      MS_EPS(1) MS_EPS(2) MS_EPS(3) MS_EPS(4) MS_EPS(5) MS_EPS(6) MS_EPS(7) MS_EPS(8) MS_EPS(9) MS_EPS(10)
#undef MS_EPS
    }
    CU(cudaGetLastError());
    ksgTermKernel<<<grid, 256>>>(SX, stride, dEpsX.p, m, b, dPsi.p, dTerm.p);
    ksgSumKernel<<<(b + 127) / 128, 128>>>(dTerm.p, m, b, dSum.p);
    ksgTermKernel<<<grid, 256>>>(SY, stride, dEpsY.p, m, b, dPsi.p, dTerm.p);
    ksgSumKernel<<<(b + 127) / 128, 128>>>(dTerm.p, m, b, dSum.p + b);
    CU(cudaGetLastError());
    CU(cudaEventRecord(e1.e));
    CU(cudaMemcpy(sums.data(), dSum.p, sizeof(double) * 2 * b, cudaMemcpyDeviceToHost));
    float ms = 0;
    CU(cudaEventElapsedTime(&ms, e0.e, e1.e));
    deviceMs += ms;
    // The CPU's scalarEstimate: ψ(k) + ψ(rows) − 0 − (Σx + Σy) / rows.
    for (int r = 0; r < b; ++r) res->out[r0 + r] = q->psi[q->k] + q->psi[m] - 0.0 - (sums[r] + sums[b + r]) / m;
  }
  res->deviceSeconds = deviceMs / 1000.0;
  res->totalSeconds = seconds(t0);
  gError.clear();
  return MSG_OK;
}

}  // extern "C"
