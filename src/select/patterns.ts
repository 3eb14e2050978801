/**
 * Metric-name patterns for `keep` and `exclude`: a glob matched against the whole name (`*` any
 * run of characters, `/` included; `?` one character), or `/regex/flags` searched in the name.
 */
import { badOption } from '../errors.js';

export type NamePattern = string | RegExp;

/** One pattern as a RegExp; an invalid `/regex/` is MS_BAD_OPTION naming `option` and the pattern. */
export function compilePattern(p: NamePattern, option: string): RegExp {
  if (p instanceof RegExp) return p;
  if (typeof p !== 'string' || p === '') badOption(option, 'a glob or /regex/', p);
  const m = /^\/(.*)\/([a-z]*)$/s.exec(p);
  if (m) {
    try {
      return new RegExp(m[1], m[2].replace(/[gy]/g, ''));  // g/y make test() stateful
    } catch (e) {
      badOption(option, `a valid regular expression (${(e as Error).message})`, p);
    }
  }
  const body = p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * Indices of `names` matched by any pattern, and the patterns that matched nothing (for a warning).
 */
export function matchNames(names: string[], patterns: NamePattern[] | undefined, option: string): { matched: Set<number>; unmatched: string[] } {
  const matched = new Set<number>();
  const unmatched: string[] = [];
  for (const p of patterns ?? []) {
    const re = compilePattern(p, option);
    let any = false;
    names.forEach((n, i) => {
      if (re.test(n)) {
        matched.add(i);
        any = true;
      }
    });
    if (!any) unmatched.push(String(p));
  }
  return { matched, unmatched };
}
