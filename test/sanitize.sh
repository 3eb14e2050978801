#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs the
# estimator test files against it. Node itself is not instrumented, so libasan is preloaded and
# leak checks are off (V8's own allocations would be reported). First the kernels' C++ unit tests
# (native/tests) under the same sanitizers, in build-tests-asan/: no Node there, so leaks are checked.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-tests-asan -DMETRICSIFT_TESTS=ON -DSANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-tests-asan -j 2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-tests-asan --output-on-failure
npx cmake-js compile --out build-asan --CDSANITIZE=ON --log-level warn
export LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export METRICSIFT_ADDON=build-asan/Release/metricsift.node
npx vitest run test/boundary.test.ts test/binned.test.ts test/matrix.test.ts test/errors.test.ts test/golden.test.ts test/ksg.test.ts test/significance.test.ts "$@"
