// Prints one line per result, `<name> <sha256 of its bytes>`, computed through the public API with
// the addon METRICSIFT_ADDON names: test/parity.sh runs it with the OpenMP build and with the
// portable-pool build and requires the same lines (byte-identical results), thread counts 1–4.
import { createHash } from 'node:crypto';
import { correlationMatrix, correlationTopK, entropies, ksgConfidenceInterval, ksgMatrix, miBootstrapInterval, miMatrix, miPairsAbove, miPermutationTest, miTopK } from '../src/index.js';
import { binding } from '../src/native.js';
import { mixedTable } from './helpers.js';

const hash = (...parts: ArrayBufferView[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex').slice(0, 16);
};
const { names, columns } = mixedTable(70, 3000, 5);
const table = Object.fromEntries(names.map((n, i) => [n, columns[i]]));
const small = Object.fromEntries(names.slice(0, 12).map((n, i) => [n, columns[i].subarray(0, 600)]));
const lines: string[] = [`# threading ${binding.threading}`];
// Codes for the conditional-MI and transfer-entropy resampling (cmi_resample.cc).
const codes = (levels: number, salt: number) => Int32Array.from({ length: 2000 }, (_, t) => ((t * 2654435761 + salt * 40503) >>> 7) % levels);
const [ca, cb, cc] = [codes(4, 1), codes(5, 2), codes(3, 3)];
// A CSV of the table (~4 MB, so the reader cuts it into up to 3 chunks at 1 MiB each).
const csv = Buffer.from(names.join(',') + '\n' + Array.from({ length: columns[0].length }, (_, r) => columns.map((c) => (Number.isNaN(c[r]) ? '' : String(c[r]))).join(',')).join('\n') + '\n');
for (const threads of [1, 2, 3, 4]) {
  const t = `threads=${threads}`;
  const mi = await miMatrix(table, { threads, bins: 8 });
  lines.push(`mi ${t} ${hash(mi.values, mi.rowsUsed)}`);
  const nmi = await miMatrix(table, { threads, measure: 'nmi', binning: 'uniform', bins: 300 });  // wide codes, no triple kernel
  lines.push(`nmi-uniform-300 ${t} ${hash(nmi.values, nmi.rowsUsed)}`);
  const above = await miPairsAbove(table, 0.05, { threads });
  lines.push(`mi-above ${t} ${hash(above.i, above.j, above.value, above.rowsUsed)}`);
  const top = await miTopK(table, 3, { threads });
  lines.push(`mi-top3 ${t} ${hash(top.i, top.j, top.value)}`);
  const h = await entropies(table, { threads });
  lines.push(`entropies ${t} ${hash(h.entropy, h.rowsUsed)}`);
  for (const method of ['pearson', 'spearman', 'kendall'] as const) {
    const c = await correlationMatrix(table, { method, threads });
    lines.push(`${method} ${t} ${hash(c.values, c.rowsUsed)}`);
  }
  const ct = await correlationTopK(table, 2, { method: 'spearman', threads });
  lines.push(`spearman-top2 ${t} ${hash(ct.i, ct.j, ct.value)}`);
  for (const mode of ['bootstrap', 'stratified'] as const) {
    const d = binding.cmiResample(ca, cb, cc, { la: 4, lb: 5, lc: 3, mode, count: 40, block: 10, seed: 5, threads }, false);
    lines.push(`cmi-${mode} ${t} ${hash(d.draws)} ${d.observed}`);
  }
  for (const shift of [false, true]) {
    const d = binding.teNull(ca, cb, { lx: 4, ly: 5, lag: 1, count: 40, block: 10, shift, seed: 5, threads }, false);
    lines.push(`te-null shift=${shift} ${t} ${hash(d.draws)} ${d.observed}`);
  }
  const parsed = await binding.parseCsv(csv, { timeColumn: false, threads });
  lines.push(`csv ${t} ${hash(parsed.values, parsed.deferredCol, parsed.deferredRow)} rows=${parsed.rows}`);
  const k = await ksgMatrix(small, { threads });
  lines.push(`ksg ${t} ${hash(k.values, k.rowsUsed)}`);
  const x = columns[0].subarray(0, 800), y = columns[1].subarray(0, 800);
  lines.push(`mi-bootstrap ${t} ${hash((await miBootstrapInterval(x, y, { replicates: 64, threads, seed: 3 })).replicates)}`);
  lines.push(`mi-permutation ${t} ${hash((await miPermutationTest(x, y, { permutations: 64, threads, seed: 3 })).null)}`);
  lines.push(`ksg-interval ${t} ${hash((await ksgConfidenceInterval(x, y, { replicates: 16, threads, seed: 3 })).replicates)}`);
}
process.stdout.write(lines.join('\n') + '\n');
