// How the alert rules metricsift writes behave on the shipped Train Ticket day (2023-01-30), with
// the selection `scan` makes by default (no options). Per fault type: faults caught (a rule firing
// inside the fault window plus the `for` delay), caught by a rule of the faulty service ("own"),
// and the false firings in those windows (rules of other services firing there: pages to the wrong
// team). Per fault-free hour after the faults: the rules firing in that hour when it is held out of
// the baseline the thresholds come from (false firings with no fault at all).
//   npx tsx scripts/eval-alert-rules.ts [k] [forMinutes]
import { readCsv } from '../src/io/csv.js';
import { buildAlertRules, firingRows } from '../src/report/rules.js';
import { selectMetrics } from '../src/select/index.js';
import { faultRows, readFaultList } from '../src/select/labels.js';

const [k, forMinutes] = [Number(process.argv[2] ?? 6), Number(process.argv[3] ?? 2)];
const table = await readCsv(new URL('../examples/trainticket/metrics.csv.gz', import.meta.url).pathname);
const faults = await readFaultList(new URL('../examples/trainticket/fault_list.json', import.meta.url).pathname);
const res = await selectMetrics(table);
const inFault = faultRows(table, faults);
const t = table.time!.map((s) => Date.parse(s));
const hourly: Record<string, { rulesFiring: number; ruleMinutes: number }> = {};
type Tally = { faults: number; caught: number; own: number; falseFirings: number; falseRuleMinutes: number };
let byType = new Map<string, Tally>();
for (let h = 15; h <= 23; h++) {
  const qs = Date.parse(`2023-01-30T${h}:00:00Z`);
  const quiet = Uint8Array.from(t, (x) => (x >= qs && x < qs + 3_600_000 ? 1 : 0));
  const baseline = Uint8Array.from(inFault, (f, r) => (f || quiet[r] ? 0 : 1));
  const rules = buildAlertRules(res.byService, table, { baselineRows: baseline, k, forMinutes });
  const fire = rules.map((r) => firingRows(r, table));
  const firing = fire.filter((fr) => fr.some((v, r) => v && quiet[r]));
  hourly[`${h}:00`] = { rulesFiring: firing.length, ruleMinutes: fire.reduce((n, fr) => n + fr.reduce((m, v, r) => m + (v && quiet[r] ? 1 : 0), 0), 0) };
  if (h !== 22) continue;  // the fault counts: with the 22:00 hour held out (as test/rules.test.ts does)
  byType = new Map();
  for (const f of faults) {
    const rows = t.map((x, r) => (x + 60_000 > f.start && x < f.end + forMinutes * 60_000 ? r : -1)).filter((r) => r >= 0);
    const s = byType.get(f.type) ?? { faults: 0, caught: 0, own: 0, falseFirings: 0, falseRuleMinutes: 0 };
    s.faults++;
    if (fire.some((fr) => rows.some((r) => fr[r]))) s.caught++;
    if (fire.some((fr, i) => rules[i].service === f.service && rows.some((r) => fr[r]))) s.own++;
    fire.forEach((fr, i) => {
      if (rules[i].service === f.service) return;
      const m = rows.reduce((n, r) => n + fr[r], 0);
      if (m > 0) { s.falseFirings++; s.falseRuleMinutes += m; }
    });
    byType.set(f.type, s);
  }
}
console.log(JSON.stringify({
  date: new Date().toISOString(), k, forMinutes, selected: res.selected.length, mode: res.mode,
  faultsByType: Object.fromEntries(byType), heldOutHours: hourly,
}, null, 1));
