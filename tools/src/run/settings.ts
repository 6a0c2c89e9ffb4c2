import * as fs from 'fs';
import * as path from 'path';
import type { WeightInit } from '@asc/zoo';
import {
  parseBackendRequest,
  parseRecipe,
  RecipeError,
  type BackendRequest,
  type Recipe,
} from '@asc/trainer';
import { UsageError } from '../cli/errors';
import type { SplitOptions } from '@asc/datasets';
import { checkPositiveIntegers, splitOptionsFromArgs, type SplitArgs } from '../cli/flags';

/**
 * The scale of `asc run`. The defaults end the whole pipeline in under 15 minutes on a
 * 2-core machine with the native kernels (measured in README.md) while still searching a
 * handful of candidates; the paper's scale is `--trials 510 --search-epochs 3
 * --final-epochs 60 --batch-size 64` on the real dataset.
 */
export const RUN_DEFAULTS = {
  clips: 120,
  clipSeconds: 10,
  // Easier than the generator's default (0.5): a few hundred steps must tell the classes apart.
  difficulty: 0.3,
  classes: 3,
  trials: 5,
  workers: 1,
  seed: 1,
  // The search recipe divides the learning rate by 10 after every epoch, so one epoch of
  // small batches (about 90 steps here) is what tells candidates apart at this scale.
  searchEpochs: 1,
  finalEpochs: 2,
  batchSize: 8,
} as const;

/** The flags of `asc run` (also the keys of a --config file). */
export interface RunArgs extends SplitArgs {
  out: string;
  dataset?: string;
  clips: number;
  seconds: number;
  difficulty: number;
  classes: number;
  trials: number;
  workers: number;
  seed: number;
  'search-epochs': number;
  'final-epochs': number;
  'batch-size': number;
  threads?: number;
  init?: WeightInit;
  backend?: string;
}

/** Where everything goes and how big it is, checked once before any step starts. */
export interface RunSettings {
  outDir: string;
  /** `<out>/dataset` for the synthetic dataset, else the --dataset directory. */
  datasetDir: string;
  synthetic: boolean;
  cacheDir: string;
  studyDir: string;
  clips: number;
  clipSeconds: number;
  difficulty: number;
  /** Classes of the synthetic dataset. */
  classes: number;
  /** The folder layout's split, when the flags ask for one. */
  split?: Partial<SplitOptions>;
  trials: number;
  workers: number;
  seed: number;
  searchEpochs: number;
  batchSize: number;
  threads?: number;
  /** The candidates' initialisation; default: the study's, else PyTorch's. */
  init?: WeightInit;
  /** The tfjs backend of the search and the retraining (default auto). */
  backend?: BackendRequest;
  /** The final recipe at the run's epochs and batch size. */
  finalRecipe: Recipe;
  /** The scale as given, recorded with the study. */
  scale: Record<string, unknown>;
}

/** Checks the flags and resolves the directories; bad values are usage errors (exit 2). */
export function runSettings(args: RunArgs): RunSettings {
  checkPositiveIntegers({
    '--clips': args.clips,
    '--trials': args.trials,
    '--workers': args.workers,
    '--search-epochs': args['search-epochs'],
    '--final-epochs': args['final-epochs'],
    '--batch-size': args['batch-size'],
    '--threads': args.threads,
  });

  if (!Number.isSafeInteger(args.seed)) {
    throw new UsageError(`--seed must be an integer, got ${args.seed}`);
  }
  if (!(args.seconds > 0)) throw new UsageError(`--seconds must be positive, got ${args.seconds}`);
  if (!(args.difficulty >= 0 && args.difficulty <= 1)) {
    throw new UsageError(`--difficulty must be between 0 and 1, got ${args.difficulty}`);
  }
  const split = splitOptionsFromArgs(args);
  const outDir = path.resolve(args.out);
  const synthetic = args.dataset === undefined;
  const datasetDir = synthetic ? path.join(outDir, 'dataset') : path.resolve(args.dataset!);
  if (!synthetic && !fs.existsSync(datasetDir)) {
    throw new UsageError(`--dataset ${args.dataset}: no such directory`);
  }
  let backend: BackendRequest | undefined;
  try {
    backend = args.backend === undefined ? undefined : parseBackendRequest(args.backend);
  } catch (err) {
    throw new UsageError(`--backend: ${(err as Error).message}`);
  }
  let finalRecipe: Recipe;
  try {
    finalRecipe = parseRecipe({
      base: 'final',
      epochs: args['final-epochs'],
      batchSize: args['batch-size'],
    });
  } catch (err) {
    if (err instanceof RecipeError) throw new UsageError(err.message);
    throw err;
  }
  return {
    outDir,
    datasetDir,
    synthetic,
    cacheDir: path.join(outDir, 'cache'),
    studyDir: path.join(outDir, 'study'),
    clips: args.clips,
    clipSeconds: args.seconds,
    difficulty: args.difficulty,
    classes: args.classes,
    ...(split !== undefined ? { split } : {}),
    trials: args.trials,
    workers: args.workers,
    seed: args.seed,
    searchEpochs: args['search-epochs'],
    batchSize: args['batch-size'],
    threads: args.threads,
    init: args.init,
    backend,
    finalRecipe,
    scale: {
      ...(synthetic
        ? {
            clips: args.clips,
            seconds: args.seconds,
            difficulty: args.difficulty,
            ...(args.classes !== RUN_DEFAULTS.classes ? { classes: args.classes } : {}),
          }
        : { dataset: datasetDir, ...(split !== undefined ? { split } : {}) }),
      trials: args.trials,
      workers: args.workers,
      seed: args.seed,
      searchEpochs: args['search-epochs'],
      finalEpochs: args['final-epochs'],
      batchSize: args['batch-size'],
      ...(args.threads !== undefined ? { threads: args.threads } : {}),
    },
  };
}

const CONFIG_KEYS = new Set([
  'dataset',
  'clips',
  'seconds',
  'difficulty',
  'classes',
  'split-seed',
  'evaluate-fraction',
  'trials',
  'workers',
  'seed',
  'search-epochs',
  'final-epochs',
  'batch-size',
  'threads',
  'init',
  'backend',
]);

/**
 * Reads a --config file: a JSON object whose keys are the flags' names ("trials",
 * "search-epochs", ...). Unknown keys are errors so that a typo does not pass silently;
 * flags on the command line win over the file. A relative `dataset` is relative to the file.
 */
export function readRunConfig(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config ${file}: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--config ${file}: not a JSON object`);
  }
  const config = value as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key)) {
      throw new UsageError(
        `--config ${file}: unknown key "${key}" (known: ${[...CONFIG_KEYS].join(', ')})`,
      );
    }
  }
  if (typeof config.dataset === 'string') {
    config.dataset = path.resolve(path.dirname(path.resolve(file)), config.dataset);
  }
  return config;
}
