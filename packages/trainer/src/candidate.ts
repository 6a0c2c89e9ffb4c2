import type * as tfType from '@tensorflow/tfjs';
import {
  resolveModel,
  type ArchSpec,
  type EpochMetrics,
  type TrialContext,
  type TrialResult,
} from '@asc/zoo';
import { describeBackend, type BackendInfo } from './backend';
import { InputNormaliser } from './inputs';
import { fitNormalisation, type Normalisation } from './normalisation';
import { SEARCH_RECIPE, type Recipe } from './recipe';
import { Rng } from '@asc/core';
import { seededCopy } from './seeding';
import { Trainer, type SplitData } from './trainer';

type Tf = typeof tfType;

export interface CandidateEvaluatorOptions {
  tf: Tf;
  backend: BackendInfo;
  train: SplitData;
  evaluate: SplitData;
  classes: number;
  /** The search recipe by default; its epochs are replaced by the trial's. */
  recipe?: Recipe;
  /** Fitted on the training split at the first candidate when absent. */
  normalisation?: Normalisation;
}

/** A search evaluator plus the means to release what it holds between candidates. */
export interface CandidateEvaluator {
  evaluate(spec: ArchSpec, context: TrialContext): Promise<TrialResult>;
  /** Releases the shared input statistics (tensors). */
  dispose(): void;
}

function epochMetrics(r: EpochMetrics): EpochMetrics {
  return {
    epoch: r.epoch,
    trainLoss: r.trainLoss,
    testLoss: r.testLoss,
    testAccuracy: r.testAccuracy,
    segmentAccuracy: r.segmentAccuracy,
    seconds: r.seconds,
    samplesPerSec: r.samplesPerSec,
  };
}

/**
 * Trains each candidate from scratch with the search recipe (initial weights, shuffles
 * and mixup from the trial's seed) and scores it at clip level after every epoch. The
 * normalisation is fitted once and shared; every candidate's model and optimiser state
 * are disposed before it returns, so memory does not grow over a long search.
 */
export function createCandidateEvaluator(options: CandidateEvaluatorOptions): CandidateEvaluator {
  const { tf } = options;
  const inputShape = [...options.train.source.segmentShape] as [number, number, number];
  let inputs: InputNormaliser | undefined;
  const sharedInputs = (): InputNormaliser => {
    inputs ??= new InputNormaliser(
      tf,
      inputShape,
      options.normalisation ?? fitNormalisation(options.train.source, options.train.clips),
    );
    return inputs;
  };
  const backendLine = describeBackend(options.backend);

  return {
    async evaluate(spec, context) {
      const started = performance.now();
      const recipe: Recipe = { ...(options.recipe ?? SEARCH_RECIPE), epochs: context.epochs };
      const resolved = resolveModel(spec);
      const master = Rng.fromSeed(context.seed);
      const initRng = Rng.fromSeed(master.seed());
      const rngs = {
        shuffle: Rng.fromSeed(master.seed()).state(),
        mixup: Rng.fromSeed(master.seed()).state(),
      };
      const built = resolved.build(tf, { inputShape, classes: options.classes });
      let model: tfType.LayersModel;
      try {
        model = await seededCopy(tf, built, initRng);
      } finally {
        built.dispose();
      }
      const trainer = new Trainer({
        tf,
        model,
        recipe,
        inputs: sharedInputs(),
        classes: options.classes,
        train: options.train,
        evaluate: options.evaluate,
        rngs,
        signal: context.signal,
      });
      try {
        const epochs: EpochMetrics[] = [];
        for (let epoch = 0; epoch < recipe.epochs; epoch++) {
          const { record } = await trainer.runEpoch(epoch);
          const metrics = epochMetrics(record);
          epochs.push(metrics);
          await context.reportEpoch(metrics);
        }
        const last = epochs[epochs.length - 1];
        return {
          accuracy: last.testAccuracy,
          loss: last.testLoss,
          segmentAccuracy: last.segmentAccuracy,
          seconds: (performance.now() - started) / 1000,
          backend: backendLine,
          epochs,
        };
      } finally {
        trainer.dispose();
        model.dispose();
      }
    },
    dispose() {
      inputs?.dispose();
      inputs = undefined;
    },
  };
}
