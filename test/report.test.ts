// report.html in a real browser (Debian's chromium driven by playwright-core): the page's own script
// runs without an error and makes no network request; the DOM answers "what do I lose" (every metric
// with its status, representative and redundancy against θ, the uncovered ones summarised), the curve
// labels every point and shows another point's subset on click, the heatmap leaves constants out and
// groups services, the graph has arrows and fits, search/filter/sort work, warnings are listed.
// Screenshots at 50 and 5,000 metrics are kept in test-artifacts/ (gitignored).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../src/io/csv.js';
import { reportHtml, reportMetrics, writeReport, HEATMAP_MAX } from '../src/report/html.js';
import { selectMetrics, type KimetrixResult } from '../src/select/index.js';
import { selectColumns } from '../src/table.js';
import { useTempDir } from './helpers.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const playwright = await import('playwright-core').catch(() => null);
const tempDir = useTempDir('report');
const artifacts = new URL('../test-artifacts/', import.meta.url).pathname;

describe('report data', () => {
  it('embeds everything, refuses a result without matrices, keeps names with $\' and $` intact (issue 11)', async () => {
    const names = ["a/x$'tail", 'a/y$`head', 'b/z$&$$'];
    const res = await selectMetrics({ [names[0]]: [1, 2, 3, 4, 5, 6], [names[1]]: [2, 1, 2, 1, 2, 1], [names[2]]: [1, 1, 2, 2, 3, 3] }, { keepMatrices: true });
    const html = reportHtml(res);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    const at = html.indexOf('id="data">') + 'id="data">'.length;
    const data = JSON.parse(html.slice(at, html.indexOf('</script>', at))) as { metrics: [string][] };
    expect(data.metrics.map((m) => m[0]).sort()).toEqual([...names].sort());
    expect(html.match(/<\/html>/g)).toHaveLength(1);  // $' would have pasted the page's tail in again
    const { matrices: _m, ...bare } = res;
    expect(() => reportHtml(bare as KimetrixResult)).toThrow(TypeError);
  });
  it('statuses: a kept metric, a copy covered by it, an independent one not covered, a constant', async () => {
    const n = 400, x = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + (i % 7)), y = x.map((v) => 2 * v + 1);
    const z = Array.from({ length: n }, (_, i) => ((i * 7919) % 101) / 101), c = x.map(() => 3);
    const res = await selectMetrics({ 'a/x': x, 'b/y': y, 'a/z': z, 'a/c': c }, { keepMatrices: true, maxMetrics: 1 });
    const m = Object.fromEntries(reportMetrics(res).map((r) => [r.name, r]));
    const keptOne = res.selected[0];
    expect(['a/x', 'b/y', 'a/z']).toContain(keptOne);
    expect(m['a/c'].status).toBe('constant');
    if (keptOne !== 'a/z') {
      const other = keptOne === 'a/x' ? 'b/y' : 'a/x';
      expect(m[other]).toMatchObject({ status: 'covered', representative: keptOne, crossService: true });
      expect(m[other].redundancy!).toBeGreaterThan(0.9);
      expect(m['a/z']).toMatchObject({ status: 'not covered', representative: keptOne });
      expect(m['a/z'].redundancy!).toBeLessThanOrEqual(res.theta);
    }
  });
});

async function build(metrics: number): Promise<{ res: KimetrixResult; file: string }> {
  const table = await readCsv(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url).pathname);
  let input;
  if (metrics <= table.names.length) {
    // A slice with constants in it: the first `metrics` columns.
    input = selectColumns(table, table.names.slice(0, metrics));
  } else {
    // 5,000 metrics: the example's columns plus noisy copies of them, in 60 services.
    const rows = 240, cols: Record<string, Float64Array> = {};
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < metrics; k++) {
      const base = k % 97, col = new Float64Array(rows);
      for (let r = 0; r < rows; r++) col[r] = k % 53 === 0 ? 1 : Math.sin(r * (0.05 + base * 0.013)) + (k % 3) * 0.3 * rnd();
      cols[`svc-${k % 60}/m${k}`] = col;
    }
    input = cols;
  }
  const edges = metrics > 1000 ? Array.from({ length: 59 }, (_, i) => ({ from: `svc-${Math.floor(i / 3)}`, to: `svc-${i + 1}`, probability: 0.5 })) : [
    { from: 'front', to: 'ts-admin-basic-info-service', probability: 0.7 }, { from: 'ts-admin-basic-info-service', to: 'ts-admin-order-service', probability: 0.4 },
  ];
  // At 5,000 metrics the greedy set cover: the ε sweep of topology mode takes many minutes there on a
  // loaded 2-core machine, and this test is about the page, not the selection.
  const res = await selectMetrics(input, { keepMatrices: true, keepCurveSelections: true, graph: { edges }, ...(metrics > 1000 ? { mode: 'cover' as const } : {}) });
  const file = join(tempDir(), `report-${metrics}.html`);
  await writeReport(file, res, { edges });
  return { res, file };
}

