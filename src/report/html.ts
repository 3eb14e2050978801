/**
 * `report.html`: one self-contained page (no network at view time) for reviewing a selection — the
 * service graph coloured by how many metrics each service keeps, the AIMD size/coverage curve with
 * the chosen point, a redundancy heatmap with similar metrics next to each other, and per-service
 * tables of chosen and dropped metrics, each dropped one with the chosen metric that carries it.
 * The data is embedded as JSON and drawn by an inline script; `body[data-rendered]` says "ok" once
 * drawn (or the error), which the Chromium test reads.
 */
import { writeTextAtomic } from '../io/write.js';
import { analyzeTopology, type CallGraph } from '../select/topology.js';
import type { KimetrixResult } from '../select/index.js';

interface Dropped { metric: string; entropy: number; with: string | null; mi: number }

/** Similar metrics adjacent: a nearest-neighbour chain on the redundancy matrix (O(M²)). */
function chainOrder(size: number, values: ArrayLike<number>, start: number): number[] {
  const used = new Uint8Array(size);
  const order = [start];
  used[start] = 1;
  for (let k = 1; k < size; k++) {
    const last = order[order.length - 1];
    let best = -1, bestV = -Infinity;
    for (let j = 0; j < size; j++) {
      if (used[j]) continue;
      const v = Math.abs(values[last * size + j]);
      const score = Number.isNaN(v) ? -1 : v;
      if (score > bestV) { best = j; bestV = score; }
    }
    used[best] = 1;
    order.push(best);
  }
  return order;
}

