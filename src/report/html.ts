/**
 * `report.html`: one self-contained page (no network at view time) that answers "what do I lose":
 * every metric with its status (kept, kept by request, dropped and covered, dropped and NOT
 * covered, constant, excluded), its representative (the kept metric most redundant with it) with
 * the normalised redundancy compared with θ and a same-/cross-service mark; the uncovered drops
 * summarised at the top; the size/coverage curve with every point labelled, the chosen one marked
 * and any other point's selection shown on click; a heatmap of the informative metrics grouped by
 * service (bands, hover names, block maxima above 2,000 metrics); the service graph laid out by
 * dagre (inlined) with arrows; search, filter and sort over all metrics; the warnings.
 * The data is embedded as JSON and drawn by an inline script; `body[data-rendered]` says "ok" once
 * drawn (or the error), which the browser test reads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { serviceOrUnmapped } from '../service.js';
import { writeTextAtomic } from '../io/write.js';
import { analyzeTopology, type CallGraph } from '../select/topology.js';
import type { KimetrixResult } from '../select/index.js';

/** Above this many informative metrics the heatmap shows block maxima. */
export const HEATMAP_MAX = 2000;

export type MetricStatus = 'kept' | 'kept by request' | 'covered' | 'not covered' | 'constant' | 'excluded';

/** One metric's line in the report. */
export interface ReportMetric {
  name: string;
  service: string;
  entropy: number;
  status: MetricStatus;
  /** The kept metric most redundant with it (null for kept, constant, excluded, or nothing kept). */
  representative: string | null;
  /** Normalised redundancy with the representative (the coverage measure, |r| for correlations). */
  redundancy: number | null;
  /** Whether the representative is in another service. */
  crossService: boolean | null;
}

const defaultService = serviceOrUnmapped;

/** Every metric's status and representative, as the report shows them. */
export function reportMetrics(res: KimetrixResult): ReportMetric[] {
  if (!res.matrices) throw new TypeError('reportMetrics needs a result made with keepMatrices: true');
  const { mi, redundancy } = res.matrices;
  const names = mi.names, M = names.length;
  const H = mi.columnEntropy.entropy;
  const index = new Map(names.map((n, i) => [n, i]));
  const chosen = res.selected.map((n) => index.get(n)).filter((i): i is number => i !== undefined);
  const chosenSet = new Set(chosen);
  const requested = new Set(res.kept ?? []);
  const serviceOf = new Map<string, string>();
  for (const [s, ms] of Object.entries(res.byService)) for (const m of ms) serviceOf.set(m, s);
  const service = (n: string) => serviceOf.get(n) ?? defaultService(n);
  const out: ReportMetric[] = names.map((n, i) => {
    const base = { name: n, service: service(n), entropy: H[i] };
    if (chosenSet.has(i)) return { ...base, status: requested.has(n) ? 'kept by request' : 'kept', representative: null, redundancy: null, crossService: null };
    if (!(H[i] > 0)) return { ...base, status: 'constant', representative: null, redundancy: null, crossService: null };
    let w = -1, wv = -Infinity;
    for (const c of chosen) {
      const v = Math.abs(redundancy.values[i * M + c]);
      if (v > wv) { wv = v; w = c; }
    }
    if (w < 0) return { ...base, status: 'not covered', representative: null, redundancy: null, crossService: null };
    const rep = names[w];
    return { ...base, status: wv > res.theta ? 'covered' : 'not covered', representative: rep, redundancy: wv, crossService: service(rep) !== base.service };
  });
  for (const n of res.excluded ?? []) out.push({ name: n, service: service(n), entropy: NaN, status: 'excluded', representative: null, redundancy: null, crossService: null });
  return out;
}

/**
 * The dagre layout library's browser build (it defines the global `dagre`), inlined with its MIT
 * licence notice so the page needs no network; the source-map comment is dropped (nothing to fetch).
 */
