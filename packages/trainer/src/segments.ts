import { AscError } from '@asc/core';

/**
 * Where training reads its inputs from: one clip's segments at a time, so the trainer
 * never holds a whole split in memory. The feature cache implements this in production
 * (cache-source.ts); tests use in-memory sources.
 */
export interface ClipRef {
  /** The clip's key, as in the dataset CSVs and the feature cache. */
  file: string;
  classIndex: number;
}

export interface ClipSegments {
  /** count x frames x bands x planes, channels-last, not normalised. */
  segments: Float32Array;
  count: number;
}

export interface SegmentSource {
  /** One segment's shape: [frames, bands, planes]. */
  readonly segmentShape: readonly [number, number, number];
  read(file: string): ClipSegments;
  close(): void;
}

export class MissingFeaturesError extends AscError {
  constructor(
    readonly file: string,
    readonly where: string,
  ) {
    super('clip-features-missing', `no features for '${file}' in ${where}`, {
      context: { file, where },
    });
  }
}

export function segmentSize(shape: readonly [number, number, number]): number {
  return shape[0] * shape[1] * shape[2];
}

/** A source over segments already in memory (tests, small experiments). */
export function memorySegmentSource(
  clips: ReadonlyMap<string, Float32Array>,
  segmentShape: readonly [number, number, number],
): SegmentSource {
  const size = segmentSize(segmentShape);
  for (const [file, data] of clips) {
    if (data.length === 0 || data.length % size !== 0) {
      throw new RangeError(
        `clip '${file}' has ${data.length} values, not a positive multiple of ${size}`,
      );
    }
  }
  return {
    segmentShape,
    read(file) {
      const segments = clips.get(file);
      if (!segments) throw new MissingFeaturesError(file, 'the in-memory source');
      return { segments, count: segments.length / size };
    },
    close() {},
  };
}
