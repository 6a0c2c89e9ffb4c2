import * as fs from 'fs';
import { resolveFeatureBackend, type FeatureBackend } from '../features/backend';
import { nativeAudio } from './addon-audio';
import { AudioError, AudioNeedsAddonError } from './errors';
import type { ResampleQuality } from './resample';
import type { AudioSource, DecodedAudio, DecodeOptions } from './types';
import { decodeWav, readWavSourceFrom } from './wav';

/** Where audio is read: the addon (libsndfile, libsoxr) or the TypeScript WAV decoder. */
export interface AudioReadOptions {
  /** Default: the addon when it is built. */
  backend?: FeatureBackend;
}

/**
 * What `file`'s header says, like soxi: with the addon any format libsndfile reads
 * (reading only the header, or counting the frames of a stream that does not state
 * them); without it, WAV. Throws AudioError naming the file.
 */
export async function readAudioInfo(
  file: string,
  options: AudioReadOptions = {},
): Promise<AudioSource> {
  if (resolveFeatureBackend(options.backend) === 'native') {
    try {
      return await nativeAudio().probeAudio(file);
    } catch (err) {
      throw AudioError.fromAddon(file, err);
    }
  }
  let fd: fs.promises.FileHandle;
  try {
    fd = await fs.promises.open(file, 'r');
  } catch (err) {
    throw new AudioError(file, 'io', `cannot open: ${(err as Error).message}`);
  }
  try {
    const { size } = await fd.stat();
    return readWavSourceFrom(
      (offset, length) => {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        const got = fs.readSync(fd.fd, buffer, 0, buffer.length, offset);
        return buffer.subarray(0, got);
      },
      size,
      file,
    );
  } finally {
    await fd.close();
  }
}

/** DecodeOptions plus the rate to resample to. */
export interface DecodeFileOptions extends DecodeOptions, AudioReadOptions {
  /** Resample to this rate (libsoxr, the addon only); default: the file's own rate. */
  sampleRateHz?: number;
  /** Default 'hq'. */
  resampleQuality?: ResampleQuality;
}

/**
 * Decodes `file` to float planes: with the addon any format libsndfile reads, resampled
 * with libsoxr when `sampleRateHz` differs from the file's; without it, WAV at the asked
 * rate (AudioNeedsAddonError otherwise). Throws AudioError naming the file.
 */
export async function decodeAudioFile(
  file: string,
  options: DecodeFileOptions = {},
): Promise<DecodedAudio> {
  if (resolveFeatureBackend(options.backend) === 'native') {
    try {
      return await nativeAudio().decodeAudio(file, {
        sampleRateHz: options.sampleRateHz ?? 0,
        resampleQuality: options.resampleQuality,
        channels: options.channels,
        allowTruncated: options.allowTruncated,
      });
    } catch (err) {
      throw AudioError.fromAddon(file, err);
    }
  }
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    throw new AudioError(file, 'io', `cannot read: ${(err as Error).message}`);
  }
  return decodeWavAt(bytes, file, options);
}

/**
 * The TypeScript decoder at a given rate: WAV at `sampleRateHz` (or its own rate when
 * absent); another rate needs the addon's resampler.
 */
export function decodeWavAt(
  bytes: Uint8Array,
  file: string,
  options: DecodeOptions & { sampleRateHz?: number },
): DecodedAudio {
  const audio = decodeWav(bytes, file, options);
  if (options.sampleRateHz !== undefined && audio.sampleRateHz !== options.sampleRateHz) {
    throw new AudioNeedsAddonError(
      file,
      `resampling ${audio.sampleRateHz} Hz to ${options.sampleRateHz} Hz`,
    );
  }
  return audio;
}
