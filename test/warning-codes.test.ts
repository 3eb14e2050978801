// Every MS_* code the sources name is registered: errors in ErrorCode, warnings in WarningCode
// (AnalysisWarning.code is typed WarningCodeValue, so tsc refuses an unregistered warning code in an
// object; this test also covers codes written into messages and templates, as scan's trace lines).
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, WarningCode } from '../src/errors.js';
import { repoRoot } from './helpers.js';

function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.ts')) out.push({ file: relative(repoRoot, join(d, e.name)), text: readFileSync(join(d, e.name), 'utf8') });
    }
  };
  walk(join(repoRoot, 'src'));
  return out;
}

describe('warning codes', () => {
  const errors = new Set<string>(Object.values(ErrorCode));
  const warnings = new Set<string>(Object.values(WarningCode));

  it('are unique, and no code but MS_TOO_FEW_ROWS is both an error and a warning', () => {
    expect(warnings.size).toBe(Object.keys(WarningCode).length);
    // Too few rows is an error where one estimate is asked for (or drift's strict mode) and a
    // warning beside a NaN where it is one of many (a matrix pair, a window, a segment).
    expect([...warnings].filter((c) => errors.has(c))).toEqual([WarningCode.TOO_FEW_ROWS]);
    for (const [k, v] of Object.entries(WarningCode)) expect(v).toBe(`MS_${k}`);
  });

  it('every MS_* code named in src is registered in ErrorCode or WarningCode', () => {
    const unregistered: string[] = [];
    for (const { file, text } of sources()) {
      if (file === join('src', 'errors.ts')) continue;
      for (const m of text.matchAll(/\bMS_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        if (!errors.has(m[0]) && !warnings.has(m[0])) unregistered.push(`${file}: ${m[0]}`);
      }
    }
    expect(unregistered).toEqual([]);
  });

  it('every registered warning code is emitted somewhere (by its constant or its string)', () => {
    const all = sources().filter((s) => s.file !== join('src', 'errors.ts')).map((s) => s.text).join('\n');
    const unused = Object.entries(WarningCode).filter(([k, v]) => !all.includes(`WarningCode.${k}`) && !all.includes(`'${v}'`)).map(([, v]) => v);
    expect(unused).toEqual([]);
  });
});
