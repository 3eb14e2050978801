/*
 * metricsift's CUDA backend behind a plain C interface (after JIDT's gpuMILibrary.h): no C++ types,
 * no exceptions, every call returns a status and leaves a message in msg_last_error(). The addon
 * loads the library with dlopen only when a call asks for the device, so a machine without CUDA,
 * a driver or this library never fails to load the addon; the benchmark harness links it directly.
 *
 * Counts are exact integers on the device; every value is finalised in float64 by the same source
 * as the CPU (kernels/mi_finalize.h), so results are byte-identical to the CPU kernels'.
 */
#ifndef MS_GPU_H
#define MS_GPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when a struct below or a signature changes; the loader refuses another version. */
#define MSG_ABI_VERSION 1

typedef enum {
  MSG_OK = 0,
  MSG_NO_DEVICE = 1,      /* no driver, no device, or a device this build has no code for */
  MSG_OUT_OF_MEMORY = 2,  /* device memory, even after shrinking the tiles */
  MSG_BAD_ARGUMENT = 3,   /* a request the device path does not support (the message names it) */
  MSG_CUDA_ERROR = 4      /* any other CUDA failure (the message holds CUDA's text) */
} msg_status;

/* Kernel for the joint counts of binned MI. */
typedef enum {
  MSG_KERNEL_AUTO = 0,      /* tensor cores where the device has them, else histograms */
  MSG_KERNEL_HISTOGRAM = 1, /* shared-memory joint histograms, one block per row column and group of columns */
  MSG_KERNEL_TENSOR = 2     /* one-hot codes (int8) multiplied on tensor cores: C = Pᵀ·P, int32 counts */
} msg_kernel;

typedef enum { MSG_OUT_DENSE64 = 0, MSG_OUT_DENSE32 = 1, MSG_OUT_THRESHOLD = 2, MSG_OUT_TOPK = 3 } msg_output;

/* One pair of the sparse outputs. For top-k, i is the column and j its partner. */
typedef struct {
  uint32_t i, j;
  double value;
  uint32_t rows;
} msg_pair;

typedef struct {
  /* Coded columns, column-major: column c is codes + c·n. Code stride − 1 means missing. */
  const uint8_t* codes;
  int32_t M;
  int64_t n;
  int32_t stride;        /* levels + 1; the device path takes stride ≤ 65 */
  const double* xlogx;   /* n + 1 entries: c·ln(c), the CPU's xlogxTable(n) */
  /* The measure (kernels/mi_finalize.h): measure 0 MI / 1 NMI, norm 0..4 as ms::Norm. */
  int32_t measure, norm, bits, millerMadow;
  int32_t rowFirst, rowLast; /* shard of pair rows [rowFirst, rowLast); rowLast < 0: M */
  int32_t output;            /* msg_output */
  double threshold;          /* MSG_OUT_THRESHOLD: score > threshold */
  int32_t absolute;          /* score = |value| instead of value (threshold and top-k) */
  int32_t k;                 /* MSG_OUT_TOPK: partners kept per column (≤ 64 on the device) */
  int32_t kernel;            /* msg_kernel */
  int32_t device;            /* CUDA device ordinal */
  double memoryFraction;     /* share of free device memory the tiles may take (0: 0.5) */
} msg_mi_request;

typedef struct {
  /* Dense outputs: caller-allocated M·M arrays; pairs i < j of the shard are written at [i·M + j]
   * and [j·M + i]; nothing else is touched (the diagonal is the caller's). */
  double* values64;
  float* values32;
  uint32_t* rows;
  /* Sparse outputs: library-allocated (release with msg_free). Threshold: pairs i < j with a value
   * above the threshold, in any order. Top-k: for each column, up to k candidates from every tile;
   * the caller merges them with its own tie rule (the CPU's PairSink). */
  msg_pair* pairs;
  int64_t pairCount;
  /* What happened, for the caller's report. */
  int32_t kernelUsed;      /* msg_kernel */
  int32_t tileColumns;     /* tile edge chosen from device memory */
  double countSeconds;     /* device time in the count kernels (events) */
  double totalSeconds;     /* wall time of the call */
} msg_mi_result;

/* KSG (algorithm 1, scalar x and y, max-norm) on resampled data: `count` replicates of the same
 * prepared points, each a permutation of y (mode 0) or a subset of rows (mode 1, half-samples).
 * x and y are the prepared (standardised, jittered) values of the CPU path; `rows` holds, for each
 * replicate r, at rows + r·m the m row indices it uses: a permutation of y's rows (m = n) or the
 * half-sample's rows (m ≤ n), as the CPU draws them. `psi` holds ψ(0..n+1) from the CPU's table.
 * out[r] = ψ(k) + ψ(m) − Σ/m exactly as the CPU's scalarEstimate, the sum taken in the CPU's order. */
typedef struct {
  const double* x;
  const double* y;
  int64_t n;
  int32_t k;
  int32_t mode;           /* 0 permutation, 1 half-sample */
  int32_t count;
  int64_t m;              /* rows per replicate */
  const int32_t* rows;    /* count·m row indices */
  const double* psi;      /* n + 2 entries */
  int32_t device;
} msg_ksg_request;

typedef struct {
  double* out;            /* caller-allocated, count entries (nats) */
  double deviceSeconds;
  double totalSeconds;
} msg_ksg_result;

int msg_abi_version(void);
/* Devices visible; 0 with the reason in msg_last_error() when there is no driver or device. */
int msg_device_count(void);
/* Name, memory and compute capability of a device, for reports. */
msg_status msg_device_info(int32_t device, char* name, size_t nameCap, size_t* totalBytes, int32_t* major, int32_t* minor);
msg_status msg_mi_all_pairs(const msg_mi_request* req, msg_mi_result* res);
msg_status msg_ksg_resample(const msg_ksg_request* req, msg_ksg_result* res);
void msg_free(void* p);
/* The message of the last failed call on this thread ("" after a success). */
const char* msg_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* MS_GPU_H */
