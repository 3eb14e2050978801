// report.html in a real browser: Debian's headless Chromium loads the self-contained page (no
// network), the inline script must finish without an error, the main elements must be there, and a
// screenshot is kept as an artifact (test-artifacts/report.png).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../src/io/csv.js';
import { callGraphFromSpans, readTraces } from '../src/io/traces.js';
import { reportHtml, writeReport } from '../src/report/html.js';
import { selectMetrics } from '../src/select/index.js';
import { fixtures, useTempDir } from './helpers.js';

const chromium = ['chromium', 'chromium-browser'].find((c) => {
  try {
    execFileSync(c, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const tempDir = useTempDir('report');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function browse(file: string, extra: string[]): string {
  return execFileSync(chromium!, [...FLAGS, `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chr-'))}`, ...extra, `file://${file}`], { encoding: 'utf8', timeout: 90_000, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('report.html', () => {
  it('embeds everything (no external resource) and refuses a result without matrices', async () => {
    const res = await selectMetrics({ 'a/x': [1, 2, 3, 4, 5, 6], 'a/y': [2, 1, 2, 1, 2, 1], 'b/z': [1, 1, 2, 2, 3, 3] }, { iterations: 3, keepMatrices: true });
    const html = reportHtml(res);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).toContain('"selected":');
    const { matrices: _m, ...bare } = res;
    expect(() => reportHtml(bare)).toThrow(TypeError);
  });
  it("keeps metric names holding String.replace patterns ($', $`, $&) intact (issue 11)", async () => {
    const names = ["a/x$'tail", 'a/y$`head', 'b/z$&$$'];
    const res = await selectMetrics({ [names[0]]: [1, 2, 3, 4, 5, 6], [names[1]]: [2, 1, 2, 1, 2, 1], [names[2]]: [1, 1, 2, 2, 3, 3] }, { iterations: 3, keepMatrices: true });
    const html = reportHtml(res);
    const json = html.slice(html.indexOf('id="data">') + 'id="data">'.length, html.indexOf('</script>', html.indexOf('id="data">')));
    const data = JSON.parse(json) as { heatmap: { names: string[] } };
    expect([...data.heatmap.names].sort()).toEqual([...names].sort());
    expect(html.match(/<\/html>/g)).toHaveLength(1);  // $' would have pasted the page's tail in again
  });
  it.skipIf(!chromium)('loads in headless Chromium with no script error and shows its main elements (Debian package chromium)', async () => {
    const table = await readCsv(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url).pathname);
    const { graph } = callGraphFromSpans(await readTraces(join(fixtures, 'trainticket/2023-01-30/trace')));
    const res = await selectMetrics(table, { graph, iterations: 100, keepMatrices: true });
    const file = join(tempDir(), 'report.html');
    await writeReport(file, res, graph);
    const dom = browse(file, ['--dump-dom']);
    expect(dom).toMatch(/data-rendered="ok"/);
    const services = new Set([...Object.keys(res.byService), ...table.names.map((n) => n.slice(0, n.lastIndexOf('/')))]).size;
    expect(dom.match(/class="service-node"/g)).toHaveLength(services);
    expect(dom.match(/class="aimd-point"/g)).toHaveLength(res.curve.length);  // the size/coverage curve (the AIMD log with tuner aimd)
    expect(dom).toContain('id="chosen-point"');
    expect(dom.match(/<details class="service">/g)).toHaveLength(services);
    expect(dom).toMatch(/879 metrics; darker = more redundant/);
    const artifacts = new URL('../test-artifacts/', import.meta.url).pathname;
    mkdirSync(artifacts, { recursive: true });
    browse(file, ['--window-size=1280,1800', `--screenshot=${join(artifacts, 'report.png')}`]);
    expect(readFileSync(join(artifacts, 'report.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});
