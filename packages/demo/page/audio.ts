import {
  AudioError,
  decodeWav,
  type AudioErrorCode,
  type AudioPlanes,
  type DecodedAudio,
} from '@asc/native/browser';

/** One timed step of the page's work, as shown in its timing table. */
export interface Step {
  name: string;
  ms: number;
}

/** Decoded audio at the pipeline's sample rate, and how it got there. */
export interface DecodedInput {
  audio: AudioPlanes;
  /**
   * 'asc': the project's WAV decoder, as `asc` reads the file (bit for bit the CLI's
   * samples); 'browser': the browser's decodeAudioData, which also resamples.
   */
  decoder: 'asc' | 'browser';
  /** The file's sample rate, when its header says (null: decoded by the browser only). */
  sourceRateHz: number | null;
  encoding: string;
  steps: Step[];
}

/**
 * The browser's Web Audio decoder: decodeAudioData on a context at `rateHz` decodes and
 * resamples to that rate (in Chromium with its sinc resampler).
 */
async function browserDecode(bytes: ArrayBuffer, rateHz: number): Promise<AudioPlanes> {
  const context = new OfflineAudioContext({ numberOfChannels: 1, length: 1, sampleRate: rateHz });
  const buffer = await context.decodeAudioData(bytes.slice(0));
  return {
    sampleRateHz: buffer.sampleRate,
    channels: buffer.numberOfChannels,
    frames: buffer.length,
    samples: Array.from({ length: buffer.numberOfChannels }, (_, c) =>
      Float32Array.from(buffer.getChannelData(c)),
    ),
  };
}

// What the project's WAV decoder refuses that the browser may still read: other formats
// and encodings (FLAC, MP3, Ogg, A-law WAV, ...).
const BROWSER_MAY_READ: readonly AudioErrorCode[] = [
  'needs-addon',
  'unrecognised-format',
  'unsupported-encoding',
];

const timed = async <T>(steps: Step[], name: string, work: () => T | Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const value = await work();
  steps.push({ name, ms: performance.now() - t0 });
  return value;
};

/**
 * The audio of a file as the pipeline needs it. A WAV file at the pipeline's rate is read
 * by the same decoder as `asc` (the CLI's samples exactly); a WAV file at another rate is
 * decoded and resampled by the browser; formats that decoder refuses (FLAC, MP3, Ogg,
 * A-law WAV, ...) are left to the browser, when it can read them.
 */
export async function decodeInput(
  bytes: ArrayBuffer,
  name: string,
  rateHz: number,
): Promise<DecodedInput> {
  const steps: Step[] = [];
  let audio: DecodedAudio;
  try {
    audio = await timed(steps, 'decode (asc WAV decoder)', () =>
      decodeWav(new Uint8Array(bytes), name),
    );
  } catch (err) {
    const browserMayRead = err instanceof AudioError && BROWSER_MAY_READ.includes(err.code);
    if (!browserMayRead) throw err;
    let decoded: AudioPlanes;
    try {
      decoded = await timed(steps, `decode and resample to ${rateHz} Hz (browser)`, () =>
        browserDecode(bytes, rateHz),
      );
    } catch {
      throw new AudioError(name, err.code, `${err.detail}; the browser cannot decode it either`);
    }
    if (decoded.channels > 2) {
      throw new AudioError(
        name,
        'channels',
        `${decoded.channels} channels (only mono and stereo are supported)`,
      );
    }
    return { audio: decoded, decoder: 'browser', sourceRateHz: null, encoding: 'unknown', steps };
  }
  if (audio.sampleRateHz === rateHz) {
    return { audio, decoder: 'asc', sourceRateHz: rateHz, encoding: audio.source.encoding, steps };
  }
  const resampled = await timed(
    steps,
    `resample ${audio.sampleRateHz} → ${rateHz} Hz (browser)`,
    () => browserDecode(bytes, rateHz),
  );
  return {
    audio: resampled,
    decoder: 'browser',
    sourceRateHz: audio.sampleRateHz,
    encoding: audio.source.encoding,
    steps,
  };
}
