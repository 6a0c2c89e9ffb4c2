import * as fs from 'fs';
import type * as tfType from '@tensorflow/tfjs';
import type { FeatureConfig } from '@asc/native';
import { DEFAULT_WEIGHT_INIT, nonZeroParams, type WeightInit } from '@asc/zoo';
import type { BackendInfo } from './backend';
import { readCheckpoint, writeCheckpoint } from './checkpoint';
import { exportLayersModel, loadExportedModel } from './export';
import { InputNormaliser } from './inputs';
import type { ClipMetrics } from './metrics';
import { fitNormalisation, type Normalisation } from './normalisation';
import type { Recipe } from './recipe';
import { Rng, AscError } from '@asc/core';
import {
  appendRunLog,
  readRunRecord,
  runInit,
  runPaths,
  RUN_RECORD_FORMAT,
  RunRecordError,
  writeRunRecord,
  type ExportRecord,
  type FinalMetrics,
  type RunRecord,
} from './run-record';
import type { RunSplit } from './run-data';
import { seededCopy } from './seeding';
import { segmentSize } from './segments';
import {
  Trainer,
  startOfEpoch,
  type BatchProgress,
  type EpochRecord,
  type SplitData,
  type TrainerRngStates,
} from './trainer';

type Tf = typeof tfType;

/** A model to train: a name, its spec when it has one, and a builder. */
export interface RunModel {
  name: string;
  spec?: unknown;
  params?: number;
  build(
    tf: Tf,
    options: { inputShape: [number, number, number]; classes: number; init: WeightInit },
  ): tfType.LayersModel;
}

export type RunProgress =
  | {
      kind: 'start';
      resumedFromEpoch: number;
      epochs: number;
      trainSegments: number;
      backend: BackendInfo;
    }
  | ({ kind: 'batch' } & BatchProgress)
  | { kind: 'epoch'; record: EpochRecord; epochs: number }
  | { kind: 'export'; export: ExportRecord };

export interface RunTrainingOptions {
  tf: Tf;
  backend: BackendInfo;
  runDir: string;
  model: RunModel;
  recipe: Recipe;
  seed: number;
  /** How the weights start (the zoo's default, PyTorch's, when absent). */
  init?: WeightInit;
  train: SplitData;
  evaluate: SplitData;
  classes: string[];
  /** Fitted on `train` when absent. */
  normalisation?: Normalisation;
  data?: {
    datasetDir: string | null;
    cacheDir: string | null;
    featureConfigHash: string | null;
    featureConfig: FeatureConfig | null;
    split?: RunSplit | null;
  };
  onProgress?: (p: RunProgress) => void;
  signal?: AbortSignal;
}

interface CheckpointMeta {
  epochsDone: number;
  optimizerStep: number;
  rngs: TrainerRngStates;
  history: EpochRecord[];
}

