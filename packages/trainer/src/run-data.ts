import {
  clipsOfSplit,
  readDataset,
  type DatasetLayout,
  type SplitMethod,
  type SplitOptions,
} from '@asc/datasets';
import { openFeatureCache, type FeatureCache } from '@asc/native';
import { cacheSegmentSource, cachedSegmentCount } from './cache-source';
import type { SegmentSource } from './segments';
import type { SplitData } from './trainer';
import { AscError } from '@asc/core';

/**
 * How a run's dataset was split, as run.json records it: the layout, the split's method
 * (with the seed and fraction of a drawn one, so eval and resume draw it again) and the
 * digest of which clip went where.
 */
export type RunSplit = SplitMethod & { layout: DatasetLayout };

/** A dataset's train and evaluate splits, read through its feature cache. */
export interface RunData {
  train: SplitData;
  evaluate: SplitData;
  /** The class names, in the model's output order. */
  classes: string[];
  split: RunSplit;
  cache: FeatureCache;
  datasetDir: string;
  close(): void;
}

export interface RunDataOptions {
  /** The folder layout's split (default: the dataset package's DEFAULT_SPLIT). */
  split?: Partial<SplitOptions>;
  /**
   * The classes to index by, when a trained model's and not the dataset's own: every
   * label of the dataset must be one of them (a dataset may lack some).
   */
  classes?: readonly string[];
}

export class EmptySplitError extends AscError {
  constructor(
    readonly datasetDir: string,
    readonly split: string,
  ) {
    super('split-empty', `${datasetDir}: the '${split}' split has no clips`, {
      context: { datasetDir, split },
    });
  }
}

/** The dataset has classes the model does not. */
export class ClassesMismatchError extends AscError {
  constructor(
    readonly datasetDir: string,
    readonly unknown: string[],
    readonly classes: readonly string[],
  ) {
    super(
      'classes-mismatch',
      `${datasetDir}: the model does not know the class${unknown.length > 1 ? 'es' : ''} ` +
        `${unknown.map((l) => `'${l}'`).join(', ')} (its classes: ${classes.join(', ')})`,
      { context: { datasetDir, unknown, classes } },
    );
  }
}

/**
 * Opens a dataset (either layout) and the feature cache built for it. Every clip of both
 * splits must be in the cache; the error lists what is missing.
 */
export async function openRunData(
  datasetDir: string,
  cacheDir: string,
  options: RunDataOptions = {},
): Promise<RunData> {
  const dataset = await readDataset(datasetDir, { split: options.split });
  const classes = [...(options.classes ?? dataset.labels)];
  const unknown = dataset.labels.filter((label) => !classes.includes(label));
  if (unknown.length > 0) throw new ClassesMismatchError(datasetDir, unknown, classes);
  const toRefs = (split: 'train' | 'evaluate') => {
    const clips = clipsOfSplit(dataset, split).map((c) => ({
      file: c.file,
      classIndex: classes.indexOf(c.label),
    }));
    if (clips.length === 0) throw new EmptySplitError(datasetDir, split);
    return clips;
  };
  const trainClips = toRefs('train');
  const evaluateClips = toRefs('evaluate');
  const cache = openFeatureCache(cacheDir);
  let source: SegmentSource;
  try {
    source = cacheSegmentSource(cache, [...trainClips, ...evaluateClips]);
  } catch (err) {
    cache.close();
    throw err;
  }
  return {
    train: {
      source,
      clips: trainClips,
      segments: cachedSegmentCount(cache, trainClips),
      cache: { dir: cacheDir, config: cache.config, configHash: cache.configHash },
    },
    evaluate: {
      source,
      clips: evaluateClips,
      segments: cachedSegmentCount(cache, evaluateClips),
    },
    classes,
    split: { layout: dataset.layout, ...dataset.splitMethod },
    cache,
    datasetDir,
    close: () => source.close(),
  };
}
