/** The `metricsift` command line: one sub-command per file, each a few lines over the library. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { EXIT_BAD_INPUT } from './common.js';
import { driftCommand } from './drift.js';
import { entropyCommand } from './entropy.js';
import { leakageCommand } from './leakage.js';
import { matrixCommand } from './matrix.js';
import { mergeCommand } from './merge.js';
import { rankCommand } from './rank.js';
import { scanCommand } from './scan.js';
import { teCommand } from './te.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`| head`) closes the pipe: that is not an error, so stop quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const program = new Command('metricsift')
    .description('Entropy, mutual information and correlation over metric time series')
    .version(version())
    .showHelpAfterError();
  for (const cmd of [program, ...[scanCommand(), matrixCommand(), mergeCommand(), entropyCommand(), rankCommand(), driftCommand(), leakageCommand(), teCommand()].map((c) => (program.addCommand(c), c))]) {
    // Usage errors (unknown option, bad value) are bad input: exit 2, like other input errors.
    cmd.showHelpAfterError().exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_BAD_INPUT));
  }
  await program.parseAsync(argv);
}
