/**
 * The drift report: one self-contained HTML page (no script, no network) with, per pair, an SVG
 * line plot of MI per window, the bootstrap interval as a band, the baseline interval, and the
 * flagged (sustained) changes shaded. Styled like report.html.
 */
import type { DriftResult } from '../analysis/drift.js';
import { writeTextAtomic } from '../io/write.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(3) : 'n/a');

/** One pair's plot: x = window centre (row), y = MI. */
export function driftSvg(d: DriftResult): string {
  const W = 720, H = 250, L = 56, R = 16, T = 26, B = 36;
  const ws = d.windows;
  const finite = ws.filter((w) => Number.isFinite(w.mi));
  const top = Math.max(1e-9, ...finite.map((w) => w.ci[1]), d.baseline.ci[1]) * 1.05;
  const first = ws[0].start, last = ws[ws.length - 1].end;
  const X = (row: number) => L + ((W - L - R) * (row - first)) / Math.max(1, last - first);
  const Y = (v: number) => H - B - ((H - T - B) * v) / top;
  const mid = (w: { start: number; end: number }) => (w.start + w.end) / 2;
  const parts: string[] = [];
  for (const c of d.changes) {
    parts.push(`<rect class="flagged" x="${X(c.start).toFixed(1)}" y="${T}" width="${(X(c.end) - X(c.start)).toFixed(1)}" height="${H - T - B}" fill="${c.direction === 'up' ? '#fde2c8' : '#f8d0d0'}"><title>sustained ${c.direction === 'up' ? 'rise' : 'drop'}: windows ${c.firstWindow}–${c.lastWindow} (rows ${c.start}–${c.end - 1})</title></rect>`);
  }
  const b = d.baseline;
  parts.push(`<rect class="baseline" x="${L}" y="${Y(b.ci[1]).toFixed(1)}" width="${W - L - R}" height="${Math.max(0.5, Y(b.ci[0]) - Y(b.ci[1])).toFixed(1)}" fill="#999" fill-opacity="0.18"><title>baseline interval ${fmt(b.ci[0])}–${fmt(b.ci[1])} ${d.units}</title></rect>`);
  // The band and the line break at windows without an estimate.
  const runs: (typeof ws)[] = [];
  for (const w of ws) {
    if (!Number.isFinite(w.mi)) { runs.push([]); continue; }
    if (runs.length === 0) runs.push([]);
    runs[runs.length - 1].push(w);
  }
  for (const run of runs.filter((r) => r.length > 0)) {
    const upper = run.map((w) => `${X(mid(w)).toFixed(1)},${Y(w.ci[1]).toFixed(1)}`);
    const lower = run.map((w) => `${X(mid(w)).toFixed(1)},${Y(w.ci[0]).toFixed(1)}`).reverse();
    parts.push(`<polygon class="ci-band" points="${[...upper, ...lower].join(' ')}" fill="#48c" fill-opacity="0.25"/>`);
    // The estimate the interval is about (bias-corrected by default), so the line stays in its band.
    parts.push(`<polyline class="mi-line" points="${run.map((w) => `${X(mid(w)).toFixed(1)},${Y(w.estimate ?? w.mi).toFixed(1)}`).join(' ')}" fill="none" stroke="#236" stroke-width="1.5"/>`);
  }
  for (const w of finite) {
    parts.push(`<circle cx="${X(mid(w)).toFixed(1)}" cy="${Y(w.estimate ?? w.mi).toFixed(1)}" r="2.5" fill="${w.flagged ? '#d22' : '#236'}"><title>rows ${w.start}–${w.end - 1}${w.time ? ` (${esc(w.time[0])} – ${esc(w.time[1])})` : ''}: ${fmt(w.estimate ?? w.mi)} ${d.units} [${fmt(w.ci[0])}, ${fmt(w.ci[1])}] (plug-in ${fmt(w.mi)})</title></circle>`);
  }
  const axes = [
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#888"/>`, `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#888"/>`,
    `<text x="${L - 6}" y="${Y(0) + 4}" text-anchor="end">0</text>`, `<text x="${L - 6}" y="${Y(top / 1.05) + 4}" text-anchor="end">${fmt(top / 1.05)}</text>`,
    `<text x="${L}" y="${H - 12}">row ${first}${ws[0].time ? ` (${esc(ws[0].time[0])})` : ''}</text>`,
    `<text x="${W - R}" y="${H - 12}" text-anchor="end">row ${last - 1}${ws[ws.length - 1].time ? ` (${esc(ws[ws.length - 1].time![1])})` : ''}</text>`,
    `<text x="4" y="12">MI (${d.units})</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="MI per window: ${esc(d.a)} and ${esc(d.b)}">${axes.join('')}${parts.join('')}</svg>`;
}

/**
 * The drift report page. With many pairs (more than `maxPlots`, default 50) only the pairs with a
 * flagged change are plotted (all are listed in the summary table).
 */
export function driftReportHtml(results: DriftResult[], opts: { title?: string; maxPlots?: number } = {}): string {
  const maxPlots = opts.maxPlots ?? 50;
  const plotted = results.length <= maxPlots ? results : results.filter((r) => r.changes.length > 0).slice(0, maxPlots);
  const p0 = results[0];
  const rows = results.map((r) => `<tr><td>${esc(r.a)}</td><td>${esc(r.b)}</td><td class="n">${fmt(r.baseline.mi)}</td><td class="n">${r.windows.length}</td><td>${r.changes.map((c) => `${c.direction} rows ${c.start}–${c.end - 1}`).join('; ') || '—'}</td></tr>`);
  const sections = plotted.map((r) => `<h2>${esc(r.a)} ~ ${esc(r.b)}</h2><div class="panel">${driftSvg(r)}</div>${r.warnings.map((w) => `<p class="warn">${esc(w.code)}: ${esc(w.message)}</p>`).join('')}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(opts.title ?? 'metricsift drift report')}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.summary{color:#444}svg text{font-size:11px}.panel{border:1px solid #ddd;border-radius:6px;padding:8px;overflow:auto}
table{border-collapse:collapse;margin:4px 0 12px}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}
th{background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}.warn{color:#a60}
</style></head>
<body>
<h1>${esc(opts.title ?? 'metricsift: MI drift')}</h1>
<p class="summary">${results.length} pair${results.length === 1 ? '' : 's'}; windows of ${p0?.window} rows every ${p0?.step}; ${p0 ? Math.round(p0.level * 100) : ''} % block-bootstrap intervals (${p0?.block === 'auto' ? 'block length chosen per window from the data' : `blocks of ${p0?.block} rows`}, ${p0?.replicates} replicates); a change is flagged after ${p0?.persist} windows in a row with the interval entirely outside the baseline's (grey band). Shaded: flagged changes. ${plotted.length < results.length ? `Plotted: the ${plotted.length} pairs with a change.` : ''}</p>
<table><tr><th>a</th><th>b</th><th>baseline MI (${p0?.units ?? 'bits'})</th><th>windows</th><th>sustained changes</th></tr>${rows.join('')}</table>
${sections.join('\n')}
</body></html>
`;
}

/** Writes the drift report atomically. */
export async function writeDriftReport(path: string, results: DriftResult[], opts: { title?: string; maxPlots?: number } = {}): Promise<void> {
  await writeTextAtomic(path, driftReportHtml(results, opts));
}
