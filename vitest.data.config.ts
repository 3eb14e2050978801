// The opt-in suite over the whole public datasets (`npm run test:data`): it needs ../shared/datasets
// beside the repository, which a plain clone does not have, so `npm test` leaves it out.
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const datasets = new URL('../shared/datasets/', import.meta.url);
if (!existsSync(datasets)) {
  throw new Error(`npm run test:data needs the datasets at ${datasets.pathname} (Train Ticket and PetShop, see test/fixtures/README.md); npm test runs without them`);
}

export default defineConfig({
  test: {
    include: ['test/data/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
