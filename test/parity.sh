#!/usr/bin/env bash
# OpenMP is optional: builds the addon without it (the portable thread pool) into build-pool/ and
# requires every result to be byte-identical to the default build's (build/Release), thread counts
# 1–4 (test/parity-dump.ts). Slow (a second native build), so a script of its own, run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
npx cmake-js compile --out build-pool --CDOPENMP=OFF --log-level warn
default="$(mktemp)" pool="$(mktemp)"
trap 'rm -f "$default" "$pool"' EXIT
METRICSIFT_ADDON=build/Release/metricsift.node node --import tsx test/parity-dump.ts > "$default"
METRICSIFT_ADDON=build-pool/Release/metricsift.node node --import tsx test/parity-dump.ts > "$pool"
head -1 "$default" | grep -qx '# threading openmp' || { echo "parity: build/Release is not the OpenMP build: $(head -1 "$default")" >&2; exit 1; }
head -1 "$pool" | grep -qx '# threading pool' || { echo "parity: build-pool is not the pool build: $(head -1 "$pool")" >&2; exit 1; }
if diff <(tail -n +2 "$default") <(tail -n +2 "$pool") >&2; then
  echo "parity: $(($(wc -l < "$default") - 1)) results byte-identical with OpenMP and with the portable pool"
else
  echo "parity: results differ between the OpenMP build and the portable pool (above)" >&2
  exit 1
fi
