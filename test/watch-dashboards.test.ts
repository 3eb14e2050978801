// The Grafana dashboards generated for watch, validated against Grafana's published dashboard type
// (@grafana/schema's Dashboard as JSON Schema, unknown properties forbidden; see
// test/fixtures/README.md), with every query parsed by Prometheus's own promtool where installed.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { watchDashboards } from '../src/watch/dashboards.js';
import { fixtures, useTempDir } from './helpers.js';
import { prometheusInstalled } from './prometheus.js';

const tempDir = useTempDir('dashboards');
const schema = JSON.parse(readFileSync(join(fixtures, 'grafana-dashboard.schema.json'), 'utf8')) as { $comment: string };
const boards = watchDashboards({
  targets: ['shop/latency{instance="a:1",job="app"}'], topSignals: [{ name: 'shop/cpu', selector: 'cpu{service="shop"}' }], leakageQuery: 'max(leakage_score)',
});
// watch's own leakage series (its `leakage` option) instead of an expression.
const leakBoard = watchDashboards({ leakage: true }).executive;
type Panel = { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets: { expr: string }[] };

describe('watch dashboards', () => {
  it('validate against the installed @grafana/schema Dashboard type', () => {
    const version = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@grafana/schema/package.json'), 'utf8')) as { version: string }).version;
    expect(schema.$comment).toContain(`@grafana/schema ${version}:`);
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    for (const [name, d] of [...Object.entries(boards), ['executive with leakage', leakBoard] as const]) {
      const ok = validate(d);
      expect(ok, `${name}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    }
    // The validator does reject what Grafana's type does not have.
    expect(validate({ ...boards.debug, panelz: [] })).toBe(false);
    expect(validate({ ...boards.debug, schemaVersion: '39' })).toBe(false);
  });

  it('hold the panels each audience needs, on a grid without overlaps, with unique ids', () => {
    const titles = (d: object) => (d as { panels: Panel[] }).panels.map((p) => p.title);
    expect(titles(boards.executive).join('\n')).toMatch(/Top metrics by MI[\s\S]*Redundancy index[\s\S]*samples per day saved[\s\S]*Leakage score/);
    expect(titles(boards.oncall).join('\n')).toMatch(/MI to \$target[\s\S]*Recent MI drops[\s\S]*Drift/);
    expect(titles(boards.debug).join('\n')).toMatch(/Raw series[\s\S]*with its interval[\s\S]*Redundancy heatmap/);
    expect(titles(watchDashboards({}).executive).join('\n')).not.toMatch(/Leakage/);
    const leak = (leakBoard as { panels: Panel[] }).panels.find((p) => /Leakage/.test(p.title))!;
    expect(leak.targets.map((t) => t.expr)).toEqual(['metricsift_leakage_fraction{job="$job"}']);
    for (const d of Object.values(boards) as { panels: Panel[] }[]) {
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
      for (const a of d.panels) {
        expect(a.gridPos.x + a.gridPos.w).toBeLessThanOrEqual(24);
        for (const b of d.panels) {
          if (a === b) continue;
          const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
          expect(overlap, `${a.title} / ${b.title}`).toBe(false);
        }
      }
    }
  });

  it.skipIf(!prometheusInstalled)('every query is valid PromQL (promtool, variables given values)', async () => {
    const exprs = ([...Object.values(boards), leakBoard] as { panels: Panel[] }[]).flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => t.expr)));
    expect(exprs.length).toBeGreaterThan(12);
    // One recording rule per query: promtool parses each with Prometheus's own parser.
    const rules = exprs.map((e, k) => {
      const q = e.replaceAll('$job', 'metricsift').replaceAll('$target', '.*').replaceAll('$scrape_interval', '15');
      return `      - record: q${k}\n        expr: ${JSON.stringify(q)}`;
    });
    const file = join(tempDir(), 'queries.yaml');
    writeFileSync(file, `groups:\n  - name: dashboards\n    rules:\n${rules.join('\n')}\n`);
    const out = await promisify(execFile)('promtool', ['check', 'rules', file]);
    expect(out.stdout).toMatch(new RegExp(`SUCCESS: ${exprs.length} rules found`));
  });
});