function dagreSource(): string {
  const dist = dirname(createRequire(import.meta.url).resolve('@dagrejs/dagre'));
  const code = readFileSync(join(dist, 'dagre.min.js'), 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  const legal = readFileSync(join(dist, 'dagre.min.js.LEGAL.txt'), 'utf8');
  return `${legal}\n${code}`.replace(/<\/script/gi, '<\\/script');
}

/** The report page for a selection made with `keepMatrices: true` (and `keepCurveSelections` for the curve's subsets). */
export function reportHtml(res: KimetrixResult, graph?: CallGraph): string {
  if (!res.matrices) throw new TypeError('reportHtml needs a result made with keepMatrices: true');
  const { redundancy } = res.matrices;
  const names = res.matrices.mi.names, M = names.length;
  const metrics = reportMetrics(res);
  const serviceNames = [...new Set(metrics.map((m) => m.service))];
  const topo = analyzeTopology(graph ?? { edges: [] }, serviceNames);
  const services = serviceNames.sort((a, b) => (topo.level.get(a) ?? 0) - (topo.level.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const sIndex = new Map(services.map((s, i) => [s, i]));
  const mIndex = new Map(metrics.map((m, i) => [m.name, i]));

  // Heatmap: informative metrics, grouped by service (in graph order), by entropy inside a service.
  const informative = metrics.map((m, i) => ({ m, i })).filter(({ m, i }) => i < M && m.entropy > 0)
    .sort((a, b) => sIndex.get(a.m.service)! - sIndex.get(b.m.service)! || b.m.entropy - a.m.entropy);
  const n = informative.length;
  const f = Math.max(1, Math.ceil(n / HEATMAP_MAX));
  const cellsN = Math.ceil(n / f);
  const cells = new Uint8Array(cellsN * cellsN);
  for (let a = 0; a < n; a++) {
    const ra = Math.floor(a / f), ia = informative[a].i;
    for (let b = 0; b < n; b++) {
      const v = Math.abs(redundancy.values[ia * M + informative[b].i]);
      const q = Number.isNaN(v) ? 0 : Math.round(Math.min(1, v) * 255);
      const k = ra * cellsN + Math.floor(b / f);
      if (q > cells[k]) cells[k] = q;  // block maximum: the strongest redundancy in the block
    }
  }
  const bands: [number, number, number][] = [];  // [service, first cell, last cell]
  informative.forEach(({ m }, a) => {
    const s = sIndex.get(m.service)!, c = Math.floor(a / f);
    const last = bands[bands.length - 1];
    if (last && last[0] === s) last[2] = c; else bands.push([s, c, c]);
  });

  const curveSel = res.curveSelections?.map((sel) => sel.map((x) => mIndex.get(x)).filter((i): i is number => i !== undefined));
  const statusCode: Record<MetricStatus, number> = { kept: 0, 'kept by request': 1, covered: 2, 'not covered': 3, constant: 4, excluded: 5 };
  const round = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(4)));
  const data = {
    summary: {
      metrics: metrics.length, informative: res.informative ?? n, selected: res.selected.length, services: services.length,
      epsilon: res.epsilon, coverage: res.coverage, measure: res.measure, theta: res.theta, mode: res.mode, tuner: res.tuner, version: res.version,
    },
    services,
    // name, service, status, entropy, representative index, redundancy, cross-service (1/0/-1)
    metrics: metrics.map((m) => [m.name, sIndex.get(m.service)!, statusCode[m.status], round(m.entropy),
      m.representative === null ? -1 : mIndex.get(m.representative)!, round(m.redundancy), m.crossService === null ? -1 : m.crossService ? 1 : 0]),
    edges: (graph?.edges ?? []).filter((e) => e.from !== e.to).map((e) => [e.from, e.to, e.probability ?? null]),
    curve: res.curve.map((p) => [p.size, p.coverage, p.epsilon]),
    pick: res.pick,
    curveSelections: curveSel ?? null,
    heatmap: { size: cellsN, factor: f, members: informative.map(({ i }) => i), bands, cells: Buffer.from(cells).toString('base64') },
    warnings: res.warnings,
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  // One pass with a function replacement: a string one would expand $' $` $& in metric names, and a
  // second pass could match a placeholder inside the inserted text (corrupting the page).
  const parts: Record<string, string> = { __DAGRE__: dagreSource(), __DATA__: json };
  return PAGE.replace(/__DAGRE__|__DATA__/g, (k) => parts[k]);
}

/** Writes report.html atomically. */
export async function writeReport(path: string, res: KimetrixResult, graph?: CallGraph): Promise<void> {
  await writeTextAtomic(path, reportHtml(res, graph));
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>metricsift report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1280px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.summary{display:flex;flex-wrap:wrap;gap:8px 20px;color:#444}.summary b{color:#000}
svg text{font-size:11px}.panel{border:1px solid #ddd;border-radius:6px;padding:8px;overflow:auto;position:relative}
table{border-collapse:collapse;margin:4px 0 12px;width:100%}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6;cursor:pointer;user-select:none;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.st-0,.st-1{color:#075}.st-2{color:#555}.st-3{color:#b00;font-weight:600}.st-4,.st-5{color:#999}
.alert{border:1px solid #e5b3b3;background:#fff4f4;border-radius:6px;padding:8px 12px}.ok{border-color:#b3e5c4;background:#f3fff6}
.warn li{color:#a60}#tip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:3px 6px;border-radius:4px;font-size:12px;display:none;max-width:640px}
.controls{display:flex;gap:10px;align-items:center;margin:6px 0}.in-point{background:#eef6ff}
.curve-point{cursor:pointer}.wrap{max-height:640px;overflow:auto}
</style></head>
<body data-rendered="pending">
<h1>metricsift: what the selection keeps and what it loses</h1>
<div class="summary" id="summary"></div>
<h2>Dropped metrics not covered by any kept metric</h2><div id="uncovered" class="alert"></div>
<h2>Warnings</h2><ul id="warnings" class="warn"></ul>
<h2>Subset size against coverage</h2><div class="panel"><svg id="curve" width="720" height="340" role="img" aria-label="size/coverage curve"></svg><div id="point-info"></div></div>
<h2>Service graph</h2><div class="panel"><svg id="graph" role="img" aria-label="service call graph"></svg></div>
<h2>Redundancy between informative metrics, by service</h2><div class="panel"><canvas id="heatmap" aria-label="redundancy heatmap"></canvas><div id="heatmap-note"></div></div>
<h2>All metrics</h2>
<div class="controls"><input id="search" type="search" placeholder="search metric, service or representative" size="40">
<select id="status-filter"><option value="">every status</option></select>
<label><input id="point-only" type="checkbox"> only the shown curve point's selection</label><span id="row-count"></span></div>
<div class="wrap"><table id="metrics"><thead><tr id="metrics-head"></tr></thead><tbody></tbody></table></div>
<div id="tip"></div>
<script>__DAGRE__</script>
<script type="application/json" id="data">__DATA__</script>
<script>
(function () {
  window.addEventListener('error', function (e) { document.body.dataset.rendered = 'error: ' + e.message; });
  var D = JSON.parse(document.getElementById('data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  function el(tag, attrs, parent, text) {  // children of SVG elements are SVG elements
    var e = tag === 'svg' || (parent && parent.namespaceURI === NS) ? document.createElementNS(NS, tag) : document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function pct(x) { return (100 * x).toFixed(1) + ' %'; }
  var STATUS = ['kept', 'kept by request', 'dropped, covered', 'dropped, NOT covered', 'constant', 'excluded'];
  var S = D.summary, M = D.metrics, tip = document.getElementById('tip');
  function showTip(ev, text) { tip.textContent = text; tip.style.display = 'block'; tip.style.left = (ev.clientX + 12) + 'px'; tip.style.top = (ev.clientY + 12) + 'px'; }
  function hideTip() { tip.style.display = 'none'; }
  var counts = [0, 0, 0, 0, 0, 0]; M.forEach(function (m) { counts[m[2]]++; });
  [['metrics', S.metrics], ['informative', S.informative], ['kept', S.selected], ['not covered', counts[3]], ['services', S.services],
   ['coverage', pct(S.coverage)], ['measure', S.measure + ', θ = ' + S.theta], ['mode', S.mode + (S.tuner ? ' / ' + S.tuner : '')],
   ['ε', S.epsilon === null ? '–' : S.epsilon.toPrecision(3)], ['metricsift', S.version]].forEach(function (kv) {
    var s = el('span', {}, document.getElementById('summary')); el('b', {}, s, kv[0] + ': '); s.appendChild(document.createTextNode(String(kv[1])));
  });

  // What is lost: the uncovered drops, by service.
  var unc = document.getElementById('uncovered'), bySvc = {};
  M.forEach(function (m) { if (m[2] === 3) (bySvc[D.services[m[1]]] = bySvc[D.services[m[1]]] || []).push(m[0]); });
  if (counts[3] === 0) { unc.className = 'alert ok'; unc.textContent = 'Every dropped informative metric has a kept metric with redundancy above θ = ' + S.theta + '.'; }
  else {
    el('p', { id: 'uncovered-count' }, unc, counts[3] + ' dropped informative metrics have no kept metric with redundancy above θ = ' + S.theta + ': their information is lost.');
    var ul = el('ul', {}, unc);
    Object.keys(bySvc).sort().forEach(function (s) { el('li', {}, ul, s + ' (' + bySvc[s].length + '): ' + bySvc[s].slice(0, 6).join(', ') + (bySvc[s].length > 6 ? ', …' : '')); });
    var b = el('button', { id: 'show-uncovered' }, unc, 'list them below');
    b.addEventListener('click', function () { filter.value = '3'; render(); });
  }
  var wl = document.getElementById('warnings');
  if (!D.warnings.length) el('li', {}, wl, 'none');
  D.warnings.forEach(function (w) { el('li', { 'class': 'warning' }, wl, w.code + ': ' + w.message); });

  // The curve: every point labelled with its size; the chosen one ringed; a click shows a point's subset.
  var cv = document.getElementById('curve'), W = 720, Hh = 340, P = 48, shown = D.pick;
  var maxSize = Math.max.apply(null, D.curve.map(function (a) { return a[0]; }).concat([1]));
  var minCov = Math.min.apply(null, D.curve.map(function (a) { return a[1]; }).concat([0]));
  function X(s) { return P + (W - 2 * P) * s / maxSize; } function Y(c) { return Hh - P - (Hh - 2 * P) * (c - minCov) / Math.max(1e-9, 1 - minCov); }
  el('line', { x1: P, y1: Hh - P, x2: W - P, y2: Hh - P, stroke: '#888' }, cv); el('line', { x1: P, y1: P, x2: P, y2: Hh - P, stroke: '#888' }, cv);
  el('text', { x: W / 2 - 50, y: Hh - 12 }, cv, 'metrics kept (subset size)'); el('text', { x: 4, y: P - 16 }, cv, 'coverage');
  [minCov, (minCov + 1) / 2, 1].forEach(function (c) { el('text', { x: 4, y: Y(c) + 4 }, cv, pct(c)); });
  el('text', { x: W - P - 10, y: Hh - P + 16 }, cv, String(maxSize)); el('text', { x: P - 4, y: Hh - P + 16 }, cv, '0');
  el('polyline', { points: D.curve.map(function (a) { return X(a[0]) + ',' + Y(a[1]); }).join(' '), fill: 'none', stroke: '#9bc' }, cv);
  var pointEls = D.curve.map(function (a, i) {
    var g = el('g', { 'class': 'curve-point', 'data-index': i }, cv);
    el('circle', { cx: X(a[0]), cy: Y(a[1]), r: i === D.pick ? 6 : 4, fill: i === D.pick ? '#d22' : '#48c', id: i === D.pick ? 'chosen-point' : null }, g);
    el('text', { 'class': 'curve-label', x: X(a[0]) + 5, y: Y(a[1]) - 6 - 9 * (i % 3) }, g, String(a[0]));
    el('title', {}, g, 'point ' + (i + 1) + ': ' + a[0] + ' metrics, coverage ' + pct(a[1]) + (a[2] === null ? '' : ', ε = ' + a[2].toPrecision(3)) + (i === D.pick ? ' (chosen)' : ''));
    g.addEventListener('click', function () { showPoint(i); });
    return g;
  });
  var inPoint = new Uint8Array(M.length);
  function showPoint(i) {
    shown = i; inPoint.fill(0);
    var sel = D.curveSelections ? D.curveSelections[i] : (i === D.pick ? M.map(function (m, k) { return m[2] <= 1 ? k : -1; }).filter(function (k) { return k >= 0; }) : null);
    if (sel) sel.forEach(function (k) { inPoint[k] = 1; });
    pointEls.forEach(function (g, j) { g.firstChild.setAttribute('stroke', j === i ? '#000' : 'none'); g.firstChild.setAttribute('stroke-width', 2); });
    var a = D.curve[i];
    document.getElementById('point-info').textContent = 'Shown: point ' + (i + 1) + ' of ' + D.curve.length + (i === D.pick ? ' (the chosen one)' : '') + ': ' + a[0] + ' metrics, coverage ' + pct(a[1]) +
      (sel ? '; rows in this subset are highlighted below (tick the box to list only them).' : '; its subset was not stored (scan stores every point\\'s subset).');
    document.getElementById('point-info').dataset.size = sel ? String(sel.length) : '';
    render();
  }

  // Service graph: dagre layout (left to right), arrows, full names with the number kept.
  var gsvg = document.getElementById('graph'), kept = {}, total = {};
  M.forEach(function (m) { var s = D.services[m[1]]; total[s] = (total[s] || 0) + 1; if (m[2] <= 1) kept[s] = (kept[s] || 0) + 1; });
  var g = new dagre.graphlib.Graph(); g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 60, marginx: 10, marginy: 10 }); g.setDefaultEdgeLabel(function () { return {}; });
  D.services.forEach(function (s) { var label = s + ' (' + (kept[s] || 0) + ' kept)'; g.setNode(s, { label: label, width: 16 + 6.6 * label.length, height: 24 }); });
  D.edges.forEach(function (e) { if (g.hasNode(e[0]) && g.hasNode(e[1])) g.setEdge(e[0], e[1], { p: e[2] }); });
  dagre.layout(g);
  var gw = g.graph().width, gh = g.graph().height;
  gsvg.setAttribute('viewBox', '0 0 ' + gw + ' ' + gh); gsvg.setAttribute('width', Math.min(gw, 1240)); gsvg.setAttribute('height', gh * Math.min(1, 1240 / gw));
  var defs = el('defs', {}, gsvg), mk = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
  el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#888' }, mk);
  g.edges().forEach(function (e) {
    var ed = g.edge(e), pts = ed.points.map(function (p) { return p.x + ',' + p.y; });
    var path = el('path', { 'class': 'service-edge', d: 'M' + pts.join(' L'), fill: 'none', stroke: '#999', 'stroke-width': ed.p === null ? 1 : 0.6 + 2.4 * ed.p, 'marker-end': 'url(#arrow)' }, gsvg);
    el('title', {}, path, e.v + ' → ' + e.w + (ed.p === null ? '' : ' (P = ' + ed.p.toFixed(3) + ')'));
  });
  g.nodes().forEach(function (s) {
    var nd = g.node(s), share = total[s] ? (kept[s] || 0) / total[s] : 0;
    var grp = el('g', { 'class': 'service-node' }, gsvg);
    el('rect', { x: nd.x - nd.width / 2, y: nd.y - nd.height / 2, width: nd.width, height: nd.height, rx: 5, fill: 'hsl(150,60%,' + (94 - 50 * share) + '%)', stroke: '#075' }, grp);
    el('text', { x: nd.x, y: nd.y + 4, 'text-anchor': 'middle' }, grp, nd.label);
    el('title', {}, grp, s + ': ' + (kept[s] || 0) + ' of ' + total[s] + ' metrics kept');
    grp.addEventListener('click', function () { search.value = s + '/'; render(); });
  });

  // Heatmap: informative metrics grouped by service, bands and names on hover; block maxima when downsampled.
  var hm = D.heatmap, n = hm.size, px = Math.max(1, Math.min(4, Math.floor(900 / Math.max(1, n)))), pad = 4, canvas = document.getElementById('heatmap');
  canvas.width = n * px + pad; canvas.height = n * px + pad; canvas.dataset.cells = String(n);
  var ctx = canvas.getContext('2d'), img = ctx.createImageData(n * px, n * px), raw = atob(hm.cells);
  for (var r = 0; r < n; r++) for (var c2 = 0; c2 < n; c2++) {
    var v = raw.charCodeAt(r * n + c2);
    for (var dy = 0; dy < px; dy++) for (var dx = 0; dx < px; dx++) {
      var o = 4 * ((r * px + dy) * n * px + c2 * px + dx); img.data[o] = 255 - v; img.data[o + 1] = 255 - v * 0.45; img.data[o + 2] = 255 - v * 0.15; img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, pad, pad);
  hm.bands.forEach(function (b, k) {  // service bands on both axes, alternating shades
    ctx.fillStyle = k % 2 ? '#7a7' : '#ccc'; ctx.fillRect(0, pad + b[1] * px, pad - 1, (b[2] - b[1] + 1) * px); ctx.fillRect(pad + b[1] * px, 0, (b[2] - b[1] + 1) * px, pad - 1);
    ctx.strokeStyle = 'rgba(0,0,0,0.25)'; ctx.strokeRect(pad + b[1] * px, pad + b[1] * px, (b[2] - b[1] + 1) * px, (b[2] - b[1] + 1) * px);
  });
  function cellName(c) {
    var first = c * hm.factor, last = Math.min(hm.members.length, first + hm.factor) - 1, m = M[hm.members[first]];
    return m[0] + (last > first ? ' (+' + (last - first) + ' more)' : '');
  }
  canvas.addEventListener('mousemove', function (ev) {
    var rect = canvas.getBoundingClientRect(), cx = Math.floor((ev.clientX - rect.left - pad) / px), cy = Math.floor((ev.clientY - rect.top - pad) / px);
    if (cx < 0 || cy < 0 || cx >= n || cy >= n) return hideTip();
    showTip(ev, cellName(cy) + ' × ' + cellName(cx) + ': ' + (raw.charCodeAt(cy * n + cx) / 255).toFixed(2) + ' [' + D.services[M[hm.members[cy * hm.factor]][1]] + ' × ' + D.services[M[hm.members[cx * hm.factor]][1]] + ']');
  });
  canvas.addEventListener('mouseleave', hideTip);
  document.getElementById('heatmap-note').textContent = hm.members.length + ' informative metrics (constants left out) in ' + hm.bands.length + ' service bands' +
    (hm.factor > 1 ? '; each cell is the maximum over ' + hm.factor + ' × ' + hm.factor + ' metrics' : '') + '; darker = more redundant (' + S.measure + '); hover for names.';

  // The table of every metric: search, status filter, sort by any column.
  var head = document.getElementById('metrics-head'), body = document.querySelector('#metrics tbody'), search = document.getElementById('search'), filter = document.getElementById('status-filter');
  var COLS = ['metric', 'service', 'status', 'representative', 'redundancy', 'vs θ', 'same / cross service', 'entropy (bits)'];
  var sortCol = 2, sortDir = 1;
  STATUS.forEach(function (s, k) { el('option', { value: String(k) }, filter, s + ' (' + counts[k] + ')'); });
  COLS.forEach(function (c, k) {
    var th = el('th', { 'data-col': k }, head, c);
    th.addEventListener('click', function () { sortDir = sortCol === k ? -sortDir : 1; sortCol = k; render(); });
  });
  function key(m, k) {
    switch (k) {
      case 0: return m[0]; case 1: return D.services[m[1]]; case 2: return m[2]; case 3: return m[4] < 0 ? '' : M[m[4]][0];
      case 4: case 5: return m[5] === null ? -1 : m[5]; case 6: return m[6]; default: return m[3] === null ? -1 : m[3];
    }
  }
  function render() {
    var q = search.value.toLowerCase(), st = filter.value, only = document.getElementById('point-only').checked;
    var rows = [];
    M.forEach(function (m, k) {
      if (st !== '' && m[2] !== Number(st)) return;
      if (only && !inPoint[k]) return;
      if (q && (m[0] + ' ' + D.services[m[1]] + ' ' + (m[4] < 0 ? '' : M[m[4]][0])).toLowerCase().indexOf(q) < 0) return;
      rows.push(k);
    });
    rows.sort(function (a, b) { var x = key(M[a], sortCol), y = key(M[b], sortCol); return (x < y ? -1 : x > y ? 1 : a - b) * sortDir; });
    body.textContent = '';
    var frag = document.createDocumentFragment();
    rows.forEach(function (k) {
      var m = M[k], tr = el('tr', { 'class': 'metric-row' + (inPoint[k] ? ' in-point' : ''), 'data-status': m[2] }, frag);
      el('td', {}, tr, m[0]); el('td', {}, tr, D.services[m[1]]); el('td', { 'class': 'st-' + m[2] }, tr, STATUS[m[2]]);
      el('td', {}, tr, m[4] < 0 ? '' : M[m[4]][0]); el('td', { 'class': 'n' }, tr, m[5] === null ? '' : m[5].toFixed(3));
      el('td', {}, tr, m[5] === null ? '' : (m[5] > S.theta ? '> θ' : '≤ θ'));
      el('td', {}, tr, m[6] < 0 ? '' : m[6] ? 'cross-service' : 'same service'); el('td', { 'class': 'n' }, tr, m[3] === null ? 'n/a' : m[3].toFixed(3));
    });
    body.appendChild(frag);
    document.getElementById('row-count').textContent = rows.length + ' of ' + M.length + ' metrics';
  }
  search.addEventListener('input', render); filter.addEventListener('change', render); document.getElementById('point-only').addEventListener('change', render);
  showPoint(D.pick >= 0 ? D.pick : 0);
  if (document.body.dataset.rendered === 'pending') document.body.dataset.rendered = 'ok';
})();
</script>
</body></html>
`;
