import { clipsOfSplit, readDataset, SCENE_LABELS } from '@asc/datasets';
import { openFeatureCache, type FeatureCache } from '@asc/native';
import { cacheSegmentSource, cachedSegmentCount } from './cache-source';
import type { SegmentSource } from './segments';
import type { SplitData } from './trainer';
import { AscError } from '@asc/core';

/** A dataset's train and evaluate splits, read through its feature cache. */
export interface RunData {
  train: SplitData;
  evaluate: SplitData;
  classes: string[];
  cache: FeatureCache;
  datasetDir: string;
  close(): void;
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

/**
 * Opens a dataset (its CSVs) and the feature cache built for it. Every clip of both
 * splits must be in the cache; the error lists what is missing.
 */
export async function openRunData(datasetDir: string, cacheDir: string): Promise<RunData> {
  const dataset = await readDataset(datasetDir);
  const toRefs = (split: 'train' | 'evaluate') => {
    const clips = clipsOfSplit(dataset, split).map((c) => ({
      file: c.file,
      classIndex: c.classIndex,
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
    classes: [...SCENE_LABELS],
    cache,
    datasetDir,
    close: () => source.close(),
  };
}
