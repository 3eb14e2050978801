// GPU harness (issue 17): checks the CUDA backend against the CPU kernels byte for byte over the
// plain C interface (native/cuda/ms_gpu.h) and times both, without Node.js. Synthetic data come
// from a fixed seed. Built by bench/gpu.sh with CMake/nvcc; built with MS_CPU_ONLY (no CUDA) the
// "device" is a CPU emulation running the device's own per-pair code (kernels/mi_finalize.h,
// cuda/ksg_core.h), which proves the checking logic here: --flip corrupts one count and one
// distance and the run must report the mismatches and exit 1.
//
// harness [--m 253,4000] [--n 28800] [--reps 1000] [--ksg-n 28800] [--threads 16] [--out FILE] [--flip]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "cuda/ksg_core.h"
#include "kernels/column.h"
#include "kernels/ksg.h"
#include "kernels/mi_tile.h"
#include "kernels/pair_sink.h"
#include "kernels/random.h"
#ifndef MS_CPU_ONLY
#include "cuda/ms_gpu.h"
#endif

namespace {

struct Args {
  std::vector<int> Ms{253, 4000};
  int64_t n = 28800;
  int reps = 1000;
  int64_t ksgN = 28800;
  int threads = 16;
  std::string out;
  bool flip = false;
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::ostringstream report;  // the JSON result file's body
int failures = 0;

void logLine(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void logLine(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vprintf(fmt, ap);
  va_end(ap);
  std::printf("\n");
  std::fflush(stdout);
}

// M columns of n rows, fixed seed: 8 slow latent factors; column c follows factor c % 8 with its
// own weight and noise; every 10th column has 1 % missing values, every 13th is discrete (5 levels),
// column 7 is constant.
std::vector<std::vector<double>> synthetic(int M, int64_t n, uint64_t seed) {
  ms::Ziggurat z(seed);
  ms::SplitMix u{seed ^ 0xABCDEFull};
  std::vector<std::vector<double>> f(8, std::vector<double>(n));
  for (auto& fk : f) {
    double v = 0;
    for (int64_t t = 0; t < n; ++t) fk[t] = v = 0.95 * v + z();
  }
  std::vector<std::vector<double>> cols(M, std::vector<double>(n));
  for (int c = 0; c < M; ++c) {
    const double w = 0.2 + u.uniform();
    for (int64_t t = 0; t < n; ++t) {
      double v = w * f[c % 8][t] + z();
      if (c % 13 == 5) v = std::floor(std::fmod(std::fabs(v) * 2, 5.0));
      if (c == 7) v = 3.0;
      if (c % 10 == 3 && u.uniform() < 0.01) v = NAN;
      cols[c][t] = v;
    }
  }
  return cols;
}

std::vector<ms::ColumnView> views(const std::vector<std::vector<double>>& cols) {
  std::vector<ms::ColumnView> v(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    ms::Segment s;
    s.data = cols[c].data();
    s.type = ms::DType::F64;
    s.length = static_cast<int64_t>(cols[c].size());
    v[c].segments.push_back(s);
    v[c].length = s.length;
  }
  return v;
}

struct Dense {
  std::vector<double> v;
  std::vector<uint32_t> rows;
};

// Compares the pairs i < j of two dense results bit for bit; prints the first mismatches.
int64_t compareDense(const char* what, int M, const Dense& a, const Dense& b) {
  int64_t bad = 0;
  for (int i = 0; i < M; ++i)
    for (int j = i + 1; j < M; ++j) {
      const size_t k = static_cast<size_t>(i) * M + j;
      if (std::memcmp(&a.v[k], &b.v[k], 8) != 0 || a.rows[k] != b.rows[k]) {
        if (bad < 5) logLine("  MISMATCH %s pair (%d, %d): cpu %a (%u rows) device %a (%u rows)", what, i, j, a.v[k], a.rows[k], b.v[k], b.rows[k]);
        ++bad;
      }
    }
  return bad;
}

Dense cpuMatrix(const ms::CodedTable& t, const ms::MiOptions& mo, int threads, double* seconds) {
  ms::PairSink sink;
  sink.kind = ms::PairSink::Dense64;
  sink.init(t.M, threads);
  const double t0 = now();
  const ms::Status s = ms::miAllPairs(t, mo, threads, 0, -1, ms::Control{}, [&](int tid, int i, int j, double v, uint32_t r) { sink.put(tid, i, j, v, r); });
  *seconds = now() - t0;
  if (!s.ok()) logLine("CPU miAllPairs failed: %s", s.message.c_str());
  return {std::move(sink.v64), std::move(sink.rows)};
}

#ifdef MS_CPU_ONLY
// The device's MI path on the CPU: every pair's K×K counts in the tile matrix layout the kernels
// write (row i·K + a, column j·K + b), then the finalisation kernel's call. --flip adds one count.
Dense emulatedMatrix(const ms::CodedTable& t, const ms::MiOptions& mo, const std::vector<double>& xlogx, bool flip) {
  const int M = t.M, K = t.stride - 1;
  const int64_t F = static_cast<int64_t>(M) * K;
  std::vector<int32_t> C(static_cast<size_t>(F * F), 0);
  for (int i = 0; i < M; ++i)
    for (int j = i + 1; j < M; ++j)
      for (int64_t r = 0; r < t.n; ++r) {
        const int a = t.codes8[static_cast<size_t>(i) * t.n + r], b = t.codes8[static_cast<size_t>(j) * t.n + r];
        if (a < K && b < K) C[(static_cast<int64_t>(i) * K + a) * F + j * K + b]++;
      }
  if (flip) {  // one row of pair (0, 1) moved from its fullest cell to its emptiest: the joint entropy changes
    int32_t* block = C.data() + 1 * K;
    int hi = 0, lo = 0;
    for (int cell = 1; cell < K * K; ++cell) {
      if (block[(cell / K) * F + cell % K] > block[(hi / K) * F + hi % K]) hi = cell;
      if (block[(cell / K) * F + cell % K] < block[(lo / K) * F + lo % K]) lo = cell;
    }
    --block[(hi / K) * F + hi % K];
    ++block[(lo / K) * F + lo % K];
  }
  Dense d{std::vector<double>(static_cast<size_t>(M) * M, NAN), std::vector<uint32_t>(static_cast<size_t>(M) * M, 0)};
  for (int i = 0; i < M; ++i)
    for (int j = i + 1; j < M; ++j) {
      const ms::PairEntropies e = ms::pairEntropiesOf<64>(C.data() + static_cast<int64_t>(i) * K * F + j * K, K, F, xlogx.data(), mo.millerMadow);
      d.v[static_cast<size_t>(i) * M + j] = d.v[static_cast<size_t>(j) * M + i] = ms::finalizeMeasure(e, mo);
      d.rows[static_cast<size_t>(i) * M + j] = d.rows[static_cast<size_t>(j) * M + i] = e.rows;
    }
  return d;
}
#endif

// The device's KSG replicates on the CPU (the kernels' steps, from cuda/ksg_core.h).
template <int K>
std::vector<double> emulatedKsg(const ms::KsgDraws& d, int count, bool half, bool flip) {
  const int64_t n = static_cast<int64_t>(d.x.size()), m = d.m;
  std::vector<int32_t> ox(n), oy(n);
  std::iota(ox.begin(), ox.end(), 0);
  std::iota(oy.begin(), oy.end(), 0);
  std::stable_sort(ox.begin(), ox.end(), [&](int32_t a, int32_t b) { return d.x[a] < d.x[b]; });
  std::stable_sort(oy.begin(), oy.end(), [&](int32_t a, int32_t b) { return d.y[a] < d.y[b]; });
  std::vector<int32_t> rankY(n);
  for (int64_t t = 0; t < n; ++t) rankY[oy[t]] = static_cast<int32_t>(t);
  std::vector<double> out(count);
#pragma omp parallel for schedule(dynamic, 1)
  for (int r = 0; r < count; ++r) {
    const int32_t* rows = d.rows.data() + static_cast<size_t>(r) * m;
    std::vector<double> SX(m), SY(m), YatX(m), epsX(m), epsY(m);
    std::vector<int32_t> YrankAtX(m), subRankY(n, -1);
    std::vector<char> mask(n, 0);
    if (!half) {
      for (int64_t p = 0; p < n; ++p) {
        SX[p] = d.x[ox[p]];
        SY[p] = d.y[oy[p]];
        const int32_t row = rows[ox[p]];
        YatX[p] = d.y[row];
        YrankAtX[p] = rankY[row];
      }
    } else {
      for (int64_t t = 0; t < m; ++t) mask[rows[t]] = 1;
      int64_t q = 0;
      for (int64_t g = 0; g < n; ++g)
        if (mask[oy[g]]) { SY[q] = d.y[oy[g]]; subRankY[oy[g]] = static_cast<int32_t>(q); ++q; }
      q = 0;
      for (int64_t g = 0; g < n; ++g)
        if (mask[ox[g]]) { SX[q] = d.x[ox[g]]; YatX[q] = d.y[ox[g]]; YrankAtX[q] = subRankY[ox[g]]; ++q; }
    }
    // The kernels' steps: x rank of each y rank, the strip layout, the strip search per slot.
    std::vector<int32_t> xRankAtY(m), rx(m), ry(m);
    std::vector<double> lsx(m), lsy(m);
    for (int64_t p = 0; p < m; ++p) xRankAtY[YrankAtX[p]] = static_cast<int32_t>(p);
    const int64_t S = msg::stripSize(K, m);
    std::vector<int32_t> ptr((m + S - 1) / S);
    msg::stripLayout(xRankAtY.data(), SX.data(), SY.data(), m, S, lsx.data(), lsy.data(), rx.data(), ry.data(), ptr.data());
    for (int64_t j = 0; j < m; ++j) {
      double e = msg::stripKth<K>(lsx.data(), lsy.data(), SX.data(), m, S, j);
      if (flip && r == 0 && j == m / 2) e *= 1.5;
      epsX[rx[j]] = e;
      epsY[ry[j]] = e;
    }
    double sx = 0, sy = 0;
    for (int64_t p = 0; p < m; ++p) sx += d.psi[msg::strictCount(SX.data(), m, p, epsX[p]) + 1];
    for (int64_t p = 0; p < m; ++p) sy += d.psi[msg::strictCount(SY.data(), m, p, epsY[p]) + 1];
    out[r] = d.psi[K] + d.psi[m] - 0.0 - (sx + sy) / m;
  }
  return out;
}

void compareDraws(const char* what, const std::vector<double>& cpu, const std::vector<double>& dev) {
  double worst = 0;
  int64_t identical = 0;
  for (size_t r = 0; r < cpu.size(); ++r) {
    worst = std::max(worst, std::fabs(cpu[r] - dev[r]));
    identical += std::memcmp(&cpu[r], &dev[r], 8) == 0;
  }
  const bool ok = worst <= 1e-12;
  if (!ok) ++failures;
  logLine("  %s: %zu draws, max |cpu - device| = %.3g nats, %" PRId64 " bit-identical: %s", what, cpu.size(), worst, identical, ok ? "PASS" : "FAIL");
  report << "    {\"check\": \"" << what << "\", \"draws\": " << cpu.size() << ", \"maxAbsDiff\": " << worst << ", \"bitIdentical\": " << identical
         << ", \"pass\": " << (ok ? "true" : "false") << "},\n";
}

void ksgSection(const Args& a) {
  const int64_t n = a.ksgN;
  std::vector<std::vector<double>> xy = synthetic(2, n, 99);
  for (int64_t t = 0; t < n; ++t) {  // a dependent, complete pair
    if (std::isnan(xy[0][t])) xy[0][t] = 0.5;
    if (std::isnan(xy[1][t])) xy[1][t] = -0.5;
    xy[1][t] = 0.6 * xy[0][t] + xy[1][t];
  }
  ms::KsgOptions o;
  o.k = 3;
  for (int mode = 0; mode < 2; ++mode) {
    const bool half = mode == 1;
    const auto kind = half ? ms::KsgResampling::kHalfSample : ms::KsgResampling::kPermutation;
    const char* name = half ? "ksg-half-sample" : "ksg-permutation";
    double observed = 0;
    std::vector<double> cpu;
    double t0 = now();
    ms::Status s = ms::ksgResample(xy[0].data(), xy[1].data(), n, o, kind, a.reps, 1, 7, a.threads, &observed, &cpu);
    const double cpuS = now() - t0;
    if (!s.ok()) { logLine("CPU ksgResample failed: %s", s.message.c_str()); ++failures; return; }
    ms::KsgDraws d;
    t0 = now();
    s = ms::ksgPrepareDraws(xy[0].data(), xy[1].data(), n, o, kind, a.reps, 1, 7, a.threads, &d);
    const double drawS = now() - t0;
    if (!s.ok()) { logLine("ksgPrepareDraws failed: %s", s.message.c_str()); ++failures; return; }
#ifdef MS_CPU_ONLY
    t0 = now();
    const std::vector<double> dev = emulatedKsg<3>(d, a.reps, half, a.flip);
    const double devS = now() - t0;
    logLine("%s: n = %" PRId64 ", %d draws: CPU %.3f s (%d threads), emulated device %.3f s", name, n, a.reps, cpuS, a.threads, devS);
#else
    msg_ksg_request q{};
    q.x = d.x.data();
    q.y = d.y.data();
    q.n = n;
    q.k = o.k;
    q.mode = half ? 1 : 0;
    q.count = a.reps;
    q.m = d.m;
    q.rows = d.rows.data();
    q.psi = d.psi.data();
    std::vector<double> dev(a.reps);
    msg_ksg_result r{};
    r.out = dev.data();
    t0 = now();
    if (msg_ksg_resample(&q, &r) != MSG_OK) { logLine("device KSG failed: %s", msg_last_error()); ++failures; return; }
    const double devS = now() - t0;
    if (a.flip) dev[0] += 1e-9;
    logLine("%s: n = %" PRId64 ", %d draws: CPU %.3f s (%d threads); device %.3f s wall (%.3f s kernels) + %.3f s drawing rows on the CPU; ratio %.1fx",
            name, n, a.reps, cpuS, a.threads, devS, r.deviceSeconds, drawS, cpuS / (devS + drawS));
#endif
    report << "    {\"check\": \"" << name << "-timing\", \"n\": " << n << ", \"draws\": " << a.reps << ", \"cpuSeconds\": " << cpuS
           << ", \"deviceSeconds\": " << devS << ", \"drawRowsSeconds\": " << drawS << ", \"ratio\": " << cpuS / (devS + drawS) << "},\n";
    compareDraws(name, cpu, dev);
  }
}

void miSection(const Args& a, int M) {
  const std::vector<std::vector<double>> cols = synthetic(M, a.n, 20261201);
  const std::vector<ms::ColumnView> v = views(cols);
  ms::BinSpec spec;
  ms::CodedTable t;
  int bad = -1;
  const ms::Status s = ms::codeColumns(v, spec, false, a.threads, &t, &bad);
  if (!s.ok()) { logLine("codeColumns failed at column %d: %s", bad, s.message.c_str()); ++failures; return; }
  const std::vector<double> xlogx = ms::xlogxTable(t.n);
  for (int measure = 0; measure < 2; ++measure) {
    if (measure == 1 && M > 1000) break;  // NMI checked at the smaller size; timing on MI
    ms::MiOptions mo;
    mo.measure = measure ? ms::Measure::NMI : ms::Measure::MI;
    const char* mname = measure ? "nmi" : "mi";
    double cpuS = 0;
    const Dense cpu = cpuMatrix(t, mo, a.threads, &cpuS);
    logLine("%s M = %d, n = %" PRId64 ", %d bins: CPU %.3f s on %d threads", mname, M, a.n, t.stride - 1, cpuS, a.threads);
#ifdef MS_CPU_ONLY
    const Dense dev = emulatedMatrix(t, mo, xlogx, a.flip);
    const int64_t mism = compareDense(mname, M, cpu, dev);
    if (mism) ++failures;
    logLine("  emulated device: %" PRId64 " mismatching pairs: %s", mism, mism ? "FAIL" : "PASS");
    report << "    {\"check\": \"" << mname << "-dense-emulated\", \"M\": " << M << ", \"n\": " << a.n << ", \"cpuSeconds\": " << cpuS
           << ", \"mismatches\": " << mism << "},\n";
#else
    for (int kernel : {MSG_KERNEL_HISTOGRAM, MSG_KERNEL_TENSOR}) {
      const char* kname = kernel == MSG_KERNEL_TENSOR ? "tensor" : "histogram";
      msg_mi_request q{};
      q.codes = t.codes8.get();
      q.M = M;
      q.n = t.n;
      q.stride = t.stride;
      q.xlogx = xlogx.data();
      q.measure = measure;
      q.bits = mo.bits;
      q.rowLast = -1;
      q.output = MSG_OUT_DENSE64;
      q.kernel = kernel;
      Dense dev{std::vector<double>(static_cast<size_t>(M) * M, NAN), std::vector<uint32_t>(static_cast<size_t>(M) * M, 0)};
      msg_mi_result r{};
      r.values64 = dev.v.data();
      r.rows = dev.rows.data();
      // One warm-up call (context creation, module load) before the timed one.
      if (msg_mi_all_pairs(&q, &r) != MSG_OK) { logLine("device MI (%s) failed: %s", kname, msg_last_error()); ++failures; continue; }
      const double t0 = now();
      if (msg_mi_all_pairs(&q, &r) != MSG_OK) { logLine("device MI (%s) failed: %s", kname, msg_last_error()); ++failures; continue; }
      const double devS = now() - t0;
      if (a.flip) dev.v[1] = dev.v[1] + 1;
      const int64_t mism = compareDense(mname, M, cpu, dev);
      if (mism) ++failures;
      const double ops = 2.0 * (static_cast<double>(M) * (t.stride - 1)) * (static_cast<double>(M) * (t.stride - 1)) / 2 * static_cast<double>(t.n);
      logLine("  device %s kernel: %.3f s wall, %.3f s in the count kernels (tile %d columns); %.1fx the CPU; %" PRId64 " mismatching pairs: %s%s",
              kname, devS, r.countSeconds, r.tileColumns, cpuS / devS, mism, mism ? "FAIL" : "PASS",
              kernel == MSG_KERNEL_TENSOR ? (" (int8 rate in the count phase: " + std::to_string(ops / r.countSeconds / 1e12) + " TOPS)").c_str() : "");
      report << "    {\"check\": \"" << mname << "-dense-" << kname << "\", \"M\": " << M << ", \"n\": " << a.n << ", \"cpuSeconds\": " << cpuS
             << ", \"deviceSeconds\": " << devS << ", \"countSeconds\": " << r.countSeconds << ", \"ratio\": " << cpuS / devS
             << ", \"tile\": " << r.tileColumns << ", \"int8Tops\": " << (kernel == MSG_KERNEL_TENSOR ? ops / r.countSeconds / 1e12 : 0)
             << ", \"mismatches\": " << mism << "},\n";
    }
    if (M <= 1000) {
      // Thresholded and top-k outputs, reduced on the device, against the CPU's sink.
      for (int out : {MSG_OUT_THRESHOLD, MSG_OUT_TOPK}) {
        ms::PairSink cs;
        cs.kind = out == MSG_OUT_THRESHOLD ? ms::PairSink::Threshold : ms::PairSink::TopK;
        cs.threshold = measure ? 0.05 : 0.02;
        cs.k = 5;
        cs.init(M, a.threads);
        ms::miAllPairs(t, mo, a.threads, 0, -1, ms::Control{}, [&](int tid, int i, int j, double val, uint32_t rr) { cs.put(tid, i, j, val, rr); });
        msg_mi_request q{};
        q.codes = t.codes8.get();
        q.M = M;
        q.n = t.n;
        q.stride = t.stride;
        q.xlogx = xlogx.data();
        q.measure = measure;
        q.bits = mo.bits;
        q.rowLast = -1;
        q.output = out;
        q.threshold = cs.threshold;
        q.k = cs.k;
        msg_mi_result r{};
        if (msg_mi_all_pairs(&q, &r) != MSG_OK) { logLine("device MI (sparse) failed: %s", msg_last_error()); ++failures; continue; }
        ms::PairSink ds;
        ds.kind = cs.kind;
        ds.threshold = cs.threshold;
        ds.k = cs.k;
        ds.init(M, 1);
        for (int64_t p = 0; p < r.pairCount; ++p) {
          const msg_pair& pp = r.pairs[p];
          if (out == MSG_OUT_THRESHOLD) ds.perThread[0].push_back({pp.i, pp.j, pp.value, pp.rows});
          else ds.offer(0, pp.i, pp.j, pp.value, pp.rows);
        }
        msg_free(r.pairs);
        const auto A = cs.pairs(), B = ds.pairs();
        bool same = A.size() == B.size();
        for (size_t p = 0; same && p < A.size(); ++p)
          same = A[p].i == B[p].i && A[p].j == B[p].j && std::memcmp(&A[p].value, &B[p].value, 8) == 0 && A[p].rows == B[p].rows;
        if (!same) ++failures;
        const char* oname = out == MSG_OUT_THRESHOLD ? "threshold" : "topk";
        logLine("  device %s output: %zu pairs (CPU %zu): %s", oname, B.size(), A.size(), same ? "PASS" : "FAIL");
        report << "    {\"check\": \"" << mname << "-" << oname << "\", \"M\": " << M << ", \"pairs\": " << A.size() << ", \"pass\": " << (same ? "true" : "false") << "},\n";
      }
      // A shard of pair rows, float32, Miller–Madow, geometric NMI: the other request fields.
      {
        ms::MiOptions m2 = mo;
        m2.millerMadow = true;
        m2.norm = ms::Norm::Geometric;
        ms::CodedTable tm;
        int bad2 = -1;
        ms::codeColumns(v, spec, true, a.threads, &tm, &bad2);
        ms::PairSink cs;
        cs.kind = ms::PairSink::Dense32;
        cs.init(M, a.threads);
        ms::miAllPairs(tm, m2, a.threads, 40, 100, ms::Control{}, [&](int tid, int i, int j, double val, uint32_t rr) { cs.put(tid, i, j, val, rr); });
        msg_mi_request q{};
        q.codes = tm.codes8.get();
        q.M = M;
        q.n = tm.n;
        q.stride = tm.stride;
        q.xlogx = xlogx.data();
        q.measure = measure;
        q.norm = static_cast<int32_t>(m2.norm);
        q.bits = m2.bits;
        q.millerMadow = 1;
        q.rowFirst = 40;
        q.rowLast = 100;
        q.output = MSG_OUT_DENSE32;
        std::vector<float> dv(static_cast<size_t>(M) * M, NAN);
        std::vector<uint32_t> dr(static_cast<size_t>(M) * M, 0);
        msg_mi_result r{};
        r.values32 = dv.data();
        r.rows = dr.data();
        bool same = msg_mi_all_pairs(&q, &r) == MSG_OK;
        if (!same) logLine("device MI (shard) failed: %s", msg_last_error());
        same = same && std::memcmp(dv.data(), cs.v32.data(), dv.size() * 4) == 0 && dr == cs.rows;
        if (!same) ++failures;
        logLine("  device shard [40, 100), float32, Miller-Madow: %s", same ? "PASS" : "FAIL");
        report << "    {\"check\": \"" << mname << "-shard-float32-mm\", \"M\": " << M << ", \"pass\": " << (same ? "true" : "false") << "},\n";
      }
    }
#endif
  }
}

std::string cpuModel() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--m") {
      a.Ms.clear();
      std::stringstream ss(next());
      for (std::string p; std::getline(ss, p, ',');) a.Ms.push_back(std::stoi(p));
    } else if (k == "--n") a.n = std::stoll(next());
    else if (k == "--reps") a.reps = std::stoi(next());
    else if (k == "--ksg-n") a.ksgN = std::stoll(next());
    else if (k == "--threads") a.threads = std::stoi(next());
    else if (k == "--out") a.out = next();
    else if (k == "--flip") a.flip = true;
    else { std::fprintf(stderr, "unknown argument %s\n", k.c_str()); return 2; }
  }
  omp_set_num_threads(a.threads);
  char date[64];
  const std::time_t tt = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  std::string device = "CPU emulation (MS_CPU_ONLY build)";
#ifndef MS_CPU_ONLY
  if (msg_device_count() < 1) {
    std::fprintf(stderr, "no CUDA device: %s\n", msg_last_error());
    return 3;
  }
  char name[256];
  size_t mem = 0;
  int32_t major = 0, minor = 0;
  msg_device_info(0, name, sizeof name, &mem, &major, &minor);
  device = std::string(name) + " (sm_" + std::to_string(major) + std::to_string(minor) + ", " + std::to_string(mem >> 30) + " GiB)";
#endif
  logLine("metricsift GPU harness %s: device %s; CPU %s, %d threads", date, device.c_str(), cpuModel().c_str(), a.threads);
  for (int M : a.Ms) miSection(a, M);
  ksgSection(a);
  logLine("%s: %d failed check(s)", failures ? "FAIL" : "PASS", failures);
  if (!a.out.empty()) {
    std::ofstream f(a.out);
    std::string body = report.str();
    if (body.size() >= 2) body.erase(body.size() - 2);  // the last ",\n"
    f << "{\n  \"date\": \"" << date << "\",\n  \"device\": \"" << device << "\",\n  \"cpu\": \"" << cpuModel() << "\",\n  \"threads\": " << a.threads
      << ",\n  \"failures\": " << failures << ",\n  \"checks\": [\n" << body << "\n  ]\n}\n";
  }
  return failures ? 1 : 0;
}
