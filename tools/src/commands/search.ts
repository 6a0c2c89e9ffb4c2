import type { Argv } from 'yargs';
import { BACKEND_REQUESTS, type BackendRequest } from '@asc/trainer';
import { DEFAULT_HEARTBEAT, DEFAULT_SIZE_WINDOW } from '@asc/zoo';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import {
  checkPositiveIntegers,
  splitFlags,
  splitOptionsFromArgs,
  type SplitArgs,
} from '../cli/flags';
import { searchStudy } from '../ops/search';

interface SearchArgs extends SplitArgs {
  study: string;
  storage?: string;
  trials: number;
  workers: number;
  seed?: number;
  epochs: number;
  dataset?: string;
  cache?: string;
  evaluator?: string;
  'evaluator-options'?: string;
  'min-kb'?: number;
  'max-kb'?: number;
  'heartbeat-timeout': number;
  backend?: BackendRequest;
}

function parseEvaluatorOptions(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error('expected a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`--evaluator-options: ${(err as Error).message}`);
  }
}

/** `asc search`: the random architecture search of the paper, resumable, with worker processes. */
export const searchCommand = defineCommand<SearchArgs>({
  command: 'search',
  describe: 'Random architecture search under the size window; re-running resumes the study',
  builder: (y: Argv<GlobalOptions>) =>
    splitFlags(y)
      .option('study', {
        type: 'string',
        demandOption: true,
        describe: 'Study directory (study.json, trials.sqlite); with --storage, the study name',
      })
      .option('storage', {
        type: 'string',
        describe:
          'Trial store URL (postgresql://user@host:port/db) shared by several machines; ' +
          '?asc_retry_ms=N bounds how long an unreachable server is retried; ' +
          'default: STUDY/trials.sqlite',
      })
      .option('trials', {
        type: 'number',
        demandOption: true,
        describe: 'Complete trials to reach',
      })
      .option('workers', {
        type: 'number',
        default: 1,
        describe: 'Worker processes on this machine',
      })
      .option('seed', { type: 'number', describe: "Study seed (default: the study's, else 1)" })
      .option('epochs', { type: 'number', default: 3, describe: 'Training epochs per candidate' })
      .option('dataset', {
        type: 'string',
        describe: 'Dataset directory for the evaluator (DCASE layout or audio/<label>/ folders)',
      })
      .option('cache', { type: 'string', describe: 'Feature cache directory (for the evaluator)' })
      .option('evaluator', {
        type: 'string',
        describe:
          "Module exporting createEvaluator(options) (default: the trainer's, @asc/trainer/evaluator)",
      })
      .option('evaluator-options', {
        type: 'string',
        describe: 'Extra evaluator options, a JSON object',
      })
      .option('min-kb', {
        type: 'number',
        describe: `Lower size bound in KB, strict (default: the study's, else ${DEFAULT_SIZE_WINDOW.minKiB})`,
      })
      .option('max-kb', {
        type: 'number',
        describe: `Upper size bound in KB, strict (default: the study's, else ${DEFAULT_SIZE_WINDOW.maxKiB})`,
      })
      .option('heartbeat-timeout', {
        type: 'number',
        default: DEFAULT_HEARTBEAT.timeoutMs / 1000,
        describe:
          'Seconds without a heartbeat after which a trial counts as dead and is offered again',
      })
      .option('backend', {
        choices: BACKEND_REQUESTS,
        describe:
          "tfjs backend of the trainer's evaluator (default auto; the same as --evaluator-options '{\"backend\": ...}')",
      }) as Argv<SearchArgs & GlobalOptions>,
  run: (args, out) => {
    checkPositiveIntegers({
      '--trials': args.trials,
      '--workers': args.workers,
      '--epochs': args.epochs,
    });
    if (args.seed !== undefined && !Number.isSafeInteger(args.seed)) {
      throw new UsageError(`--seed must be an integer, got ${args.seed}`);
    }
    if (!(args['heartbeat-timeout'] > 1)) {
      throw new UsageError(
        `--heartbeat-timeout must exceed 1 second, got ${args['heartbeat-timeout']}`,
      );
    }
    return searchStudy(
      {
        study:
          args.storage !== undefined
            ? { storage: args.storage, name: args.study }
            : { dir: args.study },
        trials: args.trials,
        workers: args.workers,
        epochs: args.epochs,
        seed: args.seed,
        window: { minKiB: args['min-kb'], maxKiB: args['max-kb'] },
        dataset: args.dataset,
        cache: args.cache,
        split: splitOptionsFromArgs(args),
        evaluatorModule: args.evaluator,
        evaluatorOptions: {
          ...parseEvaluatorOptions(args['evaluator-options']),
          ...(args.backend !== undefined ? { backend: args.backend } : {}),
        },
        heartbeatTimeoutMs: args['heartbeat-timeout'] * 1000,
      },
      out,
    );
  },
});
