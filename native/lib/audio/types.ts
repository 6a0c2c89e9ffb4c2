/**
 * What an audio file's header says. The addon (libsndfile) and the TypeScript WAV reader
 * report the same fields, with libsndfile's names.
 */
export interface AudioSource {
  /** 'wav', 'wavex', 'rifx', 'rf64', 'w64', 'aiff', 'flac', 'ogg', 'mpeg', 'caf', ... */
  container: string;
  /** 'pcm16', 'pcm24', 'pcm32', 'pcm-u8', 'float32', 'mu-law', 'vorbis', 'opus', 'mp3', ... */
  encoding: string;
  /** `${container}/${encoding}`, e.g. 'flac/pcm16'. */
  format: string;
  /** libsndfile's names, e.g. 'FLAC (Free Lossless Audio Codec), Signed 16 bit PCM'. */
  description: string;
  sampleRateHz: number;
  channels: number;
  /**
   * Sample frames the file holds: of a file whose data chunk runs past its end, the
   * frames that are there; of an MP3 without a Xing/LAME header, mpg123's estimate.
   */
  frames: number;
  /**
   * The header declares more data than the file holds. Known from the header alone for
   * the chunked containers (WAV, RF64, Wave64, AIFF); a FLAC stream tells when decoded.
   */
  truncated: boolean;
  /** What was declared and what is there, when truncated. */
  truncation?: string;
}

/** How to decode. */
export interface DecodeOptions {
  /**
   * 1-based channels taken from files with more than two (one or two of them; default
   * [1, 2]). Mono and stereo files are used as they are.
   */
  channels?: readonly number[];
  /** Keep what a truncated file holds instead of failing (default false). */
  allowTruncated?: boolean;
}

/** One or two planes of float samples: what the scalogram pipeline takes. */
export interface AudioPlanes {
  /** Of the planes (the source's, or the rate it was resampled to). */
  sampleRateHz: number;
  /** Planes: 1 (mono) or 2. */
  channels: number;
  /** Samples per plane. */
  frames: number;
  /** Integer encodings as x / 2^(bits - 1), in [-1, 1). */
  samples: Float32Array[];
}

/** A decoded file: its planes and what it was. */
export interface DecodedAudio extends AudioPlanes {
  source: AudioSource;
  /** The 1-based source channel of each plane. */
  channelsUsed: number[];
  /** The file was truncated and what it held was kept. */
  truncated: boolean;
}

/** The default of DecodeOptions.channels. */
export const DEFAULT_CHANNELS: readonly number[] = Object.freeze([1, 2]);
