import { AscError } from '@asc/core';

/**
 * Why an audio file could not be used: the codes of the addon's decoder
 * (native/src/audio/decode.h), plus 'needs-addon' from the TypeScript WAV decoder for a
 * format or sample rate only the addon handles.
 */
export type AudioErrorCode =
  | 'io'
  | 'unrecognised-format'
  | 'malformed'
  | 'unsupported-encoding'
  | 'truncated'
  | 'non-finite'
  | 'empty'
  | 'channels'
  | 'resample'
  | 'needs-addon';

const AUDIO_ERROR_CODES: readonly string[] = [
  'io',
  'unrecognised-format',
  'malformed',
  'unsupported-encoding',
  'truncated',
  'non-finite',
  'empty',
  'channels',
  'resample',
  'needs-addon',
] satisfies AudioErrorCode[];

/** An audio file that cannot be read, or not the way it was asked for. */
export class AudioError extends AscError {
  constructor(
    readonly file: string,
    override readonly code: AudioErrorCode,
    readonly detail: string,
  ) {
    super(code, `${file}: ${detail}`, { context: { file } });
  }

  /** Types an error thrown by the addon (which carries `code`) for `file`. */
  static fromAddon(file: string, err: unknown): AudioError {
    // The addon's errors come from the main realm: `instanceof Error` fails under Jest.
    const { code, message } = err as { code?: unknown; message?: unknown };
    const detail = typeof message === 'string' ? message : String(err);
    return new AudioError(
      file,
      AUDIO_ERROR_CODES.includes(code as string) ? (code as AudioErrorCode) : 'io',
      detail,
    );
  }
}

/**
 * A file only the addon can decode (FLAC, MP3, Ogg, AIFF, RF64, A-law WAV, ...) or
 * resample, met without the addon.
 */
export class AudioNeedsAddonError extends AudioError {
  constructor(
    file: string,
    /** What needs the addon, e.g. 'FLAC' or 'resampling 44100 Hz to 48000 Hz'. */
    readonly what: string,
  ) {
    super(
      file,
      'needs-addon',
      `${what} needs the native addon (libsndfile, libsoxr); build it with npx nx run native:build`,
    );
  }
}
