#!/usr/bin/env node
// The prebuilt addon that the npm package ships (prebuildify's layout, prebuilds/<platform>-<arch>/
// node.napi.<libc>.node): PORTABLE, so without OpenMP's runtime and with the C++ runtime linked in.
// Run by `prepack` (npm computes the tarball's file list after prepack, so the binary made here is
// packed); `--clean` (postpack) removes it again, so a development tree never holds a stale prebuilt
// that the install step would prefer to a source build. Made on linux-x64 glibc only (the platform
// the package promises a binary for); elsewhere it says so and ships none.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv.includes('--clean')) {
  rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
  process.exit(0);
}
const glibc = process.platform === 'linux' && !!process.report?.getReport()?.header?.glibcVersionRuntime;
if (!(glibc && process.arch === 'x64')) {
  console.error(`metricsift prebuild: prebuilt binaries are made on linux-x64 glibc only (this is ${process.platform}-${process.arch}); none shipped`);
  process.exit(0);
}
const cmakeJs = join(dirname(fileURLToPath(import.meta.resolve('cmake-js/package.json'))), 'bin', 'cmake-js');
// Its own build directory, configured once with PORTABLE=ON and rebuilt incrementally after that.
const out = 'build-prebuild';
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', out, '--CDPORTABLE=ON', '--log-level', 'warn'], {
  cwd: root,
  stdio: ['ignore', process.stderr, 'inherit'], // stdout stays the tarball's name for `npm pack` callers
});
if (r.status !== 0) process.exit(r.status ?? 1);
const dest = join(root, 'prebuilds', 'linux-x64', 'node.napi.glibc.node');
mkdirSync(dirname(dest), { recursive: true });
copyFileSync(join(root, out, 'Release', 'metricsift.node'), dest);
console.error(`metricsift prebuild: ${dest.slice(root.length + 1)}`);