/** The report page for a selection made with `keepMatrices: true`. */
export function reportHtml(res: KimetrixResult, graph?: CallGraph): string {
  if (!res.matrices) throw new TypeError('reportHtml needs a result made with keepMatrices: true');
  const { mi, redundancy } = res.matrices;
  const names = mi.names, M = names.length;
  const index = new Map(names.map((n, i) => [n, i]));
  const H = mi.columnEntropy.entropy;
  const chosen = res.selected.map((n) => index.get(n)!);
  const chosenSet = new Set(chosen);
  const serviceOf = new Map<string, string>();
  for (const [s, ms] of Object.entries(res.byService)) for (const m of ms) serviceOf.set(m, s);
  const service = (n: string) => serviceOf.get(n) ?? (n.includes('/') ? n.slice(0, n.lastIndexOf('/')) : '(unmapped)');

  const services = new Map<string, { selected: { metric: string; entropy: number }[]; dropped: Dropped[] }>();
  names.forEach((n, i) => {
    const s = service(n);
    if (!services.has(s)) services.set(s, { selected: [], dropped: [] });
    if (chosenSet.has(i)) { services.get(s)!.selected.push({ metric: n, entropy: H[i] }); return; }
    let w = -1, wv = -Infinity;
    for (const c of chosen) if (mi.values[i * M + c] > wv) { wv = mi.values[i * M + c]; w = c; }
    services.get(s)!.dropped.push({ metric: n, entropy: H[i], with: w >= 0 && H[i] > 0 ? names[w] : null, mi: w >= 0 ? wv : 0 });
  });
  const topo = analyzeTopology(graph ?? { edges: [] }, [...services.keys()]);
  let start = 0;
  for (let i = 1; i < M; i++) if (H[i] > H[start]) start = i;
  const order = chainOrder(M, redundancy.values, start);
  const cells = new Uint8Array(M * M);
  order.forEach((a, r) => order.forEach((b, c) => {
    const v = Math.abs(redundancy.values[a * M + b]);
    cells[r * M + c] = Number.isNaN(v) ? 0 : Math.round(Math.min(1, v) * 255);
  }));
  const data = {
    summary: {
      metrics: M, informative: Array.from(H).filter((h) => h > 0).length, selected: res.selected.length, services: services.size,
      epsilon: res.epsilon, coverage: res.coverage, measure: res.measure, theta: res.theta, mode: res.mode, version: res.version,
    },
    services: [...services].map(([name, v]) => ({ name, level: topo.level.get(name) ?? 0, ...v })).sort((a, b) => a.level - b.level || (a.name < b.name ? -1 : 1)),
    edges: (graph?.edges ?? []).map((e) => ({ from: e.from, to: e.to, p: e.probability ?? null })),
    aimd: (res.iterations.length ? res.iterations : res.curve).map((s) => [s.size, s.coverage, s.epsilon]),
    heatmap: { names: order.map((i) => names[i]), size: M, cells: Buffer.from(cells).toString('base64') },
    warnings: res.warnings,
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  // A function replacement: a string one would expand $' $` $& in metric names (corrupting the page).
  return PAGE.replace('__DATA__', () => json);
}

/** Writes report.html atomically. */
export async function writeReport(path: string, res: KimetrixResult, graph?: CallGraph): Promise<void> {
  await writeTextAtomic(path, reportHtml(res, graph));
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>metricsift report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.summary{display:flex;flex-wrap:wrap;gap:8px 20px;color:#444}.summary b{color:#000}
svg text{font-size:11px}.panel{border:1px solid #ddd;border-radius:6px;padding:8px;overflow:auto}
table{border-collapse:collapse;margin:4px 0 12px}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}
th{background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}.kept{color:#0a6}
details{margin:4px 0}summary{cursor:pointer}.warn{color:#a60}
</style></head>
<body data-rendered="pending">
<h1>metricsift: informative metrics</h1>
<div class="summary" id="summary"></div>
<h2>Service graph</h2><div class="panel"><svg id="graph" role="img" aria-label="service call graph"></svg></div>
<h2>Coverage against subset size (AIMD)</h2><div class="panel"><svg id="curve" width="640" height="320" role="img" aria-label="coverage curve"></svg></div>
<h2>Redundancy between metrics</h2><div class="panel"><canvas id="heatmap" aria-label="redundancy heatmap"></canvas><div id="heatmap-note"></div></div>
<h2>Per service</h2><div id="services"></div>
<ul id="warnings" class="warn"></ul>
<script type="application/json" id="data">__DATA__</script>
<script>
(function () {
  window.addEventListener('error', function (e) { document.body.dataset.rendered = 'error: ' + e.message; });
  var D = JSON.parse(document.getElementById('data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  function el(tag, attrs, parent, text) {
    var e = tag === 'svg-text' ? document.createElementNS(NS, 'text') : (['svg','line','circle','rect','polyline','path','g','title'].indexOf(tag) >= 0 ? document.createElementNS(NS, tag) : document.createElement(tag));
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function pct(x) { return (100 * x).toFixed(1) + ' %'; }
  var S = D.summary;
  [['metrics', S.metrics], ['informative', S.informative], ['selected', S.selected], ['services', S.services], ['ε', S.epsilon.toPrecision(3)],
   ['coverage', pct(S.coverage)], ['measure', S.measure + ', θ = ' + S.theta], ['mode', S.mode], ['metricsift', S.version]].forEach(function (kv) {
    var s = el('span', {}, document.getElementById('summary')); el('b', {}, s, kv[0] + ': '); s.appendChild(document.createTextNode(String(kv[1])));
  });

  // Service graph: columns by level, colour by the share of the service's metrics kept.
  var svc = D.services, byLevel = {}, pos = {}, maxRows = 0, maxLevel = 0;
  svc.forEach(function (s) { (byLevel[s.level] = byLevel[s.level] || []).push(s); maxLevel = Math.max(maxLevel, s.level); });
  Object.keys(byLevel).forEach(function (l) { maxRows = Math.max(maxRows, byLevel[l].length); byLevel[l].forEach(function (s, r) { pos[s.name] = [90 + l * 230, 24 + r * 34]; }); });
  var g = document.getElementById('graph'); g.setAttribute('width', 180 + (maxLevel + 1) * 230); g.setAttribute('height', 40 + maxRows * 34);
  D.edges.forEach(function (e) {
    if (!pos[e.from] || !pos[e.to]) return;
    var l = el('line', { x1: pos[e.from][0], y1: pos[e.from][1], x2: pos[e.to][0], y2: pos[e.to][1], stroke: '#bbb', 'stroke-width': e.p === null ? 1 : 0.5 + 2.5 * e.p }, g);
    el('title', {}, l, e.from + ' → ' + e.to + (e.p === null ? '' : ' (P = ' + e.p.toFixed(3) + ')'));
  });
  svc.forEach(function (s) {
    var total = s.selected.length + s.dropped.length, share = total ? s.selected.length / total : 0;
    var c = el('circle', { cx: pos[s.name][0], cy: pos[s.name][1], r: 9, fill: 'hsl(150,60%,' + (92 - 55 * share) + '%)', stroke: '#075', 'class': 'service-node' }, g);
    el('title', {}, c, s.name + ': ' + s.selected.length + ' of ' + total + ' metrics kept');
    el('svg-text', { x: pos[s.name][0] + 12, y: pos[s.name][1] + 4 }, g, s.name.length > 30 ? s.name.slice(0, 29) + '…' : s.name + ' (' + s.selected.length + ')');
  });

  // AIMD curve: every iteration's (size, coverage); the chosen point in red.
  var cv = document.getElementById('curve'), W = 640, Hh = 320, P = 44;
  var maxSize = Math.max.apply(null, D.aimd.map(function (a) { return a[0]; }).concat([1]));
  function X(s) { return P + (W - 2 * P) * s / maxSize; } function Y(c) { return Hh - P - (Hh - 2 * P) * c; }
  el('line', { x1: P, y1: Hh - P, x2: W - P, y2: Hh - P, stroke: '#888' }, cv); el('line', { x1: P, y1: P, x2: P, y2: Hh - P, stroke: '#888' }, cv);
  el('svg-text', { x: W / 2 - 40, y: Hh - 10 }, cv, 'subset size'); el('svg-text', { x: 4, y: P - 10 }, cv, 'coverage');
  [0, 0.5, 1].forEach(function (c) { el('svg-text', { x: 8, y: Y(c) + 4 }, cv, pct(c)); });
  el('svg-text', { x: W - P - 20, y: Hh - P + 16 }, cv, String(maxSize));
  D.aimd.forEach(function (a) { el('circle', { cx: X(a[0]), cy: Y(a[1]), r: 3, fill: '#48c', 'fill-opacity': 0.5, 'class': 'aimd-point' }, cv); });
  var chosen = el('circle', { cx: X(S.selected), cy: Y(S.coverage), r: 6, fill: 'none', stroke: '#d22', 'stroke-width': 2, id: 'chosen-point' }, cv);
  el('title', {}, chosen, 'chosen: ' + S.selected + ' metrics, coverage ' + pct(S.coverage));

  // Heatmap: |redundancy| in [0, 1], rows and columns in nearest-neighbour chain order.
  var hm = D.heatmap, n = hm.size, px = Math.max(1, Math.min(3, Math.floor(900 / n))), canvas = document.getElementById('heatmap');
  canvas.width = n * px; canvas.height = n * px;
  var ctx = canvas.getContext('2d'), img = ctx.createImageData(n * px, n * px), raw = atob(hm.cells);
  for (var r = 0; r < n; r++) for (var c2 = 0; c2 < n; c2++) {
    var v = raw.charCodeAt(r * n + c2), shade = 255 - v;
    for (var dy = 0; dy < px; dy++) for (var dx = 0; dx < px; dx++) {
      var o = 4 * ((r * px + dy) * n * px + c2 * px + dx); img.data[o] = shade; img.data[o + 1] = 255 - v * 0.4; img.data[o + 2] = 255 - v * 0.1; img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  document.getElementById('heatmap-note').textContent = n + ' metrics; darker = more redundant (' + S.measure + '); order: nearest-neighbour chain from ' + hm.names[0];

  // Per-service tables.
  var host = document.getElementById('services');
  svc.forEach(function (s) {
    var d = el('details', { 'class': 'service' }, host); el('summary', {}, d, s.name + ' — ' + s.selected.length + ' kept, ' + s.dropped.length + ' dropped');
    var t = el('table', {}, d), h = el('tr', {}, t);
    ['metric', 'entropy (bits)', 'status', 'carried by (most shared MI)', 'MI (bits)'].forEach(function (x) { el('th', {}, h, x); });
    s.selected.forEach(function (m) { var tr = el('tr', {}, t); el('td', {}, tr, m.metric); el('td', { 'class': 'n' }, tr, m.entropy.toFixed(3)); el('td', { 'class': 'kept' }, tr, 'kept'); el('td', {}, tr, ''); el('td', {}, tr, ''); });
    s.dropped.forEach(function (m) {
      var tr = el('tr', {}, t); el('td', {}, tr, m.metric); el('td', { 'class': 'n' }, tr, typeof m.entropy === 'number' ? m.entropy.toFixed(3) : 'n/a');  // NaN arrives as null
      el('td', {}, tr, m.entropy > 0 ? 'dropped' : 'constant or empty'); el('td', {}, tr, m.with || ''); el('td', { 'class': 'n' }, tr, m.with ? m.mi.toFixed(3) : '');
    });
  });
  D.warnings.forEach(function (w) { el('li', {}, document.getElementById('warnings'), w.code + ': ' + w.message); });
  if (document.body.dataset.rendered === 'pending') document.body.dataset.rendered = 'ok';
})();
</script>
</body></html>
`;
