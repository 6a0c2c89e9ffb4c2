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
export class WavError extends Error {
  constructor(
    readonly file: string,
    readonly code: WavErrorCode,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'WavError';
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
export class FeatureCacheError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'FeatureCacheError';
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
    this.name = 'CorruptShardError';
  }
}

/** buildFeatureCache was aborted through its signal; `report` holds what was done. */
export class FeatureBuildAborted extends Error {
  constructor(readonly report: unknown) {
    super('feature extraction was cancelled');
    this.name = 'AbortError';
  }
}
