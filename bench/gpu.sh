#!/usr/bin/env bash
# The GPU run of issue 17, in one go on a machine with an NVIDIA GPU and no Node.js: builds the CUDA
# backend (native/cuda) and the harness (bench/gpu) with CMake/nvcc, checks CUDA against the CPU
# kernels byte for byte at M = 253 and 4,000 (n = 28,800, synthetic data from a fixed seed), times
# both (the CPU on every core), times 1,000 KSG permutation (and half-sample) replicates at
# n = 28,800 against the CPU, and writes a dated result (.json + .log) under $OUT (default
# bench/results). Exit status: the harness's (0 = every check passed). Under 10 minutes on an
# H100/H200 host with 16 cores.
#   OUT=/some/dir bash bench/gpu.sh        MS_CUDA_ARCHITECTURES=80 bash bench/gpu.sh (an A100)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-bench/results}"
mkdir -p "$out"
stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"
build="${BUILD_DIR:-${TMPDIR:-/tmp}/metricsift-gpu-build}"
log="$out/gpu-$stamp.log"
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
{
  echo "# metricsift bench/gpu.sh $stamp"
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv || echo "(no nvidia-smi)"
  nvcc --version | tail -1
  echo "cores: $(nproc)"
} 2>&1 | tee "$log"
start=$SECONDS
cmake -S bench/gpu -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DMS_CUDA_ARCHITECTURES="${MS_CUDA_ARCHITECTURES:-90}" 2>&1 | tail -3 | tee -a "$log"
cmake --build "$build" -j "$(nproc)" 2>&1 | tail -3 | tee -a "$log"
echo "build: $((SECONDS - start)) s" | tee -a "$log"
"$build/harness" --m 253,4000 --n 28800 --reps 1000 --ksg-n 28800 --threads "$(nproc)" --out "$out/gpu-$stamp.json" 2>&1 | tee -a "$log"
echo "total: $((SECONDS - start)) s; results in $out/gpu-$stamp.json" | tee -a "$log"
