// The package as others load it: import and require(), which addon was loaded, and the one clear
// error (with remedies) when no addon loads. The tarball install without a toolchain is
// test/pack.sh; OpenMP-vs-pool parity is test/parity.sh (both run by .ci/run).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonPath, binding, prebuiltAddonPath } from '../src/native.js';
import { repoRoot } from './helpers.js';

const built = existsSync(join(repoRoot, 'dist/require.cjs'));
const node = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

describe('the native addon', () => {
  it('says which file was loaded and which threads it uses', () => {
    expect(addonPath).toBe(process.env.METRICSIFT_ADDON ?? 'build/Release/metricsift.node');
    expect(['openmp', 'pool']).toContain(binding.threading);
    expect(prebuiltAddonPath()).toBe(join('prebuilds', `${process.platform}-${process.arch}`, process.platform === 'linux' ? 'node.napi.glibc.node' : 'node.napi.node'));
  });
});

describe.skipIf(!built)('loading the package (needs `npm run build:ts`)', () => {
  it('works with import and with require()', () => {
    const imp = node(['--input-type=module', '-e', "const m = await import('metricsift'); console.log(typeof m.miMatrix)"]);
    expect(imp.stdout.trim()).toBe('function');
    const req = node(['--no-warnings', '-e', "console.log(typeof require('metricsift').miMatrix)"]);
    expect(req.stdout.trim()).toBe('function');
  });
  it('require() where Node cannot require an ES module says to use import', () => {
    const r = node(['--no-experimental-require-module', '-e', "require('metricsift')"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/metricsift is an ES module: use `import \{ … \} from 'metricsift'`/);
  });
  it('no loadable addon is one error with the code and the remedies', () => {
    const r = node(['--input-type=module', '-e', "try { await import('metricsift') } catch (e) { console.log(e.code); console.log(e.message) }"], { METRICSIFT_ADDON: join(repoRoot, 'nope/metricsift.node') });
    expect(r.stdout).toMatch(/^MS_ADDON_UNAVAILABLE\nThe metricsift native addon could not be loaded/);
    expect(r.stdout).toMatch(/Remedies:/);
    expect(r.stdout).toMatch(/prebuilt binaries ship for linux-x64 \(glibc\)/);
    expect(r.stdout).toMatch(/apt-get install cmake g\+\+/);
    expect(r.stdout).toMatch(/npm install-scripts approve metricsift && npm rebuild metricsift/);
  });
});
