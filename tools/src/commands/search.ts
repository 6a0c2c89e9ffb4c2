import type { Argv } from 'yargs';
import {
  DEFAULT_EVOLUTION,
  DEFAULT_HEARTBEAT,
  DEFAULT_REDUCTION_FACTOR,
  PRUNER_KINDS,
  PRUNER_METRICS,
  SAMPLER_KINDS,
  type PrunerKind,
  type PrunerMetric,
  type SamplerKind,
} from '@asc/zoo';
import { BACKEND_REQUESTS, type BackendRequest } from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import {
  checkPositiveIntegers,
  initFlag,
  parseEpochs,
  splitFlags,
  splitOptionsFromArgs,
  type InitArgs,
  type SplitArgs,
} from '../cli/flags';
import { limitOptions, windowRequest, type LimitArgs } from '../cli/limits';
import { searchStudy, type StudyRequest } from '../ops/search';

/** The flags that define a study: `asc search` and `asc trials ask` share them. */
export interface StudyArgs extends SplitArgs, LimitArgs, InitArgs {
  study: string;
  storage?: string;
  trials: number;
  seed?: number;
  epochs: number;
  dataset?: string;
  cache?: string;
  sampler?: SamplerKind;
  population?: number;
  tournament?: number;
  pruner?: PrunerKind;
  'min-epochs'?: string;
  'reduction-factor'?: number;
  metric?: PrunerMetric;
  'heartbeat-timeout': number;
}

interface SearchArgs extends StudyArgs {
  workers: number;
  evaluator?: string;
  'evaluator-options'?: string;
  'checkpoint-dir'?: string;
  backend?: BackendRequest;
}

/** Declares the study flags (see StudyArgs). */
export function studyOptions<A>(y: Argv<A>): Argv<A & StudyArgs> {
  return initFlag(limitOptions(splitFlags(y)), 'the candidates', "the study's, else pytorch")
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
      describe: 'Finished trials to reach (complete; under a pruner, complete or pruned)',
    })
    .option('seed', { type: 'number', describe: "Study seed (default: the study's, else 1)" })
    .option('epochs', {
      type: 'number',
      default: 3,
      describe: "Training epochs of a candidate's full budget (the top rung)",
    })
    .option('dataset', {
      type: 'string',
      describe: 'Dataset directory for the evaluator (DCASE layout or audio/<label>/ folders)',
    })
    .option('cache', { type: 'string', describe: 'Feature cache directory (for the evaluator)' })
    .option('sampler', {
      type: 'string',
      choices: SAMPLER_KINDS as string[],
      describe:
        "random (the paper's) or evolution (regularised evolution: tournament, one mutation); " +
        "default: the study's, else random",
    })
    .option('population', {
      type: 'number',
      describe: `Evolution: trials in the population (default ${DEFAULT_EVOLUTION.population})`,
    })
    .option('tournament', {
      type: 'number',
      describe: `Evolution: trials drawn per tournament (default ${DEFAULT_EVOLUTION.tournament})`,
    })
    .option('pruner', {
      type: 'string',
      choices: PRUNER_KINDS as string[],
      describe:
        "none (the paper's protocol), asha (asynchronous successive halving) or hyperband; " +
        "default: the study's, else none",
    })
    .option('min-epochs', {
      type: 'string',
      describe:
        'The lowest rung in epochs, e.g. 0.5 or 1/3 (counted in training samples); ' +
        'default: epochs / reduction-factor^2',
    })
    .option('reduction-factor', {
      type: 'number',
      describe: `eta: ratio of successive rungs, 1/eta promoted (default ${DEFAULT_REDUCTION_FACTOR})`,
    })
    .option('metric', {
      type: 'string',
      choices: PRUNER_METRICS as string[],
      describe: 'What ranks trials at a rung (default accuracy)',
    })
    .option('heartbeat-timeout', {
      type: 'number',
      default: DEFAULT_HEARTBEAT.timeoutMs / 1000,
      describe:
        'Seconds without a heartbeat after which a trial counts as dead and is offered again',
    }) as unknown as Argv<A & StudyArgs>;
}

/** Checks the study flags and maps them to the operation's request. */
export function studyRequest(args: StudyArgs): StudyRequest {
  checkPositiveIntegers({
    '--trials': args.trials,
    '--population': args.population,
    '--tournament': args.tournament,
  });
  if (!(args.epochs > 0)) throw new UsageError(`--epochs must be positive, got ${args.epochs}`);
  if (args.seed !== undefined && !Number.isSafeInteger(args.seed)) {
    throw new UsageError(`--seed must be an integer, got ${args.seed}`);
  }
  if (!(args['heartbeat-timeout'] > 1)) {
    throw new UsageError(
      `--heartbeat-timeout must exceed 1 second, got ${args['heartbeat-timeout']}`,
    );
  }
  return {
    study:
      args.storage !== undefined
        ? { storage: args.storage, name: args.study }
        : { dir: args.study },
    epochs: args.epochs,
    seed: args.seed,
    window: windowRequest(args),
    dataset: args.dataset,
    cache: args.cache,
    split: splitOptionsFromArgs(args),
    sampler: { kind: args.sampler, population: args.population, tournament: args.tournament },
    pruner: {
      kind: args.pruner,
      minEpochs: parseEpochs('--min-epochs', args['min-epochs']),
      reductionFactor: args['reduction-factor'],
      metric: args.metric,
    },
    init: args.init,
  };
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

/** `asc search`: the architecture search, resumable, with worker processes. */
export const searchCommand = defineCommand<SearchArgs>({
  command: 'search',
  describe:
    "Architecture search under the size window (random or evolution; the paper's protocol, ASHA " +
    'or Hyperband); re-running resumes the study',
  builder: (y: Argv<GlobalOptions>) =>
    studyOptions(y)
      .option('workers', {
        type: 'number',
        default: 1,
        describe: 'Worker processes on this machine',
      })
      .option('evaluator', {
        type: 'string',
        describe:
          "Module exporting createEvaluator(options) (default: the trainer's, @asc/trainer/evaluator)",
      })
      .option('evaluator-options', {
        type: 'string',
        describe: 'Extra evaluator options, a JSON object',
      })
      .option('checkpoint-dir', {
        type: 'string',
        describe:
          'Where trials keep their training state between rungs (default: STUDY/checkpoints; with ' +
          '--storage, asc-checkpoints/STUDY here: share one folder between machines, or a ' +
          'promotion taken elsewhere retrains from the start, to the same result)',
      })
      .option('backend', {
        choices: BACKEND_REQUESTS,
        describe:
          "tfjs backend of the trainer's evaluator (default auto; the same as --evaluator-options '{\"backend\": ...}')",
      }) as Argv<SearchArgs & GlobalOptions>,
  run: (args, out) => {
    checkPositiveIntegers({ '--workers': args.workers });
    return searchStudy(
      {
        ...studyRequest(args),
        trials: args.trials,
        workers: args.workers,
        evaluatorModule: args.evaluator,
        evaluatorOptions: {
          ...parseEvaluatorOptions(args['evaluator-options']),
          ...(args.backend !== undefined ? { backend: args.backend } : {}),
        },
        heartbeatTimeoutMs: args['heartbeat-timeout'] * 1000,
        checkpointDir: args['checkpoint-dir'],
      },
      out,
    );
  },
});
