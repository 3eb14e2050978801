#!/usr/bin/env node
// npm's install step, sharp's ladder: the prebuilt addon shipped in the package if it loads and
// computes here (probed in a child process, so a crash or an unsupported CPU cannot take npm
// down); else a source build with cmake-js; else one clear error listing the remedies.
// `npm install --build-from-source` (npm_config_build_from_source) skips the prebuilt.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function prebuilt() {
  let libc = '';
  if (process.platform === 'linux') libc = process.report?.getReport()?.header?.glibcVersionRuntime ? '.glibc' : '.musl';
  return join(root, 'prebuilds', `${process.platform}-${process.arch}`, `node.napi${libc}.node`);
}

/** Loads the package with this addon in a child process and computes a small correlation matrix on two threads. */
function works(file) {
  const probe = `
    const { correlationMatrixSync } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
    const x = Array.from({ length: 64 }, (_, i) => i % 7);
    const m = correlationMatrixSync({ x, y: x.map((v) => 2 * v + 1) }, { method: 'pearson', threads: 2 });
    if (Math.abs(m.values[1] - 1) > 1e-12) process.exit(3);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    env: { ...process.env, METRICSIFT_ADDON: file }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000,
  });
  if (r.status !== 0) console.error(`metricsift: the prebuilt addon does not work here (${(r.stderr || r.signal || `exit ${r.status}`).toString().trim().split('\n')[0]}); building from source`);
  return r.status === 0;
}

const fromSource = /^(1|true)$/i.test(process.env.npm_config_build_from_source ?? '');
const file = prebuilt();
if (!fromSource && existsSync(file) && works(file)) {
  console.error(`metricsift: the prebuilt addon works here (${file.slice(root.length + 1)}); nothing to build`);
  process.exit(0);
}

const cmakeJs = join(dirname(fileURLToPath(import.meta.resolve('cmake-js/package.json'))), 'bin', 'cmake-js');
const build = spawnSync(process.execPath, [cmakeJs, 'compile', '--log-level', 'warn'], { cwd: root, stdio: 'inherit' });
if (build.status === 0) process.exit(0);
console.error(`
metricsift: no usable native addon for ${process.platform}-${process.arch}.
  - ${existsSync(file) ? 'the prebuilt binary does not load or run here (see above)' : `no prebuilt binary ships for ${process.platform}-${process.arch} (prebuilt: linux-x64 glibc)`};
  - the source build failed (see above). It needs cmake >= 3.15 and a C++20 compiler on PATH
    (Debian/Ubuntu: apt-get install cmake g++; Fedora: dnf install cmake gcc-c++;
    macOS: xcode-select --install && brew install cmake). OpenMP is optional.
  Then run: npm rebuild metricsift`);
process.exit(1);