/** The run directory holds a different run than the one asked for. */
export class RunMismatchError extends AscError {
  constructor(
    readonly runDir: string,
    readonly field: string,
    readonly stored: unknown,
    readonly requested: unknown,
  ) {
    super(
      'run-mismatch',
      `${runDir} holds a run with a different ${field} (${JSON.stringify(stored)}, asked for ` +
        `${JSON.stringify(requested)}); use a new --run directory`,
      { context: { runDir, field, stored, requested } },
    );
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function finalMetrics(metrics: ClipMetrics, classes: string[]): FinalMetrics {
  return {
    testAccuracy: metrics.accuracy,
    testLoss: metrics.logLoss,
    segmentAccuracy: metrics.segmentAccuracy,
    segmentBce: metrics.segmentBce,
    perClass: metrics.perClass,
    confusion: metrics.confusion,
    classes,
    clips: metrics.clips,
    segments: metrics.segments,
  };
}

/**
 * Trains a model into `runDir` with checkpoints every epoch; calling it again on the
 * same directory resumes from the last checkpoint (or returns the finished record).
 * Initial weights, shuffles and mixup draws all derive from `seed`, so a resumed run
 * retraces the uninterrupted one.
 */
export async function runTraining(options: RunTrainingOptions): Promise<RunRecord> {
  const { tf, runDir, recipe, seed, classes } = options;
  const init = options.init ?? DEFAULT_WEIGHT_INIT;
  const paths = runPaths(runDir);
  fs.mkdirSync(runDir, { recursive: true });

  let record: RunRecord | undefined;
  if (fs.existsSync(paths.record)) {
    record = readRunRecord(runDir);
    if (record.model !== options.model.name) {
      throw new RunMismatchError(runDir, 'model', record.model, options.model.name);
    }
    if (!sameJson(record.spec ?? null, options.model.spec ?? null)) {
      throw new RunMismatchError(runDir, 'spec', record.spec, options.model.spec);
    }
    if (!sameJson(record.recipe, recipe))
      throw new RunMismatchError(runDir, 'recipe', record.recipe, recipe);
    if (record.seed !== seed) throw new RunMismatchError(runDir, 'seed', record.seed, seed);
    if (!sameJson(record.data.classes, classes)) {
      throw new RunMismatchError(runDir, 'classes', record.data.classes, classes);
    }
    const recorded = record.data.split?.digest;
    const requested = options.data?.split?.digest;
    if (recorded !== undefined && requested !== undefined && recorded !== requested) {
      throw new RunMismatchError(runDir, 'dataset split (digest)', recorded, requested);
    }
    if (runInit(record) !== init) throw new RunMismatchError(runDir, 'init', runInit(record), init);
    if (record.status === 'complete') return record;
  }

  const firstClip = options.train.clips[0];
  if (!firstClip) throw new RangeError('the training split has no clips');
  const inputShape = [...options.train.source.segmentShape] as [number, number, number];
  const normalisation =
    record?.normalisation ??
    options.normalisation ??
    fitNormalisation(options.train.source, options.train.clips);
  const trainSegments = normalisation.segments;

  const master = Rng.fromSeed(seed);
  const initRng = Rng.fromSeed(master.seed());
  const initialRngs: TrainerRngStates = {
    shuffle: Rng.fromSeed(master.seed()).state(),
    mixup: Rng.fromSeed(master.seed()).state(),
  };

  let checkpoint:
    { meta: CheckpointMeta; tensors: ReturnType<typeof readCheckpoint>['tensors'] } | undefined;
  if (record && fs.existsSync(paths.checkpoint)) {
    checkpoint = readCheckpoint<CheckpointMeta>(paths.checkpoint);
  } else if (record && record.epochsDone > 0) {
    throw new RunRecordError(
      paths.record,
      `records ${record.epochsDone} epochs but the checkpoint is missing`,
    );
  }

  const built = options.model.build(tf, { inputShape, classes: classes.length, init });
  let model: tfType.LayersModel;
  try {
    model = await seededCopy(tf, built, initRng);
  } finally {
    built.dispose();
  }
  const inputs = new InputNormaliser(tf, inputShape, normalisation);
  const trainer = new Trainer({
    tf,
    model,
    recipe,
    inputs,
    classes: classes.length,
    train: { ...options.train, segments: trainSegments },
    evaluate: options.evaluate,
    rngs: checkpoint?.meta.rngs ?? initialRngs,
    position: startOfEpoch(
      checkpoint?.meta.epochsDone ?? 0,
      (checkpoint?.meta.epochsDone ?? 0) * trainSegments,
    ),
    signal: options.signal,
    onBatch: (p) => options.onProgress?.({ kind: 'batch', ...p }),
  });
  try {
    if (checkpoint) trainer.restore(checkpoint.tensors, checkpoint.meta.optimizerStep);
    const history = checkpoint?.meta.history ?? [];
    const now = new Date().toISOString();
    record = {
      format: RUN_RECORD_FORMAT,
      status: 'running',
      model: options.model.name,
      spec: options.model.spec ?? null,
      params: options.model.params ?? model.countParams(),
      backend: options.backend,
      recipe,
      seed,
      init,
      epochs: recipe.epochs,
      epochsDone: history.length,
      history,
      normalisation,
      data: {
        datasetDir: options.data?.datasetDir ?? null,
        cacheDir: options.data?.cacheDir ?? null,
        featureConfigHash: options.data?.featureConfigHash ?? null,
        featureConfig: options.data?.featureConfig ?? null,
        split: options.data?.split ?? null,
        inputShape,
        loader: trainer.loader,
        classes,
        trainClips: options.train.clips.length,
        trainSegments,
        evaluateClips: options.evaluate.clips.length,
      },
      final: null,
      export: null,
      startedAt: record?.startedAt ?? now,
      updatedAt: now,
    };
    appendRunLog(runDir, history.length > 0 ? 'resume' : 'start', {
      backend: options.backend,
      loader: trainer.loader,
      model: record.model,
      seed,
      epochs: recipe.epochs,
      fromEpoch: history.length,
    });
    writeRunRecord(runDir, record);
    options.onProgress?.({
      kind: 'start',
      resumedFromEpoch: history.length,
      epochs: recipe.epochs,
      trainSegments,
      backend: options.backend,
    });

    let lastMetrics: ClipMetrics | undefined;
    for (let epoch = history.length; epoch < recipe.epochs; epoch++) {
      const { record: epochRecord, metrics } = await trainer.runEpoch(epoch);
      lastMetrics = metrics;
      history.push(epochRecord);
      const { tensors, optimizerStep } = await trainer.checkpointTensors();
      const meta: CheckpointMeta = {
        epochsDone: epoch + 1,
        optimizerStep,
        rngs: trainer.rngStates(),
        history,
      };
      writeCheckpoint(paths.checkpoint, meta, tensors);
      record = { ...record, epochsDone: epoch + 1, history };
      writeRunRecord(runDir, record);
      appendRunLog(runDir, 'epoch', { ...epochRecord });
      options.onProgress?.({ kind: 'epoch', record: epochRecord, epochs: recipe.epochs });
    }

    lastMetrics ??= await trainer.evaluate();
    const exported = await exportBoth(tf, model, runDir, inputs, options.evaluate);
    options.onProgress?.({ kind: 'export', export: exported });
    record = {
      ...record,
      status: 'complete',
      final: finalMetrics(lastMetrics, classes),
      export: exported,
    };
    writeRunRecord(runDir, record);
    appendRunLog(runDir, 'done', { final: record.final, export: exported });
    return record;
  } finally {
    trainer.dispose();
    inputs.dispose();
    model.dispose();
  }
}

/** Segments compared between the fp32 and fp16 exports. */
const FP16_CHECK_SEGMENTS = 64;

async function exportBoth(
  tf: Tf,
  model: tfType.LayersModel,
  runDir: string,
  inputs: InputNormaliser,
  evaluate: SplitData,
): Promise<ExportRecord> {
  const paths = runPaths(runDir);
  const fp32 = await exportLayersModel(tf, model, paths.fp32Dir, 'float32');
  const fp16 = await exportLayersModel(tf, model, paths.fp16Dir, 'float16');
  const { maxAbsDiff, segments } = await compareExports(
    tf,
    fp32.modelJson,
    fp16.modelJson,
    inputs,
    evaluate,
  );
  return {
    fp32Bytes: fp32.weightsBytes,
    fp16Bytes: fp16.weightsBytes,
    fp32ModelJsonBytes: fp32.modelJsonBytes,
    fp16ModelJsonBytes: fp16.modelJsonBytes,
    fp32Dir: 'model-fp32',
    fp16Dir: 'model-fp16',
    fp16MaxAbsDiff: maxAbsDiff,
    fp16CheckedSegments: segments,
    nonZeroParameters: nonZeroParams(model),
  };
}

/** Loads both exports back from disk and compares their sigmoid outputs on real inputs. */
async function compareExports(
  tf: Tf,
  fp32Json: string,
  fp16Json: string,
  inputs: InputNormaliser,
  evaluate: SplitData,
): Promise<{ maxAbsDiff: number; segments: number }> {
  const shape = evaluate.source.segmentShape;
  const size = segmentSize(shape);
  const buffer = new Float32Array(FP16_CHECK_SEGMENTS * size);
  let filled = 0;
  for (const clip of evaluate.clips) {
    const { segments, count } = evaluate.source.read(clip.file);
    const take = Math.min(count, FP16_CHECK_SEGMENTS - filled);
    buffer.set(segments.subarray(0, take * size), filled * size);
    filled += take;
    if (filled === FP16_CHECK_SEGMENTS) break;
  }
  if (filled === 0) return { maxAbsDiff: 0, segments: 0 };
  const a = await loadExportedModel(tf, fp32Json);
  const b = await loadExportedModel(tf, fp16Json);
  try {
    const diff = tf.tidy(() => {
      const x = inputs.tensor(buffer.subarray(0, filled * size), filled);
      const pa = tf.sigmoid(a.predict(x) as tfType.Tensor);
      const pb = tf.sigmoid(b.predict(x) as tfType.Tensor);
      return tf.max(tf.abs(tf.sub(pa, pb)));
    });
    const maxAbsDiff = (await diff.data())[0];
    diff.dispose();
    return { maxAbsDiff, segments: filled };
  } finally {
    a.dispose();
    b.dispose();
  }
}
