import { AscError } from '@asc/core';

/** Why a WAV file could not be used (the same codes as the C++ decoder). */
export type WavErrorCode =
  | 'io'
  | 'not-riff-wave'
  | 'truncated'
  | 'unsupported-encoding'
  | 'sample-rate'
  | 'non-finite'
  | 'empty';

const WAV_CODES: readonly string[] = [
  'io',
  'not-riff-wave',
  'truncated',
  'unsupported-encoding',
  'sample-rate',
  'non-finite',
  'empty',
];

/** A WAV file that cannot be decoded or does not fit the feature config. */
export class WavError extends AscError {
  constructor(
    readonly file: string,
    override readonly code: WavErrorCode,
    readonly detail: string,
  ) {
    super(code, `${file}: ${detail}`, { context: { file } });
  }

  /** Types an error thrown by the addon (which carries `code`) for `file`. */
  static fromAddon(file: string, err: unknown): WavError {
    const code = (err as { code?: unknown }).code;
    const detail = err instanceof Error ? err.message : String(err);
    return new WavError(
      file,
      WAV_CODES.includes(code as string) ? (code as WavErrorCode) : 'io',
      detail,
    );
  }
}

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
