// The prepared table: one binning serving every binned call, several measures from one pass,
// shards by linear pair index, resampling and codes from the handle, and its lifecycle.
import { describe, expect, it } from 'vitest';
import {
  conditionalMutualInformation, discretize, miBootstrapIntervalSync, miMatrix, miPairsAbove, miTopK, mutualInformation, prepare, prepareSync,
} from '../src/index.js';
import { binding } from '../src/native.js';
import { mixedTable, bivariate } from './helpers.js';

const table = mixedTable(30, 2000);

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe('prepared table', () => {
  it('gives MI and NMI from one pass, bit-identical to the one-shot matrices', async () => {
    const p = await prepare(table, { bins: 8 });
    try {
      const [mi, nmi] = await p.matrices(['mi', 'nmi'], { normalization: 'geometric', units: 'nats' });
      const mi1 = await miMatrix(table, { bins: 8, units: 'nats' });
      const nmi1 = await miMatrix(table, { bins: 8, measure: 'nmi', normalization: 'geometric' });
      expect(bytes(mi.values)).toEqual(bytes(mi1.values));
      expect(bytes(nmi.values)).toEqual(bytes(nmi1.values));
      expect(bytes(mi.rowsUsed)).toEqual(bytes(mi1.rowsUsed));
      expect(mi.measure).toBe('mi');
      expect(nmi.measure).toBe('nmi');
      const [sync] = p.matricesSync(['mi'], { units: 'nats', threads: 1 });
      expect(bytes(sync.values)).toEqual(bytes(mi1.values));
      // single pairs and entropies from the same codes
      const pr = p.pair(3, 7);
      expect(pr.mi).toBe(mutualInformation(table.columns[3], table.columns[7], { bins: 8 }).value);
      expect(p.entropies('nats').entropy[4]).toBe(mi.values[4 * mi.size + 4]);
    } finally {
      p.dispose();
    }
  });

  it('thresholded and top-k outputs equal the one-shot calls', async () => {
    const p = await prepare(table, { bins: 8 });
    const [above] = await p.pairsAbove(['nmi'], 0.05);
    const one = await miPairsAbove(table, 0.05, { bins: 8, measure: 'nmi' });
    expect(Array.from(above.i)).toEqual(Array.from(one.i));
    expect(bytes(above.value)).toEqual(bytes(one.value));
    const [top] = await p.topK(['mi'], 3);
    const top1 = await miTopK(table, 3, { bins: 8 });
    expect(Array.from(top.j)).toEqual(Array.from(top1.j));
    p.dispose();
  });

  it('shards by linear pair index: disjoint ranges give every pair once, in a fixed order', async () => {
    const p = await prepare(table, { bins: 8 });
    const M = table.names.length, total = (M * (M - 1)) / 2;
    const [all] = await p.pairsAbove(['mi'], -Infinity);
    expect(all.i.length).toBe(total);
    const cuts = [0, 1, 28, 29, 100, 233, total - 1, total];
    const got: string[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const [part] = await p.pairsAbove(['mi'], -Infinity, { pairRange: [cuts[k], cuts[k + 1]], threads: 2 });
      expect(part.i.length).toBe(cuts[k + 1] - cuts[k]);
      for (let q = 0; q < part.i.length; q++) {
        const idx = cuts[k] + q;  // pair number idx is (all.i[idx], all.j[idx]) in row-major order
        expect([part.i[q], part.j[q], part.value[q]]).toEqual([all.i[idx], all.j[idx], all.value[idx]]);
        got.push(`${part.i[q]},${part.j[q]}`);
      }
    }
    expect(new Set(got).size).toBe(total);
    const [past] = await p.pairsAbove(['mi'], -Infinity, { pairRange: [total, total + 10] });
    expect(past.i.length).toBe(0);
    await expect(p.pairsAbove(['mi'], 0, { pairRange: [5, 2] })).rejects.toMatchObject({ code: 'MS_BAD_OPTION' });
    p.dispose();
  });

  it('draws bootstrap and permutation replicates from the prepared codes, off the main thread', async () => {
    const [x, y] = bivariate(1500, 0.5, 4);
    const p = await prepare({ x, y }, { bins: 8 });
    const b = await p.bootstrap('x', 'y', 300, { seed: 3, block: 5 });
    const one = miBootstrapIntervalSync(x, y, { bins: 8, replicates: 300, seed: 3, block: 5 });
    expect(b.observed).toBeCloseTo(one.mi, 12);
    expect(b.draws.length).toBe(300);
    for (let r = 0; r < 300; r++) expect(b.draws[r]).toBeCloseTo(one.replicates[r], 12);
    // same draws on any thread count, async or sync
    expect(bytes(p.bootstrapSync('x', 'y', 300, { seed: 3, block: 5, threads: 1 }).draws)).toEqual(bytes(b.draws));
    const perm = await p.permutation('x', 'y', 199, { seed: 1 });
    const atLeast = perm.draws.reduce((c, v) => c + (v >= perm.observed - 1e-12 ? 1 : 0), 0);
    expect(perm.p).toBe((1 + atLeast) / 200);
    expect(perm.p).toBe(1 / 200);  // ρ = 0.5 on 1500 rows: never reached by chance
    p.dispose();
  });

  it('hands out codes equal to discretize, and conditional MI from them', () => {
    const [x, y] = bivariate(800, 0.6, 9);
    const z = x.map((v, i) => v + y[i]);
    const p = prepareSync({ x, y, z }, { bins: 6 });
    const c = p.codes('y');
    const d = discretize(y, { bins: 6 });
    expect(Array.from(c.codes)).toEqual(Array.from(d.codes));
    expect(c.levels).toBe(d.levels);
    expect(p.conditionalMi('x', 'y', 'z').value).toBe(conditionalMutualInformation(x, y, z, { bins: 6 }).value);
    p.dispose();
  });

  it('refuses a disposed handle with MS_DISPOSED; dispose is idempotent and safe during a running call', async () => {
    const p = await prepare(table, { bins: 8 });
    const running = p.matrices(['mi', 'nmi']);
    p.dispose();  // the running call keeps the codes until it ends
    const [mi] = await running;
    expect(mi.values.length).toBe(30 * 30);
    p.dispose();
    expect(p.disposed).toBe(true);
    expect(() => p.pair(0, 1)).toThrow(expect.objectContaining({ code: 'MS_DISPOSED' }));
    await expect(p.matrices(['mi'])).rejects.toMatchObject({ code: 'MS_DISPOSED' });
    expect(() => p.entropies()).toThrow(expect.objectContaining({ code: 'MS_DISPOSED' }));
    // the raw binding refuses what is not one of its handles
    expect(() => binding.preparedPair({} as never, 0, 1, {})).toThrow(expect.objectContaining({ code: 'MS_BAD_INPUT' }));
  });

  it('names the column that cannot be binned, and checks its options', async () => {
    const a = Float64Array.from({ length: 100 }, (_, i) => i), b = a.map((v) => (v === 50 ? Infinity : v * v));
    const bad = { a, b };
    await expect(prepare(bad, { binning: 'uniform' })).rejects.toMatchObject({ message: expect.stringContaining('"b"') });
    await expect(prepare(table, { bins: 1 })).rejects.toMatchObject({ code: 'MS_BAD_OPTION' });
    const p = prepareSync(table, { bins: 4 });
    await expect(p.matrices([] as never)).rejects.toMatchObject({ code: 'MS_BAD_OPTION' });
    expect(() => p.pair('nope', 0)).toThrow(expect.objectContaining({ code: 'MS_COLUMN_MISSING' }));
    p.dispose();
  });
});
