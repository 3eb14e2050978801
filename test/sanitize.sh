#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs the
# estimator test files against it. Node itself is not instrumented, so libasan is preloaded and
# leak checks are off (V8's own allocations would be reported).
set -euo pipefail
cd "$(dirname "$0")/.."
npx cmake-js compile --out build-asan --CDSANITIZE=ON --log-level warn
export LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export METRICSIFT_ADDON=build-asan/Release/metricsift.node
npx vitest run test/boundary.test.ts test/binned.test.ts test/matrix.test.ts test/errors.test.ts test/golden.test.ts test/ksg.test.ts test/significance.test.ts "$@"
