// Selection an SRE would adopt (issue 12): zero means zero, one redundancy scale with a duplicate
// bound that no path loosens past, the size/coverage curve and the point the user names, the greedy
// set cover, keep/exclude patterns and counters as rates — on a synthetic application whose copies,
// constants and rare paths are known, and on the shipped example.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { correlationMatrix, entropies, parseCsv, readCsv } from '../src/index.js';
import { miMatrix } from '../src/estimators/binned.js';
import {
  CoverageScorer, candidates, compilePattern, counterRate, coverage, pickPoint, selectFlat, selectMetrics, SELECT_DEFAULTS,
  type KimetrixOptions, type KimetrixResult, type SelectionData,
} from '../src/select/index.js';
import { gaussian, rng } from './helpers.js';
import { syntheticApp } from './synthetic-app.js';

const app = syntheticApp();

/** Coverage of a result recomputed from scratch: its own measure and θ over the informative metrics. */
async function recomputedCoverage(table: Record<string, Float64Array>, res: KimetrixResult): Promise<number> {
  const nmi = await miMatrix(table, { measure: 'nmi' });
  const names = Object.keys(table);
  const universe = names.map((_, i) => i).filter((i) => nmi.columnEntropy.entropy[i] > 0);
  const rel = res.measure === 'mi' ? nmi : await correlationMatrix(table, { method: res.measure as 'spearman' });
  return coverage(res.selected.map((n) => names.indexOf(n)), rel, res.theta, universe);
}

function checkAdoptable(res: KimetrixResult, keep: string[] = []) {
  for (const [a, b] of app.copies) expect(res.selected.includes(a) && res.selected.includes(b), `${a} and ${b} both selected`).toBe(false);
  for (const c of app.constants) expect(res.selected).not.toContain(c);
  for (const k of keep) expect(res.selected).toContain(k);
}

describe('zero means zero', () => {
  it('a single-level column has entropy exactly 0: with missing cells, with -0 and 0, with values equal after parsing', async () => {
    const n = 1000;
    const gaps = new Float64Array(n).fill(3);
    for (let t = 0; t < n; t += 47) gaps[t] = NaN;
    const signed = Float64Array.from({ length: n }, (_, t) => (t % 3 ? 0 : -0));
    const parsed = parseCsv(['t,x', ...Array.from({ length: 50 }, (_, t) => `${t},${['1', '1.0', '1e0', '10e-1', ' 1', '1.000'][t % 6]}`)].join('\n'), 'mem.csv');
    const h = await entropies({ gaps, signed });
    expect(Array.from(h.entropy)).toEqual([0, 0]);  // exactly, not 1e-15
    expect((await entropies({ parsed: parsed.columns[0].chunks[0].values })).entropy[0]).toBe(0);
    const res = await selectMetrics({ 'a/gaps': gaps, 'a/signed': signed, 'a/x': Float64Array.from({ length: n }, Math.random) });
    expect(res.selected).toEqual(['a/x']);
    expect(res.informative).toBe(1);
  });
});

describe('one redundancy scale and the duplicate bound', () => {
  it('exact and monotone copies are never both kept, at any ε, in every mode, even on the rare path', async () => {
    for (const mode of ['topology', 'flat', 'cover'] as const) {
      const res = await selectMetrics(app.columns, { graph: app.graph, mode });
      checkAdoptable(res);
      if (mode !== 'cover') {
        // Every point of the curve is a selection at some ε: check them all, the loosest included.
        for (const p of [res.curve[0], res.curve[res.curve.length >> 1], res.curve[res.curve.length - 1]]) {
          checkAdoptable(await selectMetrics(app.columns, { graph: app.graph, mode, epsilon: p.epsilon! }));
        }
      }
    }
    const loose = await selectMetrics(app.columns, { graph: app.graph, epsilon: 1 });
    checkAdoptable(loose);
    expect(loose.selected.filter((m) => m.startsWith('stock/')).length).toBeGreaterThanOrEqual(3);  // the rare path keeps more
  });
  it('without the bound the rare path lets copies through (what the bound is for)', async () => {
    const nmi = await miMatrix(app.columns, { measure: 'nmi' });
    const names = Object.keys(app.columns);
    const data: SelectionData = { names, service: names.map((x) => x.split('/')[0]), entropy: nmi.columnEntropy.entropy, redundancy: nmi, duplicateBound: Infinity };
    const all = candidates(data, names.map((_, i) => i));
    const both = (sel: number[]) => app.copies.some(([a, b]) => sel.includes(names.indexOf(a)) && sel.includes(names.indexOf(b)));
    expect(both(selectFlat(data, 1, all).selected)).toBe(true);
    expect(both(selectFlat({ ...data, duplicateBound: 0.95 }, 1, all).selected)).toBe(false);
  });
});

