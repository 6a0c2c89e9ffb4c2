import * as path from 'path';
import type * as tfType from '@tensorflow/tfjs';
import { computeClipFeatures } from '@asc/native';
import { foldBatchNorms, ModelFoldError } from '@asc/zoo';
import { selectBackend, type BackendInfo, type BackendRequest } from './backend';
import { evaluateClips, tfjsScorer, type SegmentScorer } from './evaluate';
import { loadExportedModel, ModelFileError, type ExportDtype } from './export';
import { InputNormaliser } from './inputs';
import { splitOptionsOf, type SplitOptions } from '@asc/datasets';
import { openRunData } from './run-data';
import {
  readRunRecord,
  runPaths,
  RunRecordError,
  type FinalMetrics,
  type RunRecord,
} from './run-record';

type Tf = typeof tfType;

export interface RunModelOptions {
  runDir: string;
  /** Which export to load (default float32). */
  dtype?: ExportDtype;
  backend?: BackendRequest;
}

/**
 * The model that scores: `model` with its batch norms folded into the convolutions and
 * each inverted residual block one layer (one native kernel on the CPU), the same outputs
 * to float32 rounding in fewer passes over the activations; `model` itself (not disposed)
 * when it has layers folding does not rewrite (a shared layer).
 */
function inferenceModel(tf: Tf, model: tfType.LayersModel): tfType.LayersModel {
  try {
    const folded = foldBatchNorms(tf, model);
    model.dispose();
    return folded;
  } catch (err) {
    if (err instanceof ModelFoldError) return model;
    throw err;
  }
}

async function loadRunModel(options: RunModelOptions): Promise<{
  tf: Tf;
  info: BackendInfo;
  record: RunRecord;
  model: tfType.LayersModel;
  inputs: InputNormaliser;
}> {
  const record = readRunRecord(options.runDir);
  if (!record.export) {
    throw new RunRecordError(
      runPaths(options.runDir).record,
      `the run has not finished (${record.epochsDone}/${record.epochs} epochs): no exported model yet`,
    );
  }
  const dir =
    (options.dtype ?? 'float32') === 'float16' ? record.export.fp16Dir : record.export.fp32Dir;
  const { tf, info } = await selectBackend(options.backend ?? 'auto');
  const exported = await loadExportedModel(tf, path.join(options.runDir, dir, 'model.json'));
  const model = inferenceModel(tf, exported);
  const inputs = new InputNormaliser(tf, record.data.inputShape, record.normalisation);
  return { tf, info, record, model, inputs };
}

/** Where the evaluate split is read from, and how many segments go into one forward pass. */
export interface EvaluateSplitOptions {
  datasetDir: string;
  cacheDir: string;
  batchSize: number;
  /** The folder layout's split (default: the dataset's own). */
  split?: Partial<SplitOptions>;
  /** The model's classes in the order of its outputs (default: the dataset's labels). */
  classes?: readonly string[];
  /** When given, the cache's feature configuration must have this hash. */
  featureConfigHash?: string | null;
  /** When given, the cache's segments must have this shape [frames, bands, planes]. */
  segmentShape?: readonly [number, number, number];
  /** The split digest the model trained on: another one now is reported in `warnings`. */
  trainedSplitDigest?: string;
}

/**
 * Scores any model (`score`) on a dataset's evaluate split through its feature cache:
 * clip accuracy, log loss, segment figures, per-class recall and the confusion matrix.
 * `warnings` says when the dataset no longer splits as it did in training.
 */
export async function evaluateSplit(
  score: SegmentScorer,
  o: EvaluateSplitOptions,
): Promise<{ metrics: FinalMetrics; warnings: string[] }> {
  const data = await openRunData(o.datasetDir, o.cacheDir, { split: o.split, classes: o.classes });
  try {
    const source = data.evaluate.source;
    if (o.featureConfigHash && data.cache.configHash !== o.featureConfigHash) {
      throw new ModelFileError(
        `the model was trained on features ${o.featureConfigHash}, the cache holds ${data.cache.configHash}`,
        o.cacheDir,
      );
    }
    if (o.segmentShape && source.segmentShape.some((d, i) => d !== o.segmentShape![i])) {
      throw new ModelFileError(
        `segments are ${source.segmentShape.join('x')}, the model takes ${o.segmentShape.join('x')}`,
        o.cacheDir,
      );
    }
    const warnings: string[] = [];
    if (o.trainedSplitDigest !== undefined && o.trainedSplitDigest !== data.split.digest) {
      warnings.push(
        `${o.datasetDir} no longer splits as when the run trained (split digest ${data.split.digest}, ` +
          `trained on ${o.trainedSplitDigest}): files or labels changed, and evaluate clips may have been trained on`,
      );
    }
    const m = await evaluateClips(score, source, data.evaluate.clips, {
      classes: data.classes.length,
      batchSize: o.batchSize,
    });
    const metrics: FinalMetrics = {
      testAccuracy: m.accuracy,
      testLoss: m.logLoss,
      segmentAccuracy: m.segmentAccuracy,
      segmentBce: m.segmentBce,
      perClass: m.perClass,
      confusion: m.confusion,
      classes: data.classes,
      clips: m.clips,
      segments: m.segments,
    };
    return { metrics, warnings };
  } finally {
    data.close();
  }
}

