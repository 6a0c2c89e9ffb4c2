import * as path from 'path';
import type { Argv } from 'yargs';
import { DEFAULT_DIFFICULTY, DEFAULT_SYNTH_SECONDS } from '@asc/datasets';
import { defineCommand } from '../cli/command';
import type { Output } from '../cli/output';
import { checkDataset, synthesizeWithProgress } from './dataset';

interface RunArgs {
  out: string;
  clips: number;
  seed: number;
  seconds: number;
  difficulty: number;
}

/** What every step of the pipeline sees: the options, where things go, and earlier steps' results. */
interface RunContext {
  args: RunArgs;
  out: Output;
  /** `<out>/dataset`: the synthetic dataset. */
  datasetDir: string;
  results: Record<string, unknown>;
}

/** One stage of `asc run`; its result is stored under `name` in the command's result. */
interface RunStep {
  name: string;
  title: string;
  run(context: RunContext): Promise<unknown>;
}

/**
 * The stages, in order. Each one skips work that is already done (the dataset step
 * keeps a complete dataset), so re-running resumes where an interrupted run stopped.
 */
const steps: RunStep[] = [
  {
    name: 'dataset',
    title: 'synthetic dataset',
    run: ({ args, out, datasetDir }) =>
      synthesizeWithProgress(
        {
          outDir: datasetDir,
          clips: args.clips,
          seed: args.seed,
          seconds: args.seconds,
          difficulty: args.difficulty,
        },
        out,
      ),
  },
  {
    name: 'check',
    title: 'dataset check',
    run: ({ out, datasetDir }) => checkDataset(datasetDir, out, { checkHeaders: true }),
  },
];

export const runCommand = defineCommand<RunArgs>({
  command: 'run',
  describe: 'Run the whole pipeline on the synthetic dataset (today: generate it and check it)',
  builder: (y) =>
    y
      .option('out', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option('clips', { type: 'number', default: 200, describe: 'Clips in the synthetic dataset' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of everything random' })
      .option('seconds', {
        type: 'number',
        default: DEFAULT_SYNTH_SECONDS,
        describe: 'Clip length',
      })
      .option('difficulty', {
        type: 'number',
        default: DEFAULT_DIFFICULTY,
        describe: 'Class overlap of the synthetic dataset, 0 (easy) .. 1 (hard)',
      }) as unknown as Argv<RunArgs>,
  run: async (args, out) => {
    const outDir = path.resolve(args.out);
    const context: RunContext = {
      args,
      out,
      datasetDir: path.join(outDir, 'dataset'),
      results: {},
    };
    for (const [index, step] of steps.entries()) {
      out.info(`[${index + 1}/${steps.length}] ${step.title}`);
      context.results[step.name] = await step.run(context);
    }
    out.info(`run complete: ${outDir}`);
    return { out: outDir, ...context.results };
  },
});
