import { loadAddon } from '../addon';
import type { AudioSource, DecodedAudio } from './types';

// The audio functions of the compiled addon, typed (src/binding/audio.cc).

export interface NativeAudio {
  /** The header (libsndfile), on a libuv thread; rejects with `code` set. */
  probeAudio(path: string): Promise<AudioSource>;
  /** Decodes (libsndfile) and resamples (libsoxr) when sampleRateHz is given and differs. */
  decodeAudio(
    path: string,
    options?: {
      sampleRateHz?: number;
      resampleQuality?: string;
      channels?: readonly number[];
      allowTruncated?: boolean;
    },
  ): Promise<DecodedAudio>;
}

/** The addon's audio functions; throws AddonUnavailableError when it is not built. */
export function nativeAudio(): NativeAudio {
  return loadAddon() as unknown as NativeAudio;
}
