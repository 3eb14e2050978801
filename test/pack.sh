#!/usr/bin/env bash
# Install anywhere: `npm pack` (which builds the prebuilt addon, scripts/prebuild.mjs), then install
# the tarball into an empty directory with cmake and the compilers hidden from PATH, and run `scan`
# on the shipped example; require() and import of the package too. Slow (a portable native build),
# so a script of its own, run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm pack --pack-destination "$work" --silent > "$work/name"
tarball="$work/$(tail -1 "$work/name")"
tar tzf "$tarball" | grep -qx 'package/prebuilds/linux-x64/node.napi.glibc.node' || { echo "pack: no prebuilt addon in $tarball" >&2; exit 1; }

# A PATH with node, npm and basic tools only: no cmake, make, ninja or compiler.
bin="$work/bin"
mkdir "$bin"
for t in node npm npx sh bash env cat ls mkdir rm cp mv tar gzip uname dirname basename sed grep head tail chmod ln readlink true false sort tr wc; do
  p="$(command -v "$t")" && ln -s "$p" "$bin/$t"
done
for t in cmake make ninja gcc g++ cc c++ clang clang++; do
  if PATH="$bin" command -v "$t" >/dev/null; then echo "pack: $t is still on the PATH" >&2; exit 1; fi
done

mkdir "$work/app"
cd "$work/app"
echo '{ "name": "app", "private": true }' > package.json
PATH="$bin" npm install --no-audit --no-fund "$tarball"
test ! -e node_modules/metricsift/build || { echo "pack: the install built from source although a prebuilt addon ships" >&2; exit 1; }
PATH="$bin" npx metricsift scan node_modules/metricsift/examples/trainticket/metrics.csv.gz --out out --iterations 20 > summary.txt
grep -q 'read 879 metrics × 741 rows' summary.txt
test -s out/selection.json
PATH="$bin" node --input-type=module -e "const m = await import('metricsift'); if (typeof m.miMatrix !== 'function') process.exit(1);"
PATH="$bin" node --no-warnings -e "const m = require('metricsift'); if (typeof m.miMatrix !== 'function') process.exit(1);"
echo "pack: installed $(basename "$tarball") without a toolchain (prebuilt addon) and ran scan on the example"
