import * as path from 'path';
import type { Argv } from 'yargs';
import { BACKEND_REQUESTS, type BackendRequest, type RunRecord } from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import {
  checkPositiveIntegers,
  splitFlags,
  splitOptionsFromArgs,
  type SplitArgs,
} from '../cli/flags';
import { trainWithProgress } from '../ops/train';

interface TrainArgs extends SplitArgs {
  model?: string;
  dataset?: string;
  cache?: string;
  run: string;
  epochs?: number;
  recipe?: string;
  seed?: number;
  backend: BackendRequest;
  threads?: number;
}

/** What `asc train --json` prints: the run record's headline figures. */
export interface TrainResult {
  run: string;
  model: string;
  epochsDone: number;
  testAccuracy: number | null;
  testLoss: number | null;
  fp32Bytes: number | null;
  fp16Bytes: number | null;
  backend: string;
}

export function trainResult(runDir: string, record: RunRecord): TrainResult {
  return {
    run: runDir,
    model: record.model,
    epochsDone: record.epochsDone,
    testAccuracy: record.final?.testAccuracy ?? null,
    testLoss: record.final?.testLoss ?? null,
    fp32Bytes: record.export?.fp32Bytes ?? null,
    fp16Bytes: record.export?.fp16Bytes ?? null,
    backend: record.backend.name,
  };
}

/**
 * `asc train`: trains a model with the paper's recipe into a run directory. Re-running
 * the same command resumes from the last checkpoint; Ctrl-C stops after the current batch
 * and keeps the last epoch's checkpoint.
 */
export const trainCommand = defineCommand<TrainArgs>({
  command: 'train',
  describe: 'Train a model (B, A, a baseline, an architecture id or spec.json) on a dataset',
  builder: (y: Argv<GlobalOptions>) =>
    splitFlags(y)
      .option('model', {
        type: 'string',
        describe: 'B | A | NAME | ID | spec.json (kept on resume)',
      })
      .option('dataset', {
        type: 'string',
        describe: 'Dataset root: DCASE layout (meta.csv) or a folder per class (audio/<label>/)',
      })
      .option('cache', { type: 'string', describe: 'Feature cache directory (asc features)' })
      .option('run', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option('epochs', { type: 'number', describe: "Override the recipe's epochs" })
      .option('recipe', { type: 'string', describe: 'final (default) | search | recipe.json' })
      .option('seed', { type: 'number', describe: 'Seed (default 0; a resumed run keeps its own)' })
      .option('backend', {
        choices: BACKEND_REQUESTS,
        default: 'auto' as BackendRequest,
        describe: 'tfjs backend',
      })
      .option('threads', {
        type: 'number',
        describe: 'Native kernel threads',
      }) as unknown as Argv<TrainArgs>,
  run: async (args, out): Promise<TrainResult> => {
    checkPositiveIntegers({ '--epochs': args.epochs, '--threads': args.threads });
    if (args.seed !== undefined && !Number.isInteger(args.seed)) {
      throw new UsageError(`--seed must be an integer, got ${args.seed}`);
    }
    const runDir = path.resolve(args.run);
    const record = await trainWithProgress(
      {
        model: args.model,
        datasetDir: args.dataset && path.resolve(args.dataset),
        cacheDir: args.cache && path.resolve(args.cache),
        split: splitOptionsFromArgs(args),
        runDir,
        epochs: args.epochs,
        recipe: args.recipe,
        seed: args.seed,
        backend: args.backend,
        threads: args.threads,
      },
      out,
    );
    const result = trainResult(runDir, record);
    out.info(
      `done: ${record.model}, accuracy ${((result.testAccuracy ?? 0) * 100).toFixed(2)}%, ` +
        `log loss ${(result.testLoss ?? NaN).toFixed(4)}; run ${runDir}`,
    );
    return result;
  },
});
