import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_DIFFICULTY, DEFAULT_SYNTH_RATE_HZ, DEFAULT_SYNTH_SECONDS } from '@asc/datasets';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { checkDataset, synthesizeWithProgress } from '../ops/dataset';

interface CheckArgs {
  dir: string;
  audio: boolean;
  headers: boolean;
}

const checkCommand = defineCommand<CheckArgs>({
  command: 'check <dir>',
  describe: 'Check a dataset in the TAU Urban Acoustic Scenes 2020 3Class layout',
  builder: (y) =>
    y
      .positional('dir', {
        type: 'string',
        demandOption: true,
        describe: 'Dataset root (holds meta.csv)',
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
      }) as unknown as Argv<CheckArgs>,
  run: (args, out) =>
    checkDataset(args.dir, out, { checkAudio: args.audio, checkHeaders: args.headers }),
});

interface SynthArgs {
  out: string;
  clips: number;
  seed: number;
  seconds: number;
  rate: number;
  difficulty: number;
  threads?: number;
}

const synthCommand = defineCommand<SynthArgs>({
  command: 'synth',
  describe: 'Generate the deterministic synthetic dataset in the same layout',
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
        threads: args.threads,
      },
      out,
    ),
});

/** `asc dataset <check|synth>`. */
export const datasetCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'dataset',
  describe: 'Check a TAU 2020 3Class dataset or generate the synthetic one',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .command(checkCommand as never)
      .command(synthCommand as never)
      .demandCommand(1, 'Name a dataset subcommand (check, synth).') as Argv<GlobalOptions>,
  handler: () => undefined,
};
