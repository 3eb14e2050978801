// The device switch (issue 17): gpu.js and `auto` against the CPU byte for byte, CUDA where it is
// available (skipped with the reason elsewhere: CI has no GPU), and the explicit failures:
// MS_NO_DEVICE for a missing CUDA backend, MS_BAD_OPTION for unknown devices or KSG options the
// device does not support, exit 2 from the CLI.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cudaStatus, gpuJsMissing, loadGpuJs } from '../src/device.js';
import { ksgConfidenceIntervalSync, ksgPermutationTestSync, miMatrix, miMatrixSync, miPairsAbove, miPairsAboveSync, miTopK, prepare, type MiMatrixOptions } from '../src/index.js';
import { binding } from '../src/native.js';
import { bivariate, cli, cliBuilt, errorOf, errorOfAsync, mixedTable, repoRoot, useTempDir } from './helpers.js';

const { names, columns } = mixedTable(23, 700, 17);
const table = Object.fromEntries(names.map((n, c) => [n, columns[c]]));

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

// Every output shape and measure option the binned matrices take, each against the CPU.
const variants: [string, MiMatrixOptions][] = [
  ['MI, 16 quantile bins', {}],
  ['NMI geometric, nats, 6 bins', { measure: 'nmi', normalization: 'geometric', units: 'nats', bins: 6 }],
  ['NMI joint, Miller–Madow, uniform', { measure: 'nmi', normalization: 'joint', millerMadow: true, binning: 'uniform', bins: 9 }],
  ['MI float32, a shard of rows', { precision: 'float32', rows: [3, 11] }],
];

const gpuJs = loadGpuJs();

describe.skipIf(!gpuJs)(`device 'gpujs' (${gpuJs ? 'gpu.js installed' : `skipped: ${gpuJsMissing()}`})`, () => {
  for (const [what, opts] of variants) {
    it(`dense matrix equals the CPU byte for byte: ${what}`, async () => {
      const cpu = await miMatrix(table, opts);
      const dev = await miMatrix(table, { ...opts, device: 'gpujs' });
      expect(dev.device).toMatchObject({ requested: 'gpujs', used: 'gpujs' });
      expect(dev.device!.detail).toMatch(/^gpu\.js \d+\.\d+/);
      expect(bytes(dev.values).equals(bytes(cpu.values))).toBe(true);
      expect(bytes(dev.rowsUsed).equals(bytes(cpu.rowsUsed))).toBe(true);
      expect(bytes(dev.columnEntropy.entropy).equals(bytes(cpu.columnEntropy.entropy))).toBe(true);
    });
  }

  it('thresholded and top-k outputs (async and sync) equal the CPU byte for byte', async () => {
    const pairs = [
      [await miPairsAbove(table, 0.05, { device: 'gpujs' }), await miPairsAbove(table, 0.05)],
      [miPairsAboveSync(table, 0.1, { measure: 'nmi', device: 'gpujs' }), miPairsAboveSync(table, 0.1, { measure: 'nmi' })],
      [await miTopK(table, 3, { device: 'gpujs', bins: 5 }), await miTopK(table, 3, { bins: 5 })],
    ];
    for (const [dev, cpu] of pairs) {
      expect(dev.i.length).toBeGreaterThan(0);
      for (const key of ['i', 'j', 'value', 'rowsUsed'] as const) expect(bytes(dev[key]).equals(bytes(cpu[key]))).toBe(true);
    }
  });

  it('on a prepared table: MI and NMI from one set of gpu.js counts, a pairRange shard, equal to the CPU', async () => {
    const p = await prepare(table, { bins: 8 });
    try {
      const cpu = await p.matrices(['mi', 'nmi'], { pairRange: [10, 120] });
      const dev = await p.matrices(['mi', 'nmi'], { pairRange: [10, 120], device: 'gpujs' });
      for (let m = 0; m < 2; m++) {
        expect(dev[m].device?.used).toBe('gpujs');
        expect(bytes(dev[m].values).equals(bytes(cpu[m].values))).toBe(true);
        expect(bytes(dev[m].rowsUsed).equals(bytes(cpu[m].rowsUsed))).toBe(true);
      }
    } finally {
      p.dispose();
    }
  });

  it('the sync call takes the same path', () => {
    const cpu = miMatrixSync(table, { bins: 7 });
    const dev = miMatrixSync(table, { bins: 7, device: 'gpujs' });
    expect(dev.device?.used).toBe('gpujs');
    expect(bytes(dev.values).equals(bytes(cpu.values))).toBe(true);
  });
});

