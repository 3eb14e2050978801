import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/data reads ../shared/datasets: the opt-in suite of vitest.data.config.ts (npm run test:data).
    exclude: ['test/data/**', '**/node_modules/**'],
    // The addon uses native threads; forks isolate each file in its own process.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
