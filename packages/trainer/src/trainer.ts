import type * as tfType from '@tensorflow/tfjs';
import type { RunDataLoader, RunEpochRecord } from '@asc/zoo';
import type { FeatureConfig } from '@asc/native';
import type { Batch } from './batches';
import {
  inThreadStreams,
  loaderWorkerAvailable,
  workerStreams,
  type EpochStreamFactory,
} from './batch-stream';
import type { CheckpointTensor } from './checkpoint';
import { evaluateClips, tfjsScorer } from './evaluate';
import type { InputNormaliser } from './inputs';
import { bceWithLogits } from './loss';
import type { ClipMetrics } from './metrics';
import { applyMixup, drawMixup } from './mixup';
import { AdamL2 } from './optimizer';
import { learningRateAt, type Recipe } from './recipe';
import { Rng, type RngState, AscError } from '@asc/core';
import type { ClipRef, SegmentSource } from './segments';

type Tf = typeof tfType;

/** One split as the trainer sees it: where its segments come from and which clips. */
export interface SplitData {
  source: SegmentSource;
  clips: readonly ClipRef[];
  /** Total segments of the split (for progress and rates), when known. */
  segments?: number;
  /** Set when `source` is a feature cache: batches are then loaded on a worker thread. */
  cache?: { dir: string; config: FeatureConfig; configHash: string };
}

/** Batches come from a loader thread ahead of the training steps, or on demand. */
export type DataLoader = RunDataLoader;

/** Batches the loader thread may prepare ahead of the trainer. */
const PREFETCH_BATCHES = 2;

/** Per-epoch record: the zoo's EpochMetrics (epoch is 1-based) plus the epoch's learning rate. */
export type EpochRecord = RunEpochRecord;

export interface BatchProgress {
  epoch: number;
  /** Segments trained on so far in this epoch. */
  samples: number;
  totalSamples?: number;
  /** Running mean of the training loss over the epoch. */
  loss: number;
  samplesPerSec: number;
}

/**
 * The random streams of a run; their states go into every checkpoint. `shuffle` is the
 * state at the start of the epoch in progress (its batches are drawn from it again when
 * a run resumes inside the epoch).
 */
export interface TrainerRngStates {
  shuffle: RngState;
  mixup: RngState;
}

/** Where a run stands: in which epoch, how far into it, and what it has trained. */
export interface TrainingPosition {
  /** The epoch in progress, 0-based (= epochs finished). */
  epoch: number;
  /** Batches of that epoch already trained. */
  batches: number;
  /** Training samples trained since the start of the run. */
  samples: number;
  /** The epoch in progress so far: its samples, their summed losses, its training seconds. */
  epochSamples: number;
  epochLossSum: number;
  epochSeconds: number;
}

/** The position at the start of `epoch`, `samples` trained before it. */
export function startOfEpoch(epoch: number, samples = 0): TrainingPosition {
  return { epoch, batches: 0, samples, epochSamples: 0, epochLossSum: 0, epochSeconds: 0 };
}

export interface TrainerOptions {
  tf: Tf;
  model: tfType.LayersModel;
  recipe: Recipe;
  inputs: InputNormaliser;
  classes: number;
  train: SplitData;
  evaluate: SplitData;
  rngs: TrainerRngStates;
  /** Where the run stands (with `rngs` from the same moment); the start when absent. */
  position?: TrainingPosition;
  signal?: AbortSignal;
  onBatch?: (p: BatchProgress) => void;
}

/** Names under which the trainer's tensors go into a checkpoint. */
const WEIGHT = 'weight';
const FIRST_MOMENT = 'adam.m';
const SECOND_MOMENT = 'adam.v';

/**
 * Trains one model with the recipe: Adam with L2 added to the gradient, BCE on logits,
 * mixup per batch, the step schedule; evaluates at clip level after each epoch. It owns
 * the optimiser state (disposed by dispose()); the model stays the caller's.
 */
export class Trainer {
  private readonly variables: tfType.Variable[];
  private readonly optimizer: AdamL2;
  private shuffleState: RngState;
  private readonly mixupRng: Rng;
  private pos: TrainingPosition;
  private readonly streams: EpochStreamFactory;
  private readonly closeLoader: () => Promise<void>;
  readonly loader: DataLoader;

