import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from '../cli/command';
import { featuresBenchCommand } from '../bench/features';
import { inferBenchCommand } from '../bench/infer';
import { searchBenchCommand } from '../bench/search';
import { trainBenchCommand } from '../bench/train';

// Benchmarks, one subcommand each; every one prints its figures and ratios against a
// reference measured in the same run.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const benchmarks: CommandModule<GlobalOptions, any>[] = [
  featuresBenchCommand,
  trainBenchCommand,
  inferBenchCommand,
  searchBenchCommand,
];

export const benchCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'bench',
  describe: 'Run a benchmark (features, train, infer, search)',
  builder: (y: Argv<GlobalOptions>) => {
    for (const b of benchmarks) y.command(b as never);
    return y.demandCommand(1, 'Name a benchmark.') as Argv<GlobalOptions>;
  },
  handler: () => undefined,
};