describe('the gpu.js path finalises counts with the CPU code and checks them', () => {
  const small = { a: [0, 1, 2, 0, 1, 2, 0, 1], b: [0, 0, 1, 1, 2, 2, 0, 1], c: [2, 1, 0, 2, 1, 0, 1, 1] };
  const cols = Object.values(small).map((v) => [{ values: Float64Array.from(v) }]);
  const prepared = binding.prepare(cols, Object.keys(small), { bins: 3 }, null, false);
  const coded = binding.preparedCodesAll(prepared.handle);
  // The joint counts of pairs (0, 1), (0, 2), (1, 2), counted here in JS.
  const K = coded.K, n = coded.n;
  const counts = new Float32Array(3 * K * K);
  const pi = Uint32Array.from([0, 0, 1]), pj = Uint32Array.from([1, 2, 2]);
  for (let p = 0; p < 3; p++) {
    for (let t = 0; t < n; t++) {
      const a = coded.codes[pi[p] * n + t], b = coded.codes[pj[p] * n + t];
      if (a < K && b < K) counts[p * K * K + a * K + b]++;
    }
  }
  const fromCounts = (c: Float32Array, i = pi, j = pj) => binding.preparedFromCounts(prepared.handle, c, i, j, K, { measures: ['mi', 'nmi'] });

  it('equals the CPU kernels on counts made elsewhere (MI and NMI from one set of counts)', () => {
    const [mi, nmi] = fromCounts(counts);
    expect(bytes(mi.values!).equals(bytes(miMatrixSync(small, { bins: 3 }).values))).toBe(true);
    expect(bytes(nmi.values!).equals(bytes(miMatrixSync(small, { bins: 3, measure: 'nmi' }).values))).toBe(true);
  });

  it('a changed count changes the value (the parity above can fail)', () => {
    const moved = counts.slice();
    const from = moved.findIndex((v) => v > 0);
    moved[from]--;
    moved[(from + K + 1) % (K * K)]++;
    expect(bytes(fromCounts(moved)[0].values!).equals(bytes(miMatrixSync(small, { bins: 3 }).values))).toBe(false);
  });

  it('rejects a count that is not a whole number of rows (MS_INTERNAL), or a pair not i < j', () => {
    const bad = counts.slice();
    bad[4] += 0.5;
    expect(errorOf(() => fromCounts(bad)).code).toBe('MS_INTERNAL');
    expect(errorOf(() => fromCounts(counts, pj, pi)).code).toBe('MS_BAD_INPUT');
  });
});

describe("device 'auto'", () => {
  it('picks CUDA, then gpu.js on a hardware GPU, then the CPU, says which, and equals the CPU byte for byte', async () => {
    const cuda = cudaStatus();
    for (const [, opts] of variants) {
      const cpu = await miMatrix(table, opts);
      const dev = await miMatrix(table, { ...opts, device: 'auto' });
      const expected = cuda.available ? 'cuda' : gpuJs?.hardware ? 'gpujs' : 'cpu';
      expect(dev.device).toMatchObject({ requested: 'auto', used: expected });
      if (expected === 'cpu') expect(dev.device!.note).toMatch(/CUDA/);
      expect(bytes(dev.values).equals(bytes(cpu.values))).toBe(true);
      expect(bytes(dev.rowsUsed).equals(bytes(cpu.rowsUsed))).toBe(true);
    }
    const [x, y] = bivariate(400, 0.5, 9);
    const a = ksgPermutationTestSync(x, y, { permutations: 20, device: 'auto', seed: 3 });
    const b = ksgPermutationTestSync(x, y, { permutations: 20, seed: 3 });
    expect(a.device?.used).toBe(cuda.available ? 'cuda' : 'cpu');
    for (let r = 0; r < 20; r++) expect(Math.abs(a.null[r] - b.null[r])).toBeLessThanOrEqual(1e-12);
  });
});

