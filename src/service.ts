/**
 * The one service rule: which service a metric column belongs to, from its name. Every reader
 * names columns `<service>/<metric>` (Train Ticket, PetShop, wide CSV by convention) or
 * `<service|job|instance>/<metric>{label="v",…}` (Prometheus, long tables), so the service is the
 * part before the last `/` of the name without its trailing label block (label values may hold
 * `/`, e.g. `path="/api/x"`; Prometheus metric names cannot). A name without `/` maps to no service.
 * Selection, fault labels, the redundancy index, the report and the CLI summary all use it.
 */

/** Where metrics that map to no service go (selection treats it as a root service). */
export const UNMAPPED = '(unmapped)';

/** The service of a metric name, or `undefined` when the name has no `/` before its labels. */
export function serviceOfMetric(name: string): string | undefined {
  const brace = name.endsWith('}') ? name.indexOf('{') : -1;
  const base = brace >= 0 ? name.slice(0, brace) : name;
  const slash = base.lastIndexOf('/');
  return slash > 0 ? base.slice(0, slash) : undefined;
}

/** {@link serviceOfMetric}, with {@link UNMAPPED} for a name that maps to no service. */
export function serviceOrUnmapped(name: string): string {
  return serviceOfMetric(name) ?? UNMAPPED;
}