const SKIP = !CHROMIUM ? 'no /usr/bin/chromium (Debian package chromium)' : !playwright ? 'playwright-core not installed (npm devDependency)' : '';
describe.skipIf(SKIP !== '')(`report.html in headless Chromium (Debian chromium + npm playwright-core)${SKIP ? ` — skipped: ${SKIP}` : ''}`, () => {
  for (const size of [50, 5000]) {
    it(`${size} metrics: DOM, no script error, no network request, screenshot`, async () => {
      const { res, file } = await build(size);
      const expected = reportMetrics(res);
      const count = (s: string) => expected.filter((m) => m.status === s).length;
      const browser = await playwright!.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
        const errors: string[] = [], requests: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(`file://${file}`);
        await page.waitForFunction(() => document.body.dataset.rendered !== 'pending', undefined, { timeout: 120_000 });
        expect(await page.evaluate(() => document.body.dataset.rendered)).toBe('ok');
        expect(errors).toEqual([]);
        expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
        expect(requests).toHaveLength(1);

        // Every metric, its status; the uncovered ones at the top.
        expect(await page.locator('tr.metric-row').count()).toBe(expected.length);
        for (const [code, s] of [[0, 'kept'], [2, 'covered'], [3, 'not covered'], [4, 'constant']] as const) {
          expect(await page.locator(`tr.metric-row[data-status="${code}"]`).count()).toBe(count(s));
        }
        if (count('not covered')) expect(await page.locator('#uncovered-count').textContent()).toContain(`${count('not covered')} dropped informative metrics`);
        const covered = expected.find((m) => m.status === 'covered');
        if (covered) {
          await page.fill('#search', covered.name);
          // The search matches substrings (m45 also finds m4560): take the row whose name is exact.
          const cells = await page.evaluate((name) => [...document.querySelectorAll('tr.metric-row')]
            .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''))
            .find((c) => c[0] === name) ?? [], covered.name);
          expect(cells[3]).toBe(covered.representative);
          expect(Number(cells[4])).toBeCloseTo(covered.redundancy!, 3);
          expect(cells[5]).toBe('> θ');
          expect(cells[6]).toBe(covered.crossService ? 'cross-service' : 'same service');
          await page.fill('#search', '');
        }
        // Filter and sort.
        await page.selectOption('#status-filter', '3');
        expect(await page.locator('tr.metric-row').count()).toBe(count('not covered'));
        await page.selectOption('#status-filter', '');
        await page.click('th[data-col="7"]');
        const ent = (await page.locator('tr.metric-row td:nth-child(8)').allTextContents()).slice(0, 200).map((t) => (t === 'n/a' ? -1 : Number(t)));
        expect(ent).toEqual([...ent].sort((a, b) => a - b));

        // The curve: every point labelled, the chosen one marked; another point's subset on click.
        expect(await page.locator('g.curve-point').count()).toBe(res.curve.length);
        expect(await page.locator('text.curve-label').count()).toBe(res.curve.length);
        expect(await page.locator('#chosen-point').count()).toBe(1);
        const other = res.curve.findIndex((_, i) => i !== res.pick);
        if (other >= 0) {
          await page.locator(`g.curve-point[data-index="${other}"]`).dispatchEvent('click');
          expect(await page.locator('#point-info').getAttribute('data-size')).toBe(String(res.curveSelections![other].length));
          expect(await page.locator('tr.metric-row.in-point').count()).toBe(res.curveSelections![other].length);
          await page.check('#point-only');
          expect(await page.locator('tr.metric-row').count()).toBe(res.curveSelections![other].length);
          await page.uncheck('#point-only');
        }
        // Heatmap without constants, downsampled above HEATMAP_MAX; hover names a metric.
        const informative = expected.filter((m) => m.entropy > 0).length;
        const cellsN = Math.ceil(informative / Math.max(1, Math.ceil(informative / HEATMAP_MAX)));
        expect(await page.locator('#heatmap').getAttribute('data-cells')).toBe(String(cellsN));
        await page.locator('#heatmap').hover({ position: { x: 10, y: 10 } });  // scrolls it into view first
        expect(await page.locator('#tip').textContent()).toMatch(/ × .*: \d\.\d\d \[/);
        // Service graph: one node per service, an arrow per edge, inside its view box.
        const services = new Set(expected.map((m) => m.service)).size;
        expect(await page.locator('g.service-node').count()).toBe(services);
        expect(await page.locator('path.service-edge[marker-end="url(#arrow)"]').count()).toBeGreaterThan(0);
        const fits = await page.evaluate(() => {
          const svg = document.getElementById('graph') as unknown as SVGSVGElement, vb = svg.viewBox.baseVal;
          return [...svg.querySelectorAll('g.service-node rect')].every((r) => {
            const b = (r as SVGGraphicsElement).getBBox();
            return b.x >= 0 && b.y >= 0 && b.x + b.width <= vb.width + 0.5 && b.y + b.height <= vb.height + 0.5;
          });
        });
        expect(fits).toBe(true);
        expect(await page.locator('g.service-node text').first().textContent()).toMatch(/\(\d+ kept\)$/);
        expect(await page.locator('#warnings li').count()).toBe(Math.max(1, res.warnings.length));

        mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: join(artifacts, `report-${size}.png`), fullPage: true });
      } finally {
        await browser.close();
      }
    }, 300_000);
  }
});
