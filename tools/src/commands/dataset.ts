import type { Argv, CommandModule } from 'yargs';
import {
  DEFAULT_DIFFICULTY,
  DEFAULT_SYNTH_RATE_HZ,
  DEFAULT_SYNTH_SECONDS,
  SYNTH_CLASS_SETS,
} from '@asc/datasets';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { splitFlags, splitOptionsFromArgs, type SplitArgs } from '../cli/flags';
import { checkDataset, synthesizeWithProgress } from '../ops/dataset';

interface CheckArgs extends SplitArgs {
  dir: string;
  audio: boolean;
  headers: boolean;
  'write-split'?: string;
}

const checkCommand = defineCommand<CheckArgs>({
  command: 'check <dir>',
  describe:
    'Check a dataset: the DCASE layout (meta.csv, evaluation_setup/) or a folder per class (audio/<label>/)',
  builder: (y) =>
    splitFlags(y)
      .positional('dir', {
        type: 'string',
        demandOption: true,
        describe: 'Dataset root (holds meta.csv, or audio/<label>/ folders)',
      })
      .option('audio', {
        type: 'boolean',
        default: true,
        describe: 'Check that every listed audio file exists (--no-audio skips it)',
      })
      .option('headers', {
        type: 'boolean',
        default: false,
        describe:
          'Also read every audio header (format, rate, channels, length; any format with the addon)',
      })
      .option('write-split', {
        type: 'string',
        describe:
          'Write which clip is in which split to this file (filename, label, split; tab-separated)',
      }) as unknown as Argv<CheckArgs>,
  run: (args, out) =>
    checkDataset(args.dir, out, {
      checkAudio: args.audio,
      checkHeaders: args.headers,
      split: splitOptionsFromArgs(args),
      writeSplit: args['write-split'],
    }),
});

interface SynthArgs {
  out: string;
  clips: number;
  seed: number;
  seconds: number;
  rate: number;
  difficulty: number;
  classes: number;
  threads?: number;
}

const synthCommand = defineCommand<SynthArgs>({
  command: 'synth',
  describe: 'Generate the deterministic synthetic dataset (DCASE layout, 3 or 10 classes)',
  builder: (y) =>
    y
      .option('out', { type: 'string', demandOption: true, describe: 'Directory to write' })
      .option('clips', { type: 'number', default: 200, describe: 'Number of clips' })
      .option('seed', {
        type: 'number',
        default: 1,
        describe: 'Seed: the same seed gives the same bytes',
      })
      .option('seconds', {
        type: 'number',
        default: DEFAULT_SYNTH_SECONDS,
        describe: 'Clip length',
      })
      .option('rate', {
        type: 'number',
        default: DEFAULT_SYNTH_RATE_HZ,
        describe: 'Sample rate in Hz',
      })
      .option('difficulty', {
        type: 'number',
        default: DEFAULT_DIFFICULTY,
        describe: 'Class overlap, 0 (easy) .. 1 (hard)',
      })
      .option('classes', {
        type: 'number',
        default: 3,
        describe: `${SYNTH_CLASS_SETS.join(' or ')}: the 3Class classes, or the ten TAU scenes as classes`,
      })
      .option('threads', {
        type: 'number',
        describe: 'Worker threads (default: the cores)',
      }) as unknown as Argv<SynthArgs>,
  run: (args, out) =>
    synthesizeWithProgress(
      {
        outDir: args.out,
        clips: args.clips,
        seed: args.seed,
        seconds: args.seconds,
        sampleRateHz: args.rate,
        difficulty: args.difficulty,
        classes: args.classes,
        threads: args.threads,
      },
      out,
    ),
});

/** `asc dataset <check|synth>`. */
export const datasetCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'dataset',
  describe: 'Check a dataset (either layout, any labels) or generate the synthetic one',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .command(checkCommand as never)
      .command(synthCommand as never)
      .demandCommand(1, 'Name a dataset subcommand (check, synth).') as Argv<GlobalOptions>,
  handler: () => undefined,
};
