/** The `metricsift` command line: one sub-command per file, each a few lines over the library. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ErrorCode } from '../errors.js';
import { writeFailure } from '../io/write.js';
import { EXIT_BAD_INPUT, runCommand } from './common.js';
import { completionCommand } from './completion.js';
import { ENV_VARS, envDefaults } from './env.js';

/**
 * Each command's module, loaded when it is needed: a run imports only its own command's code (the
 * rest of the tree costs start-up), `--help` and `completion` load them all. In help order.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  scan: async () => (await import('./scan.js')).scanCommand(),
  matrix: async () => (await import('./matrix.js')).matrixCommand(),
  merge: async () => (await import('./merge.js')).mergeCommand(),
  queue: async () => (await import('./queue.js')).queueCommand(),
  worker: async () => (await import('./queue.js')).workerCommand(),
  entropy: async () => (await import('./entropy.js')).entropyCommand(),
  rank: async () => (await import('./rank.js')).rankCommand(),
  drift: async () => (await import('./drift.js')).driftCommand(),
  leakage: async () => (await import('./leakage.js')).leakageCommand(),
  te: async () => (await import('./te.js')).teCommand(),
  watch: async () => (await import('./watch.js')).watchCommand(),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The command tree (also what `metricsift completion` describes); with `only`, the root and that
 * one command (what a run of it needs), or none for `--version`.
 */
export async function program(only?: string): Promise<Command> {
  const program = new Command('metricsift')
    .description('Entropy, mutual information and correlation over metric time series')
    .version(version())
    .addHelpText('after', `\nEnvironment:\n${Object.entries(ENV_VARS).map(([k, v]) => `  ${k}  ${v}`).join('\n')}`);
  const names = only === '--version' || only === '-V' ? [] : only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  const commands = await Promise.all(names.map((n) => COMMANDS[n]()));
  if (names.length > 1) commands.push(completionCommand(program));
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
  // argv[2] is the command (the root has no options of its own but --help and --version).
  await (await program(argv[2])).parseAsync(argv);
}
