// KIMetrix on small hand-built applications whose answers are known. Metrics are discrete (at
// most 16 values, so binning keeps them as they are) and built from independent uniform sources,
// so their MI is known: a copy shares all of its entropy, an independent metric about none.
// Redundancy is on the NMI scale (arithmetic mean of the entropies): a copy 1, independence ≈ 0.
import { describe, expect, it } from 'vitest';
import { entropies, miMatrix } from '../src/index.js';
import {
  analyzeTopology, candidates, coverage, groupByService, selectFlat, selectMetrics, selectService, selectTopology, type SelectionData,
} from '../src/select/index.js';
import { rng } from './helpers.js';

const n = 4000;
const r = rng(21);
const uniform8 = () => Float64Array.from({ length: n }, () => Math.floor(r() * 8));  // H = 3 bits
const u = uniform8(), v = uniform8(), w = uniform8();

async function dataOf(columns: Record<string, Float64Array>): Promise<SelectionData> {
  const nmi = await miMatrix(columns, { measure: 'nmi' });
  const names = Object.keys(columns);
  return { names, service: names.map((x) => x.split('/')[0]), entropy: nmi.columnEntropy.entropy, redundancy: nmi };
}
const idx = (d: SelectionData, ...names: string[]) => names.map((x) => d.names.indexOf(x));

describe('Algorithm 1', () => {
  it('never keeps both of two exact copies, never a constant, and keeps an independent metric', async () => {
    const d = await dataOf({ 'A/a1': u, 'A/a1copy': u.slice(), 'A/a2': v, 'A/const': new Float64Array(n).fill(5) });
    const ordered = candidates(d, [0, 1, 2, 3]);
    expect(ordered).not.toContain(3);  // H = 0: not a candidate
    for (const eps of [0.05, 0.3, 0.6, 0.9, 1, 5]) {
      const s = selectService(d, ordered, [], eps);
      expect(s.filter((i) => i === 0 || i === 1)).toHaveLength(1);  // the duplicate bound holds at any ε
      expect(s).toContain(2);
    }
    // Without the bound (the paper's letter), ε above every redundancy keeps all informative metrics.
    expect(selectService({ ...d, duplicateBound: Infinity }, ordered, [], 1.01)).toHaveLength(3);
  });
  it('with a pivot starts empty and drops what the pivot already carries', async () => {
    const d = await dataOf({ 'A/x': u, 'B/y': u.slice(), 'B/z': w });
    const ordered = candidates(d, idx(d, 'B/y', 'B/z'));
    expect(selectService(d, ordered, idx(d, 'A/x'), 0.5)).toEqual(idx(d, 'B/z'));
  });
});

