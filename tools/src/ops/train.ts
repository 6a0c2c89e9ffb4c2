// asc's operations layer (tools/src/ops): typed functions that print progress on an
// Output; the commands are thin yargs adapters over them and `asc run`'s steps call them.
// Here: training a run with progress.
import { trainRun, type RunProgress, type RunRecord, type TrainRunOptions } from '@asc/trainer';
import { CommandFailed } from '../cli/errors';
import type { Output } from '../cli/output';
import { createProgress, type Progress } from '../cli/progress';

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

/** What a training needs besides the callbacks, which `trainWithProgress` supplies. */
export type TrainOptions = Omit<TrainRunOptions, 'onInfo' | 'onProgress' | 'signal'>;

/**
 * Trains (or resumes) a run, printing its lines and a progress bar per epoch. Ctrl-C stops
 * it after the current batch: the run keeps its last finished epoch, and the error says
 * how to resume.
 */
export async function trainWithProgress(options: TrainOptions, out: Output): Promise<RunRecord> {
  const controller = new AbortController();
  const stop = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  try {
    return await trainRun({
      ...options,
      onInfo: (line) => out.info(line),
      onProgress: progressPrinter(out),
      signal: controller.signal,
    });
  } catch (err) {
    if (controller.signal.aborted) {
      throw new CommandFailed(
        `interrupted; ${options.runDir} keeps its last finished epoch: run the same command again to resume`,
      );
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', stop);
  }
}