describe('options', () => {
  it('an unknown device is MS_BAD_OPTION listing the choices', async () => {
    const e = await errorOfAsync(miMatrix(table, { device: 'gpu' as never }));
    expect(e.code).toBe('MS_BAD_OPTION');
    expect(e.message).toContain('cpu, cuda, gpujs, auto');
  });

  it('KSG on a device: no gpu.js path, and options the CUDA path lacks are named (MS_BAD_OPTION) before availability', () => {
    const [x, y] = bivariate(200, 0.5, 2);
    expect(errorOf(() => ksgPermutationTestSync(x, y, { device: 'gpujs' as never })).message).toContain('no gpu.js path');
    const alg = errorOf(() => ksgPermutationTestSync(x, y, { device: 'cuda', algorithm: 2 }));
    expect(alg.code).toBe('MS_BAD_OPTION');
    expect(alg.message).toContain('algorithm: 2');
    const k = errorOf(() => ksgConfidenceIntervalSync(x, y, { device: 'cuda', k: 12 }));
    expect(k.code).toBe('MS_BAD_OPTION');
    expect(k.message).toContain('k: 12');
  });
});

const cuda = cudaStatus();

describe.skipIf(cuda.available)(`without a usable CUDA backend (here: ${cuda.reason ?? 'available'})`, () => {
  it("device 'cuda' is MS_NO_DEVICE naming what is missing", async () => {
    const e = await errorOfAsync(miMatrix(table, { device: 'cuda' }));
    expect(e.code).toBe('MS_NO_DEVICE');
    expect(e.message).toContain(cuda.reason!);
    const [x, y] = bivariate(200, 0.5, 2);
    expect(errorOf(() => ksgPermutationTestSync(x, y, { device: 'cuda' })).code).toBe('MS_NO_DEVICE');
  });
});

describe.skipIf(!cuda.available)(`device 'cuda' (${cuda.available ? cuda.name : `skipped: ${cuda.reason}`})`, () => {
  for (const [what, opts] of variants) {
    it(`dense matrix equals the CPU byte for byte: ${what}`, async () => {
      const cpu = await miMatrix(table, opts);
      const dev = await miMatrix(table, { ...opts, device: 'cuda' });
      expect(dev.device?.used).toBe('cuda');
      expect(bytes(dev.values).equals(bytes(cpu.values))).toBe(true);
      expect(bytes(dev.rowsUsed).equals(bytes(cpu.rowsUsed))).toBe(true);
    });
  }
  it('thresholded and top-k outputs equal the CPU byte for byte', async () => {
    for (const [dev, cpu] of [
      [await miPairsAbove(table, 0.05, { device: 'cuda' }), await miPairsAbove(table, 0.05)],
      [await miTopK(table, 3, { device: 'cuda' }), await miTopK(table, 3)],
    ]) {
      for (const key of ['i', 'j', 'value', 'rowsUsed'] as const) expect(bytes(dev[key]).equals(bytes(cpu[key]))).toBe(true);
    }
  });
  it('shards by pair index (what --shard i/N runs) equal the CPU byte for byte, dense and sparse', async () => {
    const pt = await prepare(table);
    try {
      const M = names.length, total = (M * (M - 1)) / 2;
      for (const range of [[0, 40], [40, 131], [131, total]] as [number, number][]) {
        const cpu = await pt.matrices(['mi', 'nmi'], { pairRange: range });
        const dev = await pt.matrices(['mi', 'nmi'], { pairRange: range, device: 'cuda' });
        for (let m = 0; m < 2; m++) expect(bytes(dev[m].values).equals(bytes(cpu[m].values))).toBe(true);
        const [c] = await pt.pairsAbove(['mi'], 0.02, { pairRange: range });
        const [d] = await pt.pairsAbove(['mi'], 0.02, { pairRange: range, device: 'cuda' });
        for (const key of ['i', 'j', 'value', 'rowsUsed'] as const) expect(bytes(d[key]).equals(bytes(c[key]))).toBe(true);
      }
    } finally {
      pt.dispose();
    }
  });
  it('KSG permutation and half-sample draws within 1e-12 nats of the CPU', () => {
    const [x, y] = bivariate(3000, 0.6, 4);
    for (const units of ['nats'] as const) {
      const a = ksgPermutationTestSync(x, y, { permutations: 50, device: 'cuda', units });
      const b = ksgPermutationTestSync(x, y, { permutations: 50, units });
      for (let r = 0; r < 50; r++) expect(Math.abs(a.null[r] - b.null[r])).toBeLessThanOrEqual(1e-12);
      const c = ksgConfidenceIntervalSync(x, y, { replicates: 50, device: 'cuda', units });
      const d = ksgConfidenceIntervalSync(x, y, { replicates: 50, units });
      for (let r = 0; r < 50; r++) expect(Math.abs(c.replicates[r] - d.replicates[r])).toBeLessThanOrEqual(1e-12);
    }
  });
});