  constructor(private readonly options: TrainerOptions) {
    const { tf, model, recipe } = options;
    // LayerVariable.read() returns the backing tf.Variable (what tfjs-layers' fit uses).
    this.variables = model.trainableWeights.map((w) => w.read() as tfType.Variable);
    this.optimizer = new AdamL2(tf, this.variables, {
      beta1: recipe.beta1,
      beta2: recipe.beta2,
      epsilon: recipe.epsilon,
      weightDecay: recipe.weightDecay,
    });
    this.shuffleState = Rng.fromState(options.rngs.shuffle).state();
    this.mixupRng = Rng.fromState(options.rngs.mixup);
    this.pos = { ...(options.position ?? startOfEpoch(0)) };
    const batchOptions = {
      batchSize: recipe.batchSize,
      classes: options.classes,
      windowClips: recipe.shuffleWindowClips,
    };
    const { train } = options;
    if (train.cache && loaderWorkerAvailable()) {
      const w = workerStreams({
        cacheDir: train.cache.dir,
        config: train.cache.config,
        configHash: train.cache.configHash,
        clips: [...train.clips],
        options: batchOptions,
        prefetch: PREFETCH_BATCHES,
      });
      this.streams = w.factory;
      this.closeLoader = w.close;
      this.loader = 'worker';
    } else {
      this.streams = inThreadStreams(train.source, train.clips, batchOptions);
      this.closeLoader = async () => undefined;
      this.loader = 'in-thread';
    }
  }

  rngStates(): TrainerRngStates {
    return { shuffle: [...this.shuffleState], mixup: this.mixupRng.state() };
  }

