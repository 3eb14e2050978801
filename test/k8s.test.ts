// The Kubernetes examples: every manifest valid against the Kubernetes API schema
// (kubernetes-models' JSON schemas), and the shard and merge Jobs' own scripts, run here as the
// pods would run them, give the single run's output byte for byte.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { seededRandom } from '../src/analysis/random.js';

const root = join(import.meta.dirname, '..');
const k8s = join(root, 'examples', 'k8s');
const models: Record<string, new (o: never) => { validate(): void }> = {
  'v1/PersistentVolumeClaim': PersistentVolumeClaim, 'v1/Service': Service, 'apps/v1/Deployment': Deployment, 'batch/v1/Job': Job,
};
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> };
const manifests: Manifest[] = readdirSync(k8s).filter((f) => f.endsWith('.yaml')).flatMap((f) =>
  parseAllDocuments(readFileSync(join(k8s, f), 'utf8')).map((d) => {
    expect(d.errors, f).toEqual([]);
    return d.toJS() as Manifest;
  }));

function validate(m: Manifest): void {
  const M = models[`${m.apiVersion}/${m.kind}`];
  if (!M) throw new Error(`no schema for ${m.apiVersion} ${m.kind}`);
  new M(m as never).validate();
}

type Container = { args: string[]; env: { name: string; value: string }[] };
const container = (name: string) => ((manifests.find((m) => m.metadata.name === name)!.spec.template as { spec: { containers: Container[] } }).spec.containers[0]);

describe('examples/k8s', () => {
  it('every manifest is valid against the Kubernetes API schema (and the check can fail)', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'Deployment', 'Job', 'Job', 'PersistentVolumeClaim', 'Service']);
    for (const m of manifests) validate(m);
    const broken = structuredClone(manifests.find((m) => m.kind === 'Job')!);
    (broken.spec as { completions: unknown }).completions = 'eight';
    expect(() => validate(broken)).toThrow();
  });

  it('the Indexed Job\'s shards, then the merge Job, give the single run\'s output byte for byte', () => {
    const shard = container('metricsift-shards'), merge = container('metricsift-merge');
    const job = manifests.find((m) => m.metadata.name === 'metricsift-shards')!.spec as { completions: number; completionMode: string };
    expect(job.completionMode).toBe('Indexed');
    expect(shard.env.find((e) => e.name === 'SHARDS')!.value).toBe(String(job.completions));
    const dir = mkdtempSync(join(tmpdir(), 'metricsift-k8s-'));
    const binDir = join(dir, 'bin');
    spawnSync('mkdir', ['-p', binDir]);
    writeFileSync(join(binDir, 'metricsift'), `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin', 'metricsift.js')}" "$@"\n`);
    chmodSync(join(binDir, 'metricsift'), 0o755);
    const rnd = seededRandom(11);
    const lines = ['time,' + Array.from({ length: 24 }, (_, c) => `svc${c % 4}_m${c}`).join(',')];
    for (let r = 0; r < 400; r++) {
      const b = rnd();
      lines.push([r, ...Array.from({ length: 24 }, (_, c) => (c % 2 ? b * (c + 1) + 0.1 * rnd() : rnd()).toFixed(5))].join(','));
    }
    writeFileSync(join(dir, 'metrics.csv'), lines.join('\n') + '\n');
    const env = (c: Container, extra: Record<string, string>) => ({
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('METRICSIFT_'))),
      ...Object.fromEntries(c.env.map((e) => [e.name, e.value])), METRICSIFT_THREADS: '1', DATA: dir, PATH: `${binDir}:${process.env.PATH}`, ...extra,
    });
    for (let i = 0; i < job.completions; i++) {
      const r = spawnSync('sh', ['-c', shard.args[0]], { env: env(shard, { JOB_COMPLETION_INDEX: String(i) }), encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    const m = spawnSync('sh', ['-c', merge.args[0]], { env: env(merge, {}), encoding: 'utf8' });
    expect(m.status, m.stderr).toBe(0);
    // The single run with the shard Job's own options (its command without --shard and --out).
    const single = spawnSync(process.execPath, [join(root, 'bin', 'metricsift.js'), 'matrix', join(dir, 'metrics.csv'), '--measure', 'nmi', '--threshold', '0.3', '--out', join(dir, 'single.csv'), '--quiet'], { encoding: 'utf8' });
    expect(single.status, single.stderr).toBe(0);
    expect(shard.args[0]).toContain('--measure nmi --threshold 0.3');
    expect(readFileSync(join(dir, 'nmi-pairs.csv')).equals(readFileSync(join(dir, 'single.csv')))).toBe(true);
  }, 180_000);
});
