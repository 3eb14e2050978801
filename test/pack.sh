#!/usr/bin/env bash
# Install anywhere: `npm pack` (its prepack step builds the prebuilt addon, scripts/prebuild.mjs),
# then install the tarball into an empty directory with cmake and the compilers hidden from PATH,
# and run `scan` on the shipped example; require() and import of the package too. Slow (a portable
# native build), so a script of its own, run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm pack --pack-destination "$work" --silent >&2
tarball="$(ls "$work"/metricsift-*.tgz)"
# The listing goes to a file: `tar | grep -q` fails under pipefail when grep stops reading early.
tar tzf "$tarball" > "$work/list"
grep -qx 'package/prebuilds/linux-x64/node.napi.glibc.node' "$work/list" || { echo "pack: no prebuilt addon in $tarball" >&2; exit 1; }
test ! -e prebuilds || { echo "pack: postpack left prebuilds/ in the tree" >&2; exit 1; }

# A PATH with node, npm and basic tools only: no cmake, make, ninja or compiler.
bin="$work/bin"
mkdir "$bin"
for t in node npm npx sh bash env cat ls mkdir rm cp mv tar gzip uname dirname basename sed grep head tail chmod ln readlink true false sort tr wc; do
  p="$(command -v "$t")" && ln -s "$p" "$bin/$t"
done
for t in cmake make ninja gcc g++ cc c++ clang clang++; do
  if PATH="$bin" command -v "$t" >/dev/null; then echo "pack: $t is still on the PATH" >&2; exit 1; fi
done

# Two installs: one letting the package's install step run (it probes the prebuilt and builds
# nothing), one with install scripts off (what npm does by default for dependencies not listed in
# allowScripts): the run-time loader then finds the prebuilt itself.
for mode in scripts no-scripts; do
  mkdir "$work/$mode"
  cd "$work/$mode"
  if [ "$mode" = scripts ]; then
    # npm 11's allowScripts (older npms ignore the field and run install scripts anyway).
    echo '{ "name": "app", "private": true, "allowScripts": { "metricsift": true } }' > package.json
    PATH="$bin" npm install --no-audit --no-fund --foreground-scripts "$tarball" 2>&1 | tee install.log
    grep -q 'metricsift: the prebuilt addon works here' install.log || { echo "pack: the install step did not take the prebuilt addon" >&2; exit 1; }
  else
    echo '{ "name": "app", "private": true }' > package.json
    PATH="$bin" npm install --no-audit --no-fund --ignore-scripts "$tarball"
  fi
  test ! -e node_modules/metricsift/build || { echo "pack: the install built from source although a prebuilt addon ships" >&2; exit 1; }
  PATH="$bin" npx metricsift scan node_modules/metricsift/examples/trainticket/metrics.csv.gz --out out --iterations 20 > summary.txt
  grep -q 'read 879 metrics × 741 rows' summary.txt || { cat summary.txt >&2; echo "pack: scan's summary is not the expected one ($mode)" >&2; exit 1; }
  test -s out/selection.json
  PATH="$bin" node --input-type=module -e "const m = await import('metricsift'); if (typeof m.miMatrix !== 'function') process.exit(1);"
  PATH="$bin" node --no-warnings -e "const m = require('metricsift'); if (typeof m.miMatrix !== 'function') process.exit(1);"
done
# The prebuilt needs no OpenMP runtime and no C++ runtime beside glibc's.
if command -v ldd >/dev/null; then
  if ldd node_modules/metricsift/prebuilds/linux-x64/node.napi.glibc.node | grep -E 'libgomp|libstdc\+\+|libgcc_s' >&2; then
    echo "pack: the prebuilt addon links a compiler runtime (above)" >&2; exit 1
  fi
fi
echo "pack: installed $(basename "$tarball") without a toolchain (prebuilt addon, $(wc -c < node_modules/metricsift/prebuilds/linux-x64/node.napi.glibc.node) bytes) and ran scan on the example"