describe('Algorithm 2 (topology)', () => {
  it('chain A → B: B drops its copy of A\'s metric through the pivot', async () => {
    const d = await dataOf({ 'A/x': u, 'B/y': u.slice(), 'B/z': w });
    const topo = analyzeTopology({ edges: [{ from: 'A', to: 'B' }] }, ['A', 'B']);
    expect(topo.level.get('B')).toBe(1);
    const ordered = new Map([...groupByService(d)].map(([s, m]) => [s, candidates(d, m)]));
    const sel = selectTopology(d, topo, 0.5, ordered);
    expect(sel.byService.get('A')).toEqual(idx(d, 'A/x'));
    expect(sel.byService.get('B')).toEqual(idx(d, 'B/z'));
  });
  it('diamond: the rare path keeps a metric that the common path drops', async () => {
    // d shares one bit with r (I ≈ 1 of 3 bits: NMI ≈ 1/3). ε = 0.1: common path ε/0.9 ≈ 0.11 < 1/3
    // drops it, rare path ε/0.1 = 1 > 1/3 keeps it; the service's subset is the union.
    const d2 = Float64Array.from(u, (x, t) => (x & 1) * 4 + (w[t] & 3));
    const d = await dataOf({ 'R/r': u, 'D/d': d2 });
    const ordered = new Map([...groupByService(d)].map(([s, m]) => [s, candidates(d, m)]));
    const nmi = d.redundancy.values[idx(d, 'R/r')[0] * 2 + idx(d, 'D/d')[0]];
    expect(nmi).toBeGreaterThan(0.3);
    expect(nmi).toBeLessThan(0.4);
    const diamond = analyzeTopology({
      edges: [{ from: 'R', to: 'B', probability: 0.9 }, { from: 'R', to: 'C', probability: 0.1 }, { from: 'B', to: 'D' }, { from: 'C', to: 'D' }],
    }, ['R', 'D']);
    expect(diamond.paths.get('D')!.map((p) => p.probability).sort()).toEqual([0.1, 0.9]);
    expect(selectTopology(d, diamond, 0.1, ordered).byService.get('D')).toEqual(idx(d, 'D/d'));
    const commonOnly = analyzeTopology({ edges: [{ from: 'R', to: 'B', probability: 0.9 }, { from: 'B', to: 'D' }] }, ['R', 'D']);
    expect(selectTopology(d, commonOnly, 0.1, ordered).byService.get('D')).toEqual([]);
  });
  it('cycles are broken deterministically and reported; services known only from metrics become roots', () => {
    const t = analyzeTopology({ edges: [{ from: 'R', to: 'A' }, { from: 'A', to: 'B' }, { from: 'B', to: 'A' }] }, ['R', 'A', 'B', 'Lone']);
    expect(t.droppedEdges).toEqual([{ from: 'B', to: 'A' }]);
    expect([t.level.get('R'), t.level.get('A'), t.level.get('B'), t.level.get('Lone')]).toEqual([0, 1, 2, 0]);
    expect(t.roots).toEqual(['Lone', 'R']);
    // A cycle with no entry at all still gets a root (the first by name) and finite levels.
    const loop = analyzeTopology({ edges: [{ from: 'X', to: 'Y' }, { from: 'Y', to: 'X' }] });
    expect(loop.droppedEdges).toEqual([{ from: 'Y', to: 'X' }]);
    expect(loop.level.get('Y')).toBe(1);
  });
  it('bounds path enumeration and says so', () => {
    // A ladder of 12 diamonds has 2^12 paths to its end.
    const edges = [];
    for (let k = 0; k < 12; k++) edges.push({ from: `n${k}`, to: `a${k}` }, { from: `n${k}`, to: `b${k}` }, { from: `a${k}`, to: `n${k + 1}` }, { from: `b${k}`, to: `n${k + 1}` });
    const t = analyzeTopology({ edges }, [], { maxPaths: 100 });
    expect(t.paths.get('n12')!.length).toBe(100);
    expect(t.truncated).toContain('n12');
    expect(analyzeTopology({ edges }).paths.get('n12')!.length).toBe(4096);
  });
});

describe('coverage and AIMD', () => {
  it('coverage counts chosen and inferable metrics over the universe', () => {
    const red = { size: 3, values: [1, 0.9, 0, 0.9, 1, 0, 0, 0, 1] };
    expect(coverage([0], red, 0.5, [0, 1, 2])).toBeCloseTo(2 / 3, 12);
    expect(coverage([0, 2], red, 0.5, [0, 1, 2])).toBe(1);
    expect(coverage([0], red, 0.95, [0, 1, 2])).toBeCloseTo(1 / 3, 12);
  });
  it('a larger ε keeps at least as many metrics (the direction the AIMD log shows)', async () => {
    const cols: Record<string, Float64Array> = {};
    for (let k = 0; k < 12; k++) cols[`S${k % 3}/m${k}`] = Float64Array.from(u, (x, t) => (k % 4 === 0 ? x : (x ^ (k * (w[t] & 3))) & 7));
    const d = await dataOf(cols);
    const all = candidates(d, d.names.map((_, i) => i));
    let prev = 0;
    for (const eps of [0.003, 0.03, 0.15, 0.3, 0.6, 1]) {
      const size = selectFlat(d, eps, all).selected.length;
      expect(size).toBeGreaterThanOrEqual(prev);
      prev = size;
    }
  });
  it('selectMetrics: copies never both chosen, constants never, best = smallest of the highest coverage', async () => {
    const table = {
      'front/lat': u, 'front/lat_copy': u.slice(), 'front/const': new Float64Array(n).fill(1),
      'cart/cpu': v, 'cart/cpu2': Float64Array.from(v, (x, t) => (x + (w[t] & 1)) % 8), 'db/io': w,
    };
    const res = await selectMetrics(table, {
      graph: { edges: [{ from: 'front', to: 'cart' }, { from: 'cart', to: 'db' }] }, tuner: 'aimd', iterations: 60, theta: 0.5,
    });
    expect(res.selected.filter((m) => m.startsWith('front/lat'))).toHaveLength(1);
    expect(res.selected).not.toContain('front/const');
    expect(res.iterations).toHaveLength(60);
    const bestCov = Math.max(...res.iterations.map((s) => s.coverage));
    expect(res.coverage).toBe(bestCov);
    expect(res.selected.length).toBe(Math.min(...res.iterations.filter((s) => s.coverage === bestCov).map((s) => s.size)));
    for (const s of res.iterations.slice(1)) expect(['increase', 'decrease']).toContain(s.next);
    expect(Object.keys(res.byService).sort()).toEqual([...new Set(res.selected.map((m) => m.split('/')[0]))].sort());
    const h = await entropies(table);
    expect(res.timing.matricesMs).toBeGreaterThan(0);
    expect(h.entropy[2]).toBe(0);
  });
  it('reports unmapped metrics and rejects bad parameters with codes', async () => {
    const res = await selectMetrics({ 'a/x': u, loose: v }, { iterations: 3 });
    expect(res.warnings.map((w) => w.code)).toContain('MS_UNMAPPED_METRIC');
    for (const bad of [
      { theta: 1.5 }, { alpha: 1, tuner: 'aimd' }, { alpha: 0, tuner: 'aimd' }, { beta: -1, tuner: 'aimd' }, { iterations: 0, tuner: 'aimd' },
      { compare: 'some', tuner: 'aimd' }, { mode: 'deep' }, { tuner: 'pid' }, { minCoverage: 0 }, { minCoverage: 1.2 }, { maxMetrics: 0 },
      { maxMetrics: 2.5 }, { duplicateBound: 0 }, { duplicateBound: 1.01 }, { keep: ['/a(/'] }, { exclude: [''] }, { epsilon: -1 },
    ]) {
      await expect(selectMetrics({ 'a/x': u, 'a/y': v }, bad as object)).rejects.toMatchObject({ code: 'MS_BAD_OPTION' });
    }
    expect(() => analyzeTopology({ edges: [{ from: 'a', to: 'b', probability: 2 }] })).toThrow(expect.objectContaining({ code: 'MS_BAD_INPUT' }));
  });
});

