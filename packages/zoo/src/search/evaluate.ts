import type { ArchSpec } from '../spec';
import { AscError } from '@asc/core';

/** Metrics of one training epoch of a candidate, as the evaluator reports them. */
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  testLoss: number;
  testAccuracy: number;
  segmentAccuracy: number;
  seconds: number;
  samplesPerSec: number;
}

/**
 * What the search hands the evaluator with each candidate: train it up to `epochs` epochs
 * in all (a fraction of an epoch counts in training samples: round(epochs x samples per
 * epoch), whole batches), with the learning-rate schedule of a `maxEpochs` run, and score
 * it there. Under a pruner a trial comes back for more after it was promoted: `resume`
 * says where it stopped, and `checkpoint` names the file in which the evaluator keeps
 * the trial's training state between calls (weights, optimiser, random streams, position
 * in the epoch), so that the continued run is the uninterrupted one. An evaluator that
 * finds no usable state there trains from the start (deterministically, to the same
 * result); one that ignores `resume` and `checkpoint` is correct, only slower.
 */
export interface TrialContext {
  trialId: number;
  seed: number;
  /** Train up to this many epochs in all (may be fractional). */
  epochs: number;
  /** The full budget of a trial: the learning-rate schedule is that of a run this long. */
  maxEpochs?: number;
  /** The rung being trained (0-based; the paper's protocol has one). */
  rung?: number;
  /** Where the trial stopped at its last rung; null (or absent) for a fresh start. */
  resume?: { epochs: number; samples: number | null } | null;
  /** The trial's training-state file (null: keep none). */
  checkpoint?: string | null;
  /** Aborted on Ctrl-C, SIGTERM or a lost trial; the evaluator should stop soon after. */
  signal: AbortSignal;
  /** Records per-epoch metrics in the store (this also heartbeats the trial). */
  reportEpoch(m: EpochMetrics): Promise<void>;
}

export interface TrialResult {
  /** Clip accuracy on the test split: the paper's "accuracy". */
  accuracy: number;
  /** Test log loss. */
  loss: number;
  segmentAccuracy?: number;
  seconds: number;
  backend?: string;
  /** The epochs that ended during this call. */
  epochs: EpochMetrics[];
  /** Training samples trained since the trial's start (its position). */
  samples?: number;
  /** Training samples this call trained (less than `samples` when it resumed). */
  trainedSamples?: number;
}

export type Evaluate = (spec: ArchSpec, context: TrialContext) => Promise<TrialResult>;

/** Options every evaluator module receives from `asc search` (plus any extra fields). */
export interface EvaluatorOptions {
  epochs: number;
  dataset?: string;
  cache?: string;
  studyDir?: string;
  /** 0-based index of the worker process and the number of workers (to share cores). */
  workerIndex: number;
  workers: number;
  [extra: string]: unknown;
}

/** What an evaluator module (`asc search --evaluator MODULE`) must export. */
export interface EvaluatorModule {
  createEvaluator(options: EvaluatorOptions): Evaluate | Promise<Evaluate>;
}

/** The evaluator used when none is named: the trainer's, resolved by package name. */
export const DEFAULT_EVALUATOR_MODULE = '@asc/trainer/evaluator';

/** Thrown when the evaluator module cannot be found or does not export createEvaluator. */
export class EvaluatorModuleError extends AscError {
  constructor(
    message: string,
    readonly modulePath: string,
  ) {
    super('evaluator-module-invalid', message, { context: { module: modulePath } });
  }
}

/** Validates one TrialResult returned by an evaluator; throws with what is wrong. */
export function checkTrialResult(r: unknown): TrialResult {
  const o = r as Partial<TrialResult> | null;
  const bad = (why: string): never => {
    throw new TypeError(`the evaluator returned an invalid result: ${why}`);
  };
  if (typeof o !== 'object' || o === null) return bad(`expected an object, got ${String(r)}`);
  if (typeof o.accuracy !== 'number' || !(o.accuracy >= 0 && o.accuracy <= 1)) {
    bad(`accuracy must be a number in [0, 1], got ${String(o.accuracy)}`);
  }
  if (typeof o.loss !== 'number' || Number.isNaN(o.loss))
    bad(`loss must be a number, got ${String(o.loss)}`);
  if (typeof o.seconds !== 'number') bad(`seconds must be a number, got ${String(o.seconds)}`);
  if (!Array.isArray(o.epochs)) bad('epochs must be an array');
  return o as TrialResult;
}
