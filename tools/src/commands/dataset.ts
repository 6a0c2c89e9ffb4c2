import * as fs from 'fs';
import type { Argv, CommandModule } from 'yargs';
import {
  DatasetError,
  DEFAULT_DIFFICULTY,
  DEFAULT_SYNTH_RATE_HZ,
  DEFAULT_SYNTH_SECONDS,
  emptyLabelCounts,
  formatProblem,
  inspectDataset,
  SCENE_LABELS,
  summarizeDataset,
  SynthError,
  synthesizeDataset,
  type DatasetSummary,
  type SynthOptions,
  type SynthReport,
} from '@asc/datasets';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { createProgress } from '../cli/progress';

function countsTable(summary: DatasetSummary): string[] {
  const head = ['split', ...SCENE_LABELS, 'total'];
  const rows = (['train', 'evaluate', 'test'] as const).map((split) => {
    const counts = summary.splits[split];
    const total = SCENE_LABELS.reduce((sum, label) => sum + counts[label], 0);
    return [split, ...SCENE_LABELS.map((label) => String(counts[label])), String(total)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ');
  return [format(head), ...rows.map(format)];
}

/**
 * Reads the dataset at `dir`, prints counts per split and class and every problem, and
 * returns the summary; throws CommandFailed (exit 1, summary still printed under --json)
 * when the dataset is unusable.
 */
export async function checkDataset(
  dir: string,
  out: Output,
  options: { checkAudio?: boolean; checkHeaders?: boolean } = {},
): Promise<DatasetSummary> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`${dir}: no such directory`);
  }
  let summary: DatasetSummary;
  try {
    summary = summarizeDataset(await inspectDataset(dir, options));
  } catch (err) {
    if (!(err instanceof DatasetError)) throw err;
    const empty = {
      train: emptyLabelCounts(),
      evaluate: emptyLabelCounts(),
      test: emptyLabelCounts(),
    };
    for (const problem of err.problems) out.warn(`error: ${formatProblem(problem)}`);
    throw new CommandFailed(err.message, {
      files: 0,
      splits: empty,
      missingAudio: 0,
      problems: err.problems,
    });
  }
  out.info(`dataset ${dir}: ${summary.files} files`);
  for (const line of countsTable(summary)) out.info(`  ${line}`);
  const inSplits = SCENE_LABELS.reduce(
    (sum, label) => sum + summary.splits.train[label] + summary.splits.evaluate[label],
    0,
  );
  out.info(
    `  in neither split: ${summary.files - inSplits}; missing audio: ${summary.missingAudio}`,
  );
  const errors = summary.problems.filter((p) => p.severity === 'error');
  for (const problem of summary.problems) {
    out.warn(`${problem.severity}: ${formatProblem(problem)}`);
  }
  if (errors.length > 0) {
    throw new CommandFailed(
      `dataset ${dir} is unusable: ${errors.length} error${errors.length > 1 ? 's' : ''}` +
        ` (first: ${formatProblem(errors[0])})`,
      summary,
    );
  }
  out.info(
    summary.problems.length === 0
      ? 'no problems found'
      : `usable, with ${summary.problems.length} warning${summary.problems.length > 1 ? 's' : ''}`,
  );
  return summary;
}

/**
 * Generates (or completes, or leaves as it is) a synthetic dataset with a progress bar.
 * Out-of-range options are usage errors (exit 2); a directory that holds something else
 * is a failure (exit 1).
 */
export async function synthesizeWithProgress(
  options: Omit<SynthOptions, 'onProgress'>,
  out: Output,
): Promise<SynthReport> {
  const progress = createProgress({ label: 'synth', total: options.clips, unit: 'clips' });
  let report: SynthReport;
  try {
    report = await synthesizeDataset({ ...options, onProgress: (done) => progress.update(done) });
  } catch (err) {
    if (err instanceof SynthError && err.field !== undefined) throw new UsageError(err.message);
    throw err;
  }
  if (report.upToDate) {
    out.info(
      `synthetic dataset ${report.outDir} is already complete (${report.clips} clips); kept`,
    );
  } else {
    progress.finish();
    out.info(
      `synthetic dataset ${report.outDir}: ${report.rendered} clips rendered, ${report.kept} kept, ` +
        `${report.elapsedSeconds.toFixed(1)} s on ${report.threads} thread${report.threads > 1 ? 's' : ''}`,
    );
  }
  const { train, evaluate } = report.splits;
  const sum = (counts: typeof train): number =>
    SCENE_LABELS.reduce((s, label) => s + counts[label], 0);
  out.info(
    `  train ${sum(train)} clips from ${report.locations.train} locations, ` +
      `evaluate ${sum(evaluate)} clips from ${report.locations.evaluate} locations; ` +
      `${report.seconds} s at ${report.sampleRateHz} Hz, seed ${report.seed}, difficulty ${report.difficulty}`,
  );
  return report;
}

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
        describe: 'Also read every WAV header (format, rate, bits, channels, length)',
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
