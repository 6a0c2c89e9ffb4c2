import type { FeatureCache } from '@asc/native';
import { MissingFeaturesError, type ClipRef, type SegmentSource } from './segments';
import { AscError } from '@asc/core';

/** The feature cache lacks clips the run needs. */
export class FeaturesMissingError extends AscError {
  constructor(
    readonly cacheDir: string,
    readonly missing: string[],
  ) {
    super(
      'cache-incomplete',
      `the feature cache ${cacheDir} lacks ${missing.length} clip(s) of the dataset ` +
        `(first: ${missing.slice(0, 3).join(', ')}); run asc features first`,
      { context: { cacheDir, missing: missing.length } },
    );
  }
}

/**
 * The feature cache as a SegmentSource: each read loads one clip's shard (the cache
 * checks its checksum), so only the clips in flight are in memory.
 */
export function cacheSegmentSource(cache: FeatureCache, clips: readonly ClipRef[]): SegmentSource {
  const missing = clips.filter((c) => !cache.has(c.file)).map((c) => c.file);
  if (missing.length > 0) throw new FeaturesMissingError(cache.dir, missing);
  const first = clips[0];
  const entry = first ? cache.entry(first.file) : undefined;
  const segmentShape: [number, number, number] = [
    entry?.segmentFrames ?? cache.config.segmentFrames,
    entry?.bands ?? 128,
    2,
  ];
  return {
    segmentShape,
    read(file) {
      if (!cache.has(file)) throw new MissingFeaturesError(file, cache.dir);
      const clip = cache.read(file);
      const [count, frames, bands, planes] = clip.shape;
      if (frames !== segmentShape[0] || bands !== segmentShape[1] || planes !== segmentShape[2]) {
        throw new RangeError(
          `${cache.dir}: '${file}' has segments of ${frames}x${bands}x${planes}, ` +
            `expected ${segmentShape.join('x')}`,
        );
      }
      return { segments: clip.segments, count };
    },
    close() {
      cache.close();
    },
  };
}

/** Segments of the clips, from the manifest alone (no shard is read). */
export function cachedSegmentCount(cache: FeatureCache, clips: readonly ClipRef[]): number {
  return clips.reduce((n, c) => n + cache.entry(c.file).segments, 0);
}
