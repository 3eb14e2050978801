/**
 * Writes native/binding/options.gen.h from src/options.ts, so the addon's boundary checks read the
 * same ranges as the library and the CLI (one options layer). test/options.test.ts fails when the
 * committed header is not what this script writes.
 *
 *   npx tsx scripts/gen-options-header.ts
 */
import { writeFileSync } from 'node:fs';
import { optionsHeader } from '../src/options.js';

writeFileSync(new URL('../native/binding/options.gen.h', import.meta.url), optionsHeader());