  /** One optimisation step on one host batch; returns the batch's (mixed) loss. */
  async step(batch: Batch, learningRate: number): Promise<number> {
    const { tf, model, recipe, inputs, classes } = this.options;
    const lossTensor = tf.tidy(() => {
      let x: tfType.Tensor = inputs.tensor(batch.x, batch.size);
      let y: tfType.Tensor = tf.tensor2d(batch.y, [batch.size, classes]);
      if (recipe.mixup) {
        ({ x, y } = applyMixup(tf, x, y, drawMixup(recipe.mixup, batch.size, this.mixupRng)));
      }
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(x, { training: true }) as tfType.Tensor;
        return bceWithLogits(tf, logits, y);
      }, this.variables);
      this.optimizer.applyGradients(
        this.variables.map((v) => grads[v.name]),
        learningRate,
      );
      return value;
    });
    const loss = (await lossTensor.data())[0];
    lossTensor.dispose();
    return loss;
  }

  /** Where training stands (a copy). */
  position(): TrainingPosition {
    return { ...this.pos };
  }

  /**
   * Trains epoch `epoch` (0-based: its learning rate and number) over the training split,
   * then evaluates. A trainer stopped inside an epoch finishes that epoch.
   */
  async runEpoch(epoch: number): Promise<{ record: EpochRecord; metrics: ClipMetrics }> {
    if (this.pos.batches > 0 && epoch !== this.pos.epoch) {
      throw new RangeError(
        `the trainer stands inside epoch ${this.pos.epoch + 1}, not ${epoch + 1}`,
      );
    }
    this.pos.epoch = epoch;
    await this.trainPart(Infinity);
    return this.finishEpoch();
  }

  /**
   * Trains until `samples` training samples have been trained since the start of the run
   * (whole batches: it stops at the first batch boundary at or past it), evaluating and
   * calling `onEpoch` at every epoch that ends on the way. Returns the metrics of the epoch
   * that ended exactly there, if one did, else null.
   */
  async trainTo(
    samples: number,
    onEpoch?: (record: EpochRecord, metrics: ClipMetrics) => Promise<void> | void,
  ): Promise<ClipMetrics | null> {
    let last: ClipMetrics | null = null;
    while (this.pos.samples < samples) {
      last = null;
      if (!(await this.trainPart(samples))) break;
      const { record, metrics } = await this.finishEpoch();
      last = metrics;
      await onEpoch?.(record, metrics);
    }
    return last;
  }

  /**
   * Trains the current epoch until it ends or `stopAt` samples (in all) are reached;
   * returns whether the epoch ended. The learning rate is the schedule's for this epoch,
   * whatever the run's length, so a run stopped here has had the schedule of a longer one.
   */
  private async trainPart(stopAt: number): Promise<boolean> {
    const { recipe, train, signal, onBatch } = this.options;
    const pos = this.pos;
    const learningRate = learningRateAt(recipe, pos.epoch);
    const started = performance.now();
    const startSamples = pos.epochSamples;
    const stream = this.streams(this.shuffleState, pos.batches);
    let ended = false;
    try {
      for (;;) {
        // Past the stop, fetch once more only when the epoch is known to be complete, so
        // that the stream hands over its end state.
        const complete = train.segments !== undefined && pos.epochSamples >= train.segments;
        if (pos.samples >= stopAt && !complete) break;
        const batch = await stream.next();
        if (!batch) {
          ended = true;
          this.shuffleState = stream.shuffleState();
          break;
        }
        signal?.throwIfAborted();
        const loss = await this.step(batch, learningRate);
        if (!Number.isFinite(loss)) {
          throw new TrainingDivergedError(pos.epoch + 1, pos.epochSamples, loss);
        }
        pos.batches += 1;
        pos.samples += batch.size;
        pos.epochSamples += batch.size;
        pos.epochLossSum += loss * batch.size;
        onBatch?.({
          epoch: pos.epoch + 1,
          samples: pos.epochSamples,
          totalSamples: train.segments,
          loss: pos.epochLossSum / pos.epochSamples,
          samplesPerSec: (pos.epochSamples - startSamples) / ((performance.now() - started) / 1000),
        });
      }
    } finally {
      stream.close();
      pos.epochSeconds += (performance.now() - started) / 1000;
    }
    return ended;
  }

  /** Evaluates at the end of an epoch, records it and moves to the next epoch's start. */
  private async finishEpoch(): Promise<{ record: EpochRecord; metrics: ClipMetrics }> {
    const pos = this.pos;
    const started = performance.now();
    const metrics = await this.evaluate();
    const record: EpochRecord = {
      epoch: pos.epoch + 1,
      trainLoss: pos.epochSamples > 0 ? pos.epochLossSum / pos.epochSamples : NaN,
      testLoss: metrics.logLoss,
      testAccuracy: metrics.accuracy,
      segmentAccuracy: metrics.segmentAccuracy,
      seconds: pos.epochSeconds + (performance.now() - started) / 1000,
      samplesPerSec: pos.epochSamples / pos.epochSeconds,
      learningRate: learningRateAt(this.options.recipe, pos.epoch),
    };
    this.pos = startOfEpoch(pos.epoch + 1, pos.samples);
    return { record, metrics };
  }

  evaluate(): Promise<ClipMetrics> {
    const { tf, model, inputs, evaluate, recipe, classes, signal } = this.options;
    return evaluateClips(tfjsScorer(tf, model, inputs), evaluate.source, evaluate.clips, {
      classes,
      batchSize: recipe.batchSize,
      signal,
    });
  }

  /** Model weights (all of model.weights, in order) and Adam's state, for a checkpoint. */
  async checkpointTensors(): Promise<{ tensors: CheckpointTensor[]; optimizerStep: number }> {
    const tensors: CheckpointTensor[] = [];
    for (const w of this.options.model.weights) {
      tensors.push({
        name: `${WEIGHT}:${w.name}`,
        values: (await w.read().data()) as Float32Array,
      });
    }
    const state = await this.optimizer.getState();
    state.firstMoments.forEach((values, i) =>
      tensors.push({ name: `${FIRST_MOMENT}:${i}`, values }),
    );
    state.secondMoments.forEach((values, i) =>
      tensors.push({ name: `${SECOND_MOMENT}:${i}`, values }),
    );
    return { tensors, optimizerStep: state.step };
  }

  /** Restores what checkpointTensors() saved (matched by position; shapes are checked). */
  restore(tensors: CheckpointTensor[], optimizerStep: number): void {
    const { tf, model } = this.options;
    const byKind = (prefix: string): Float32Array[] =>
      tensors.filter((t) => t.name.startsWith(prefix + ':')).map((t) => t.values);
    const weights = byKind(WEIGHT);
    if (weights.length !== model.weights.length) {
      throw new RangeError(
        `checkpoint holds ${weights.length} weights, the model has ${model.weights.length}`,
      );
    }
    const values = model.weights.map((w, i) => {
      if (weights[i].length !== w.shape.reduce((a: number, b) => a * (b ?? 1), 1)) {
        throw new RangeError(
          `checkpoint weight ${i} does not fit ${w.name} ${JSON.stringify(w.shape)}`,
        );
      }
      return tf.tensor(weights[i], w.shape as number[], 'float32');
    });
    model.setWeights(values);
    values.forEach((t) => t.dispose());
    this.optimizer.setState({
      step: optimizerStep,
      firstMoments: byKind(FIRST_MOMENT),
      secondMoments: byKind(SECOND_MOMENT),
    });
  }

  dispose(): void {
    this.optimizer.dispose();
    void this.closeLoader();
  }
}

export class TrainingDivergedError extends AscError {
  constructor(
    readonly epoch: number,
    readonly samples: number,
    readonly loss: number,
  ) {
    super(
      'training-diverged',
      `training diverged in epoch ${epoch} after ${samples} samples (loss ${loss})`,
      { context: { epoch, samples, loss } },
    );
  }
}
