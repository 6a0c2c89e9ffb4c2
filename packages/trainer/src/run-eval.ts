import * as path from 'path';
import type * as tfType from '@tensorflow/tfjs';
import { computeClipFeatures } from '@asc/native';
import { selectBackend, type BackendInfo, type BackendRequest } from './backend';
import { evaluateClips } from './evaluate';
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
  const model = await loadExportedModel(tf, path.join(options.runDir, dir, 'model.json'));
  const inputs = new InputNormaliser(tf, record.data.inputShape, record.normalisation);
  return { tf, info, record, model, inputs };
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
  const datasetDir = options.datasetDir ?? record.data.datasetDir;
  const cacheDir = options.cacheDir ?? record.data.cacheDir;
  try {
    if (!datasetDir || !cacheDir) {
      throw new RunRecordError(
        runPaths(options.runDir).record,
        'the run names no dataset or cache; pass them',
      );
    }
    const ownDataset = path.resolve(datasetDir) === path.resolve(record.data.datasetDir ?? '');
    const split = options.split ?? (ownDataset ? splitOptionsOf(record.data.split) : undefined);
    const data = await openRunData(datasetDir, cacheDir, { split, classes: record.data.classes });
    const warnings: string[] = [];
    const trained = record.data.split?.digest;
    if (ownDataset && trained !== undefined && trained !== data.split.digest) {
      warnings.push(
        `${datasetDir} no longer splits as when the run trained (split digest ${data.split.digest}, ` +
          `trained on ${trained}): files or labels changed, and evaluate clips may have been trained on`,
      );
    }
    try {
      const m = await evaluateClips(tf, model, data.evaluate.source, inputs, data.evaluate.clips, {
        classes: data.classes.length,
        batchSize: record.recipe.batchSize,
      });
      return {
        metrics: {
          testAccuracy: m.accuracy,
          testLoss: m.logLoss,
          segmentAccuracy: m.segmentAccuracy,
          segmentBce: m.segmentBce,
          perClass: m.perClass,
          confusion: m.confusion,
          classes: data.classes,
          clips: m.clips,
          segments: m.segments,
        },
        backend: info,
        dtype: options.dtype ?? 'float32',
        model: record.model,
        warnings,
      };
    } finally {
      data.close();
    }
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
