import { AscError } from '@asc/core';

/** A cache that cannot be opened or used (missing manifest, unknown file, ...). */
export class FeatureCacheError extends AscError {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super('feature-cache-unusable', `${path}: ${detail}`, { context: { file: path } });
  }
}

/** A shard whose bytes do not match its checksum or header. */
export class CorruptShardError extends FeatureCacheError {
  constructor(
    readonly shardPath: string,
    readonly file: string,
    detail: string,
  ) {
    super(shardPath, `corrupt shard for ${file}: ${detail}`);
  }
}

/** buildFeatureCache was aborted through its signal; `report` holds what was done. */
export class FeatureBuildAborted extends AscError {
  constructor(readonly report: unknown) {
    super('aborted', 'feature extraction was cancelled');
    this.name = 'AbortError';
  }
}
