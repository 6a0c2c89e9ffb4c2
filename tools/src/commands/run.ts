import type { Argv } from 'yargs';
import { SYNTH_CLASS_SETS } from '@asc/datasets';
import { BACKEND_REQUESTS } from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { initFlag, splitFlags } from '../cli/flags';
import { runPipeline, type StepSummary } from '../run/pipeline';
import { readRunConfig, RUN_DEFAULTS, runSettings, type RunArgs } from '../run/settings';
import { RUN_STEPS, type RetrainedRun, type RunContext } from '../run/steps';

/** What `asc run --json` prints as its last line. */
export interface RunResult {
  out: string;
  dataset: string;
  cache: string;
  study: string;
  /** The report's index.html. */
  report: string;
  /** The retrained best-accuracy and lowest-loss candidates. */
  best: Record<string, RetrainedRun>;
  steps: StepSummary[];
  seconds: number;
  /** Every step's own result, by step name. */
  details: Record<string, unknown>;
}

/**
 * `asc run`: the whole mission in one command. Dataset, features, search, retraining of
 * the selected candidates and report; each step keeps what an earlier run finished, so
 * running it again resumes an interrupted run and redoes nothing after a complete one.
 */
export const runCommand = defineCommand<RunArgs>({
  command: 'run',
  describe:
    'The whole pipeline: dataset (synthetic unless --dataset), features, search, retraining, report',
  builder: (y: Argv<GlobalOptions>) =>
    initFlag(splitFlags(y), 'the candidates and the retrained models', "the study's, else pytorch")
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'Run directory (OUT/dataset, OUT/cache, OUT/study)',
      })
      .config('config', 'A JSON file of these options ({"trials": 510, ...}); flags win', (file) =>
        readRunConfig(file),
      )
      .option('dataset', {
        type: 'string',
        describe:
          'A dataset instead of the synthetic one: the DCASE layout (meta.csv, any labels) ' +
          'or a folder per class (audio/<label>/, split with --split-seed, --evaluate-fraction)',
      })
      .option('clips', {
        type: 'number',
        default: RUN_DEFAULTS.clips,
        describe: 'Clips of the synthetic dataset',
      })
      .option('seconds', {
        type: 'number',
        default: RUN_DEFAULTS.clipSeconds,
        describe: 'Length of a synthetic clip',
      })
      .option('difficulty', {
        type: 'number',
        default: RUN_DEFAULTS.difficulty,
        describe: 'Class overlap of the synthetic dataset, 0 (easy) .. 1 (hard)',
      })
      .option('classes', {
        type: 'number',
        default: RUN_DEFAULTS.classes,
        describe: `Classes of the synthetic dataset: ${SYNTH_CLASS_SETS.join(' or ')} (the ten TAU scenes)`,
      })
      .option('trials', {
        type: 'number',
        default: RUN_DEFAULTS.trials,
        describe: 'Complete search trials (candidates) to reach',
      })
      .option('workers', {
        type: 'number',
        default: RUN_DEFAULTS.workers,
        describe: 'Search worker processes',
      })
      .option('seed', {
        type: 'number',
        default: RUN_DEFAULTS.seed,
        describe: 'Seed of the dataset, the study and the retraining',
      })
      .option('search-epochs', {
        type: 'number',
        default: RUN_DEFAULTS.searchEpochs,
        describe: 'Epochs per candidate (search recipe; the paper: 3)',
      })
      .option('final-epochs', {
        type: 'number',
        default: RUN_DEFAULTS.finalEpochs,
        describe: 'Epochs of the retraining (final recipe; the paper: 60)',
      })
      .option('batch-size', {
        type: 'number',
        default: RUN_DEFAULTS.batchSize,
        describe: 'Batch size of both recipes (the paper: 64)',
      })
      .option('threads', {
        type: 'number',
        describe: 'Threads for features and training (default: the cores, shared by workers)',
      })
      .option('backend', {
        choices: BACKEND_REQUESTS,
        describe: 'tfjs backend of the search and the retraining (default auto)',
      }) as unknown as Argv<RunArgs>,
  run: async (args, out): Promise<RunResult> => {
    const started = performance.now();
    const settings = runSettings(args);
    const context: RunContext = { settings, out, selection: null };
    const { summaries, results } = await runPipeline(RUN_STEPS, context, out);
    const retrained = results.retrain as RetrainedRun[];
    const report = results.report as { html: string };
    const seconds = (performance.now() - started) / 1000;
    out.info(`run complete in ${seconds.toFixed(0)} s: ${settings.outDir}`);
    out.info(`report: ${report.html}`);
    return {
      out: settings.outDir,
      dataset: settings.datasetDir,
      cache: settings.cacheDir,
      study: settings.studyDir,
      report: report.html,
      best: Object.fromEntries(retrained.map((r) => [r.role, r])),
      steps: summaries,
      seconds,
      details: results,
    };
  },
});
