#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm install` via `prepare`).
import('../dist/cli/main.js').then(
  (m) => m.main(process.argv),
  (e) => {
    console.error(`metricsift: the compiled CLI is missing (${e.message}). Run \`npm install\` (or \`npm run build\`) in the package directory.`);
    process.exit(1);
  },
);
