import * as path from 'path';
import type { Argv } from 'yargs';
import {
  BACKEND_REQUESTS,
  trainRun,
  type BackendRequest,
  type RunProgress,
  type RunRecord,
} from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { createProgress, type Progress } from '../cli/progress';
import { checkPositiveIntegers } from '../cli/flags';

interface TrainArgs {
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

/** A progress bar per epoch (samples/s, running loss, ETA) and a line per finished epoch. */
export function progressPrinter(out: Output): (p: RunProgress) => void {
  let bar: Progress | undefined;
  let total = 0;
  const startEpoch = (epoch: number): void => {
    bar = createProgress({ label: `epoch ${epoch}`, total, unit: 'samples' });
  };
  return (p) => {
    switch (p.kind) {
      case 'start':
        total = p.trainSegments;
        if (p.resumedFromEpoch > 0)
          out.info(`resuming after epoch ${p.resumedFromEpoch}/${p.epochs}`);
        if (p.resumedFromEpoch < p.epochs) startEpoch(p.resumedFromEpoch + 1);
        return;
      case 'batch':
        bar?.update(p.samples, `loss ${p.loss.toFixed(4)}`);
        return;
      case 'epoch':
        bar?.finish();
        bar = undefined;
        out.info(
          `epoch ${p.record.epoch}/${p.epochs}: train loss ${p.record.trainLoss.toFixed(4)}, ` +
            `test loss ${p.record.testLoss.toFixed(4)}, accuracy ${(100 * p.record.testAccuracy).toFixed(2)}% ` +
            `(segments ${(100 * p.record.segmentAccuracy).toFixed(2)}%), ` +
            `${p.record.samplesPerSec.toFixed(1)} samples/s, ${p.record.seconds.toFixed(1)} s`,
        );
        if (p.record.epoch < p.epochs) startEpoch(p.record.epoch + 1);
        return;
      case 'export':
        out.info(
          `exported: fp32 ${p.export.fp32Bytes} B, fp16 ${p.export.fp16Bytes} B ` +
            `(max |fp16 - fp32| ${p.export.fp16MaxAbsDiff.toExponential(2)})`,
        );
        return;
    }
  };
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
    y
      .option('model', {
        type: 'string',
        describe: 'B | A | NAME | ID | spec.json (kept on resume)',
      })
      .option('dataset', { type: 'string', describe: 'Dataset root' })
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
    const controller = new AbortController();
    const stop = (): void => controller.abort(new Error('interrupted'));
    process.once('SIGINT', stop);
    try {
      const record = await trainRun({
        model: args.model,
        datasetDir: args.dataset && path.resolve(args.dataset),
        cacheDir: args.cache && path.resolve(args.cache),
        runDir,
        epochs: args.epochs,
        recipe: args.recipe,
        seed: args.seed,
        backend: args.backend,
        threads: args.threads,
        onInfo: (line) => out.info(line),
        onProgress: progressPrinter(out),
        signal: controller.signal,
      });
      const result = trainResult(runDir, record);
      out.info(
        `done: ${record.model}, accuracy ${((result.testAccuracy ?? 0) * 100).toFixed(2)}%, ` +
          `log loss ${(result.testLoss ?? NaN).toFixed(4)}; run ${runDir}`,
      );
      return result;
    } finally {
      process.removeListener('SIGINT', stop);
    }
  },
});
