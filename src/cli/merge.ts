/** `metricsift merge <parts…>`: joins the part files of a sharded `matrix` run into its single-run output. */
import { Command } from 'commander';
import { STDOUT, STDOUT_JSON, checkOutput, writeMatrix, writePairs } from '../io/write.js';
import { mergePartFiles } from '../shard.js';
import { jsonOption, runCommand } from './common.js';

export function mergeCommand(): Command {
  return new Command('merge')
    .description('merge the part files of `matrix --shard i/N` runs into the output the single run writes, byte for byte')
    .argument('<parts...>', 'part files (.part), one per shard, in any order')
    .option('-o, --out <file>', 'output file; format by extension: .csv, .json, .arrow (default: CSV on stdout)')
    .addOption(jsonOption('the merged result'))
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', `
Example:
  for i in 0 1 2 3; do metricsift matrix m.csv --measure nmi --shard $i/4 --out nmi-$i.part; done
  metricsift merge nmi-*.part --out nmi.csv`)
    .action((parts: string[], flags: { out?: string; json?: boolean; verbose?: boolean }) => runCommand(flags.verbose, async () => {
      // A bad --out is found before the parts are read and merged (as matrix checks it before computing).
      if (flags.out) await checkOutput(flags.out, '--out', ['csv', 'json', 'arrow']);
      const result = await mergePartFiles(parts);
      const out = flags.out ?? (flags.json ? STDOUT_JSON : STDOUT);
      if ('values' in result) await writeMatrix(out, result);
      else await writePairs(out, result);
    }));
}
