import * as fs from 'fs';
import type * as tfType from '@tensorflow/tfjs';
import {
  DEFAULT_WEIGHT_INIT,
  archId,
  resolveModel,
  type ArchSpec,
  type EpochMetrics,
  type TrialContext,
  type TrialResult,
  type WeightInit,
} from '@asc/zoo';
import { describeBackend, type BackendInfo } from './backend';
import { readCheckpoint, writeCheckpoint, type CheckpointTensor } from './checkpoint';
import { InputNormaliser } from './inputs';
import { fitNormalisation, type Normalisation } from './normalisation';
import { SEARCH_RECIPE, type Recipe } from './recipe';
import { Rng } from '@asc/core';
import { seededCopy } from './seeding';
import { Trainer, type SplitData, type TrainerRngStates, type TrainingPosition } from './trainer';

type Tf = typeof tfType;

export interface CandidateEvaluatorOptions {
  tf: Tf;
  backend: BackendInfo;
  train: SplitData;
  evaluate: SplitData;
  classes: number;
  /** The search recipe by default; its epochs are replaced by the trial's budget. */
  recipe?: Recipe;
  /** How the candidates' weights start (PyTorch's by default). */
  init?: WeightInit;
  /** Fitted on the training split at the first candidate when absent. */
  normalisation?: Normalisation;
}

/** A search evaluator plus the means to release what it holds between candidates. */
export interface CandidateEvaluator {
  evaluate(spec: ArchSpec, context: TrialContext): Promise<TrialResult>;
  /** Releases the shared input statistics (tensors). */
  dispose(): void;
}

/**
 * What a trial's checkpoint records beside its tensors: what it was trained as (a state
 * of another architecture, seed, initialisation, recipe or split is never resumed) and
 * where the training stands.
 */
interface TrialCheckpointMeta {
  format: 'asc-trial-state/1';
  archId: string;
  seed: number;
  init: WeightInit;
  recipe: Recipe;
  samplesPerEpoch: number;
  optimizerStep: number;
  rngs: TrainerRngStates;
  position: TrainingPosition;
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

/** Training samples of `epochs` epochs (a fraction counts in samples). */
export function samplesOfEpochs(epochs: number, samplesPerEpoch: number): number {
  return Math.round(epochs * samplesPerEpoch);
}

/**
 * The trial's saved state when it belongs to this trial and lies at or before `target`
 * samples; anything else (no file, an unreadable one, another trial's, one past the
 * target) is not resumed: the trial then trains from its start, to the same weights.
 */
function usableState(
  file: string | null | undefined,
  expected: Omit<TrialCheckpointMeta, 'optimizerStep' | 'rngs' | 'position'>,
  target: number,
): { meta: TrialCheckpointMeta; tensors: CheckpointTensor[] } | null {
  if (!file || !fs.existsSync(file)) return null;
  let state: { meta: TrialCheckpointMeta; tensors: CheckpointTensor[] };
  try {
    state = readCheckpoint<TrialCheckpointMeta>(file);
  } catch {
    return null;
  }
  const m = state.meta;
  const same = (Object.keys(expected) as (keyof typeof expected)[]).every(
    (k) => JSON.stringify(m[k]) === JSON.stringify(expected[k]),
  );
  return same && m.position.samples <= target ? state : null;
}

/**
 * Trains each candidate with the search recipe (initial weights, shuffles and mixup from
 * the trial's seed) up to its budget and scores it at clip level there and after every
 * epoch on the way. A trial that comes back for a higher rung resumes from its checkpoint
 * and continues exactly as an uninterrupted run would: the same batches (the epoch's
 * shuffle replayed up to where it stopped), the same mixup draws, Adam's moments and step,
 * the learning rate of the full budget's schedule. The normalisation is fitted once and
 * shared; every candidate's model and optimiser state are disposed before it returns.
 */
export function createCandidateEvaluator(options: CandidateEvaluatorOptions): CandidateEvaluator {
  const { tf } = options;
  const init = options.init ?? DEFAULT_WEIGHT_INIT;
  const inputShape = [...options.train.source.segmentShape] as [number, number, number];
  let inputs: InputNormaliser | undefined;
  let samplesPerEpoch = options.train.segments;
  const sharedInputs = (): InputNormaliser => {
    if (!inputs) {
      const normalisation =
        options.normalisation ?? fitNormalisation(options.train.source, options.train.clips);
      samplesPerEpoch ??= normalisation.segments;
      inputs = new InputNormaliser(tf, inputShape, normalisation);
    }
    return inputs;
  };
  const backendLine = describeBackend(options.backend);

  return {
    async evaluate(spec, context) {
      const started = performance.now();
      const maxEpochs = context.maxEpochs ?? context.epochs;
      const recipe: Recipe = {
        ...(options.recipe ?? SEARCH_RECIPE),
        epochs: Math.ceil(maxEpochs),
      };
      const normaliser = sharedInputs();
      const perEpoch = samplesPerEpoch as number;
      const target = samplesOfEpochs(context.epochs, perEpoch);
      const identity = {
        format: 'asc-trial-state/1' as const,
        archId: archId(spec),
        seed: context.seed,
        init,
        recipe,
        samplesPerEpoch: perEpoch,
      };
      const saved = usableState(context.checkpoint, identity, target);
      const master = Rng.fromSeed(context.seed);
      const initRng = Rng.fromSeed(master.seed());
      const rngs = saved?.meta.rngs ?? {
        shuffle: Rng.fromSeed(master.seed()).state(),
        mixup: Rng.fromSeed(master.seed()).state(),
      };
      const built = resolveModel(spec).build(tf, { inputShape, classes: options.classes, init });
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
        inputs: normaliser,
        classes: options.classes,
        train: { ...options.train, segments: perEpoch },
        evaluate: options.evaluate,
        rngs,
        position: saved?.meta.position,
        signal: context.signal,
      });
      try {
        if (saved) trainer.restore(saved.tensors, saved.meta.optimizerStep);
        const from = trainer.position().samples;
        const epochs: EpochMetrics[] = [];
        const ended = await trainer.trainTo(target, async (record) => {
          const metrics = epochMetrics(record);
          epochs.push(metrics);
          await context.reportEpoch(metrics);
        });
        const metrics = ended ?? (await trainer.evaluate());
        const position = trainer.position();
        if (context.checkpoint && position.samples < samplesOfEpochs(maxEpochs, perEpoch)) {
          const { tensors, optimizerStep } = await trainer.checkpointTensors();
          const meta: TrialCheckpointMeta = {
            ...identity,
            optimizerStep,
            rngs: trainer.rngStates(),
            position,
          };
          writeCheckpoint(context.checkpoint, meta, tensors);
        }
        return {
          accuracy: metrics.accuracy,
          loss: metrics.logLoss,
          segmentAccuracy: metrics.segmentAccuracy,
          seconds: (performance.now() - started) / 1000,
          backend: backendLine,
          epochs,
          samples: position.samples,
          trainedSamples: position.samples - from,
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
