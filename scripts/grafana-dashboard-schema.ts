/**
 * Writes test/fixtures/grafana-dashboard.schema.json: Grafana's published dashboard type (the
 * `Dashboard` interface of @grafana/schema's raw/dashboard/x/types.gen) turned into a JSON Schema by
 * ts-json-schema-generator, unknown properties forbidden. test/watch-dashboards.test.ts validates the
 * generated dashboards against it and checks that it was made from the installed @grafana/schema.
 *
 *   npx tsx scripts/grafana-dashboard-schema.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';

const require = createRequire(import.meta.url);
const pkgFile = require.resolve('@grafana/schema/package.json');
const version = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }).version;
const path = join(dirname(pkgFile), 'dist/types/raw/dashboard/x/types.gen.d.ts');
const schema = createGenerator({ path, type: 'Dashboard', skipTypeCheck: true, additionalProperties: false }).createSchema('Dashboard');
const out = { $comment: `@grafana/schema ${version}: Dashboard of dist/types/raw/dashboard/x/types.gen.d.ts, by ts-json-schema-generator (npx tsx scripts/grafana-dashboard-schema.ts)`, ...schema };
writeFileSync(new URL('../test/fixtures/grafana-dashboard.schema.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
