// How the alert rules metricsift writes behave on the shipped Train Ticket day (2023-01-30): share
// of injected faults caught per fault type (a rule firing within the fault window plus the `for`
// delay; "own" = a rule of the faulty service), and, for every fault-free hour after the faults,
// the rules firing in that hour when it is held out of the baseline the thresholds come from.
//   npx tsx scripts/eval-alert-rules.ts [k] [forMinutes] [iterations]
import { readCsv } from '../src/io/csv.js';
import { buildAlertRules, firingRows } from '../src/report/rules.js';
import { selectMetrics } from '../src/select/index.js';
import { faultRows, readFaultList } from '../src/select/labels.js';

const [k, forMinutes, iterations] = [Number(process.argv[2] ?? 6), Number(process.argv[3] ?? 2), Number(process.argv[4] ?? 500)];
const table = await readCsv(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url).pathname);
const faults = await readFaultList(new URL('../examples/trainticket/fault_list.json', import.meta.url).pathname);
const res = await selectMetrics(table, { iterations, theta: 0.2 });
const inFault = faultRows(table, faults);
const t = table.time!.map((s) => Date.parse(s));
const hourly: Record<string, { rulesFiring: number; ruleMinutes: number }> = {};
let byType = new Map<string, { n: number; any: number; own: number }>();
for (let h = 15; h <= 23; h++) {
  const qs = Date.parse(`2023-01-30T${h}:00:00Z`);
  const quiet = Uint8Array.from(t, (x) => (x >= qs && x < qs + 3_600_000 ? 1 : 0));
  const baseline = Uint8Array.from(inFault, (f, r) => (f || quiet[r] ? 0 : 1));
  const rules = buildAlertRules(res.byService, table, { baselineRows: baseline, k, forMinutes });
  const fire = rules.map((r) => firingRows(r, table));
  const firing = fire.filter((fr) => fr.some((v, r) => v && quiet[r]));
  hourly[`${h}:00`] = { rulesFiring: firing.length, ruleMinutes: fire.reduce((n, fr) => n + fr.reduce((m, v, r) => m + (v && quiet[r] ? 1 : 0), 0), 0) };
  if (h !== 22) continue;  // the fault counts: with the 22:00 hour held out (as the test does)
  byType = new Map();
  for (const f of faults) {
    const rows = t.map((x, r) => (x + 60_000 > f.start && x < f.end + forMinutes * 60_000 ? r : -1)).filter((r) => r >= 0);
    const s = byType.get(f.type) ?? { n: 0, any: 0, own: 0 };
    s.n++;
    if (fire.some((fr) => rows.some((r) => fr[r]))) s.any++;
    if (fire.some((fr, i) => rules[i].service === f.service && rows.some((r) => fr[r]))) s.own++;
    byType.set(f.type, s);
  }
}
console.log(JSON.stringify({ date: new Date().toISOString(), k, forMinutes, iterations, selected: res.selected.length, faultsByType: Object.fromEntries(byType), heldOutHours: hourly }, null, 1));
