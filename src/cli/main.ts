/** The `metricsift` command line: one sub-command per file, each a few lines over the library. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ErrorCode } from '../errors.js';
import { writeFailure } from '../io/write.js';
import { EXIT_BAD_INPUT, runCommand } from './common.js';
import { completionCommand } from './completion.js';
import { driftCommand } from './drift.js';
import { entropyCommand } from './entropy.js';
import { ENV_VARS, envDefaults } from './env.js';
import { leakageCommand } from './leakage.js';
import { matrixCommand } from './matrix.js';
import { mergeCommand } from './merge.js';
import { queueCommand, workerCommand } from './queue.js';
import { rankCommand } from './rank.js';
import { scanCommand } from './scan.js';
import { teCommand } from './te.js';
import { watchCommand } from './watch.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The whole command tree (also what `metricsift completion` describes). */
export function program(): Command {
  const program = new Command('metricsift')
    .description('Entropy, mutual information and correlation over metric time series')
    .version(version())
    .addHelpText('after', `\nEnvironment:\n${Object.entries(ENV_VARS).map(([k, v]) => `  ${k}  ${v}`).join('\n')}`);
  const commands = [scanCommand(), matrixCommand(), mergeCommand(), queueCommand(), workerCommand(), entropyCommand(), rankCommand(), driftCommand(), leakageCommand(), teCommand(), watchCommand(), completionCommand(program)];
  for (const c of commands) program.addCommand(c);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program)) {
    let name = cmd.name();
    for (let p = cmd.parent; p; p = p.parent) name = `${p.name()} ${name}`;
    // A usage error (unknown option, bad value, missing argument) is one line naming the command,
    // with a code like other bad input, and exit 2; the help is one flag away, not printed.
    cmd
      .configureOutput({
        outputError: (str, write) => write(`${name}: ${str.trim().replace(/^error: /, '')} [${ErrorCode.BAD_OPTION}]; see '${name} --help'\n`),
      })
      .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_BAD_INPUT));
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`| head`) closes the pipe: that is not an error, so stop quietly.
  // Any other failure of stdout (a full disk: ENOSPC) is the user's to fix: one line, exit 2.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`metricsift: Cannot write to standard output: ${writeFailure(err)} [${ErrorCode.WRITE_FAILED}]\n`);
    process.exit(EXIT_BAD_INPUT);
  });
  // METRICSIFT_* are checked before anything runs: a typo'd name or a bad value is an error, not ignored.
  try {
    envDefaults();
  } catch (e) {
    return runCommand(false, () => Promise.reject(e));
  }
  await program().parseAsync(argv);
}