describe.skipIf(!cliBuilt)('metricsift matrix --device (needs `npm run build:ts`)', () => {
  const dir = useTempDir('device');
  const csv = () => {
    const f = join(dir(), 't.csv');
    const rows = ['time,' + names.slice(0, 6).join(',')];
    for (let t = 0; t < 200; t++) rows.push([t, ...columns.slice(0, 6).map((c) => (Number.isNaN(c[t]) ? '' : c[t]))].join(','));
    writeFileSync(f, rows.join('\n') + '\n');
    return f;
  };

  it('unknown --device: MS_BAD_OPTION listing the choices, exit 2', async () => {
    const r = await cli('matrix', csv(), '--device', 'tpu');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MS_BAD_OPTION');
    expect(r.stderr).toContain('cpu, cuda, gpujs, auto');
  });

  it.skipIf(cuda.available)('--device cuda without CUDA: MS_NO_DEVICE naming what is missing, exit 2, no signal', async () => {
    const r = await cli('matrix', csv(), '--device', 'cuda');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MS_NO_DEVICE');
    expect(r.stderr).toContain(cuda.reason!);
    expect(r.stdout).toBe('');
    // A file that is not a library where the backend should be: the loader's own message, still exit 2.
    const notLib = join(dir(), 'libmetricsift_cuda.so');
    writeFileSync(notLib, 'not an ELF file');
    const child = await promisify(execFile)(process.execPath, [join(repoRoot, 'bin/metricsift.js'), 'matrix', csv(), '--device', 'cuda'], {
      cwd: repoRoot, env: { ...process.env, METRICSIFT_CUDA_LIB: notLib },
    }).then(() => ({ code: 0, signal: null, stderr: '' }), (e: { code: number; signal: string | null; stderr: string }) => e);
    expect(child.code).toBe(2);
    expect(child.signal).toBeNull();
    expect(child.stderr).toContain('MS_NO_DEVICE');
    expect(child.stderr).toContain('could not be loaded');
  });

  it('--device gpujs/auto write the CPU output byte for byte; --verbose says which device ran', async () => {
    const f = csv();
    const cpu = await cli('matrix', f, '--measure', 'nmi', '-q');
    const auto = await cli('matrix', f, '--measure', 'nmi', '--device', 'auto', '--verbose');
    expect(auto.code).toBe(0);
    expect(auto.stdout).toBe(cpu.stdout);
    expect(auto.stderr).toMatch(/device: (cpu|cuda|gpujs) \(/);
    const gj = await cli('matrix', f, '--measure', 'nmi', '--device', 'gpujs', '--verbose', '-q');
    expect(gj.code).toBe(0);
    expect(gj.stdout).toBe(cpu.stdout);
    expect(gj.stderr).toContain(gpuJs ? 'device: gpujs (gpu.js' : 'device: cpu');
  });

  it('--device cuda with a non-binned measure is MS_BAD_OPTION', async () => {
    const r = await cli('matrix', csv(), '--measure', 'pearson', '--device', 'cuda');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MS_BAD_OPTION');
  });
});
