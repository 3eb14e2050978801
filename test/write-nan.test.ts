// One NaN convention for every tabular output (src/io/write.ts): NaN is an empty CSV field and
// null in JSON; infinities are Infinity/-Infinity in CSV. Each writer is given a NaN in a numeric
// cell and its output checked, and the CSV read back gives NaN again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  writeAimdLog, writeCurve, writeDrift, writeEntropy, writeLeakage, writeMatrix, writePairs, writeRanking, writeSelection, writeTransferEntropy,
} from '../src/io/write.js';
import type { TransferEntropyResult } from '../src/analysis/transfer.js';
import { parseCsv } from '../src/io/csv.js';
import type { Ranking } from '../src/analysis/rank.js';
import type { DriftResult } from '../src/analysis/drift.js';
import type { LeakageResult } from '../src/analysis/leakage.js';
import type { KimetrixResult } from '../src/select/index.js';
import { useTempDir } from './helpers.js';

const dir = useTempDir('write-nan');

/** The cells of a CSV line (no quoting in these fixtures). */
const cells = (text: string, line: number) => text.split('\n')[line].split(',');

describe('one NaN convention for all tabular outputs', () => {
  it('matrix, pairs and entropies: NaN an empty CSV field, null in JSON; Infinity spelled out in CSV', async () => {
    const f = join(dir(), 'm.csv');
    await writeMatrix(f, { names: ['a', 'b'], values: new Float64Array([1, NaN, Infinity, 1]) });
    const text = readFileSync(f, 'utf8');
    expect(text).toBe('metric,a,b\na,1,\nb,Infinity,1\n');
    const back = parseCsv(text, f);
    expect(Array.from(back.columns[1].chunks[0].values)).toEqual([NaN, 1]);
    expect(Array.from(back.columns[0].chunks[0].values)).toEqual([1, Infinity]);
    const j = join(dir(), 'm.json');
    await writeMatrix(j, { names: ['a', 'b'], values: new Float64Array([1, NaN, Infinity, 1]) });
    expect(JSON.parse(readFileSync(j, 'utf8')).values).toEqual([[1, null], [null, 1]]);

    const p = join(dir(), 'p.csv');
    await writePairs(p, { names: ['a', 'b'], i: [0], j: [1], value: [NaN], rowsUsed: [1] }, { digits: 3 });
    expect(cells(readFileSync(p, 'utf8'), 1)).toEqual(['a', 'b', '', '1']);
    const e = join(dir(), 'e.csv');
    await writeEntropy(e, [{ name: 'a', entropy: NaN, rowsUsed: 0 }]);
    expect(cells(readFileSync(e, 'utf8'), 1)).toEqual(['a', '', '0']);
  });

  it('ranking, drift and leakage: the same empty field and null', async () => {
    const entry = { metric: 'm', mi: NaN, ci: [NaN, 0.5], p: NaN, rowsUsed: 3, bins: [2, 2], warnings: [] };
    const ranking = { target: 't', measure: 'mi', estimator: 'binned', orderBy: 'mi', units: 'bits', share: 1, topN: 1, top: [], total: 1, level: 0.95, replicates: 10, method: 'bias-corrected', block: 1, ranking: [{ ...entry, estimate: NaN }], warnings: [] } as unknown as Ranking;
    const r = join(dir(), 'r.csv');
    await writeRanking(r, ranking);
    const rt = readFileSync(r, 'utf8');
    expect(cells(rt, 0).slice(0, 5)).toEqual(['metric', 'mi_bits', 'ci_lo', 'ci_hi', 'p']);
    expect(cells(rt, 1).slice(0, 5)).toEqual(['m', '', '', '0.5', '']);
    const rj = join(dir(), 'r.json');
    await writeRanking(rj, ranking);
    expect(JSON.parse(readFileSync(rj, 'utf8')).ranking[0]).toMatchObject({ mi: null, ci: [null, 0.5], p: null, estimate: null });

    const drift = [{ a: 'x', b: 'y', units: 'bits', windows: [{ start: 0, end: 4, mi: NaN, ci: [NaN, NaN], rowsUsed: 0, outside: 0, flagged: false, warnings: [], estimate: NaN, block: 1 }] }] as unknown as DriftResult[];
    const d = join(dir(), 'd.csv');
    await writeDrift(d, drift);
    expect(cells(readFileSync(d, 'utf8'), 1)).toEqual(['x', 'y', '0', '0', '4', '', '', '', '0', '0', '0', '', '', '1']);
    const dj = join(dir(), 'd.json');
    await writeDrift(dj, drift);
    expect(JSON.parse(readFileSync(dj, 'utf8'))[0].windows[0]).toMatchObject({ mi: null, ci: [null, null], estimate: null });

    const leakage = { units: 'bits', overall: { mi: NaN, hIdentifier: 1, fraction: NaN, rowsUsed: 0, flagged: false, warnings: [] }, segments: [] } as unknown as LeakageResult;
    const l = join(dir(), 'l.csv');
    await writeLeakage(l, leakage);
    expect(cells(readFileSync(l, 'utf8'), 1)).toEqual(['', '', '1', '', '0', '0', '']);
  });

  it('transfer entropy (te): the same empty field and null, one CSV row per direction', async () => {
    const one = (te: number) => ({ te, p: NaN, null: new Float64Array(0), permutations: 0, excess: NaN, block: 3, lag: 2, units: 'bits', rowsUsed: 40, bins: [4, 4, 4], cells: 64, warnings: [{ code: 'MS_SMALL_SAMPLE', message: 'm' }] }) as TransferEntropyResult;
    const r = { from: 'a', to: 'b', forward: one(0.5), backward: { ...one(NaN), estimate: NaN, ci: [NaN, 0.25] as [number, number] } };
    const c = join(dir(), 'te.csv');
    await writeTransferEntropy(c, r);
    const text = readFileSync(c, 'utf8');
    expect(cells(text, 0)).toEqual(['from', 'to', 'lag', 'te_bits', 'p', 'excess', 'estimate', 'ci_lo', 'ci_hi', 'block', 'rows_used', 'bins', 'warnings']);
    expect(cells(text, 1)).toEqual(['a', 'b', '2', '0.5', '', '', '', '', '', '3', '40', '4x4x4', 'MS_SMALL_SAMPLE']);
    expect(cells(text, 2)).toEqual(['b', 'a', '2', '', '', '', '', '', '0.25', '3', '40', '4x4x4', 'MS_SMALL_SAMPLE']);
    const j = join(dir(), 'te.json');
    await writeTransferEntropy(j, r);
    const back = JSON.parse(readFileSync(j, 'utf8'));
    expect(back).toMatchObject({ lag: 2, units: 'bits', permutations: 0 });
    expect(back.forward).toEqual({ from: 'a', to: 'b', te: 0.5, p: null, excess: null, block: 3, rows_used: 40, bins: [4, 4, 4], warnings: [{ code: 'MS_SMALL_SAMPLE', message: 'm' }] });
    expect(back.backward).toMatchObject({ from: 'b', to: 'a', te: null, estimate: null, ci: [null, 0.25] });
  });

  it("the selection's curve, AIMD log and selection.json", async () => {
    const res = {
      curve: [{ epsilon: null, size: 2, coverage: NaN }], pick: 0,
      iterations: [{ iteration: 0, epsilon: NaN, size: 2, coverage: 0.5, next: 'increase' }],
      coverage: NaN, selected: [],
    } as unknown as KimetrixResult;
    const c = join(dir(), 'curve.csv');
    await writeCurve(c, res);
    expect(cells(readFileSync(c, 'utf8'), 1)).toEqual(['0', '', '2', '', '1']);
    const a = join(dir(), 'aimd.csv');
    await writeAimdLog(a, res);
    expect(cells(readFileSync(a, 'utf8'), 1)).toEqual(['0', '', '2', '0.5', 'increase']);
    const s = join(dir(), 'selection.json');
    await writeSelection(s, res);
    expect(JSON.parse(readFileSync(s, 'utf8')).coverage).toBeNull();
  });
});