describe('selection outputs and graph warnings', () => {
  it('writes selection.json and aimd.csv with the documented fields', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { writeSelection, writeAimdLog } = await import('../src/select/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'metricsift-sel-'));
    const res = await selectMetrics({ 'a/x': u, 'a/y': v, 'b/z': w }, { tuner: 'aimd', iterations: 5, graph: { edges: [{ from: 'a', to: 'b' }] } });
    await writeSelection(join(dir, 'selection.json'), res);
    const j = JSON.parse(readFileSync(join(dir, 'selection.json'), 'utf8'));
    for (const key of [
      'selected', 'byService', 'epsilon', 'coverage', 'measure', 'theta', 'mode', 'tuner', 'curve', 'pick', 'curveComplete', 'minCoverage',
      'maxMetrics', 'duplicateBound', 'informative', 'kept', 'excluded', 'counters', 'iterations', 'options', 'version',
    ]) expect(j).toHaveProperty(key);
    expect(j.options).toEqual({ tuner: 'aimd', iterations: 5 });
    await writeAimdLog(join(dir, 'aimd.csv'), res);
    const lines = readFileSync(join(dir, 'aimd.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('iteration,epsilon,size,coverage,next');
    expect(lines).toHaveLength(6);
  });
  it('warns when no service is without callers, and when graph services have no metrics', async () => {
    const res = await selectMetrics({ 'a/x': u, 'b/y': v }, { iterations: 3, graph: { edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }, { from: 'b', to: 'ghost' }] } });
    const codes = res.warnings.map((x) => x.code);
    expect(codes).toEqual(expect.arrayContaining(['MS_NO_ROOT', 'MS_CYCLE_BROKEN', 'MS_SERVICE_WITHOUT_METRICS']));
    expect(res.warnings.find((x) => x.code === 'MS_SERVICE_WITHOUT_METRICS')!.message).toMatch(/ghost/);
  });
});

describe('user-given metric → service mapping', () => {
  it('accepts an object and reports names it does not map', async () => {
    const res = await selectMetrics({ cpu: u, mem: v, disk: w }, { iterations: 3, serviceOf: { cpu: 'S1', mem: 'S1' } });
    expect(Object.keys(res.byService).sort()).toEqual(['(unmapped)', 'S1']);
    expect(res.warnings.filter((x) => x.code === 'MS_UNMAPPED_METRIC')).toHaveLength(1);
  });
});