/**
 * The data a run's model is scored on: its dataset and cache (or the ones given), its
 * classes, and for its own dataset its recorded split (unless `split` is given) and the
 * split digest it trained on.
 */
export function runDataOptions(
  runDir: string,
  record: RunRecord,
  o: { datasetDir?: string; cacheDir?: string; split?: Partial<SplitOptions> },
): Omit<EvaluateSplitOptions, 'batchSize'> & { datasetDir: string; cacheDir: string } {
  const datasetDir = o.datasetDir ?? record.data.datasetDir;
  const cacheDir = o.cacheDir ?? record.data.cacheDir;
  if (!datasetDir || !cacheDir) {
    throw new RunRecordError(
      runPaths(runDir).record,
      'the run names no dataset or cache; pass them',
    );
  }
  const ownDataset = path.resolve(datasetDir) === path.resolve(record.data.datasetDir ?? '');
  return {
    datasetDir,
    cacheDir,
    split: o.split ?? (ownDataset ? splitOptionsOf(record.data.split) : undefined),
    classes: record.data.classes,
    featureConfigHash: record.data.featureConfigHash,
    trainedSplitDigest: ownDataset ? record.data.split?.digest : undefined,
  };
}

export interface EvaluateRunOptions extends RunModelOptions {
  /** Default: the run's dataset and cache. */
  datasetDir?: string;
  cacheDir?: string;
  /** The folder layout's split; default: the run's (as recorded), for its own dataset. */
  split?: Partial<SplitOptions>;
}

/**
 * `asc eval`: re-scores a finished run's exported model on a dataset's evaluate split (the
 * run's own by default), its clips indexed by the run's classes. `warnings` says when the
 * run's own dataset no longer splits as it did in training.
 */
export async function evaluateRun(options: EvaluateRunOptions): Promise<{
  metrics: FinalMetrics;
  backend: BackendInfo;
  dtype: ExportDtype;
  model: string;
  warnings: string[];
}> {
  const { tf, info, record, model, inputs } = await loadRunModel(options);
  try {
    const { metrics, warnings } = await evaluateSplit(tfjsScorer(tf, model, inputs), {
      ...runDataOptions(options.runDir, record, options),
      batchSize: record.recipe.batchSize,
    });
    return {
      metrics,
      backend: info,
      dtype: options.dtype ?? 'float32',
      model: record.model,
      warnings,
    };
  } finally {
    model.dispose();
    inputs.dispose();
  }
}

export interface FilePrediction {
  file: string;
  /** Mean of the segments' sigmoid outputs, per class. */
  probabilities: Record<string, number>;
  predicted: string;
  segments: number;
}

/** `asc predict`: each class's probability (by the run's class names) for audio files, features computed on the fly. */
export async function predictFiles(
  options: RunModelOptions & { files: string[] },
): Promise<{ predictions: FilePrediction[]; model: string; backend: BackendInfo }> {
  const { tf, info, record, model, inputs } = await loadRunModel(options);
  try {
    const classes = record.data.classes;
    const predictions: FilePrediction[] = [];
    for (const file of options.files) {
      const clip = await computeClipFeatures(file, record.data.featureConfig ?? {});
      const [count, frames, bands, planes] = clip.shape;
      const [f, b, p] = record.data.inputShape;
      if (frames !== f || bands !== b || planes !== p) {
        throw new ModelFileError(
          `features are ${frames}x${bands}x${planes}, the model takes ${f}x${b}x${p}`,
          file,
        );
      }
      const probs = tf.tidy(() =>
        tf.mean(tf.sigmoid(model.predict(inputs.tensor(clip.segments, count)) as tfType.Tensor), 0),
      );
      const values = Array.from(await probs.data());
      probs.dispose();
      if (values.length !== classes.length) {
        throw new ModelFileError(
          `the model has ${values.length} outputs but the run records ${classes.length} classes`,
          runPaths(options.runDir).record,
        );
      }
      const best = values.indexOf(Math.max(...values));
      predictions.push({
        file,
        probabilities: Object.fromEntries(classes.map((c, k) => [c, values[k]])),
        predicted: classes[best],
        segments: count,
      });
    }
    return { predictions, model: record.model, backend: info };
  } finally {
    model.dispose();
    inputs.dispose();
  }
}
