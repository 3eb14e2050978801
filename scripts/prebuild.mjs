#!/usr/bin/env node
// Builds the prebuilt addon that `npm pack` ships (prebuildify's layout, prebuilds/<platform>-<arch>/
// node.napi.<libc>.node): PORTABLE, so without OpenMP's runtime and with the C++ runtime linked in.
// Made for linux-x64 glibc (the platform the package promises a binary for); elsewhere it says so
// and ships none, and installs there build from source.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const glibc = process.platform === 'linux' && !!process.report?.getReport()?.header?.glibcVersionRuntime;
if (!(glibc && process.arch === 'x64')) {
  console.error(`metricsift prebuild: prebuilt binaries are made on linux-x64 glibc only (this is ${process.platform}-${process.arch}); none shipped`);
  process.exit(0);
}
const cmakeJs = join(dirname(fileURLToPath(import.meta.resolve('cmake-js/package.json'))), 'bin', 'cmake-js');
const out = 'build-prebuild';
const r = spawnSync(process.execPath, [cmakeJs, 'rebuild', '--out', out, '--CDPORTABLE=ON', '--log-level', 'warn'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
const dest = join(root, 'prebuilds', 'linux-x64', 'node.napi.glibc.node');
mkdirSync(dirname(dest), { recursive: true });
copyFileSync(join(root, out, 'Release', 'metricsift.node'), dest);
console.error(`metricsift prebuild: ${dest}`);
