// Anomaly labels from fault lists: window overlap, robust z-scores, the faulty service only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anomalousMetrics, faultRows, readFaultList, withoutRows } from '../src/select/labels.js';
import { readCsv } from '../src/io/csv.js';
import { Float64, Table, vectorFromArray } from 'apache-arrow';
import { arrowToColumnTable, toColumnTable } from '../src/index.js';
import { errorOfAsync, fixtures, rng, useTempDir } from './helpers.js';

const tempDir = useTempDir('labels');
const minute = (m: number) => new Date(Date.UTC(2023, 0, 30, 11, 0) + m * 60_000).toISOString().replace('.000Z', 'Z');

describe('fault labels', () => {
  it('reads a fault list and labels rows whose minute overlaps a 3-minute window', async () => {
    const f = join(tempDir(), 'fault_list.json');
    writeFileSync(f, JSON.stringify({ 11: [{ inject_time: '2023-01-30 11:40:30', inject_timestamp: '0', inject_pod: 'ts-a-service-5f55b6cf68-qmx8k', inject_type: 'cpu_contention' }] }));
    const faults = await readFaultList(f);
    expect(faults).toEqual([{ start: Date.UTC(2023, 0, 30, 11, 40, 30), end: Date.UTC(2023, 0, 30, 11, 43, 30), service: 'ts-a-service', type: 'cpu_contention' }]);
    const n = 60;
    const r = rng(3);
    const base = () => Float64Array.from({ length: n }, () => 10 + r());
    const spiky = base(), calm = base(), other = base();
    for (const m of [40, 41, 42, 43]) { spiky[m] += 50; other[m] += 50; }
    const table = { ...toColumnTable({ 'ts-a-service/cpu': spiky, 'ts-a-service/mem': calm, 'ts-b-service/cpu': other }), time: Array.from({ length: n }, (_, m) => minute(m)) };
    const rows = faultRows(table, faults);
    expect([...rows.keys()].filter((k) => rows[k])).toEqual([40, 41, 42, 43]);  // 11:40 overlaps from 11:40:30
    expect(anomalousMetrics(table, faults)).toEqual([0]);  // the spike, in the faulty service only
    const healthy = withoutRows(table, rows);
    expect(healthy.rows).toBe(56);
    expect(healthy.time![40]).toBe(minute(44));
    expect(healthy.columns[0].chunks[0].values[40]).toBe(spiky[44]);
  });
  it('labels the shipped Train Ticket day from its fault list', async () => {
    const table = await readCsv(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url).pathname);
    const faults = await readFaultList(join(fixtures, 'trainticket/2023-01-30/fault_list.json'));
    expect(faults).toHaveLength(17);
    const rows = faultRows(table, faults);
    const count = rows.reduce((s, x) => s + x, 0);
    expect(count).toBeGreaterThanOrEqual(17 * 3);
    expect(count).toBeLessThanOrEqual(17 * 4);
    const anomalous = anomalousMetrics(table, faults);
    expect(anomalous.length).toBeGreaterThan(0);
    for (const m of anomalous) expect(faults.map((f) => f.service)).toContain(table.names[m].split('/')[0]);
  });
  it('withoutRows keeps Arrow nulls missing (NaN, not 0), across chunks and sliced bitmaps', () => {
    // Two chunks; the second's bitmap starts 3 bits in. Nulls at rows 1 and 5 hold 0 in the values.
    const bitmap = (valid: boolean[], off: number) => {
      const b = new Uint8Array(Math.ceil((valid.length + off) / 8));
      valid.forEach((v, i) => v && (b[(i + off) >> 3] |= 1 << ((i + off) & 7)));
      return b;
    };
    const table = {
      names: ['a'], rows: 7, time: Array.from({ length: 7 }, (_, m) => minute(m)),
      columns: [{
        name: 'a', length: 7, chunks: [
          { values: Float64Array.from([10, 0, 12, 13]), validity: bitmap([true, false, true, true], 0) },
          { values: Float64Array.from([14, 0, 16]), validity: bitmap([true, false, true], 3), validityOffset: 3 },
        ],
      }],
    };
    const kept = withoutRows(table, Uint8Array.from([0, 0, 1, 0, 0, 0, 0]));
    expect(Array.from(kept.columns[0].chunks[0].values)).toEqual([10, NaN, 13, 14, NaN, 16]);
    const arrow = arrowToColumnTable(new Table({ a: vectorFromArray([1, null, 3, null], new Float64()) }));
    expect(Array.from(withoutRows(arrow, new Uint8Array(4)).columns[0].chunks[0].values)).toEqual([1, NaN, 3, NaN]);
  });
  it('rejects malformed fault lists and tables without time', async () => {
    const f = join(tempDir(), 'bad.json');
    writeFileSync(f, '{"11": [{"inject_pod": "x"}]}');
    expect((await errorOfAsync(readFaultList(f))).code).toBe('MS_BAD_FORMAT');
    writeFileSync(f, '{"11": [');
    expect((await errorOfAsync(readFaultList(f))).code).toBe('MS_BAD_FORMAT');
    expect((await errorOfAsync(readFaultList(join(tempDir(), 'none.json')))).code).toBe('MS_FILE_NOT_FOUND');
    expect(() => faultRows(toColumnTable({ a: [1, 2] }), [])).toThrow(expect.objectContaining({ code: 'MS_BAD_INPUT' }));
  });
});