describe('the size/coverage curve and the point the user names', () => {
  it('reported coverage equals coverage recomputed from the selection, for every kind of pick', async () => {
    const cases: KimetrixOptions[] = [{}, { mode: 'flat' }, { mode: 'cover' }, { maxMetrics: 12 }, { minCoverage: 0.5 }, { tuner: 'aimd', iterations: 40 }, { epsilon: 0.2 }];
    for (const c of cases) {
      const res = await selectMetrics(app.columns, { graph: app.graph, ...c });
      expect(res.coverage, JSON.stringify(c)).toBeCloseTo(await recomputedCoverage(app.columns, res), 12);
      checkAdoptable(res);
    }
  });
  it('the default pick is the smallest subset on the curve whose coverage reaches 90 %; --max-metrics the best within N', async () => {
    const res = await selectMetrics(app.columns, { graph: app.graph, serviceCoverage: 0 });
    expect(res.serviceCoverage).toBeNull();
    expect(res.minCoverage).toBe(SELECT_DEFAULTS.minCoverage);
    expect(res.coverage).toBeGreaterThanOrEqual(0.9);
    const reaching = res.curve.filter((p) => p.coverage >= 0.9);
    expect(res.selected.length).toBe(Math.min(...reaching.map((p) => p.size)));
    expect(res.curve[res.pick]).toMatchObject({ size: res.selected.length, coverage: res.coverage, epsilon: res.epsilon });
    const capped = await selectMetrics(app.columns, { graph: app.graph, maxMetrics: 10 });
    expect(capped.selected.length).toBeLessThanOrEqual(10);
    expect(capped.coverage).toBe(Math.max(...capped.curve.filter((p) => p.size <= 10).map((p) => p.coverage)));
    expect(capped.minCoverage).toBeNull();
  });
  it('the curve misses no step: every selection found on a fine ε grid is a point of the curve', async () => {
    const nmi = await miMatrix(app.columns, { measure: 'nmi' });
    const names = Object.keys(app.columns);
    const res = await selectMetrics(app.columns, { mode: 'flat', measure: 'mi', bins: 16 });
    const data: SelectionData = { names, service: names.map((x) => x.split('/')[0]), entropy: nmi.columnEntropy.entropy, redundancy: nmi };
    const all = candidates(data, names.map((_, i) => i));
    const sizes = new Set(res.curve.map((p) => `${p.size}:${p.coverage.toFixed(12)}`));
    const scorer = new CoverageScorer(nmi, res.theta, all.slice().sort((a, b) => a - b));
    for (let k = 0; k <= 2000; k++) {
      const sel = selectFlat(data, k / 2000, all).selected;
      expect(sizes.has(`${sel.length}:${scorer.coverage(sel).toFixed(12)}`), `ε = ${k / 2000}`).toBe(true);
    }
    expect(res.curveComplete).toBe(true);
  });
  it('pickPoint: smallest reaching the target, else the highest coverage, within the cap', () => {
    const curve = [{ epsilon: 0, size: 2, coverage: 0.5 }, { epsilon: 0.1, size: 5, coverage: 0.92 }, { epsilon: 0.2, size: 4, coverage: 0.91 }, { epsilon: 0.3, size: 9, coverage: 1 }];
    expect(pickPoint(curve, { minCoverage: 0.9 })).toEqual({ index: 2 });
    expect(pickPoint(curve, { maxMetrics: 5 })).toEqual({ index: 1 });
    expect(pickPoint(curve, { minCoverage: 0.95, maxMetrics: 5 })).toEqual({ index: 1, shortfall: 'coverage' });
    expect(pickPoint(curve, { maxMetrics: 1 })).toEqual({ index: 0, shortfall: 'size' });
  });
  it('bad options: MS_BAD_OPTION naming the option and the value; the ends of the ranges that are in them are accepted', async () => {
    const bad: [KimetrixOptions, string, RegExp][] = [
      [{ minCoverage: 0 }, 'minCoverage', /received number 0\b/], [{ minCoverage: -0.1 }, 'minCoverage', /-0\.1/],
      [{ minCoverage: 1.0001 }, 'minCoverage', /1\.0001/], [{ minCoverage: NaN }, 'minCoverage', /NaN/],
      [{ maxMetrics: 0 }, 'maxMetrics', /received number 0\b/], [{ maxMetrics: -3 }, 'maxMetrics', /-3/], [{ maxMetrics: 2.5 }, 'maxMetrics', /2\.5/],
      [{ duplicateBound: 0 }, 'duplicateBound', /received number 0\b/], [{ duplicateBound: 1.2 }, 'duplicateBound', /1\.2/],
      [{ keep: ['/a(b/'] }, 'keep', /a\(b/], [{ exclude: ['/[/'] }, 'exclude', /\[/],
    ];
    for (const [o, name, value] of bad) {
      const err = await selectMetrics(app.columns, o).then(() => null, (e: unknown) => e as { code: string; message: string });
      expect(err, JSON.stringify(o)).toMatchObject({ code: 'MS_BAD_OPTION' });
      expect(err!.message).toContain(name);
      expect(err!.message).toMatch(value);
    }
    for (const o of [{ minCoverage: 1 }, { maxMetrics: 1 }, { duplicateBound: 1 }] as KimetrixOptions[]) {
      const res = await selectMetrics(app.columns, { graph: app.graph, ...o });
      checkAdoptable(res);
    }
  });
  it('--max-metrics above the informative metrics: every informative metric but duplicates, with a warning', async () => {
    const res = await selectMetrics(app.columns, { graph: app.graph, maxMetrics: 10_000 });
    expect(res.warnings.map((w) => w.code)).toContain('MS_MAX_METRICS_ABOVE_INFORMATIVE');
    expect(res.selected.length).toBe(res.informative - app.copies.length);
    checkAdoptable(res);
  });
  it('the paper\'s AIMD stays selectable, with its log', async () => {
    const res = await selectMetrics(app.columns, { graph: app.graph, tuner: 'aimd', iterations: 30 });
    expect(res.tuner).toBe('aimd');
    expect(res.iterations).toHaveLength(30);
    const best = Math.max(...res.iterations.map((s) => s.coverage));
    expect(res.selected.length).toBe(Math.min(...res.iterations.filter((s) => s.coverage === best).map((s) => s.size)));
  });
});

describe('greedy set cover (mode cover)', () => {
  it('each pick covers the most still-uncovered metrics; its prefixes are the curve', async () => {
    const res = await selectMetrics(app.columns, { graph: app.graph, mode: 'cover', minCoverage: 1 });
    expect(res.coverage).toBe(1);
    expect(res.epsilon).toBeNull();
    for (let i = 1; i < res.curve.length; i++) {
      expect(res.curve[i].size).toBe(res.curve[i - 1].size + 1);
      // Every pick adds coverage until all is covered; then the rest follow (gain 0) up to every non-duplicate.
      if (res.curve[i - 1].coverage < 1) expect(res.curve[i].coverage).toBeGreaterThan(res.curve[i - 1].coverage);
      else expect(res.curve[i].coverage).toBe(1);
    }
    // Never larger than KIMetrix flat for full coverage on the same relation.
    const flat = await selectMetrics(app.columns, { mode: 'flat', minCoverage: 1 });
    expect(res.selected.length).toBeLessThanOrEqual(flat.selected.length);
  });
});

describe('the default: topology-aware cover on |Spearman| > 0.8', () => {
  it('is the greedy set cover, equal gains going to the lower level (the caller) first', async () => {
    const r = rng(11);
    const z = Float64Array.from({ length: 600 }, gaussian(r));
    const noisy = () => Float64Array.from(z, (x) => x + 0.2 * gaussian(r)());
    // up/a and down/a both read z (each covers the other and the three z-followers); down/b only itself.
    const cols = { 'down/a': noisy(), 'down/b': Float64Array.from({ length: 600 }, gaussian(r)), 'up/a': noisy(), 'up/c': noisy(), 'mid/d': noisy() };
    const res = await selectMetrics(cols, { graph: { edges: [{ from: 'up', to: 'mid' }, { from: 'mid', to: 'down' }] }, minCoverage: 1 });
    expect(res).toMatchObject({ mode: 'cover', measure: 'spearman', theta: 0.8 });
    expect(res.selected.length).toBe(2);
    expect(res.selected).toContain('down/b');
    expect(res.byService.up).toHaveLength(1);  // the z-group is covered from the root service, not from down
    expect(res.byService.down).toEqual(['down/b']);
  });
});

describe('coverage in every service (the default floor)', () => {
  const serviceOf = (n: string) => n.slice(0, n.lastIndexOf('/'));
  /** Share of each service's informative metrics that `selected` covers (|ρs| > 0.8 or itself). */
  async function perService(cols: Record<string, Float64Array>, selected: string[]): Promise<Map<string, number>> {
    const names = Object.keys(cols);
    const H = (await miMatrix(cols, { measure: 'nmi' })).columnEntropy.entropy;
    const sp = await correlationMatrix(cols, { method: 'spearman' });
    const sel = selected.map((n) => names.indexOf(n));
    const out = new Map<string, [number, number]>();
    names.forEach((n, j) => {
      if (!(H[j] > 0)) return;
      const c = sel.some((m) => m === j || Math.abs(sp.values[m * names.length + j]) > 0.8);
      const t = out.get(serviceOf(n)) ?? [0, 0];
      out.set(serviceOf(n), [t[0] + (c ? 1 : 0), t[1] + 1]);
    });
    return new Map([...out].map(([s, [c, k]]) => [s, c / k]));
  }
  it('a service of independent metrics is not left blind because a large correlated one lifts the overall share', async () => {
    const r = rng(5);
    const z = Float64Array.from({ length: 500 }, gaussian(r));
    const cols: Record<string, Float64Array> = {};
    for (let i = 0; i < 30; i++) cols[`big/m${i}`] = Float64Array.from(z, (x) => x + 0.1 * gaussian(r)());
    for (let i = 0; i < 4; i++) cols[`small/x${i}`] = Float64Array.from({ length: 500 }, gaussian(r));
    const overall = await selectMetrics(cols, { serviceCoverage: 0 });
    expect(overall.selected).toHaveLength(2);  // 31 of 34 covered: one big metric and one small one
    expect((await perService(cols, overall.selected)).get('small')).toBe(0.25);
    const res = await selectMetrics(cols);
    expect(res.serviceCoverage).toBe(0.9);
    expect(res.selected).toHaveLength(5);
    for (const [s, c] of await perService(cols, res.selected)) expect(c, s).toBeGreaterThanOrEqual(0.9);
    expect(res.coverage).toBe(1);
  });
  it('of metrics that each cover only themselves, the one left uncovered is the one the selection explains best', async () => {
    // 8 metrics of one load, an echo of it (|ρs| ≈ 0.7: not covered) and an independent burst series
    // of few levels (lower entropy): the floor (9 of 10) leaves one of the last two uncovered. The
    // entropy order alone would keep the echo and leave the bursts, which nothing selected explains.
    const r = rng(11), g = gaussian(r);
    const z = Float64Array.from({ length: 500 }, g);
    const cols: Record<string, Float64Array> = {};
    for (let i = 0; i < 8; i++) cols[`svc/load${i}`] = Float64Array.from(z, (x) => x + 0.1 * g());
    cols['svc/a_echo'] = Float64Array.from(z, (x) => 0.7 * x + 0.7 * g());
    cols['svc/b_bursts'] = Float64Array.from(z, () => (r() < 0.1 ? 1 + Math.floor(r() * 3) : 0));
    const names = Object.keys(cols);
    const sp = await correlationMatrix(cols, { method: 'spearman' });
    const rho = (a: string, b: string) => Math.abs(sp.values[names.indexOf(a) * names.length + names.indexOf(b)]);
    expect(rho('svc/a_echo', 'svc/load0')).toBeGreaterThan(0.6);
    expect(rho('svc/a_echo', 'svc/load0')).toBeLessThan(0.8);
    const H = (await miMatrix(cols, { measure: 'nmi' })).columnEntropy.entropy;
    expect(H[names.indexOf('svc/b_bursts')]).toBeLessThan(H[names.indexOf('svc/a_echo')]);
    const res = await selectMetrics(cols);
    expect(res.selected).toHaveLength(2);
    expect(res.selected).toContain('svc/b_bursts');
    expect(res.selected).not.toContain('svc/a_echo');
    expect(res.coverage).toBeCloseTo(0.9, 12);
  });
  it('the default pick is the smallest prefix of the curve with 90 % overall and in every service', async () => {
    const res = await selectMetrics(app.columns, { graph: app.graph, keepCurveSelections: true });
    let first = -1;
    for (let i = 0; i < res.curve.length && first < 0; i++) {
      const per = await perService(app.columns, res.curveSelections![i]);
      if (res.curve[i].coverage >= 0.9 && [...per.values()].every((c) => c >= 0.9 - 1e-12)) first = i;
    }
    expect(res.pick).toBe(first);
    checkAdoptable(res);
    expect(res.coverage).toBeCloseTo(await recomputedCoverage(app.columns, res), 12);
    // A size cap below what the floors need wins, with a warning.
    const capped = await selectMetrics(app.columns, { graph: app.graph, minCoverage: 0.9, maxMetrics: 3 });
    expect(capped.selected.length).toBeLessThanOrEqual(3);
    expect(capped.warnings.map((w) => w.code)).toContain('MS_SERVICE_COVERAGE_NOT_REACHED');
    expect(capped.serviceCoverage).toBeNull();
  });
  it('serviceCoverage outside [0, 1] is MS_BAD_OPTION naming it', async () => {
    for (const v of [-0.1, 1.5, NaN]) await expect(selectMetrics(app.columns, { serviceCoverage: v })).rejects.toMatchObject({ code: 'MS_BAD_OPTION', message: expect.stringContaining('serviceCoverage') });
  });
});

describe('keep and exclude', () => {
  it('kept metrics are always selected and act as pivots; excluded ones are never considered', async () => {
    const keep = ['gateway/cpu_rate', 'db/*', '/^stock\\/err/'];
    for (const mode of ['topology', 'flat', 'cover'] as const) {
      const res = await selectMetrics(app.columns, { graph: app.graph, mode, keep, exclude: ['*/memory'], maxMetrics: 5 });
      const dbInformative = Object.keys(app.columns).filter((m) => m.startsWith('db/') && m !== 'db/memory');
      for (const k of ['gateway/cpu_rate', 'stock/errors', ...dbInformative]) expect(res.selected).toContain(k);
      expect(res.selected).not.toContain('gateway/cpu');  // the kept copy is the pivot: its twin is covered
      expect(res.selected.some((m) => m.endsWith('/memory'))).toBe(false);
      expect(res.excluded).toHaveLength(app.services.length);
      expect(res.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['MS_KEPT_CONSTANT', 'MS_MAX_METRICS_TOO_SMALL']));
      expect(res.coverage).toBeCloseTo(await recomputedCoverage(Object.fromEntries(Object.entries(app.columns).filter(([k]) => !k.endsWith('/memory'))), res), 12);
    }
  });
  it('patterns: glob over the whole name, /regex/ searched; a pattern matching nothing is a warning; a bad regex MS_BAD_OPTION', async () => {
    expect(compilePattern('svc/*', 'keep').test('svc/a/b')).toBe(true);
    expect(compilePattern('svc/?', 'keep').test('svc/ab')).toBe(false);
    expect(compilePattern('a.b', 'keep').test('axb')).toBe(false);
    expect(compilePattern('/_total$/i', 'keep').test('x/REQ_TOTAL')).toBe(true);
    expect(() => compilePattern('/(/', '--keep')).toThrow(expect.objectContaining({ code: 'MS_BAD_OPTION', message: expect.stringContaining('--keep') }));
    const res = await selectMetrics(app.columns, { keep: ['nothing/*'] });
    expect(res.warnings.find((w) => w.code === 'MS_PATTERN_UNMATCHED')?.message).toMatch(/nothing\/\*/);
  });
});

describe('counters become per-second rates', () => {
  const n = 900;
  const time = Array.from({ length: n }, (_, t) => new Date(Date.UTC(2026, 0, 1) + t * 15_000).toISOString());
  const counter = (seed: number, resetAt?: number) => {
    const r = rng(seed);
    const x = new Float64Array(n);
    let total = 1000;
    for (let t = 0; t < n; t++) {
      if (t === resetAt) total = 0;
      total += Math.floor(r() * 20);
      x[t] = total;
    }
    return x;
  };
  const table = () => {
    const cols = { 'a/requests_total': counter(101, 400), 'a/bytes_sent': counter(70_001), 'a/cpu': Float64Array.from({ length: n }, gaussian(rng(3))) };
    return { names: Object.keys(cols), columns: Object.values(cols).map((values, i) => ({ name: Object.keys(cols)[i], length: n, chunks: [{ values }] })), rows: n, time };
  };
  it('two independent counters are no longer redundant; which were converted, and why, is reported', async () => {
    const res = await selectMetrics(table(), { mode: 'flat', minCoverage: 1 });
    expect(res.counters).toEqual([{ name: 'a/requests_total', reason: 'name' }, { name: 'a/bytes_sent', reason: 'monotone' }]);
    expect(res.selected).toEqual(expect.arrayContaining(['a/requests_total', 'a/bytes_sent']));
    const raw = await selectMetrics(table(), { mode: 'flat', rawCounters: true, minCoverage: 1 });
    expect(raw.counters).toEqual([]);
    const nmiRaw = await miMatrix({ x: table().columns[0].chunks[0].values, y: table().columns[1].chunks[0].values }, { measure: 'nmi' });
    expect(nmiRaw.values[1]).toBeGreaterThan(0.7);  // raw, both just grow with time
  });
  it('TYPE metadata on the table (the Prometheus reader\'s series) decides before names and shapes', async () => {
    const t = table();
    // jobs has no counter suffix and is jagged (not detectable by shape); requests_total is cumulative but declared a gauge.
    const jobs = Float64Array.from(t.columns[0].chunks[0].values, (v, i) => v + (i % 2 ? 0.5 : 0));
    const tt = { ...t, names: ['a/jobs', ...t.names.slice(1)], columns: [{ name: 'a/jobs', length: n, chunks: [{ values: jobs }] }, ...t.columns.slice(1)] };
    const plain = await selectMetrics(tt, { mode: 'flat' });
    expect(plain.counters.map((c) => c.name)).toEqual(['a/bytes_sent']);
    const typed = { ...tt, series: { 'a/jobs': { metric: 'jobs', labels: {}, type: 'counter' }, 'a/bytes_sent': { metric: 'bytes_sent', labels: {}, type: 'gauge' } } };
    const res = await selectMetrics(typed, { mode: 'flat' });
    expect(res.counters).toEqual([{ name: 'a/jobs', reason: 'type' }]);
    // Types given by the caller win over the table's.
    const over = await selectMetrics(typed, { mode: 'flat', metricTypes: { 'a/jobs': 'gauge' } });
    expect(over.counters).toEqual([]);
  });
  it('rate() semantics: per second, a decrease is a restart from zero, gaps skipped', () => {
    const x = Float64Array.from([10, 16, NaN, 30, 4, 10]);
    const s = Float64Array.from([0, 2, 4, 6, 8, 10]);
    const r = Array.from(counterRate(x, s));
    expect(r[0]).toBeNaN();
    expect(r[2]).toBeNaN();
    expect(r.filter((_, i) => i !== 0 && i !== 2)).toEqual([3, 14 / 4, 4 / 2, 6 / 2]);
  });
  it('a counter-named column that goes up and down is left as it is, with a warning', async () => {
    const cols = { 'a/x_total': Float64Array.from({ length: n }, gaussian(rng(4))), 'a/y': Float64Array.from({ length: n }, gaussian(rng(5))) };
    const res = await selectMetrics(cols, {});
    expect(res.counters).toEqual([]);
    expect(res.warnings.map((w) => w.code)).toContain('MS_COUNTER_NOT_CUMULATIVE');
  });
});

describe('the shipped example', () => {
  it('default scan: no constant, no duplicate pair, keeps what --keep names, coverage as recomputed', async () => {
    const table = await readCsv(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url).pathname);
    const keep = ['front/SuccessRate(%)', '/PodSuccessRate/'];
    const res = await selectMetrics(table, { keep });
    const nmi = await miMatrix(table, { measure: 'nmi' });
    const idx = res.selected.map((m) => table.names.indexOf(m));
    const H = nmi.columnEntropy.entropy;
    const kept = table.names.filter((m) => /PodSuccessRate/.test(m) || m === 'front/SuccessRate(%)');
    for (const k of kept) expect(res.selected).toContain(k);
    const keptIdx = new Set(kept.map((k) => table.names.indexOf(k)));
    for (const i of idx) if (!keptIdx.has(i)) expect(H[i]).toBeGreaterThan(0);
    for (const i of idx) for (const j of idx) {
      if (i < j && !(keptIdx.has(i) && keptIdx.has(j))) expect(nmi.values[i * nmi.size + j], `${table.names[i]} ~ ${table.names[j]}`).toBeLessThan(res.duplicateBound);
    }
    const universe = table.names.map((_, i) => i).filter((i) => H[i] > 0);
    const rel = res.measure === 'mi' ? nmi : await correlationMatrix(table, { method: res.measure as 'spearman' });
    expect(res.coverage).toBeCloseTo(coverage(idx, rel, res.theta, universe), 12);
    expect(res.coverage).toBeGreaterThanOrEqual(0.9);
    expect(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version).toBe(res.version);
  });
});
