/** `metricsift merge <parts…>`: joins the part files of a sharded `matrix` run into its single-run output. */
import { Command } from 'commander';
import { writeMatrix, writePairs } from '../io/write.js';
import { mergePartFiles } from '../shard.js';
import { runCommand } from './common.js';

export function mergeCommand(): Command {
  return new Command('merge')
    .description('merge the part files of `matrix --shard i/N` runs into the output the single run writes, byte for byte')
    .argument('<parts...>', 'part files (.part), one per shard, in any order')
    .option('-o, --out <file>', 'output file; format by extension: .csv, .json, .arrow (default: CSV on stdout)')
    .option('--verbose', 'stack traces on errors')
    .addHelpText('after', `
Example:
  for i in 0 1 2 3; do metricsift matrix m.csv --measure nmi --shard $i/4 --out nmi-$i.part; done
  metricsift merge nmi-*.part --out nmi.csv`)
    .action((parts: string[], flags: { out?: string; verbose?: boolean }) => runCommand(flags.verbose, async () => {
      const result = await mergePartFiles(parts);
      if ('values' in result) await writeMatrix(flags.out ?? '-', result);
      else await writePairs(flags.out ?? '-', result);
    }));
}
